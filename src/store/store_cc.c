/**
 * @file store/store_cc.c  The store front for the contact centre
 *
 * Every operation of cb_store.h's "contact centre" section takes the
 * store's lock, calls the back-end's table (store_cc.h) and releases the
 * lock, like store_cdr.c does for billing records.  Arguments are checked
 * here, once, before any back-end sees them: every row names its tenant,
 * and every get and delete is asked for a tenant and only sees its rows.
 */
#include <string.h>
#include <re.h>
#include "store.h"
#include "store_cc.h"


#define CCCALL(st, op, ...)						\
	do {								\
		int e_;							\
		if (!(st) || !(st)->ops->cc)				\
			return (st) ? ENOTSUP : EINVAL;			\
		pthread_mutex_lock(&(st)->lock);			\
		e_ = (st)->ops->cc->op((st)->db, __VA_ARGS__);		\
		pthread_mutex_unlock(&(st)->lock);			\
		return e_;						\
	} while (0)


static bool id_ok(const char *id)
{
	return id && *id;
}


int store_cc_business_put(struct store *st,
			  const struct store_cc_business *b)
{
	if (!b || !b->tenant_id[0])
		return EINVAL;
	CCCALL(st, business_put, b);
}


int store_cc_business_get(struct store *st, const char *tenant_id,
			  struct store_cc_business *b)
{
	if (!id_ok(tenant_id) || !b)
		return EINVAL;
	CCCALL(st, business_get, tenant_id, b);
}


int store_cc_business_list(struct store *st, store_cc_business_h *h,
			   void *arg)
{
	if (!h)
		return EINVAL;
	CCCALL(st, business_list, h, arg);
}


int store_cc_agent_put(struct store *st, const struct store_cc_agent *a)
{
	if (!a || !a->id[0] || !a->tenant_id[0])
		return EINVAL;
	CCCALL(st, agent_put, a);
}


int store_cc_agent_get(struct store *st, const char *tenant_id,
		       const char *id, struct store_cc_agent *a)
{
	if (!id_ok(tenant_id) || !id_ok(id) || !a)
		return EINVAL;
	CCCALL(st, agent_get, tenant_id, id, a);
}


int store_cc_agent_delete(struct store *st, const char *tenant_id,
			  const char *id)
{
	if (!id_ok(tenant_id) || !id_ok(id))
		return EINVAL;
	CCCALL(st, agent_delete, tenant_id, id);
}


int store_cc_agent_list(struct store *st, const char *tenant_id,
			store_cc_agent_h *h, void *arg)
{
	if (!h || (tenant_id && !*tenant_id))
		return EINVAL;
	CCCALL(st, agent_list, tenant_id, h, arg);
}


int store_cc_request_put(struct store *st,
			 const struct store_cc_request *r)
{
	if (!r || !r->id[0] || !r->tenant_id[0])
		return EINVAL;
	CCCALL(st, request_put, r);
}


int store_cc_request_get(struct store *st, const char *tenant_id,
			 const char *id, struct store_cc_request *r)
{
	if (!id_ok(tenant_id) || !id_ok(id) || !r)
		return EINVAL;
	CCCALL(st, request_get, tenant_id, id, r);
}


int store_cc_request_list(struct store *st, const char *tenant_id,
			  const char *agent_id, uint64_t since_ms,
			  uint32_t limit, store_cc_request_h *h, void *arg)
{
	if (!id_ok(tenant_id) || (agent_id && !*agent_id) || !limit || !h)
		return EINVAL;
	CCCALL(st, request_list, tenant_id, agent_id, since_ms, limit, h,
	       arg);
}


int store_dial_policy_put(struct store *st,
			  const struct store_dial_policy *p)
{
	if (!p || !p->tenant_id[0])
		return EINVAL;
	CCCALL(st, dial_policy_put, p);
}


int store_dial_policy_list(struct store *st, store_dial_policy_h *h,
			   void *arg)
{
	if (!h)
		return EINVAL;
	CCCALL(st, dial_policy_list, h, arg);
}
