/**
 * @file money/hold.c  Pre-authorization: authorize, extend, meter, settle
 *
 * Before a billable call starts, a hold reserves an amount: on the payer's
 * balance (the store checks available funds and inserts the hold in one
 * transaction, so parallel calls of one account see each other), or at a
 * card provider.  While the call runs its running cost is persisted on
 * the hold (meter); a hold about to run out is extended (re-authorized).
 * At the end the actual cost is captured and the rest released, in one
 * ledger transaction.  A capture above its hold follows the tenant's
 * `overcapture` policy: cap (charge at most the hold), available (beyond
 * it as far as the available funds go) or debt (all of it); what is not
 * charged is written off to the tenant's promo account, so revenue and
 * tax are always booked in full.  After a crash, money_hold_recover()
 * settles every open hold at its last metered cost.
 */
#include <string.h>
#include <re.h>
#include "money.h"

enum { CAPTURE_TRIES = 8, RECOVER_MAX = 100000 };


static bool amount_bad(int64_t v)
{
	return v <= 0 || v > MONEY_MAX;
}


static int payer_get(struct store *st, struct store_account *a,
		     struct store_method *m,
		     const struct money_provider **provp,
		     const char *tenant_id, const char *account_id,
		     const char *method_id)
{
	int err;

	err = store_money_account_get(st, a, tenant_id, account_id);
	if (err)
		return err;
	if (!money_account_kind_ok(a->kind))
		return EINVAL;
	memset(m, 0, sizeof(*m));
	*provp = &money_prepaid_provider;
	if (!method_id || !*method_id)
		return 0;
	err = store_money_method_get(st, m, method_id);
	if (!err && strcmp(m->account_id, a->id))
		err = ENOENT;
	if (err)
		return err;
	*provp = money_provider_get(m->provider);
	return *provp ? 0 : ENOTSUP;
}


int money_hold_authorize(struct store *st, struct store_hold *h,
			 const char *tenant_id, const char *account_id,
			 int64_t amount, const char *method_id,
			 const char *ref, const char *idem_key)
{
	const struct money_provider *prov;
	struct store_account a;
	struct store_method m;
	char code[MONEY_CODE_MAX] = "";
	int err;

	if (!st || !h || !tenant_id || !account_id ||
	    !money_key_ok(idem_key) || (ref && strlen(ref) >= STORE_REF_MAX))
		return EINVAL;
	if (amount <= 0)
		return EINVAL;
	if (amount > MONEY_MAX)
		return ERANGE;
	err = payer_get(st, &a, &m, &prov, tenant_id, account_id, method_id);
	if (err)
		return err;

	memset(h, 0, sizeof(*h));
	cb_id_new(h->id, 'h');
	str_ncpy(h->tenant_id, tenant_id, sizeof(h->tenant_id));
	str_ncpy(h->account_id, a.id, sizeof(h->account_id));
	str_ncpy(h->method_id, m.id, sizeof(h->method_id));
	str_ncpy(h->ref, ref ? ref : "", sizeof(h->ref));
	str_ncpy(h->idem_key, idem_key ? idem_key : "", sizeof(h->idem_key));
	money_req_hash(h->req_hash, "hold|%s|%lld|%s|%s", a.id,
		       (long long)amount, m.id, h->ref);
	h->amount = amount;
	h->created_ms = money_now_ms();

	if (!prov->on_balance) {
		err = prov->authorize(&m, amount, code);
		if (err) {
			log_info(NULL, "money: hold on %s declined by %s: %s",
				 a.id, prov->name, code);
			return err;
		}
	}
	err = store_money_hold_open(st, h);
	if (err == EALREADY)
		return store_money_hold_get(st, h, h->id) ? EIO : EALREADY;
	return err;
}


int money_hold_extend(struct store *st, const char *hold_id, int64_t add)
{
	const struct money_provider *prov;
	struct store_account a;
	struct store_method m;
	struct store_hold h;
	char code[MONEY_CODE_MAX] = "";
	int err;

	if (!st || !hold_id)
		return EINVAL;
	if (amount_bad(add))
		return add <= 0 ? EINVAL : ERANGE;
	err = store_money_hold_get(st, &h, hold_id);
	if (!err && h.state)
		err = EALREADY;
	if (!err)
		err = payer_get(st, &a, &m, &prov, h.tenant_id, h.account_id,
				h.method_id);
	if (!err && !prov->on_balance)
		err = prov->authorize(&m, add, code);
	if (err)
		return err;
	return store_money_hold_extend(st, hold_id, add, money_now_ms());
}


