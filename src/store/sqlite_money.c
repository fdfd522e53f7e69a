/**
 * @file store/sqlite_money.c  SQLite back-end: accounts and the ledger
 *
 * The ledger is two tables, `txns` and `entries`, that triggers make
 * append-only (an UPDATE or DELETE aborts).  Posting a transaction is one
 * database transaction (BEGIN IMMEDIATE, so the check of available funds
 * and the write cannot interleave with another writer, in this process or
 * in the CLI): the idempotency key is looked up, the transaction and its
 * entries are inserted, each account's cached balance is moved by its
 * entry (computed in C with overflow checks: SQLite turns an overflowing
 * integer sum into a float), then every `covered` entry's account must
 * still have available funds >= 0, else everything is rolled back
 * (ENOSPC).  Reconcile recomputes every balance from the entries.
 *
 * Durability: the connection runs with synchronous=NORMAL (WAL); a
 * transaction marked durable (money that moved outside, e.g. a card was
 * charged) is committed with synchronous=FULL, so its commit waits for
 * the fsync of the WAL.  docs/money.md explains the choice.
 */
#include <string.h>
#include <re.h>
#include "sqlite_money.h"


/* ---- shared helpers ---------------------------------------------------- */

/**
 * A prepared statement for sql, taken from the connection's own list of
 * statements when an idle one has that text (a statement cache: money
 * statements run thousands of times a second and preparing one costs
 * more than running it).  Give it back with sm_done(): reset, not
 * finalized; closing the connection finalizes them (sqlite.c).  A
 * statement is given back before its SQL is asked for again.
 */
int sm_prep(sqlite3 *db, sqlite3_stmt **stp, const char *sql)
{
	int rc;

	for (sqlite3_stmt *s = sqlite3_next_stmt(db, NULL); s;
	     s = sqlite3_next_stmt(db, s)) {
		const char *t = sqlite3_sql(s);

		if (t && !sqlite3_stmt_busy(s) && !strcmp(t, sql)) {
			*stp = s;
			return 0;
		}
	}
	rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, stp,
				NULL);
	return rc == SQLITE_OK ? 0 : sqlite_err(db, rc, "prepare");
}


void sm_done(sqlite3_stmt *s)
{
	(void)sqlite3_reset(s);
	(void)sqlite3_clear_bindings(s);
}


/**
 * Step to the one row a look-up expects: 0 with the statement on it
 * (read its columns, then sm_done()), ENOENT if there is none.
 */
int sm_step_one(sqlite3 *db, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? ENOENT : sqlite_err(db, rc, what);
}


/** Step a statement that returns no rows, then give it back */
int sm_run(sqlite3 *db, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	int err = rc == SQLITE_DONE ? 0 : sqlite_err(db, rc, what);

	sm_done(s);
	return err;
}


int sm_exec(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int err = sm_prep(db, &s, sql);

	return err ? err : sm_run(db, s, sql);
}


static int pragma_sync_get(sqlite3 *db, int *levelp)
{
	sqlite3_stmt *s;
	int err = sm_prep(db, &s, "PRAGMA synchronous");
	int rc;

	if (err)
		return err;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*levelp = sqlite3_column_int(s, 0);
	else
		err = sqlite_err(db, rc, "synchronous");
	sm_done(s);
	return err;
}


/**
 * Open a write transaction; durable ones commit with synchronous=FULL
 * (the level cannot change inside a transaction, so it is set before).
 * *prev_sync is the level to restore, -1 when unchanged.
 */
int sm_begin(sqlite3 *db, bool durable, int *prev_sync)
{
	int err;

	*prev_sync = -1;
	if (durable) {
		int lvl = 0;

		err = pragma_sync_get(db, &lvl);
		if (!err && lvl < 2)
			err = sm_exec(db, "PRAGMA synchronous=FULL");
		if (err)
			return err;
		if (lvl < 2)
			*prev_sync = lvl;
	}
	err = sm_exec(db, "BEGIN IMMEDIATE");
	if (err)
		(void)sm_end(db, EIO, *prev_sync);
	return err;
}


