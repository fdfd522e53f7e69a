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

/** Route flags */
enum {
	API_AUTH   = 0,          /**< credentials required (401 without) */
	API_PUBLIC = 1 << 0,     /**< no credentials needed              */
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

int  api_body_decode(struct odict **odp, const char *p, size_t len);

/* routes.c */
int  api_route_match(struct api_req *req, api_route_h **hp,
		     unsigned *flagsp);
int  api_route_lookup(const struct pl *met, const struct pl *path);

/* calls.c */
void api_calls_list(struct api_req *req);
void api_calls_create(struct api_req *req);
void api_calls_get(struct api_req *req);
void api_calls_delete(struct api_req *req);
void api_leg_dtmf(struct api_req *req);
void api_leg_play(struct api_req *req);
void api_leg_hold(struct api_req *req);
void api_health(struct api_req *req);
void api_metrics(struct api_req *req);

/* login.c: /v1/auth/login, /v1/auth/logout, /v1/me */
void api_auth_login(struct api_req *req);
void api_auth_logout(struct api_req *req);
void api_me(struct api_req *req);

/* static.c: the web console's files, GET / and GET /web/NAME */
void api_static_index(struct api_req *req);
void api_static_file(struct api_req *req);
bool api_static_name_ok(const char *name);
const char *api_static_mime(const char *name);

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
int  orig_init(void);
void orig_close(void);
int  orig_start(struct call **callp, const struct leg_dial *dial,
		const char *bridge_to, const char *play, bool hangup_after,
		const char *status_callback, const char *tenant);

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
