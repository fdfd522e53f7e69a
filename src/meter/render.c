/**
 * @file meter/render.c  The `billing` object of a call, as JSON
 *
 * One rendering for GET /v1/calls/{id} and for the `call.cost` events,
 * computed at the moment it is printed (cost.c), so the figures are exact
 * between increments too.  Amounts are decimal strings in the tenant's
 * currency (money_fmt(): the currency's minor digits, more when the
 * micro-units have them, never rounded):
 *
 *   {"state":"live","currency":"USD","limit":"extend",
 *    "cost":"0.0700","total":"0.08",
 *    "legs":[{"leg_id":"l…","role":"a","peer":"+15550100",
 *             "payer":"caller","account":"a…","rated":true,
 *             "per_min":"0.60","increments":"3/2","answered_ms":…,
 *             "ended_ms":0,"billed_s":7,"cost":"0.0700"}],
 *    "payers":[{"payer":"caller","account":"a…","hold_id":"h…",
 *               "state":"open","authorized":"1.00","cost":"0.0700",
 *               "total":"0.08","limit_ms":…}]}
 *
 * `cost` is the sum of the legs, `total` what would be charged if the
 * call ended now (minimum charge, rounding and tax included).
 */
#include <string.h>
#include <re.h>
#include "meter.h"


static const char *bill_state_name(enum bill_state st)
{
	switch (st) {

	case BILL_AUTHORIZED: return "authorized";
	case BILL_LIVE:       return "live";
	case BILL_SETTLING:   return "settling";
	default:              return "?";
	}
}


struct amt {
	int64_t v;
	unsigned digits;
};


static int print_amount(struct re_printf *pf, const struct amt *a)
{
	char buf[40];

	if (money_fmt(buf, sizeof(buf), a->v, a->digits))
		return re_hprintf(pf, "null");
	return re_hprintf(pf, "\"%s\"", buf);
}


/* a JSON string: quotes, backslashes and control characters escaped */
static int print_str(struct re_printf *pf, const char *s)
{
	int err;
	const unsigned char *c = (const unsigned char *)s;

	while (*c && *c >= 0x20 && *c != '"' && *c != '\\')
		++c;
	if (!*c)        /* the common case: a number or a plain URI */
		return re_hprintf(pf, "\"%s\"", s);

	err = re_hprintf(pf, "\"");

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			err |= re_hprintf(pf, "\\%c", *p);
		else if (*p < 0x20)
			err |= re_hprintf(pf, "\\u%04x", *p);
		else
			err |= re_hprintf(pf, "%c", *p);
	}
	return err | re_hprintf(pf, "\"");
}


/* what a %H handler gets: one argument */
struct leg_at {
	const struct mleg *l;
	uint64_t now;
};

struct payer_at {
	const struct payer *p;
	uint64_t now;
};


static int render_leg(struct re_printf *pf, const struct leg_at *la)
{
	const struct mleg *l = la->l;
	uint64_t now = la->now;
	const struct meter_bill *bill = l->bill;
	struct money_leg_charge lc;
	struct amt cost = {0, bill->digits};
	struct amt per_min = {l->rate.per_min, bill->digits};
	int err;

	if (!mtr_mleg_charge_at(l, now, &lc))
		cost.v = lc.cost;
	err = re_hprintf(pf, "{\"leg_id\":\"%s\",\"role\":\"%s\","
			 "\"peer\":%H,\"payer\":\"%s\",\"account\":\"%s\","
			 "\"rated\":%s", l->id,
			 l->role == METER_ROLE_A ? "a" : "b",
			 print_str, l->peer,
			 meter_payer_name(l->payer->kind),
			 l->payer->account_id, l->rated ? "true" : "false");
	if (l->rated)
		err |= re_hprintf(pf, ",\"per_min\":%H,\"increments\":"
				  "\"%u/%u\"", print_amount, &per_min,
				  l->rate.first_s, l->rate.next_s);
	err |= re_hprintf(pf, ",\"answered_ms\":%llu,\"ended_ms\":%llu,"
			  "\"billed_s\":%llu,\"cost\":%H}",
			  (unsigned long long)l->answered_ms,
			  (unsigned long long)l->ended_ms,
			  (unsigned long long)lc.billed_s, print_amount,
			  &cost);
	return err;
}


