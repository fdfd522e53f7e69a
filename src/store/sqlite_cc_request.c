/**
 * @file store/sqlite_cc_request.c  SQLite back-end: customer call requests
 *
 * One row per call request of a business's customer (from the web widget
 * or the business's server), put when it is accepted and again at every
 * change of its state.  Puts run on several workers and may complete out
 * of order, so each carries the caller's version and a row is only
 * replaced by a higher one (as callbacks are, sqlite_callback.c).  The
 * id, tenant and creation time of a request never change.  Reads match
 * the tenant as well as the id; a put of an id that another tenant holds
 * is refused (EEXIST).
 */
#include <string.h>
#include <re.h>
#include "sqlite.h"
#include "store_cc.h"


#define REQUEST_COLS "id, tenant_id, source, token_hash, customer, " \
	"customer_name, page_url, page_title, note, skill, agent_hint, " \
	"status, cause, agent_id, call_id, wrap_notes, due_ms, created_ms, " \
	"answered_ms, connected_ms, ended_ms, wait_ms, updated_ms, ver"


static void request_read(sqlite3_stmt *s, struct store_cc_request *r)
{
	memset(r, 0, sizeof(*r));
	sqlite_text(s, 0, r->id, sizeof(r->id));
	sqlite_text(s, 1, r->tenant_id, sizeof(r->tenant_id));
	sqlite_text(s, 2, r->source, sizeof(r->source));
	sqlite_text(s, 3, r->token_hash, sizeof(r->token_hash));
	sqlite_text(s, 4, r->customer, sizeof(r->customer));
	sqlite_text(s, 5, r->customer_name, sizeof(r->customer_name));
	sqlite_text(s, 6, r->page_url, sizeof(r->page_url));
	sqlite_text(s, 7, r->page_title, sizeof(r->page_title));
	sqlite_text(s, 8, r->note, sizeof(r->note));
	sqlite_text(s, 9, r->skill, sizeof(r->skill));
	sqlite_text(s, 10, r->agent_hint, sizeof(r->agent_hint));
	sqlite_text(s, 11, r->status, sizeof(r->status));
	sqlite_text(s, 12, r->cause, sizeof(r->cause));
	sqlite_text(s, 13, r->agent_id, sizeof(r->agent_id));
	sqlite_text(s, 14, r->call_id, sizeof(r->call_id));
	sqlite_text(s, 15, r->wrap_notes, sizeof(r->wrap_notes));
	r->due_ms = sqlite_u64(s, 16);
	r->created_ms = sqlite_u64(s, 17);
	r->answered_ms = sqlite_u64(s, 18);
	r->connected_ms = sqlite_u64(s, 19);
	r->ended_ms = sqlite_u64(s, 20);
	r->wait_ms = sqlite_u64(s, 21);
	r->updated_ms = sqlite_u64(s, 22);
	r->ver = (uint32_t)sqlite_u64(s, 23);
}


static void request_bind(sqlite3_stmt *s, const struct store_cc_request *r)
{
	sqlite_bind_text(s, 1, r->id);
	sqlite_bind_text(s, 2, r->tenant_id);
	sqlite_bind_text(s, 3, r->source);
	sqlite_bind_text(s, 4, r->token_hash);
	sqlite_bind_text(s, 5, r->customer);
	sqlite_bind_text(s, 6, r->customer_name);
	sqlite_bind_text(s, 7, r->page_url);
	sqlite_bind_text(s, 8, r->page_title);
	sqlite_bind_text(s, 9, r->note);
	sqlite_bind_text(s, 10, r->skill);
	sqlite_bind_text(s, 11, r->agent_hint);
	sqlite_bind_text(s, 12, r->status);
	sqlite_bind_text(s, 13, r->cause);
	sqlite_bind_text(s, 14, r->agent_id);
	sqlite_bind_text(s, 15, r->call_id);
	sqlite_bind_text(s, 16, r->wrap_notes);
	sqlite_bind_u64(s, 17, r->due_ms);
	sqlite_bind_u64(s, 18, r->created_ms);
	sqlite_bind_u64(s, 19, r->answered_ms);
	sqlite_bind_u64(s, 20, r->connected_ms);
	sqlite_bind_u64(s, 21, r->ended_ms);
	sqlite_bind_u64(s, 22, r->wait_ms);
	sqlite_bind_u64(s, 23, r->updated_ms);
	sqlite_bind_u64(s, 24, r->ver);
}


