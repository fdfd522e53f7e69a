/**
 * @file auth/auth.c  Who is calling: credentials of an HTTP request
 *
 * A request carries either `Authorization: Bearer <API key>` or the
 * session cookie `cb_session`; the key wins when both are present.  The
 * result is a principal (tenant, user or key, role), or EACCES for
 * anything else: no credentials, malformed, unknown, revoked, expired.
 * auth_http_request() does the store lookups on the calling thread (the
 * WebSocket upgrade, tests); the API server uses the _async form, whose
 * lookups run on a store worker and whose handler runs on re_main.
 * Also here: start-up (the default tenant, the first admin), roles, and
 * creation of tenants and users shared by the CLI and the daemon.
 */
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sodium.h>
#include <re.h>
#include "auth.h"

static struct {
	struct store *st;                      /* borrowed */
	char dflt[CB_ID_LEN + 1];              /* the default tenant's id */
} auth;

static const char *role_names[CB_ROLE_MAX] = {
	"admin", "operator", "agent", "customer",
};

static const char cookie_name[] = "cb_session";


uint64_t auth_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


const char *auth_role_name(enum cb_role role)
{
	return role < CB_ROLE_MAX ? role_names[role] : "?";
}


int auth_role_parse(enum cb_role *rolep, const char *name)
{
	if (!rolep || !name)
		return EINVAL;
	for (int i = 0; i < CB_ROLE_MAX; i++) {
		if (!strcmp(name, role_names[i])) {
			*rolep = (enum cb_role)i;
			return 0;
		}
	}
	/* the word for an operator */
	if (!strcmp(name, "developer")) {
		*rolep = CB_ROLE_OPERATOR;
		return 0;
	}
	return EINVAL;
}


/** Tenant names and logins: 1-63 of A-Z a-z 0-9 - _ . @ */
bool auth_name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n >= STORE_NAME_MAX)
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.' || *s == '@'))
			return false;
	}
	return true;
}


/** Create a tenant; webhook_url (may be NULL) is checked by the caller */
int auth_tenant_create(struct store *st, struct store_tenant *t,
		       const char *name, const char *webhook_url)
{
	if (!t || !auth_name_valid(name) ||
	    (webhook_url && strlen(webhook_url) >= sizeof(t->webhook_url)))
		return EINVAL;
	memset(t, 0, sizeof(*t));
	cb_id_new(t->id, 't');
	str_ncpy(t->name, name, sizeof(t->name));
	str_ncpy(t->webhook_url, webhook_url ? webhook_url : "",
		 sizeof(t->webhook_url));
	t->created_ms = auth_now_ms();
	return store_tenant_create(st, t);
}


/**
 * Create a user; password NULL is refused (generate one first).  EPERM:
 * an admin outside the default tenant.
 */
int auth_user_create(struct store *st, struct store_user *u,
		     const char *tenant, const char *login, enum cb_role role,
		     const char *password)
{
	struct store_tenant t;
	int err;

	if (!u || !tenant || !password || role >= CB_ROLE_MAX ||
	    !auth_name_valid(login))
		return EINVAL;

	err = store_tenant_get(st, &t, tenant);
	if (err)
		return err;
	if (role == CB_ROLE_ADMIN && strcmp(t.name, "default"))
		return EPERM;

	memset(u, 0, sizeof(*u));
	cb_id_new(u->id, 'u');
	str_ncpy(u->tenant_id, t.id, sizeof(u->tenant_id));
	str_ncpy(u->login, login, sizeof(u->login));
	str_ncpy(u->role, role_names[role], sizeof(u->role));
	u->created_ms = auth_now_ms();
	err = auth_password_hash(u->pwhash, password);
	if (!err)
		err = store_user_create(st, u);
	return err;
}


/**
 * Make sure the default tenant exists (and, for the daemon, an admin):
 * the first admin is `admin` in the default tenant with a random
 * password printed once on stderr.
 */
