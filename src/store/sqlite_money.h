/**
 * @file store/sqlite_money.h  SQLite back-end internals for money
 *
 * The pieces the money files share: a database transaction that may be
 * made durable (fsync of the WAL at its commit), the idempotency check
 * common to transactions, holds and token operations, posting a ledger
 * transaction inside an open database transaction, and an account's
 * available funds.
 */

#include "sqlite.h"
#include "store_money.h"

/** Tables that carry per-tenant idempotency keys */
enum sm_idem_table {
	SM_IDEM_TXNS = 0,
	SM_IDEM_HOLDS,
	SM_IDEM_TOKENS,
};

int  sm_prep(sqlite3 *db, sqlite3_stmt **stp, const char *sql);
void sm_done(sqlite3_stmt *s);
int  sm_step_one(sqlite3 *db, sqlite3_stmt *s, const char *what);
int  sm_run(sqlite3 *db, sqlite3_stmt *s, const char *what);
int  sm_exec(sqlite3 *db, const char *sql);
int  sm_begin(sqlite3 *db, bool durable, int *prev_sync);
int  sm_end(sqlite3 *db, int err, int prev_sync);
int  sm_idem(sqlite3 *db, enum sm_idem_table tab, const char *tenant_id,
	     const char *key, const uint8_t *hash, char id[CB_ID_LEN + 1]);
int  sm_available(sqlite3 *db, const char *account_id, int64_t *availp);
int  sm_txn_insert(sqlite3 *db, struct store_txn *t);
int  sm_int64(sqlite3 *db, int64_t *vp, const char *sql, const char *a1,
	      const char *a2);

/* sqlite_money_rate.c */
int  sqlite_money_tenant_get(void *db, struct store_money_tenant *mt,
			     const char *tenant_id);
int  sqlite_money_tenant_put(void *db, const struct store_money_tenant *mt);
int  sqlite_money_rates_replace(void *db, const char *tenant_id,
				const struct store_rate *v, size_t n);
int  sqlite_money_rate_find(void *db, struct store_rate *r,
			    const char *tenant_id, const char *digits);
int  sqlite_money_rate_list(void *db, const char *tenant_id,
			    store_rate_h *h, void *arg);

/* sqlite_money_hold.c */
int  sqlite_money_hold_open(void *db, struct store_hold *h);
int  sqlite_money_hold_extend(void *db, const char *id, int64_t add,
			      uint64_t now_ms);
int  sqlite_money_hold_meter(void *db, const char *id, int64_t metered,
			     uint64_t now_ms);
int  sqlite_money_hold_settle(void *db, const char *id, int64_t captured,
			      struct store_txn *t, uint64_t now_ms);
int  sqlite_money_hold_get(void *db, struct store_hold *h, const char *id);
int  sqlite_money_hold_list_open(void *db, const char *tenant_id,
				 store_hold_h *h, void *arg);
int  sqlite_money_method_create(void *db, const struct store_method *m);
int  sqlite_money_method_get(void *db, struct store_method *m,
			     const char *id);
int  sqlite_money_method_list(void *db, const char *account_id,
			      store_method_h *h, void *arg);

/* sqlite_money_token.c */
int  sqlite_money_token_service_put(void *db,
				    const struct store_token_service *s);
int  sqlite_money_token_service_get(void *db, struct store_token_service *s,
				    const char *tenant_id,
				    const char *service);
int  sqlite_money_token_get(void *db, const char *account_id,
			    const char *service, int64_t *np);
int  sqlite_money_token_list(void *db, const char *account_id,
			     store_token_h *h, void *arg);
int  sqlite_money_token_apply(void *db, struct store_token_op *op);
int  sqlite_money_credit_put(void *db, const struct store_credit *c,
			     struct store_txn *t);
int  sqlite_money_credit_get(void *db, struct store_credit *c,
			     const char *tenant_id, const char *leg_id);
