/**
 * @file tests/unit/money_amount.c  Exact amounts and currencies
 *
 * Decimal strings round-trip exactly through micro-units; more than six
 * decimals, anything beyond MONEY_MAX and malformed text are refused;
 * sums and products that would overflow are ERANGE; every rounding mode
 * of a*b/d is exact at the half and on negative values; currencies outside
 * the allow-list are refused.
 */
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "cb_money.h"
#include "test.h"
#include "money_fix.h"

int test_money_parse(void);
int test_money_fmt(void);
int test_money_arith(void);
int test_money_muldiv(void);
int test_money_currency(void);


int test_money_parse(void)
{
	static const struct {
		const char *s;
		int err;
		int64_t v;
	} tv[] = {
		{"0", 0, 0},
		{"1", 0, 1000000},
		{"12.34", 0, 12340000},
		{"-12.34", 0, -12340000},
		{"0.000001", 0, 1},
		{"0.1", 0, 100000},
		{"007.50", 0, 7500000},
		{"-0", 0, 0},
		{"100000000000", 0, INT64_C(100000000000000000)},
		{"100000000000.000001", ERANGE, 0},
		{"99999999999.999999", 0, INT64_C(99999999999999999)},
		{"1000000000000", ERANGE, 0},
		{"99999999999999999999999", ERANGE, 0},
		{"0.0000001", ERANGE, 0},
		{"1.1234567", ERANGE, 0},
		{"", EINVAL, 0},
		{"-", EINVAL, 0},
		{".5", EINVAL, 0},
		{"5.", EINVAL, 0},
		{"1e3", EINVAL, 0},
		{"1,5", EINVAL, 0},
		{" 1", EINVAL, 0},
		{"1 ", EINVAL, 0},
		{"+1", EINVAL, 0},
		{"0x10", EINVAL, 0},
		{"NaN", EINVAL, 0},
		{"--1", EINVAL, 0},
	};
	struct pl pl;
	int64_t v;
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(tv); i++) {
		v = -42;
		err = money_parse(&v, tv[i].s);
		if (err != tv[i].err) {
			re_fprintf(stderr, "  '%s': want %d got %d\n", tv[i].s,
				   tv[i].err, err);
			err = EINVAL;
			goto out;
		}
		if (!err)
			ASSERT_EQ(tv[i].v, v);
	}
	pl_set_str(&pl, "3.25xyz");
	pl.l = 4;
	TEST_ERR(money_parse_pl(&v, &pl));
	ASSERT_EQ(3250000, v);
	ASSERT_EQ(EINVAL, money_parse(NULL, "1"));
	err = 0;
 out:
	return err;
}


int test_money_fmt(void)
{
	char buf[48];
	int err = 0;

	TEST_ERR(money_fmt(buf, sizeof(buf), 12340000, 2));
	ASSERT_STREQ("12.34", buf);
	TEST_ERR(money_fmt(buf, sizeof(buf), 12345678, 2));
	ASSERT_STREQ("12.345678", buf);   /* never rounds */
	TEST_ERR(money_fmt(buf, sizeof(buf), -1, 2));
	ASSERT_STREQ("-0.000001", buf);
	TEST_ERR(money_fmt(buf, sizeof(buf), 5000000, 0));
	ASSERT_STREQ("5", buf);
	TEST_ERR(money_fmt(buf, sizeof(buf), 0, 2));
	ASSERT_STREQ("0.00", buf);
	TEST_ERR(money_fmt(buf, sizeof(buf), 1500, 3));
	ASSERT_STREQ("0.0015", buf);
	TEST_ERR(money_fmt(buf, sizeof(buf), MONEY_MAX, 2));
	ASSERT_STREQ("100000000000.00", buf);
	TEST_ERR(money_fmt(buf, sizeof(buf), INT64_MIN, 0));
	ASSERT_STREQ("-9223372036854.775808", buf);
	ASSERT_EQ(ENOMEM, money_fmt(buf, 4, 12340000, 2));
	ASSERT_EQ(EINVAL, money_fmt(buf, sizeof(buf), 1, 7));

	/* parse(fmt(v)) == v over a sweep of magnitudes and signs */
	for (int64_t v = 1; v < MONEY_MAX / 7; v = v * 7 + 3) {
		int64_t back;

		TEST_ERR(money_fmt(buf, sizeof(buf), -v, 2));
		TEST_ERR(money_parse(&back, buf));
		ASSERT_EQ(-v, back);
	}
 out:
	return err;
}


int test_money_arith(void)
{
	int64_t r;
	int err = 0;

	TEST_ERR(money_add(&r, U(1), U(2)));
	ASSERT_EQ(U(3), r);
	ASSERT_EQ(ERANGE, money_add(&r, MONEY_MAX, 1));
	ASSERT_EQ(ERANGE, money_add(&r, INT64_MAX, INT64_MAX));
	ASSERT_EQ(ERANGE, money_sub(&r, -MONEY_MAX, 1));
	ASSERT_EQ(ERANGE, money_sub(&r, INT64_MIN, 1));
	TEST_ERR(money_sub(&r, U(1), U(3)));
	ASSERT_EQ(-U(2), r);
	TEST_ERR(money_mul(&r, 250000, 4));
	ASSERT_EQ(U(1), r);
	ASSERT_EQ(ERANGE, money_mul(&r, MONEY_MAX, 2));
	ASSERT_EQ(ERANGE, money_mul(&r, INT64_MAX, INT64_MAX));
	err = 0;
 out:
	return err;
}


