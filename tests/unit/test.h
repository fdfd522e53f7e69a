/**
 * @file test.h  Unit-test helpers (libre style: assert, goto out)
 *
 * A test is `int test_<sub>_<case>(void)` in tests/unit/<sub>*.c; the
 * Makefile collects every such function into the one registry, so adding
 * a test is writing the function.  Each test runs with libre's memory
 * statistics checked before and after: a leak fails the test.
 */
#include <stdio.h>

#define TEST_ERR(e)							\
	do {								\
		err = (e);						\
		if (err) {						\
			(void)re_fprintf(stderr, "  %s:%d: error %m\n",	\
					 __FILE__, __LINE__, err);	\
			goto out;					\
		}							\
	} while (0)

#define ASSERT_TRUE(c)							\
	do {								\
		if (!(c)) {						\
			(void)re_fprintf(stderr, "  %s:%d: failed: %s\n", \
					 __FILE__, __LINE__, #c);	\
			err = EINVAL;					\
			goto out;					\
		}							\
	} while (0)

#define ASSERT_EQ(want, got)						\
	do {								\
		long long w_ = (long long)(want);			\
		long long g_ = (long long)(got);			\
		if (w_ != g_) {						\
			(void)re_fprintf(stderr, "  %s:%d: want %lld, "	\
					 "got %lld (%s)\n", __FILE__,	\
					 __LINE__, w_, g_, #got);	\
			err = EINVAL;					\
			goto out;					\
		}							\
	} while (0)

#define ASSERT_STREQ(want, got)						\
	do {								\
		const char *w_ = (want), *g_ = (got);			\
		if (!g_ || strcmp(w_, g_)) {				\
			(void)re_fprintf(stderr, "  %s:%d: want '%s', "	\
					 "got '%s'\n", __FILE__,	\
					 __LINE__, w_, g_ ? g_ : "(null)"); \
			err = EINVAL;					\
			goto out;					\
		}							\
	} while (0)
