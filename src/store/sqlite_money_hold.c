/**
 * @file store/sqlite_money_hold.c  SQLite back-end: holds, payment methods
 *
 * A hold reserves an amount of an account's available funds (or, with a
 * payment method, records an authorization made at a card provider; those
 * do not reserve the balance).  Opening and extending a hold on the
 * balance is a check and a write in one BEGIN IMMEDIATE transaction, so
 * two calls of one account racing for the same funds are ordered: the
 * second sees the first's hold.  Settling marks the hold captured or
 * released and posts the capture's ledger transaction in the same
 * database transaction; a hold settles once (EALREADY after).
 */
#include <string.h>
#include <re.h>
#include "sqlite_money.h"


#define HOLD_COLS "id, tenant_id, account_id, method_id, ref, idem_key, " \
	"amount, metered, captured, state, txn_id, created_ms, updated_ms"


static void hold_read(sqlite3_stmt *s, struct store_hold *h)
{
	memset(h, 0, sizeof(*h));
	sqlite_text(s, 0, h->id, sizeof(h->id));
	sqlite_text(s, 1, h->tenant_id, sizeof(h->tenant_id));
	sqlite_text(s, 2, h->account_id, sizeof(h->account_id));
	sqlite_text(s, 3, h->method_id, sizeof(h->method_id));
	sqlite_text(s, 4, h->ref, sizeof(h->ref));
	sqlite_text(s, 5, h->idem_key, sizeof(h->idem_key));
	h->amount = sqlite3_column_int64(s, 6);
	h->metered = sqlite3_column_int64(s, 7);
	h->captured = sqlite3_column_int64(s, 8);
	h->state = (uint8_t)sqlite3_column_int(s, 9);
	sqlite_text(s, 10, h->txn_id, sizeof(h->txn_id));
	h->created_ms = (uint64_t)sqlite3_column_int64(s, 11);
	h->updated_ms = (uint64_t)sqlite3_column_int64(s, 12);
}


int sqlite_money_hold_get(void *db, struct store_hold *h, const char *id)
{
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "SELECT " HOLD_COLS " FROM holds "
			  "WHERE id = ?");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	err = sm_step_one(db, s, "hold get");
	if (!err)
		hold_read(s, h);
	sm_done(s);
	return err;
}


/* the account exists and is the tenant's; the method is the account's */
static int hold_owner_check(sqlite3 *db, const struct store_hold *h)
{
	int64_t n = 0;
	int err;

	err = sm_int64(db, &n, "SELECT COUNT(*) FROM accounts WHERE id = ?1 "
		       "AND tenant_id = ?2", h->account_id, h->tenant_id);
	if (!err && !n)
		err = ENOENT;
	if (err || !h->method_id[0])
		return err;
	err = sm_int64(db, &n, "SELECT COUNT(*) FROM pay_methods WHERE "
		       "id = ?1 AND account_id = ?2", h->method_id,
		       h->account_id);
	return !err && !n ? ENOENT : err;
}


static int funds_check(sqlite3 *db, const char *account_id, int64_t amount)
{
	int64_t avail = 0;
	int err = sm_available(db, account_id, &avail);

	return !err && avail < amount ? ENOSPC : err;
}


int sqlite_money_hold_open(void *db, struct store_hold *h)
{
	sqlite3_stmt *s;
	int prev, err;

	err = sm_begin(db, false, &prev);
	if (err)
		return err;
	err = sm_idem(db, SM_IDEM_HOLDS, h->tenant_id, h->idem_key,
		      h->req_hash, h->id);
	if (!err)
		err = hold_owner_check(db, h);
	if (!err && !h->method_id[0])
		err = funds_check(db, h->account_id, h->amount);
	if (err)
		goto out;

	err = sm_prep(db, &s, "INSERT INTO holds (id, tenant_id, "
			  "account_id, method_id, ref, idem_key, req_hash, "
			  "amount, created_ms, updated_ms) VALUES "
			  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?9)");
	if (err)
		goto out;
	sqlite3_bind_text(s, 1, h->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, h->tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, h->account_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, h->method_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, h->ref, -1, SQLITE_TRANSIENT);
	if (h->idem_key[0]) {
		sqlite3_bind_text(s, 6, h->idem_key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 7, h->req_hash, STORE_HASH_LEN,
				  SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(s, 8, h->amount);
	sqlite3_bind_int64(s, 9, (sqlite3_int64)h->created_ms);
	err = sm_run(db, s, "hold open");
 out:
	return sm_end(db, err, prev);
}


/* an open hold, read inside the caller's transaction */
static int hold_open_get(sqlite3 *db, struct store_hold *h, const char *id)
{
	int err = sqlite_money_hold_get(db, h, id);

	return !err && h->state != 0 ? EALREADY : err;
}


int sqlite_money_hold_extend(void *db, const char *id, int64_t add,
			     uint64_t now_ms)
{
	struct store_hold h;
	sqlite3_stmt *s;
	int64_t amount;
	int prev, err;

	err = sm_begin(db, false, &prev);
	if (err)
		return err;
	err = hold_open_get(db, &h, id);
	if (!err && __builtin_add_overflow(h.amount, add, &amount))
		err = ERANGE;
	if (!err && !h.method_id[0])
		err = funds_check(db, h.account_id, add);
	if (err)
		goto out;

	err = sm_prep(db, &s, "UPDATE holds SET amount = ?, "
			  "updated_ms = ? WHERE id = ?");
	if (err)
		goto out;
	sqlite3_bind_int64(s, 1, amount);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)now_ms);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_TRANSIENT);
	err = sm_run(db, s, "hold extend");
 out:
	return sm_end(db, err, prev);
}


