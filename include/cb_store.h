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
	STORE_URL_MAX   = 257,    /**< webhook URL, NUL included       */
};

struct store_tenant {
	char id[CB_ID_LEN + 1];
	char name[STORE_NAME_MAX];
	char webhook_url[STORE_URL_MAX];  /**< calls without their own
					       status_callback; "" = none */
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
typedef bool (store_user_h)(const struct store_user *u, void *arg);
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
int  store_tenant_update(struct store *st, const struct store_tenant *t);

/* users */
int  store_user_create(struct store *st, const struct store_user *u);
int  store_user_find_login(struct store *st, struct store_user *u,
			   const char *login);
int  store_user_get(struct store *st, struct store_user *u, const char *id);
int  store_user_count_role(struct store *st, const char *role,
			   unsigned *np);
/* tenant_id NULL: every tenant's; deleting a user ends its sessions */
int  store_user_list(struct store *st, const char *tenant_id,
		     store_user_h *h, void *arg);
int  store_user_delete(struct store *st, const char *id);

/* API keys (list: tenant_id NULL lists every tenant's) */
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

/*
 * Pruning: each call deletes at most `max` rows (0: no limit), so that a
 * large backlog goes in short turns of the store's lock, and says in *np
 * how many went.  Pending outbox rows are never pruned.  The daemon runs
 * them every store.prune_interval_s (src/store/prune.c).
 */
int  store_outbox_prune(struct store *st, uint64_t done_before_ms,
			uint32_t max, uint32_t *np);
int  store_idem_prune(struct store *st, uint64_t created_before_ms,
		      uint32_t max, uint32_t *np);
int  store_session_prune(struct store *st, uint64_t now_ms, uint32_t max,
			 uint32_t *np);
/* finished web callbacks last changed before before_ms */
int  store_callback_prune(struct store *st, uint64_t before_ms,
			  uint32_t max, uint32_t *np);


/* ---- money: rates, accounts, ledger, holds, tokens (docs/money.md) ---
 *
 * Amounts are int64 micro-units of the tenant's currency (1 USD =
 * 1,000,000); token counts are int64.  The ledger is append-only and
 * double-entry: a transaction's entries sum to zero, and the balance
 * cached on an account is updated in the same database transaction as
 * its entries (store_money_reconcile() recomputes and compares).  Writes
 * that carry an idempotency key answer EALREADY (with the first id) when
 * the key was used with the same request hash and EEXIST when it was
 * used with another one.  A debit marked `covered` and every hold on the
 * balance are refused with ENOSPC when the account's available funds
 * (balance - open holds + credit limit, if the tenant allows credit)
 * would fall below zero: check and write are one database transaction.
 */

enum {
	STORE_CUR_LEN = 3,         /**< ISO 4217 code                     */
	STORE_DIGITS_MAX = 16,     /**< E.164 digits (at most 15) + NUL    */
	STORE_KIND_MAX = 16,
	STORE_REF_MAX = 64,        /**< call, leg or conference reference  */
	STORE_MEMO_MAX = 128,
	STORE_SERVICE_MAX = 32,
};

/** Money settings of a tenant (no row: defaults of src/money/) */
struct store_money_tenant {
	char tenant_id[CB_ID_LEN + 1];
	char currency[STORE_CUR_LEN + 1];
	uint32_t tax_ppm;          /**< tax rate, parts per million       */
	int64_t conf_min;          /**< minimum charge per conference     */
	bool allow_credit;         /**< accounts may use a credit limit   */
	uint8_t overcapture;       /**< enum money_over (cb_money.h)      */
	uint8_t limit_policy;      /**< enum money_limit (cb_money.h)     */
	uint32_t typical_s;        /**< typical length, hold estimates    */
	int64_t hold_min, hold_max;/**< bounds of an estimated hold       */
};

/** One row of a tenant's rate table */
struct store_rate {
	char prefix[STORE_DIGITS_MAX];  /**< E.164 digits, no '+'         */
	char name[STORE_NAME_MAX];
	int64_t per_min;                /**< price per minute              */
	int64_t connect_fee;            /**< per answered leg              */
	int64_t min_charge;             /**< per answered leg              */
	uint32_t first_s, next_s;       /**< billing increments, seconds   */
};

struct store_account {
	char id[CB_ID_LEN + 1];
	char tenant_id[CB_ID_LEN + 1];
	char kind[STORE_KIND_MAX];      /**< customer, business, revenue…  */
	char name[STORE_NAME_MAX];      /**< unique per tenant             */
	char currency[STORE_CUR_LEN + 1];
	int64_t credit_limit;           /**< >= 0                          */
	int64_t balance;                /**< sum of its entries            */
	int64_t held;                   /**< open holds on the balance     */
	uint64_t created_ms;
};

struct store_entry {
	char account_id[CB_ID_LEN + 1];
	int64_t amount;                 /**< + credit, - debit             */
	bool covered;                   /**< must fit the available funds  */
};

struct store_txn {
	char id[CB_ID_LEN + 1];         /**< on EALREADY: the first one's  */
	char tenant_id[CB_ID_LEN + 1];
	char kind[STORE_KIND_MAX];      /**< topup, capture, credit, …     */
	char ref[STORE_REF_MAX];
	char memo[STORE_MEMO_MAX];
	char idem_key[STORE_IDEM_KEY_MAX];  /**< empty: none              */
	uint8_t req_hash[STORE_HASH_LEN];
	uint64_t created_ms;
	const struct store_entry *entryv;   /**< borrowed                 */
	size_t entryc;
	bool durable;                   /**< fsync at commit (see docs)    */
};

/** One entry of an account statement, with the balance after it */
struct store_stmt_line {
	uint64_t seq;
	char txn_id[CB_ID_LEN + 1];
	char kind[STORE_KIND_MAX];
	char ref[STORE_REF_MAX];
	char memo[STORE_MEMO_MAX];
	int64_t amount, balance;
	uint64_t created_ms;
};

/** A pre-authorization; state 0 open, 1 captured, 2 released */
struct store_hold {
	char id[CB_ID_LEN + 1];         /**< on EALREADY: the first one's  */
	char tenant_id[CB_ID_LEN + 1];
	char account_id[CB_ID_LEN + 1];
	char method_id[CB_ID_LEN + 1];  /**< card; empty: on the balance   */
	char ref[STORE_REF_MAX];
	char idem_key[STORE_IDEM_KEY_MAX];
	uint8_t req_hash[STORE_HASH_LEN];
	int64_t amount;                 /**< authorized so far             */
	int64_t metered;                /**< last persisted running cost   */
	int64_t captured;
	uint8_t state;
	char txn_id[CB_ID_LEN + 1];     /**< the capture                   */
	uint64_t created_ms, updated_ms;
};

/** A payment method: a card is kept as last 4 digits and a token */
struct store_method {
	char id[CB_ID_LEN + 1];
	char tenant_id[CB_ID_LEN + 1];
	char account_id[CB_ID_LEN + 1];
	char provider[STORE_KIND_MAX];
	char brand[STORE_KIND_MAX];
	char last4[5];
	uint8_t exp_month;
	uint16_t exp_year;
	char token[48];
	uint64_t created_ms;
};

/** A paid service whose use is counted in tokens */
struct store_token_service {
	char tenant_id[CB_ID_LEN + 1];
	char service[STORE_SERVICE_MAX];
	bool per_minute;                /**< else one token per session    */
	int64_t price;                  /**< what one missing token costs  */
};

/** Change of one token balance; expect: balance the decision read */
struct store_token_move {
	char account_id[CB_ID_LEN + 1];
	int64_t delta;
	int64_t expect;
};

/** Token moves applied together (EAGAIN: a balance moved meanwhile) */
struct store_token_op {
	char id[CB_ID_LEN + 1];
	char tenant_id[CB_ID_LEN + 1];
	char service[STORE_SERVICE_MAX];
	char ref[STORE_REF_MAX];
	char idem_key[STORE_IDEM_KEY_MAX];
	uint8_t req_hash[STORE_HASH_LEN];
	const struct store_token_move *movev;   /**< borrowed */
	size_t movec;
	struct store_txn *txn;          /**< money for missing tokens      */
	uint64_t created_ms;
};

/** A trouble-report credit: at most one per leg (EALREADY) */
struct store_credit {
	char tenant_id[CB_ID_LEN + 1];
	char leg_id[STORE_REF_MAX];
	char account_id[CB_ID_LEN + 1];
	char reason[STORE_KIND_MAX];
	int64_t amount;
	char txn_id[CB_ID_LEN + 1];
	uint64_t created_ms;
};

/** What reconcile recomputed; every bad_* must be 0 */
struct store_money_recon {
	uint64_t accounts, txns, entries, holds_open, token_balances;
	uint64_t bad_txns;        /**< entries do not sum to zero         */
	uint64_t bad_balances;    /**< cached balance != sum of entries   */
	uint64_t bad_tokens;      /**< token balance != sum of its moves  */
	uint64_t bad_holds;       /**< captured without its transaction   */
	int64_t total;            /**< sum of every entry: 0              */
	char first_bad[CB_ID_LEN + 1];
};

typedef bool (store_rate_h)(const struct store_rate *r, void *arg);
typedef bool (store_account_h)(const struct store_account *a, void *arg);
typedef bool (store_stmt_h)(const struct store_stmt_line *l, void *arg);
typedef bool (store_hold_h)(const struct store_hold *h, void *arg);
typedef bool (store_method_h)(const struct store_method *m, void *arg);
typedef bool (store_token_h)(const char *service, int64_t tokens,
			      void *arg);

int  store_money_tenant_get(struct store *st, struct store_money_tenant *mt,
			    const char *tenant_id);
int  store_money_tenant_put(struct store *st,
			    const struct store_money_tenant *mt);
int  store_money_rates_replace(struct store *st, const char *tenant_id,
			       const struct store_rate *v, size_t n);
int  store_money_rate_find(struct store *st, struct store_rate *r,
			   const char *tenant_id, const char *digits);
int  store_money_rate_list(struct store *st, const char *tenant_id,
			   store_rate_h *h, void *arg);
int  store_money_account_create(struct store *st,
				const struct store_account *a);
int  store_money_account_get(struct store *st, struct store_account *a,
			     const char *tenant_id, const char *id_or_name);
int  store_money_account_list(struct store *st, const char *tenant_id,
			      store_account_h *h, void *arg);
int  store_money_txn_post(struct store *st, struct store_txn *t);
int  store_money_statement(struct store *st, const char *account_id,
			   uint64_t after_seq, uint32_t limit,
			   store_stmt_h *h, void *arg);
int  store_money_hold_open(struct store *st, struct store_hold *h);
int  store_money_hold_extend(struct store *st, const char *id, int64_t add,
			     uint64_t now_ms);
int  store_money_hold_meter(struct store *st, const char *id,
			    int64_t metered, uint64_t now_ms);
int  store_money_hold_settle(struct store *st, const char *id,
			     int64_t captured, struct store_txn *t,
			     uint64_t now_ms);
int  store_money_hold_get(struct store *st, struct store_hold *h,
			  const char *id);
int  store_money_hold_list_open(struct store *st, const char *tenant_id,
				store_hold_h *h, void *arg);
int  store_money_method_create(struct store *st,
			       const struct store_method *m);
int  store_money_method_get(struct store *st, struct store_method *m,
			    const char *id);
int  store_money_method_list(struct store *st, const char *account_id,
			     store_method_h *h, void *arg);
int  store_money_token_service_put(struct store *st,
				   const struct store_token_service *s);
int  store_money_token_service_get(struct store *st,
				   struct store_token_service *s,
				   const char *tenant_id, const char *service);
int  store_money_token_get(struct store *st, const char *account_id,
			   const char *service, int64_t *np);
int  store_money_token_list(struct store *st, const char *account_id,
			    store_token_h *h, void *arg);
int  store_money_token_apply(struct store *st, struct store_token_op *op);
int  store_money_credit_put(struct store *st, const struct store_credit *c,
			    struct store_txn *t);
int  store_money_credit_get(struct store *st, struct store_credit *c,
			    const char *tenant_id, const char *leg_id);
int  store_money_reconcile(struct store *st, const char *tenant_id,
			   struct store_money_recon *r);


/* ---- call detail records, charge summaries, metering (docs/money.md) ---
 *
 * Written by the meter (src/meter/): a CDR per leg of a billed call (an
 * `open` row when a rated leg answers, the final row when its call
 * ends), one charge row per hold of the call (what the payer was
 * charged, as seed 004's FIG. 6 shows it), and the running cost of open
 * holds, persisted in batches so that a crash loses at most one batch.
 */

enum store_cdr_state {
	STORE_CDR_OPEN = 0,        /**< answered, being metered           */
	STORE_CDR_FINAL,           /**< the call ended and was settled    */
	STORE_CDR_RECOVERED,       /**< settled after a restart           */
};

/** One leg of a billed call */
struct store_cdr {
	uint64_t seq;                   /**< set by the store: cursor      */
	char leg_id[CB_ID_LEN + 1];
	char call_id[CB_ID_LEN + 1];
	char tenant_id[CB_ID_LEN + 1];
	uint32_t idx;                   /**< order of the leg in its call  */
	char peer[160];                 /**< number (E.164) or URI dialed  */
	char payer[STORE_KIND_MAX];     /**< caller, callee, account       */
	char account_id[CB_ID_LEN + 1]; /**< who pays this leg             */
	char hold_id[CB_ID_LEN + 1];
	bool rated;                     /**< false: not a number, free     */
	struct store_rate rate;         /**< as it was when the call began */
	uint64_t created_ms, answered_ms, ended_ms;
	char cause[24];
	uint64_t duration_ms;           /**< answered to ended             */
	uint64_t billed_s;              /**< after increments              */
	int64_t cost;
	uint8_t state;                  /**< enum store_cdr_state          */
	char trouble[STORE_KIND_MAX];   /**< reported trouble, "" = none   */
	int64_t credited;               /**< read only: its credit         */
};

/** What one hold of a call charged (a call has one per paying account) */
struct store_charge {
	char hold_id[CB_ID_LEN + 1];
	char call_id[CB_ID_LEN + 1];
	char tenant_id[CB_ID_LEN + 1];
	char account_id[CB_ID_LEN + 1];
	char payer[STORE_KIND_MAX];
	char currency[STORE_CUR_LEN + 1];
	int64_t authorized;             /**< the hold, extensions included */
	int64_t subtotal, min_adjust, rounding, net, tax, total;
	int64_t charged, written_off;   /**< what the capture did          */
	char txn_id[CB_ID_LEN + 1];     /**< the capture ("" if released)  */
	uint8_t state;                  /**< enum store_cdr_state          */
	uint64_t created_ms;
};

/** The running cost of an open hold, as last metered */
struct store_meter_point {
	char hold_id[CB_ID_LEN + 1];
	int64_t metered;
};

typedef bool (store_cdr_h)(const struct store_cdr *c, void *arg);
typedef bool (store_charge_h)(const struct store_charge *c, void *arg);

int  store_meter_persist(struct store *st,
			 const struct store_meter_point *v, size_t n,
			 uint64_t now_ms);
/* tenant_id "" below: any tenant's (an admin's view) */
/* insert or replace, all rows in one transaction */
int  store_cdr_put(struct store *st, const struct store_cdr *v, size_t n);
int  store_cdr_get(struct store *st, struct store_cdr *c,
		   const char *tenant_id, const char *leg_id);
/* a call's rows in leg order; a hold's rows (call_id NULL) */
int  store_cdr_list_call(struct store *st, const char *tenant_id,
			 const char *call_id, store_cdr_h *h, void *arg);
int  store_cdr_list_hold(struct store *st, const char *hold_id,
			 store_cdr_h *h, void *arg);
/* a tenant's rows with seq > after_seq, at most limit, by seq */
int  store_cdr_list(struct store *st, const char *tenant_id,
		    uint64_t after_seq, uint32_t limit, store_cdr_h *h,
		    void *arg);
int  store_cdr_trouble_set(struct store *st, const char *tenant_id,
			   const char *leg_id, const char *kind);
int  store_charge_put(struct store *st, const struct store_charge *v,
		      size_t n);
int  store_charge_list_call(struct store *st, const char *tenant_id,
			    const char *call_id, store_charge_h *h,
			    void *arg);


/* ---- web callbacks (src/api/callbacks.c) ---------------------------- */

enum {
	STORE_CB_ARG_MAX = 4100,  /**< a spoken text (UTF-8), a prompt or a
				       destination, NUL included          */
	STORE_CB_BILLING_MAX = 2 * STORE_NAME_MAX + 80,  /**< its text form */
};

/** One callback request and where it stands */
struct store_callback {
	char id[CB_ID_LEN + 1];
	char tenant_id[CB_ID_LEN + 1];
	char client[80];          /**< number, account:ID or user:ID   */
	char to[64];              /**< the number called               */
	char service[8];          /**< play, say or bridge             */
	char arg[STORE_CB_ARG_MAX];
	char voice[48];
	char status_callback[STORE_URL_MAX];
	char state[16];           /**< scheduled ... completed         */
	char call_id[CB_ID_LEN + 1];  /**< "" until placed             */
	char billing[STORE_CB_BILLING_MAX];  /**< who pays, callbacks.c's
					       text form; "" = unbilled */
	char cause[24];           /**< why it failed unplaced, or ""   */
	uint32_t ring_timeout_s;  /**< 0 = the default                 */
	uint64_t due_ms, created_ms, updated_ms;
	uint32_t ver;             /**< a put only replaces a lower ver */
};

typedef bool (store_callback_h)(const struct store_callback *c, void *arg);

int  store_callback_put(struct store *st, const struct store_callback *c);
int  store_callback_list(struct store *st, store_callback_h *h, void *arg);
/* the number to call back a client (account:ID, user:ID) at */
int  store_client_number_put(struct store *st, const char *tenant_id,
			    const char *client, const char *number,
			    uint64_t now_ms);
int  store_client_number_get(struct store *st, const char *tenant_id,
			    const char *client, char *number, size_t sz);


/* ---- contact centre (src/cc/, src/api/cc_*.c; docs/acd.md) ---------- */

enum {
	STORE_CC_TEXT_MAX = 513,   /**< announcement, note, page title     */
	STORE_CC_LIST_MAX = 1025,  /**< origins, hours, skills             */
};

/** A tenant as a business taking customer calls (one row per tenant) */
struct store_cc_business {
	char tenant_id[CB_ID_LEN + 1];
	char name[81];               /**< spoken: "Acme Cruises"          */
	char announcement[STORE_CC_TEXT_MAX]; /**< "{business}" replaced */
	char origins[STORE_CC_LIST_MAX]; /**< "https://a.example ..."     */
	char hours[STORE_CC_LIST_MAX];   /**< "" always open, else
					      "mon-fri 09:00-17:00;sat ..."
					      in UTC                        */
	char hold_prompt[128];       /**< file of media.prompt_dir, ""    */
	uint32_t ring_s;             /**< an agent rings this long        */
	uint32_t fallback_s;         /**< then any agent, whatever skill  */
	uint32_t wrap_s;             /**< wrap-up after a call            */
	uint32_t max_noanswer;       /**< ring-outs in a row -> break     */
	uint32_t position_s;         /**< queue position spoken every; 0 off */
	char billing_account[CB_ID_LEN + 1]; /**< pays both legs; "" none */
	uint64_t updated_ms;
};

/** An agent of a business: a registered user or any number */
struct store_cc_agent {
	char id[CB_ID_LEN + 1];
	char tenant_id[CB_ID_LEN + 1];
	char name[81];
	char endpoint[129];          /**< registered user, E.164 or sip:  */
	char user_id[CB_ID_LEN + 1]; /**< console login (role agent), ""  */
	char skills[STORE_CC_LIST_MAX]; /**< "cruises:7,flights:3"        */
	uint64_t created_ms, updated_ms;
};

/** A customer's call request, from the widget or the business server */
struct store_cc_request {
	char id[CB_ID_LEN + 1];
	char tenant_id[CB_ID_LEN + 1];
	char source[8];              /**< widget or api                   */
	char token_hash[65];         /**< hex BLAKE2b-256 of the widget's
					  progress token; "" for api     */
	char customer[64];           /**< E.164 number called             */
	char customer_name[81];
	char page_url[STORE_URL_MAX];
	char page_title[STORE_CC_TEXT_MAX];
	char note[STORE_CC_TEXT_MAX];
	char skill[36];              /**< "name" or "name:level"          */
	char agent_hint[CB_ID_LEN + 1]; /**< an agent id, or ""           */
	char status[20];             /**< scheduled ... completed         */
	char cause[24];              /**< of the end, "" until then       */
	char agent_id[CB_ID_LEN + 1];/**< who took it, "" until then      */
	char call_id[CB_ID_LEN + 1];
	char wrap_notes[STORE_CC_TEXT_MAX];
	uint64_t due_ms, created_ms, answered_ms, connected_ms, ended_ms;
	uint64_t wait_ms;            /**< answered -> agent connected     */
	uint64_t updated_ms;
	uint32_t ver;                /**< a put only replaces a lower ver */
};

typedef bool (store_cc_business_h)(const struct store_cc_business *b,
				   void *arg);
typedef bool (store_cc_agent_h)(const struct store_cc_agent *a, void *arg);
typedef bool (store_cc_request_h)(const struct store_cc_request *r,
				  void *arg);

int  store_cc_business_put(struct store *st,
			   const struct store_cc_business *b);
int  store_cc_business_get(struct store *st, const char *tenant_id,
			   struct store_cc_business *b);
int  store_cc_business_list(struct store *st, store_cc_business_h *h,
			    void *arg);
int  store_cc_agent_put(struct store *st, const struct store_cc_agent *a);
int  store_cc_agent_get(struct store *st, const char *tenant_id,
			const char *id, struct store_cc_agent *a);
int  store_cc_agent_delete(struct store *st, const char *tenant_id,
			   const char *id);
/* tenant_id NULL: every tenant's */
int  store_cc_agent_list(struct store *st, const char *tenant_id,
			 store_cc_agent_h *h, void *arg);
int  store_cc_request_put(struct store *st,
			  const struct store_cc_request *r);
int  store_cc_request_get(struct store *st, const char *tenant_id,
			  const char *id, struct store_cc_request *r);
/* newest first; agent_id NULL: all of the tenant; since_ms: created at
 * or after; at most `limit` rows */
int  store_cc_request_list(struct store *st, const char *tenant_id,
			   const char *agent_id, uint64_t since_ms,
			   uint32_t limit, store_cc_request_h *h, void *arg);

/** A tenant's policy for calls its customers ask for */
struct store_dial_policy {
	char tenant_id[CB_ID_LEN + 1];
	char blocked_prefixes[STORE_CC_LIST_MAX]; /**< "+1900 +1976 ..."  */
	bool number_id;              /**< a bare number identifies a client */
	uint32_t per_number_hour;    /**< requests per number per hour; 0 off */
	uint64_t updated_ms;
};

typedef bool (store_dial_policy_h)(const struct store_dial_policy *p,
				   void *arg);

int  store_dial_policy_put(struct store *st,
			   const struct store_dial_policy *p);
int  store_dial_policy_list(struct store *st, store_dial_policy_h *h,
			    void *arg);
