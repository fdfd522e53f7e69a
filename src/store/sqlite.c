/**
 * @file store/sqlite.c  SQLite back-end: connection, pragmas, migrations
 *
 * One database file in WAL mode (readers never wait for the writer; the
 * CLI may write while the daemon runs), synchronous=NORMAL (a commit is
 * durable at the next checkpoint; a power cut may lose the last commits,
 * a crash of the process loses nothing), a busy timeout so that the CLI
 * and the daemon wait for each other instead of failing, foreign keys on.
 * The schema is a list of numbered migrations; each one that the
 * `schema_migrations` table does not list is applied in its own
 * transaction (BEGIN IMMEDIATE: two processes starting together do not
 * both apply it).  A migration is never edited once released; changes
 * are new migrations.
 */
#include <string.h>
#include <re.h>
#include "sqlite.h"
#include "store_money.h"
#include "store_cdr.h"
#include "store_cc.h"

enum { BUSY_MS = 5000 };

static const char *migrations[] = {
	/* 1: tenants, users, credentials, calls, idempotency */
	"CREATE TABLE tenants ("
	" id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" created_ms INTEGER NOT NULL);"
	"CREATE TABLE users ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id),"
	" login TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
	" pwhash TEXT NOT NULL, created_ms INTEGER NOT NULL);"
	"CREATE TABLE api_keys ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id),"
	" name TEXT NOT NULL, hash BLOB NOT NULL,"
	" created_ms INTEGER NOT NULL, revoked_ms INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX api_keys_tenant ON api_keys(tenant_id);"
	"CREATE TABLE sessions ("
	" token_hash BLOB PRIMARY KEY,"
	" user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" csrf TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	" expires_ms INTEGER NOT NULL);"
	"CREATE TABLE calls ("
	" id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL,"
	" created_ms INTEGER NOT NULL, ended_ms INTEGER NOT NULL);"
	"CREATE INDEX calls_tenant ON calls(tenant_id, created_ms);"
	"CREATE TABLE call_legs ("
	" call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL, id TEXT NOT NULL, peer TEXT NOT NULL,"
	" outbound INTEGER NOT NULL, state TEXT NOT NULL,"
	" cause TEXT NOT NULL, sip_status INTEGER NOT NULL,"
	" created_ms INTEGER NOT NULL, answered_ms INTEGER NOT NULL,"
	" ended_ms INTEGER NOT NULL, rtp_rx INTEGER NOT NULL,"
	" rtp_tx INTEGER NOT NULL, rtp_lost INTEGER NOT NULL,"
	" PRIMARY KEY (call_id, idx));"
	"CREATE TABLE idempotency ("
	" tenant_id TEXT NOT NULL, key TEXT NOT NULL,"
	" req_hash BLOB NOT NULL, status INTEGER NOT NULL,"
	" body TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	" PRIMARY KEY (tenant_id, key));",

	/* 2: webhook outbox (done_ms = 0 while pending) */
	"CREATE TABLE webhook_outbox ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, ord INTEGER NOT NULL,"
	" key TEXT NOT NULL, event_id TEXT NOT NULL UNIQUE,"
	" url TEXT NOT NULL, body TEXT NOT NULL,"
	" created_ms INTEGER NOT NULL, done_ms INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX webhook_outbox_pending ON webhook_outbox(done_ms, ord);",

	/* 3: per-tenant status callback URL; users listed per tenant */
	"ALTER TABLE tenants ADD COLUMN webhook_url TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX users_tenant ON users(tenant_id);",

	/* 4: money (docs/money.md): tenant settings, rates, accounts, an
	 * append-only double-entry ledger, holds, payment methods, usage
	 * tokens, trouble-report credits.  Amounts are INTEGER micro-units */
	"CREATE TABLE money_tenants ("
	" tenant_id TEXT PRIMARY KEY, currency TEXT NOT NULL,"
	" tax_ppm INTEGER NOT NULL, conf_min INTEGER NOT NULL,"
	" allow_credit INTEGER NOT NULL, overcapture INTEGER NOT NULL,"
	" limit_policy INTEGER NOT NULL, typical_s INTEGER NOT NULL,"
	" hold_min INTEGER NOT NULL, hold_max INTEGER NOT NULL);"
	"CREATE TABLE rates ("
	" tenant_id TEXT NOT NULL, prefix TEXT NOT NULL, name TEXT NOT NULL,"
	" per_min INTEGER NOT NULL, connect_fee INTEGER NOT NULL,"
	" min_charge INTEGER NOT NULL, first_s INTEGER NOT NULL,"
	" next_s INTEGER NOT NULL,"
	" PRIMARY KEY (tenant_id, prefix)) WITHOUT ROWID;"
	"CREATE TABLE accounts ("
	" id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, kind TEXT NOT NULL,"
	" name TEXT NOT NULL, currency TEXT NOT NULL,"
	" credit_limit INTEGER NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),"
	" balance INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,"
	" UNIQUE (tenant_id, name));"
	"CREATE TABLE txns ("
	" id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, kind TEXT NOT NULL,"
	" ref TEXT NOT NULL, memo TEXT NOT NULL, idem_key TEXT,"
	" req_hash BLOB, created_ms INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE UNIQUE INDEX txns_idem ON txns(tenant_id, idem_key)"
	" WHERE idem_key IS NOT NULL;"
	"CREATE TABLE entries ("
	" seq INTEGER PRIMARY KEY,"
	" txn_id TEXT NOT NULL REFERENCES txns(id),"
	" account_id TEXT NOT NULL REFERENCES accounts(id),"
	" amount INTEGER NOT NULL CHECK (amount != 0));"
	"CREATE INDEX entries_account ON entries(account_id, seq);"
	"CREATE TRIGGER entries_append_only BEFORE UPDATE ON entries"
	" BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;"
	"CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries"
	" BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;"
	"CREATE TRIGGER txns_append_only BEFORE UPDATE ON txns"
	" BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;"
	"CREATE TRIGGER txns_no_delete BEFORE DELETE ON txns"
	" BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;"
	"CREATE TABLE pay_methods ("
	" id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL,"
	" account_id TEXT NOT NULL REFERENCES accounts(id),"
	" provider TEXT NOT NULL, brand TEXT NOT NULL, last4 TEXT NOT NULL,"
	" exp_month INTEGER NOT NULL, exp_year INTEGER NOT NULL,"
	" token TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL);"
	"CREATE TABLE holds ("
	" id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL,"
	" account_id TEXT NOT NULL REFERENCES accounts(id),"
	" method_id TEXT NOT NULL, ref TEXT NOT NULL, idem_key TEXT,"
	" req_hash BLOB, amount INTEGER NOT NULL CHECK (amount >= 0),"
	" metered INTEGER NOT NULL DEFAULT 0,"
	" captured INTEGER NOT NULL DEFAULT 0,"
	" state INTEGER NOT NULL DEFAULT 0, txn_id TEXT NOT NULL DEFAULT '',"
	" created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
	"CREATE INDEX holds_open ON holds(account_id) WHERE state = 0;"
	"CREATE UNIQUE INDEX holds_idem ON holds(tenant_id, idem_key)"
	" WHERE idem_key IS NOT NULL;"
	"CREATE TABLE token_services ("
	" tenant_id TEXT NOT NULL, service TEXT NOT NULL,"
	" per_minute INTEGER NOT NULL, price INTEGER NOT NULL,"
	" PRIMARY KEY (tenant_id, service));"
	"CREATE TABLE token_balances ("
	" account_id TEXT NOT NULL REFERENCES accounts(id),"
	" service TEXT NOT NULL, tokens INTEGER NOT NULL CHECK (tokens >= 0),"
	" PRIMARY KEY (account_id, service));"
	"CREATE TABLE token_ops ("
	" id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL,"
	" service TEXT NOT NULL, ref TEXT NOT NULL, idem_key TEXT,"
	" req_hash BLOB, txn_id TEXT NOT NULL, created_ms INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX token_ops_idem ON token_ops(tenant_id, idem_key)"
	" WHERE idem_key IS NOT NULL;"
	"CREATE TABLE token_moves ("
	" seq INTEGER PRIMARY KEY,"
	" op_id TEXT NOT NULL REFERENCES token_ops(id),"
	" account_id TEXT NOT NULL, service TEXT NOT NULL,"
	" delta INTEGER NOT NULL);"
	"CREATE INDEX token_moves_account ON token_moves(account_id, service);"
	"CREATE TRIGGER token_moves_append_only BEFORE UPDATE ON token_moves"
	" BEGIN SELECT RAISE(ABORT, 'token moves are append-only'); END;"
	"CREATE TABLE credits ("
	" tenant_id TEXT NOT NULL, leg_id TEXT NOT NULL,"
	" account_id TEXT NOT NULL, reason TEXT NOT NULL,"
	" amount INTEGER NOT NULL CHECK (amount > 0),"
	" txn_id TEXT NOT NULL REFERENCES txns(id),"
	" created_ms INTEGER NOT NULL, PRIMARY KEY (tenant_id, leg_id));",

	/* 5: billing records (docs/money.md, "Metering"): a CDR per leg of
	 * a billed call (replaced, with a new seq, when it is final) and
	 * what each hold of a call charged */
	"CREATE TABLE cdrs ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" leg_id TEXT NOT NULL, call_id TEXT NOT NULL,"
	" tenant_id TEXT NOT NULL, idx INTEGER NOT NULL, peer TEXT NOT NULL,"
	" payer TEXT NOT NULL, account_id TEXT NOT NULL,"
	" hold_id TEXT NOT NULL, rated INTEGER NOT NULL,"
	" prefix TEXT NOT NULL, rate_name TEXT NOT NULL,"
	" per_min INTEGER NOT NULL, connect_fee INTEGER NOT NULL,"
	" min_charge INTEGER NOT NULL, first_s INTEGER NOT NULL,"
	" next_s INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
	" answered_ms INTEGER NOT NULL, ended_ms INTEGER NOT NULL,"
	" cause TEXT NOT NULL, duration_ms INTEGER NOT NULL,"
	" billed_s INTEGER NOT NULL, cost INTEGER NOT NULL CHECK (cost >= 0),"
	" state INTEGER NOT NULL, trouble TEXT NOT NULL DEFAULT '',"
	" UNIQUE (tenant_id, leg_id));"
	"CREATE INDEX cdrs_call ON cdrs(call_id, idx);"
	"CREATE INDEX cdrs_hold ON cdrs(hold_id);"
	"CREATE INDEX cdrs_tenant ON cdrs(tenant_id, seq);"
	"CREATE TABLE call_charges ("
	" hold_id TEXT PRIMARY KEY, call_id TEXT NOT NULL,"
	" tenant_id TEXT NOT NULL, account_id TEXT NOT NULL,"
	" payer TEXT NOT NULL, currency TEXT NOT NULL,"
	" authorized INTEGER NOT NULL, subtotal INTEGER NOT NULL,"
	" min_adjust INTEGER NOT NULL, rounding INTEGER NOT NULL,"
	" net INTEGER NOT NULL, tax INTEGER NOT NULL, total INTEGER NOT NULL,"
	" charged INTEGER NOT NULL, written_off INTEGER NOT NULL,"
	" txn_id TEXT NOT NULL, state INTEGER NOT NULL,"
	" created_ms INTEGER NOT NULL);"
	"CREATE INDEX call_charges_call ON call_charges(call_id);",

	/* 6: web callback requests (src/api/callbacks.c) */
	"CREATE TABLE callbacks ("
	" id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL,"
	" client TEXT NOT NULL, dest TEXT NOT NULL, service TEXT NOT NULL,"
	" arg TEXT NOT NULL, voice TEXT NOT NULL,"
	" status_callback TEXT NOT NULL, state TEXT NOT NULL,"
	" call_id TEXT NOT NULL, due_ms INTEGER NOT NULL,"
	" created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
	" ver INTEGER NOT NULL);"
	"CREATE INDEX callbacks_tenant ON callbacks(tenant_id, created_ms);"
	"CREATE TABLE client_numbers ("
	" tenant_id TEXT NOT NULL, client TEXT NOT NULL,"
	" number TEXT NOT NULL, updated_ms INTEGER NOT NULL,"
	" PRIMARY KEY (tenant_id, client));",

	/* 7: contact centre (issue 5, seed 003): a tenant's business
	 * settings, its agents and its customer call requests */
	"CREATE TABLE cc_business ("
	" tenant_id TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" announcement TEXT NOT NULL, origins TEXT NOT NULL,"
	" hours TEXT NOT NULL, hold_prompt TEXT NOT NULL,"
	" ring_s INTEGER NOT NULL, fallback_s INTEGER NOT NULL,"
	" wrap_s INTEGER NOT NULL, max_noanswer INTEGER NOT NULL,"
	" position_s INTEGER NOT NULL, billing_account TEXT NOT NULL,"
	" updated_ms INTEGER NOT NULL);"
	"CREATE TABLE cc_agents ("
	" id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL,"
	" name TEXT NOT NULL, endpoint TEXT NOT NULL,"
	" user_id TEXT NOT NULL, skills TEXT NOT NULL,"
	" created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
	"CREATE INDEX cc_agents_tenant ON cc_agents(tenant_id);"
	"CREATE TABLE cc_requests ("
	" id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL,"
	" source TEXT NOT NULL, token_hash TEXT NOT NULL,"
	" customer TEXT NOT NULL, customer_name TEXT NOT NULL,"
	" page_url TEXT NOT NULL, page_title TEXT NOT NULL,"
	" note TEXT NOT NULL, skill TEXT NOT NULL,"
	" agent_hint TEXT NOT NULL, status TEXT NOT NULL,"
	" cause TEXT NOT NULL, agent_id TEXT NOT NULL,"
	" call_id TEXT NOT NULL, wrap_notes TEXT NOT NULL,"
	" due_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
	" answered_ms INTEGER NOT NULL, connected_ms INTEGER NOT NULL,"
	" ended_ms INTEGER NOT NULL, wait_ms INTEGER NOT NULL,"
	" updated_ms INTEGER NOT NULL, ver INTEGER NOT NULL);"
	"CREATE INDEX cc_requests_tenant ON cc_requests(tenant_id, created_ms);"
	"CREATE INDEX cc_requests_agent ON cc_requests(agent_id, created_ms);",

	/* 8: per-tenant dialing policy for customer-requested calls
	 * (callbacks, click-to-call): refused destination prefixes and
	 * whether a bare phone number identifies a client */
	"CREATE TABLE dial_policy ("
	" tenant_id TEXT PRIMARY KEY, blocked_prefixes TEXT NOT NULL,"
	" number_id INTEGER NOT NULL, per_number_hour INTEGER NOT NULL,"
	" updated_ms INTEGER NOT NULL);",

	/* 9: what a web callback needs to be placed after a restart as it
	 * was asked: who pays (callbacks.c's text form, "" = unbilled),
	 * its ring time (0 = the default) and why it failed */
	"ALTER TABLE callbacks ADD COLUMN billing TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE callbacks ADD COLUMN ring_timeout_s INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE callbacks ADD COLUMN cause TEXT NOT NULL DEFAULT '';",
};