/** Commit when err is 0, else roll back; returns the outcome */
int sm_end(sqlite3 *db, int err, int prev_sync)
{
	if (sqlite3_get_autocommit(db) == 0) {
		if (!err)
			err = sm_exec(db, "COMMIT");
		/* a failed COMMIT leaves the transaction open */
		if (err && sqlite3_get_autocommit(db) == 0)
			(void)sm_exec(db, "ROLLBACK");
	}
	if (prev_sync >= 0) {
		char sql[40];

		(void)re_snprintf(sql, sizeof(sql), "PRAGMA synchronous=%d",
				  prev_sync);
		(void)sm_exec(db, sql);
	}
	return err;
}


/** One int64 out of a query of at most two text parameters */
int sm_int64(sqlite3 *db, int64_t *vp, const char *sql, const char *a1,
	     const char *a2)
{
	sqlite3_stmt *s;
	int err = sm_prep(db, &s, sql);

	if (err)
		return err;
	if (a1)
		sqlite3_bind_text(s, 1, a1, -1, SQLITE_TRANSIENT);
	if (a2)
		sqlite3_bind_text(s, 2, a2, -1, SQLITE_TRANSIENT);
	err = sm_step_one(db, s, sql);
	if (!err)
		*vp = sqlite3_column_int64(s, 0);
	sm_done(s);
	return err;
}


/**
 * The idempotency key of a write: 0 when unused, EALREADY when used by
 * the same request (id = the first one's), EEXIST when used by another.
 */
int sm_idem(sqlite3 *db, enum sm_idem_table tab, const char *tenant_id,
	    const char *key, const uint8_t *hash, char id[CB_ID_LEN + 1])
{
	static const char *sql[] = {
		[SM_IDEM_TXNS] = "SELECT id, req_hash FROM txns "
		"WHERE tenant_id = ? AND idem_key = ?",
		[SM_IDEM_HOLDS] = "SELECT id, req_hash FROM holds "
		"WHERE tenant_id = ? AND idem_key = ?",
		[SM_IDEM_TOKENS] = "SELECT id, req_hash FROM token_ops "
		"WHERE tenant_id = ? AND idem_key = ?",
	};
	sqlite3_stmt *s;
	int err, rc;

	if (!key || !key[0])
		return 0;
	err = sm_prep(db, &s, sql[tab]);
	if (err)
		return err;
	sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const void *h = sqlite3_column_blob(s, 1);

		if (h && sqlite3_column_bytes(s, 1) == STORE_HASH_LEN &&
		    !memcmp(h, hash, STORE_HASH_LEN)) {
			sqlite_text(s, 0, id, CB_ID_LEN + 1);
			err = EALREADY;
		}
		else {
			err = EEXIST;
		}
	}
	else if (rc != SQLITE_DONE) {
		err = sqlite_err(db, rc, "idempotency key");
	}
	sm_done(s);
	return err;
}


/**
 * Available funds: balance - open holds on the balance + the credit
 * limit when the account's tenant allows credit.
 */
int sm_available(sqlite3 *db, const char *account_id, int64_t *availp)
{
	sqlite3_stmt *s;
	int64_t bal, lim, held, v;
	int err;

	err = sm_prep(db, &s, "SELECT a.balance, a.credit_limit,"
			  " COALESCE(t.allow_credit, 0),"
			  " (SELECT COALESCE(SUM(h.amount), 0) FROM holds h"
			  "  WHERE h.account_id = a.id AND h.state = 0"
			  "  AND h.method_id = '')"
			  " FROM accounts a LEFT JOIN money_tenants t"
			  " ON t.tenant_id = a.tenant_id WHERE a.id = ?");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, account_id, -1, SQLITE_TRANSIENT);
	err = sm_step_one(db, s, "available");
	if (err)
		goto out;
	bal = sqlite3_column_int64(s, 0);
	lim = sqlite3_column_int(s, 2) ? sqlite3_column_int64(s, 1) : 0;
	held = sqlite3_column_int64(s, 3);
	if (__builtin_sub_overflow(bal, held, &v) ||
	    __builtin_add_overflow(v, lim, &v))
		err = ERANGE;
	else
		*availp = v;
 out:
	sm_done(s);
	return err;
}


