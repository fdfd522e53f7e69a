/**
 * @file tests/unit/money_ledger.c  Accounts, posting, idempotency, reconcile
 *
 * A transaction posts only when its entries sum to zero, within one
 * tenant; a retry with the same key posts nothing, the same key with
 * another request is refused; amounts that are negative, zero or too
 * large are refused and so is an unknown currency; a statement carries
 * running balances; reconcile passes on an honest ledger and catches a
 * cached balance changed behind its back; entries cannot be edited.
 */
#include <string.h>
#include <sqlite3.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "cb_money.h"
#include "test.h"
#include "money_fix.h"

int test_money_ledger_post(void);
int test_money_ledger_idempotent(void);
int test_money_ledger_bad_amounts(void);
int test_money_ledger_settings(void);
int test_money_ledger_statement(void);
int test_money_ledger_reconcile(void);


static void entry(struct store_entry *e, const char *acc, int64_t amount)
{
	memset(e, 0, sizeof(*e));
	str_ncpy(e->account_id, acc, sizeof(e->account_id));
	e->amount = amount;
}


static void txn(struct store_txn *t, const char *tenant, const char *key,
		struct store_entry *ev, size_t n)
{
	memset(t, 0, sizeof(*t));
	str_ncpy(t->tenant_id, tenant, sizeof(t->tenant_id));
	str_ncpy(t->kind, "adjust", sizeof(t->kind));
	str_ncpy(t->idem_key, key ? key : "", sizeof(t->idem_key));
	t->entryv = ev;
	t->entryc = n;
}


int test_money_ledger_post(void)
{
	char a[CB_ID_LEN + 1], b[CB_ID_LEN + 1], promo[CB_ID_LEN + 1];
	struct store_tenant other;
	struct store_account oa;
	struct store_entry ev[3];
	struct store_txn t;
	struct mfix f;
	int64_t bal;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", U(10), 0));
	TEST_ERR(mfix_account(&f, b, "bob", 0, 0));
	TEST_ERR(money_system_account(f.st, promo, f.tenant, "promo"));

	/* three entries summing to zero */
	entry(&ev[0], a, -U(3));
	entry(&ev[1], b, U(2));
	entry(&ev[2], promo, U(1));
	txn(&t, f.tenant, NULL, ev, 3);
	TEST_ERR(money_post(f.st, &t));
	ASSERT_EQ('x', t.id[0]);
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(U(7), bal);
	TEST_ERR(mfix_balance(&f, "bob", &bal, NULL));
	ASSERT_EQ(U(2), bal);

	/* unbalanced, one-sided, zero entries: refused, nothing moves */
	entry(&ev[1], b, U(2) + 1);
	txn(&t, f.tenant, NULL, ev, 3);
	ASSERT_EQ(EINVAL, money_post(f.st, &t));
	txn(&t, f.tenant, NULL, ev, 1);
	ASSERT_EQ(EINVAL, money_post(f.st, &t));
	entry(&ev[0], a, 0);
	entry(&ev[1], b, 0);
	txn(&t, f.tenant, NULL, ev, 2);
	ASSERT_EQ(EINVAL, money_post(f.st, &t));
	/* the store refuses an unbalanced one on its own, too */
	entry(&ev[0], a, -1);
	entry(&ev[1], b, 2);
	txn(&t, f.tenant, NULL, ev, 2);
	cb_id_new(t.id, 'x');
	ASSERT_EQ(EINVAL, store_money_txn_post(f.st, &t));

	/* unknown account: nothing posted at all */
	entry(&ev[0], a, -1);
	entry(&ev[1], "aNOSUCHACCOUNT00", 1);
	txn(&t, f.tenant, NULL, ev, 2);
	ASSERT_EQ(ENOENT, money_post(f.st, &t));
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(U(7), bal);

	/* another tenant's account cannot be in this tenant's transaction */
	memset(&other, 0, sizeof(other));
	cb_id_new(other.id, 't');
	str_ncpy(other.name, "other", sizeof(other.name));
	TEST_ERR(store_tenant_create(f.st, &other));
	TEST_ERR(money_account_create(f.st, &oa, other.id, "customer", "eve",
				      0));
	entry(&ev[0], a, -1);
	entry(&ev[1], oa.id, 1);
	txn(&t, f.tenant, NULL, ev, 2);
	ASSERT_EQ(EINVAL, money_post(f.st, &t));

	/* covered debits need funds */
	entry(&ev[0], a, -U(8));
	ev[0].covered = true;
	entry(&ev[1], b, U(8));
	txn(&t, f.tenant, NULL, ev, 2);
	ASSERT_EQ(ENOSPC, money_post(f.st, &t));
	ev[0].amount = -U(7);
	ev[1].amount = U(7);
	TEST_ERR(money_post(f.st, &t));
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(0, bal);
	TEST_ERR(mfix_recon(&f));
 out:
	mfix_close(&f);
	return err;
}


