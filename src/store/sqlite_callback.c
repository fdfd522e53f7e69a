/**
 * @file store/sqlite_callback.c  SQLite back-end: web callback requests
 *
 * One row per callback request (POST /v1/callbacks), put when it is
 * accepted and again at every change of state.  Puts run on several
 * workers and may complete out of order, so each carries the caller's
 * version and a row is only replaced by a higher one.
 * What was asked stays as asked (client, service, who pays, ring time);
 * a later put only changes where it stands (state, call, cause).
 * A client identified by an account or a login may have a number on
 * record (client_numbers), called when a request gives no `to`.
 * Finished callbacks go after store.callback_keep_days (the prune job,
 * sqlite_prune.c).
 */
#include <string.h>
#include <re.h>
#include "sqlite.h"


int sqlite_callback_put(void *db, const struct store_callback *c)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "INSERT INTO callbacks (id, tenant_id, "
			      "client, dest, service, arg, voice, "
			      "status_callback, state, call_id, due_ms, "
			      "created_ms, updated_ms, ver, billing, "
			      "ring_timeout_s, cause) VALUES (?1, ?2, ?3, ?4, "
			      "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
			      "?15, ?16, ?17) ON CONFLICT(id) DO UPDATE SET "
			      "state = ?9, call_id = ?10, updated_ms = ?13, "
			      "ver = ?14, cause = ?17 "
			      "WHERE ?14 > callbacks.ver");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, c->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, c->tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, c->client, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, c->to, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, c->service, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, c->arg, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 7, c->voice, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 8, c->status_callback, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 9, c->state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 10, c->call_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 11, (sqlite3_int64)c->due_ms);
	sqlite3_bind_int64(s, 12, (sqlite3_int64)c->created_ms);
	sqlite3_bind_int64(s, 13, (sqlite3_int64)c->updated_ms);
	sqlite3_bind_int64(s, 14, (sqlite3_int64)c->ver);
	sqlite3_bind_text(s, 15, c->billing, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 16, (sqlite3_int64)c->ring_timeout_s);
	sqlite3_bind_text(s, 17, c->cause, -1, SQLITE_TRANSIENT);
	return sqlite_run(db, s, "callback put");
}


/** Every callback, oldest first */
int sqlite_callback_list(void *db, store_callback_h *h, void *arg)
{
	struct store_callback *c;
	sqlite3_stmt *s;
	int err, rc;

	/* some 5 KB: not on a worker's stack */
	c = mem_zalloc(sizeof(*c), NULL);
	if (!c)
		return ENOMEM;
	err = sqlite_prep(db, &s, "SELECT id, tenant_id, client, dest, "
			  "service, arg, voice, status_callback, state, "
			  "call_id, due_ms, created_ms, updated_ms, ver, "
			  "billing, ring_timeout_s, cause "
			  "FROM callbacks ORDER BY created_ms, id");
	if (err)
		goto out;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(c, 0, sizeof(*c));
		sqlite_text(s, 0, c->id, sizeof(c->id));
		sqlite_text(s, 1, c->tenant_id, sizeof(c->tenant_id));
		sqlite_text(s, 2, c->client, sizeof(c->client));
		sqlite_text(s, 3, c->to, sizeof(c->to));
		sqlite_text(s, 4, c->service, sizeof(c->service));
		sqlite_text(s, 5, c->arg, sizeof(c->arg));
		sqlite_text(s, 6, c->voice, sizeof(c->voice));
		sqlite_text(s, 7, c->status_callback,
			    sizeof(c->status_callback));
		sqlite_text(s, 8, c->state, sizeof(c->state));
		sqlite_text(s, 9, c->call_id, sizeof(c->call_id));
		c->due_ms = (uint64_t)sqlite3_column_int64(s, 10);
		c->created_ms = (uint64_t)sqlite3_column_int64(s, 11);
		c->updated_ms = (uint64_t)sqlite3_column_int64(s, 12);
		c->ver = (uint32_t)sqlite3_column_int64(s, 13);
		sqlite_text(s, 14, c->billing, sizeof(c->billing));
		c->ring_timeout_s = (uint32_t)sqlite3_column_int64(s, 15);
		sqlite_text(s, 16, c->cause, sizeof(c->cause));
		if (h(c, arg))
			break;
	}
	err = sqlite_list_end(db, s, rc, "callback list");
 out:
	mem_deref(c);
	return err;
}


/** Set (or replace) the number a client is called back at */
int sqlite_client_number_put(void *db, const char *tenant_id,
			     const char *client, const char *number,
			     uint64_t now_ms)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "INSERT INTO client_numbers (tenant_id, "
			      "client, number, updated_ms) VALUES (?, ?, ?, ?) "
			      "ON CONFLICT(tenant_id, client) DO UPDATE SET "
			      "number = excluded.number, "
			      "updated_ms = excluded.updated_ms");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, client, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, number, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)now_ms);
	return sqlite_run(db, s, "client number put");
}


/** The number of a client: ENOENT if it has none */
int sqlite_client_number_get(void *db, const char *tenant_id,
			     const char *client, char *number, size_t sz)
{
	sqlite3_stmt *s;
	int err;

	err = sqlite_prep(db, &s, "SELECT number FROM client_numbers "
			  "WHERE tenant_id = ? AND client = ?");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, client, -1, SQLITE_TRANSIENT);
	err = sqlite_step_one(db, s, "client number get");
	if (!err)
		sqlite_text(s, 0, number, sz);
	sqlite3_finalize(s);
	return err;
}
