/**
 * @file store/sqlite_call.c  SQLite back-end: finished calls, idempotency
 *
 * A finished call is written once, with its legs, in one transaction
 * (saving it again replaces it).  Idempotency records keep the first
 * reply to a POST per tenant and key; older ones than the caller's
 * horizon are not returned and are replaced on the next put.
 */
#include <string.h>
#include <re.h>
#include "sqlite.h"


static int leg_insert(sqlite3 *db, const char *call_id, size_t idx,
		      const struct store_leg *l)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "INSERT INTO call_legs (call_id, idx, "
			      "id, peer, outbound, state, cause, sip_status, "
			      "created_ms, answered_ms, ended_ms, rtp_rx, "
			      "rtp_tx, rtp_lost) VALUES "
			      "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, call_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)idx);
	sqlite3_bind_text(s, 3, l->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, l->peer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 5, l->outbound);
	sqlite3_bind_text(s, 6, l->state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 7, l->cause, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 8, l->sip_status);
	sqlite3_bind_int64(s, 9, (sqlite3_int64)l->created_ms);
	sqlite3_bind_int64(s, 10, (sqlite3_int64)l->answered_ms);
	sqlite3_bind_int64(s, 11, (sqlite3_int64)l->ended_ms);
	sqlite3_bind_int64(s, 12, (sqlite3_int64)l->rtp_rx);
	sqlite3_bind_int64(s, 13, (sqlite3_int64)l->rtp_tx);
	sqlite3_bind_int64(s, 14, (sqlite3_int64)l->rtp_lost);
	return sqlite_run(db, s, "leg insert");
}


int sqlite_call_save(void *db, const struct store_call *c)
{
	sqlite3_stmt *s;
	int err;

	err = sqlite_exec(db, "BEGIN IMMEDIATE");
	if (err)
		return err;

	err = sqlite_prep(db, &s, "DELETE FROM calls WHERE id = ?");
	if (err)
		goto out;
	sqlite3_bind_text(s, 1, c->id, -1, SQLITE_TRANSIENT);
	err = sqlite_run(db, s, "call replace");
	if (err)
		goto out;

	err = sqlite_prep(db, &s, "INSERT INTO calls (id, tenant_id, "
			  "created_ms, ended_ms) VALUES (?, ?, ?, ?)");
	if (err)
		goto out;
	sqlite3_bind_text(s, 1, c->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, c->tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)c->created_ms);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)c->ended_ms);
	err = sqlite_run(db, s, "call insert");

	for (size_t i = 0; !err && i < c->legc; i++)
		err = leg_insert(db, c->id, i, &c->legv[i]);

 out:
	if (err) {
		(void)sqlite_exec(db, "ROLLBACK");
		return err;
	}
	return sqlite_exec(db, "COMMIT");
}


static int legs_get(sqlite3 *db, struct store_call *c)
{
	sqlite3_stmt *s;
	size_t n = 0;
	int rc, err;

	err = sqlite_prep(db, &s, "SELECT id, peer, outbound, state, cause, "
			  "sip_status, created_ms, answered_ms, ended_ms, "
			  "rtp_rx, rtp_tx, rtp_lost, "
			  "(SELECT COUNT(*) FROM call_legs "
			  " WHERE call_id = ?1) "
			  "FROM call_legs WHERE call_id = ?1 ORDER BY idx");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, c->id, -1, SQLITE_TRANSIENT);

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_leg *l;

		if (!c->legv) {
			size_t cnt = (size_t)sqlite3_column_int64(s, 12);

			c->legv = mem_zalloc(cnt * sizeof(*c->legv), NULL);
			if (!c->legv) {
				err = ENOMEM;
				break;
			}
			c->legc = cnt;
		}
		if (n >= c->legc)
			break;
		l = &c->legv[n++];
		sqlite_text(s, 0, l->id, sizeof(l->id));
		sqlite_text(s, 1, l->peer, sizeof(l->peer));
		l->outbound = sqlite3_column_int(s, 2) != 0;
		sqlite_text(s, 3, l->state, sizeof(l->state));
		sqlite_text(s, 4, l->cause, sizeof(l->cause));
		l->sip_status = (uint16_t)sqlite3_column_int(s, 5);
		l->created_ms = (uint64_t)sqlite3_column_int64(s, 6);
		l->answered_ms = (uint64_t)sqlite3_column_int64(s, 7);
		l->ended_ms = (uint64_t)sqlite3_column_int64(s, 8);
		l->rtp_rx = (uint64_t)sqlite3_column_int64(s, 9);
		l->rtp_tx = (uint64_t)sqlite3_column_int64(s, 10);
		l->rtp_lost = (uint64_t)sqlite3_column_int64(s, 11);
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlite_err(db, rc, "legs get");
	sqlite3_finalize(s);
	c->legc = n;
	if (err)
		c->legv = mem_deref(c->legv);
	return err;
}


int sqlite_call_get(void *db, struct store_call *c, const char *id)
{
	sqlite3_stmt *s;
	int rc, err;

	err = sqlite_prep(db, &s, "SELECT id, tenant_id, created_ms, "
			  "ended_ms FROM calls WHERE id = ?");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return rc == SQLITE_DONE ? ENOENT
					 : sqlite_err(db, rc, "call get");
	}
	memset(c, 0, sizeof(*c));
	sqlite_text(s, 0, c->id, sizeof(c->id));
	sqlite_text(s, 1, c->tenant_id, sizeof(c->tenant_id));
	c->created_ms = (uint64_t)sqlite3_column_int64(s, 2);
	c->ended_ms = (uint64_t)sqlite3_column_int64(s, 3);
	sqlite3_finalize(s);

	return legs_get(db, c);
}


int sqlite_idem_get(void *db, struct store_idem *r, const char *tenant_id,
		    const char *key, uint64_t min_created_ms)
{
	sqlite3_stmt *s;
	const void *h;
	int rc, err;

	err = sqlite_prep(db, &s, "SELECT req_hash, status, body, created_ms "
			  "FROM idempotency WHERE tenant_id = ? AND key = ? "
			  "AND created_ms >= ?");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)min_created_ms);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return rc == SQLITE_DONE ? ENOENT
					 : sqlite_err(db, rc, "idem get");
	}

	memset(r, 0, sizeof(*r));
	str_ncpy(r->tenant_id, tenant_id, sizeof(r->tenant_id));
	str_ncpy(r->key, key, sizeof(r->key));
	h = sqlite3_column_blob(s, 0);
	if (h && sqlite3_column_bytes(s, 0) == (int)sizeof(r->req_hash))
		memcpy(r->req_hash, h, sizeof(r->req_hash));
	r->status = (uint16_t)sqlite3_column_int(s, 1);
	err = str_dup(&r->body, (const char *)sqlite3_column_text(s, 2)
		      ? (const char *)sqlite3_column_text(s, 2) : "");
	r->created_ms = (uint64_t)sqlite3_column_int64(s, 3);
	sqlite3_finalize(s);
	return err;
}


int sqlite_idem_put(void *db, const struct store_idem *r)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "INSERT OR REPLACE INTO idempotency "
			      "(tenant_id, key, req_hash, status, body, "
			      "created_ms) VALUES (?, ?, ?, ?, ?, ?)");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, r->tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, r->key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 3, r->req_hash, sizeof(r->req_hash),
			  SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 4, r->status);
	sqlite3_bind_text(s, 5, r->body ? r->body : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)r->created_ms);
	return sqlite_run(db, s, "idem put");
}