static int render_payer(struct re_printf *pf, const struct payer_at *pa)
{
	const struct payer *p = pa->p;
	uint64_t now = pa->now;
	const struct meter_bill *bill = p->bill;
	struct money_summary s;
	struct amt auth = {p->authorized, bill->digits};
	struct amt cost = {0, bill->digits}, total = {0, bill->digits};

	if (!mtr_payer_summary_at(p, now, &s)) {
		cost.v = s.subtotal;
		total.v = s.total;
	}
	return re_hprintf(pf, "{\"payer\":\"%s\",\"account\":\"%s\","
			  "\"hold_id\":\"%s\",\"state\":\"%s\","
			  "\"authorized\":%H,\"cost\":%H,\"total\":%H,"
			  "\"limit_ms\":%llu}",
			  meter_payer_name(p->kind), p->account_id,
			  p->hold_id, mtr_payer_state_name(p->state),
			  print_amount, &auth, print_amount, &cost,
			  print_amount, &total,
			  (unsigned long long)p->limit_ms);
}


/** The bill as JSON at this instant (a %H handler) */
int mtr_render_bill(struct re_printf *pf, const struct meter_bill *bill)
{
	uint64_t now = call_now_ms();
	struct amt cost = {0, bill->digits}, total = {0, bill->digits};
	int err;

	(void)mtr_bill_cost_at(bill, now, &cost.v, &total.v, NULL);
	err = re_hprintf(pf, "{\"state\":\"%s\",\"currency\":\"%s\","
			 "\"limit\":\"%s\",\"cost\":%H,\"total\":%H,"
			 "\"legs\":[", bill_state_name(bill->state),
			 bill->mt.currency, money_limit_name(bill->policy),
			 print_amount, &cost, print_amount, &total);
	for (unsigned i = 0; i < bill->legc; i++) {
		struct leg_at la = {&bill->legv[i], now};

		err |= re_hprintf(pf, "%s%H", i ? "," : "", render_leg, &la);
	}
	err |= re_hprintf(pf, "],\"payers\":[");
	for (unsigned i = 0; i < bill->payerc; i++) {
		struct payer_at pa = {&bill->payerv[i], now};

		err |= re_hprintf(pf, "%s%H", i ? "," : "", render_payer,
				  &pa);
	}
	err |= re_hprintf(pf, "]}");
	return err;
}


/**
 * The members of a call.cost event (a %H handler): the running cost and
 * total, and each leg's billed seconds and cost; the compact form of
 * the billing object, rendered for every call whose cost moved, every
 * money.cost_event_ms.
 */
int mtr_render_cost(struct re_printf *pf, const struct meter_bill *bill)
{
	struct money_leg_charge lcv[METER_LEGS_CONF];
	struct amt cost = {0, bill->digits}, total = {0, bill->digits};
	int err;

	if (mtr_bill_cost_at(bill, call_now_ms(), &cost.v, &total.v, lcv))
		return re_hprintf(pf, "\"currency\":\"%s\",\"cost\":null",
				  bill->mt.currency);
	err = re_hprintf(pf, "\"currency\":\"%s\",\"cost\":%H,"
			 "\"total\":%H,\"legs\":[", bill->mt.currency,
			 print_amount, &cost, print_amount, &total);
	for (unsigned i = 0; i < bill->legc; i++) {
		struct amt c = {lcv[i].cost, bill->digits};

		err |= re_hprintf(pf, "%s{\"leg_id\":\"%s\",\"billed_s\":%llu,"
				  "\"cost\":%H}", i ? "," : "",
				  bill->legv[i].id,
				  (unsigned long long)lcv[i].billed_s,
				  print_amount, &c);
	}
	return err | re_hprintf(pf, "]");
}


/** GET /v1/calls/{id}: the call's billing object (a %H handler) */
int meter_json(struct re_printf *pf, const struct call *call)
{
	const struct meter_bill *bill = mtr_bill_find(call_id(call));

	if (!bill)
		return re_hprintf(pf, "null");
	return mtr_render_bill(pf, bill);
}