int test_money_muldiv(void)
{
	int64_t r;
	uint32_t ppm;
	char buf[32];
	int err = 0;

	/* 0.5 rounds away from zero, 0.4999 does not */
	TEST_ERR(money_muldiv(&r, 1, 1, 2, MONEY_ROUND_HALF_UP));
	ASSERT_EQ(1, r);
	TEST_ERR(money_muldiv(&r, -1, 1, 2, MONEY_ROUND_HALF_UP));
	ASSERT_EQ(-1, r);
	TEST_ERR(money_muldiv(&r, 4999, 1, 10000, MONEY_ROUND_HALF_UP));
	ASSERT_EQ(0, r);
	TEST_ERR(money_muldiv(&r, 1, 1, 3, MONEY_ROUND_UP));
	ASSERT_EQ(1, r);
	TEST_ERR(money_muldiv(&r, -1, 1, 3, MONEY_ROUND_UP));
	ASSERT_EQ(0, r);
	TEST_ERR(money_muldiv(&r, -1, 1, 3, MONEY_ROUND_DOWN));
	ASSERT_EQ(-1, r);
	TEST_ERR(money_muldiv(&r, 2, 1, 3, MONEY_ROUND_DOWN));
	ASSERT_EQ(0, r);
	/* the product needs more than 64 bits, the result does not */
	TEST_ERR(money_muldiv(&r, MONEY_MAX, MONEY_MAX, MONEY_MAX,
			      MONEY_ROUND_HALF_UP));
	ASSERT_EQ(MONEY_MAX, r);
	ASSERT_EQ(ERANGE, money_muldiv(&r, MONEY_MAX, 3, 2,
				       MONEY_ROUND_DOWN));
	ASSERT_EQ(EINVAL, money_muldiv(&r, 1, 1, 0, MONEY_ROUND_DOWN));
	ASSERT_EQ(EINVAL, money_muldiv(&r, 1, 1, -5, MONEY_ROUND_DOWN));

	/* minor units: cents, yen, fils */
	TEST_ERR(money_round_minor(&r, 12345000, 2));
	ASSERT_EQ(12350000, r);
	TEST_ERR(money_round_minor(&r, 12344999, 2));
	ASSERT_EQ(12340000, r);
	TEST_ERR(money_round_minor(&r, -12345000, 2));
	ASSERT_EQ(-12350000, r);
	TEST_ERR(money_round_minor(&r, 1500000, 0));
	ASSERT_EQ(2000000, r);
	TEST_ERR(money_round_minor(&r, 1234500, 3));
	ASSERT_EQ(1235000, r);

	/* percentages as parts per million */
	TEST_ERR(money_ppm_parse(&ppm, "8.25"));
	ASSERT_EQ(82500, ppm);
	TEST_ERR(money_ppm_parse(&ppm, "100"));
	ASSERT_EQ(1000000, ppm);
	TEST_ERR(money_ppm_parse(&ppm, "0.0001"));
	ASSERT_EQ(1, ppm);
	ASSERT_EQ(ERANGE, money_ppm_parse(&ppm, "0.00001"));
	ASSERT_EQ(ERANGE, money_ppm_parse(&ppm, "100.01"));
	ASSERT_EQ(ERANGE, money_ppm_parse(&ppm, "-1"));
	ASSERT_EQ(EINVAL, money_ppm_parse(&ppm, "8,25"));
	TEST_ERR(money_ppm_fmt(buf, sizeof(buf), 82500));
	ASSERT_STREQ("8.25", buf);
 out:
	return err;
}


int test_money_currency(void)
{
	int err = 0;

	TEST_ERR(money_currencies_set("USD, EUR,JPY"));
	ASSERT_TRUE(money_currency_ok("USD"));
	ASSERT_TRUE(money_currency_ok("JPY"));
	ASSERT_TRUE(!money_currency_ok("GBP"));   /* valid, not allowed */
	ASSERT_TRUE(!money_currency_ok("usd"));
	ASSERT_TRUE(!money_currency_ok("US"));
	ASSERT_TRUE(!money_currency_ok("USDX"));
	ASSERT_TRUE(!money_currency_ok(""));
	ASSERT_TRUE(!money_currency_ok(NULL));
	ASSERT_EQ(2, money_currency_digits("USD"));
	ASSERT_EQ(0, money_currency_digits("JPY"));
	ASSERT_EQ(3, money_currency_digits("KWD"));

	/* a bad list changes nothing */
	ASSERT_EQ(EINVAL, money_currencies_set("USD,euro"));
	ASSERT_EQ(EINVAL, money_currencies_set(""));
	ASSERT_TRUE(money_currency_ok("EUR"));
	err = 0;
 out:
	return err;
}
