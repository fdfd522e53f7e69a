/**
 * @file tests/unit/api_webhook.c  Webhook signature, back-off, outbox
 *
 * The signature vectors were computed independently with Python's
 * hmac.new(secret, b"<t>.<body>", hashlib.sha256).hexdigest().
 */
#include <string.h>
#include <re.h>
#include "api/api.h"
#include "test.h"

int test_api_webhook_sign(void);
int test_api_webhook_backoff(void);
int test_api_webhook_outbox(void);
int test_api_webhook_url(void);


int test_api_webhook_sign(void)
{
	char sig[WEBHOOK_SIG_LEN], small[20];
	char longkey[101];
	int err;

	TEST_ERR(webhook_sign(sig, sizeof(sig), "whsec", 1700000000ULL,
			      "{\"a\":1}", 7));
	ASSERT_STREQ("t=1700000000,v1=8ad37ba156048ae0e0a5533c75cdf26fee8"
		     "8b07f93cb57ee4c80adb053012032", sig);

	/* keys longer than a SHA-256 block are hashed first (RFC 2104) */
	memset(longkey, 'k', 100);
	longkey[100] = '\0';
	TEST_ERR(webhook_sign(sig, sizeof(sig), longkey, 5, "", 0));
	ASSERT_STREQ("t=5,v1=6017971b5cd7bfbc07d4724dd1cad0daf072cca33902"
		     "d5ed5eddf70562d5aa11", sig);

	/* a changed body or timestamp changes the signature */
	TEST_ERR(webhook_sign(sig, sizeof(sig), "whsec", 1700000001ULL,
			      "{\"a\":1}", 7));
	ASSERT_TRUE(NULL == strstr(sig, "8ad37ba156048ae0"));

	ASSERT_EQ(ENOSPC, webhook_sign(small, sizeof(small), "whsec", 1,
				       "x", 1));
	ASSERT_EQ(EINVAL, webhook_sign(sig, sizeof(sig), NULL, 1, "x", 1));
 out:
	return err;
}


int test_api_webhook_backoff(void)
{
	int err = 0;

	ASSERT_EQ(0, webhook_backoff_ms(1000, 0));
	ASSERT_EQ(1000, webhook_backoff_ms(1000, 1));
	ASSERT_EQ(2000, webhook_backoff_ms(1000, 2));
	ASSERT_EQ(4000, webhook_backoff_ms(1000, 3));
	ASSERT_EQ(8000, webhook_backoff_ms(1000, 4));
	ASSERT_EQ(50, webhook_backoff_ms(50, 1));
	ASSERT_EQ(400, webhook_backoff_ms(50, 4));
	/* capped at five minutes, without overflow on absurd attempts */
	ASSERT_EQ(300000, webhook_backoff_ms(1000, 10));
	ASSERT_EQ(300000, webhook_backoff_ms(1000, 4000000000U));
	ASSERT_EQ(300000, webhook_backoff_ms(600000, 1));
 out:
	return err;
}


int test_api_webhook_outbox(void)
{
	struct outbox_item *it;
	uint64_t first;
	int err;

	TEST_ERR(outbox_put("cA", "http://h/x", "e1", "{\"n\":1}"));
	TEST_ERR(outbox_put("cB", "http://h/y", "e2", "{\"n\":2}"));
	TEST_ERR(outbox_put("cA", "http://h/x", "e3", "{\"n\":3}"));
	ASSERT_EQ(3, outbox_count());
	ASSERT_EQ(EINVAL, outbox_put("cA", NULL, "e4", "{}"));

	/* per key, oldest first; other keys do not interleave */
	it = outbox_next("cA");
	ASSERT_TRUE(it != NULL);
	ASSERT_STREQ("e1", it->event_id);
	first = it->id;
	it = outbox_next("cB");
	ASSERT_TRUE(it != NULL);
	ASSERT_STREQ("e2", it->event_id);

	TEST_ERR(outbox_ack(first));
	ASSERT_EQ(ENOENT, outbox_ack(first));
	it = outbox_next("cA");
	ASSERT_TRUE(it != NULL);
	ASSERT_STREQ("e3", it->event_id);
	ASSERT_STREQ("{\"n\":3}", it->body);
	ASSERT_TRUE(it->id > first);
	ASSERT_EQ(2, outbox_count());
	ASSERT_TRUE(outbox_next("cC") == NULL);
 out:
	outbox_flush();
	if (!err && outbox_count())
		err = EPROTO;
	return err;
}


int test_api_webhook_url(void)
{
	char big[300];
	int err = 0;

	ASSERT_TRUE(webhook_url_valid("http://127.0.0.1:8000/hook"));
	ASSERT_TRUE(webhook_url_valid("HTTP://example.com/a?b=c"));
	ASSERT_TRUE(webhook_url_valid("https://example.com/"));
	ASSERT_TRUE(!webhook_url_valid("https://"));
	ASSERT_TRUE(!webhook_url_valid("https:///path"));
	ASSERT_TRUE(!webhook_url_valid("httpsx://example.com/"));
	ASSERT_TRUE(!webhook_url_valid("ftp://example.com/"));
	ASSERT_TRUE(!webhook_url_valid("http://"));
	ASSERT_TRUE(!webhook_url_valid("http:///path"));
	ASSERT_TRUE(!webhook_url_valid("http://a b/"));
	ASSERT_TRUE(!webhook_url_valid("http://a/\x01"));
	ASSERT_TRUE(!webhook_url_valid(NULL));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "http://", 7);
	ASSERT_TRUE(!webhook_url_valid(big));
 out:
	return err;
}
