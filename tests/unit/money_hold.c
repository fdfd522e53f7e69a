/**
 * @file tests/unit/money_hold.c  Holds: funds, credit limits, captures
 *
 * A hold reserves available funds (balance - open holds, + the credit
 * limit only when the tenant allows credit); a capture charges the actual
 * cost with its tax and releases the rest, once; a capture above its hold
 * follows the tenant's policy (cap, available, debt) and writes off what
 * it does not charge; after a restart open holds settle at their last
 * metered cost; threads with their own connections to one database never
 * reserve more than the balance together.
 */
#include <pthread.h>
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "cb_money.h"
#include "test.h"
#include "money_fix.h"

int test_money_hold_funds(void);
int test_money_hold_credit_limit(void);
int test_money_hold_overcapture(void);
int test_money_hold_once(void);
int test_money_hold_recover(void);
int test_money_hold_concurrent(void);


static int64_t sys_balance(struct mfix *f, const char *name)
{
	int64_t bal = 0;
	char full[64];

	(void)re_snprintf(full, sizeof(full), "sys:%s", name);
	if (mfix_balance(f, full, &bal, NULL))
		return -1;
	return bal;
}


int test_money_hold_funds(void)
{
	struct store_hold h1, h2, h3;
	struct money_capture c;
	char a[CB_ID_LEN + 1];
	int64_t bal, held;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", U(10), 0));
	TEST_ERR(mfix_settings(&f, "tax", "10"));

	TEST_ERR(money_hold_authorize(f.st, &h1, f.tenant, a, U(6), NULL,
				      "call-1", NULL));
	ASSERT_EQ(ENOSPC, money_hold_authorize(f.st, &h2, f.tenant, a,
					       U(5), NULL, "call-2", NULL));
	TEST_ERR(money_hold_authorize(f.st, &h2, f.tenant, a, U(4), NULL,
				      "call-2", NULL));
	TEST_ERR(mfix_balance(&f, "alice", &bal, &held));
	ASSERT_EQ(U(10), bal);
	ASSERT_EQ(U(10), held);
	ASSERT_EQ(ENOSPC, money_hold_authorize(f.st, &h3, f.tenant, a, 1,
					       NULL, "call-3", NULL));
	ASSERT_EQ(EINVAL, money_hold_authorize(f.st, &h3, f.tenant, a, 0,
					       NULL, "call-3", NULL));
	ASSERT_EQ(EINVAL, money_hold_authorize(f.st, &h3, f.tenant, a, -U(1),
					       NULL, "call-3", NULL));
	ASSERT_EQ(ERANGE, money_hold_authorize(f.st, &h3, f.tenant, a,
					       MONEY_MAX + 1, NULL, "call-3",
					       NULL));

	/* capture 2.00 + 0.20 tax of the 6.00 hold: the rest is free */
	TEST_ERR(money_hold_capture(f.st, h1.id, U(2), 200000, &c));
	ASSERT_EQ(2200000, c.charged);
	ASSERT_EQ(0, c.written_off);
	TEST_ERR(mfix_balance(&f, "alice", &bal, &held));
	ASSERT_EQ(7800000, bal);
	ASSERT_EQ(U(4), held);
	ASSERT_EQ(U(2), sys_balance(&f, "revenue"));
	ASSERT_EQ(200000, sys_balance(&f, "tax"));

	/* extend within the funds left, not beyond */
	TEST_ERR(money_hold_extend(f.st, h2.id, U(3)));
	ASSERT_EQ(ENOSPC, money_hold_extend(f.st, h2.id, 800001));
	TEST_ERR(money_hold_extend(f.st, h2.id, 800000));
	TEST_ERR(mfix_balance(&f, "alice", NULL, &held));
	ASSERT_EQ(7800000, held);

	/* a call that never connected: released, nothing charged */
	TEST_ERR(money_hold_capture(f.st, h2.id, 0, 0, &c));
	ASSERT_EQ(0, c.charged);
	TEST_ERR(mfix_balance(&f, "alice", &bal, &held));
	ASSERT_EQ(7800000, bal);
	ASSERT_EQ(0, held);
	TEST_ERR(mfix_recon(&f));
 out:
	mfix_close(&f);
	return err;
}