int test_money_ledger_idempotent(void)
{
	char a[CB_ID_LEN + 1], t1[CB_ID_LEN + 1], t2[CB_ID_LEN + 1];
	struct store_money_recon r;
	struct mfix f;
	int64_t bal;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", 0, 0));
	TEST_ERR(money_topup(f.st, f.tenant, a, U(10), NULL, "key-1", t1));
	/* the retry: same answer, posted once */
	ASSERT_EQ(EALREADY, money_topup(f.st, f.tenant, a, U(10), NULL,
					"key-1", t2));
	ASSERT_STREQ(t1, t2);
	/* same key, another amount: refused */
	ASSERT_EQ(EEXIST, money_topup(f.st, f.tenant, a, U(11), NULL,
				      "key-1", t2));
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(U(10), bal);
	TEST_ERR(money_topup(f.st, f.tenant, a, U(10), NULL, "key-2", t2));
	TEST_ERR(mfix_balance(&f, "alice", &bal, NULL));
	ASSERT_EQ(U(20), bal);
	ASSERT_EQ(EINVAL, money_topup(f.st, f.tenant, a, U(1), NULL,
				      "bad key", NULL));
	TEST_ERR(money_reconcile(f.st, f.tenant, &r));
	ASSERT_EQ(2, r.txns);
	ASSERT_EQ(4, r.entries);
 out:
	mfix_close(&f);
	return err;
}


int test_money_ledger_bad_amounts(void)
{
	char a[CB_ID_LEN + 1], b[CB_ID_LEN + 1];
	struct store_account acc;
	struct store_entry ev[2];
	struct store_txn t;
	struct mfix f;
	int n, err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", 0, 0));
	TEST_ERR(mfix_account(&f, b, "bob", 0, 0));
	ASSERT_EQ(EINVAL, money_topup(f.st, f.tenant, a, -U(5), NULL, NULL,
				      NULL));
	ASSERT_EQ(EINVAL, money_topup(f.st, f.tenant, a, 0, NULL, NULL,
				      NULL));
	ASSERT_EQ(ERANGE, money_topup(f.st, f.tenant, a, MONEY_MAX + 1, NULL,
				      NULL, NULL));
	ASSERT_EQ(ERANGE, money_account_create(f.st, &acc, f.tenant,
					       "customer", "carol", -1));
	ASSERT_EQ(ERANGE, money_account_create(f.st, &acc, f.tenant,
					       "customer", "carol",
					       MONEY_MAX + 1));

	entry(&ev[0], a, -(MONEY_MAX + 1));
	entry(&ev[1], b, MONEY_MAX + 1);
	txn(&t, f.tenant, NULL, ev, 2);
	ASSERT_EQ(ERANGE, money_post(f.st, &t));
	entry(&ev[0], a, INT64_MIN);
	entry(&ev[1], b, INT64_MIN);
	txn(&t, f.tenant, NULL, ev, 2);
	ASSERT_EQ(ERANGE, money_post(f.st, &t));

	/* a balance never wraps: the top-up that would overflow it is
	 * refused whole (int64 holds 92 x MONEY_MAX) */
	for (n = 0; n < 100; n++) {
		err = money_topup(f.st, f.tenant, a, MONEY_MAX, NULL, NULL,
				  NULL);
		if (err)
			break;
	}
	ASSERT_EQ(ERANGE, err);
	ASSERT_EQ(INT64_MAX / MONEY_MAX, n);
	TEST_ERR(mfix_recon(&f));
 out:
	mfix_close(&f);
	return err;
}


int test_money_ledger_settings(void)
{
	struct store_money_tenant mt;
	struct store_account acc;
	char a[CB_ID_LEN + 1];
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(money_tenant_get(f.st, &mt, f.tenant));
	ASSERT_STREQ("USD", mt.currency);   /* the first allowed */
	ASSERT_EQ(MONEY_OVER_CAP, mt.overcapture);

	ASSERT_EQ(EINVAL, mfix_settings(&f, "currency", "XYZ"));
	ASSERT_EQ(EINVAL, mfix_settings(&f, "currency", "GBP"));
	ASSERT_EQ(EINVAL, mfix_settings(&f, "currency", "eur"));
	ASSERT_EQ(ERANGE, mfix_settings(&f, "tax", "101"));
	ASSERT_EQ(ERANGE, mfix_settings(&f, "conf_min", "-5"));
	ASSERT_EQ(EINVAL, mfix_settings(&f, "overcapture", "maybe"));
	ASSERT_EQ(ENOENT, mfix_settings(&f, "colour", "blue"));
	TEST_ERR(mfix_settings(&f, "currency", "EUR"));
	TEST_ERR(mfix_settings(&f, "tax", "19"));

	/* accounts are in the tenant's currency, which then stays */
	TEST_ERR(mfix_account(&f, a, "alice", 0, 0));
	TEST_ERR(store_money_account_get(f.st, &acc, f.tenant, a));
	ASSERT_STREQ("EUR", acc.currency);
	ASSERT_EQ(EBUSY, mfix_settings(&f, "currency", "USD"));
	TEST_ERR(money_tenant_get(f.st, &mt, f.tenant));
	ASSERT_STREQ("EUR", mt.currency);
	ASSERT_EQ(190000, mt.tax_ppm);

	/* names: no system-account look-alikes, no odd kinds */
	ASSERT_EQ(EINVAL, money_account_create(f.st, &acc, f.tenant,
					       "customer", "sys:revenue", 0));
	ASSERT_EQ(EINVAL, money_account_create(f.st, &acc, f.tenant,
					       "revenue", "rev2", 0));
	ASSERT_EQ(EINVAL, money_account_create(f.st, &acc, f.tenant,
					       "customer", "", 0));
	ASSERT_EQ(EEXIST, money_account_create(f.st, &acc, f.tenant,
					       "customer", "alice", 0));
 out:
	mfix_close(&f);
	return err;
}


