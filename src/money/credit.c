/**
 * @file money/credit.c  Trouble-report credits (seed 004, FIG. 7)
 *
 * A user who reports noise on the line or a disconnection gets a credit
 * for that leg, to call again without paying for the lost time.  Against
 * fraud, a credit is at most one minute of the leg's rate (and never more
 * than the leg cost), and a leg is credited once: the store keeps one
 * credit row per leg, written with its ledger transaction (promo pays the
 * customer), so a second report answers EALREADY and moves nothing.
 */
#include <string.h>
#include <re.h>
#include "money.h"

static const char *trouble_names[MONEY_TROUBLE_MAX] = {
	[MONEY_TROUBLE_NOISE] = "noise",
	[MONEY_TROUBLE_DISCONNECTED] = "disconnected",
	[MONEY_TROUBLE_OTHER] = "other",
};


const char *money_trouble_name(enum money_trouble t)
{
	return t < MONEY_TROUBLE_MAX ? trouble_names[t] : "?";
}


int money_trouble_parse(enum money_trouble *tp, const char *s)
{
	for (int i = 0; tp && s && i < MONEY_TROUBLE_MAX; i++) {
		if (!strcmp(trouble_names[i], s)) {
			*tp = (enum money_trouble)i;
			return 0;
		}
	}
	return EINVAL;
}


/**
 * Credit a finished leg that cost leg_cost under `rate`.  *amountp is
 * what was credited (on EALREADY: by the first report).  ENODATA: the
 * leg cost nothing, there is nothing to give back.
 */
int money_credit_leg(struct store *st, const char *tenant_id,
		     const char *account_id, const char *leg_id,
		     const struct store_rate *rate, int64_t leg_cost,
		     enum money_trouble why, int64_t *amountp)
{
	struct store_entry ev[2];
	struct store_credit c;
	struct store_account a;
	struct store_txn t;
	char key[STORE_IDEM_KEY_MAX];
	int64_t amount;
	int err;

	if (!st || !tenant_id || !account_id || !leg_id || !*leg_id ||
	    strlen(leg_id) >= STORE_REF_MAX || !rate ||
	    why >= MONEY_TROUBLE_MAX || leg_cost < 0 || rate->per_min < 0)
		return EINVAL;
	if (leg_cost > MONEY_MAX)
		return ERANGE;

	err = store_money_credit_get(st, &c, tenant_id, leg_id);
	if (!err) {
		if (amountp)
			*amountp = c.amount;
		return EALREADY;
	}
	if (err != ENOENT)
		return err;

	amount = leg_cost < rate->per_min ? leg_cost : rate->per_min;
	if (!amount)
		return ENODATA;
	err = store_money_account_get(st, &a, tenant_id, account_id);
	if (!err && !money_account_kind_ok(a.kind))
		err = EINVAL;
	if (err)
		return err;

	memset(ev, 0, sizeof(ev));
	err = money_system_account(st, ev[0].account_id, tenant_id,
				   MONEY_ACC_PROMO);
	if (err)
		return err;
	ev[0].amount = -amount;
	str_ncpy(ev[1].account_id, a.id, sizeof(ev[1].account_id));
	ev[1].amount = amount;

	(void)re_snprintf(key, sizeof(key), "credit:%s", leg_id);
	money_txn_init(&t, tenant_id, "credit", leg_id, key);
	str_ncpy(t.memo, money_trouble_name(why), sizeof(t.memo));
	money_req_hash(t.req_hash, "credit|%s", leg_id);
	t.entryv = ev;
	t.entryc = 2;

	memset(&c, 0, sizeof(c));
	str_ncpy(c.tenant_id, tenant_id, sizeof(c.tenant_id));
	str_ncpy(c.leg_id, leg_id, sizeof(c.leg_id));
	str_ncpy(c.account_id, a.id, sizeof(c.account_id));
	str_ncpy(c.reason, money_trouble_name(why), sizeof(c.reason));
	c.amount = amount;
	c.created_ms = t.created_ms;

	err = store_money_credit_put(st, &c, &t);
	if (err == EALREADY &&
	    !store_money_credit_get(st, &c, tenant_id, leg_id))
		amount = c.amount;
	if ((!err || err == EALREADY) && amountp)
		*amountp = amount;
	return err;
}
