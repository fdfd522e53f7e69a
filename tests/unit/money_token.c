/**
 * @file tests/unit/money_token.c  Usage tokens: seed 001, FIG. 4
 *
 * Each party gives its own token when both have one (step 114); when the
 * peer has none, or is no account of ours, the requester gives both
 * (step 116); when the requester runs short its remaining tokens go
 * (step 120) and the missing ones are charged to its account at the
 * service's price (step 122) — or, when its funds do not cover that,
 * nothing happens at all.  Per-minute services count started minutes.
 */
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "cb_money.h"
#include "test.h"
#include "money_fix.h"

int test_money_token_fig4(void);
int test_money_token_per_minute(void);
int test_money_token_refused(void);


static int64_t tokens(struct mfix *f, const char *acc, const char *svc)
{
	int64_t n = -1;

	(void)store_money_token_get(f->st, acc, svc, &n);
	return n;
}


int test_money_token_fig4(void)
{
	char a[CB_ID_LEN + 1], b[CB_ID_LEN + 1];
	struct money_token_use u;
	int64_t bal;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", U(10), 0));
	TEST_ERR(mfix_account(&f, b, "bob", 0, 0));
	TEST_ERR(money_token_service_set(f.st, f.tenant, "whiteboard", false,
					 U(2)));
	TEST_ERR(money_token_grant(f.st, f.tenant, a, "whiteboard", 3, NULL));
	TEST_ERR(money_token_grant(f.st, f.tenant, b, "whiteboard", 1, NULL));

	/* step 114: both have one, each gives one */
	TEST_ERR(money_token_consume(f.st, f.tenant, "whiteboard", a, b, 1,
				     "call-1", NULL, &u));
	ASSERT_EQ(1, u.requester_used);
	ASSERT_EQ(1, u.peer_used);
	ASSERT_EQ(0, u.charged);
	ASSERT_EQ(2, tokens(&f, a, "whiteboard"));
	ASSERT_EQ(0, tokens(&f, b, "whiteboard"));

	/* step 116: the peer has none, the requester gives both */
	TEST_ERR(money_token_consume(f.st, f.tenant, "whiteboard", a, b, 1,
				     "call-2", NULL, &u));
	ASSERT_EQ(2, u.requester_used);
	ASSERT_EQ(0, u.peer_used);
	ASSERT_EQ(0, u.shortfall);
	ASSERT_EQ(0, tokens(&f, a, "whiteboard"));

	/* steps 120, 122: one left of two needed; one charged */
	TEST_ERR(money_token_grant(f.st, f.tenant, a, "whiteboard", 1, NULL));
	TEST_ERR(money_token_consume(f.st, f.tenant, "whiteboard", a, b, 1,
				     "call-3", NULL, &u));
	ASSERT_EQ(1, u.requester_used);
	ASSERT_EQ(1, u.shortfall);
	ASSERT_EQ(U(2), u.charged);
	ASSERT_TRUE(u.txn_id[0] == 'x');
	ASSERT_EQ(0, tokens(&f, a, "whiteboard"));
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(U(8), bal);

	/* a peer that is no account (a PSTN number) has no token */
	TEST_ERR(money_token_consume(f.st, f.tenant, "whiteboard", a, NULL, 1,
				     "call-4", NULL, &u));
	ASSERT_EQ(0, u.requester_used);
	ASSERT_EQ(2, u.shortfall);
	ASSERT_EQ(U(4), u.charged);
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(U(4), bal);

	/* retried with its key: nothing twice */
	TEST_ERR(money_token_consume(f.st, f.tenant, "whiteboard", a, NULL, 1,
				     "call-5", "use-5", &u));
	ASSERT_EQ(EALREADY, money_token_consume(f.st, f.tenant, "whiteboard",
						a, NULL, 1, "call-5", "use-5",
						&u));
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(0, bal);
	TEST_ERR(mfix_recon(&f));
 out:
	mfix_close(&f);
	return err;
}


int test_money_token_per_minute(void)
{
	struct store_token_service s;
	char a[CB_ID_LEN + 1], b[CB_ID_LEN + 1];
	struct money_token_use u;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", U(10), 0));
	TEST_ERR(mfix_account(&f, b, "bob", 0, 0));
	TEST_ERR(money_token_service_set(f.st, f.tenant, "translate", true,
					 500000));
	TEST_ERR(store_money_token_service_get(f.st, &s, f.tenant,
					       "translate"));
	ASSERT_TRUE(s.per_minute);
	ASSERT_EQ(1, money_token_units(&s, 0));
	ASSERT_EQ(1, money_token_units(&s, 60000));
	ASSERT_EQ(2, money_token_units(&s, 60001));
	ASSERT_EQ(3, money_token_units(&s, 150000));

	/* 3 minutes each; bob has 2 (not enough): alice pays 6, has 4 */
	TEST_ERR(money_token_grant(f.st, f.tenant, a, "translate", 4, NULL));
	TEST_ERR(money_token_grant(f.st, f.tenant, b, "translate", 2, NULL));
	TEST_ERR(money_token_consume(f.st, f.tenant, "translate", a, b,
				     money_token_units(&s, 150000), "call",
				     NULL, &u));
	ASSERT_EQ(4, u.requester_used);
	ASSERT_EQ(0, u.peer_used);
	ASSERT_EQ(2, u.shortfall);
	ASSERT_EQ(U(1), u.charged);
	ASSERT_EQ(2, tokens(&f, b, "translate"));
	TEST_ERR(mfix_recon(&f));
 out:
	mfix_close(&f);
	return err;
}


int test_money_token_refused(void)
{
	char a[CB_ID_LEN + 1], b[CB_ID_LEN + 1];
	struct money_token_use u;
	struct store_money_recon r;
	int64_t bal;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", U(1), 0));
	TEST_ERR(mfix_account(&f, b, "bob", 0, 0));
	TEST_ERR(money_token_service_set(f.st, f.tenant, "record", false,
					 U(2)));
	TEST_ERR(money_token_grant(f.st, f.tenant, a, "record", 1, NULL));

	/* one token, one missing at 2.00, 1.00 on the account: refused,
	 * the token stays */
	ASSERT_EQ(ENOSPC, money_token_consume(f.st, f.tenant, "record", a, b,
					      1, "call", NULL, &u));
	ASSERT_EQ(1, tokens(&f, a, "record"));
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(U(1), bal);

	ASSERT_EQ(ENOENT, money_token_consume(f.st, f.tenant, "nosuch", a, b,
					      1, "call", NULL, &u));
	ASSERT_EQ(ENOENT, money_token_grant(f.st, f.tenant, a, "nosuch", 1,
					    NULL));
	ASSERT_EQ(EINVAL, money_token_grant(f.st, f.tenant, a, "record", -1,
					    NULL));
	ASSERT_EQ(EINVAL, money_token_grant(f.st, f.tenant, a, "record", 0,
					    NULL));
	ASSERT_EQ(EINVAL, money_token_consume(f.st, f.tenant, "record", a, a,
					      1, "call", NULL, &u));
	ASSERT_EQ(EINVAL, money_token_consume(f.st, f.tenant, "record", a, b,
					      0, "call", NULL, &u));
	ASSERT_EQ(ERANGE, money_token_service_set(f.st, f.tenant, "x", false,
						  -1));
	ASSERT_EQ(EINVAL, money_token_service_set(f.st, f.tenant, "Bad Name",
						  false, 1));
	TEST_ERR(money_reconcile(f.st, f.tenant, &r));
	ASSERT_EQ(1, r.token_balances);
 out:
	mfix_close(&f);
	return err;
}
