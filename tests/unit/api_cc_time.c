/**
 * @file tests/unit/api_cc_time.c  The desired time of a call request
 *
 * RFC 3339 as the widget (toISOString: UTC with milliseconds) and a
 * business's server (any offset) write it, and what is refused.
 */
#include <string.h>
#include <re.h>
#include "api/api.h"
#include "test.h"

int test_api_cc_time_parse(void);
int test_api_cc_time_refused(void);

static const uint64_t t0 = 1704067200000ull;   /* 2024-01-01T00:00:00Z */


int test_api_cc_time_parse(void)
{
	uint64_t ms = 0;
	int err = 0;

	ASSERT_EQ(0, api_time_parse(&ms, "2024-01-01T00:00:00Z"));
	ASSERT_EQ(t0, ms);
	ASSERT_EQ(0, api_time_parse(&ms, "2024-01-01T09:30:15.123Z"));
	ASSERT_EQ(t0 + (9 * 3600 + 30 * 60 + 15) * 1000ull, ms);
	/* 10:00 at +01:00 is 09:00 UTC; 19:00 at -05:00 is 00:00 next day */
	ASSERT_EQ(0, api_time_parse(&ms, "2024-01-01T10:00:00+01:00"));
	ASSERT_EQ(t0 + 9 * 3600 * 1000ull, ms);
	ASSERT_EQ(0, api_time_parse(&ms, "2023-12-31T19:00:00-05:00"));
	ASSERT_EQ(t0, ms);
	ASSERT_EQ(0, api_time_parse(&ms, "2024-01-01t00:00:00z"));
	ASSERT_EQ(t0, ms);
 out:
	return err;
}


int test_api_cc_time_refused(void)
{
	static const char *bad[] = {
		"", "tomorrow", "2024-01-01", "2024-01-01T00:00:00",
		"2024-01-01 00:00:00Z", "2024-13-01T00:00:00Z",
		"2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z",
		"2024-01-01T00:00:00.Z", "2024-01-01T00:00:00+0100",
		"2024-01-01T00:00:00+01:00x", "1969-12-31T23:59:59Z",
		"2024-1-01T00:00:00Z", "2024-01-01T0:00:00Z",
	};
	uint64_t ms = 7;
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(EINVAL, api_time_parse(&ms, bad[i]));
		ASSERT_EQ(7, ms);
	}
 out:
	return err;
}