int sqlite_err(sqlite3 *db, int rc, const char *what)
{
	switch (rc & 0xff) {

	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_CONSTRAINT:
		return EEXIST;
	case SQLITE_NOMEM:
		return ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		log_warn(NULL, "store: %s: database busy", what);
		return EBUSY;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_READONLY:
		log_err(NULL, "store: %s: %s", what, sqlite3_errmsg(db));
		return EACCES;
	default:
		log_err(NULL, "store: %s: %s", what, sqlite3_errmsg(db));
		return EIO;
	}
}


int sqlite_prep(sqlite3 *db, sqlite3_stmt **stp, const char *sql)
{
	int rc = sqlite3_prepare_v2(db, sql, -1, stp, NULL);

	return rc == SQLITE_OK ? 0 : sqlite_err(db, rc, "prepare");
}


int sqlite_exec(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sqlite_err(db, rc, "exec");
}


/** Copy a text column into buf (truncated to sz, always terminated) */
void sqlite_text(sqlite3_stmt *s, int col, char *buf, size_t sz)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	str_ncpy(buf, t ? (const char *)t : "", sz);
}


/** Step a statement that returns no rows, then finalize it */
int sqlite_run(sqlite3 *db, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	int err = rc == SQLITE_DONE ? 0 : sqlite_err(db, rc, what);

	sqlite3_finalize(s);
	return err;
}


