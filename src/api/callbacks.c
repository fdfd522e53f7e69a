/**
 * @file api/callbacks.c  Web callbacks: /v1/callbacks (seed 000)
 *
 * A client asks, over the web, to be called back: it is identified by a
 * phone number, a money account of the tenant, or a user's login and
 * password (Argon2id on a store worker, behind the login throttle); the
 * request names the service the call delivers (play a prompt, say a text,
 * bridge to a destination) and, optionally, when (`at`).
 *
 * Each callback is a small state machine owned by this file:
 *
 *   scheduled -> dialing -> in-progress -> completed
 *       |           |  \________________-> busy | no-answer |
 *       |           |                      invalid-number | failed
 *       +-> canceled (DELETE, only while scheduled)
 *
 * A client known by an account or a login may have a number on record
 * (PUT /v1/client-numbers), called when a request gives no `to`.
 *
 * Every callback is kept in memory (loaded from the store at start) and
 * every change is put to the store with a growing version.  The row
 * holds all that placing needs: who pays (a text form of the resolved
 * billing, so a billed callback due after a restart is authorized and
 * billed as asked), the ring time and why it failed.  Finished
 * callbacks older than store.callback_keep_days leave the store (the
 * prune job) and the list (a sweep at the same interval).  One timer
 * runs for the earliest scheduled callback; when it fires, every due one
 * is marked dialing, and placed once that mark is stored: a restart
 * between the two never places it twice (it is failed instead).  A
 * callback that was dialing or in progress when the daemon stopped is
 * failed at the next start.  The call is an API-originated call
 * (originate.c) of the callback's tenant; its events, and callback.status
 * events published on it, go to the WebSocket and the status_callback.
 */
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <re.h>
#include "api.h"
#include "cb_tts.h"
#include "cb_money.h"
#include "cb_meter.h"

enum cbk_state {
	CBK_SCHEDULED = 0,
	CBK_DIALING,
	CBK_IN_PROGRESS,
	CBK_COMPLETED,
	CBK_BUSY,
	CBK_NO_ANSWER,
	CBK_INVALID_NUMBER,
	CBK_FAILED,
	CBK_CANCELED,
	CBK_STATE_MAX
};

static const char *const state_names[CBK_STATE_MAX] = {
	"scheduled", "dialing", "in-progress", "completed", "busy",
	"no-answer", "invalid-number", "failed", "canceled",
};

enum {
	RING_MIN_S = 5,
	RING_MAX_S = 120,
};

static const uint64_t at_max_ahead_ms = 30ull * 24 * 3600 * 1000;

/* who pays a billed callback: role A (the client's leg), B (bridge_to) */
struct cbk_bill {
	bool on;
	int limit;                    /* enum money_limit, -1: tenant's */
	char account[METER_ROLE_MAX][STORE_NAME_MAX];  /* ids once known */
	enum meter_payer payer[METER_ROLE_MAX];
};

