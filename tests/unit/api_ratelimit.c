/**
 * @file tests/unit/api_ratelimit.c  Token buckets and the body check
 *
 * The rate limiter runs on a fake millisecond clock: burst, refill at
 * the configured rate, the wait it reports, separate keys, the sweep of
 * idle buckets and the hard cap on buckets (least recently used goes).
 * The body check (body.c) is fed the UTF-8 and escape cases libre's JSON
 * decoder would have let through.
 */
#include <string.h>
#include <re.h>
#include "api/api.h"
#include "test.h"

int test_api_ratelimit_burst_refill(void);
int test_api_ratelimit_keys_sweep(void);
int test_api_ratelimit_cap(void);
int test_api_body_check(void);


static uint64_t fake_clock(void *arg)
{
	return *(uint64_t *)arg;
}


int test_api_ratelimit_burst_refill(void)
{
	struct ratelimit *rl = NULL;
	uint64_t now = 1000000;
	int err;

	/* 10 per second, bursts of 3 */
	TEST_ERR(ratelimit_alloc(&rl, 10, 3, 100, fake_clock, &now));

	ASSERT_EQ(0, ratelimit_take(rl, "a", 1));
	ASSERT_EQ(0, ratelimit_take(rl, "a", 1));
	ASSERT_EQ(0, ratelimit_take(rl, "a", 1));
	/* empty: a token every 100 ms */
	ASSERT_EQ(100, ratelimit_take(rl, "a", 1));

	now += 40;                     /* 0.4 of a token */
	ASSERT_EQ(60, ratelimit_take(rl, "a", 1));
	now += 60;                     /* one whole token */
	ASSERT_EQ(0, ratelimit_take(rl, "a", 1));
	ASSERT_EQ(100, ratelimit_take(rl, "a", 1));

	/* a long pause refills to the burst, never beyond */
	now += 3600 * 1000;
	ASSERT_EQ(0, ratelimit_take(rl, "a", 1));
	ASSERT_EQ(0, ratelimit_take(rl, "a", 1));
	ASSERT_EQ(0, ratelimit_take(rl, "a", 1));
	ASSERT_TRUE(ratelimit_take(rl, "a", 1) > 0);

	/* a clock that goes backwards refills nothing, breaks nothing */
	now -= 5000;
	ASSERT_TRUE(ratelimit_take(rl, "a", 1) > 0);
	rl = mem_deref(rl);

	/* rate 0: off, nothing is kept */
	TEST_ERR(ratelimit_alloc(&rl, 0, 1, 100, fake_clock, &now));
	for (int i = 0; i < 1000; i++)
		ASSERT_EQ(0, ratelimit_take(rl, "a", 1));
	ASSERT_EQ(0, ratelimit_count(rl));
	rl = mem_deref(rl);

	/* a high rate refills within one millisecond */
	TEST_ERR(ratelimit_alloc(&rl, 5000, 1, 100, fake_clock, &now));
	ASSERT_EQ(0, ratelimit_take(rl, "a", 1));
	ASSERT_EQ(1, ratelimit_take(rl, "a", 1));
	now += 1;
	ASSERT_EQ(0, ratelimit_take(rl, "a", 1));

	ASSERT_EQ(EINVAL, ratelimit_alloc(NULL, 1, 1, 1, fake_clock, &now));
	ASSERT_EQ(0, ratelimit_take(NULL, "a", 1));
 out:
	mem_deref(rl);
	return err;
}


int test_api_ratelimit_keys_sweep(void)
{
	struct ratelimit *rl = NULL;
	uint64_t now = 0;
	int err;

	TEST_ERR(ratelimit_alloc(&rl, 1, 2, 100, fake_clock, &now));

	/* keys are bytes: "ab" and "a" are different, so is "a\0" */
	ASSERT_EQ(0, ratelimit_take(rl, "ab", 2));
	ASSERT_EQ(0, ratelimit_take(rl, "ab", 2));
	ASSERT_EQ(1000, ratelimit_take(rl, "ab", 2));
	ASSERT_EQ(0, ratelimit_take(rl, "a", 1));
	ASSERT_EQ(0, ratelimit_take(rl, "a\0", 2));
	ASSERT_EQ(3, ratelimit_count(rl));

	/* after 1 s: "a" and "a\0" are full again, "ab" is not */
	now += 1000;
	ASSERT_EQ(2, ratelimit_sweep(rl));
	ASSERT_EQ(1, ratelimit_count(rl));

	/* "ab" kept its state through the sweep: one token, not two */
	ASSERT_EQ(0, ratelimit_take(rl, "ab", 2));
	ASSERT_TRUE(ratelimit_take(rl, "ab", 2) > 0);

	/* and goes once idle long enough */
	now += 2000;
	ASSERT_EQ(1, ratelimit_sweep(rl));
	ASSERT_EQ(0, ratelimit_count(rl));
	ASSERT_EQ(0, ratelimit_sweep(rl));

	/* long keys are cut, not refused */
	{
		char k[RATELIMIT_KEY_MAX + 20];

		memset(k, 'x', sizeof(k));
		ASSERT_EQ(0, ratelimit_take(rl, k, sizeof(k)));
		ASSERT_EQ(0, ratelimit_take(rl, k, RATELIMIT_KEY_MAX + 1));
		ASSERT_TRUE(ratelimit_take(rl, k, RATELIMIT_KEY_MAX) > 0);
	}
 out:
	mem_deref(rl);
	return err;
}