/** Bind text (copied) to parameter i */
void sqlite_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}


void sqlite_bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}


uint64_t sqlite_u64(sqlite3_stmt *s, int col)
{
	return (uint64_t)sqlite3_column_int64(s, col);
}


/**
 * Step to the one row a look-up expects: 0 with the statement on it
 * (read its columns, then finalize), ENOENT if there is none
 */
int sqlite_step_one(sqlite3 *db, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? ENOENT : sqlite_err(db, rc, what);
}


/**
 * Finalize a listing's statement; rc is its last step's: a handler's
 * stop (SQLITE_ROW) and the end of the rows are both 0
 */
int sqlite_list_end(sqlite3 *db, sqlite3_stmt *s, int rc, const char *what)
{
	int err = rc == SQLITE_ROW || rc == SQLITE_DONE
		? 0 : sqlite_err(db, rc, what);

	sqlite3_finalize(s);
	return err;
}


static int version_get(sqlite3 *db, unsigned *vp)
{
	sqlite3_stmt *s = NULL;
	int err, rc;

	err = sqlite_prep(db, &s, "SELECT COALESCE(MAX(version), 0) "
			  "FROM schema_migrations");
	if (err)
		return err;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*vp = (unsigned)sqlite3_column_int(s, 0);
	else
		err = sqlite_err(db, rc, "schema version");
	sqlite3_finalize(s);
	return err;
}