struct cbk {
	struct le le;                 /* in cbks */
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

static struct list cbks;          /* struct cbk, owned, oldest first */
static struct tmr due_tmr;        /* the earliest scheduled callback */
static struct tmr sweep_tmr;      /* finished ones leave, as in store */
static bool running;


static uint64_t now_ms(void)
{
	return call_now_ms();
}


static bool state_final(enum cbk_state s)
{
	return s >= CBK_COMPLETED;
}


static int state_parse(enum cbk_state *sp, const char *name)
{
	for (int i = 0; i < CBK_STATE_MAX; i++) {
		if (!strcmp(state_names[i], name)) {
			*sp = (enum cbk_state)i;
			return 0;
		}
	}
	return EINVAL;
}


static void cbk_destructor(void *arg)
{
	struct cbk *c = arg;

	list_unlink(&c->le);
	mem_deref(c->tts);
	mem_deref(c->req);
	sodium_memzero(c->token, sizeof(c->token));
}


static struct cbk *cbk_find(const char *id)
{
	for (struct le *le = cbks.head; le; le = le->next) {
		struct cbk *c = le->data;

		if (!strcmp(c->row.id, id))
			return c;
	}
	return NULL;
}


static struct cbk *cbk_find_call(const char *call_id)
{
	for (struct le *le = cbks.tail; le; le = le->prev) {
		struct cbk *c = le->data;

		if (c->state == CBK_DIALING || c->state == CBK_IN_PROGRESS) {
			if (!strcmp(c->row.call_id, call_id))
				return c;
		}
	}
	return NULL;
}


/* ---- persistence ----------------------------------------------------- */

struct put_job {
	struct store_callback row;
	char id[CB_ID_LEN + 1];
	bool place;                   /* place the callback once stored */
};


static int put_work(struct store *st, void *arg)
{
	struct put_job *j = arg;

	return store_callback_put(st, &j->row);
}


static void cbk_place(struct cbk *c);


static void put_done(int err, void *arg)
{
	struct put_job *j = arg;
	struct cbk *c;

	if (err == ECANCELED || !running)
		goto out;
	if (err)
		log_warn(NULL, "callback=%s not stored (%m)", j->id, err);
	c = cbk_find(j->id);
	if (j->place && c && c->state == CBK_DIALING) {
		if (err) {
			/* placing what is not stored could place it twice */
			c->state = CBK_FAILED;
			str_ncpy(c->row.state, state_names[c->state],
				 sizeof(c->row.state));
		}
		else {
			cbk_place(c);
		}
	}
 out:
	mem_deref(j);
}


static void cbk_publish(struct cbk *c)
{
	struct call *call;
	char json[160];

	if (!c->row.call_id[0])
		return;
	call = call_find(c->row.call_id);
	if (!call)
		return;
	(void)re_snprintf(json, sizeof(json), "\"callback_id\":\"%s\","
			  "\"status\":\"%s\"", c->row.id, c->row.state);
	(void)call_app_publish(call, NULL, "callback.status", json);
}


/* the new state, stored; `place` places the callback once it is */
static void cbk_set(struct cbk *c, enum cbk_state s, bool place)
{
	struct put_job *j;

	c->state = s;
	str_ncpy(c->row.state, state_names[s], sizeof(c->row.state));
	c->row.updated_ms = now_ms();
	++c->row.ver;
	log_info(NULL, "callback=%s %s%s%s", c->row.id, c->row.state,
		 c->row.call_id[0] ? " call=" : "", c->row.call_id);
	cbk_publish(c);

	j = mem_zalloc(sizeof(*j), NULL);
	if (!j)
		goto fail;
	j->row = c->row;
	str_ncpy(j->id, c->row.id, sizeof(j->id));
	j->place = place;
	if (store_submit(store_default(), put_work, put_done, j)) {
		mem_deref(j);
		goto fail;
	}
	return;
 fail:
	log_warn(NULL, "callback=%s cannot be stored", c->row.id);
	if (place) {
		c->state = CBK_FAILED;
		str_ncpy(c->row.state, state_names[c->state],
			 sizeof(c->row.state));
	}
}


/* ---- placing ---------------------------------------------------------- */

static void schedule(void);
static int print_one(struct re_printf *pf, void *arg);


/* the POST of a billed callback due now gets its answer */
static void cbk_answer(struct cbk *c)
{
	struct api_req *req = c->req;

	if (!req)
		return;
	c->req = NULL;
	api_reply_json(req, 201, "%H", print_one, c);
	mem_deref(req);
}


static void cbk_end(struct cbk *c, enum leg_cause cause)
{
	enum cbk_state s;

	if (state_final(c->state)) {
		cbk_answer(c);
		return;
	}
	if (c->answered)
		s = CBK_COMPLETED;
	else if (cause == CAUSE_BUSY || cause == CAUSE_REJECTED)
		s = CBK_BUSY;
	else if (cause == CAUSE_NO_ANSWER)
		s = CBK_NO_ANSWER;
	else if (cause == CAUSE_INVALID_NUMBER)
		s = CBK_INVALID_NUMBER;
	else if (cause == CAUSE_CANCELED)
		s = CBK_CANCELED;
	else
		s = CBK_FAILED;
	cbk_set(c, s, false);
	cbk_answer(c);
}


static void cbk_dial_failed(struct cbk *c, int err)
{
	log_warn(NULL, "callback=%s cannot dial %s (%m)", c->row.id,
		 c->row.to, err);
	cbk_end(c, err == ENOENT || err == EINVAL ?
		CAUSE_INVALID_NUMBER : CAUSE_FAILED);
}


static const char *bridge_of(const struct store_callback *r)
{
	return strcmp(r->service, "bridge") ? NULL : r->arg;
}


static void dial_fill(struct leg_dial *dial, const struct cbk *c)
{
	memset(dial, 0, sizeof(*dial));
	dial->to = c->row.to;
	dial->ring_timeout_s = c->row.ring_timeout_s;
}


/* dialed: stored with the call id, GET shows it from now on */
static void cbk_dialed(struct cbk *c, struct call *call)
{
	str_ncpy(c->row.call_id, call_id(call), sizeof(c->row.call_id));
	cbk_set(c, CBK_DIALING, false);
	cbk_answer(c);
}


/* why it failed before dialing: shown as its cause, and stored */
static void cbk_why(struct cbk *c, const char *why)
{
	str_ncpy(c->row.cause, why, sizeof(c->row.cause));
}


/* a refusal of the meter, as the API's error and as the cause */
static void refused(struct cbk *c, const struct meter_refusal *r)
{
	uint16_t scode = 503;

	if (!strcmp(r->code, "insufficient_funds")) {
		scode = 402;
		cbk_why(c, "insufficient-funds");
	}
	else if (!strcmp(r->code, "not_rated")) {
		scode = 422;
		cbk_why(c, "not-rated");
	}
	else if (!strcmp(r->code, "unknown_account")) {
		scode = 422;
		cbk_why(c, "unknown-account");
	}
	else {
		cbk_why(c, "not-authorized");
	}
	log_info(NULL, "callback=%s not authorized: %s", c->row.id, r->code);
	if (c->req) {
		api_error(c->req, scode, r->code, r->field, r->message);
		c->req = mem_deref(c->req);
	}
	cbk_end(c, CAUSE_FAILED);
}


static void authorized(struct meter_bill *bill, const struct meter_refusal *r,
		       void *arg)
{
	struct cbk *c = arg;
	struct call *call = call_find(c->auth_call);
	struct leg_dial dial;
	int err;

	c->auth_call[0] = '\0';
	if (!running || c->state != CBK_DIALING) {
		if (!r->err)
			meter_bill_abort(bill);
		orig_abort(call);
		goto out;
	}
	if (r->err) {
		orig_abort(call);
		refused(c, r);
		goto out;
	}
	if (!call) {
		meter_bill_abort(bill);
		cbk_end(c, CAUSE_FAILED);
		goto out;
	}
	dial_fill(&dial, c);
	err = orig_dial(call, &dial, c->row.status_callback[0] ?
			c->row.status_callback : NULL, bill);
	if (err)
		cbk_dial_failed(c, err);
	else
		cbk_dialed(c, call);
 out:
	mem_deref(c);
}


/* the E.164 form of a destination that is a number, or "" */
static void number_of(char *out, size_t sz, const char *to)
{
	out[0] = '\0';
	if (to && call_number_like(to) &&
	    call_number_normalize(out, sz, to))
		out[0] = '\0';
}


/* rated and held by the meter first: nothing is dialed on a refusal */
static void cbk_dial_billed(struct cbk *c, const char *play)
{
	const struct store_callback *r = &c->row;
	struct meter_spec spec;
	struct call *call = NULL;
	int err;

	err = orig_prepare(&call, NULL, bridge_of(r), play, true,
			   r->tenant_id);
	if (err) {
		cbk_dial_failed(c, err);
		return;
	}
	str_ncpy(c->auth_call, call_id(call), sizeof(c->auth_call));

	memset(&spec, 0, sizeof(spec));
	spec.tenant_id = r->tenant_id;
	spec.call_id = c->auth_call;
	spec.limit = c->bill.limit;
	for (int i = 0; i < METER_ROLE_MAX; i++) {
		struct meter_role_spec *rs = &spec.rolev[i];
		const char *dest = i == METER_ROLE_A ? r->to : bridge_of(r);

		if (!dest)
			continue;
		number_of(c->numv[i], sizeof(c->numv[i]), dest);
		rs->present = true;
		rs->number = c->numv[i][0] ? c->numv[i] : NULL;
		rs->peer = c->numv[i][0] ? c->numv[i] : dest;
		rs->account = c->bill.account[i];
		rs->payer = c->bill.payer[i];
	}
	err = meter_authorize(&spec, authorized, mem_ref(c));
	if (err) {
		c->auth_call[0] = '\0';
		orig_abort(call);
		cbk_why(c, "not-authorized");
		cbk_end(c, CAUSE_FAILED);
		mem_deref(c);       /* the list holds it still */
	}
}


static void cbk_dial(struct cbk *c, const char *play)
{
	const struct store_callback *r = &c->row;
	struct leg_dial dial;
	struct call *call = NULL;
	int err;

	if (c->bill.on) {
		cbk_dial_billed(c, play);
		return;
	}
	dial_fill(&dial, c);
	err = orig_start(&call, &dial, bridge_of(r), play, true,
			 r->status_callback[0] ? r->status_callback : NULL,
			 r->tenant_id);
	if (err) {
		cbk_dial_failed(c, err);
		return;
	}
	cbk_dialed(c, call);
}


static void said(int err, const char *path, bool cached, void *arg)
{
	struct cbk *c = arg;
	(void)cached;

	/* path is the request's: used before the request goes */
	if (err || !path) {
		log_warn(NULL, "callback=%s text not synthesized (%m)",
			 c->row.id, err);
		cbk_end(c, CAUSE_FAILED);
	}
	else {
		cbk_dial(c, path);
	}
	c->tts = mem_deref(c->tts);
}


static void cbk_place(struct cbk *c)
{
	char path[512];

	if (!strcmp(c->row.service, "say")) {
		int err = tts_say(&c->tts, c->row.arg,
				  c->row.voice[0] ? c->row.voice : NULL,
				  said, c);
		if (err)
			cbk_end(c, CAUSE_FAILED);
		return;
	}
	if (!strcmp(c->row.service, "play")) {
		(void)re_snprintf(path, sizeof(path), "%s/%s",
				  api_config()->prompt_dir, c->row.arg);
		cbk_dial(c, path);
		return;
	}
	cbk_dial(c, NULL);
}


/* every due callback is marked dialing, and placed once that is stored */
static void due_handler(void *arg)
{
	uint64_t now = now_ms();
	(void)arg;

	for (struct le *le = cbks.head; le; le = le->next) {
		struct cbk *c = le->data;

		if (c->state == CBK_SCHEDULED && c->row.due_ms <= now)
			cbk_set(c, CBK_DIALING, true);
	}
	schedule();
}


/* one timer: for the earliest scheduled callback */
static void schedule(void)
{
	uint64_t first = 0, now = now_ms();
	bool any = false;

	for (struct le *le = cbks.head; le; le = le->next) {
		const struct cbk *c = le->data;

		if (c->state != CBK_SCHEDULED)
			continue;
		if (!any || c->row.due_ms < first)
			first = c->row.due_ms;
		any = true;
	}
	if (!any) {
		tmr_cancel(&due_tmr);
		return;
	}
	tmr_start(&due_tmr, first > now ? first - now : 0, due_handler,
		  NULL);
}


static void event_handler(const struct call_event *ev, void *arg)
{
	struct cbk *c;
	(void)arg;

	if (!ev->call_id || ev->type == CALL_EV_APP)
		return;
	c = cbk_find_call(ev->call_id);
	if (!c)
		return;

	switch (ev->type) {

	case CALL_EV_LEG_STATE:
		if (ev->new_state == LEG_ANSWERED && !c->answered) {
			c->answered = true;
			cbk_set(c, CBK_IN_PROGRESS, false);
		}
		else if (ev->new_state == LEG_ENDED &&
			 c->cause == CAUSE_NONE) {
			c->cause = ev->cause;
		}
		break;

	case CALL_EV_CALL_END:
		cbk_end(c, c->cause != CAUSE_NONE ? c->cause : ev->cause);
		break;

	default:
		break;
	}
}


/* ---- JSON ------------------------------------------------------------- */

static int print_time(struct re_printf *pf, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return re_hprintf(pf, "null");
	return re_hprintf(pf, "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"",
			  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			  tm.tm_hour, tm.tm_min, tm.tm_sec);
}


static int print_cause(struct re_printf *pf, const struct cbk *c)
{
	return c->row.cause[0] ? api_json_str(pf, c->row.cause) :
		re_hprintf(pf, "null");
}


/* in a callback's words: the client asked, so it is the "caller" */
static const char *payer_name(enum meter_payer p)
{
	return p == METER_PAYER_CALLER ? "client" :
		p == METER_PAYER_CALLEE ? "collect" : "account";
}


static int print_bill(struct re_printf *pf, void *arg)
{
	const struct cbk *c = arg;
	const struct cbk_bill *b = &c->bill;
	int err;

	if (!b->on)
		return re_hprintf(pf, "null");
	err = re_hprintf(pf, "{\"account\":%H,\"payer\":\"%s\"",
			 api_json_str, b->account[METER_ROLE_A],
			 payer_name(b->payer[METER_ROLE_A]));
	if (b->limit >= 0)
		err |= re_hprintf(pf, ",\"limit\":\"%s\"",
				  money_limit_name((enum money_limit)b->limit));
	if (bridge_of(&c->row))
		err |= re_hprintf(pf, ",\"bridge_to\":{\"account\":%H,"
				  "\"payer\":\"%s\"}", api_json_str,
				  b->account[METER_ROLE_B],
				  payer_name(b->payer[METER_ROLE_B]));
	return err | re_hprintf(pf, "}");
}


static int print_cbk(struct re_printf *pf, const struct cbk *c)
{
	const struct store_callback *r = &c->row;
	int err;

	err = re_hprintf(pf, "{\"id\":%H,\"status\":%H,\"to\":%H,"
			 "\"service\":%H,\"client\":%H,\"at\":",
			 api_json_str, r->id, api_json_str, r->state,
			 api_json_str, r->to, api_json_str, r->service,
			 api_json_str, r->client);
	err |= print_time(pf, r->due_ms);
	err |= re_hprintf(pf, ",\"created_ms\":%llu,\"updated_ms\":%llu,"
			  "\"call_id\":",
			  (unsigned long long)r->created_ms,
			  (unsigned long long)r->updated_ms);
	err |= r->call_id[0] ? api_json_str(pf, r->call_id) :
		re_hprintf(pf, "null");
	err |= re_hprintf(pf, ",\"cause\":");
	err |= print_cause(pf, c);
	err |= re_hprintf(pf, ",\"ring_timeout_s\":");
	err |= r->ring_timeout_s ? re_hprintf(pf, "%u", r->ring_timeout_s) :
		re_hprintf(pf, "null");
	err |= re_hprintf(pf, ",\"billing\":%H}", print_bill, c);
	return err;
}


/* what the "Call me" page sees: no client, no call, no billing */
static int print_public(struct re_printf *pf, const struct cbk *c)
{
	int err = re_hprintf(pf, "{\"id\":%H,\"status\":%H,\"at\":",
			     api_json_str, c->row.id, api_json_str,
			     c->row.state);

	err |= print_time(pf, c->row.due_ms);
	err |= re_hprintf(pf, ",\"cause\":");
	err |= print_cause(pf, c);
	return err | re_hprintf(pf, "}");
}


static int print_public_h(struct re_printf *pf, void *arg)
{
	return print_public(pf, arg);
}


/* the page's reply to its POST: with the token, once */
static int print_created_public(struct re_printf *pf, void *arg)
{
	const struct cbk *c = arg;
	int err;

	err = re_hprintf(pf, "{\"token\":\"%s\",\"callback\":", c->token);
	err |= print_public(pf, c);
	return err | re_hprintf(pf, "}");
}


static int print_one(struct re_printf *pf, void *arg)
{
	return print_cbk(pf, arg);
}


static int print_list(struct re_printf *pf, void *arg)
{
	const struct api_req *req = arg;
	unsigned n = 0;
	int err = 0;

	for (struct le *le = cbks.head; le; le = le->next) {
		const struct cbk *c = le->data;

		if (strcmp(c->row.tenant_id, req->who.tenant_id))
			continue;
		err |= re_hprintf(pf, "%s", n++ ? "," : "");
		err |= print_cbk(pf, c);
	}
	return err;
}


/* ---- POST /v1/callbacks ------------------------------------------------ */

enum client_kind {
	CLIENT_NUMBER = 0,
	CLIENT_ACCOUNT,
	CLIENT_LOGIN,
};

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


static void create_destructor(void *arg)
{
	struct create *cr = arg;

	memset(cr->password, 0, sizeof(cr->password));
	mem_deref(cr->req);
}


/* a string member: NULL if absent; false (answered) if not a string */
static bool str_member(struct api_req *req, const struct odict *o,
		       const char *key, const char *field, size_t max,
		       const char **vp)
{
	const struct odict_entry *e = o ? odict_lookup(o, key) : NULL;

	*vp = NULL;
	if (!e)
		return true;
	if (e->type != ODICT_STRING || !*e->u.str ||
	    strlen(e->u.str) >= max) {
		api_error(req, 400, "invalid_field", field,
			  "a non-empty string, not too long");
		return false;
	}
	*vp = e->u.str;
	return true;
}


/* a number to call, into E.164 */
static bool number_parse(struct api_req *req, const char *field,
			 const char *in, char *out, size_t sz)
{
	if (!call_number_like(in) || call_number_normalize(out, sz, in)) {
		api_error(req, 422, "invalid_number", field,
			  "not a valid E.164 or national number");
		return false;
	}
	return true;
}


/* RFC 3339 UTC: YYYY-MM-DDTHH:MM:SS[.fff]Z */
static int at_parse(uint64_t *msp, const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi,
		   &sec, &n) != 6 || n != 19)
		return EINVAL;
	s += n;
	if (*s == '.') {
		++s;
		if (!(*s >= '0' && *s <= '9'))
			return EINVAL;
		while (*s >= '0' && *s <= '9')
			++s;
	}
	if (strcmp(s, "Z") || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60 || y < 1970)
		return EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t < 0)
		return EINVAL;
	*msp = (uint64_t)t * 1000;
	return 0;
}


