/**
 * @file api/api.h  HTTP API internals (shared by src/api/ only)
 */

#define CB_LOG_SUB CB_SUB_API
#include "cb_core.h"
#include "cb_call.h"
#include "cb_api.h"
#include "cb_store.h"
#include "cb_auth.h"

enum { API_MAX_BODY = 64 * 1024, API_MAX_PARAMS = 3 };

/**
 * Route flags.  A route with credentials also says which roles may use
 * it (403 forbidden for the others): API_ROLE(r) is the bit of role r.
 * A route that names no role admits admin and operator (API_MANAGERS).
 */
enum {
	API_AUTH   = 0,          /**< credentials required (401 without) */
	API_PUBLIC = 1 << 0,     /**< no credentials needed              */
	API_CSV_BODY = 1 << 1,   /**< takes a text/csv body as it is     */
	API_ROLE_SHIFT = 8,
	API_ADMINS   = 1 << (API_ROLE_SHIFT + CB_ROLE_ADMIN),
	API_MANAGERS = API_ADMINS |
		       1 << (API_ROLE_SHIFT + CB_ROLE_OPERATOR),
	API_ANY_ROLE = API_MANAGERS |
		       1 << (API_ROLE_SHIFT + CB_ROLE_AGENT) |
		       1 << (API_ROLE_SHIFT + CB_ROLE_CUSTOMER),
	API_CUSTOMERS = 1 << (API_ROLE_SHIFT + CB_ROLE_CUSTOMER),
	API_AGENTS = 1 << (API_ROLE_SHIFT + CB_ROLE_AGENT),
};

struct api_idem;

/**
 * One request.  A mem object: authentication and idempotency look-ups
 * run on store workers, so a request outlives the libre callback that
 * brought it (it holds refs on the connection and the message).
 * Handlers run on the re_main thread and reply exactly once.
 */
struct api_req {
	struct http_conn *conn;             /* mem_ref'd */
	const struct http_msg *msg;         /* mem_ref'd */
	struct odict *body;                 /* JSON object or NULL */
	char param[API_MAX_PARAMS][48];     /* {id} parts of the path */
	struct cb_principal who;            /* set unless API_PUBLIC */
	const char *hdrs;                   /* extra header lines, or NULL */
	struct api_idem *idem;              /* records the first reply */
	bool replied;
};

typedef void (api_route_h)(struct api_req *req);

/* server.c */
const struct cb_config *api_config(void);
void api_reply_json(struct api_req *req, uint16_t scode,
		    const char *fmt, ...);
void api_error(struct api_req *req, uint16_t scode, const char *code,
	       const char *field, const char *message);
void api_dispatch(struct api_req *req);
bool api_owns(const struct api_req *req, const struct call *call);
bool api_tls(void);
void api_refuse(struct http_conn *conn, uint16_t scode, const char *code,
		const char *message, bool close);
enum { API_ADDR_KEY_MAX = 9 };
size_t api_addr_key(uint8_t *key, const struct sa *peer);

/* body.c: a body is one JSON object of valid UTF-8 text */
int  api_body_check(const char *p, size_t len);
const char *api_body_error(int err);
int  api_body_decode(struct odict **odp, const char *p, size_t len);
size_t api_utf8_len(const uint8_t *p, size_t n);

/* rfc3339.c: RFC 3339 times of requests into ms since the epoch */
int  api_time_parse(uint64_t *msp, const char *s);
/* routes.c */
int  api_route_match(struct api_req *req, api_route_h **hp,
		     unsigned *flagsp);
int  api_route_lookup(const struct pl *met, const struct pl *path);
bool api_route_allows(unsigned flags, enum cb_role role);

/* calls.c */
void api_calls_list(struct api_req *req);
void api_calls_create(struct api_req *req);
void api_calls_get(struct api_req *req);
void api_calls_delete(struct api_req *req);
void api_leg_dtmf(struct api_req *req);
void api_leg_play(struct api_req *req);
void api_leg_hold(struct api_req *req);

