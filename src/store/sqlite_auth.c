/**
 * @file store/sqlite_auth.c  SQLite back-end: tenants, users, keys, sessions
 *
 * Secrets never reach this file in clear: users carry an Argon2id string,
 * keys and sessions a hash of their secret.  Lookups are by primary key or
 * a unique column, so each is one index probe; lists of one tenant's
 * users or keys use the tenant index.  Deleting a user deletes its
 * sessions with it (ON DELETE CASCADE, foreign keys are on).
 */
#include <string.h>
#include <re.h>
#include "sqlite.h"


static void bind_str(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}


static void bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}


static uint64_t col_u64(sqlite3_stmt *s, int col)
{
	return (uint64_t)sqlite3_column_int64(s, col);
}


/* step once: 0 and a row, ENOENT, or an error; finalizes on no row */
static int step_row(sqlite3 *db, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 0;
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? ENOENT : sqlite_err(db, rc, what);
}


/* ---- tenants ------------------------------------------------------- */

int sqlite_tenant_create(void *db, const struct store_tenant *t)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "INSERT INTO tenants (id, name, "
			      "webhook_url, created_ms) VALUES (?, ?, ?, ?)");
	if (err)
		return err;
	bind_str(s, 1, t->id);
	bind_str(s, 2, t->name);
	bind_str(s, 3, t->webhook_url);
	bind_u64(s, 4, t->created_ms);
	return sqlite_run(db, s, "tenant create");
}


/** Name and webhook URL of the tenant t->id: ENOENT, EEXIST (name) */
int sqlite_tenant_update(void *db, const struct store_tenant *t)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "UPDATE tenants SET name = ?, "
			      "webhook_url = ? WHERE id = ?");
	if (err)
		return err;
	bind_str(s, 1, t->name);
	bind_str(s, 2, t->webhook_url);
	bind_str(s, 3, t->id);
	err = sqlite_run(db, s, "tenant update");
	if (!err && sqlite3_changes(db) == 0)
		err = ENOENT;
	return err;
}


static void tenant_row(sqlite3_stmt *s, struct store_tenant *t)
{
	memset(t, 0, sizeof(*t));
	sqlite_text(s, 0, t->id, sizeof(t->id));
	sqlite_text(s, 1, t->name, sizeof(t->name));
	t->created_ms = col_u64(s, 2);
	sqlite_text(s, 3, t->webhook_url, sizeof(t->webhook_url));
}


int sqlite_tenant_get(void *db, struct store_tenant *t, const char *key)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "SELECT id, name, created_ms, "
			      "webhook_url FROM tenants WHERE id = ?1 OR "
			      "name = ?1 ORDER BY id = ?1 DESC LIMIT 1");
	if (err)
		return err;
	bind_str(s, 1, key);
	err = step_row(db, s, "tenant get");
	if (err)
		return err;
	tenant_row(s, t);
	sqlite3_finalize(s);
	return 0;
}


int sqlite_tenant_list(void *db, store_tenant_h *h, void *arg)
{
	struct store_tenant t;
	sqlite3_stmt *s;
	int rc, err = sqlite_prep(db, &s, "SELECT id, name, created_ms, "
				  "webhook_url FROM tenants "
				  "ORDER BY created_ms, name");
	if (err)
		return err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		tenant_row(s, &t);
		if (h(&t, arg))
			break;
	}
	err = rc == SQLITE_ROW ? 0 : sqlite_err(db, rc, "tenant list");
	sqlite3_finalize(s);
	return err;
}


/* ---- users --------------------------------------------------------- */

int sqlite_user_create(void *db, const struct store_user *u)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "INSERT INTO users (id, tenant_id, "
			      "login, role, pwhash, created_ms) VALUES "
			      "(?, ?, ?, ?, ?, ?)");
	if (err)
		return err;
	bind_str(s, 1, u->id);
	bind_str(s, 2, u->tenant_id);
	bind_str(s, 3, u->login);
	bind_str(s, 4, u->role);
	bind_str(s, 5, u->pwhash);
	bind_u64(s, 6, u->created_ms);
	return sqlite_run(db, s, "user create");
}


