/**
 * @file meter/cost.c  What a leg, a payer and a bill cost at a given time
 *
 * Pure functions of the bill and a wall-clock time: a leg costs what
 * money_leg_rate() says for the time it has been answered (until its end
 * once it has ended; nothing if it never answered or is not rated), a
 * payer what money_summary_make() says for its legs (minimum charge,
 * rounding to the currency's minor unit and tax included: exactly what
 * the capture will take), a bill the sum of its payers.  Nothing here is
 * stored: the running cost is computed when it is asked for, so it is
 * exact at any instant, between increments too.
 *
 * mtr_payer_limit_find() answers when a payer's hold stops covering the
 * legs as they run: the first millisecond at which the summary's total
 * exceeds the authorized amount.  The total only grows, in steps at the
 * legs' increments, so a binary search over the next day finds it in at
 * most 27 evaluations; it runs when a leg answers or ends and when the
 * amount changes, never per increment.
 */
#include <string.h>
#include <re.h>
#include "meter.h"


/** The charge of leg l if the call were to end at t */
int mtr_mleg_charge_at(const struct mleg *l, uint64_t t,
		       struct money_leg_charge *lc)
{
	uint64_t end, dur = 0;

	memset(lc, 0, sizeof(*lc));
	if (!l->rated || !l->answered_ms)
		return 0;
	end = l->ended_ms ? l->ended_ms : t;
	if (end > l->answered_ms)
		dur = end - l->answered_ms;
	/* a leg that runs has started its first increment, even in the
	 * millisecond of its answer; an ended one costs what its stamps say */
	if (!l->ended_ms && !dur)
		dur = 1;
	return money_leg_rate(lc, &l->rate, dur);
}


int mtr_payer_summary_at(const struct payer *p, uint64_t t,
			 struct money_summary *s)
{
	const struct meter_bill *bill = p->bill;
	struct money_leg_charge lcv[METER_LEGS_CONF];
	size_t n = 0;
	int err;

	for (unsigned i = 0; i < bill->legc; i++) {
		const struct mleg *l = &bill->legv[i];

		if (l->payer != p)
			continue;
		err = mtr_mleg_charge_at(l, t, &lcv[n++]);
		if (err)
			return err;
	}
	return money_summary_make(s, lcv, n, bill->mt.conf_min,
				  bill->mt.tax_ppm, bill->digits);
}


/**
 * The bill's running cost (sum of legs) and total (as charged) at t; with
 * lcv (bill->legc entries), each leg's charge too.
 */
int mtr_bill_cost_at(const struct meter_bill *bill, uint64_t t,
		     int64_t *costp, int64_t *totalp,
		     struct money_leg_charge *lcv)
{
	struct money_leg_charge own[METER_LEGS_CONF], pv[METER_LEGS_CONF];
	struct money_summary s;
	int64_t cost = 0, total = 0;
	int err = 0;

	if (!lcv)
		lcv = own;
	for (unsigned i = 0; i < bill->legc && !err; i++) {
		err = mtr_mleg_charge_at(&bill->legv[i], t, &lcv[i]);
		if (!err)
			err = money_add(&cost, cost, lcv[i].cost);
	}
	/* each payer's summary from the charges just computed */
	for (unsigned k = 0; k < bill->payerc && !err; k++) {
		size_t n = 0;

		for (unsigned i = 0; i < bill->legc; i++) {
			if (bill->legv[i].payer == &bill->payerv[k])
				pv[n++] = lcv[i];
		}
		err = money_summary_make(&s, pv, n, bill->mt.conf_min,
					 bill->mt.tax_ppm, bill->digits);
		if (!err)
			err = money_add(&total, total, s.total);
	}
	if (err)
		return err;
	*costp = cost;
	*totalp = total;
	return 0;
}


static bool over_at(const struct payer *p, uint64_t t)
{
	struct money_summary s;

	/* a cost that cannot be computed is one the hold does not cover */
	if (mtr_payer_summary_at(p, t, &s))
		return true;
	return s.total > p->authorized;
}


static bool running(const struct payer *p)
{
	const struct meter_bill *bill = p->bill;

	for (unsigned i = 0; i < bill->legc; i++) {
		const struct mleg *l = &bill->legv[i];

		if (l->payer == p && l->rated && l->answered_ms &&
		    !l->ended_ms)
			return true;
	}
	return false;
}


/**
 * The first ms >= now at which p's legs cost more than its hold, or 0
 * when that is not within METER_HORIZON_MS (or nothing runs).
 */
uint64_t mtr_payer_limit_find(const struct payer *p, uint64_t now)
{
	uint64_t lo = now, hi = now + METER_HORIZON_MS;

	if (over_at(p, now))
		return now;
	if (!running(p) || !over_at(p, hi))
		return 0;

	/* over_at(lo) is false and over_at(hi) true */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (over_at(p, mid))
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}
