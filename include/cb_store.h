/**
 * @file cb_store.h  The store: persistence behind one domain interface
 *
 * Every subsystem that keeps something across restarts goes through this
 * header: tenants, users, API keys, sessions, finished calls, idempotency
 * records, webhook deliveries not yet acknowledged (the outbox).  The interface speaks in domain objects, never in SQL; the SQL
 * lives in one back-end (src/store/sqlite*.c, the embedded default) and a
 * second back-end (PostgreSQL, for several nodes) is another table of
 * operations behind the same functions.
 *
 * Two ways in.  The synchronous functions below run on the calling thread
 * (CLI, start-up, unit tests).  The re_main thread must not wait on the
 * database: it hands a work function to store_submit(), a worker thread
 * runs it with the connection and the completion runs back on the re_main
 * thread through a libre mqueue.  The connection is shared by the workers
 * and the synchronous callers under one lock.
 *
 * Lookups answer ENOENT when nothing matches; creating a row that exists
 * answers EEXIST.  Include after <re.h> and cb_core.h.
 */

struct store;
struct cb_config;

enum {
	STORE_NAME_MAX  = 64,     /**< tenant names, logins, key names */
	STORE_ROLE_MAX  = 16,
	STORE_HASH_LEN  = 32,     /**< BLAKE2b-256 of a secret         */
	STORE_PWHASH_MAX = 128,   /**< Argon2id encoded string         */
	STORE_TOKEN_MAX = 64,     /**< CSRF token text                 */
	STORE_IDEM_KEY_MAX = 128, /**< Idempotency-Key header value    */
};

struct store_tenant {
	char id[CB_ID_LEN + 1];
	char name[STORE_NAME_MAX];
	uint64_t created_ms;
};

struct store_user {
	char id[CB_ID_LEN + 1];
	char tenant_id[CB_ID_LEN + 1];
	char login[STORE_NAME_MAX];
	char role[STORE_ROLE_MAX];
	char pwhash[STORE_PWHASH_MAX];
	uint64_t created_ms;
};

struct store_apikey {
	char id[CB_ID_LEN + 1];        /**< public part of the key        */
	char tenant_id[CB_ID_LEN + 1];
	char name[STORE_NAME_MAX];
	uint8_t hash[STORE_HASH_LEN];  /**< hash of the secret part       */
	uint64_t created_ms;
	uint64_t revoked_ms;           /**< 0 = valid                     */
};

struct store_session {
	uint8_t token_hash[STORE_HASH_LEN];  /**< the token is never kept */
	char user_id[CB_ID_LEN + 1];
	char csrf[STORE_TOKEN_MAX];
	uint64_t created_ms;
	uint64_t expires_ms;
};

/** Final state of one leg, as a CDR wants it */
struct store_leg {
	char id[CB_ID_LEN + 1];
	char peer[160];
	bool outbound;
	char state[16];
	char cause[24];
	uint16_t sip_status;
	uint64_t created_ms, answered_ms, ended_ms;
	uint64_t rtp_rx, rtp_tx, rtp_lost;
};

/** Final state of a call; legv is a mem array of legc legs */
struct store_call {
	char id[CB_ID_LEN + 1];
	char tenant_id[CB_ID_LEN + 1];
	uint64_t created_ms, ended_ms;
	struct store_leg *legv;
	size_t legc;
};

/** The first reply to a POST with an Idempotency-Key */
struct store_idem {
	char tenant_id[CB_ID_LEN + 1];
	char key[STORE_IDEM_KEY_MAX];
	uint8_t req_hash[STORE_HASH_LEN];  /**< method, path and body */
	uint16_t status;
	char *body;                        /**< mem string, owned      */
	uint64_t created_ms;
};

/**
 * One webhook delivery in the outbox.  Pending items are listed by the
 * caller's `ord` (then in the order they were put), which is the delivery
 * order per key: writes may complete out of order on several workers.
 */
struct store_outbox {
	uint64_t seq;                     /**< set by the store, increasing */
	uint64_t ord;                     /**< set by the caller            */
	char key[CB_ID_LEN + 1];          /**< delivery order is per key    */
	char event_id[CB_ID_LEN + 1];     /**< unique: receivers dedupe     */
	const char *url;                  /**< borrowed                     */
	const char *body;                 /**< borrowed                     */
	uint64_t created_ms;
};

/** Latency of asynchronous work, queueing included */
struct store_stats {
	uint64_t jobs;
	uint64_t total_us;
	uint64_t max_us;
	uint32_t queued;
};

typedef bool (store_tenant_h)(const struct store_tenant *t, void *arg);
typedef bool (store_apikey_h)(const struct store_apikey *k, void *arg);
typedef bool (store_outbox_h)(const struct store_outbox *o, void *arg);
typedef int  (store_work_h)(struct store *st, void *arg);
typedef void (store_done_h)(int err, void *arg);

/* opening (synchronous): creates the file and applies migrations */
int  store_open(struct store **stp, const char *path);
int  store_async_start(struct store *st, uint32_t workers);
int  store_submit(struct store *st, store_work_h *work, store_done_h *done,
		  void *arg);
void store_stats_get(struct store *st, struct store_stats *stats);
int  store_version(struct store *st, unsigned *vp);
int  store_ping(struct store *st);
const char *store_backend(const struct store *st);

/* the daemon's store, from store.path */
int  store_init(const struct cb_config *cfg);
void store_close(void);
struct store *store_default(void);

/* tenants */
int  store_tenant_create(struct store *st, const struct store_tenant *t);
int  store_tenant_get(struct store *st, struct store_tenant *t,
		      const char *id_or_name);
int  store_tenant_list(struct store *st, store_tenant_h *h, void *arg);

/* users */
int  store_user_create(struct store *st, const struct store_user *u);
int  store_user_find_login(struct store *st, struct store_user *u,
			   const char *login);
int  store_user_get(struct store *st, struct store_user *u, const char *id);
int  store_user_count_role(struct store *st, const char *role,
			   unsigned *np);

/* API keys */
int  store_apikey_create(struct store *st, const struct store_apikey *k);
int  store_apikey_find(struct store *st, struct store_apikey *k,
		       const char *id);
int  store_apikey_list(struct store *st, const char *tenant_id,
		       store_apikey_h *h, void *arg);
int  store_apikey_revoke(struct store *st, const char *id, uint64_t now_ms);

/* web sessions */
int  store_session_create(struct store *st, const struct store_session *s);
int  store_session_find(struct store *st, struct store_session *s,
			const uint8_t hash[STORE_HASH_LEN], uint64_t now_ms);
int  store_session_delete(struct store *st,
			  const uint8_t hash[STORE_HASH_LEN]);

/* calls (CDR source) */
int  store_call_save(struct store *st, const struct store_call *c);
int  store_call_get(struct store *st, struct store_call *c, const char *id);

/* idempotency */
int  store_idem_get(struct store *st, struct store_idem *r,
		    const char *tenant_id, const char *key,
		    uint64_t min_created_ms);
int  store_idem_put(struct store *st, const struct store_idem *r);

/* webhook outbox: put before the first attempt, ack when done */
int  store_outbox_put(struct store *st, const struct store_outbox *o);
int  store_outbox_list_pending(struct store *st, store_outbox_h *h,
			       void *arg);
int  store_outbox_ack(struct store *st, const char *event_id,
		      uint64_t now_ms);
