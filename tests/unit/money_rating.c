/**
 * @file tests/unit/money_rating.c  Increments, minimums, taxes, summaries
 *
 * Billed time at every boundary of 60/6 and 1/1 increments (0, 1 ms,
 * 59.999 s, 60 s, 60.001 s, 61 s, 66 s, 66.001 s), the rounding of a
 * per-minute price over seconds, connection fees and minimum charges,
 * tax rounding, seed 004's FIG. 6 summary (a $5.00 conference minimum
 * over $1.80 of calls) and the hold estimate.
 */
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "cb_money.h"
#include "test.h"
#include "money_fix.h"

int test_money_rating_increments(void);
int test_money_rating_cost(void);
int test_money_rating_tax(void);
int test_money_rating_summary(void);
int test_money_rating_estimate(void);


static void rate_set(struct store_rate *r, int64_t per_min, int64_t fee,
		     int64_t min, uint32_t first, uint32_t next)
{
	memset(r, 0, sizeof(*r));
	str_ncpy(r->prefix, "1", sizeof(r->prefix));
	r->per_min = per_min;
	r->connect_fee = fee;
	r->min_charge = min;
	r->first_s = first;
	r->next_s = next;
}


int test_money_rating_increments(void)
{
	static const struct {
		uint32_t first, next;
		uint64_t ms, billed;
	} tv[] = {
		{60, 6, 0, 0},
		{60, 6, 1, 60},
		{60, 6, 59999, 60},
		{60, 6, 60000, 60},
		{60, 6, 60001, 66},
		{60, 6, 61000, 66},
		{60, 6, 66000, 66},
		{60, 6, 66001, 72},
		{60, 6, 3600000, 3600},
		{1, 1, 0, 0},
		{1, 1, 1, 1},
		{1, 1, 999, 1},
		{1, 1, 1000, 1},
		{1, 1, 1001, 2},
		{1, 1, 59999, 60},
		{1, 1, 61000, 61},
		{30, 6, 29999, 30},
		{30, 6, 30001, 36},
		{60, 60, 60001, 120},
	};
	struct store_rate r;
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(tv); i++) {
		rate_set(&r, U(1), 0, 0, tv[i].first, tv[i].next);
		if (money_billed_s(&r, tv[i].ms) != tv[i].billed) {
			re_fprintf(stderr, "  %u/%u %llu ms: want %llu s, got "
				   "%llu\n", tv[i].first, tv[i].next,
				   (unsigned long long)tv[i].ms,
				   (unsigned long long)tv[i].billed,
				   (unsigned long long)
				   money_billed_s(&r, tv[i].ms));
			err = EINVAL;
			goto out;
		}
	}
	/* a year of talk does not overflow */
	rate_set(&r, U(1), 0, 0, 60, 6);
	ASSERT_EQ(UINT64_C(31536000),
		  money_billed_s(&r, UINT64_C(31536000000)));
 out:
	return err;
}


int test_money_rating_cost(void)
{
	struct money_leg_charge lc;
	struct store_rate r;
	int64_t c;
	int err = 0;

	/* $0.012/min, 60/6 */
	rate_set(&r, 12000, 0, 0, 60, 6);
	TEST_ERR(money_leg_cost(&c, &r, 0));
	ASSERT_EQ(0, c);
	TEST_ERR(money_leg_cost(&c, &r, 1));
	ASSERT_EQ(12000, c);                  /* a whole first minute */
	TEST_ERR(money_leg_cost(&c, &r, 59999));
	ASSERT_EQ(12000, c);
	TEST_ERR(money_leg_cost(&c, &r, 60000));
	ASSERT_EQ(12000, c);
	TEST_ERR(money_leg_cost(&c, &r, 60001));
	ASSERT_EQ(13200, c);                  /* 66 s */
	TEST_ERR(money_leg_cost(&c, &r, 61000));
	ASSERT_EQ(13200, c);

	/* 1 µ/min over 1/1: 1/60 µ per second, rounded half up per leg */
	rate_set(&r, 1, 0, 0, 1, 1);
	TEST_ERR(money_leg_cost(&c, &r, 29000));
	ASSERT_EQ(0, c);                      /* 29/60 = 0.483 */
	TEST_ERR(money_leg_cost(&c, &r, 30000));
	ASSERT_EQ(1, c);                      /* 30/60 = 0.5 -> 1 */
	TEST_ERR(money_leg_cost(&c, &r, 89000));
	ASSERT_EQ(1, c);                      /* 1.483 */
	TEST_ERR(money_leg_cost(&c, &r, 90000));
	ASSERT_EQ(2, c);                      /* 1.5 */

	/* $0.07/min over 1/1: 7 s cost 0.008166.. -> 8167 µ */
	rate_set(&r, 70000, 0, 0, 1, 1);
	TEST_ERR(money_leg_cost(&c, &r, 7000));
	ASSERT_EQ(8167, c);

	/* connection fee, then the minimum */
	rate_set(&r, U(1), 50000, 200000, 1, 1);
	TEST_ERR(money_leg_cost(&c, &r, 1000));
	ASSERT_EQ(200000, c);                 /* 0.0167 + 0.05 < 0.20 */
	TEST_ERR(money_leg_cost(&c, &r, 30000));
	ASSERT_EQ(550000, c);                 /* 0.50 + 0.05 */
	TEST_ERR(money_leg_cost(&c, &r, 0));
	ASSERT_EQ(0, c);                      /* unanswered: no minimum */

	/* huge prices: ERANGE, not a wrapped number */
	rate_set(&r, MONEY_MAX, 0, 0, 60, 6);
	ASSERT_EQ(ERANGE, money_leg_cost(&c, &r, 3600000));

	rate_set(&r, 300000, 0, 0, 60, 6);
	TEST_ERR(money_leg_rate(&lc, &r, 300000));
	ASSERT_EQ(300, lc.billed_s);
	ASSERT_EQ(1500000, lc.cost);          /* FIG. 6: 5 min, $1.50 */
	err = 0;
 out:
	return err;
}