int sqlite_money_hold_meter(void *db, const char *id, int64_t metered,
			    uint64_t now_ms)
{
	struct store_hold h;
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "UPDATE holds SET metered = ?, "
			  "updated_ms = ? WHERE id = ? AND state = 0");
	if (err)
		return err;
	sqlite3_bind_int64(s, 1, metered);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)now_ms);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_TRANSIENT);
	err = sm_run(db, s, "hold meter");
	if (!err && sqlite3_changes(db) == 0) {
		err = sqlite_money_hold_get(db, &h, id);
		if (!err)
			err = EALREADY;
	}
	return err;
}


int sqlite_money_hold_settle(void *db, const char *id, int64_t captured,
			     struct store_txn *t, uint64_t now_ms)
{
	struct store_hold h;
	sqlite3_stmt *s;
	int prev, err;

	err = sm_begin(db, t && t->durable, &prev);
	if (err)
		return err;
	err = hold_open_get(db, &h, id);
	if (!err && t && strcmp(t->tenant_id, h.tenant_id))
		err = EINVAL;
	if (err)
		goto out;

	/* closed first: its own reservation must not count against the
	 * capture's covered entries */
	err = sm_prep(db, &s, "UPDATE holds SET state = ?, captured = ?,"
			  " txn_id = ?, updated_ms = ? WHERE id = ?");
	if (err)
		goto out;
	sqlite3_bind_int(s, 1, t ? 1 : 2);
	sqlite3_bind_int64(s, 2, captured);
	sqlite3_bind_text(s, 3, t ? t->id : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)now_ms);
	sqlite3_bind_text(s, 5, id, -1, SQLITE_TRANSIENT);
	err = sm_run(db, s, "hold settle");
	if (!err && t)
		err = sm_txn_insert(db, t);
	/* the capture's key was used by another transaction */
	if (err == EALREADY)
		err = EEXIST;
 out:
	return sm_end(db, err, prev);
}


int sqlite_money_hold_list_open(void *db, const char *tenant_id,
				store_hold_h *h, void *arg)
{
	struct store_hold ho;
	sqlite3_stmt *s;
	int err, rc;

	err = sm_prep(db, &s, "SELECT " HOLD_COLS " FROM holds "
			  "WHERE state = 0 AND (?1 IS NULL OR tenant_id = ?1)"
			  " ORDER BY created_ms, id");
	if (err)
		return err;
	if (tenant_id)
		sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		hold_read(s, &ho);
		if (h(&ho, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlite_err(db, rc, "hold list");
	sm_done(s);
	return err;
}


int sqlite_money_method_create(void *db, const struct store_method *m)
{
	sqlite3_stmt *s;
	int err = sm_prep(db, &s, "INSERT INTO pay_methods (id, "
			      "tenant_id, account_id, provider, brand, last4, "
			      "exp_month, exp_year, token, created_ms) VALUES "
			      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, m->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, m->tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, m->account_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, m->provider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, m->brand, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, m->last4, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 7, m->exp_month);
	sqlite3_bind_int(s, 8, m->exp_year);
	sqlite3_bind_text(s, 9, m->token, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 10, (sqlite3_int64)m->created_ms);
	return sm_run(db, s, "method create");
}


#define METHOD_COLS "id, tenant_id, account_id, provider, brand, last4, " \
	"exp_month, exp_year, token, created_ms"


static void method_read(sqlite3_stmt *s, struct store_method *m)
{
	memset(m, 0, sizeof(*m));
	sqlite_text(s, 0, m->id, sizeof(m->id));
	sqlite_text(s, 1, m->tenant_id, sizeof(m->tenant_id));
	sqlite_text(s, 2, m->account_id, sizeof(m->account_id));
	sqlite_text(s, 3, m->provider, sizeof(m->provider));
	sqlite_text(s, 4, m->brand, sizeof(m->brand));
	sqlite_text(s, 5, m->last4, sizeof(m->last4));
	m->exp_month = (uint8_t)sqlite3_column_int(s, 6);
	m->exp_year = (uint16_t)sqlite3_column_int(s, 7);
	sqlite_text(s, 8, m->token, sizeof(m->token));
	m->created_ms = (uint64_t)sqlite3_column_int64(s, 9);
}


int sqlite_money_method_get(void *db, struct store_method *m,
			    const char *id)
{
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "SELECT " METHOD_COLS " FROM pay_methods "
			  "WHERE id = ?");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	err = sm_step_one(db, s, "method get");
	if (!err)
		method_read(s, m);
	sm_done(s);
	return err;
}


int sqlite_money_method_list(void *db, const char *account_id,
			     store_method_h *h, void *arg)
{
	struct store_method m;
	sqlite3_stmt *s;
	int err, rc;

	err = sm_prep(db, &s, "SELECT " METHOD_COLS " FROM pay_methods "
			  "WHERE account_id = ? ORDER BY created_ms, id");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, account_id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		method_read(s, &m);
		if (h(&m, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlite_err(db, rc, "method list");
	sm_done(s);
	return err;
}