int money_hold_meter(struct store *st, const char *hold_id, int64_t metered)
{
	if (!st || !hold_id || metered < 0)
		return EINVAL;
	if (metered > MONEY_MAX)
		return ERANGE;
	return store_money_hold_meter(st, hold_id, metered, money_now_ms());
}


/* how much of total the payer is charged, by policy */
static int charge_decide(struct store *st, const struct store_hold *h,
			 const struct store_money_tenant *mt,
			 const struct money_provider *prov,
			 const struct store_method *m, int64_t total,
			 int64_t *chargedp)
{
	struct store_account a;
	char code[MONEY_CODE_MAX];
	int64_t avail, limit;
	int err;

	if (total <= h->amount || mt->overcapture == MONEY_OVER_DEBT) {
		*chargedp = total;
		return 0;
	}
	*chargedp = h->amount;
	if (mt->overcapture == MONEY_OVER_CAP)
		return 0;

	if (!prov->on_balance) {
		if (!prov->authorize(m, total - h->amount, code))
			*chargedp = total;
		return 0;
	}
	err = store_money_account_get(st, &a, h->tenant_id, h->account_id);
	if (err)
		return err;
	/* the hold itself is in a.held: it is what we may take, plus the
	 * rest of the available funds */
	avail = a.balance - a.held + (mt->allow_credit ? a.credit_limit : 0);
	if (__builtin_add_overflow(avail, h->amount, &limit))
		return ERANGE;
	if (limit > *chargedp)
		*chargedp = limit < total ? limit : total;
	return 0;
}


static void entry_add(struct store_entry *ev, size_t *np, const char *acc,
		      int64_t amount, bool covered)
{
	if (!amount)
		return;
	memset(&ev[*np], 0, sizeof(ev[*np]));
	str_ncpy(ev[*np].account_id, acc, sizeof(ev[*np].account_id));
	ev[*np].amount = amount;
	ev[*np].covered = covered;
	++*np;
}


/* one attempt: decide, build the transaction, settle */
static int capture_once(struct store *st, const struct store_hold *h,
			const struct store_money_tenant *mt, int64_t net,
			int64_t tax, struct money_capture *res)
{
	const struct money_provider *prov;
	struct store_entry ev[8];
	struct store_account a;
	struct store_method m;
	struct store_txn t;
	char rev[CB_ID_LEN + 1], taxacc[CB_ID_LEN + 1], promo[CB_ID_LEN + 1];
	char fund[CB_ID_LEN + 1], key[STORE_IDEM_KEY_MAX];
	char code[MONEY_CODE_MAX] = "";
	size_t n = 0;
	int err;

	err = payer_get(st, &a, &m, &prov, h->tenant_id, h->account_id,
			h->method_id);
	if (!err)
		err = charge_decide(st, h, mt, prov, &m, res->total,
				    &res->charged);
	if (err)
		return err;
	res->written_off = res->total - res->charged;

	err = money_system_account(st, rev, h->tenant_id, MONEY_ACC_REVENUE);
	if (!err)
		err = money_system_account(st, taxacc, h->tenant_id,
					   MONEY_ACC_TAX);
	if (!err)
		err = money_system_account(st, promo, h->tenant_id,
					   MONEY_ACC_PROMO);
	if (!err && !prov->on_balance)
		err = money_funding_account(st, fund, h->tenant_id,
					    prov->name);
	if (err)
		return err;

	if (prov->on_balance) {
		/* the hold covers up to its amount; beyond it, under
		 * `available`, the funds must still be there at the write */
		entry_add(ev, &n, a.id, -res->charged,
			  mt->overcapture == MONEY_OVER_AVAILABLE &&
			  res->charged > h->amount);
	}
	else {
		/* the card pays the account, the account pays the call */
		entry_add(ev, &n, fund, -res->charged, false);
		entry_add(ev, &n, a.id, res->charged, false);
		entry_add(ev, &n, a.id, -res->charged, false);
	}
	entry_add(ev, &n, promo, -res->written_off, false);
	entry_add(ev, &n, rev, net, false);
	entry_add(ev, &n, taxacc, tax, false);

	(void)re_snprintf(key, sizeof(key), "capture:%s", h->id);
	money_txn_init(&t, h->tenant_id, "capture", h->ref, key);
	money_req_hash(t.req_hash, "capture|%s|%lld|%lld", h->id,
		       (long long)net, (long long)tax);
	t.entryv = ev;
	t.entryc = n;
	t.durable = !prov->on_balance;

	if (!prov->on_balance) {
		err = prov->capture(&m, res->charged, code);
		if (err) {
			log_warn(NULL, "money: capture of hold %s refused by "
				 "%s: %s", h->id, prov->name, code);
			return err;
		}
	}
	err = store_money_hold_settle(st, h->id, res->charged, &t,
				      money_now_ms());
	if (!err)
		str_ncpy(res->txn_id, t.id, sizeof(res->txn_id));
	return err;
}


