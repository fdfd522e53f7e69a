/**
 * @file tests/unit/money_card.c  The test card provider
 *
 * Luhn, expiry, CVV length per brand; a card is stored as brand, last 4
 * and a token (the full number is nowhere in the database file); decline
 * rules refuse a card or an amount; a hold on a card does not touch the
 * balance and its capture is paid by the card; a declined top-up posts
 * nothing.
 */
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "cb_money.h"
#include "test.h"
#include "money_fix.h"

int test_money_card_check(void);
int test_money_card_store(void);
int test_money_card_pay(void);


static int check(const char *num, const char *cvv, unsigned m, unsigned y,
		 char code[MONEY_CODE_MAX])
{
	struct money_card c = {num, cvv, m, y};
	char brand[STORE_KIND_MAX], last4[5];

	return money_card_check(&c, 2026, 6, brand, last4, code);
}


int test_money_card_check(void)
{
	struct money_card c = {"4242 4242-4242 4242", "123", 12, 2030};
	char brand[STORE_KIND_MAX], last4[5], code[MONEY_CODE_MAX];
	int err = 0;

	ASSERT_TRUE(money_luhn_ok("79927398713"));
	ASSERT_TRUE(money_luhn_ok("4242424242424242"));
	ASSERT_TRUE(!money_luhn_ok("4242424242424241"));
	ASSERT_TRUE(!money_luhn_ok("42424242x4242424"));
	ASSERT_TRUE(!money_luhn_ok(""));

	TEST_ERR(money_card_check(&c, 2026, 6, brand, last4, code));
	ASSERT_STREQ("visa", brand);
	ASSERT_STREQ("4242", last4);

	ASSERT_EQ(EINVAL, check("4242424242424241", "123", 12, 2030, code));
	ASSERT_STREQ("invalid_number", code);
	ASSERT_EQ(EINVAL, check("42424242424", "123", 12, 2030, code));
	ASSERT_STREQ("invalid_number", code);
	ASSERT_EQ(EINVAL, check("4242a24242424242", "123", 12, 2030, code));
	ASSERT_EQ(EINVAL, check("42424242424242424242", "123", 12, 2030,
				code));
	ASSERT_EQ(EINVAL, check(NULL, "123", 12, 2030, code));
	ASSERT_EQ(EINVAL, check("4242424242424242", "123", 5, 2026, code));
	ASSERT_STREQ("expired_card", code);
	ASSERT_EQ(0, check("4242424242424242", "123", 6, 2026, code));
	ASSERT_EQ(0, check("4242424242424242", "123", 6, 26, code));
	ASSERT_EQ(EINVAL, check("4242424242424242", "123", 13, 2030, code));
	ASSERT_STREQ("invalid_expiry", code);
	ASSERT_EQ(EINVAL, check("4242424242424242", "12", 12, 2030, code));
	ASSERT_STREQ("invalid_cvc", code);
	ASSERT_EQ(EINVAL, check("4242424242424242", "1234", 12, 2030, code));
	ASSERT_EQ(EINVAL, check("4242424242424242", NULL, 12, 2030, code));
	/* amex: 15 digits, 4-digit CVV */
	ASSERT_EQ(0, check("378282246310005", "1234", 12, 2030, code));
	ASSERT_EQ(EINVAL, check("378282246310005", "123", 12, 2030, code));
	c.number = "5555555555554444";
	TEST_ERR(money_card_check(&c, 2026, 6, brand, last4, code));
	ASSERT_STREQ("mastercard", brand);
	c.number = "6011111111111117";
	TEST_ERR(money_card_check(&c, 2026, 6, brand, last4, code));
	ASSERT_STREQ("discover", brand);

	ASSERT_EQ(EINVAL, money_card_rules_set("last4=12"));
	ASSERT_EQ(EINVAL, money_card_rules_set("over=-1"));
	ASSERT_EQ(EINVAL, money_card_rules_set("colour=red"));
	TEST_ERR(money_card_rules_set("last4=0002, over=100:too_much"));
	err = 0;
 out:
	(void)money_card_rules_set("");
	return err;
}


static bool file_has(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	char buf[65536 + 64];
	size_t n, keep = 0, nl = strlen(needle);
	bool found = false;

	if (!fp)
		return false;
	while (!found && (n = fread(buf + keep, 1, 65536, fp)) > 0) {
		n += keep;
		for (size_t i = 0; i + nl <= n && !found; i++)
			found = !memcmp(buf + i, needle, nl);
		keep = n < nl ? n : nl - 1;
		memmove(buf, buf + n - keep, keep);
	}
	fclose(fp);
	return found;
}