/* charges.c: what billed calls cost (src/meter/, docs/money.md) */
void api_call_charges(struct api_req *req);
void api_call_billing_confirm(struct api_req *req);
void api_leg_trouble(struct api_req *req);
void api_cdrs_list(struct api_req *req);
void api_health(struct api_req *req);

/* login.c: /v1/auth/login, /v1/auth/logout, /v1/me */
void api_auth_login(struct api_req *req);
void api_auth_logout(struct api_req *req);
void api_me(struct api_req *req);

/* static.c: the web console's files, GET / and GET /web/NAME */
void api_static_index(struct api_req *req);
void api_static_file(struct api_req *req);
bool api_static_name_ok(const char *name);
const char *api_static_mime(const char *name);

/* account.c: what the account routes share (tenants, users, keys) */
bool api_field_str(struct api_req *req, const char *key, char *out,
		   size_t sz, bool required);
bool api_is_admin(const struct api_req *req);
bool api_sees_tenant(const struct api_req *req, const char *tenant_id);
int  api_store_submit(struct api_req *req, void *job, store_work_h *work,
		      store_done_h *done);
void api_store_error(struct api_req *req, int err);
void api_reply_list(struct api_req *req, struct mbuf *mb);
void api_idem_redact(struct api_req *req, uint16_t scode,
		     const char *fmt, ...);
bool api_need_body(struct api_req *req, const char *msg);
bool api_field_bad(struct api_req *req, const char *field, const char *msg);
bool api_body_known(struct api_req *req, const char *const *known,
		    size_t n, const char *msg);

/*
 * An account route's job starts with struct api_job: the caller as the
 * worker needs it, the path's id, a list built on the worker.
 */
struct api_job;
typedef void (api_job_dtor_h)(struct api_job *j);

struct api_job {
	struct api_req *req;              /* mem_ref'd */
	api_job_dtor_h *dtor;             /* wipes the route's own fields */
	bool admin;                       /* the caller is an admin */
	char own[CB_ID_LEN + 1];          /* the caller's tenant */
	char id[CB_ID_LEN + 1];           /* of the path (api_job_path_id) */
	const char *list;                 /* a list's member: "keys" */
	store_work_h *items;              /* prints a list's items */
	struct mbuf *mb;                  /* a list, built on the worker */
	uint32_t n;                       /* items in it */
};

void *api_job_alloc(struct api_req *req, size_t size, api_job_dtor_h *dtor);
bool api_job_path_id(struct api_job *j, const char *missing);
const char *api_job_scope(const struct api_job *j);
bool api_job_sees(const struct api_job *j, const char *tenant_id);
int  api_job_tenant(const struct api_job *j, struct store *st,
		    struct store_tenant *t, const char *want);
void api_job_tenant_error(struct api_req *req, int err,
			  const char *forbidden);
bool api_job_item(struct api_job *j, const char *fmt, ...);
void api_job_list(struct api_req *req, const char *member,
		  store_work_h *items);

/* tenants.c: /v1/tenants (admins) */
void api_tenants_list(struct api_req *req);
void api_tenants_create(struct api_req *req);
void api_tenants_get(struct api_req *req);
void api_tenants_update(struct api_req *req);

/* users.c: /v1/users */
void api_users_list(struct api_req *req);
void api_users_create(struct api_req *req);
void api_users_delete(struct api_req *req);

/* keys.c: /v1/keys */
void api_keys_list(struct api_req *req);
void api_keys_create(struct api_req *req);
void api_keys_delete(struct api_req *req);

/*
 * money_common.c: what the money routes share (docs/money.md).  A route
 * embeds struct money_job first in its own job; the worker builds the
 * whole reply in it (or says why not) and one completion answers.
 */
enum { API_ECURRENCY = EXDEV };  /**< worker: not the account's currency */