/**
 * Capture the actual cost (net + tax) of a hold and release the rest.
 * EALREADY: the hold was settled before (res tells what it charged).
 */
int money_hold_capture(struct store *st, const char *hold_id, int64_t net,
		       int64_t tax, struct money_capture *res)
{
	struct store_money_tenant mt;
	struct store_hold h;
	int err;

	if (!st || !hold_id || !res || net < 0 || tax < 0)
		return EINVAL;
	memset(res, 0, sizeof(*res));
	err = money_add(&res->total, net, tax);
	if (err)
		return err;

	for (int i = 0; i < CAPTURE_TRIES; i++) {
		err = store_money_hold_get(st, &h, hold_id);
		if (err)
			return err;
		if (h.state) {
			res->charged = h.captured;
			str_ncpy(res->txn_id, h.txn_id, sizeof(res->txn_id));
			return EALREADY;
		}
		if (!res->total)
			return money_hold_release(st, hold_id);
		err = money_tenant_get(st, &mt, h.tenant_id);
		if (!err)
			err = capture_once(st, &h, &mt, net, tax, res);
		/* funds moved between the decision and the write */
		if (err != ENOSPC)
			break;
	}
	return err;
}


int money_hold_release(struct store *st, const char *hold_id)
{
	const struct money_provider *prov;
	struct store_account a;
	struct store_method m;
	struct store_hold h;
	int err;

	if (!st || !hold_id)
		return EINVAL;
	err = store_money_hold_get(st, &h, hold_id);
	if (!err && h.state)
		err = EALREADY;
	if (!err)
		err = payer_get(st, &a, &m, &prov, h.tenant_id, h.account_id,
				h.method_id);
	if (err)
		return err;
	if (!prov->on_balance)
		(void)prov->cancel(&m, h.amount);
	return store_money_hold_settle(st, hold_id, 0, NULL, money_now_ms());
}


struct open_list {
	char (*idv)[CB_ID_LEN + 1];
	size_t n, cap;
};


static bool open_collect(const struct store_hold *h, void *arg)
{
	struct open_list *l = arg;

	if (l->n >= l->cap)
		return true;
	str_ncpy(l->idv[l->n++], h->id, CB_ID_LEN + 1);
	return false;
}


/**
 * After a crash: every open hold is captured at its last metered cost
 * (plus the tenant's tax), or released when nothing was metered.  Run
 * before any call can use a hold (start-up).
 */
int money_hold_recover(struct store *st, const char *tenant_id,
		       unsigned *settledp)
{
	struct open_list l = {.cap = RECOVER_MAX};
	unsigned settled = 0;
	int err;

	if (!st)
		return EINVAL;
	l.idv = mem_alloc(l.cap * sizeof(*l.idv), NULL);
	if (!l.idv)
		return ENOMEM;
	err = store_money_hold_list_open(st, tenant_id, open_collect, &l);

	for (size_t i = 0; i < l.n && !err; i++) {
		struct store_money_tenant mt;
		struct money_capture res;
		struct store_hold h;
		int64_t tax = 0;

		err = store_money_hold_get(st, &h, l.idv[i]);
		if (!err)
			err = money_tenant_get(st, &mt, h.tenant_id);
		if (!err)
			err = money_tax(&tax, h.metered, mt.tax_ppm);
		if (!err)
			err = money_hold_capture(st, h.id, h.metered, tax,
						 &res);
		if (err == EALREADY)
			err = 0;
		else if (!err)
			++settled;
		if (!err)
			log_info(NULL, "money: hold %s (%s) settled after "
				 "restart at %lld", h.id, h.ref,
				 (long long)h.metered);
	}
	mem_deref(l.idv);
	if (settledp)
		*settledp = settled;
	return err;
}