/* client: exactly one of {number}, {account}, {login, password} */
static bool client_parse(struct api_req *req, struct create *cr,
			 const char **numberp)
{
	const struct odict_entry *e = odict_lookup(req->body, "client");
	const char *number, *account, *login, *password;
	const struct odict *o;

	if (!e) {
		api_error(req, 400, "missing_field", "client",
			  "{number} or {account} or {login, password}");
		return false;
	}
	if (e->type != ODICT_OBJECT) {
		api_error(req, 400, "invalid_field", "client",
			  "{number} or {account} or {login, password}");
		return false;
	}
	o = e->u.odict;
	if (!str_member(req, o, "number", "client.number", 32, &number) ||
	    !str_member(req, o, "account", "client.account",
			STORE_NAME_MAX, &account) ||
	    !str_member(req, o, "login", "client.login", STORE_NAME_MAX,
			&login) ||
	    !str_member(req, o, "password", "client.password",
			AUTH_PASSWORD_MAX, &password))
		return false;
	if ((number != NULL) + (account != NULL) + (login != NULL) != 1) {
		api_error(req, 422, "conflicting_fields", "client",
			  "give one of number, account or login");
		return false;
	}
	if ((login != NULL) != (password != NULL)) {
		api_error(req, 400, "missing_field", login ?
			  "client.password" : "client.login",
			  "login and password go together");
		return false;
	}
	*numberp = number;
	if (account) {
		cr->kind = CLIENT_ACCOUNT;
		str_ncpy(cr->ref, account, sizeof(cr->ref));
	}
	else if (login) {
		cr->kind = CLIENT_LOGIN;
		str_ncpy(cr->ref, login, sizeof(cr->ref));
		str_ncpy(cr->password, password, sizeof(cr->password));
	}
	else {
		cr->kind = CLIENT_NUMBER;
		str_ncpy(cr->row.client, "number", sizeof(cr->row.client));
	}
	return true;
}


