/**
 * @file api/login.c  Web logins: /v1/auth/login, /v1/auth/logout, /v1/me
 *
 * A login is throttled first (429 with Retry-After while the login or
 * the client address is locked out, before any password is looked at),
 * then checked on a store worker (Argon2id is slow on purpose), then
 * answered with the session cookie (HttpOnly, SameSite=Lax, Secure when
 * the API is served over TLS or auth.cookie_secure says a proxy does)
 * and the CSRF token the page must echo in X-CSRF-Token on every
 * state-changing request.  Unknown login and wrong password are the same
 * 401.
 */
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "api.h"

struct login {
	struct api_req *req;              /* mem_ref'd */
	struct store_session s;
	struct store_user u;
	char login[STORE_NAME_MAX];
	char password[AUTH_PASSWORD_MAX];
	char token[AUTH_TOKEN_MAX];
	struct sa peer;
	uint32_t ttl_s;
};


/* Secure cookies: always under TLS, or when configured (TLS offloaded) */
static bool cookie_secure(void)
{
	return api_tls() || api_config()->cookie_secure;
}


static void login_destructor(void *arg)
{
	struct login *l = arg;

	sodium_memzero(l->password, sizeof(l->password));
	sodium_memzero(l->token, sizeof(l->token));
	mem_deref(l->req);
}


static int login_work(struct store *st, void *arg)
{
	struct login *l = arg;

	return auth_login(st, l->login, l->password, l->token, &l->s, &l->u,
			  l->ttl_s);
}


static void login_done(int err, void *arg)
{
	struct login *l = arg;
	struct api_req *req = l->req;
	char hdrs[256];

	if (err == ECANCELED)
		return;
	if (err == EACCES) {
		auth_throttle_fail(l->login, &l->peer);
		api_error(req, 401, "invalid_credentials", NULL,
			  "wrong login or password");
		return;
	}
	if (err) {
		api_error(req, 503, "unavailable", NULL, "store unavailable");
		return;
	}

	auth_throttle_ok(l->login, &l->peer);
	log_info(NULL, "login %s (user=%s)", l->u.login, l->u.id);
	(void)re_snprintf(hdrs, sizeof(hdrs), "Set-Cookie: cb_session=%s; "
			  "Path=/; Max-Age=%u; HttpOnly; SameSite=Lax%s\r\n",
			  l->token, l->ttl_s,
			  cookie_secure() ? "; Secure" : "");
	req->hdrs = hdrs;
	api_reply_json(req, 200, "{\"user\":{\"id\":%H,\"login\":%H,"
		       "\"role\":%H,\"tenant_id\":%H},\"csrf_token\":%H,"
		       "\"expires_ms\":%llu}",
		       api_json_str, l->u.id, api_json_str, l->u.login,
		       api_json_str, l->u.role, api_json_str, l->u.tenant_id,
		       api_json_str, l->s.csrf,
		       (unsigned long long)l->s.expires_ms);
	req->hdrs = NULL;
}


static bool field(struct api_req *req, const char *key, char *out,
		  size_t sz)
{
	const struct odict_entry *e = req->body ? odict_lookup(req->body, key)
						: NULL;

	if (!e || e->type != ODICT_STRING || !*e->u.str ||
	    strlen(e->u.str) >= sz) {
		api_error(req, 400, "invalid_field", key,
			  "a non-empty string is required");
		return false;
	}
	str_ncpy(out, e->u.str, sz);
	return true;
}


void api_auth_login(struct api_req *req)
{
	struct login *l;
	uint32_t wait_s;
	char hdrs[64];

	l = mem_zalloc(sizeof(*l), login_destructor);
	if (!l) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!field(req, "login", l->login, sizeof(l->login)) ||
	    !field(req, "password", l->password, sizeof(l->password)))
		goto out;

	sa_cpy(&l->peer, http_conn_peer(req->conn));
	wait_s = auth_throttle_check(l->login, &l->peer);
	if (wait_s) {
		(void)re_snprintf(hdrs, sizeof(hdrs), "Retry-After: %u\r\n",
				  wait_s);
		req->hdrs = hdrs;
		api_error(req, 429, "too_many_attempts", NULL,
			  "too many failed logins; retry later");
		req->hdrs = NULL;
		goto out;
	}

	l->req = mem_ref(req);
	l->ttl_s = api_config()->session_ttl_s;
	if (store_submit(store_default(), login_work, login_done, l))
		api_error(req, 503, "unavailable", NULL, "store unavailable");
 out:
	mem_deref(l);
}


/* ---- logout -------------------------------------------------------- */

struct logout {
	struct api_req *req;              /* mem_ref'd */
	uint8_t hash[STORE_HASH_LEN];
};


static void logout_destructor(void *arg)
{
	struct logout *lo = arg;

	mem_deref(lo->req);
}


static int logout_work(struct store *st, void *arg)
{
	struct logout *lo = arg;

	return store_session_delete(st, lo->hash);
}


static void logout_done(int err, void *arg)
{
	struct logout *lo = arg;
	struct api_req *req = lo->req;

	if (err == ECANCELED)
		return;
	req->hdrs = cookie_secure() ?
		"Set-Cookie: cb_session=; Path=/; Max-Age=0; HttpOnly; "
		"SameSite=Lax; Secure\r\n" :
		"Set-Cookie: cb_session=; Path=/; Max-Age=0; HttpOnly; "
		"SameSite=Lax\r\n";
	if (err && err != ENOENT)
		api_error(req, 503, "unavailable", NULL, "store unavailable");
	else
		api_reply_json(req, 200, "{\"logged_out\":true}");
	req->hdrs = NULL;
}


void api_auth_logout(struct api_req *req)
{
	struct logout *lo;

	if (req->who.kind != CB_AUTH_SESSION) {
		api_error(req, 400, "not_a_session", NULL,
			  "logout ends a cookie session; revoke keys with "
			  "DELETE /v1/keys/{id}");
		return;
	}
	lo = mem_zalloc(sizeof(*lo), logout_destructor);
	if (!lo) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	lo->req = mem_ref(req);
	memcpy(lo->hash, req->who.session_hash, sizeof(lo->hash));
	if (store_submit(store_default(), logout_work, logout_done, lo))
		api_error(req, 503, "unavailable", NULL, "store unavailable");
	mem_deref(lo);
}


/* ---- me ------------------------------------------------------------ */

void api_me(struct api_req *req)
{
	const struct cb_principal *p = &req->who;
	bool sess = p->kind == CB_AUTH_SESSION;

	api_reply_json(req, 200, "{\"tenant_id\":%H,\"auth\":\"%s\","
		       "\"role\":\"%s\",\"user_id\":%H,\"login\":%H,"
		       "\"key_id\":%H%s%H}",
		       api_json_str, p->tenant_id, sess ? "session" : "key",
		       auth_role_name(p->role),
		       api_json_str, sess ? p->user_id : "",
		       api_json_str, sess ? p->login : "",
		       api_json_str, sess ? "" : p->key_id,
		       sess ? ",\"csrf_token\":" : "",
		       api_json_str, sess ? p->csrf : NULL);
}