struct money_job;
typedef void (money_job_dtor_h)(struct money_job *j);

struct money_job {
	struct api_req *req;              /* mem_ref'd */
	const char *what;                 /* "account": "no such account" */
	money_job_dtor_h *dtor;           /* wipes the route's own fields */
	char tenant[CB_ID_LEN + 1];       /* the caller's: every route's */
	char key[STORE_IDEM_KEY_MAX];     /* Idempotency-Key of a POST, "" */
	char cur[STORE_CUR_LEN + 1];      /* "currency" of the body, or "" */
	struct store_money_tenant mt;     /* the tenant's settings (worker) */
	uint16_t status;                  /* of the reply in mb            */
	const char *ctype;                /* NULL: JSON, else mb's type    */
	struct mbuf *mb;                  /* the reply, built on the worker */
	unsigned items;                   /* of a list, printed so far     */
	int item_err;                     /* of printing them              */
	struct {
		uint16_t status;          /* 0: map the work's errno       */
		const char *code;         /* a static string               */
		char field[48];           /* "": none                      */
		char msg[1024];
	} fail;
};

/** An amount as JSON: "12.50", the currency's digits at least */
struct api_amount {
	int64_t v;
	const char *cur;
};

void *api_money_job(struct api_req *req, size_t size, const char *what);
int  api_money_submit(void *job, store_work_h *work);
int  api_money_reply(struct money_job *j, uint16_t status,
		     const char *fmt, ...);
int  api_money_fail(struct money_job *j, uint16_t status, const char *code,
		    const char *field, const char *fmt, ...);
int  api_money_load(struct money_job *j, struct store *st);
int  api_money_account(struct money_job *j, struct store *st,
		       struct store_account *a, const char *id);
int  api_money_payable(struct money_job *j, struct store *st,
		       struct store_account *a, const char *id,
		       const char *field, const char *msg);
int  api_money_posted(struct money_job *j, int err, bool *replay);
bool api_money_item(struct money_job *j, const char *fmt, ...);
int  api_money_list_end(struct money_job *j, int err);
bool api_money_amount(struct api_req *req, const char *key, int64_t *vp,
		      bool required, bool zero_ok);
bool api_money_currency(struct api_req *req, struct money_job *j);
bool api_money_id(struct api_req *req, const char *key, char *out,
		  size_t sz, bool required);
int  api_query_get(const struct api_req *req, const char *name,
		   unsigned nth, char *out, size_t sz);
int  api_json_amount(struct re_printf *pf, const struct api_amount *a);

/* money_rates.c: /v1/rates, /v1/rates/quote */
void api_rates_put(struct api_req *req);
void api_rates_get(struct api_req *req);
void api_rates_quote(struct api_req *req);

/* money_tenant.c: /v1/money/settings, /v1/money/reconcile */
void api_money_settings_get(struct api_req *req);
void api_money_settings_patch(struct api_req *req);
void api_money_reconcile(struct api_req *req);

/* money_accounts.c: /v1/accounts */
struct api_account {
	const struct store_account *a;
	const struct store_money_tenant *mt;
};
int  api_json_account(struct re_printf *pf, const struct api_account *v);
void api_accounts_create(struct api_req *req);
void api_accounts_list(struct api_req *req);
void api_accounts_get(struct api_req *req);

/* money_ledger.c: money in, and the record of it */
void api_accounts_topup(struct api_req *req);
void api_accounts_statement(struct api_req *req);

/* money_cards.c: payment methods (the test card provider) */
void api_cards_add(struct api_req *req);
void api_cards_list(struct api_req *req);

/* money_holds.c: /v1/holds */
void api_holds_create(struct api_req *req);
void api_holds_get(struct api_req *req);
void api_holds_capture(struct api_req *req);
void api_holds_release(struct api_req *req);

