/**
 * @file store/sqlite_outbox.c  SQLite back-end: the webhook outbox
 *
 * One row per delivery, put before its first attempt and marked done
 * (done_ms) once it was delivered or given up; pending rows are the ones
 * with done_ms = 0, listed in the caller's order (ord), then in the order
 * they were put (seq, an AUTOINCREMENT key that never reuses a value).
 * The event_id is unique, so putting the same delivery twice answers
 * EEXIST.  Done rows are kept as delivery history (a done event_id is
 * never put again) until the prune job deletes those done before
 * api.outbox_keep_s; a pending row is never pruned.
 */
#include <string.h>
#include <re.h>
#include "sqlite.h"


int sqlite_outbox_put(void *db, const struct store_outbox *o)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "INSERT INTO webhook_outbox (key, "
			      "event_id, url, body, created_ms, ord) "
			      "VALUES (?, ?, ?, ?, ?, ?)");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, o->key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, o->event_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, o->url, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, o->body, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)o->created_ms);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)o->ord);
	return sqlite_run(db, s, "outbox put");
}


static const char *col_text(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t ? (const char *)t : "";
}


int sqlite_outbox_list_pending(void *db, store_outbox_h *h, void *arg)
{
	struct store_outbox o;
	sqlite3_stmt *s;
	int err, rc;

	err = sqlite_prep(db, &s, "SELECT seq, key, event_id, url, body, "
			  "created_ms, ord FROM webhook_outbox "
			  "WHERE done_ms = 0 ORDER BY ord, seq");
	if (err)
		return err;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&o, 0, sizeof(o));
		o.seq = (uint64_t)sqlite3_column_int64(s, 0);
		sqlite_text(s, 1, o.key, sizeof(o.key));
		sqlite_text(s, 2, o.event_id, sizeof(o.event_id));
		o.url = col_text(s, 3);
		o.body = col_text(s, 4);
		o.created_ms = (uint64_t)sqlite3_column_int64(s, 5);
		o.ord = (uint64_t)sqlite3_column_int64(s, 6);
		if (h(&o, arg))
			break;
	}
	err = rc == SQLITE_ROW || rc == SQLITE_DONE
		? 0 : sqlite_err(db, rc, "outbox list");
	sqlite3_finalize(s);
	return err;
}


/** Mark a pending delivery done: ENOENT if none is pending by that id */
int sqlite_outbox_ack(void *db, const char *event_id, uint64_t now_ms)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "UPDATE webhook_outbox SET done_ms = ? "
			      "WHERE event_id = ? AND done_ms = 0");
	if (err)
		return err;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)now_ms);
	sqlite3_bind_text(s, 2, event_id, -1, SQLITE_TRANSIENT);
	err = sqlite_run(db, s, "outbox ack");
	if (!err && sqlite3_changes(db) == 0)
		err = ENOENT;
	return err;
}


/** Delete up to max rows done before before_ms (pending rows stay) */
int sqlite_outbox_prune(void *db, uint64_t before_ms, uint32_t max,
			uint32_t *np)
{
	/* the index on (done_ms, ord) finds them without a scan */
	return sqlite_delete_limited(db, "DELETE FROM webhook_outbox WHERE "
				     "seq IN (SELECT seq FROM webhook_outbox "
				     "WHERE done_ms > 0 AND done_ms < ?1 "
				     "LIMIT ?2)", before_ms, max, np,
				     "outbox prune");
}
