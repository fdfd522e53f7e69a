/**
 * @file api/callbacks.h  Web callbacks: what their files share (private)
 *
 * Included only by src/api/callbacks*.c, after api.h and cb_meter.h;
 * api.h keeps the public route handlers.  A callback (struct cbk) lives in the list of callbacks.c,
 * which alone adds, finds and removes it and changes its state (through
 * cbk_set and cbk_end).  The other files work on one callback or one
 * request:
 *
 *   callbacks.c          the state machine, the list, the store, the
 *                        due timer, call events, GET/DELETE, start/stop
 *   callbacks_place.c    placing a due callback (prompt, text, bridge;
 *                        billed ones authorized by the meter first)
 *   callbacks_create.c   POST /v1/callbacks (and /v1/callme's): the
 *                        client resolved and the row stored
 *   callbacks_parse.c    the request body's members, checked
 *   callbacks_billing.c  who pays: billing's members, its stored text
 *   callbacks_json.c     a callback in JSON (API and "Call me" page)
 *   callbacks_numbers.c  PUT /v1/client-numbers
 */

enum cbk_state {
	CBK_SCHEDULED = 0,    /* waits for its time (`at`, or now) */
	CBK_DIALING,          /* marked due; being placed or ringing */
	CBK_IN_PROGRESS,      /* the client answered */
	CBK_COMPLETED,        /* final from here on: answered and ended */
	CBK_BUSY,
	CBK_NO_ANSWER,
	CBK_INVALID_NUMBER,
	CBK_FAILED,
	CBK_CANCELED,         /* DELETE while scheduled, or canceled call */
	CBK_STATE_MAX
};

/* who pays a billed callback: role A (the client's leg), B (bridge_to) */
struct cbk_bill {
	bool on;
	int limit;                    /* enum money_limit, -1: tenant's */
	char account[METER_ROLE_MAX][STORE_NAME_MAX];  /* ids once known */
	enum meter_payer payer[METER_ROLE_MAX];
};

struct cbk {
	struct le le;                 /* in cbks (callbacks.c) */
	struct store_callback row;    /* the stored form; state is a name */
	enum cbk_state state;
	bool answered;
	enum leg_cause cause;         /* of the first leg that ended */
	struct tts_req *tts;          /* owned, while `say` is synthesized */
	struct cbk_bill bill;         /* row.billing's parsed form */
	struct api_req *req;          /* a billed POST due now: answered
					 once authorized (mem_ref'd) */
	char auth_call[CB_ID_LEN + 1];   /* the call being authorized */
	char numv[METER_ROLE_MAX][24];   /* E.164 for the meter's spec */
	char token[CALLME_TOKEN_LEN + 1];   /* "Call me" page's; "" if none */
};

enum client_kind {
	CLIENT_NUMBER = 0,
	CLIENT_ACCOUNT,
	CLIENT_LOGIN,
};

/* a POST being created: parsed on re_main, resolved on a store worker */
struct create {
	struct api_req *req;               /* mem_ref'd */
	struct store_callback row;
	enum client_kind kind;
	char ref[STORE_NAME_MAX];          /* account, or login */
	char password[AUTH_PASSWORD_MAX];
	struct sa peer;
	struct cbk_bill bill;
	bool bill_client;                  /* role A: the client's account */
	bool bill_b_given;                 /* billing.bridge_to */
	const char *bad_field;             /* of an unknown account */
	bool resolved;                     /* `to` came from the store */
	bool stored;
	bool throttled;                    /* the login throttle was told */
	bool public;                       /* POST /v1/callme: a token */
};

/* callbacks.c */
bool cbk_running(void);
const char *cbk_state_name(enum cbk_state s);
struct cbk *cbk_alloc(void);
void cbk_add(struct cbk *c);
void cbk_set(struct cbk *c, enum cbk_state s, bool place);
void cbk_end(struct cbk *c, enum leg_cause cause);
void cbk_answer(struct cbk *c);
void cbk_why(struct cbk *c, const char *why);
const char *cbk_bridge_of(const struct store_callback *r);

/* callbacks_place.c */
void cbk_place(struct cbk *c);

/* callbacks_parse.c */
bool cbk_str_member(struct api_req *req, const struct odict *o,
		    const char *key, const char *field, size_t max,
		    const char **vp);
bool cbk_number_parse(struct api_req *req, const char *field,
		      const char *in, char *out, size_t sz);
bool cbk_client_parse(struct api_req *req, struct create *cr,
		      const char **numberp);
bool cbk_service_parse(struct api_req *req, struct create *cr);
bool cbk_ring_parse(struct api_req *req, struct create *cr);

/* callbacks_billing.c */
bool cbk_billing_parse(struct api_req *req, struct create *cr);
void cbk_bill_encode(char *buf, size_t sz, const struct cbk_bill *b);
int  cbk_bill_decode(struct cbk_bill *b, const char *s);
int  cbk_bill_account(struct store *st, struct create *cr, int role,
		      const char *field);
const char *cbk_payer_name(enum meter_payer p);

/* callbacks_json.c */
int cbk_print(struct re_printf *pf, const struct cbk *c);
int cbk_print_h(struct re_printf *pf, void *arg);
int cbk_print_public_h(struct re_printf *pf, void *arg);
int cbk_print_created_h(struct re_printf *pf, void *arg);