/* money_tokens.c: usage tokens */
void api_token_service_put(struct api_req *req);
void api_tokens_grant(struct api_req *req);
void api_tokens_list(struct api_req *req);

/* metrics.c: GET /metrics, and the counters no other file keeps */
enum metrics_webhook {
	METRICS_WEBHOOK_DELIVERED = 0,  /**< a 2xx answered the attempt   */
	METRICS_WEBHOOK_RETRIED,        /**< failed, will be retried      */
	METRICS_WEBHOOK_FAILED,         /**< failed for good, given up    */
	METRICS_WEBHOOK_MAX
};
void api_metrics(struct api_req *req);
int  metrics_init(void);
void metrics_close(void);
void metrics_http_count(uint16_t scode);
void metrics_webhook_count(enum metrics_webhook result);

/* ready.c: /readyz */
void api_ready(struct api_req *req);

/* idem.c: Idempotency-Key on POST */
void api_idem_begin(struct api_req *req);
void api_idem_record(struct api_req *req, uint16_t scode,
		     const uint8_t *body, size_t len);

/* record.c: finished calls to the store */
int  record_init(void);
void record_close(void);

/* originate.c */
struct leg_dial;
/*
 * dialpolicy.c: a tenant's policy for calls its customers ask for
 * (callbacks, click-to-call): blocked destination prefixes (premium
 * numbers), whether a bare number identifies a client, and requests per
 * number per hour.  Kept in memory, loaded at start.
 */
int  dialpolicy_init(void);
void dialpolicy_close(void);
/* 0: allowed (and counted); EPERM: blocked destination; EAGAIN: the
 * number asked too often (retry_s set) */
int  dialpolicy_check(const char *tenant, const char *number,
		      uint32_t *retry_s);
bool dialpolicy_number_id(const char *tenant);
/* a blocked destination prefix of the tenant (nothing counted) */
bool dialpolicy_blocked(const char *tenant, const char *number);
void api_dial_policy_get(struct api_req *req);
void api_dial_policy_put(struct api_req *req);
/* cc_admin.c: business settings, live status (managers) */
bool api_cc_tenant_query(struct api_req *req, char *out, size_t sz);
void api_cc_business_get(struct api_req *req);
void api_cc_business_put(struct api_req *req);
void api_cc_status(struct api_req *req);
/* cc_agents.c: a business's agents (managers) */
void api_cc_agents_list(struct api_req *req);
void api_cc_agents_create(struct api_req *req);
void api_cc_agents_get(struct api_req *req);
void api_cc_agents_update(struct api_req *req);
void api_cc_agents_delete(struct api_req *req);
/* cc_hours.c: business hours "mon-fri 09:00-17:00;sat 10:00-14:00" in
 * UTC, "" always open (pure) */
enum { CC_HOURS_MAX = 14 };   /**< spans of one business */
struct cc_hours_span {
	uint8_t d0, d1;           /**< first and last day, 0 = Monday */
	uint16_t open, close;     /**< minutes of the day, open < close */
};
bool cc_hours_open(const char *hours, uint64_t unix_ms);
int  cc_hours_parse(const char *hours, struct cc_hours_span *v,
		    size_t *np);
int  cc_hours_days(const char *s, uint8_t *d0, uint8_t *d1);
int  cc_hours_time(const char *s, uint16_t *min, bool end);
const char *cc_hours_day(unsigned d);
int  cc_hours_span_print(struct re_printf *pf,
			 const struct cc_hours_span *sp);
/* cc_requests.c: call requests (managers; path b initiation) */
void api_cc_requests_create(struct api_req *req);
void api_cc_requests_list(struct api_req *req);
void api_cc_requests_get(struct api_req *req);
void api_cc_requests_delete(struct api_req *req);
void api_cc_request_submit(struct api_req *req, const char *tenant,
			   const char *source);