struct lines {
	int64_t amount[8], balance[8];
	unsigned n;
};


static bool line_h(const struct store_stmt_line *l, void *arg)
{
	struct lines *x = arg;

	if (x->n < 8) {
		x->amount[x->n] = l->amount;
		x->balance[x->n] = l->balance;
	}
	x->n++;
	return false;
}


int test_money_ledger_statement(void)
{
	char a[CB_ID_LEN + 1], b[CB_ID_LEN + 1];
	struct store_entry ev[2];
	struct store_txn t;
	struct lines x;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", U(10), 0));
	TEST_ERR(mfix_account(&f, b, "bob", U(1), 0));
	entry(&ev[0], a, -2500000);
	entry(&ev[1], b, 2500000);
	txn(&t, f.tenant, NULL, ev, 2);
	TEST_ERR(money_post(f.st, &t));
	TEST_ERR(money_topup(f.st, f.tenant, a, 1, NULL, NULL, NULL));

	memset(&x, 0, sizeof(x));
	TEST_ERR(store_money_statement(f.st, a, 0, 0, line_h, &x));
	ASSERT_EQ(3, x.n);
	ASSERT_EQ(U(10), x.amount[0]);
	ASSERT_EQ(U(10), x.balance[0]);
	ASSERT_EQ(-2500000, x.amount[1]);
	ASSERT_EQ(7500000, x.balance[1]);
	ASSERT_EQ(7500001, x.balance[2]);
	memset(&x, 0, sizeof(x));
	TEST_ERR(store_money_statement(f.st, a, 0, 1, line_h, &x));
	ASSERT_EQ(1, x.n);
 out:
	mfix_close(&f);
	return err;
}


static int sql(const char *path, const char *q)
{
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, q, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}


int test_money_ledger_reconcile(void)
{
	struct store_money_recon r;
	char a[CB_ID_LEN + 1];
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(mfix_account(&f, a, "alice", U(10), 0));
	TEST_ERR(money_reconcile(f.st, f.tenant, &r));
	ASSERT_EQ(0, r.total);
	ASSERT_EQ(2, r.accounts);

	/* the ledger is append-only */
	ASSERT_TRUE(sql(f.path, "UPDATE entries SET amount = 1") != SQLITE_OK);
	ASSERT_TRUE(sql(f.path, "DELETE FROM txns") != SQLITE_OK);
	TEST_ERR(money_reconcile(f.st, NULL, &r));

	/* a cached balance changed behind the ledger's back is caught */
	ASSERT_EQ(SQLITE_OK, sql(f.path, "UPDATE accounts SET balance = "
				 "balance + 1 WHERE name = 'alice'"));
	ASSERT_EQ(EBADMSG, money_reconcile(f.st, f.tenant, &r));
	ASSERT_EQ(1, r.bad_balances);
	ASSERT_STREQ(a, r.first_bad);
	ASSERT_EQ(SQLITE_OK, sql(f.path, "UPDATE accounts SET balance = "
				 "balance - 1 WHERE name = 'alice'"));
	TEST_ERR(money_reconcile(f.st, f.tenant, &r));

	/* an entry slipped in: its transaction no longer sums to zero */
	ASSERT_EQ(SQLITE_OK, sql(f.path, "INSERT INTO entries (txn_id, "
				 "account_id, amount) SELECT txn_id, "
				 "account_id, 7 FROM entries LIMIT 1"));
	ASSERT_EQ(EBADMSG, money_reconcile(f.st, f.tenant, &r));
	ASSERT_EQ(1, r.bad_txns);
	ASSERT_EQ(1, r.bad_balances);
	ASSERT_EQ(7, r.total);

	/* a transaction without entries */
	ASSERT_EQ(SQLITE_OK, sql(f.path, "INSERT INTO txns (id, tenant_id, "
				 "kind, ref, memo, created_ms) SELECT "
				 "'xEMPTY', tenant_id, 'x', '', '', 1 FROM "
				 "accounts LIMIT 1"));
	ASSERT_EQ(EBADMSG, money_reconcile(f.st, f.tenant, &r));
	ASSERT_EQ(2, r.bad_txns);
	err = 0;
 out:
	mfix_close(&f);
	return err;
}