int test_money_card_store(void)
{
	struct money_card c = {"4000056655665556", "123", 12, 2099};
	char a[CB_ID_LEN + 1], code[MONEY_CODE_MAX], wal[80];
	struct store_method m, got;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", 0, 0));
	TEST_ERR(money_card_add(f.st, &m, f.tenant, a, &c, code));
	TEST_ERR(store_money_method_get(f.st, &got, m.id));
	ASSERT_STREQ("5556", got.last4);
	ASSERT_STREQ("visa", got.brand);
	ASSERT_STREQ("testcard", got.provider);
	ASSERT_EQ(12, got.exp_month);
	ASSERT_EQ(2099, got.exp_year);
	ASSERT_TRUE(!strncmp(got.token, "tok_", 4) && strlen(got.token) > 20);

	/* neither the number nor any long part of it is on disk */
	(void)re_snprintf(wal, sizeof(wal), "%s-wal", f.path);
	ASSERT_TRUE(file_has(f.path, "5556") || file_has(wal, "5556"));
	ASSERT_TRUE(!file_has(f.path, "4000056655665556"));
	ASSERT_TRUE(!file_has(wal, "4000056655665556"));
	ASSERT_TRUE(!file_has(wal, "40000566"));

	c.number = "4000056655665557";
	ASSERT_EQ(EINVAL, money_card_add(f.st, &m, f.tenant, a, &c, code));
	ASSERT_STREQ("invalid_number", code);
	c.number = "4000056655665556";
	c.exp_year = 2001;
	ASSERT_EQ(EINVAL, money_card_add(f.st, &m, f.tenant, a, &c, code));
	ASSERT_STREQ("expired_card", code);
 out:
	mfix_close(&f);
	return err;
}


int test_money_card_pay(void)
{
	struct money_card ok = {"4242424242424242", "123", 12, 2099};
	struct money_card bad = {"4000000000000002", "123", 12, 2099};
	char a[CB_ID_LEN + 1], code[MONEY_CODE_MAX], txn[CB_ID_LEN + 1];
	struct store_method mok, mbad;
	struct money_capture cap;
	struct store_hold h;
	int64_t bal, held;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(money_card_rules_set("last4=0002,over=100"));
	TEST_ERR(mfix_settings(&f, "tax", "10"));
	TEST_ERR(mfix_account(&f, a, "alice", 0, 0));
	TEST_ERR(money_card_add(f.st, &mok, f.tenant, a, &ok, code));
	TEST_ERR(money_card_add(f.st, &mbad, f.tenant, a, &bad, code));

	/* a hold on the card: the (empty) balance is not involved */
	TEST_ERR(money_hold_authorize(f.st, &h, f.tenant, a, U(25), mok.id,
				      "conf-1", NULL));
	TEST_ERR(mfix_balance(&f, "alice", &bal, &held));
	ASSERT_EQ(0, bal);
	ASSERT_EQ(0, held);
	ASSERT_EQ(EPERM, money_hold_authorize(f.st, &h, f.tenant, a, U(5),
					      mbad.id, "conf-2", NULL));
	ASSERT_EQ(EPERM, money_hold_authorize(f.st, &h, f.tenant, a, U(101),
					      mok.id, "conf-3", NULL));

	TEST_ERR(money_hold_authorize(f.st, &h, f.tenant, a, U(25), mok.id,
				      "conf-4", NULL));
	TEST_ERR(money_hold_capture(f.st, h.id, U(5), 500000, &cap));
	ASSERT_EQ(5500000, cap.charged);
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(0, bal);
	TEST_ERR(mfix_balance(&f, "sys:funding.testcard", &bal, NULL));
	ASSERT_EQ(-5500000, bal);
	TEST_ERR(mfix_balance(&f, "sys:revenue", &bal, NULL));
	ASSERT_EQ(U(5), bal);

	/* top-ups by card: declined ones post nothing */
	TEST_ERR(money_topup(f.st, f.tenant, a, U(20), mok.id, "t1", txn));
	ASSERT_EQ(EPERM, money_topup(f.st, f.tenant, a, U(20), mbad.id, "t2",
				     txn));
	ASSERT_EQ(EPERM, money_topup(f.st, f.tenant, a, U(200), mok.id, "t3",
				     txn));
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(U(20), bal);
	ASSERT_EQ(ENOENT, money_topup(f.st, f.tenant, a, U(1), "mNOSUCH",
				      NULL, txn));
	TEST_ERR(mfix_recon(&f));
 out:
	(void)money_card_rules_set("");
	mfix_close(&f);
	return err;
}
