/**
 * @file store/store_cdr.c  The store front for billing records
 *
 * Every operation of cb_store.h's "call detail records" section takes
 * the store's lock, calls the back-end's table (store_cdr.h) and
 * releases the lock, like store.c and store_money.c do for the rest.
 * Arguments are checked here, once, before any back-end sees them.
 */
#include <string.h>
#include <re.h>
#include "store.h"
#include "store_cdr.h"


#define CCALL(st, op, ...)						\
	do {								\
		int e_;							\
		if (!(st) || !(st)->ops->cdr)				\
			return (st) ? ENOTSUP : EINVAL;			\
		pthread_mutex_lock(&(st)->lock);			\
		e_ = (st)->ops->cdr->op((st)->db, __VA_ARGS__);		\
		pthread_mutex_unlock(&(st)->lock);			\
		return e_;						\
	} while (0)


static bool cdr_ok(const struct store_cdr *c)
{
	return c->leg_id[0] && c->call_id[0] && c->tenant_id[0] &&
		c->cost >= 0 && c->state <= STORE_CDR_RECOVERED;
}


int store_meter_persist(struct store *st,
			const struct store_meter_point *v, size_t n,
			uint64_t now_ms)
{
	if (n && !v)
		return EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].hold_id[0] || v[i].metered < 0)
			return EINVAL;
	}
	if (!n)
		return 0;
	CCALL(st, meter_persist, v, n, now_ms);
}


int store_cdr_put(struct store *st, const struct store_cdr *v, size_t n)
{
	if (n && !v)
		return EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!cdr_ok(&v[i]))
			return EINVAL;
	}
	if (!n)
		return 0;
	CCALL(st, cdr_put, v, n);
}


int store_cdr_get(struct store *st, struct store_cdr *c,
		  const char *tenant_id, const char *leg_id)
{
	if (!c || !tenant_id || !leg_id)
		return EINVAL;
	CCALL(st, cdr_get, c, tenant_id, leg_id);
}


int store_cdr_list_call(struct store *st, const char *tenant_id,
			const char *call_id, store_cdr_h *h, void *arg)
{
	if (!tenant_id || !call_id || !h)
		return EINVAL;
	CCALL(st, cdr_list_call, tenant_id, call_id, h, arg);
}


int store_cdr_list_hold(struct store *st, const char *hold_id,
			store_cdr_h *h, void *arg)
{
	if (!hold_id || !*hold_id || !h)
		return EINVAL;
	CCALL(st, cdr_list_hold, hold_id, h, arg);
}


int store_cdr_list(struct store *st, const char *tenant_id,
		   uint64_t after_seq, uint32_t limit, store_cdr_h *h,
		   void *arg)
{
	if (!tenant_id || !h || !limit)
		return EINVAL;
	CCALL(st, cdr_list, tenant_id, after_seq, limit, h, arg);
}


int store_cdr_trouble_set(struct store *st, const char *tenant_id,
			  const char *leg_id, const char *kind)
{
	if (!tenant_id || !leg_id || !kind || !*kind)
		return EINVAL;
	CCALL(st, cdr_trouble_set, tenant_id, leg_id, kind);
}


int store_charge_put(struct store *st, const struct store_charge *v,
		     size_t n)
{
	if (n && !v)
		return EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].hold_id[0] || !v[i].call_id[0] ||
		    !v[i].tenant_id[0] || v[i].total < 0 || v[i].charged < 0)
			return EINVAL;
	}
	if (!n)
		return 0;
	CCALL(st, charge_put, v, n);
}


int store_charge_list_call(struct store *st, const char *tenant_id,
			   const char *call_id, store_charge_h *h, void *arg)
{
	if (!tenant_id || !call_id || !h)
		return EINVAL;
	CCALL(st, charge_list_call, tenant_id, call_id, h, arg);
}
