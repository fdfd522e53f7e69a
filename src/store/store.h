/**
 * @file store/store.h  Store internals: the back-end operations table
 *
 * A back-end is one `struct store_ops`: open/close a connection and one
 * function per domain operation of cb_store.h.  store.c picks the
 * back-end from the path, holds the lock around every call and owns the
 * worker threads (async.c).  Only back-end files contain SQL.
 */

#include <pthread.h>
#define CB_LOG_SUB CB_SUB_CORE
#include "cb_core.h"
#include "cb_store.h"

struct store_money_ops;
struct store_cdr_ops;
struct store_cc_ops;

struct store_ops {
	const char *name;
	int  (*open)(void **dbp, const char *path);
	void (*close)(void *db);
	int  (*ping)(void *db);
	int  (*version)(void *db, unsigned *vp);
	int  (*tenant_create)(void *db, const struct store_tenant *t);
	int  (*tenant_get)(void *db, struct store_tenant *t, const char *key);
	int  (*tenant_list)(void *db, store_tenant_h *h, void *arg);
	int  (*tenant_update)(void *db, const struct store_tenant *t);
	int  (*user_create)(void *db, const struct store_user *u);
	int  (*user_find_login)(void *db, struct store_user *u,
				const char *login);
	int  (*user_get)(void *db, struct store_user *u, const char *id);
	int  (*user_count_role)(void *db, const char *role, unsigned *np);
	int  (*user_list)(void *db, const char *tenant_id, store_user_h *h,
			  void *arg);
	int  (*user_delete)(void *db, const char *id);
	int  (*apikey_create)(void *db, const struct store_apikey *k);
	int  (*apikey_find)(void *db, struct store_apikey *k, const char *id);
	int  (*apikey_list)(void *db, const char *tenant_id,
			    store_apikey_h *h, void *arg);
	int  (*apikey_revoke)(void *db, const char *id, uint64_t now_ms);
	int  (*session_create)(void *db, const struct store_session *s);
	int  (*session_find)(void *db, struct store_session *s,
			     const uint8_t *hash, uint64_t now_ms);
	int  (*session_delete)(void *db, const uint8_t *hash);
	int  (*call_save)(void *db, const struct store_call *c);
	int  (*call_get)(void *db, struct store_call *c, const char *id);
	int  (*idem_get)(void *db, struct store_idem *r, const char *tenant_id,
			 const char *key, uint64_t min_created_ms);
	int  (*idem_put)(void *db, const struct store_idem *r);
	int  (*outbox_put)(void *db, const struct store_outbox *o);
	int  (*outbox_list_pending)(void *db, store_outbox_h *h, void *arg);
	int  (*outbox_ack)(void *db, const char *event_id, uint64_t now_ms);
	int  (*outbox_prune)(void *db, uint64_t before_ms, uint32_t max,
			     uint32_t *np);
	int  (*idem_prune)(void *db, uint64_t before_ms, uint32_t max,
			   uint32_t *np);
	int  (*session_prune)(void *db, uint64_t now_ms, uint32_t max,
			      uint32_t *np);
	int  (*callback_put)(void *db, const struct store_callback *c);
	int  (*callback_list)(void *db, store_callback_h *h, void *arg);
	int  (*callback_prune)(void *db, uint64_t before_ms, uint32_t max,
			       uint32_t *np);
	int  (*client_number_put)(void *db, const char *tenant_id,
				  const char *client, const char *number,
				  uint64_t now_ms);
	int  (*client_number_get)(void *db, const char *tenant_id,
				  const char *client, char *number,
				  size_t sz);
	/* money: its own table (store_money.h) */
	const struct store_money_ops *money;
	/* billing records and metering: their own table (store_cdr.h) */
	const struct store_cdr_ops *cdr;
	/* contact centre: its own table (store_cc.h) */
	const struct store_cc_ops *cc;
};

struct store_async;

struct store {
	const struct store_ops *ops;   /* RO */
	void *db;                      /* LOCK: lock */
	pthread_mutex_t lock;          /* one user of the connection at once */
	struct store_async *async;     /* owned; NULL until async_start */
};

/* sqlite.c */
extern const struct store_ops store_sqlite_ops;

/* async.c */
void store_async_stop(struct store *st);

/* prune.c: the periodic prune job of the daemon's store */
int  store_prune_start(struct store *st, const struct cb_config *cfg);
void store_prune_stop(void);
