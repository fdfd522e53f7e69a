/**
 * @file store/store_money.h  Store internals: the money operations table
 *
 * The money part of a back-end is its own table of operations, reached
 * from `struct store_ops` through one pointer, so that the ledger's
 * functions do not crowd the table of tenants and keys.  Each function
 * takes the back-end's connection; store_money.c holds the store's lock
 * around every call.  Only back-end files (sqlite_money.c) contain SQL.
 */

struct store_money_ops {
	int  (*tenant_get)(void *db, struct store_money_tenant *mt,
			   const char *tenant_id);
	int  (*tenant_put)(void *db, const struct store_money_tenant *mt);
	int  (*rates_replace)(void *db, const char *tenant_id,
			      const struct store_rate *v, size_t n);
	int  (*rate_find)(void *db, struct store_rate *r,
			  const char *tenant_id, const char *digits);
	int  (*rate_list)(void *db, const char *tenant_id, store_rate_h *h,
			  void *arg);
	int  (*account_create)(void *db, const struct store_account *a);
	int  (*account_get)(void *db, struct store_account *a,
			    const char *tenant_id, const char *id_or_name);
	int  (*account_list)(void *db, const char *tenant_id,
			     store_account_h *h, void *arg);
	int  (*txn_post)(void *db, struct store_txn *t);
	int  (*statement)(void *db, const char *account_id, uint64_t after_seq,
			  uint32_t limit, store_stmt_h *h, void *arg);
	int  (*hold_open)(void *db, struct store_hold *h);
	int  (*hold_extend)(void *db, const char *id, int64_t add,
			    uint64_t now_ms);
	int  (*hold_meter)(void *db, const char *id, int64_t metered,
			   uint64_t now_ms);
	int  (*hold_settle)(void *db, const char *id, int64_t captured,
			    struct store_txn *t, uint64_t now_ms);
	int  (*hold_get)(void *db, struct store_hold *h, const char *id);
	int  (*hold_list_open)(void *db, const char *tenant_id,
			       store_hold_h *h, void *arg);
	int  (*method_create)(void *db, const struct store_method *m);
	int  (*method_get)(void *db, struct store_method *m, const char *id);
	int  (*method_list)(void *db, const char *account_id,
			    store_method_h *h, void *arg);
	int  (*token_service_put)(void *db,
				  const struct store_token_service *s);
	int  (*token_service_get)(void *db, struct store_token_service *s,
				  const char *tenant_id, const char *service);
	int  (*token_get)(void *db, const char *account_id,
			  const char *service, int64_t *np);
	int  (*token_list)(void *db, const char *account_id,
			   store_token_h *h, void *arg);
	int  (*token_apply)(void *db, struct store_token_op *op);
	int  (*credit_put)(void *db, const struct store_credit *c,
			   struct store_txn *t);
	int  (*credit_get)(void *db, struct store_credit *c,
			   const char *tenant_id, const char *leg_id);
	int  (*reconcile)(void *db, const char *tenant_id,
			  struct store_money_recon *r);
};

/* sqlite_money.c */
extern const struct store_money_ops store_sqlite_money_ops;
