/**
 * @file cb_auth.h  Tenants, users, credentials, sessions
 *
 * Who is calling the API.  A *tenant* is a business; every API object
 * belongs to one.  A *user* of a tenant has a role and may log into the
 * web pages with a password (Argon2id).  An *API key* belongs to a tenant:
 * `cbk_<id>_<secret>`, shown once at creation, kept as a BLAKE2b hash of
 * the secret and compared in constant time.  A *session* is a random
 * 256-bit token in an HttpOnly, SameSite=Lax cookie, kept hashed, with an
 * expiry and a CSRF token that every state-changing request made with the
 * cookie must echo in `X-CSRF-Token`.
 *
 * The default tenant (name "default") always exists; inbound SIP calls
 * belong to it.  An admin user is created on the first start of the
 * daemon when the store has none, and its password is printed once.
 * Admins are users of the default tenant (the platform's operators); the
 * role admin is refused (EPERM) for a user of any other tenant.
 *
 * Include after <re.h>, cb_core.h and cb_store.h.
 */

struct http_msg;
struct store;

/** Roles of users, least privileged last */
enum cb_role {
	CB_ROLE_ADMIN = 0,   /**< manages tenants, users and keys       */
	CB_ROLE_OPERATOR,    /**< a business developer: calls, keys     */
	CB_ROLE_AGENT,       /**< answers calls (agent console)         */
	CB_ROLE_CUSTOMER,    /**< a customer of a tenant                */
	CB_ROLE_MAX
};

/** How a request was authenticated */
enum cb_auth_kind {
	CB_AUTH_NONE = 0,
	CB_AUTH_KEY,         /**< Authorization: Bearer <API key>      */
	CB_AUTH_SESSION,     /**< session cookie (CSRF rules apply)    */
};

/** Who made a request: the result of authentication */
struct cb_principal {
	enum cb_auth_kind kind;
	char tenant_id[CB_ID_LEN + 1];
	char user_id[CB_ID_LEN + 1];    /**< empty for API keys          */
	char key_id[CB_ID_LEN + 1];     /**< empty for sessions          */
	char login[STORE_NAME_MAX];     /**< the user's; empty for keys  */
	enum cb_role role;              /**< API keys act as operator    */
	char csrf[STORE_TOKEN_MAX];     /**< session's CSRF token        */
	uint8_t session_hash[STORE_HASH_LEN];
};

enum {
	AUTH_KEY_MAX = 96,       /**< printed API key, NUL included       */
	AUTH_TOKEN_MAX = 64,     /**< session token / password text       */
	AUTH_PASSWORD_MAX = 128,
	AUTH_PASSWORD_MIN = 10,  /**< characters of a user's password     */
};

typedef void (auth_done_h)(int err, const struct cb_principal *p,
			   void *arg);

/* subsystem (daemon) */
int  auth_init(const struct cb_config *cfg, struct store *st);
void auth_close(void);
int  auth_bootstrap(struct store *st, bool create_admin);
const char *auth_default_tenant(void);

/* requests */
int  auth_http_request(const struct http_msg *msg, struct cb_principal *p);
int  auth_http_request_async(const struct http_msg *msg, auth_done_h *h,
			     void *arg);
bool auth_csrf_ok(const struct http_msg *msg, const struct cb_principal *p);
bool auth_method_safe(const struct http_msg *msg);

/* roles */
const char *auth_role_name(enum cb_role role);
int  auth_role_parse(enum cb_role *rolep, const char *name);

/* tenants and users */
bool auth_name_valid(const char *name);
int  auth_tenant_create(struct store *st, struct store_tenant *t,
			const char *name, const char *webhook_url);
int  auth_user_create(struct store *st, struct store_user *u,
		      const char *tenant, const char *login, enum cb_role role,
		      const char *password);

/* passwords (Argon2id) */
int  auth_password_hash(char out[STORE_PWHASH_MAX], const char *password);
bool auth_password_verify(const char *pwhash, const char *password);
void auth_password_generate(char *out, size_t sz);

/* API keys */
int  auth_key_create(struct store *st, char key[AUTH_KEY_MAX],
		     struct store_apikey *k, const char *tenant,
		     const char *name);
int  auth_key_verify(struct store *st, const char *key,
		     struct store_apikey *k);
void auth_key_cache_forget(const char *key_id);

/* sessions */
int  auth_login(struct store *st, const char *login, const char *password,
		char token[AUTH_TOKEN_MAX], struct store_session *s,
		struct store_user *u, uint32_t ttl_s);
int  auth_session_verify(struct store *st, const char *token,
			 struct store_session *s, struct store_user *u);
int  auth_logout(struct store *st, const char *token);
void auth_token_hash(uint8_t out[STORE_HASH_LEN], const char *token);

/* login throttling (re_main thread) */
uint32_t auth_throttle_check(const char *login, const struct sa *peer);
void auth_throttle_fail(const char *login, const struct sa *peer);
void auth_throttle_ok(const char *login, const struct sa *peer);
void auth_throttle_config(uint32_t max_fails, uint32_t lock_s);
void auth_throttle_close(void);

/* the admin CLI: `callbridge admin ...`; returns the exit status */
int  auth_admin_main(const struct cb_config *cfg, int argc, char *argv[]);