/* service: exactly one of {play}, {say, voice?}, {bridge_to} */
static bool service_parse(struct api_req *req, struct create *cr)
{
	const struct odict_entry *e = odict_lookup(req->body, "service");
	const char *play, *say, *voice, *bridge, *why;
	struct store_callback *r = &cr->row;
	char e164[24];
	const struct odict *o;

	if (!e || e->type != ODICT_OBJECT) {
		api_error(req, 400, e ? "invalid_field" : "missing_field",
			  "service", "{play} or {say, voice?} or {bridge_to}");
		return false;
	}
	o = e->u.odict;
	if (!str_member(req, o, "play", "service.play", 128, &play) ||
	    !str_member(req, o, "say", "service.say", STORE_CB_ARG_MAX,
			&say) ||
	    !str_member(req, o, "voice", "service.voice", sizeof(r->voice),
			&voice) ||
	    !str_member(req, o, "bridge_to", "service.bridge_to",
			sizeof(r->to), &bridge))
		return false;
	if ((play != NULL) + (say != NULL) + (bridge != NULL) != 1) {
		api_error(req, 422, "conflicting_fields", "service",
			  "give one of play, say or bridge_to");
		return false;
	}
	if (play) {
		for (const char *p = play; *p; p++) {
			if (!((*p >= 'a' && *p <= 'z') ||
			      (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '-' ||
			      *p == '_' || *p == '.') ||
			    (p[0] == '.' && p[1] == '.') || play[0] == '.') {
				api_error(req, 400, "invalid_field",
					  "service.play",
					  "a prompt name from the prompt "
					  "directory");
				return false;
			}
		}
		str_ncpy(r->service, "play", sizeof(r->service));
		str_ncpy(r->arg, play, sizeof(r->arg));
	}
	else if (say) {
		why = tts_text_problem(say);
		if (why) {
			api_error(req, 400, "invalid_field", "service.say",
				  why);
			return false;
		}
		if (voice && !tts_voice_valid(voice)) {
			api_error(req, 400, "invalid_field", "service.voice",
				  "a voice name of espeak-ng");
			return false;
		}
		str_ncpy(r->service, "say", sizeof(r->service));
		str_ncpy(r->arg, say, sizeof(r->arg));
		if (voice)
			str_ncpy(r->voice, voice, sizeof(r->voice));
	}
	else {
		if (call_number_like(bridge)) {
			if (!number_parse(req, "service.bridge_to", bridge,
					  e164, sizeof(e164)))
				return false;
			bridge = e164;
		}
		str_ncpy(r->service, "bridge", sizeof(r->service));
		str_ncpy(r->arg, bridge, sizeof(r->arg));
	}
	return true;
}


static int payer_parse(enum meter_payer *pp, const char *s)
{
	if (!strcmp(s, "client"))
		*pp = METER_PAYER_CALLER;
	else if (!strcmp(s, "collect"))
		*pp = METER_PAYER_CALLEE;
	else
		return meter_payer_parse(pp, s);
	return 0;
}


static bool limit_parse(int *lp, const char *s)
{
	for (int i = 0; i < MONEY_LIMIT_MAX; i++) {
		if (!strcmp(money_limit_name((enum money_limit)i), s)) {
			*lp = i;
			return true;
		}
	}
	return false;
}


/* billing.bridge_to: {account, payer?}; without it B is paid like A */
static bool bill_b_parse(struct api_req *req, struct create *cr,
			 const struct odict_entry *e)
{
	struct cbk_bill *b = &cr->bill;
	const char *account, *payer;

	if (strcmp(cr->row.service, "bridge")) {
		api_error(req, 422, "conflicting_fields", "billing.bridge_to",
			  "billing.bridge_to needs service.bridge_to");
		return false;
	}
	if (e->type != ODICT_OBJECT) {
		api_error(req, 400, "invalid_field", "billing.bridge_to",
			  "an object: {account, payer?}");
		return false;
	}
	if (!str_member(req, e->u.odict, "account", "billing.bridge_to."
			"account", STORE_NAME_MAX, &account) ||
	    !str_member(req, e->u.odict, "payer", "billing.bridge_to.payer",
			16, &payer))
		return false;
	if (!account) {
		api_error(req, 400, "missing_field",
			  "billing.bridge_to.account", "the paying account");
		return false;
	}
	b->payer[METER_ROLE_B] = b->payer[METER_ROLE_A];
	if (payer && payer_parse(&b->payer[METER_ROLE_B], payer)) {
		api_error(req, 400, "invalid_field", "billing.bridge_to.payer",
			  "client, collect or account");
		return false;
	}
	str_ncpy(b->account[METER_ROLE_B], account,
		 sizeof(b->account[METER_ROLE_B]));
	cr->bill_b_given = true;
	return true;
}


/*
 * billing: {payer?, account?, limit?, bridge_to?}.  payer `client` (the
 * default without an account) and `collect` are paid by the client's
 * account unless `account` names one; `account` (the default with one)
 * is a business or a third party.
 */
static bool billing_parse(struct api_req *req, struct create *cr)
{
	const struct odict_entry *e = odict_lookup(req->body, "billing");
	const struct odict_entry *be;
	struct cbk_bill *b = &cr->bill;
	const char *account, *payer, *limit;

	b->limit = -1;
	if (!e)
		return true;
	if (e->type != ODICT_OBJECT) {
		api_error(req, 400, "invalid_field", "billing",
			  "an object: {payer?, account?, limit?, bridge_to?}");
		return false;
	}
	if (!str_member(req, e->u.odict, "account", "billing.account",
			STORE_NAME_MAX, &account) ||
	    !str_member(req, e->u.odict, "payer", "billing.payer", 16,
			&payer) ||
	    !str_member(req, e->u.odict, "limit", "billing.limit", 16, &limit))
		return false;
	b->payer[METER_ROLE_A] = account ? METER_PAYER_ACCOUNT :
		METER_PAYER_CALLER;
	if (payer && payer_parse(&b->payer[METER_ROLE_A], payer)) {
		api_error(req, 400, "invalid_field", "billing.payer",
			  "client, collect or account");
		return false;
	}
	if (limit && !limit_parse(&b->limit, limit)) {
		api_error(req, 400, "invalid_field", "billing.limit",
			  "extend, ask or cut");
		return false;
	}
	if (account) {
		str_ncpy(b->account[METER_ROLE_A], account,
			 sizeof(b->account[METER_ROLE_A]));
	}
	else if (b->payer[METER_ROLE_A] == METER_PAYER_ACCOUNT) {
		api_error(req, 400, "missing_field", "billing.account",
			  "the paying account");
		return false;
	}
	else if (cr->kind == CLIENT_ACCOUNT) {
		cr->bill_client = true;
	}
	else {
		api_error(req, 422, "no_account", "billing.account",
			  "the client has no account: give billing.account");
		return false;
	}
	be = odict_lookup(e->u.odict, "bridge_to");
	if (be && !bill_b_parse(req, cr, be))
		return false;
	b->on = true;
	return true;
}


static bool ring_parse(struct api_req *req, struct create *cr)
{
	const struct odict_entry *e = odict_lookup(req->body,
						   "ring_timeout_s");

	if (!e)
		return true;
	if (e->type != ODICT_INT || e->u.integer < RING_MIN_S ||
	    e->u.integer > RING_MAX_S) {
		api_error(req, 400, "invalid_field", "ring_timeout_s",
			  "an integer from 5 to 120");
		return false;
	}
	cr->row.ring_timeout_s = (uint32_t)e->u.integer;
	return true;
}


/* ---- who pays, as stored ---------------------------------------------- */

/*
 * The stored form of a resolved billing (row.billing), so that a billed
 * callback placed after a restart is authorized as it was asked:
 * "payer=P;account=ID;b_payer=P;b_account=ID[;limit=L]" with the payer
 * names of the API (client, collect, account) and account ids, which
 * hold neither ';' nor '='.  "" is an unbilled callback.
 */
static void bill_encode(char *buf, size_t sz, const struct cbk_bill *b)
{
	buf[0] = '\0';
	if (!b->on)
		return;
	(void)re_snprintf(buf, sz, "payer=%s;account=%s;b_payer=%s;"
			  "b_account=%s%s%s",
			  payer_name(b->payer[METER_ROLE_A]),
			  b->account[METER_ROLE_A],
			  payer_name(b->payer[METER_ROLE_B]),
			  b->account[METER_ROLE_B],
			  b->limit >= 0 ? ";limit=" : "",
			  b->limit >= 0 ?
			  money_limit_name((enum money_limit)b->limit) : "");
}


/* one "key=value" of the stored form into b; EINVAL if it is not one */
static int bill_member(struct cbk_bill *b, const struct pl *key,
		       const struct pl *val)
{
	char v[STORE_NAME_MAX];
	int role = METER_ROLE_A;
	struct pl k = *key;

	if (!val->l || val->l >= sizeof(v))
		return EINVAL;
	(void)pl_strcpy(val, v, sizeof(v));
	if (!pl_strcmp(&k, "limit"))
		return limit_parse(&b->limit, v) ? 0 : EINVAL;
	if (k.l > 2 && !memcmp(k.p, "b_", 2)) {
		role = METER_ROLE_B;
		pl_advance(&k, 2);
	}
	if (!pl_strcmp(&k, "payer"))
		return payer_parse(&b->payer[role], v) ? EINVAL : 0;
	if (!pl_strcmp(&k, "account")) {
		str_ncpy(b->account[role], v, sizeof(b->account[role]));
		return 0;
	}
	return EINVAL;
}


/* the stored form back; EINVAL if it is not one (b then unbilled) */
static int bill_decode(struct cbk_bill *b, const char *s)
{
	int err = 0;

	memset(b, 0, sizeof(*b));
	b->limit = -1;
	if (!*s)
		return 0;
	while (*s && !err) {
		const char *end = strchr(s, ';');
		const char *eq;
		struct pl key, val;

		if (!end)
			end = s + strlen(s);
		eq = memchr(s, '=', (size_t)(end - s));
		if (!eq || eq == s) {
			err = EINVAL;
			break;
		}
		key.p = s;
		key.l = (size_t)(eq - s);
		val.p = eq + 1;
		val.l = (size_t)(end - eq - 1);
		err = bill_member(b, &key, &val);
		s = *end ? end + 1 : end;
	}
	if (!err && (!b->account[METER_ROLE_A][0] ||
		     !b->account[METER_ROLE_B][0]))
		err = EINVAL;
	if (err) {
		memset(b, 0, sizeof(*b));
		b->limit = -1;
		return err;
	}
	b->on = true;
	return 0;
}


/* the tenant's dial policy for the number called; false: answered */
static bool policy_allows(struct api_req *req, const char *tenant,
			  const char *number, const char *field)
{
	uint32_t retry_s = 0;
	char hdrs[64];
	int err = dialpolicy_check(tenant, number, &retry_s);

	if (err == EPERM) {
		api_error(req, 403, "destination_blocked", field,
			  "the tenant's policy does not dial this number");
		return false;
	}
	if (err == EAGAIN) {
		(void)re_snprintf(hdrs, sizeof(hdrs), "Retry-After: %u\r\n",
				  retry_s ? retry_s : 1);
		req->hdrs = hdrs;
		api_error(req, 429, "rate_limited", field,
			  "too many requests for this number; retry later");
		req->hdrs = NULL;
		return false;
	}
	return true;
}


/* a billing account of the tenant, by id or name, into its id */
static int bill_account(struct store *st, struct create *cr, int role,
			const char *field)
{
	struct store_account a;
	char *acc = cr->bill.account[role];
	int err;

	err = store_money_account_get(st, &a, cr->row.tenant_id, acc);
	if (err == ENOENT)
		cr->bad_field = field;
	if (!err)
		str_ncpy(acc, a.id, sizeof(cr->bill.account[role]));
	return err;
}


/* on a store worker: who the client is, who pays, the number */
static int resolve(struct store *st, struct create *cr)
{
	struct store_account a;
	struct store_user u;
	int err;

	if (cr->kind == CLIENT_ACCOUNT) {
		err = store_money_account_get(st, &a, cr->row.tenant_id,
					      cr->ref);
		if (err == ENOENT)
			cr->bad_field = "client.account";
		if (err)
			return err;
		(void)re_snprintf(cr->row.client, sizeof(cr->row.client),
				  "account:%s", a.id);
		if (cr->bill_client)
			str_ncpy(cr->bill.account[METER_ROLE_A], a.id,
				 sizeof(cr->bill.account[METER_ROLE_A]));
	}
	else if (cr->kind == CLIENT_LOGIN) {
		err = store_user_find_login(st, &u, cr->ref);
		if (err && err != ENOENT)
			return err;
		/* unknown login and wrong password are the same refusal */
		if (err || !auth_password_verify(u.pwhash, cr->password) ||
		    strcmp(u.tenant_id, cr->row.tenant_id))
			return EACCES;
		(void)re_snprintf(cr->row.client, sizeof(cr->row.client),
				  "user:%s", u.id);
	}
	if (cr->bill.on) {
		if (!cr->bill_client) {
			err = bill_account(st, cr, METER_ROLE_A,
					   "billing.account");
			if (err)
				return err;
		}
		if (cr->bill_b_given) {
			err = bill_account(st, cr, METER_ROLE_B,
					   "billing.bridge_to.account");
			if (err)
				return err;
		}
		else {
			cr->bill.payer[METER_ROLE_B] =
				cr->bill.payer[METER_ROLE_A];
			str_ncpy(cr->bill.account[METER_ROLE_B],
				 cr->bill.account[METER_ROLE_A],
				 sizeof(cr->bill.account[METER_ROLE_B]));
		}
	}
	if (!cr->row.to[0]) {
		err = store_client_number_get(st, cr->row.tenant_id,
					      cr->row.client, cr->row.to,
					      sizeof(cr->row.to));
		if (err)
			return err == ENOENT ? ENODATA : err;
		cr->resolved = true;
	}
	return 0;
}


/*
 * On a store worker: resolved, then stored -- unless the number came
 * from the store, which the dial policy checks first (on re_main).
 */
static int create_work(struct store *st, void *arg)
{
	struct create *cr = arg;
	int err;

	if (!cr->resolved) {
		err = resolve(st, cr);
		if (err || cr->resolved)
			return err;
	}
	bill_encode(cr->row.billing, sizeof(cr->row.billing), &cr->bill);
	err = store_callback_put(st, &cr->row);
	if (!err)
		cr->stored = true;
	return err;
}


static void create_error(struct api_req *req, struct create *cr, int err)
{
	if (err == EACCES)
		api_error(req, 401, "invalid_credentials", "client",
			  "wrong login or password");
	else if (err == ENOENT)
		api_error(req, 404, "unknown_account", cr->bad_field ?
			  cr->bad_field : "client.account", "no such account");
	else if (err == ENODATA)
		api_error(req, 422, "no_number", "to",
			  "the client has no number on record: give to");
	else
		api_error(req, 503, "unavailable", NULL, "store unavailable");
}


static void create_done(int err, void *arg);


static void create_stored(struct create *cr)
{
	struct api_req *req = cr->req;
	struct cbk *c;

	c = mem_zalloc(sizeof(*c), cbk_destructor);
	if (!c) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	c->row = cr->row;
	c->state = CBK_SCHEDULED;
	c->bill = cr->bill;
	if (cr->public) {
		uint8_t rnd[CALLME_TOKEN_LEN / 2];

		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(c->token, sizeof(c->token), rnd, sizeof(rnd));
	}
	list_append(&cbks, &c->le, c);
	log_info(NULL, "callback=%s to %s %s, client %s%s", c->row.id,
		 c->row.to, c->row.service, c->row.client,
		 c->bill.on ? ", billed" : "");
	/* billed and due now: the answer waits for the authorization */
	if (c->bill.on && c->row.due_ms <= now_ms())
		c->req = mem_ref(req);
	else
		api_reply_json(req, 201, "%H", c->token[0] ?
			       print_created_public : print_one, c);
	schedule();
}


static void create_done(int err, void *arg)
{
	struct create *cr = arg;
	struct api_req *req = cr->req;

	if (err == ECANCELED || !running)
		return;
	if (cr->kind == CLIENT_LOGIN && !cr->throttled) {
		cr->throttled = true;
		if (err == EACCES)
			auth_throttle_fail(cr->ref, &cr->peer);
		else if (!err)
			auth_throttle_ok(cr->ref, &cr->peer);
	}
	if (err) {
		create_error(req, cr, err);
		return;
	}
	if (cr->stored) {
		create_stored(cr);
		return;
	}
	/* the client's number on record: the policy first, then stored */
	if (!policy_allows(req, cr->row.tenant_id, cr->row.to, "to"))
		return;
	if (store_submit(store_default(), create_work, create_done, cr))
		api_error(req, 503, "unavailable", NULL, "store unavailable");
}


/* the client, the service, who pays, how long it rings */
static bool create_parse(struct api_req *req, struct create *cr,
			 const char *tenant, const char **numberp,
			 const char **top)
{
	if (!client_parse(req, cr, numberp) || !service_parse(req, cr) ||
	    !billing_parse(req, cr) || !ring_parse(req, cr) ||
	    !str_member(req, req->body, "to", "to", 32, top))
		return false;
	if (cr->kind == CLIENT_NUMBER && !dialpolicy_number_id(tenant)) {
		api_error(req, 403, "identification_not_allowed",
			  "client.number", "the tenant does not identify "
			  "clients by their number alone");
		return false;
	}
	if (!strcmp(cr->row.service, "bridge") &&
	    dialpolicy_blocked(tenant, cr->row.arg)) {
		api_error(req, 403, "destination_blocked",
			  "service.bridge_to",
			  "the tenant's policy does not dial this number");
		return false;
	}
	return true;
}


/**
 * Create a callback of `tenant` from req->body (POST /v1/callbacks, and
 * the public "Call me" page's POST /v1/callme: `public`, its reply has a
 * token for GET /v1/callme/{id}).  Replies.
 */
void callbacks_create(struct api_req *req, const char *tenant, bool public)
{
	const char *number = NULL, *to, *at, *url;
	struct store_callback *r;
	struct create *cr;
	uint32_t wait_s;
	uint64_t now = now_ms();

	if (!req->body) {
		api_error(req, 400, "missing_body", NULL,
			  "a JSON object is required");
		return;
	}
	cr = mem_zalloc(sizeof(*cr), create_destructor);
	if (!cr) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	r = &cr->row;
	cr->public = public;
	if (!create_parse(req, cr, tenant, &number, &to) ||
	    !str_member(req, req->body, "at", "at", 40, &at) ||
	    !str_member(req, req->body, "status_callback", "status_callback",
			STORE_URL_MAX, &url))
		goto out;
	if (!to)
		to = number;
	/* else the client's number on record, found on the store worker */
	if (to && !number_parse(req, number && to == number ?
				"client.number" : "to", to, r->to,
				sizeof(r->to)))
		goto out;
	if (url) {
		if (!webhook_url_valid(url)) {
			api_error(req, 400, "invalid_field", "status_callback",
				  "an http:// URL of at most 256 characters");
			goto out;
		}
		str_ncpy(r->status_callback, url, sizeof(r->status_callback));
	}
	r->due_ms = now;
	if (at) {
		if (at_parse(&r->due_ms, at)) {
			api_error(req, 400, "invalid_field", "at",
				  "an RFC 3339 UTC time, e.g. "
				  "2030-01-31T12:00:00Z");
			goto out;
		}
		if (r->due_ms > now + at_max_ahead_ms) {
			api_error(req, 422, "too_far", "at",
				  "at most 30 days ahead");
			goto out;
		}
	}

	if (cr->kind == CLIENT_LOGIN) {
		sa_cpy(&cr->peer, http_conn_peer(req->conn));
		wait_s = auth_throttle_check(cr->ref, &cr->peer);
		if (wait_s) {
			char hdrs[64];

			(void)re_snprintf(hdrs, sizeof(hdrs),
					  "Retry-After: %u\r\n", wait_s);
			req->hdrs = hdrs;
			api_error(req, 429, "too_many_attempts", "client",
				  "too many failed logins; retry later");
			req->hdrs = NULL;
			goto out;
		}
	}
	/* counted last: a request refused for its input costs nothing */
	if (r->to[0] && !policy_allows(req, tenant, r->to, number &&
				       to == number ? "client.number" : "to"))
		goto out;

	cb_id_new(r->id, 'k');
	str_ncpy(r->tenant_id, tenant, sizeof(r->tenant_id));
	str_ncpy(r->state, state_names[CBK_SCHEDULED], sizeof(r->state));
	r->created_ms = r->updated_ms = now;
	r->ver = 1;
	cr->req = mem_ref(req);
	if (store_submit(store_default(), create_work, create_done, cr))
		api_error(req, 503, "unavailable", NULL, "store unavailable");
 out:
	mem_deref(cr);
}


void api_callbacks_create(struct api_req *req)
{
	callbacks_create(req, req->who.tenant_id, false);
}


/* ---- PUT /v1/client-numbers -------------------------------------------- */

struct numset {
	struct api_req *req;               /* mem_ref'd */
	char tenant_id[CB_ID_LEN + 1];
	char account[STORE_NAME_MAX];      /* or */
	char login[STORE_NAME_MAX];
	char client[80];                   /* resolved */
	char number[24];
};


static void numset_destructor(void *arg)
{
	struct numset *ns = arg;

	mem_deref(ns->req);
}


static int numset_work(struct store *st, void *arg)
{
	struct numset *ns = arg;
	struct store_account a;
	struct store_user u;
	int err;

	if (ns->account[0]) {
		err = store_money_account_get(st, &a, ns->tenant_id,
					      ns->account);
		if (err)
			return err;
		(void)re_snprintf(ns->client, sizeof(ns->client),
				  "account:%s", a.id);
	}
	else {
		err = store_user_find_login(st, &u, ns->login);
		if (err)
			return err;
		/* another tenant's user is no user of this one */
		if (strcmp(u.tenant_id, ns->tenant_id))
			return ENOENT;
		(void)re_snprintf(ns->client, sizeof(ns->client), "user:%s",
				  u.id);
	}
	return store_client_number_put(st, ns->tenant_id, ns->client,
				       ns->number, now_ms());
}


static void numset_done(int err, void *arg)
{
	struct numset *ns = arg;
	struct api_req *req = ns->req;

	if (err == ECANCELED)
		return;
	if (err == ENOENT) {
		api_error(req, 404, ns->account[0] ? "unknown_account" :
			  "unknown_user", ns->account[0] ? "account" : "login",
			  ns->account[0] ? "no such account" : "no such user");
		return;
	}
	if (err) {
		api_error(req, 503, "unavailable", NULL, "store unavailable");
		return;
	}
	api_reply_json(req, 200, "{\"client\":%H,\"number\":%H}",
		       api_json_str, ns->client, api_json_str, ns->number);
}


void api_client_numbers_put(struct api_req *req)
{
	const char *account, *login, *number;
	struct numset *ns;

	if (!req->body) {
		api_error(req, 400, "missing_body", NULL,
			  "a JSON object is required");
		return;
	}
	ns = mem_zalloc(sizeof(*ns), numset_destructor);
	if (!ns) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!str_member(req, req->body, "account", "account",
			sizeof(ns->account), &account) ||
	    !str_member(req, req->body, "login", "login", sizeof(ns->login),
			&login) ||
	    !str_member(req, req->body, "number", "number", 32, &number))
		goto out;
	if ((account != NULL) == (login != NULL)) {
		api_error(req, 422, "conflicting_fields", "account",
			  "give one of account or login");
		goto out;
	}
	if (!number) {
		api_error(req, 400, "missing_field", "number",
			  "the number to call the client back at");
		goto out;
	}
	if (!number_parse(req, "number", number, ns->number,
			  sizeof(ns->number)))
		goto out;
	str_ncpy(ns->account, account ? account : "", sizeof(ns->account));
	str_ncpy(ns->login, login ? login : "", sizeof(ns->login));
	str_ncpy(ns->tenant_id, req->who.tenant_id, sizeof(ns->tenant_id));
	ns->req = mem_ref(req);
	if (store_submit(store_default(), numset_work, numset_done, ns))
		api_error(req, 503, "unavailable", NULL, "store unavailable");
 out:
	mem_deref(ns);
}


