/**
 * @file store/store_cdr.h  Store internals: the billing records table
 *
 * Call detail records, charge summaries and the meter's running costs
 * are their own table of operations, reached from `struct store_ops`
 * through one pointer, like the money operations (store_money.h).  Each
 * function takes the back-end's connection; store_cdr.c holds the
 * store's lock around every call.  Only back-end files contain SQL.
 */

struct store_cdr_ops {
	int  (*meter_persist)(void *db, const struct store_meter_point *v,
			      size_t n, uint64_t now_ms);
	int  (*cdr_put)(void *db, const struct store_cdr *v, size_t n);
	int  (*cdr_get)(void *db, struct store_cdr *c, const char *tenant_id,
			const char *leg_id);
	int  (*cdr_list_call)(void *db, const char *tenant_id,
			      const char *call_id, store_cdr_h *h, void *arg);
	int  (*cdr_list_hold)(void *db, const char *hold_id, store_cdr_h *h,
			      void *arg);
	int  (*cdr_list)(void *db, const char *tenant_id, uint64_t after_seq,
			 uint32_t limit, store_cdr_h *h, void *arg);
	int  (*cdr_trouble_set)(void *db, const char *tenant_id,
				const char *leg_id, const char *kind);
	int  (*charge_put)(void *db, const struct store_charge *v, size_t n);
	int  (*charge_list_call)(void *db, const char *tenant_id,
				 const char *call_id, store_charge_h *h,
				 void *arg);
};

/* sqlite_cdr.c */
extern const struct store_cdr_ops store_sqlite_cdr_ops;