void api_cc_pf(struct re_printf *pf, struct mbuf *mb);
/* conf.c: /v1/conferences (src/conf/, cb_conf.h) */
void api_conf_create(struct api_req *req);
void api_conf_list(struct api_req *req);
void api_conf_get(struct api_req *req);
void api_conf_end(struct api_req *req);
void api_conf_party_add(struct api_req *req);
void api_conf_party_update(struct api_req *req);
void api_conf_party_hangup(struct api_req *req);
void api_conf_rates(struct api_req *req);
void api_conf_runtime_error(struct api_req *req, int err);
bool api_conf_access(struct api_req *req);
void api_conf_reply_view(struct api_req *req, uint16_t scode,
			 const char *id, const char *pid, const char *token);
struct meter_refusal;
void api_conf_refusal(struct api_req *req, const struct meter_refusal *r);
void api_conf_authorize(struct api_req *req);
void api_conf_billing_confirm(struct api_req *req);
void api_conf_summary(struct api_req *req);
void api_conf_trouble(struct api_req *req);
void api_rates_quote_numbers(struct api_req *req, char (*numv)[24],
			     unsigned n);
/* cc_widget.c: the public widget endpoint (CORS, abuse limits) */
int  cc_widget_init(void);
void cc_widget_close(void);
void api_widget_preflight(struct api_req *req);
void api_widget_request(struct api_req *req);
void api_widget_progress(struct api_req *req);
/* cc_agent.c: the agent console's routes (role agent) */
void api_agent_me(struct api_req *req);
void api_agent_status(struct api_req *req);
void api_agent_hangup(struct api_req *req);
void api_agent_wrapup(struct api_req *req);
void api_agent_history(struct api_req *req);
/* callbacks.c: web callbacks, scheduled and placed (after orig_init) */
int  callbacks_init(void);
void callbacks_close(void);
void callbacks_clock_changed(void);
/* debug.c: POST /v1/debug/clock (api.debug_clock; tests) */
void api_debug_clock(struct api_req *req);
void api_callbacks_create(struct api_req *req);
void callbacks_create(struct api_req *req, const char *tenant,
		      bool public);
/* the "Call me" page (public): callme.c, GET one in callbacks.c */
enum { CALLME_TOKEN_LEN = 32 };
void api_callme_items(struct api_req *req);
void api_callme_create(struct api_req *req);
void api_callme_get(struct api_req *req);
void callme_close(void);
void api_callbacks_list(struct api_req *req);
void api_callbacks_get(struct api_req *req);
void api_callbacks_delete(struct api_req *req);
void api_client_numbers_put(struct api_req *req);

int  orig_init(void);
void orig_close(void);
int  orig_start(struct call **callp, const struct leg_dial *dial,
		const char *bridge_to, const char *play, bool hangup_after,
		const char *status_callback, const char *tenant);
struct meter_bill;
int  orig_prepare(struct call **callp, const char *from,
		  const char *bridge_to, const char *play, bool hangup_after,
		  const char *tenant);
int  orig_dial(struct call *call, const struct leg_dial *dial,
	       const char *status_callback, struct meter_bill *bill);
void orig_abort(struct call *call);

/* say.c: {"say", "voice"?} synthesized before a handler goes on */
typedef void (api_said_h)(struct api_req *req, const char *path,
			  bool cached, void *arg);
bool api_say_fields(struct api_req *req, const char **textp,
		    const char **voicep);
void api_say(struct api_req *req, const char *text, const char *voice,
	     api_said_h *h, void *arg);

/* json.c */
int  api_json_call(struct re_printf *pf, const struct call *call);
int  api_json_str(struct re_printf *pf, const char *s);
int  api_json_event(struct re_printf *pf, const struct call_event *ev);
const char *api_outcome_name(enum leg_cause cause);

/* events.c: WebSocket /v1/events */
void api_events(struct api_req *req);
int  events_init(const struct cb_config *cfg);
void events_close(void);
uint32_t events_client_count(void);