int test_money_rating_tax(void)
{
	int64_t t;
	int err = 0;

	TEST_ERR(money_tax(&t, U(100), 82500));
	ASSERT_EQ(U(8) + 250000, t);
	TEST_ERR(money_tax(&t, 1, 500000));
	ASSERT_EQ(1, t);                      /* 0.5 µ -> 1 */
	TEST_ERR(money_tax(&t, 1, 499999));
	ASSERT_EQ(0, t);
	TEST_ERR(money_tax(&t, 0, 82500));
	ASSERT_EQ(0, t);
	ASSERT_EQ(ERANGE, money_tax(&t, U(1), 1000001));
	err = 0;
 out:
	return err;
}


int test_money_rating_summary(void)
{
	struct money_leg_charge legs[2];
	struct money_summary s;
	struct store_rate r;
	int err = 0;

	/* FIG. 6: 19085551234 5 min $1.50, 19085552345 1 min $0.30,
	 * $5.00 conference minimum, no tax: total $5.00 */
	rate_set(&r, 300000, 0, 0, 60, 6);
	memset(legs, 0, sizeof(legs));
	TEST_ERR(money_leg_rate(&legs[0], &r, 300000));
	TEST_ERR(money_leg_rate(&legs[1], &r, 60000));
	TEST_ERR(money_summary_make(&s, legs, 2, U(5), 0, 2));
	ASSERT_EQ(1800000, s.subtotal);
	ASSERT_EQ(3200000, s.min_adjust);
	ASSERT_EQ(0, s.rounding);
	ASSERT_EQ(U(5), s.net);
	ASSERT_EQ(0, s.tax);
	ASSERT_EQ(U(5), s.total);

	/* above the minimum, sub-cent legs, 8.25 % tax */
	legs[0].cost = 7123456;
	legs[1].cost = 1;
	TEST_ERR(money_summary_make(&s, legs, 2, U(5), 82500, 2));
	ASSERT_EQ(7123457, s.subtotal);
	ASSERT_EQ(0, s.min_adjust);
	ASSERT_EQ(7120000, s.net);            /* 7.123457 -> 7.12 */
	ASSERT_EQ(-3457, s.rounding);
	ASSERT_EQ(590000, s.tax);             /* 0.5874 -> 0.59 */
	ASSERT_EQ(7710000, s.total);
	ASSERT_EQ(s.net + s.tax, s.total);
	ASSERT_EQ(s.subtotal + s.min_adjust + s.rounding, s.net);

	/* nothing answered: no minimum, nothing to pay */
	legs[0].cost = 0;
	legs[1].cost = 0;
	TEST_ERR(money_summary_make(&s, legs, 2, U(5), 82500, 2));
	ASSERT_EQ(0, s.total);

	/* yen: whole units */
	legs[0].cost = U(10) + 500000;
	TEST_ERR(money_summary_make(&s, legs, 1, 0, 100000, 0));
	ASSERT_EQ(U(11), s.net);
	ASSERT_EQ(U(1), s.tax);               /* 1.1 -> 1 */

	legs[0].cost = -1;
	ASSERT_EQ(EINVAL, money_summary_make(&s, legs, 1, 0, 0, 2));
	legs[0].cost = MONEY_MAX;
	legs[1].cost = MONEY_MAX;
	ASSERT_EQ(ERANGE, money_summary_make(&s, legs, 2, 0, 0, 2));
	err = 0;
 out:
	return err;
}


int test_money_rating_estimate(void)
{
	struct store_money_tenant mt;
	struct store_rate rv[3];
	int64_t a;
	int err = 0;

	memset(&mt, 0, sizeof(mt));
	str_ncpy(mt.currency, "USD", sizeof(mt.currency));
	mt.typical_s = 600;
	rate_set(&rv[0], 12000, 0, 0, 60, 6);      /* 0.12 */
	rate_set(&rv[1], 300000, 0, 0, 60, 6);     /* 3.00 */
	rate_set(&rv[2], 10000, 5000, 0, 1, 1);    /* 0.105 */
	TEST_ERR(money_estimate(&a, rv, 3, &mt));
	ASSERT_EQ(3230000, a);                     /* 3.225 -> up 3.23 */

	mt.conf_min = U(5);
	mt.tax_ppm = 100000;
	TEST_ERR(money_estimate(&a, rv, 3, &mt));
	ASSERT_EQ(U(5) + 500000, a);               /* minimum + 10 % */

	mt.hold_min = U(25);
	TEST_ERR(money_estimate(&a, rv, 3, &mt));
	ASSERT_EQ(U(25), a);
	mt.hold_min = 0;
	mt.hold_max = U(2);
	TEST_ERR(money_estimate(&a, rv, 3, &mt));
	ASSERT_EQ(U(2), a);
 out:
	return err;
}
