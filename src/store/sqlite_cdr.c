/**
 * @file store/sqlite_cdr.c  SQLite back-end: CDRs, charges, metering
 *
 * A CDR row is written `open` when a rated leg answers and replaced by
 * the final row when its call is settled: the replacement is a delete
 * and an insert in one transaction, so the final row gets a new `seq`
 * and a client that pages through a tenant's finished CDRs by `seq`
 * never misses one that was still open when it passed.  Charge rows are
 * one per hold.  The meter's running costs are written in batches, one
 * transaction for every hold that moved since the last batch.  Amounts
 * are INTEGER micro-units, as everywhere in money.
 */
#include <string.h>
#include <re.h>
#include "sqlite_money.h"
#include "store_cdr.h"


#define CDR_COLS "d.seq, d.leg_id, d.call_id, d.tenant_id, d.idx, d.peer, " \
	"d.payer, d.account_id, d.hold_id, d.rated, d.prefix, d.rate_name, " \
	"d.per_min, d.connect_fee, d.min_charge, d.first_s, d.next_s, " \
	"d.created_ms, d.answered_ms, d.ended_ms, d.cause, d.duration_ms, " \
	"d.billed_s, d.cost, d.state, d.trouble, COALESCE(c.amount, 0)"

#define CDR_FROM " FROM cdrs d LEFT JOIN credits c ON " \
	"c.tenant_id = d.tenant_id AND c.leg_id = d.leg_id "

#define CHARGE_COLS "hold_id, call_id, tenant_id, account_id, payer, " \
	"currency, authorized, subtotal, min_adjust, rounding, net, tax, " \
	"total, charged, written_off, txn_id, state, created_ms"


static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}


static void cdr_read(sqlite3_stmt *s, struct store_cdr *c)
{
	memset(c, 0, sizeof(*c));
	c->seq = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite_text(s, 1, c->leg_id, sizeof(c->leg_id));
	sqlite_text(s, 2, c->call_id, sizeof(c->call_id));
	sqlite_text(s, 3, c->tenant_id, sizeof(c->tenant_id));
	c->idx = (uint32_t)sqlite3_column_int64(s, 4);
	sqlite_text(s, 5, c->peer, sizeof(c->peer));
	sqlite_text(s, 6, c->payer, sizeof(c->payer));
	sqlite_text(s, 7, c->account_id, sizeof(c->account_id));
	sqlite_text(s, 8, c->hold_id, sizeof(c->hold_id));
	c->rated = sqlite3_column_int(s, 9) != 0;
	sqlite_text(s, 10, c->rate.prefix, sizeof(c->rate.prefix));
	sqlite_text(s, 11, c->rate.name, sizeof(c->rate.name));
	c->rate.per_min = sqlite3_column_int64(s, 12);
	c->rate.connect_fee = sqlite3_column_int64(s, 13);
	c->rate.min_charge = sqlite3_column_int64(s, 14);
	c->rate.first_s = (uint32_t)sqlite3_column_int64(s, 15);
	c->rate.next_s = (uint32_t)sqlite3_column_int64(s, 16);
	c->created_ms = (uint64_t)sqlite3_column_int64(s, 17);
	c->answered_ms = (uint64_t)sqlite3_column_int64(s, 18);
	c->ended_ms = (uint64_t)sqlite3_column_int64(s, 19);
	sqlite_text(s, 20, c->cause, sizeof(c->cause));
	c->duration_ms = (uint64_t)sqlite3_column_int64(s, 21);
	c->billed_s = (uint64_t)sqlite3_column_int64(s, 22);
	c->cost = sqlite3_column_int64(s, 23);
	c->state = (uint8_t)sqlite3_column_int(s, 24);
	sqlite_text(s, 25, c->trouble, sizeof(c->trouble));
	c->credited = sqlite3_column_int64(s, 26);
}