int test_api_ratelimit_cap(void)
{
	struct ratelimit *rl = NULL;
	uint64_t now = 0;
	char key[16];
	int err, n;

	TEST_ERR(ratelimit_alloc(&rl, 1, 1, 50, fake_clock, &now));

	/* key 0 empties its bucket, then is used again last of all */
	ASSERT_EQ(0, ratelimit_take(rl, "k0", 2));
	for (int i = 1; i < 50; i++) {
		n = re_snprintf(key, sizeof(key), "k%d", i);
		ASSERT_EQ(0, ratelimit_take(rl, key, (size_t)n));
	}
	ASSERT_TRUE(ratelimit_take(rl, "k0", 2) > 0);
	ASSERT_EQ(50, ratelimit_count(rl));

	/* ten new keys: never more than 50 buckets; the least recently used
	 * (k1..k10) go, k0 (used last) keeps its empty bucket */
	for (int i = 50; i < 60; i++) {
		n = re_snprintf(key, sizeof(key), "k%d", i);
		ASSERT_EQ(0, ratelimit_take(rl, key, (size_t)n));
		ASSERT_EQ(50, ratelimit_count(rl));
	}
	ASSERT_TRUE(ratelimit_take(rl, "k0", 2) > 0);
	ASSERT_EQ(0, ratelimit_take(rl, "k1", 2));     /* fresh again */
	ASSERT_TRUE(ratelimit_take(rl, "k59", 3) > 0);  /* still kept */
 out:
	mem_deref(rl);
	return err;
}


int test_api_body_check(void)
{
	static const struct {
		const char *body;
		size_t len;         /* 0: strlen */
		int want;
	} cases[] = {
		{"{\"a\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
		 0, 0},
		{"{\"a\":\"\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\"}", 0, 0},
		{" {\"a\":[1,{\"b\":null}]} \r\n", 0, 0},
		/* invalid UTF-8 */
		{"{\"a\":\"\xff\"}", 0, EILSEQ},
		{"{\"a\":\"\xc3\"}", 0, EILSEQ},          /* cut short */
		{"{\"a\":\"\xc0\xaf\"}", 0, EILSEQ},      /* overlong / */
		{"{\"a\":\"\xe0\x80\xaf\"}", 0, EILSEQ},  /* overlong    */
		{"{\"a\":\"\xed\xa0\x80\"}", 0, EILSEQ},  /* surrogate   */
		{"{\"a\":\"\xf4\x90\x80\x80\"}", 0, EILSEQ}, /* > 10FFFF */
		{"{\"a\":\"\x80\"}", 0, EILSEQ},          /* continuation */
		{"{\"a\":\"x\"}\xff", 0, EILSEQ},
		{"{\"a\":\"x\0y\"}", 11, EILSEQ},         /* NUL byte */
		/* strings libre would change */
		{"{\"a\":\"x\\u0000y\"}", 0, ERANGE},
		{"{\"a\":\"\\ud83d\"}", 0, ERANGE},       /* lone high */
		{"{\"a\":\"\\ude00\"}", 0, ERANGE},       /* lone low  */
		{"{\"a\":\"\\ud83d\\u0041\"}", 0, ERANGE},
		{"{\"a\":\"a\tb\"}", 0, ERANGE},          /* raw control */
		{"{\"a\":\"\\x\"}", 0, EBADMSG},          /* unknown escape */
		{"{\"a\":\"\\u12\"}", 0, EBADMSG},
		/* not one object */
		{"[{\"a\":1}]", 0, EBADMSG},
		{"{\"a\":1}}", 0, EBADMSG},
		{"{\"a\":1", 0, EBADMSG},
		{"{\"a\":\"}\"", 0, EBADMSG},
		{"", 0, EBADMSG},
	};
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *b = cases[i].body;
		size_t len = cases[i].len ? cases[i].len : strlen(b);
		int got = api_body_check(b, len);

		if (got != cases[i].want) {
			(void)re_fprintf(stderr, "  case %zu: want %d, "
					 "got %d\n", i, cases[i].want, got);
			err = EINVAL;
			goto out;
		}
	}

	/* what the client is told */
	ASSERT_TRUE(strstr(api_body_error(EILSEQ), "UTF-8") != NULL);
	ASSERT_TRUE(strstr(api_body_error(ERANGE), "\\u0000") != NULL);
 out:
	return err;
}
