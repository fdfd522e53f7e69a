/**
 * @file tests/unit/money_credit.c  Trouble-report credits (seed 004)
 *
 * A reported leg is credited at most one minute of its rate and never
 * more than it cost, once: a second report of the same leg moves nothing.
 * Promo pays; the ledger stays balanced.
 */
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "cb_money.h"
#include "test.h"
#include "money_fix.h"

int test_money_credit_once(void);


int test_money_credit_once(void)
{
	enum money_trouble why;
	struct store_rate r;
	char a[CB_ID_LEN + 1];
	int64_t amount = 0, bal;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", U(5), 0));
	memset(&r, 0, sizeof(r));
	str_ncpy(r.prefix, "1", sizeof(r.prefix));
	r.per_min = 300000;
	r.first_s = 60;
	r.next_s = 6;

	TEST_ERR(money_trouble_parse(&why, "noise"));
	ASSERT_EQ(EINVAL, money_trouble_parse(&why, "boredom"));

	/* 5 minutes at 0.30: one minute back */
	TEST_ERR(money_credit_leg(f.st, f.tenant, a, "leg-1", &r, 1500000,
				  why, &amount));
	ASSERT_EQ(300000, amount);
	ASSERT_EQ(EALREADY, money_credit_leg(f.st, f.tenant, a, "leg-1", &r,
					     1500000,
					     MONEY_TROUBLE_DISCONNECTED,
					     &amount));
	ASSERT_EQ(300000, amount);

	/* a short leg: no more than it cost */
	TEST_ERR(money_credit_leg(f.st, f.tenant, a, "leg-2", &r, 100000,
				  MONEY_TROUBLE_DISCONNECTED, &amount));
	ASSERT_EQ(100000, amount);
	ASSERT_EQ(ENODATA, money_credit_leg(f.st, f.tenant, a, "leg-3", &r, 0,
					    MONEY_TROUBLE_OTHER, &amount));
	ASSERT_EQ(EINVAL, money_credit_leg(f.st, f.tenant, a, "leg-4", &r, -1,
					   MONEY_TROUBLE_OTHER, &amount));
	ASSERT_EQ(EINVAL, money_credit_leg(f.st, f.tenant, a, "leg-4", &r, 1,
					   MONEY_TROUBLE_MAX, &amount));

	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(U(5) + 400000, bal);
	TEST_ERR(mfix_balance(&f, "sys:promo", &bal, NULL));
	ASSERT_EQ(-400000, bal);
	TEST_ERR(mfix_recon(&f));
 out:
	mfix_close(&f);
	return err;
}