/* outbox.c: webhook deliveries not yet acknowledged, in order per key */
struct outbox_item {
	struct le le;
	uint64_t id;                 /**< unique, increasing             */
	char key[CB_ID_LEN + 1];     /**< delivery order is per key (call) */
	char event_id[CB_ID_LEN + 1];
	char *url;
	char *body;                  /**< signed as is                   */
	uint32_t attempts;           /**< failed attempts so far         */
	bool ready;                  /**< persisted (or cannot be): send */
	bool stored;                 /**< the store has a pending copy   */
};

typedef void (outbox_ready_h)(const char *key, void *arg);

int  outbox_init(outbox_ready_h *h, void *arg);

int  outbox_put(const char *key, const char *url, const char *event_id,
		const char *body);
struct outbox_item *outbox_next(const char *key);
int  outbox_ack(uint64_t id);
uint32_t outbox_count(void);
void outbox_flush(void);

/* webhook_sign.c: signature and back-off, pure functions */
enum { WEBHOOK_SIG_LEN = 96 };
int  webhook_sign(char *out, size_t sz, const char *secret, uint64_t t,
		  const char *body, size_t len);
uint32_t webhook_backoff_ms(uint32_t base_ms, uint32_t attempt);

/* webhook.c: per-call status callbacks */
int  webhook_init(const struct cb_config *cfg);
void webhook_close(void);
int  webhook_call_set(const char *call_id, const char *url);
bool webhook_url_valid(const char *url);
int  webhook_tenant_set(const char *tenant_id, const char *url);
/* an event of the tenant, not of a call, to the tenant's URL (ENOENT:
 * none); json: one JSON object whose members are added to the body */
int  webhook_tenant_post(const char *tenant_id, const char *type,
			 const char *json);

/* ratelimit.c: token buckets per key (pure; the clock is given) */
enum { RATELIMIT_KEY_MAX = 40 };
struct ratelimit;
typedef uint64_t (ratelimit_clock_h)(void *arg);   /**< milliseconds */
int  ratelimit_alloc(struct ratelimit **rlp, uint32_t rate, uint32_t burst,
		     uint32_t max, ratelimit_clock_h *clock, void *arg);
uint32_t ratelimit_take(struct ratelimit *rl, const void *key, size_t len);
uint32_t ratelimit_sweep(struct ratelimit *rl);
uint32_t ratelimit_count(const struct ratelimit *rl);

/* frame.c: where the request at the head of a stream ends (pure) */
enum frame_res {
	FRAME_WHOLE = 0,    /**< head and body are here                   */
	FRAME_HEAD,         /**< the head is here, not all of the body    */
	FRAME_MORE,         /**< the head is not complete yet             */
	FRAME_MALFORMED,    /**< not an HTTP request (400)                */
	FRAME_HEAD_LARGE,   /**< request line and headers too long (431)  */
	FRAME_CHUNKED,      /**< Transfer-Encoding (411)                  */
	FRAME_LENGTH,       /**< Content-Length not one number (400)      */
};
struct frame {
	size_t head;        /**< bytes of request line and headers        */
	uint64_t clen;      /**< bytes of body                            */
};
enum frame_res api_frame(struct mbuf *mb, size_t *scanned, size_t head_max,
			 struct frame *f);

/* conn.c: the API's connections: caps, deadlines, one request at once */
struct http_sock;
int  api_conn_init(const struct cb_config *cfg, struct http_sock *sock,
		   bool tls);
void api_conn_close(void);
void api_conn_begin(struct http_conn *conn, const void *req);
void api_conn_done(struct http_conn *conn, const void *req);
uint32_t api_conn_count(void);

/* tls.c: HTTPS listener, verified TLS for webhooks */
int  api_tls_listen(struct http_sock **sockp, const struct sa *laddr,
		    const struct cb_config *cfg, http_req_h *reqh);
int  api_tls_client_ca(struct http_cli *cli, const char *extra_ca);