static int cdr_insert(sqlite3 *db, const struct store_cdr *c)
{
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "DELETE FROM cdrs WHERE tenant_id = ? AND "
		      "leg_id = ?");
	if (err)
		return err;
	bind_text(s, 1, c->tenant_id);
	bind_text(s, 2, c->leg_id);
	err = sm_run(db, s, "cdr replace");
	if (err)
		return err;

	err = sm_prep(db, &s, "INSERT INTO cdrs (leg_id, call_id, "
		      "tenant_id, idx, peer, payer, account_id, hold_id, "
		      "rated, prefix, rate_name, per_min, connect_fee, "
		      "min_charge, first_s, next_s, created_ms, answered_ms, "
		      "ended_ms, cause, duration_ms, billed_s, cost, state, "
		      "trouble) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		      "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (err)
		return err;
	bind_text(s, 1, c->leg_id);
	bind_text(s, 2, c->call_id);
	bind_text(s, 3, c->tenant_id);
	sqlite3_bind_int64(s, 4, c->idx);
	bind_text(s, 5, c->peer);
	bind_text(s, 6, c->payer);
	bind_text(s, 7, c->account_id);
	bind_text(s, 8, c->hold_id);
	sqlite3_bind_int(s, 9, c->rated);
	bind_text(s, 10, c->rate.prefix);
	bind_text(s, 11, c->rate.name);
	sqlite3_bind_int64(s, 12, c->rate.per_min);
	sqlite3_bind_int64(s, 13, c->rate.connect_fee);
	sqlite3_bind_int64(s, 14, c->rate.min_charge);
	sqlite3_bind_int64(s, 15, c->rate.first_s);
	sqlite3_bind_int64(s, 16, c->rate.next_s);
	sqlite3_bind_int64(s, 17, (sqlite3_int64)c->created_ms);
	sqlite3_bind_int64(s, 18, (sqlite3_int64)c->answered_ms);
	sqlite3_bind_int64(s, 19, (sqlite3_int64)c->ended_ms);
	bind_text(s, 20, c->cause);
	sqlite3_bind_int64(s, 21, (sqlite3_int64)c->duration_ms);
	sqlite3_bind_int64(s, 22, (sqlite3_int64)c->billed_s);
	sqlite3_bind_int64(s, 23, c->cost);
	sqlite3_bind_int(s, 24, c->state);
	bind_text(s, 25, c->trouble);
	return sm_run(db, s, "cdr insert");
}


static int sq_cdr_put(void *db, const struct store_cdr *v, size_t n)
{
	int prev, err;

	err = sm_begin(db, false, &prev);
	for (size_t i = 0; i < n && !err; i++)
		err = cdr_insert(db, &v[i]);
	return sm_end(db, err, prev);
}


static int sq_cdr_get(void *db, struct store_cdr *c, const char *tenant_id,
		      const char *leg_id)
{
	sqlite3_stmt *s;
	int err, rc;

	err = sm_prep(db, &s, "SELECT " CDR_COLS CDR_FROM
		      "WHERE (?1 = '' OR d.tenant_id = ?1) AND "
		      "d.leg_id = ?2");
	if (err)
		return err;
	bind_text(s, 1, tenant_id);
	bind_text(s, 2, leg_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		cdr_read(s, c);
	else
		err = rc == SQLITE_DONE ? ENOENT
			: sqlite_err(db, rc, "cdr get");
	sm_done(s);
	return err;
}


/* every row of a prepared, bound query to h, until h says stop */
static int cdr_each(sqlite3 *db, sqlite3_stmt *s, store_cdr_h *h, void *arg)
{
	struct store_cdr c;
	int err = 0, rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cdr_read(s, &c);
		if (h(&c, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlite_err(db, rc, "cdr list");
	sm_done(s);
	return err;
}


static int sq_cdr_list_call(void *db, const char *tenant_id,
			    const char *call_id, store_cdr_h *h, void *arg)
{
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "SELECT " CDR_COLS CDR_FROM
		      "WHERE d.call_id = ?1 AND (?2 = '' OR "
		      "d.tenant_id = ?2) ORDER BY d.idx");
	if (err)
		return err;
	bind_text(s, 1, call_id);
	bind_text(s, 2, tenant_id);
	return cdr_each(db, s, h, arg);
}


static int sq_cdr_list_hold(void *db, const char *hold_id, store_cdr_h *h,
			    void *arg)
{
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "SELECT " CDR_COLS CDR_FROM
		      "WHERE d.hold_id = ? ORDER BY d.idx");
	if (err)
		return err;
	bind_text(s, 1, hold_id);
	return cdr_each(db, s, h, arg);
}


/* finished rows only: an open row is replaced (new seq) when it ends */
static int sq_cdr_list(void *db, const char *tenant_id, uint64_t after_seq,
		       uint32_t limit, store_cdr_h *h, void *arg)
{
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "SELECT " CDR_COLS CDR_FROM
		      "WHERE d.tenant_id = ? AND d.seq > ? AND d.state != 0 "
		      "ORDER BY d.seq LIMIT ?");
	if (err)
		return err;
	bind_text(s, 1, tenant_id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)after_seq);
	sqlite3_bind_int64(s, 3, limit);
	return cdr_each(db, s, h, arg);
}


static int sq_cdr_trouble_set(void *db, const char *tenant_id,
			      const char *leg_id, const char *kind)
{
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "UPDATE cdrs SET trouble = ?1 WHERE "
		      "(?2 = '' OR tenant_id = ?2) AND leg_id = ?3 AND "
		      "state != 0");
	if (err)
		return err;
	bind_text(s, 1, kind);
	bind_text(s, 2, tenant_id);
	bind_text(s, 3, leg_id);
	err = sm_run(db, s, "cdr trouble");
	if (!err && sqlite3_changes(db) == 0)
		err = ENOENT;
	return err;
}