/* ---- posting ----------------------------------------------------------- */

/* why an entry's account did not take it: unknown, another tenant's or
 * currency, or its balance would overflow */
static int entry_refused(sqlite3 *db, const struct store_txn *t,
			 const struct store_entry *e, const char *currency)
{
	int64_t n = 0;
	int err;

	err = sm_int64(db, &n, "SELECT COUNT(*) FROM accounts WHERE id = ?1 "
		       "AND tenant_id = ?2", e->account_id, t->tenant_id);
	if (!err && n)
		err = sm_int64(db, &n, "SELECT COUNT(*) FROM accounts WHERE "
			       "id = ?1 AND currency = ?2", e->account_id,
			       currency);
	if (err)
		return err;
	if (n)
		return ERANGE;
	err = sm_int64(db, &n, "SELECT COUNT(*) FROM accounts WHERE id = ?1",
		       e->account_id, NULL);
	return err ? err : n ? EINVAL : ENOENT;
}


/**
 * Move one account's cached balance by one entry and record the entry.
 * One transaction is in one currency: the first entry's account's.  The
 * sum is guarded in SQL so that it stays an integer (SQLite would turn
 * an overflowing one into a float).  No RETURNING clause: it would make
 * SQLite open a statement journal on every update.
 */
static int entry_apply(sqlite3 *db, const struct store_txn *t,
		       const struct store_entry *e, char currency[4])
{
	sqlite3_stmt *s;
	int err;

	if (!currency[0]) {
		err = sm_prep(db, &s, "SELECT currency FROM accounts "
			      "WHERE id = ?");
		if (err)
			return err;
		sqlite3_bind_text(s, 1, e->account_id, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW)
			sqlite_text(s, 0, currency, STORE_CUR_LEN + 1);
		sm_done(s);
		if (!currency[0])
			return ENOENT;
	}

	err = sm_prep(db, &s, "UPDATE accounts SET balance = balance + ?1 "
		      "WHERE id = ?2 AND tenant_id = ?3 AND currency = ?4 AND "
		      "(?1 <= 0 OR balance <= 9223372036854775807 - ?1) AND "
		      "(?1 >= 0 OR balance >= -9223372036854775807 - 1 - ?1)");
	if (err)
		return err;
	sqlite3_bind_int64(s, 1, e->amount);
	sqlite3_bind_text(s, 2, e->account_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, t->tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, currency, -1, SQLITE_TRANSIENT);
	err = sm_run(db, s, "balance");
	if (!err && sqlite3_changes(db) != 1)
		err = entry_refused(db, t, e, currency);
	if (err)
		return err;

	err = sm_prep(db, &s, "INSERT INTO entries (txn_id, account_id, "
		      "amount) VALUES (?, ?, ?)");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, t->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, e->account_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, e->amount);
	return sm_run(db, s, "entry");
}


/**
 * Post a transaction inside an open database transaction.  The row goes
 * in first: its unique key is the idempotency check, looked into only
 * when it refuses the row.
 */
