/**
 * @file meter/recover.c  After a crash: settle the calls that were up
 *
 * At start-up, before any call can be placed, every hold the meter left
 * open (ref `call:<id>`: a process that died with calls up) is captured
 * at its last persisted running cost plus tax, or released when nothing
 * was metered: what money_hold_recover() does, restricted to the meter's
 * holds, because holds made through the money API for other purposes
 * may rightly stay open across a restart.  A hold settled before is
 * skipped (no double charge); what was used after the last persisted
 * point (at most `money.meter_persist_ms`, or one increment) is lost.
 *
 * The call's open CDRs are closed at that last point (ended_ms = the
 * hold's last metering time, cause `recovered`) and a charge row is
 * written, so GET /v1/calls/{id}/charges and /v1/cdrs show what was
 * charged.
 */
#include <string.h>
#include <re.h>
#include "meter.h"

enum { RECOVER_MAX = 100000, CDRS_MAX = METER_LEGS_CONF };

struct open_list {
	char (*idv)[CB_ID_LEN + 1];
	size_t n, cap;
};

struct cdr_list {
	struct store_cdr v[CDRS_MAX];
	size_t n;
};


static bool open_collect(const struct store_hold *h, void *arg)
{
	struct open_list *l = arg;

	if (strncmp(h->ref, "call:", 5))
		return false;
	if (l->n >= l->cap)
		return true;
	str_ncpy(l->idv[l->n++], h->id, CB_ID_LEN + 1);
	return false;
}


static bool cdr_collect(const struct store_cdr *c, void *arg)
{
	struct cdr_list *l = arg;

	if (l->n >= CDRS_MAX)
		return true;
	l->v[l->n++] = *c;
	return false;
}


/* the open rows end where the hold was last metered */
static void cdrs_close(struct cdr_list *l, const struct store_hold *h)
{
	for (size_t i = 0; i < l->n; i++) {
		struct store_cdr *c = &l->v[i];
		struct money_leg_charge lc;
		uint64_t dur = 0;

		if (c->state != STORE_CDR_OPEN)
			continue;
		c->ended_ms = h->updated_ms > c->answered_ms ? h->updated_ms
			: c->answered_ms;
		if (c->answered_ms)
			dur = c->ended_ms - c->answered_ms;
		c->duration_ms = dur;
		if (c->rated && !money_leg_rate(&lc, &c->rate, dur)) {
			c->billed_s = lc.billed_s;
			c->cost = lc.cost;
		}
		str_ncpy(c->cause, "recovered", sizeof(c->cause));
		c->state = STORE_CDR_RECOVERED;
	}
}


static void charge_make(struct store_charge *ch, const struct store_hold *h,
			const struct store_money_tenant *mt,
			const struct cdr_list *l, int64_t tax,
			const struct money_capture *res)
{
	int64_t sum = 0;

	memset(ch, 0, sizeof(*ch));
	str_ncpy(ch->hold_id, h->id, sizeof(ch->hold_id));
	str_ncpy(ch->call_id, h->ref + 5, sizeof(ch->call_id));
	str_ncpy(ch->tenant_id, h->tenant_id, sizeof(ch->tenant_id));
	str_ncpy(ch->account_id, h->account_id, sizeof(ch->account_id));
	str_ncpy(ch->payer, l->n ? l->v[0].payer : "account",
		 sizeof(ch->payer));
	str_ncpy(ch->currency, mt->currency, sizeof(ch->currency));
	for (size_t i = 0; i < l->n; i++)
		sum += l->v[i].cost;
	ch->authorized = h->amount;
	ch->subtotal = sum < h->metered ? sum : h->metered;
	ch->net = h->metered;
	ch->min_adjust = h->metered - ch->subtotal;
	ch->tax = tax;
	ch->total = h->metered + tax;
	ch->charged = res->charged;
	ch->written_off = res->written_off;
	str_ncpy(ch->txn_id, res->txn_id, sizeof(ch->txn_id));
	ch->state = STORE_CDR_RECOVERED;
	ch->created_ms = h->updated_ms;
}


/* net as the summary makes it: tax on it, rounded to the minor unit */
static int tax_of(int64_t *taxp, int64_t net,
		  const struct store_money_tenant *mt)
{
	struct money_leg_charge lc;
	struct money_summary s;
	int err;

	memset(&lc, 0, sizeof(lc));
	lc.cost = net;
	err = money_summary_make(&s, &lc, 1, 0, mt->tax_ppm,
				 money_currency_digits(mt->currency));
	if (!err)
		*taxp = s.tax;
	return err;
}


static int recover_one(struct store *st, const char *hold_id, bool *donep)
{
	struct store_money_tenant mt;
	struct money_capture res;
	struct store_charge ch;
	struct store_hold h;
	struct cdr_list *clp;
	int64_t tax = 0;
	int err;

	*donep = false;
	memset(&res, 0, sizeof(res));
	err = store_money_hold_get(st, &h, hold_id);
	if (!err && h.state)
		return 0;              /* settled meanwhile */
	if (!err)
		err = money_tenant_get(st, &mt, h.tenant_id);
	if (!err)
		err = tax_of(&tax, h.metered, &mt);
	if (err)
		return err;

	if (h.metered + tax > 0)
		err = money_hold_capture(st, h.id, h.metered, tax, &res);
	else
		err = money_hold_release(st, h.id);
	if (err == EALREADY)
		return 0;
	if (err)
		return err;
	*donep = true;

	/* a conference's bill has up to METER_LEGS_CONF rows: not on the
	 * stack */
	clp = mem_zalloc(sizeof(*clp), NULL);
	if (!clp)
		return ENOMEM;
	err = store_cdr_list_hold(st, h.id, cdr_collect, clp);
	if (!err) {
		cdrs_close(clp, &h);
		err = store_cdr_put(st, clp->v, clp->n);
	}
	if (!err) {
		charge_make(&ch, &h, &mt, clp, tax, &res);
		err = store_charge_put(st, &ch, 1);
	}
	mem_deref(clp);
	log_info(NULL, "call=%s hold=%s settled after restart at %lld + tax "
		 "%lld (charged %lld)", h.ref + 5, h.id, (long long)h.metered,
		 (long long)tax, (long long)res.charged);
	return err;
}


/** Start-up: settle every hold a previous run's calls left open */
int meter_recover(struct store *st, unsigned *settledp)
{
	struct open_list l = {.cap = RECOVER_MAX};
	unsigned settled = 0;
	int err;

	if (!st)
		return EINVAL;
	l.idv = mem_alloc(l.cap * sizeof(*l.idv), NULL);
	if (!l.idv)
		return ENOMEM;
	err = store_money_hold_list_open(st, NULL, open_collect, &l);
	for (size_t i = 0; i < l.n && !err; i++) {
		bool done;

		err = recover_one(st, l.idv[i], &done);
		if (done)
			++settled;
	}
	mem_deref(l.idv);
	if (settledp)
		*settledp = settled;
	return err;
}