static void user_row(sqlite3_stmt *s, struct store_user *u)
{
	memset(u, 0, sizeof(*u));
	sqlite_text(s, 0, u->id, sizeof(u->id));
	sqlite_text(s, 1, u->tenant_id, sizeof(u->tenant_id));
	sqlite_text(s, 2, u->login, sizeof(u->login));
	sqlite_text(s, 3, u->role, sizeof(u->role));
	sqlite_text(s, 4, u->pwhash, sizeof(u->pwhash));
	u->created_ms = col_u64(s, 5);
}


static int user_query(sqlite3 *db, struct store_user *u, const char *sql,
		      const char *key)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, sql);

	if (err)
		return err;
	bind_str(s, 1, key);
	err = step_row(db, s, "user get");
	if (err)
		return err;
	user_row(s, u);
	sqlite3_finalize(s);
	return 0;
}


int sqlite_user_find_login(void *db, struct store_user *u, const char *login)
{
	return user_query(db, u, "SELECT id, tenant_id, login, role, pwhash, "
			  "created_ms FROM users WHERE login = ?", login);
}


int sqlite_user_get(void *db, struct store_user *u, const char *id)
{
	return user_query(db, u, "SELECT id, tenant_id, login, role, pwhash, "
			  "created_ms FROM users WHERE id = ?", id);
}


int sqlite_user_count_role(void *db, const char *role, unsigned *np)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "SELECT COUNT(*) FROM users "
			      "WHERE role = ?");
	if (err)
		return err;
	bind_str(s, 1, role);
	err = step_row(db, s, "user count");
	if (err)
		return err;
	*np = (unsigned)sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}


/** Users of one tenant (every tenant's if tenant_id is NULL) */
int sqlite_user_list(void *db, const char *tenant_id, store_user_h *h,
		     void *arg)
{
	struct store_user u;
	sqlite3_stmt *s;
	int rc, err;

	err = sqlite_prep(db, &s, tenant_id ?
			  "SELECT id, tenant_id, login, role, pwhash, "
			  "created_ms FROM users WHERE tenant_id = ? "
			  "ORDER BY created_ms, login" :
			  "SELECT id, tenant_id, login, role, pwhash, "
			  "created_ms FROM users ORDER BY created_ms, login");
	if (err)
		return err;
	if (tenant_id)
		bind_str(s, 1, tenant_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		user_row(s, &u);
		if (h(&u, arg))
			break;
	}
	err = rc == SQLITE_ROW ? 0 : sqlite_err(db, rc, "user list");
	sqlite3_finalize(s);
	return err;
}


/** Delete a user; its sessions go with it (ON DELETE CASCADE) */
int sqlite_user_delete(void *db, const char *id)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "DELETE FROM users WHERE id = ?");

	if (err)
		return err;
	bind_str(s, 1, id);
	err = sqlite_run(db, s, "user delete");
	if (!err && sqlite3_changes(db) == 0)
		err = ENOENT;
	return err;
}


/* ---- API keys ------------------------------------------------------ */

int sqlite_apikey_create(void *db, const struct store_apikey *k)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "INSERT INTO api_keys (id, tenant_id, "
			      "name, hash, created_ms) "
			      "VALUES (?, ?, ?, ?, ?)");
	if (err)
		return err;
	bind_str(s, 1, k->id);
	bind_str(s, 2, k->tenant_id);
	bind_str(s, 3, k->name);
	sqlite3_bind_blob(s, 4, k->hash, sizeof(k->hash), SQLITE_TRANSIENT);
	bind_u64(s, 5, k->created_ms);
	return sqlite_run(db, s, "key create");
}


static void apikey_row(sqlite3_stmt *s, struct store_apikey *k)
{
	const void *h = sqlite3_column_blob(s, 3);

	memset(k, 0, sizeof(*k));
	sqlite_text(s, 0, k->id, sizeof(k->id));
	sqlite_text(s, 1, k->tenant_id, sizeof(k->tenant_id));
	sqlite_text(s, 2, k->name, sizeof(k->name));
	if (h && sqlite3_column_bytes(s, 3) == (int)sizeof(k->hash))
		memcpy(k->hash, h, sizeof(k->hash));
	k->created_ms = col_u64(s, 4);
	k->revoked_ms = col_u64(s, 5);
}