/* ---- GET, DELETE -------------------------------------------------------- */

/* another tenant's callback is "no such callback" */
static struct cbk *find_own(struct api_req *req)
{
	struct cbk *c = cbk_find(req->param[0]);

	if (c && strcmp(c->row.tenant_id, req->who.tenant_id))
		c = NULL;
	if (!c)
		api_error(req, 404, "not_found", NULL, "no such callback");
	return c;
}


void api_callbacks_get(struct api_req *req)
{
	struct cbk *c = find_own(req);

	if (c)
		api_reply_json(req, 200, "%H", print_one, c);
}


/** GET /v1/callme/{id}?token=T: the page's view; a wrong token is 404 */
void api_callme_get(struct api_req *req)
{
	char token[CALLME_TOKEN_LEN + 2];
	struct cbk *c = cbk_find(req->param[0]);

	if (api_query_get(req, "token", 0, token, sizeof(token)) ||
	    strlen(token) != CALLME_TOKEN_LEN || !c || !c->token[0] ||
	    sodium_memcmp(token, c->token, CALLME_TOKEN_LEN)) {
		api_error(req, 404, "not_found", NULL, "no such callback");
		return;
	}
	api_reply_json(req, 200, "%H", print_public_h, c);
}


void api_callbacks_list(struct api_req *req)
{
	api_reply_json(req, 200, "{\"callbacks\":[%H]}", print_list, req);
}