/* did a put change nothing because the id is another tenant's? */
static int request_foreign(sqlite3 *db, const struct store_cc_request *r)
{
	sqlite3_stmt *s;
	int err, rc;

	err = sqlite_prep(db, &s, "SELECT 1 FROM cc_requests "
			  "WHERE id = ? AND tenant_id <> ?");
	if (err)
		return err;
	sqlite_bind_text(s, 1, r->id);
	sqlite_bind_text(s, 2, r->tenant_id);
	rc = sqlite3_step(s);
	err = rc == SQLITE_ROW ? EEXIST : rc == SQLITE_DONE ? 0 :
		sqlite_err(db, rc, "cc request put");
	sqlite3_finalize(s);
	return err;
}


/** Insert a request, or replace it if `ver` is higher than the row's */
int sqlite_cc_request_put(void *db, const struct store_cc_request *r)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "INSERT INTO cc_requests ("
			      REQUEST_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, "
			      "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
			      "?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24) "
			      "ON CONFLICT(id) DO UPDATE SET source = ?3, "
			      "token_hash = ?4, customer = ?5, "
			      "customer_name = ?6, page_url = ?7, "
			      "page_title = ?8, note = ?9, skill = ?10, "
			      "agent_hint = ?11, status = ?12, cause = ?13, "
			      "agent_id = ?14, call_id = ?15, "
			      "wrap_notes = ?16, due_ms = ?17, "
			      "answered_ms = ?19, connected_ms = ?20, "
			      "ended_ms = ?21, wait_ms = ?22, "
			      "updated_ms = ?23, ver = ?24 "
			      "WHERE ?24 > cc_requests.ver AND "
			      "cc_requests.tenant_id = ?2");
	if (err)
		return err;
	request_bind(s, r);
	err = sqlite_run(db, s, "cc request put");
	if (!err && sqlite3_changes(db) == 0)
		err = request_foreign(db, r);   /* else: a stale version */
	return err;
}


int sqlite_cc_request_get(void *db, const char *tenant_id, const char *id,
			  struct store_cc_request *r)
{
	sqlite3_stmt *s;
	int err;

	err = sqlite_prep(db, &s, "SELECT " REQUEST_COLS " FROM cc_requests "
			  "WHERE id = ? AND tenant_id = ?");
	if (err)
		return err;
	sqlite_bind_text(s, 1, id);
	sqlite_bind_text(s, 2, tenant_id);
	err = sqlite_step_one(db, s, "cc request get");
	if (!err)
		request_read(s, r);
	sqlite3_finalize(s);
	return err;
}


/** A tenant's requests (one agent's if agent_id), newest first */
int sqlite_cc_request_list(void *db, const char *tenant_id,
			   const char *agent_id, uint64_t since_ms,
			   uint32_t limit, store_cc_request_h *h, void *arg)
{
	struct store_cc_request r;
	sqlite3_stmt *s;
	int err, rc;

	err = sqlite_prep(db, &s, "SELECT " REQUEST_COLS " FROM cc_requests "
			  "WHERE tenant_id = ?1 AND "
			  "(?2 IS NULL OR agent_id = ?2) AND "
			  "created_ms >= ?3 "
			  "ORDER BY created_ms DESC, id DESC LIMIT ?4");
	if (err)
		return err;
	sqlite_bind_text(s, 1, tenant_id);
	if (agent_id)
		sqlite_bind_text(s, 2, agent_id);
	sqlite_bind_u64(s, 3, since_ms);
	sqlite_bind_u64(s, 4, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		request_read(s, &r);
		if (h(&r, arg))
			break;
	}
	return sqlite_list_end(db, s, rc, "cc request list");
}