int auth_bootstrap(struct store *st, bool create_admin)
{
	struct store_tenant t;
	struct store_user u;
	char pw[32];
	unsigned n = 0;
	int err;

	err = store_tenant_get(st, &t, "default");
	if (err == ENOENT) {
		err = auth_tenant_create(st, &t, "default", NULL);
		if (err == EEXIST)   /* another process won the race */
			err = store_tenant_get(st, &t, "default");
	}
	if (err)
		return err;
	str_ncpy(auth.dflt, t.id, sizeof(auth.dflt));

	if (!create_admin)
		return 0;
	err = store_user_count_role(st, role_names[CB_ROLE_ADMIN], &n);
	if (err || n)
		return err;

	auth_password_generate(pw, sizeof(pw));
	err = auth_user_create(st, &u, t.id, "admin", CB_ROLE_ADMIN, pw);
	if (err == EEXIST) {
		log_warn(NULL, "no admin user, and the login 'admin' is taken:"
			 " create one with `callbridge admin user create`");
		return 0;
	}
	if (err)
		return err;

	re_fprintf(stderr, "\n*** first start: web admin created ***\n"
		   "    login:    admin\n    password: %s\n"
		   "    (shown once; store it now)\n\n", pw);
	log_info(NULL, "first start: admin user created (password printed "
		 "once on stderr)");
	sodium_memzero(pw, sizeof(pw));
	return 0;
}


const char *auth_default_tenant(void)
{
	return auth.dflt;
}


int auth_init(const struct cb_config *cfg, struct store *st)
{
	int err;

	if (!cfg || !st)
		return EINVAL;
	auth.st = st;
	auth_throttle_config(cfg->login_max_failures, cfg->login_lock_s);
	err = auth_keycache_config(cfg->key_cache_s);
	if (err)
		return err;
	return auth_bootstrap(st, true);
}


void auth_close(void)
{
	auth_throttle_close();
	auth_keycache_close();
	auth.st = NULL;
}


/* ---- requests ------------------------------------------------------ */

/* credentials copied out of a request, so a worker may use them */
struct creds {
	char key[AUTH_KEY_MAX];
	char token[AUTH_TOKEN_MAX];
	struct cb_principal p;
	auth_done_h *h;
	void *arg;                        /* mem_ref'd */
};


static void creds_destructor(void *arg)
{
	struct creds *c = arg;

	sodium_memzero(c->key, sizeof(c->key));
	sodium_memzero(c->token, sizeof(c->token));
	mem_deref(c->arg);
}


/* value of cookie `name` in a Cookie header */
static bool cookie_get(const struct pl *hval, const char *name,
		       char *out, size_t sz)
{
	const char *p = hval->p, *end = hval->p + hval->l;
	size_t nl = strlen(name);

	while (p < end) {
		const char *semi, *eq;

		while (p < end && (*p == ' ' || *p == ';'))
			++p;
		semi = memchr(p, ';', (size_t)(end - p));
		if (!semi)
			semi = end;
		eq = memchr(p, '=', (size_t)(semi - p));
		if (eq && (size_t)(eq - p) == nl && !memcmp(p, name, nl)) {
			size_t vl = (size_t)(semi - eq - 1);

			if (vl == 0 || vl >= sz)
				return false;
			memcpy(out, eq + 1, vl);
			out[vl] = '\0';
			return true;
		}
		p = semi;
	}
	return false;
}


static int creds_read(struct creds *c, const struct http_msg *msg)
{
	const struct http_hdr *h;

	h = http_msg_hdr(msg, HTTP_HDR_AUTHORIZATION);
	if (h) {
		struct pl tok = h->val;

		if (tok.l < 7 || strncasecmp(tok.p, "Bearer ", 7))
			return EACCES;
		pl_advance(&tok, 7);
		while (tok.l && *tok.p == ' ')
			pl_advance(&tok, 1);
		while (tok.l && tok.p[tok.l - 1] == ' ')
			--tok.l;
		if (!tok.l || tok.l >= sizeof(c->key))
			return EACCES;
		(void)pl_strcpy(&tok, c->key, sizeof(c->key));
		return 0;
	}
	h = http_msg_xhdr(msg, "Cookie");
	if (h && cookie_get(&h->val, cookie_name, c->token,
			    sizeof(c->token)))
		return 0;
	return EACCES;
}


