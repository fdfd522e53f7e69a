/**
 * @file tests/unit/core_config.c  Config table: defaults, parsing, bounds
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "cb_core.h"
#include "test.h"

int test_core_config_defaults(void);
int test_core_config_bounds(void);
int test_core_config_file(void);


int test_core_config_defaults(void)
{
	struct cb_config cfg;
	int err;

	TEST_ERR(cb_config_defaults(&cfg));
	TEST_ERR(cb_config_finish(&cfg));
	ASSERT_EQ(45, cfg.ring_timeout_s);
	ASSERT_EQ(2, cfg.sip_listenc);
	ASSERT_STREQ("udp:127.0.0.1:5060", cfg.sip_listen[0]);
	ASSERT_STREQ("tcp:127.0.0.1:5060", cfg.sip_listen[1]);
	ASSERT_EQ(5060, cfg.trunk.port);
	ASSERT_TRUE(cfg.trunk.dial_plus);
 out:
	return err;
}


int test_core_config_bounds(void)
{
	struct cb_config cfg;
	int err;

	TEST_ERR(cb_config_defaults(&cfg));
	ASSERT_EQ(ERANGE, cb_config_set(&cfg, "sip.ring_timeout", "0"));
	ASSERT_EQ(EINVAL, cb_config_set(&cfg, "sip.ring_timeout", "-5"));
	ASSERT_EQ(ERANGE, cb_config_set(&cfg, "sip.ring_timeout", "12x"));
	ASSERT_EQ(ENOENT, cb_config_set(&cfg, "sip.nope", "1"));
	ASSERT_EQ(EINVAL, cb_config_set(&cfg, "sip.listen", "sctp:1.2.3.4:1"));
	ASSERT_EQ(EINVAL, cb_config_set(&cfg, "sip.user", "alice"));
	ASSERT_EQ(EINVAL, cb_config_set(&cfg, "log.sip", "loud"));
	ASSERT_EQ(EINVAL, cb_config_set(&cfg, "trunk.dial_plus", "maybe"));
	TEST_ERR(cb_config_set(&cfg, "sip.listen", "udp:[::1]:5070"));
	TEST_ERR(cb_config_set(&cfg, "sip.user", "alice s3cret"));
	TEST_ERR(cb_config_finish(&cfg));
	ASSERT_EQ(1, cfg.sip_listenc);
	ASSERT_STREQ("alice", cfg.users[0].name);
	ASSERT_STREQ("s3cret", cfg.users[0].password);
 out:
	return err;
}


int test_core_config_file(void)
{
	char path[] = "/tmp/cbcfgXXXXXX";
	struct cb_config cfg;
	FILE *f;
	int fd, err;

	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# comment\n\nsip.ring_timeout 20   # trailing\n"
	      "trunk.host 127.0.0.1\n", f);
	fclose(f);

	TEST_ERR(cb_config_defaults(&cfg));
	TEST_ERR(cb_config_load(&cfg, path));
	ASSERT_EQ(20, cfg.ring_timeout_s);
	ASSERT_STREQ("127.0.0.1", cfg.trunk.host);

	f = fopen(path, "w");
	fputs("sip.ring_timeout 20\nbogus.key 1\n", f);
	fclose(f);
	ASSERT_EQ(EINVAL, cb_config_load(&cfg, path));
 out:
	unlink(path);
	return err;
}