static int charge_insert(sqlite3 *db, const struct store_charge *c)
{
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "INSERT OR REPLACE INTO call_charges ("
		      CHARGE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		      "?, ?, ?, ?, ?, ?, ?, ?)");
	if (err)
		return err;
	bind_text(s, 1, c->hold_id);
	bind_text(s, 2, c->call_id);
	bind_text(s, 3, c->tenant_id);
	bind_text(s, 4, c->account_id);
	bind_text(s, 5, c->payer);
	bind_text(s, 6, c->currency);
	sqlite3_bind_int64(s, 7, c->authorized);
	sqlite3_bind_int64(s, 8, c->subtotal);
	sqlite3_bind_int64(s, 9, c->min_adjust);
	sqlite3_bind_int64(s, 10, c->rounding);
	sqlite3_bind_int64(s, 11, c->net);
	sqlite3_bind_int64(s, 12, c->tax);
	sqlite3_bind_int64(s, 13, c->total);
	sqlite3_bind_int64(s, 14, c->charged);
	sqlite3_bind_int64(s, 15, c->written_off);
	bind_text(s, 16, c->txn_id);
	sqlite3_bind_int(s, 17, c->state);
	sqlite3_bind_int64(s, 18, (sqlite3_int64)c->created_ms);
	return sm_run(db, s, "charge put");
}


static int sq_charge_put(void *db, const struct store_charge *v, size_t n)
{
	int prev, err;

	err = sm_begin(db, false, &prev);
	for (size_t i = 0; i < n && !err; i++)
		err = charge_insert(db, &v[i]);
	return sm_end(db, err, prev);
}


static void charge_read(sqlite3_stmt *s, struct store_charge *c)
{
	memset(c, 0, sizeof(*c));
	sqlite_text(s, 0, c->hold_id, sizeof(c->hold_id));
	sqlite_text(s, 1, c->call_id, sizeof(c->call_id));
	sqlite_text(s, 2, c->tenant_id, sizeof(c->tenant_id));
	sqlite_text(s, 3, c->account_id, sizeof(c->account_id));
	sqlite_text(s, 4, c->payer, sizeof(c->payer));
	sqlite_text(s, 5, c->currency, sizeof(c->currency));
	c->authorized = sqlite3_column_int64(s, 6);
	c->subtotal = sqlite3_column_int64(s, 7);
	c->min_adjust = sqlite3_column_int64(s, 8);
	c->rounding = sqlite3_column_int64(s, 9);
	c->net = sqlite3_column_int64(s, 10);
	c->tax = sqlite3_column_int64(s, 11);
	c->total = sqlite3_column_int64(s, 12);
	c->charged = sqlite3_column_int64(s, 13);
	c->written_off = sqlite3_column_int64(s, 14);
	sqlite_text(s, 15, c->txn_id, sizeof(c->txn_id));
	c->state = (uint8_t)sqlite3_column_int(s, 16);
	c->created_ms = (uint64_t)sqlite3_column_int64(s, 17);
}


static int sq_charge_list_call(void *db, const char *tenant_id,
			       const char *call_id, store_charge_h *h,
			       void *arg)
{
	struct store_charge c;
	sqlite3_stmt *s;
	int err, rc;

	err = sm_prep(db, &s, "SELECT " CHARGE_COLS " FROM call_charges "
		      "WHERE call_id = ?1 AND (?2 = '' OR tenant_id = ?2) "
		      "ORDER BY created_ms, hold_id");
	if (err)
		return err;
	bind_text(s, 1, call_id);
	bind_text(s, 2, tenant_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		charge_read(s, &c);
		if (h(&c, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlite_err(db, rc, "charge list");
	sm_done(s);
	return err;
}


/* one transaction for the batch: one WAL commit, not one per hold */
static int sq_meter_persist(void *db, const struct store_meter_point *v,
			    size_t n, uint64_t now_ms)
{
	sqlite3_stmt *s;
	int prev, err;

	err = sm_begin(db, false, &prev);
	if (!err)
		err = sm_prep(db, &s, "UPDATE holds SET metered = ?, "
			      "updated_ms = ? WHERE id = ? AND state = 0");
	/* one statement for the batch, stepped and reset per hold */
	for (size_t i = 0; i < n && !err; i++) {
		sqlite3_bind_int64(s, 1, v[i].metered);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)now_ms);
		sqlite3_bind_text(s, 3, v[i].hold_id, -1, SQLITE_STATIC);
		err = sm_run(db, s, "meter persist");
	}
	return sm_end(db, err, prev);
}


const struct store_cdr_ops store_sqlite_cdr_ops = {
	.meter_persist = sq_meter_persist,
	.cdr_put = sq_cdr_put,
	.cdr_get = sq_cdr_get,
	.cdr_list_call = sq_cdr_list_call,
	.cdr_list_hold = sq_cdr_list_hold,
	.cdr_list = sq_cdr_list,
	.cdr_trouble_set = sq_cdr_trouble_set,
	.charge_put = sq_charge_put,
	.charge_list_call = sq_charge_list_call,
};
