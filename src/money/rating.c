/**
 * @file money/rating.c  Rating: what a duration costs, taxes, summaries
 *
 * A leg that was never answered (0 ms) costs nothing.  An answered leg is
 * billed the first increment, then whole next increments, each started
 * increment in full: with 60/6, 1 ms and 60.000 s bill 60 s, 60.001 s
 * bills 66 s.  Its usage is price_per_min x billed_s / 60, rounded once,
 * half up, to the micro-unit (the only rounding of a leg: at most half a
 * micro-unit off); then the connection fee is added and the leg costs at
 * least its rate's minimum charge.
 *
 * A summary (seed 004, FIG. 6) adds the legs, raises the subtotal to the
 * conference minimum when anything was charged, rounds half up to the
 * currency's minor unit (a visible `rounding` line), and taxes the result
 * (tax_ppm, rounded half up to the minor unit, once).
 */
#include <string.h>
#include <re.h>
#include "money.h"


uint64_t money_billed_s(const struct store_rate *r, uint64_t dur_ms)
{
	uint64_t first_ms, next_ms, rest;

	if (!r || !dur_ms || !r->first_s || !r->next_s)
		return 0;
	first_ms = (uint64_t)r->first_s * 1000;
	if (dur_ms <= first_ms)
		return r->first_s;
	next_ms = (uint64_t)r->next_s * 1000;
	rest = dur_ms - first_ms;
	return r->first_s + (rest / next_ms + (rest % next_ms != 0)) *
		r->next_s;
}


int money_leg_cost(int64_t *costp, const struct store_rate *r,
		   uint64_t dur_ms)
{
	uint64_t billed = money_billed_s(r, dur_ms);
	int64_t usage, cost;
	int err;

	if (!costp || !r)
		return EINVAL;
	if (!dur_ms) {
		*costp = 0;
		return 0;
	}
	if (billed > (uint64_t)INT64_MAX)
		return ERANGE;
	err = money_muldiv(&usage, r->per_min, (int64_t)billed, 60,
			   MONEY_ROUND_HALF_UP);
	if (!err)
		err = money_add(&cost, usage, r->connect_fee);
	if (err)
		return err;
	*costp = cost < r->min_charge ? r->min_charge : cost;
	return 0;
}


int money_leg_rate(struct money_leg_charge *lc, const struct store_rate *r,
		   uint64_t dur_ms)
{
	if (!lc || !r)
		return EINVAL;
	lc->dur_ms = dur_ms;
	lc->billed_s = money_billed_s(r, dur_ms);
	return money_leg_cost(&lc->cost, r, dur_ms);
}


int money_tax(int64_t *taxp, int64_t net, uint32_t tax_ppm)
{
	if (tax_ppm > MONEY_PPM)
		return ERANGE;
	return money_muldiv(taxp, net, tax_ppm, MONEY_PPM,
			    MONEY_ROUND_HALF_UP);
}


static int64_t minor_step(unsigned digits)
{
	int64_t step = 1;

	for (unsigned i = digits; i < 6; i++)
		step *= 10;
	return step;
}


int money_summary_make(struct money_summary *s,
		       const struct money_leg_charge *legv, size_t legc,
		       int64_t conf_min, uint32_t tax_ppm, unsigned digits)
{
	int64_t sum = 0, pre, step, t;
	int err = 0;

	if (!s || (legc && !legv) || digits > 6 || conf_min < 0 ||
	    tax_ppm > MONEY_PPM)
		return EINVAL;
	memset(s, 0, sizeof(*s));

	for (size_t i = 0; i < legc && !err; i++) {
		if (legv[i].cost < 0)
			return EINVAL;
		err = money_add(&sum, sum, legv[i].cost);
	}
	if (err)
		return err;
	s->subtotal = sum;
	if (sum > 0 && sum < conf_min)
		s->min_adjust = conf_min - sum;
	pre = sum + s->min_adjust;

	err = money_round_minor(&s->net, pre, digits);
	if (err)
		return err;
	s->rounding = s->net - pre;

	/* one rounding: net x ppm / (1e6 x step), half up, in minor units */
	step = minor_step(digits);
	err = money_muldiv(&t, s->net, tax_ppm, MONEY_PPM * step,
			   MONEY_ROUND_HALF_UP);
	if (!err)
		err = money_mul(&s->tax, t, step);
	if (!err)
		err = money_add(&s->total, s->net, s->tax);
	return err;
}


/**
 * What to pre-authorize for a call or conference: each participant's
 * cost over the tenant's typical length, at least the conference
 * minimum, plus tax, within [hold_min, hold_max], rounded up to the
 * currency's minor unit.
 */
int money_estimate(int64_t *amountp, const struct store_rate *ratev,
		   size_t n, const struct store_money_tenant *mt)
{
	int64_t sum = 0, c, tax, step;
	int err = 0;

	if (!amountp || (n && !ratev) || !mt)
		return EINVAL;
	for (size_t i = 0; i < n && !err; i++) {
		err = money_leg_cost(&c, &ratev[i],
				     (uint64_t)mt->typical_s * 1000);
		if (!err)
			err = money_add(&sum, sum, c);
	}
	if (!err && sum < mt->conf_min)
		sum = mt->conf_min;
	if (!err)
		err = money_tax(&tax, sum, mt->tax_ppm);
	if (!err)
		err = money_add(&sum, sum, tax);
	if (err)
		return err;
	if (sum < mt->hold_min)
		sum = mt->hold_min;
	if (mt->hold_max > 0 && sum > mt->hold_max)
		sum = mt->hold_max;

	step = minor_step(money_currency_digits(mt->currency));
	err = money_muldiv(&c, sum, 1, step, MONEY_ROUND_UP);
	if (!err)
		err = money_mul(amountp, c, step);
	return err;
}