void api_callbacks_delete(struct api_req *req)
{
	struct cbk *c = find_own(req);

	if (!c)
		return;
	if (c->state != CBK_SCHEDULED) {
		api_error(req, 409, "already_placed", NULL,
			  "the callback was placed or has ended");
		return;
	}
	cbk_set(c, CBK_CANCELED, false);
	schedule();
	api_reply_json(req, 200, "%H", print_one, c);
}


/* ---- subsystem ---------------------------------------------------------- */

/*
 * Finished callbacks last changed more than store.callback_keep_days ago
 * leave the list, by the rule of the store's prune job (which deletes
 * their rows; none while it is off).
 */
static bool cbk_expired(const struct cbk *c, uint64_t now)
{
	const struct cb_config *cfg = api_config();
	uint64_t keep;

	if (!cfg || !cfg->prune_interval_s || !state_final(c->state))
		return false;
	keep = (uint64_t)cfg->callback_keep_days * 86400000;
	return now > keep && c->row.updated_ms < now - keep;
}


static void sweep_handler(void *arg)
{
	uint64_t now = now_ms();
	struct le *le = cbks.head;
	(void)arg;

	while (le) {
		struct cbk *c = le->data;

		le = le->next;
		if (!cbk_expired(c, now))
			continue;
		/* an authorization still out holds a ref of its own */
		list_unlink(&c->le);
		mem_deref(c);
	}
	tmr_start(&sweep_tmr, (uint64_t)api_config()->prune_interval_s * 1000,
		  sweep_handler, NULL);
}


