/**
 * @file acd/index.c  Who is available, per tenant and per skill level
 *
 * The only owner of the routing lists (acd.h explains their order).  An
 * agent enters them when it becomes available and leaves them when it
 * stops being available; both are O(skills), since an agent that just
 * became available is the youngest and goes at the tails.  The insert
 * still walks back from the tail by `seq`, so a re-indexed agent (its
 * skills changed while available) keeps its place in the idle order.
 *
 * Tenants and skills are created on first use and live as long as the
 * ACD: requests and agents point at them without references.
 */
#include <string.h>
#include <re.h>
#include "acd.h"


static void tenant_destructor(void *arg)
{
	struct acd_tenant *t = arg;

	list_flush(&t->skills);
}


/** The tenant's index, created on first use; NULL on ENOMEM */
struct acd_tenant *acd_tenant_get(struct acd *acd, const char *id)
{
	struct acd_tenant *t;
	struct le *le;

	LIST_FOREACH(&acd->tenants, le) {
		t = le->data;
		if (!strcmp(t->id, id))
			return t;
	}

	t = mem_zalloc(sizeof(*t), tenant_destructor);
	if (!t)
		return NULL;
	str_ncpy(t->id, id, sizeof(t->id));
	list_append(&acd->tenants, &t->le, t);
	return t;
}


/** The tenant's skill by name; created if `create`; NULL if none */
struct acd_skill *acd_skill_get(struct acd_tenant *t, const char *name,
				bool create)
{
	struct acd_skill *sk;
	struct le *le;

	LIST_FOREACH(&t->skills, le) {
		sk = le->data;
		if (!strcmp(sk->name, name))
			return sk;
	}
	if (!create)
		return NULL;

	sk = mem_zalloc(sizeof(*sk), NULL);
	if (!sk)
		return NULL;
	str_ncpy(sk->name, name, sizeof(sk->name));
	list_append(&t->skills, &sk->le, sk);
	return sk;
}


/* insert by seq, walking back from the tail: O(1) for a new arrival */
static void insert_by_seq(struct list *l, struct le *le,
			  struct acd_agent *ag)
{
	struct le *at = list_tail(l);

	while (at && ((struct acd_agent *)at->data)->seq > ag->seq)
		at = at->prev;
	if (at)
		list_insert_after(l, at, le, ag);
	else
		list_prepend(l, le, ag);
}


/** Put an available agent in its tenant's lists */
void acd_index_enter(struct acd_agent *ag)
{
	insert_by_seq(&ag->tenant->avail, &ag->le_avail, ag);
	for (unsigned i = 0; i < ag->skc; i++) {
		struct agent_skill *s = &ag->skv[i];

		insert_by_seq(&s->skill->lv[s->level], &s->le, ag);
	}
}


/** Take an agent out of every routing list */
void acd_index_leave(struct acd_agent *ag)
{
	list_unlink(&ag->le_avail);
	for (unsigned i = 0; i < ag->skc; i++)
		list_unlink(&ag->skv[i].le);
}


/** Free every tenant index (the ACD is going) */
void acd_index_tenants_flush(struct acd *acd)
{
	list_flush(&acd->tenants);
}
