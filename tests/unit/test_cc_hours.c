/**
 * @file tests/unit/test_cc_hours.c  Business hours (src/api/cc_hours.c)
 *
 * Whether a business is open at a given instant, from its hours string
 * in UTC, and what the parser refuses.  2024-01-01 was a Monday.
 */
#include <string.h>
#include <re.h>
#include "api/api.h"
#include "test.h"

int test_cc_hours_open(void);
int test_cc_hours_wrap(void);
int test_cc_hours_malformed(void);
int test_cc_hours_print(void);

static const uint64_t monday_s = 1704067200;   /* 2024-01-01 00:00 UTC */


/* day d (0 = Monday of 2024-01-01) at hh:mm, in ms */
static uint64_t at(unsigned d, unsigned hh, unsigned mm)
{
	return (monday_s + d * 86400u + hh * 3600u + mm * 60u) *
		1000u;
}


int test_cc_hours_open(void)
{
	const char *h = "mon-fri 09:00-17:00;sat 10:00-14:00";
	int err = 0;

	ASSERT_TRUE(cc_hours_open("", at(6, 3, 0)));
	ASSERT_TRUE(cc_hours_open(NULL, at(6, 3, 0)));

	ASSERT_TRUE(!cc_hours_open(h, at(0, 8, 59)));
	ASSERT_TRUE(cc_hours_open(h, at(0, 9, 0)));
	ASSERT_TRUE(cc_hours_open(h, at(2, 12, 30)));
	ASSERT_TRUE(cc_hours_open(h, at(4, 16, 59)));
	ASSERT_TRUE(!cc_hours_open(h, at(4, 17, 0)));
	ASSERT_TRUE(!cc_hours_open(h, at(5, 9, 59)));
	ASSERT_TRUE(cc_hours_open(h, at(5, 10, 0)));
	ASSERT_TRUE(!cc_hours_open(h, at(5, 14, 0)));
	ASSERT_TRUE(!cc_hours_open(h, at(6, 12, 0)));
	/* a week later, same answers; seconds inside a minute count */
	ASSERT_TRUE(cc_hours_open(h, at(7, 9, 0)));
	ASSERT_TRUE(!cc_hours_open(h, at(7, 8, 59) + 59999));
	ASSERT_TRUE(!cc_hours_open(h, at(13, 12, 0)));
 out:
	return err;
}


int test_cc_hours_wrap(void)
{
	const char *h = "fri-mon 00:00-24:00";
	int err = 0;

	ASSERT_TRUE(cc_hours_open(h, at(4, 0, 0)));
	ASSERT_TRUE(cc_hours_open(h, at(6, 12, 0)));
	ASSERT_TRUE(cc_hours_open(h, at(0, 23, 59)));
	ASSERT_TRUE(!cc_hours_open(h, at(1, 0, 0)));
	ASSERT_TRUE(!cc_hours_open(h, at(3, 23, 59)));
	ASSERT_TRUE(cc_hours_open("sun 23:00-24:00", at(6, 23, 30)));
	ASSERT_TRUE(!cc_hours_open("sun 23:00-24:00", at(7, 0, 0)));
 out:
	return err;
}


int test_cc_hours_malformed(void)
{
	static const char *bad[] = {
		"mon-fri 9:00-17:00", "mon 17:00-09:00", "mon 09:00-09:00",
		"mon 09:00-24:01", "mon 24:00-24:00", "mon 09:60-10:00",
		"mon 09:00-17:00;", ";mon 09:00-17:00", "xyz 09:00-17:00",
		"mon-fri  09:00-17:00", "Mon 09:00-17:00", "mon-",
		"mon 09:00-17:00x", "mon 09:00 17:00", "mon-fri-sat 09:00-10:00",
		" ",
	};
	struct cc_hours_span v[CC_HOURS_MAX];
	size_t n;
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		n = ARRAY_SIZE(v);
		if (cc_hours_parse(bad[i], v, &n) != EINVAL ||
		    cc_hours_open(bad[i], at(0, 12, 0))) {
			(void)re_fprintf(stderr, "  accepted '%s'\n", bad[i]);
			err = EINVAL;
			goto out;
		}
	}

	/* more spans than room */
	n = 1;
	ASSERT_EQ(E2BIG, cc_hours_parse("mon 09:00-10:00;tue 09:00-10:00",
					v, &n));
	/* the pieces the API reads one by one */
	{
		uint8_t d0, d1;
		uint16_t m;

		ASSERT_EQ(0, cc_hours_days("sat-sun", &d0, &d1));
		ASSERT_EQ(5, d0);
		ASSERT_EQ(6, d1);
		ASSERT_EQ(EINVAL, cc_hours_days("sat-", &d0, &d1));
		ASSERT_EQ(EINVAL, cc_hours_days("", &d0, &d1));
		ASSERT_EQ(0, cc_hours_time("24:00", &m, true));
		ASSERT_EQ(1440, m);
		ASSERT_EQ(EINVAL, cc_hours_time("24:00", &m, false));
		ASSERT_EQ(EINVAL, cc_hours_time("09:00 ", &m, false));
	}
 out:
	return err;
}


int test_cc_hours_print(void)
{
	const char *h = "mon-fri 09:00-17:30;sat 10:00-14:00;sun 00:00-24:00";
	struct cc_hours_span v[CC_HOURS_MAX];
	size_t n = ARRAY_SIZE(v);
	char buf[128];
	int len = 0, err = 0;

	TEST_ERR(cc_hours_parse(h, v, &n));
	ASSERT_EQ(3, n);
	ASSERT_EQ(0, v[0].d0);
	ASSERT_EQ(4, v[0].d1);
	ASSERT_EQ(9 * 60, v[0].open);
	ASSERT_EQ(17 * 60 + 30, v[0].close);
	for (size_t i = 0; i < n; i++)
		len += re_snprintf(buf + len, sizeof(buf) - (size_t)len,
				   "%s%H", i ? ";" : "", cc_hours_span_print,
				   &v[i]);
	ASSERT_STREQ(h, buf);

	n = ARRAY_SIZE(v);
	TEST_ERR(cc_hours_parse("", v, &n));
	ASSERT_EQ(0, n);
 out:
	return err;
}