static int migrate_one(sqlite3 *db, unsigned v)
{
	sqlite3_stmt *s = NULL;
	unsigned cur = 0;
	int err;

	err = sqlite_exec(db, "BEGIN IMMEDIATE");
	if (err)
		return err;

	/* another process may have applied it while we waited */
	err = version_get(db, &cur);
	if (err || cur >= v)
		goto out;

	err = sqlite_exec(db, migrations[v - 1]);
	if (err)
		goto out;
	err = sqlite_prep(db, &s, "INSERT INTO schema_migrations "
			  "(version, applied_ms) VALUES (?, "
			  "CAST(strftime('%s','now') AS INTEGER) * 1000)");
	if (err)
		goto out;
	sqlite3_bind_int(s, 1, (int)v);
	err = sqlite_run(db, s, "record migration");

 out:
	if (err) {
		(void)sqlite_exec(db, "ROLLBACK");
		return err;
	}
	err = sqlite_exec(db, "COMMIT");
	if (!err && cur < v)
		log_info(NULL, "store: schema migrated to version %u", v);
	return err;
}


static int migrate(sqlite3 *db)
{
	unsigned cur = 0;
	int err;

	err = sqlite_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			  " version INTEGER PRIMARY KEY,"
			  " applied_ms INTEGER NOT NULL)");
	if (!err)
		err = version_get(db, &cur);
	if (err)
		return err;
	if (cur > ARRAY_SIZE(migrations)) {
		log_err(NULL, "store: schema version %u is newer than this "
			"program (%zu)", cur, ARRAY_SIZE(migrations));
		return EPROTO;
	}
	for (unsigned v = cur + 1; v <= ARRAY_SIZE(migrations); v++) {
		err = migrate_one(db, v);
		if (err)
			return err;
	}
	return 0;
}