int test_money_hold_credit_limit(void)
{
	struct money_capture c;
	struct store_hold h, h2;
	char a[CB_ID_LEN + 1];
	int64_t bal;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", U(1), U(5)));

	/* the tenant does not allow credit: the limit is not used */
	ASSERT_EQ(ENOSPC, money_hold_authorize(f.st, &h, f.tenant, a, U(2),
					       NULL, "c1", NULL));
	TEST_ERR(mfix_settings(&f, "allow_credit", "yes"));
	TEST_ERR(money_hold_authorize(f.st, &h, f.tenant, a, U(6), NULL,
				      "c1", NULL));
	ASSERT_EQ(ENOSPC, money_hold_authorize(f.st, &h2, f.tenant, a, 1,
					       NULL, "c2", NULL));

	/* credit withdrawn while the call runs: what the hold reserved is
	 * still captured, under every policy */
	TEST_ERR(mfix_settings(&f, "overcapture", "available"));
	TEST_ERR(mfix_settings(&f, "allow_credit", "no"));
	TEST_ERR(money_hold_capture(f.st, h.id, U(2), 0, &c));
	ASSERT_EQ(U(2), c.charged);
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(-U(1), bal);
	TEST_ERR(mfix_recon(&f));
 out:
	mfix_close(&f);
	return err;
}


int test_money_hold_overcapture(void)
{
	struct store_hold h;
	struct money_capture c;
	char a[CB_ID_LEN + 1];
	int64_t bal;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", U(10), 0));

	/* cap (default): at most the hold; promo pays the rest */
	TEST_ERR(money_hold_authorize(f.st, &h, f.tenant, a, U(2), NULL,
				      "c1", NULL));
	TEST_ERR(money_hold_capture(f.st, h.id, U(3), 0, &c));
	ASSERT_EQ(U(2), c.charged);
	ASSERT_EQ(U(1), c.written_off);
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(U(8), bal);
	ASSERT_EQ(U(3), sys_balance(&f, "revenue"));
	ASSERT_EQ(-U(1), sys_balance(&f, "promo"));

	/* available: beyond the hold as far as the funds go, not into
	 * another call's hold */
	TEST_ERR(mfix_settings(&f, "overcapture", "available"));
	{
		struct store_hold other;

		TEST_ERR(money_hold_authorize(f.st, &other, f.tenant, a, U(5),
					      NULL, "c2", NULL));
		TEST_ERR(money_hold_authorize(f.st, &h, f.tenant, a, U(1),
					      NULL, "c3", NULL));
		TEST_ERR(money_hold_capture(f.st, h.id, U(6), 0, &c));
		ASSERT_EQ(U(3), c.charged);      /* 8 - 5 held elsewhere */
		ASSERT_EQ(U(3), c.written_off);
		TEST_ERR(money_hold_release(f.st, other.id));
	}
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(U(5), bal);

	/* debt: all of it, the balance goes negative */
	TEST_ERR(mfix_settings(&f, "overcapture", "debt"));
	TEST_ERR(money_hold_authorize(f.st, &h, f.tenant, a, U(1), NULL,
				      "c4", NULL));
	TEST_ERR(money_hold_capture(f.st, h.id, U(7), 0, &c));
	ASSERT_EQ(U(7), c.charged);
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(-U(2), bal);
	/* and no new hold until it is paid back */
	ASSERT_EQ(ENOSPC, money_hold_authorize(f.st, &h, f.tenant, a, 1,
					       NULL, "c5", NULL));
	TEST_ERR(mfix_recon(&f));
 out:
	mfix_close(&f);
	return err;
}