int sm_txn_insert(sqlite3 *db, struct store_txn *t)
{
	char currency[STORE_CUR_LEN + 1] = "";
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "INSERT INTO txns (id, tenant_id, kind, "
		      "ref, memo, idem_key, req_hash, created_ms) "
		      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, t->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, t->tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, t->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, t->ref, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, t->memo, -1, SQLITE_TRANSIENT);
	if (t->idem_key[0]) {
		sqlite3_bind_text(s, 6, t->idem_key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 7, t->req_hash, STORE_HASH_LEN,
				  SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(s, 8, (sqlite3_int64)t->created_ms);
	err = sm_run(db, s, "txn");
	if (err == EEXIST && t->idem_key[0]) {
		err = sm_idem(db, SM_IDEM_TXNS, t->tenant_id, t->idem_key,
			      t->req_hash, t->id);
		if (!err)
			err = EEXIST;   /* the id, not the key, collided */
	}
	if (err)
		return err;

	for (size_t i = 0; i < t->entryc && !err; i++)
		err = entry_apply(db, t, &t->entryv[i], currency);

	for (size_t i = 0; i < t->entryc && !err; i++) {
		int64_t avail;

		if (!t->entryv[i].covered)
			continue;
		err = sm_available(db, t->entryv[i].account_id, &avail);
		if (!err && avail < 0)
			err = ENOSPC;
	}
	return err;
}


static int txn_post(void *db, struct store_txn *t)
{
	int prev, err;

	err = sm_begin(db, t->durable, &prev);
	if (err)
		return err;
	err = sm_txn_insert(db, t);
	return sm_end(db, err, prev);
}


/* ---- accounts ---------------------------------------------------------- */

static int account_create(void *db, const struct store_account *a)
{
	sqlite3_stmt *s;
	int err = sm_prep(db, &s, "INSERT INTO accounts (id, tenant_id, "
			      "kind, name, currency, credit_limit, "
			      "created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, a->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, a->tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, a->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, a->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, a->currency, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 6, a->credit_limit);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)a->created_ms);
	return sm_run(db, s, "account create");
}


#define ACCOUNT_COLS "id, tenant_id, kind, name, currency, credit_limit, " \
	"balance, created_ms, (SELECT COALESCE(SUM(h.amount), 0) " \
	"FROM holds h WHERE h.account_id = accounts.id AND h.state = 0 " \
	"AND h.method_id = '')"


static void account_read(sqlite3_stmt *s, struct store_account *a)
{
	memset(a, 0, sizeof(*a));
	sqlite_text(s, 0, a->id, sizeof(a->id));
	sqlite_text(s, 1, a->tenant_id, sizeof(a->tenant_id));
	sqlite_text(s, 2, a->kind, sizeof(a->kind));
	sqlite_text(s, 3, a->name, sizeof(a->name));
	sqlite_text(s, 4, a->currency, sizeof(a->currency));
	a->credit_limit = sqlite3_column_int64(s, 5);
	a->balance = sqlite3_column_int64(s, 6);
	a->created_ms = (uint64_t)sqlite3_column_int64(s, 7);
	a->held = sqlite3_column_int64(s, 8);
}


static int account_get(void *db, struct store_account *a,
		       const char *tenant_id, const char *key)
{
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "SELECT " ACCOUNT_COLS " FROM accounts "
			  "WHERE tenant_id = ?1 AND (id = ?2 OR name = ?2)");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	err = sm_step_one(db, s, "account get");
	if (!err)
		account_read(s, a);
	sm_done(s);
	return err;
}


static int account_list(void *db, const char *tenant_id,
			store_account_h *h, void *arg)
{
	struct store_account a;
	sqlite3_stmt *s;
	int err, rc;

	err = sm_prep(db, &s, "SELECT " ACCOUNT_COLS " FROM accounts "
			  "WHERE tenant_id = ? ORDER BY kind, name");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		account_read(s, &a);
		if (h(&a, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlite_err(db, rc, "account list");
	sm_done(s);
	return err;
}


/* ---- statement --------------------------------------------------------- */

static int statement(void *db, const char *account_id, uint64_t after_seq,
		     uint32_t limit, store_stmt_h *h, void *arg)
{
	struct store_stmt_line l;
	sqlite3_stmt *s;
	int err, rc;

	err = sm_prep(db, &s, "SELECT seq, txn_id, kind, ref, memo, "
			  "amount, bal, created_ms FROM ("
			  " SELECT e.seq, e.txn_id, t.kind, t.ref, t.memo,"
			  " e.amount, SUM(e.amount) OVER (ORDER BY e.seq)"
			  " AS bal, t.created_ms FROM entries e"
			  " JOIN txns t ON t.id = e.txn_id"
			  " WHERE e.account_id = ?1)"
			  " WHERE seq > ?2 ORDER BY seq LIMIT ?3");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, account_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)after_seq);
	sqlite3_bind_int64(s, 3, limit ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&l, 0, sizeof(l));
		l.seq = (uint64_t)sqlite3_column_int64(s, 0);
		sqlite_text(s, 1, l.txn_id, sizeof(l.txn_id));
		sqlite_text(s, 2, l.kind, sizeof(l.kind));
		sqlite_text(s, 3, l.ref, sizeof(l.ref));
		sqlite_text(s, 4, l.memo, sizeof(l.memo));
		l.amount = sqlite3_column_int64(s, 5);
		l.balance = sqlite3_column_int64(s, 6);
		l.created_ms = (uint64_t)sqlite3_column_int64(s, 7);
		if (h(&l, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlite_err(db, rc, "statement");
	sm_done(s);
	return err;
}


/* ---- reconcile --------------------------------------------------------- */

/* count and first id of a check; ?1 is the tenant or NULL (all) */
static int recon_check(sqlite3 *db, const char *tenant_id, const char *sql,
		       uint64_t *np, char first[CB_ID_LEN + 1])
{
	sqlite3_stmt *s;
	int err, rc;

	err = sm_prep(db, &s, sql);
	if (err)
		return err;
	if (tenant_id)
		sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*np = (uint64_t)sqlite3_column_int64(s, 0);
		if (first && *np && !first[0])
			sqlite_text(s, 1, first, CB_ID_LEN + 1);
	}
	else {
		err = sqlite_err(db, rc, "reconcile");
	}
	sm_done(s);
	return err;
}


#define T_ACC "(?1 IS NULL OR a.tenant_id = ?1)"
#define T_TXN "(?1 IS NULL OR t.tenant_id = ?1)"

static int reconcile(void *db, const char *tenant_id,
		     struct store_money_recon *r)
{
	uint64_t total = 0, with = 0;
	int err;

	memset(r, 0, sizeof(*r));

	/* one snapshot for every check */
	err = sm_exec(db, "BEGIN");
	if (err)
		return err;

	err = recon_check(db, tenant_id, "SELECT COUNT(*), '' FROM accounts "
			  "a WHERE " T_ACC, &r->accounts, NULL);
	if (!err)
		err = recon_check(db, tenant_id, "SELECT COUNT(*), '' FROM "
				  "txns t WHERE " T_TXN, &r->txns, NULL);
	if (!err)
		err = recon_check(db, tenant_id, "SELECT COUNT(*), '' FROM "
				  "entries e JOIN txns t ON t.id = e.txn_id "
				  "WHERE " T_TXN, &r->entries, NULL);
	/* transactions whose entries do not sum to zero (one pass over
	 * the entries, grouped), then those without two entries */
	if (!err)
		err = recon_check(db, tenant_id, "SELECT COUNT(*), MIN(id) "
				  "FROM (SELECT e.txn_id AS id FROM entries e "
				  "JOIN txns t ON t.id = e.txn_id WHERE " T_TXN
				  " GROUP BY e.txn_id HAVING COUNT(*) < 2 OR "
				  "SUM(e.amount) != 0)", &r->bad_txns,
				  r->first_bad);
	if (!err)
		err = recon_check(db, tenant_id, "SELECT COUNT(DISTINCT "
				  "e.txn_id), '' FROM entries e JOIN txns t "
				  "ON t.id = e.txn_id WHERE " T_TXN, &with,
				  NULL);
	if (!err && with < r->txns) {
		uint64_t none = 0;

		err = recon_check(db, tenant_id, "SELECT COUNT(*), MIN(t.id) "
				  "FROM txns t WHERE " T_TXN " AND NOT EXISTS "
				  "(SELECT 1 FROM entries e WHERE e.txn_id = "
				  "t.id)", &none, r->first_bad);
		r->bad_txns += none;
	}
	if (!err)
		err = recon_check(db, tenant_id, "SELECT COUNT(*), MIN(id) "
				  "FROM accounts a WHERE " T_ACC " AND "
				  "balance != (SELECT COALESCE(SUM(amount), 0)"
				  " FROM entries e WHERE e.account_id = a.id)",
				  &r->bad_balances, r->first_bad);
	if (!err)
		err = recon_check(db, tenant_id, "SELECT COUNT(*), '' FROM "
				  "token_balances b JOIN accounts a ON a.id ="
				  " b.account_id WHERE " T_ACC,
				  &r->token_balances, NULL);
	if (!err)
		err = recon_check(db, tenant_id, "SELECT COUNT(*), "
				  "MIN(a.id) FROM token_balances b JOIN "
				  "accounts a ON a.id = b.account_id WHERE "
				  T_ACC " AND b.tokens != (SELECT "
				  "COALESCE(SUM(m.delta), 0) FROM token_moves "
				  "m WHERE m.account_id = b.account_id AND "
				  "m.service = b.service)",
				  &r->bad_tokens, r->first_bad);
	if (!err)
		err = recon_check(db, tenant_id, "SELECT COUNT(*), '' FROM "
				  "holds a WHERE " T_ACC " AND state = 0",
				  &r->holds_open, NULL);
	if (!err)
		err = recon_check(db, tenant_id, "SELECT COUNT(*), MIN(id) "
				  "FROM holds a WHERE " T_ACC " AND ("
				  "(state = 1 AND captured != 0 AND NOT EXISTS"
				  " (SELECT 1 FROM txns t WHERE t.id ="
				  " a.txn_id)) OR (state != 1 AND captured != "
				  "0) OR captured < 0)",
				  &r->bad_holds, r->first_bad);
	if (!err)
		err = recon_check(db, tenant_id, "SELECT COALESCE(SUM("
				  "e.amount), 0), '' FROM entries e JOIN txns "
				  "t ON t.id = e.txn_id WHERE " T_TXN,
				  &total, NULL);
	r->total = (int64_t)total;

	(void)sm_exec(db, "COMMIT");
	return err;
}


const struct store_money_ops store_sqlite_money_ops = {
	.tenant_get = sqlite_money_tenant_get,
	.tenant_put = sqlite_money_tenant_put,
	.rates_replace = sqlite_money_rates_replace,
	.rate_find = sqlite_money_rate_find,
	.rate_list = sqlite_money_rate_list,
	.account_create = account_create,
	.account_get = account_get,
	.account_list = account_list,
	.txn_post = txn_post,
	.statement = statement,
	.hold_open = sqlite_money_hold_open,
	.hold_extend = sqlite_money_hold_extend,
	.hold_meter = sqlite_money_hold_meter,
	.hold_settle = sqlite_money_hold_settle,
	.hold_get = sqlite_money_hold_get,
	.hold_list_open = sqlite_money_hold_list_open,
	.method_create = sqlite_money_method_create,
	.method_get = sqlite_money_method_get,
	.method_list = sqlite_money_method_list,
	.token_service_put = sqlite_money_token_service_put,
	.token_service_get = sqlite_money_token_service_get,
	.token_get = sqlite_money_token_get,
	.token_list = sqlite_money_token_list,
	.token_apply = sqlite_money_token_apply,
	.credit_put = sqlite_money_credit_put,
	.credit_get = sqlite_money_credit_get,
	.reconcile = reconcile,
};