/* with the store: verify what creds_read() found */
static int creds_verify(struct store *st, struct creds *c)
{
	struct cb_principal *p = &c->p;
	int err;

	memset(p, 0, sizeof(*p));
	if (c->key[0]) {
		struct store_apikey k;

		err = auth_key_verify(st, c->key, &k);
		if (err)
			return err;
		p->kind = CB_AUTH_KEY;
		str_ncpy(p->tenant_id, k.tenant_id, sizeof(p->tenant_id));
		str_ncpy(p->key_id, k.id, sizeof(p->key_id));
		p->role = CB_ROLE_OPERATOR;
		return 0;
	}
	else {
		struct store_session s;
		struct store_user u;

		err = auth_session_verify(st, c->token, &s, &u);
		if (err)
			return err;
		p->kind = CB_AUTH_SESSION;
		str_ncpy(p->tenant_id, u.tenant_id, sizeof(p->tenant_id));
		str_ncpy(p->user_id, u.id, sizeof(p->user_id));
		str_ncpy(p->login, u.login, sizeof(p->login));
		if (auth_role_parse(&p->role, u.role))
			p->role = CB_ROLE_CUSTOMER;
		/* admins are the default tenant's (a store written by hand
		 * could say otherwise): elsewhere the role is operator */
		if (p->role == CB_ROLE_ADMIN && auth.dflt[0] &&
		    strcmp(u.tenant_id, auth.dflt))
			p->role = CB_ROLE_OPERATOR;
		str_ncpy(p->csrf, s.csrf, sizeof(p->csrf));
		memcpy(p->session_hash, s.token_hash,
		       sizeof(p->session_hash));
		return 0;
	}
}


/**
 * Authenticate a request on the calling thread: 0 and the principal, or
 * EACCES.  The store lookup blocks; the event loop uses the _async form.
 */
int auth_http_request(const struct http_msg *msg, struct cb_principal *p)
{
	struct creds *c;
	int err;

	if (!msg || !p)
		return EINVAL;
	if (!auth.st)
		return EACCES;

	c = mem_zalloc(sizeof(*c), creds_destructor);
	if (!c)
		return ENOMEM;
	err = creds_read(c, msg);
	if (!err)
		err = creds_verify(auth.st, c);
	if (!err)
		*p = c->p;
	mem_deref(c);
	return err ? EACCES : 0;
}


static int verify_work(struct store *st, void *arg)
{
	return creds_verify(st, arg);
}


static void verify_done(int err, void *arg)
{
	struct creds *c = arg;

	if (err && err != ECANCELED)
		err = EACCES;
	if (!err && c->key[0])
		auth_keycache_put(c->key, &c->p);
	c->h(err, err ? NULL : &c->p, c->arg);
}


/**
 * Authenticate a request off the event loop: h(err, principal, arg) runs
 * later on the re_main thread (EACCES if refused, ECANCELED at shutdown).
 * arg must be a mem object; it is held until h has run.  The message is
 * read now and need not outlive the call.
 */
int auth_http_request_async(const struct http_msg *msg, auth_done_h *h,
			    void *arg)
{
	struct creds *c;
	int err;

	if (!msg || !h)
		return EINVAL;

	c = mem_zalloc(sizeof(*c), creds_destructor);
	if (!c)
		return ENOMEM;
	c->h = h;
	c->arg = mem_ref(arg);

	err = auth.st ? creds_read(c, msg) : EACCES;
	if (err) {
		h(EACCES, NULL, arg);
		err = 0;
		goto out;
	}
	if (c->key[0] && auth_keycache_get(c->key, &c->p)) {
		h(0, &c->p, arg);
		goto out;
	}
	err = store_submit(auth.st, verify_work, verify_done, c);
 out:
	mem_deref(c);
	return err;
}


/** GET, HEAD and OPTIONS change nothing: no CSRF token needed */
bool auth_method_safe(const struct http_msg *msg)
{
	return !pl_strcmp(&msg->met, "GET") || !pl_strcmp(&msg->met, "HEAD")
		|| !pl_strcmp(&msg->met, "OPTIONS");
}


/**
 * CSRF rule: a state-changing request authenticated by the session
 * cookie must carry the session's token in X-CSRF-Token (compared in
 * constant time).  Key-authenticated requests cannot be forged by a
 * browser and need none.
 */
bool auth_csrf_ok(const struct http_msg *msg, const struct cb_principal *p)
{
	const struct http_hdr *h;
	size_t n;

	if (!msg || !p)
		return false;
	if (p->kind != CB_AUTH_SESSION || auth_method_safe(msg))
		return true;

	h = http_msg_xhdr(msg, "X-CSRF-Token");
	n = strlen(p->csrf);
	if (!h || !n || h->val.l != n)
		return false;
	return sodium_memcmp(h->val.p, p->csrf, n) == 0;
}