static int sq_open(void **dbp, const char *path)
{
	sqlite3 *db = NULL;
	int rc, err;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err = sqlite_err(db, rc, path);
		goto out;
	}
	sqlite3_busy_timeout(db, BUSY_MS);

	err = sqlite_exec(db, "PRAGMA journal_mode=WAL;"
			  "PRAGMA synchronous=NORMAL;"
			  "PRAGMA foreign_keys=ON;");
	if (!err)
		err = migrate(db);
	if (err)
		goto out;
	err = sqlite_ckpt_start(db, path);
	if (err)
		log_warn(NULL, "store: checkpoints stay on the writers' path "
			 "(%m)", err);

	*dbp = db;
	return 0;

 out:
	sqlite3_close(db);
	return err;
}


static void sq_close(void *db)
{
	sqlite3_stmt *s;

	sqlite_ckpt_stop(db);

	/* statements kept prepared (sqlite_money.c's cache) */
	while ((s = sqlite3_next_stmt(db, NULL)) != NULL)
		sqlite3_finalize(s);
	sqlite3_close(db);
}


static int sq_ping(void *db)
{
	unsigned v;

	return version_get(db, &v);
}


static int sq_version(void *db, unsigned *vp)
{
	return version_get(db, vp);
}


const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.ping = sq_ping,
	.version = sq_version,
	.tenant_create = sqlite_tenant_create,
	.tenant_get = sqlite_tenant_get,
	.tenant_list = sqlite_tenant_list,
	.tenant_update = sqlite_tenant_update,
	.user_create = sqlite_user_create,
	.user_find_login = sqlite_user_find_login,
	.user_get = sqlite_user_get,
	.user_count_role = sqlite_user_count_role,
	.user_list = sqlite_user_list,
	.user_delete = sqlite_user_delete,
	.apikey_create = sqlite_apikey_create,
	.apikey_find = sqlite_apikey_find,
	.apikey_list = sqlite_apikey_list,
	.apikey_revoke = sqlite_apikey_revoke,
	.session_create = sqlite_session_create,
	.session_find = sqlite_session_find,
	.session_delete = sqlite_session_delete,
	.call_save = sqlite_call_save,
	.call_get = sqlite_call_get,
	.idem_get = sqlite_idem_get,
	.idem_put = sqlite_idem_put,
	.outbox_put = sqlite_outbox_put,
	.outbox_list_pending = sqlite_outbox_list_pending,
	.outbox_ack = sqlite_outbox_ack,
	.outbox_prune = sqlite_outbox_prune,
	.idem_prune = sqlite_idem_prune,
	.session_prune = sqlite_session_prune,
	.callback_put = sqlite_callback_put,
	.callback_list = sqlite_callback_list,
	.callback_prune = sqlite_callback_prune,
	.client_number_put = sqlite_client_number_put,
	.client_number_get = sqlite_client_number_get,
	.money = &store_sqlite_money_ops,
	.cdr = &store_sqlite_cdr_ops,
	.cc = &store_sqlite_cc_ops,
};
