/**
 * @file store/store_money.c  The store front for money: checks, lock, call
 *
 * Every money operation of cb_store.h takes the store's lock, calls the
 * back-end's money table and releases the lock, like store.c does for the
 * rest.  The one invariant that no back-end may be trusted to check on
 * its own is checked here, before any back-end sees a transaction: it has
 * at least two entries, none of them zero, and they sum to zero without
 * overflowing.
 */
#include <string.h>
#include <re.h>
#include "store.h"
#include "store_money.h"


#define MCALL(st, op, ...)						\
	do {								\
		int e_;							\
		if (!(st) || !(st)->ops->money)				\
			return (st) ? ENOTSUP : EINVAL;			\
		pthread_mutex_lock(&(st)->lock);			\
		e_ = (st)->ops->money->op((st)->db, __VA_ARGS__);	\
		pthread_mutex_unlock(&(st)->lock);			\
		return e_;						\
	} while (0)


static bool txn_ok(const struct store_txn *t)
{
	int64_t sum = 0;

	if (!t || !t->id[0] || !t->tenant_id[0] || !t->kind[0] ||
	    !t->entryv || t->entryc < 2)
		return false;
	for (size_t i = 0; i < t->entryc; i++) {
		if (!t->entryv[i].amount || !t->entryv[i].account_id[0])
			return false;
		if (__builtin_add_overflow(sum, t->entryv[i].amount, &sum))
			return false;
	}
	return sum == 0;
}


int store_money_tenant_get(struct store *st, struct store_money_tenant *mt,
			   const char *tenant_id)
{
	if (!mt || !tenant_id)
		return EINVAL;
	MCALL(st, tenant_get, mt, tenant_id);
}


int store_money_tenant_put(struct store *st,
			   const struct store_money_tenant *mt)
{
	if (!mt || !mt->tenant_id[0] || !mt->currency[0])
		return EINVAL;
	MCALL(st, tenant_put, mt);
}


int store_money_rates_replace(struct store *st, const char *tenant_id,
			      const struct store_rate *v, size_t n)
{
	if (!tenant_id || !*tenant_id || (n && !v))
		return EINVAL;
	MCALL(st, rates_replace, tenant_id, v, n);
}


int store_money_rate_find(struct store *st, struct store_rate *r,
			  const char *tenant_id, const char *digits)
{
	if (!r || !tenant_id || !digits || !*digits)
		return EINVAL;
	MCALL(st, rate_find, r, tenant_id, digits);
}


int store_money_rate_list(struct store *st, const char *tenant_id,
			  store_rate_h *h, void *arg)
{
	if (!tenant_id || !h)
		return EINVAL;
	MCALL(st, rate_list, tenant_id, h, arg);
}


int store_money_account_create(struct store *st,
			       const struct store_account *a)
{
	if (!a || !a->id[0] || !a->tenant_id[0] || !a->name[0] ||
	    !a->currency[0] || a->credit_limit < 0)
		return EINVAL;
	MCALL(st, account_create, a);
}


int store_money_account_get(struct store *st, struct store_account *a,
			    const char *tenant_id, const char *id_or_name)
{
	if (!a || !tenant_id || !id_or_name)
		return EINVAL;
	MCALL(st, account_get, a, tenant_id, id_or_name);
}


int store_money_account_list(struct store *st, const char *tenant_id,
			     store_account_h *h, void *arg)
{
	if (!tenant_id || !h)
		return EINVAL;
	MCALL(st, account_list, tenant_id, h, arg);
}


int store_money_txn_post(struct store *st, struct store_txn *t)
{
	if (!txn_ok(t))
		return EINVAL;
	MCALL(st, txn_post, t);
}


int store_money_statement(struct store *st, const char *account_id,
			  uint64_t after_seq, uint32_t limit,
			  store_stmt_h *h, void *arg)
{
	if (!account_id || !h)
		return EINVAL;
	MCALL(st, statement, account_id, after_seq, limit, h, arg);
}


