/**
 * @file store/sqlite_money_token.c  SQLite back-end: tokens and credits
 *
 * Token balances are counts per account and service, cached next to an
 * append-only list of moves (reconcile sums the moves).  An operation's
 * moves are applied together with the money transaction that pays for
 * missing tokens, in one database transaction.  The decision of who pays
 * (seed 001, FIG. 4) is src/money/token.c's: each move carries the
 * balance that decision read, and a balance that moved meanwhile makes
 * the whole operation fail with EAGAIN, to be decided again.
 * A trouble-report credit is one row per leg (the primary key makes the
 * "once per leg" rule) written with its ledger transaction.
 */
#include <string.h>
#include <re.h>
#include "sqlite_money.h"


int sqlite_money_token_service_put(void *db,
				   const struct store_token_service *s)
{
	sqlite3_stmt *q;
	int err = sm_prep(db, &q, "INSERT OR REPLACE INTO token_services "
			      "(tenant_id, service, per_minute, price) "
			      "VALUES (?, ?, ?, ?)");
	if (err)
		return err;
	sqlite3_bind_text(q, 1, s->tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, s->service, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 3, s->per_minute);
	sqlite3_bind_int64(q, 4, s->price);
	return sm_run(db, q, "token service put");
}


int sqlite_money_token_service_get(void *db, struct store_token_service *s,
				   const char *tenant_id, const char *service)
{
	sqlite3_stmt *q;
	int err;

	err = sm_prep(db, &q, "SELECT per_minute, price FROM "
			  "token_services WHERE tenant_id = ? AND "
			  "service = ?");
	if (err)
		return err;
	sqlite3_bind_text(q, 1, tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, service, -1, SQLITE_TRANSIENT);
	err = sm_step_one(db, q, "token service");
	if (!err) {
		memset(s, 0, sizeof(*s));
		str_ncpy(s->tenant_id, tenant_id, sizeof(s->tenant_id));
		str_ncpy(s->service, service, sizeof(s->service));
		s->per_minute = sqlite3_column_int(q, 0) != 0;
		s->price = sqlite3_column_int64(q, 1);
	}
	sm_done(q);
	return err;
}


int sqlite_money_token_get(void *db, const char *account_id,
			   const char *service, int64_t *np)
{
	int err = sm_int64(db, np, "SELECT tokens FROM token_balances "
			   "WHERE account_id = ?1 AND service = ?2",
			   account_id, service);
	if (err == ENOENT) {
		*np = 0;
		err = 0;
	}
	return err;
}



int sqlite_money_token_list(void *db, const char *account_id,
			    store_token_h *h, void *arg)
{
	char service[STORE_SERVICE_MAX];
	sqlite3_stmt *s;
	int err, rc;

	err = sm_prep(db, &s, "SELECT service, tokens FROM token_balances "
			  "WHERE account_id = ? ORDER BY service");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, account_id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sqlite_text(s, 0, service, sizeof(service));
		if (h(service, sqlite3_column_int64(s, 1), arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlite_err(db, rc, "token list");
	sm_done(s);
	return err;
}

static int op_insert(sqlite3 *db, const struct store_token_op *op)
{
	sqlite3_stmt *s;
	int err = sm_prep(db, &s, "INSERT INTO token_ops (id, tenant_id, "
			      "service, ref, idem_key, req_hash, txn_id, "
			      "created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, op->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, op->tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, op->service, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, op->ref, -1, SQLITE_TRANSIENT);
	if (op->idem_key[0]) {
		sqlite3_bind_text(s, 5, op->idem_key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 6, op->req_hash, STORE_HASH_LEN,
				  SQLITE_TRANSIENT);
	}
	sqlite3_bind_text(s, 7, op->txn ? op->txn->id : "", -1,
			  SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)op->created_ms);
	return sm_run(db, s, "token op");
}


static int move_apply(sqlite3 *db, const struct store_token_op *op,
		      const struct store_token_move *m)
{
	sqlite3_stmt *s;
	int64_t n = 0, cur = 0, nbal;
	int err;

	err = sm_int64(db, &n, "SELECT COUNT(*) FROM accounts WHERE id = ?1 "
		       "AND tenant_id = ?2", m->account_id, op->tenant_id);
	if (!err && !n)
		err = ENOENT;
	if (!err)
		err = sqlite_money_token_get(db, m->account_id, op->service,
					     &cur);
	if (err)
		return err;
	if (m->expect >= 0 && cur != m->expect)
		return EAGAIN;
	if (!m->delta)
		return 0;   /* checked only: the decision read it */
	if (__builtin_add_overflow(cur, m->delta, &nbal))
		return ERANGE;
	if (nbal < 0)
		return ENOSPC;

	err = sm_prep(db, &s, "INSERT INTO token_balances (account_id, "
			  "service, tokens) VALUES (?1, ?2, ?3) ON CONFLICT "
			  "(account_id, service) DO UPDATE SET tokens = ?3");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, m->account_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, op->service, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, nbal);
	err = sm_run(db, s, "token balance");
	if (err)
		return err;

	err = sm_prep(db, &s, "INSERT INTO token_moves (op_id, "
			  "account_id, service, delta) VALUES (?, ?, ?, ?)");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, op->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, m->account_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, op->service, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, m->delta);
	return sm_run(db, s, "token move");
}