int test_money_hold_once(void)
{
	struct store_hold h, again;
	struct money_capture c;
	char a[CB_ID_LEN + 1];
	int64_t bal;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", U(10), 0));

	/* the same authorization retried: one hold */
	TEST_ERR(money_hold_authorize(f.st, &h, f.tenant, a, U(4), NULL,
				      "conf-1", "k1"));
	ASSERT_EQ(EALREADY, money_hold_authorize(f.st, &again, f.tenant, a,
						 U(4), NULL, "conf-1", "k1"));
	ASSERT_STREQ(h.id, again.id);
	ASSERT_EQ(EEXIST, money_hold_authorize(f.st, &again, f.tenant, a,
					       U(5), NULL, "conf-1", "k1"));

	TEST_ERR(money_hold_capture(f.st, h.id, U(1), 0, &c));
	ASSERT_EQ(EALREADY, money_hold_capture(f.st, h.id, U(1), 0, &c));
	ASSERT_EQ(U(1), c.charged);
	ASSERT_EQ(EALREADY, money_hold_capture(f.st, h.id, U(2), 0, &c));
	ASSERT_EQ(EALREADY, money_hold_release(f.st, h.id));
	ASSERT_EQ(EALREADY, money_hold_extend(f.st, h.id, U(1)));
	ASSERT_EQ(EALREADY, money_hold_meter(f.st, h.id, U(1)));
	ASSERT_EQ(ENOENT, money_hold_capture(f.st, "hNOSUCHHOLD00000", U(1),
					     0, &c));
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(U(9), bal);
	TEST_ERR(mfix_recon(&f));
 out:
	mfix_close(&f);
	return err;
}


int test_money_hold_recover(void)
{
	struct store_hold h[3], got;
	char a[CB_ID_LEN + 1];
	unsigned n = 0;
	int64_t bal, held;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", U(30), 0));
	TEST_ERR(mfix_settings(&f, "tax", "10"));
	for (int i = 0; i < 3; i++)
		TEST_ERR(money_hold_authorize(f.st, &h[i], f.tenant, a, U(5),
					      NULL, "call", NULL));
	TEST_ERR(money_hold_meter(f.st, h[0].id, U(1)));
	TEST_ERR(money_hold_meter(f.st, h[0].id, U(2)));   /* the last */
	TEST_ERR(money_hold_meter(f.st, h[1].id, 1234567));
	/* h[2] never metered: released */

	/* "restart": reopen the file */
	f.st = mem_deref(f.st);
	TEST_ERR(store_open(&f.st, f.path));
	TEST_ERR(money_hold_recover(f.st, f.tenant, &n));
	ASSERT_EQ(3, n);
	TEST_ERR(mfix_balance(&f, "alice", &bal, &held));
	ASSERT_EQ(0, held);
	/* 2.00 + 0.20 and 1.234567 + 0.123457 */
	ASSERT_EQ(U(30) - 2200000 - 1358024, bal);
	TEST_ERR(store_money_hold_get(f.st, &got, h[2].id));
	ASSERT_EQ(2, got.state);
	TEST_ERR(money_hold_recover(f.st, f.tenant, &n));
	ASSERT_EQ(0, n);
	TEST_ERR(mfix_recon(&f));
 out:
	mfix_close(&f);
	return err;
}


enum { THREADS = 6, TRIES = 20 };

struct racer {
	const struct mfix *f;
	const char *account;
	unsigned ok;
	int err;
};


static void *race(void *arg)
{
	struct racer *r = arg;
	struct store *st = NULL;

	r->err = store_open(&st, r->f->path);
	for (int i = 0; i < TRIES && !r->err; i++) {
		struct store_hold h;
		int err = money_hold_authorize(st, &h, r->f->tenant,
					       r->account, U(3), NULL, "race",
					       NULL);
		if (!err)
			r->ok++;
		else if (err != ENOSPC)
			r->err = err;
	}
	mem_deref(st);
	return NULL;
}


int test_money_hold_concurrent(void)
{
	struct racer rv[THREADS];
	pthread_t tv[THREADS];
	char a[CB_ID_LEN + 1];
	unsigned total = 0;
	int64_t held;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", U(100), 0));
	for (int i = 0; i < THREADS; i++) {
		memset(&rv[i], 0, sizeof(rv[i]));
		rv[i].f = &f;
		rv[i].account = a;
		pthread_create(&tv[i], NULL, race, &rv[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(tv[i], NULL);
		TEST_ERR(rv[i].err);
		total += rv[i].ok;
	}
	/* 33 holds of 3.00 fit in 100.00, never 34 */
	ASSERT_EQ(33, total);
	TEST_ERR(mfix_balance(&f, "alice", NULL, &held));
	ASSERT_EQ(U(99), held);
	TEST_ERR(mfix_recon(&f));
 out:
	mfix_close(&f);
	return err;
}
