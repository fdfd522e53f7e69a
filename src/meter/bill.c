/**
 * @file meter/bill.c  Bills: the registry, payers, legs
 *
 * The registry is the one owner of every bill, by call id, from the
 * moment the call is started with it until its capture is written
 * (settle.c unregisters it).  A bill embeds its payers (one per paying
 * account, each with its hold) and its legs (bound as the call dials
 * them), so their addresses are stable for the bill's life; the
 * destructor takes their nodes out of the heap and their entries out of
 * the dirty lists, so nothing points at a bill that is gone.
 */
#include <string.h>
#include <re.h>
#include "meter.h"
#include "cb_tts.h"

static struct hash *bills;        /* struct meter_bill, a ref each */
static uint32_t nbills;

static const char *payer_names[METER_PAYER_MAX] = {
	[METER_PAYER_CALLER] = "caller",
	[METER_PAYER_CALLEE] = "callee",
	[METER_PAYER_ACCOUNT] = "account",
};

static const char *payer_state_names[PAYER_STATE_MAX] = {
	"open", "extending", "asking", "final", "settling", "settled",
};


const char *meter_payer_name(enum meter_payer p)
{
	return p < METER_PAYER_MAX ? payer_names[p] : "?";
}


int meter_payer_parse(enum meter_payer *pp, const char *s)
{
	for (int i = 0; pp && s && i < METER_PAYER_MAX; i++) {
		if (!strcmp(payer_names[i], s)) {
			*pp = (enum meter_payer)i;
			return 0;
		}
	}
	return EINVAL;
}


const char *mtr_payer_state_name(enum payer_state st)
{
	return st < PAYER_STATE_MAX ? payer_state_names[st] : "?";
}


static void bill_destructor(void *arg)
{
	struct meter_bill *bill = arg;

	for (unsigned i = 0; i < bill->legc; i++)
		mtr_cancel(&bill->legv[i].node);
	for (unsigned i = 0; i < bill->payerc; i++)
		mtr_cancel(&bill->payerv[i].node);
	mtr_persist_forget(bill);
	mtr_publish_forget(bill);
	bill->tts = mem_deref(bill->tts);
	bill->conf = mem_deref(bill->conf);
	hash_unlink(&bill->he);
}


int mtr_bill_alloc(struct meter_bill **billp, const char *call_id,
		   const char *tenant_id, const struct store_money_tenant *mt,
		   enum money_limit policy)
{
	return mtr_bill_alloc_n(billp, call_id, tenant_id, mt, policy,
				METER_LEGS_MAX);
}


/** A bill with room for `legs` legs (a conference's has more) */
int mtr_bill_alloc_n(struct meter_bill **billp, const char *call_id,
		     const char *tenant_id,
		     const struct store_money_tenant *mt,
		     enum money_limit policy, unsigned legs)
{
	struct meter_bill *bill;

	if (!billp || !call_id || !tenant_id || !mt ||
	    policy >= MONEY_LIMIT_MAX || !legs || legs > METER_LEGS_CONF)
		return EINVAL;
	bill = mem_zalloc(sizeof(*bill) + legs * sizeof(struct mleg),
			  bill_destructor);
	if (!bill)
		return ENOMEM;
	bill->legn = legs;
	str_ncpy(bill->call_id, call_id, sizeof(bill->call_id));
	str_ncpy(bill->tenant_id, tenant_id, sizeof(bill->tenant_id));
	bill->mt = *mt;
	bill->digits = money_currency_digits(mt->currency);
	bill->policy = policy;
	*billp = bill;
	return 0;
}


/** A paying account with the hold just authorized for it */
struct payer *mtr_bill_payer_add(struct meter_bill *bill,
				 enum meter_payer kind,
				 const char *account_id, const char *hold_id,
				 int64_t amount)
{
	struct payer *p;

	if (!bill || bill->payerc >= ARRAY_SIZE(bill->payerv))
		return NULL;
	p = &bill->payerv[bill->payerc];
	memset(p, 0, sizeof(*p));
	p->bill = bill;
	p->idx = bill->payerc++;
	p->kind = kind;
	str_ncpy(p->account_id, account_id, sizeof(p->account_id));
	str_ncpy(p->hold_id, hold_id, sizeof(p->hold_id));
	p->authorized = amount;
	p->step = amount;
	p->state = PAYER_OPEN;
	mtr_node_init(&p->node, mtr_payer_fire);
	return p;
}