int sqlite_money_token_apply(void *db, struct store_token_op *op)
{
	int prev, err;

	err = sm_begin(db, op->txn && op->txn->durable, &prev);
	if (err)
		return err;
	err = sm_idem(db, SM_IDEM_TOKENS, op->tenant_id, op->idem_key,
		      op->req_hash, op->id);
	if (!err)
		err = op_insert(db, op);
	for (size_t i = 0; i < op->movec && !err; i++)
		err = move_apply(db, op, &op->movev[i]);
	if (!err && op->txn) {
		err = sm_txn_insert(db, op->txn);
		if (err == EALREADY)
			err = EEXIST;
	}
	return sm_end(db, err, prev);
}


int sqlite_money_credit_get(void *db, struct store_credit *c,
			    const char *tenant_id, const char *leg_id)
{
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "SELECT account_id, reason, amount, "
			  "txn_id, created_ms FROM credits WHERE "
			  "tenant_id = ? AND leg_id = ?");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, leg_id, -1, SQLITE_TRANSIENT);
	err = sm_step_one(db, s, "credit get");
	if (!err) {
		memset(c, 0, sizeof(*c));
		str_ncpy(c->tenant_id, tenant_id, sizeof(c->tenant_id));
		str_ncpy(c->leg_id, leg_id, sizeof(c->leg_id));
		sqlite_text(s, 0, c->account_id, sizeof(c->account_id));
		sqlite_text(s, 1, c->reason, sizeof(c->reason));
		c->amount = sqlite3_column_int64(s, 2);
		sqlite_text(s, 3, c->txn_id, sizeof(c->txn_id));
		c->created_ms = (uint64_t)sqlite3_column_int64(s, 4);
	}
	sm_done(s);
	return err;
}


int sqlite_money_credit_put(void *db, const struct store_credit *c,
			    struct store_txn *t)
{
	struct store_credit old;
	sqlite3_stmt *s;
	int prev, err;

	memset(&old, 0, sizeof(old));
	err = sm_begin(db, t->durable, &prev);
	if (err)
		return err;
	err = sqlite_money_credit_get(db, &old, c->tenant_id, c->leg_id);
	if (!err)
		err = EALREADY;
	else if (err == ENOENT)
		err = sm_txn_insert(db, t);
	if (err == EALREADY && strcmp(old.leg_id, c->leg_id))
		err = EEXIST;   /* the key of another transaction */
	if (err)
		goto out;

	err = sm_prep(db, &s, "INSERT INTO credits (tenant_id, leg_id, "
			  "account_id, reason, amount, txn_id, created_ms) "
			  "VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (err)
		goto out;
	sqlite3_bind_text(s, 1, c->tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, c->leg_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, c->account_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, c->reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 5, c->amount);
	sqlite3_bind_text(s, 6, t->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)c->created_ms);
	err = sm_run(db, s, "credit");
 out:
	return sm_end(db, err, prev);
}