int sqlite_apikey_find(void *db, struct store_apikey *k, const char *id)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "SELECT id, tenant_id, name, hash, "
			      "created_ms, revoked_ms FROM api_keys "
			      "WHERE id = ?");
	if (err)
		return err;
	bind_str(s, 1, id);
	err = step_row(db, s, "key find");
	if (err)
		return err;
	apikey_row(s, k);
	sqlite3_finalize(s);
	return 0;
}


int sqlite_apikey_list(void *db, const char *tenant_id, store_apikey_h *h,
		       void *arg)
{
	struct store_apikey k;
	sqlite3_stmt *s;
	int rc, err;

	err = sqlite_prep(db, &s, tenant_id ?
			  "SELECT id, tenant_id, name, hash, created_ms, "
			  "revoked_ms FROM api_keys WHERE tenant_id = ? "
			  "ORDER BY created_ms" :
			  "SELECT id, tenant_id, name, hash, created_ms, "
			  "revoked_ms FROM api_keys ORDER BY created_ms");
	if (err)
		return err;
	if (tenant_id)
		bind_str(s, 1, tenant_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		apikey_row(s, &k);
		if (h(&k, arg))
			break;
	}
	err = rc == SQLITE_ROW ? 0 : sqlite_err(db, rc, "key list");
	sqlite3_finalize(s);
	return err;
}


int sqlite_apikey_revoke(void *db, const char *id, uint64_t now_ms)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "UPDATE api_keys SET revoked_ms = ? "
			      "WHERE id = ? AND revoked_ms = 0");
	if (err)
		return err;
	bind_u64(s, 1, now_ms);
	bind_str(s, 2, id);
	err = sqlite_run(db, s, "key revoke");
	if (!err && sqlite3_changes(db) == 0)
		err = ENOENT;
	return err;
}


/* ---- sessions ------------------------------------------------------ */

int sqlite_session_create(void *db, const struct store_session *ss)
{
	sqlite3_stmt *s;
	int err;

	/* expired sessions go when new ones come: no sweeper needed */
	err = sqlite_prep(db, &s, "DELETE FROM sessions WHERE expires_ms < ?");
	if (err)
		return err;
	bind_u64(s, 1, ss->created_ms);
	err = sqlite_run(db, s, "session sweep");
	if (err)
		return err;

	err = sqlite_prep(db, &s, "INSERT INTO sessions (token_hash, user_id, "
			  "csrf, created_ms, expires_ms) VALUES "
			  "(?, ?, ?, ?, ?)");
	if (err)
		return err;
	sqlite3_bind_blob(s, 1, ss->token_hash, sizeof(ss->token_hash),
			  SQLITE_TRANSIENT);
	bind_str(s, 2, ss->user_id);
	bind_str(s, 3, ss->csrf);
	bind_u64(s, 4, ss->created_ms);
	bind_u64(s, 5, ss->expires_ms);
	return sqlite_run(db, s, "session create");
}


int sqlite_session_find(void *db, struct store_session *ss,
			const uint8_t *hash, uint64_t now_ms)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "SELECT user_id, csrf, created_ms, "
			      "expires_ms FROM sessions WHERE token_hash = ? "
			      "AND expires_ms > ?");
	if (err)
		return err;
	sqlite3_bind_blob(s, 1, hash, STORE_HASH_LEN, SQLITE_TRANSIENT);
	bind_u64(s, 2, now_ms);
	err = step_row(db, s, "session find");
	if (err)
		return err;
	memset(ss, 0, sizeof(*ss));
	memcpy(ss->token_hash, hash, sizeof(ss->token_hash));
	sqlite_text(s, 0, ss->user_id, sizeof(ss->user_id));
	sqlite_text(s, 1, ss->csrf, sizeof(ss->csrf));
	ss->created_ms = col_u64(s, 2);
	ss->expires_ms = col_u64(s, 3);
	sqlite3_finalize(s);
	return 0;
}


int sqlite_session_delete(void *db, const uint8_t *hash)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "DELETE FROM sessions "
			      "WHERE token_hash = ?");
	if (err)
		return err;
	sqlite3_bind_blob(s, 1, hash, STORE_HASH_LEN, SQLITE_TRANSIENT);
	err = sqlite_run(db, s, "session delete");
	if (!err && sqlite3_changes(db) == 0)
		err = ENOENT;
	return err;
}