static bool id_cmp(struct le *le, void *arg)
{
	const struct meter_bill *bill = le->data;

	return 0 == strcmp(bill->call_id, arg);
}


int mtr_bill_register(struct meter_bill *bill)
{
	if (!bill || !bills || bill->registered)
		return EINVAL;
	if (mtr_bill_find(bill->call_id))
		return EEXIST;
	hash_append(bills, hash_joaat_str(bill->call_id), &bill->he,
		    mem_ref(bill));
	bill->registered = true;
	++nbills;
	return 0;
}


/** The registry lets the bill go (it may be freed at once) */
void mtr_bill_unregister(struct meter_bill *bill)
{
	if (!bill || !bill->registered)
		return;
	bill->registered = false;
	--nbills;
	hash_unlink(&bill->he);
	mem_deref(bill);
}


struct meter_bill *mtr_bill_find(const char *call_id)
{
	if (!call_id || !bills)
		return NULL;
	return list_ledata(hash_lookup(bills, hash_joaat_str(call_id), id_cmp,
				       (void *)call_id));
}


/**
 * The call to publish a bill's events on, and to find leg_id in (NULL:
 * any): a call's bill has its own call; a conference's asks its
 * conference (the participant's call, or the owner's)
 */
struct call *mtr_bill_call(const struct meter_bill *bill, const char *leg_id)
{
	if (bill->conf)
		return mtr_conf_call(bill, leg_id);
	return call_find(bill->call_id);
}


struct mleg *mtr_bill_leg_find(struct meter_bill *bill, const char *leg_id)
{
	for (unsigned i = 0; bill && leg_id && i < bill->legc; i++) {
		if (!strcmp(bill->legv[i].id, leg_id))
			return &bill->legv[i];
	}
	return NULL;
}


/**
 * A leg the call dialed for `role`: it is metered from its answer with
 * the role's rate (or not at all when the role's destination is not a
 * number) and billed to the role's payer.  NULL when the bill is full.
 */
struct mleg *mtr_bill_leg_bind(struct meter_bill *bill, const char *leg_id,
			       enum meter_role role, const char *peer,
			       uint64_t created_ms)
{
	const struct role *r;
	struct mleg *l;

	if (!bill || !leg_id || role >= METER_ROLE_MAX)
		return NULL;
	l = mtr_bill_leg_find(bill, leg_id);
	if (l)
		return l;
	r = &bill->rolev[role];
	if (!r->present || !r->payer || bill->legc >= bill->legn)
		return NULL;

	l = &bill->legv[bill->legc];
	memset(l, 0, sizeof(*l));
	l->bill = bill;
	l->idx = bill->legc++;
	l->role = role;
	l->payer = r->payer;
	str_ncpy(l->id, leg_id, sizeof(l->id));
	str_ncpy(l->peer, peer && *peer ? peer : r->peer, sizeof(l->peer));
	l->rated = r->rated;
	l->rate = r->rate;
	l->created_ms = created_ms;
	mtr_node_init(&l->node, mtr_mleg_fire);
	return l;
}


struct apply_ctx {
	bool (*h)(struct meter_bill *bill, void *arg);
	void *arg;
};


static bool apply_handler(struct le *le, void *arg)
{
	struct apply_ctx *ctx = arg;

	return ctx->h(le->data, ctx->arg);
}


/** h on every bill; h may unregister the bill it is given */
int mtr_bill_apply(bool (*h)(struct meter_bill *bill, void *arg), void *arg)
{
	struct apply_ctx ctx = {h, arg};

	if (!h)
		return EINVAL;
	(void)hash_apply(bills, apply_handler, &ctx);
	return 0;
}


uint32_t mtr_bill_count(void)
{
	return nbills;
}


bool meter_billed(const char *call_id)
{
	return mtr_bill_find(call_id) != NULL;
}


int mtr_bill_registry_init(void)
{
	return bills ? 0 : hash_alloc(&bills, 4096);
}


static bool drop_handler(struct meter_bill *bill, void *arg)
{
	(void)arg;
	mtr_bill_unregister(bill);
	return false;
}


void mtr_bill_registry_close(void)
{
	(void)mtr_bill_apply(drop_handler, NULL);
	bills = mem_deref(bills);
	nbills = 0;
}