int store_money_hold_open(struct store *st, struct store_hold *h)
{
	if (!h || !h->id[0] || !h->tenant_id[0] || !h->account_id[0] ||
	    h->amount < 0)
		return EINVAL;
	MCALL(st, hold_open, h);
}


int store_money_hold_extend(struct store *st, const char *id, int64_t add,
			    uint64_t now_ms)
{
	if (!id || add <= 0)
		return EINVAL;
	MCALL(st, hold_extend, id, add, now_ms);
}


int store_money_hold_meter(struct store *st, const char *id,
			   int64_t metered, uint64_t now_ms)
{
	if (!id || metered < 0)
		return EINVAL;
	MCALL(st, hold_meter, id, metered, now_ms);
}


int store_money_hold_settle(struct store *st, const char *id,
			    int64_t captured, struct store_txn *t,
			    uint64_t now_ms)
{
	if (!id || captured < 0 || (t && !txn_ok(t)) || (!t && captured))
		return EINVAL;
	MCALL(st, hold_settle, id, captured, t, now_ms);
}


int store_money_hold_get(struct store *st, struct store_hold *h,
			 const char *id)
{
	if (!h || !id)
		return EINVAL;
	MCALL(st, hold_get, h, id);
}


int store_money_hold_list_open(struct store *st, const char *tenant_id,
			       store_hold_h *h, void *arg)
{
	if (!h)
		return EINVAL;
	MCALL(st, hold_list_open, tenant_id, h, arg);
}


int store_money_method_create(struct store *st,
			      const struct store_method *m)
{
	if (!m || !m->id[0] || !m->account_id[0] || !m->token[0])
		return EINVAL;
	MCALL(st, method_create, m);
}


int store_money_method_get(struct store *st, struct store_method *m,
			   const char *id)
{
	if (!m || !id)
		return EINVAL;
	MCALL(st, method_get, m, id);
}


/** An account's payment methods, oldest first */
int store_money_method_list(struct store *st, const char *account_id,
			    store_method_h *h, void *arg)
{
	if (!account_id || !h)
		return EINVAL;
	MCALL(st, method_list, account_id, h, arg);
}


int store_money_token_service_put(struct store *st,
				  const struct store_token_service *s)
{
	if (!s || !s->tenant_id[0] || !s->service[0] || s->price < 0)
		return EINVAL;
	MCALL(st, token_service_put, s);
}


int store_money_token_service_get(struct store *st,
				  struct store_token_service *s,
				  const char *tenant_id, const char *service)
{
	if (!s || !tenant_id || !service)
		return EINVAL;
	MCALL(st, token_service_get, s, tenant_id, service);
}


int store_money_token_get(struct store *st, const char *account_id,
			  const char *service, int64_t *np)
{
	if (!account_id || !service || !np)
		return EINVAL;
	MCALL(st, token_get, account_id, service, np);
}


/** An account's token balances, by service */
int store_money_token_list(struct store *st, const char *account_id,
			   store_token_h *h, void *arg)
{
	if (!account_id || !h)
		return EINVAL;
	MCALL(st, token_list, account_id, h, arg);
}


int store_money_token_apply(struct store *st, struct store_token_op *op)
{
	if (!op || !op->id[0] || !op->tenant_id[0] || !op->service[0] ||
	    !op->movev || !op->movec || (op->txn && !txn_ok(op->txn)))
		return EINVAL;
	MCALL(st, token_apply, op);
}


int store_money_credit_put(struct store *st, const struct store_credit *c,
			   struct store_txn *t)
{
	if (!c || !c->leg_id[0] || !c->tenant_id[0] || c->amount <= 0 ||
	    !txn_ok(t))
		return EINVAL;
	MCALL(st, credit_put, c, t);
}


int store_money_credit_get(struct store *st, struct store_credit *c,
			   const char *tenant_id, const char *leg_id)
{
	if (!c || !tenant_id || !leg_id)
		return EINVAL;
	MCALL(st, credit_get, c, tenant_id, leg_id);
}


int store_money_reconcile(struct store *st, const char *tenant_id,
			  struct store_money_recon *r)
{
	if (!r)
		return EINVAL;
	MCALL(st, reconcile, tenant_id, r);
}
