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

	*dbp = db;
	return 0;

 out:
	sqlite3_close(db);
	return err;
}


static void sq_close(void *db)
{
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
	.user_create = sqlite_user_create,
	.user_find_login = sqlite_user_find_login,
	.user_get = sqlite_user_get,
	.user_count_role = sqlite_user_count_role,
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
};
