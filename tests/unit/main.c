/**
 * @file tests/unit/main.c  Unit-test runner
 *
 * Runs every registered test (or those whose name contains argv[1]) and
 * ends with the summary line `N passed, N failed`.  Debian's libre is
 * built without MEM_DEBUG (mem_get_stat() answers ENOSYS), so leaks are
 * found by LeakSanitizer instead: under `make check` (ASan build) a leak
 * check runs after every test and a leak fails that test.
 */
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "cb_core.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define leak_check() __lsan_do_recoverable_leak_check()
#else
#define leak_check() 0
#endif

#define TEST(name) int name(void);
#include "registry.h"
#undef TEST

struct utest {
	const char *name;
	int (*fn)(void);
};

static const struct utest tests[] = {
#define TEST(name) {#name, name},
#include "registry.h"
#undef TEST
};


int main(int argc, char *argv[])
{
	unsigned passed = 0, failed = 0;
	const char *filter = argc > 1 ? argv[1] : NULL;
	int err;

	err = libre_init();
	if (err)
		return 1;
	(void)cb_rand_init();
	cb_log_init(NULL, true);
	cb_log_level_set(CB_SUB_MEDIA, CB_LVL_WARN);
	cb_log_level_set(CB_SUB_SIP, CB_LVL_WARN);
	cb_log_level_set(CB_SUB_CALL, CB_LVL_WARN);

	for (size_t i = 0; i < ARRAY_SIZE(tests); i++) {
		if (filter && !strstr(tests[i].name, filter))
			continue;

		err = tests[i].fn();
		if (!err && leak_check()) {
			re_fprintf(stderr, "  leak after %s\n", tests[i].name);
			err = ENOMEM;
		}
		re_printf("%s %s\n", err ? "FAIL" : "ok  ", tests[i].name);
		if (err)
			++failed;
		else
			++passed;
	}

	libre_close();
	re_printf("unit: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
