/**
 * @file store/sqlite.h  SQLite back-end internals (src/store/sqlite*.c)
 *
 * Small helpers around prepared statements so each operation reads as
 * its SQL: prepare with bound parameters, step, read columns.  Errors of
 * SQLite map to errno once, in sqlite_err().
 */

#include <sqlite3.h>
#include "store.h"

int  sqlite_err(sqlite3 *db, int rc, const char *what);
int  sqlite_prep(sqlite3 *db, sqlite3_stmt **stp, const char *sql);
int  sqlite_exec(sqlite3 *db, const char *sql);
void sqlite_text(sqlite3_stmt *s, int col, char *buf, size_t sz);
int  sqlite_run(sqlite3 *db, sqlite3_stmt *s, const char *what);
void sqlite_bind_text(sqlite3_stmt *s, int i, const char *v);
void sqlite_bind_u64(sqlite3_stmt *s, int i, uint64_t v);
uint64_t sqlite_u64(sqlite3_stmt *s, int col);
int  sqlite_step_one(sqlite3 *db, sqlite3_stmt *s, const char *what);
int  sqlite_list_end(sqlite3 *db, sqlite3_stmt *s, int rc,
		     const char *what);

/* sqlite_ckpt.c: WAL checkpoints on a thread of their own */
int  sqlite_ckpt_start(sqlite3 *wdb, const char *path);
void sqlite_ckpt_stop(sqlite3 *wdb);

/* sqlite_auth.c */
int  sqlite_tenant_create(void *db, const struct store_tenant *t);
int  sqlite_tenant_get(void *db, struct store_tenant *t, const char *key);
int  sqlite_tenant_list(void *db, store_tenant_h *h, void *arg);
int  sqlite_tenant_update(void *db, const struct store_tenant *t);
int  sqlite_user_create(void *db, const struct store_user *u);
int  sqlite_user_find_login(void *db, struct store_user *u,
			    const char *login);
int  sqlite_user_get(void *db, struct store_user *u, const char *id);
int  sqlite_user_count_role(void *db, const char *role, unsigned *np);
int  sqlite_user_list(void *db, const char *tenant_id, store_user_h *h,
		      void *arg);
int  sqlite_user_delete(void *db, const char *id);
int  sqlite_apikey_create(void *db, const struct store_apikey *k);
int  sqlite_apikey_find(void *db, struct store_apikey *k, const char *id);
int  sqlite_apikey_list(void *db, const char *tenant_id, store_apikey_h *h,
			void *arg);
int  sqlite_apikey_revoke(void *db, const char *id, uint64_t now_ms);
int  sqlite_session_create(void *db, const struct store_session *s);
int  sqlite_session_find(void *db, struct store_session *s,
			 const uint8_t *hash, uint64_t now_ms);
int  sqlite_session_delete(void *db, const uint8_t *hash);

/* sqlite_call.c */
int  sqlite_call_save(void *db, const struct store_call *c);
int  sqlite_call_get(void *db, struct store_call *c, const char *id);
int  sqlite_idem_get(void *db, struct store_idem *r, const char *tenant_id,
		     const char *key, uint64_t min_created_ms);
int  sqlite_idem_put(void *db, const struct store_idem *r);

/* sqlite_callback.c */
int  sqlite_callback_put(void *db, const struct store_callback *c);
int  sqlite_callback_list(void *db, store_callback_h *h, void *arg);
int  sqlite_client_number_put(void *db, const char *tenant_id,
			      const char *client, const char *number,
			      uint64_t now_ms);
int  sqlite_client_number_get(void *db, const char *tenant_id,
			      const char *client, char *number, size_t sz);

/* sqlite_outbox.c */
int  sqlite_outbox_put(void *db, const struct store_outbox *o);
int  sqlite_outbox_list_pending(void *db, store_outbox_h *h, void *arg);
int  sqlite_outbox_ack(void *db, const char *event_id, uint64_t now_ms);
int  sqlite_outbox_prune(void *db, uint64_t before_ms, uint32_t max,
			 uint32_t *np);

/* sqlite_prune.c */
int  sqlite_delete_limited(sqlite3 *db, const char *sql, uint64_t t,
			   uint32_t max, uint32_t *np, const char *what);
int  sqlite_idem_prune(void *db, uint64_t before_ms, uint32_t max,
		       uint32_t *np);
int  sqlite_session_prune(void *db, uint64_t now_ms, uint32_t max,
			  uint32_t *np);
int  sqlite_callback_prune(void *db, uint64_t before_ms, uint32_t max,
			   uint32_t *np);
