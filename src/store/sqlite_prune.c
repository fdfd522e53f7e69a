/**
 * @file store/sqlite_prune.c  SQLite back-end: deleting what has expired
 *
 * Rows that only matter for a while are deleted by the prune job
 * (prune.c) through these: idempotency records older than their replay
 * horizon, web sessions past their expiry and finished web callbacks
 * older than store.callback_keep_days (webhook outbox rows are
 * pruned next to the rest of the outbox, sqlite_outbox.c).  Each delete
 * takes at most `max` rows, picked by rowid in a sub-select since SQLite
 * is built without DELETE ... LIMIT, so that one call holds the store's
 * lock (and SQLite's write lock) briefly whatever the backlog.
 */
#include <re.h>
#include "sqlite.h"


/**
 * Run a DELETE whose ?1 is a time and ?2 a row limit (0: none) and say
 * in *np how many rows it deleted
 */
int sqlite_delete_limited(sqlite3 *db, const char *sql, uint64_t t,
			  uint32_t max, uint32_t *np, const char *what)
{
	sqlite3_stmt *s;
	int err;

	*np = 0;
	err = sqlite_prep(db, &s, sql);
	if (err)
		return err;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)t);
	sqlite3_bind_int64(s, 2, max ? (sqlite3_int64)max : -1);
	err = sqlite_run(db, s, what);
	if (!err)
		*np = (uint32_t)sqlite3_changes(db);
	return err;
}


/** Idempotency records created before before_ms */
int sqlite_idem_prune(void *db, uint64_t before_ms, uint32_t max,
		      uint32_t *np)
{
	return sqlite_delete_limited(db, "DELETE FROM idempotency WHERE "
				     "rowid IN (SELECT rowid FROM idempotency "
				     "WHERE created_ms < ?1 LIMIT ?2)",
				     before_ms, max, np, "idem prune");
}


/** Sessions expired at now_ms (a lookup no longer finds them) */
int sqlite_session_prune(void *db, uint64_t now_ms, uint32_t max,
			 uint32_t *np)
{
	return sqlite_delete_limited(db, "DELETE FROM sessions WHERE "
				     "rowid IN (SELECT rowid FROM sessions "
				     "WHERE expires_ms <= ?1 LIMIT ?2)",
				     now_ms, max, np, "session prune");
}


/**
 * Finished web callbacks last changed before before_ms; the states are
 * callbacks.c's final ones (a scheduled or placed one never goes)
 */
int sqlite_callback_prune(void *db, uint64_t before_ms, uint32_t max,
			  uint32_t *np)
{
	return sqlite_delete_limited(db, "DELETE FROM callbacks WHERE "
				     "rowid IN (SELECT rowid FROM callbacks "
				     "WHERE updated_ms < ?1 AND state IN "
				     "('completed', 'busy', 'no-answer', "
				     "'invalid-number', 'failed', "
				     "'canceled') LIMIT ?2)",
				     before_ms, max, np, "callback prune");
}