static bool load_handler(const struct store_callback *row, void *arg)
{
	struct cbk *c;
	enum cbk_state s;
	(void)arg;

	if (state_parse(&s, row->state))
		return false;
	c = mem_zalloc(sizeof(*c), cbk_destructor);
	if (!c)
		return true;
	c->row = *row;
	c->state = s;
	if (bill_decode(&c->bill, row->billing)) {
		/* placed unbilled, it would be paid by no one */
		log_warn(NULL, "callback=%s: billing not understood: %s",
			 row->id, row->billing);
		if (s == CBK_SCHEDULED) {
			/* failed below with what was being placed */
			c->state = CBK_DIALING;
			cbk_why(c, "not-authorized");
		}
	}
	list_append(&cbks, &c->le, c);
	return false;
}


int callbacks_init(void)
{
	struct store *st = store_default();
	const struct cb_config *cfg = api_config();
	int err;

	list_init(&cbks);
	tmr_init(&due_tmr);
	tmr_init(&sweep_tmr);
	running = true;
	if (st) {
		err = store_callback_list(st, load_handler, NULL);
		if (err) {
			log_warn(NULL, "callbacks not loaded (%m)", err);
			callbacks_close();
			return err;
		}
	}
	/* what was being placed when the daemon stopped is lost */
	for (struct le *le = cbks.head; le; le = le->next) {
		struct cbk *c = le->data;

		if (c->state == CBK_DIALING || c->state == CBK_IN_PROGRESS)
			cbk_set(c, CBK_FAILED, false);
	}
	err = call_subscribe(event_handler, NULL);
	if (err) {
		callbacks_close();
		return err;
	}
	if (cfg && cfg->prune_interval_s)
		sweep_handler(NULL);
	schedule();
	return 0;
}


/** The wall clock moved (api.debug_clock): re-arm the due timer */
void callbacks_clock_changed(void)
{
	if (running)
		schedule();
}


void callbacks_close(void)
{
	callme_close();
	running = false;
	call_unsubscribe(event_handler, NULL);
	tmr_cancel(&due_tmr);
	tmr_cancel(&sweep_tmr);
	list_flush(&cbks);
}
