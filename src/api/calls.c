/**
 * @file api/calls.c  /v1/calls handlers
 *
 * Input is validated field by field before anything is dialed: strings are
 * length-bounded, numbers range-checked, and every refusal names the field.
 * A call with `billing` is rated and pre-authorized by the meter on a
 * store worker before it is dialed (402 insufficient_funds, 422 not_rated
 * or unknown_account: nothing dialed); the meter then follows it.
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_media.h"
#include "cb_sip.h"
#include "cb_money.h"
#include "cb_meter.h"

enum { STR_MAX = 256 };


/* an optional string member; false if present but invalid */
static bool get_str(struct api_req *req, const char *key, const char **vp,
		    bool required)
{
	const struct odict_entry *e = req->body ? odict_lookup(req->body, key)
						: NULL;

	*vp = NULL;
	if (!e) {
		if (required) {
			api_error(req, 400, "missing_field", key,
				  "this field is required");
			return false;
		}
		return true;
	}
	if (e->type != ODICT_STRING || !*e->u.str ||
	    strlen(e->u.str) > STR_MAX) {
		api_error(req, 400, "invalid_field", key,
			  "must be a non-empty string of at most 256 chars");
		return false;
	}
	*vp = e->u.str;
	return true;
}


static bool get_bool(struct api_req *req, const char *key, bool *vp)
{
	const struct odict_entry *e = req->body ? odict_lookup(req->body, key)
						: NULL;

	if (!e)
		return true;
	if (e->type != ODICT_BOOL) {
		api_error(req, 400, "invalid_field", key, "must be a boolean");
		return false;
	}
	*vp = e->u.boolean;
	return true;
}


static bool get_uint(struct api_req *req, const char *key, uint32_t *vp,
		     uint32_t min, uint32_t max)
{
	const struct odict_entry *e = req->body ? odict_lookup(req->body, key)
						: NULL;

	if (!e)
		return true;
	if (e->type != ODICT_INT || e->u.integer < min ||
	    e->u.integer > max) {
		api_error(req, 400, "invalid_field", key,
			  "must be an integer in range");
		return false;
	}
	*vp = (uint32_t)e->u.integer;
	return true;
}


/* prompt names are files in media.prompt_dir: no paths from the network */
static bool prompt_path(struct api_req *req, const char *field,
			const char *name, char *path, size_t sz)
{
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		      *p == '.') || (p[0] == '.' && p[1] == '.')) {
			api_error(req, 400, "invalid_field", field,
				  "a prompt name from the prompt directory");
			return false;
		}
	}
	(void)re_snprintf(path, sz, "%s/%s", api_config()->prompt_dir, name);
	return true;
}


/* a destination that looks like a number must be a valid one */
static bool number_ok(struct api_req *req, const char *field,
		      const char *to)
{
	char e164[24];

	if (!call_number_like(to) ||
	    !call_number_normalize(e164, sizeof(e164), to))
		return true;
	api_error(req, 422, "invalid_number", field,
		  "not a valid E.164 or national number");
	return false;
}


/* another tenant's call is "no such call": its existence is not told */
static struct call *find_call(struct api_req *req)
{
	struct call *call = call_find(req->param[0]);

	if (call && !api_owns(req, call))
		call = NULL;
	if (!call)
		api_error(req, 404, "not_found", NULL, "no such call");
	return call;
}


static struct leg *find_leg(struct api_req *req, struct call *call)
{
	struct leg *leg;

	for (unsigned i = 0; (leg = call_leg(call, i)); i++) {
		if (!strcmp(leg_id(leg), req->param[1]))
			return leg;
	}
	api_error(req, 404, "not_found", NULL, "no such leg");
	return NULL;
}


void api_health(struct api_req *req)
{
	api_reply_json(req, 200, "{\"status\":\"ok\",\"calls\":%u,"
		       "\"legs\":%u}", call_count(), call_leg_count());
}


struct list_ctx {
	struct re_printf *pf;
	struct api_req *req;
	unsigned n;
};


static bool list_handler(struct call *call, void *arg)
{
	struct list_ctx *lc = arg;

	if (!api_owns(lc->req, call))
		return false;
	(void)re_hprintf(lc->pf, "%s%H", lc->n++ ? "," : "", api_json_call,
			 call);
	return false;
}


static int print_calls(struct re_printf *pf, void *arg)
{
	struct list_ctx lc = {pf, arg, 0};

	(void)call_list_apply(list_handler, &lc);
	return 0;
}


void api_calls_list(struct api_req *req)
{
	api_reply_json(req, 200, "{\"calls\":[%H]}", print_calls, req);
}


/* who pays one role of a billed call */
struct bill_role {
	char account[STORE_NAME_MAX];
	enum meter_payer payer;
	bool given;
};

/* what POST /v1/calls dials, once validated (strings are req->body's) */
struct create_args {
	const char *to, *from, *bridge_to, *callback;
	uint32_t ring;
	char play[512];     /* a prompt or a synthesized WAV, or "" */
	/* billing: who pays A (to) and B (bridge_to), the limit policy */
	bool billed;
	struct bill_role rolev[METER_ROLE_MAX];
	int limit;          /* enum money_limit, -1: the tenant's */
	char numv[METER_ROLE_MAX][24];   /* E.164 of a number, or "" */
};


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


/* {account, payer?} of one role; `pfx` names its fields in errors */
static bool role_parse(struct api_req *req, const struct odict *o,
		       const char *pfx, struct bill_role *r,
		       enum meter_payer dflt)
{
	const struct odict_entry *acc = odict_lookup(o, "account");
	const struct odict_entry *pay = odict_lookup(o, "payer");
	char field[48];

	(void)re_snprintf(field, sizeof(field), "%s.account", pfx);
	if (!acc) {
		api_error(req, 400, "missing_field", field,
			  "the paying account (id or name)");
		return false;
	}
	if (acc->type != ODICT_STRING || !*acc->u.str ||
	    strlen(acc->u.str) >= sizeof(r->account)) {
		api_error(req, 400, "invalid_field", field,
			  "an account id or name of at most 63 characters");
		return false;
	}
	str_ncpy(r->account, acc->u.str, sizeof(r->account));
	r->payer = dflt;
	if (pay && (pay->type != ODICT_STRING ||
		    meter_payer_parse(&r->payer, pay->u.str))) {
		(void)re_snprintf(field, sizeof(field), "%s.payer", pfx);
		api_error(req, 400, "invalid_field", field,
			  "caller, callee or account");
		return false;
	}
	r->given = true;
	return true;
}


/*
 * billing: {account, payer?, limit?, bridge_to?: {account, payer?}}.
 * Leg B is paid like leg A unless billing.bridge_to says otherwise.
 */
static bool billing_parse(struct api_req *req, struct create_args *a)
{
	const struct odict_entry *e = odict_lookup(req->body, "billing");
	const struct odict_entry *lim, *b;
	struct bill_role *ra = &a->rolev[METER_ROLE_A];
	struct bill_role *rb = &a->rolev[METER_ROLE_B];

	a->limit = -1;
	if (!e)
		return true;
	if (e->type != ODICT_OBJECT) {
		api_error(req, 400, "invalid_field", "billing",
			  "an object: {account, payer?, limit?, bridge_to?}");
		return false;
	}
	if (!role_parse(req, e->u.odict, "billing", ra, METER_PAYER_CALLER))
		return false;
	lim = odict_lookup(e->u.odict, "limit");
	if (lim && (lim->type != ODICT_STRING ||
		    !limit_parse(&a->limit, lim->u.str))) {
		api_error(req, 400, "invalid_field", "billing.limit",
			  "extend, ask or cut");
		return false;
	}
	b = odict_lookup(e->u.odict, "bridge_to");
	if (b) {
		if (!a->bridge_to) {
			api_error(req, 422, "conflicting_fields",
				  "billing.bridge_to",
				  "billing.bridge_to needs bridge_to");
			return false;
		}
		if (b->type != ODICT_OBJECT) {
			api_error(req, 400, "invalid_field",
				  "billing.bridge_to",
				  "an object: {account, payer?}");
			return false;
		}
		if (!role_parse(req, b->u.odict, "billing.bridge_to", rb,
				ra->payer))
			return false;
	}
	else if (a->bridge_to) {
		*rb = *ra;
	}
	a->billed = true;
	return true;
}


/* the E.164 form of a destination that is a number, or "" */
static void number_of(char *out, size_t sz, const char *to)
{
	out[0] = '\0';
	if (to && call_number_like(to) &&
	    call_number_normalize(out, sz, to))
		out[0] = '\0';
}


static void create_dial(struct api_req *req, struct create_args *a);


/* a billed call: authorized on a store worker, then dialed */
struct bill_job {
	struct api_req *req;       /* mem_ref'd */
	struct create_args *a;     /* mem_ref'd */
	char call_id[CB_ID_LEN + 1];
};


static void bill_job_destructor(void *arg)
{
	struct bill_job *j = arg;

	mem_deref(j->a);
	mem_deref(j->req);
}


static void refusal_reply(struct api_req *req, const struct meter_refusal *r)
{
	uint16_t scode = 503;

	if (!strcmp(r->code, "insufficient_funds"))
		scode = 402;
	else if (!strcmp(r->code, "not_rated") ||
		 !strcmp(r->code, "unknown_account"))
		scode = 422;
	else if (!strcmp(r->code, "internal"))
		scode = 500;
	api_error(req, scode, r->code, r->field, r->message);
}


static void dial_fill(struct leg_dial *dial, const struct create_args *a)
{
	memset(dial, 0, sizeof(*dial));
	dial->to = a->to;
	dial->from_user = a->from;
	dial->ring_timeout_s = a->ring;
}


static void dial_error(struct api_req *req, int err)
{
	if (err == ENOENT || err == EINVAL)
		api_error(req, 422, "invalid_destination", "to",
			  "not a number, SIP URI or registered user");
	else if (err == EOVERFLOW || err == EADDRINUSE) {
		/* call limit, or every RTP port pair in use or resting */
		req->hdrs = "Retry-After: 1\r\n";
		api_error(req, 503, "capacity", NULL, err == EOVERFLOW ?
			  "too many calls" : "no media ports free");
		req->hdrs = NULL;
	}
	else
		api_error(req, 500, "internal", NULL, "cannot originate");
}


static void authorized(struct meter_bill *bill, const struct meter_refusal *r,
		       void *arg)
{
	struct bill_job *j = arg;
	struct call *call = call_find(j->call_id);
	struct leg_dial dial;
	int err;

	if (r->err) {
		log_info(NULL, "call=%s not authorized: %s", j->call_id,
			 r->code);
		orig_abort(call);
		refusal_reply(j->req, r);
		goto out;
	}
	if (!call) {
		meter_bill_abort(bill);
		api_error(j->req, 409, "canceled", NULL,
			  "the call was hung up before it was dialed");
		goto out;
	}
	dial_fill(&dial, j->a);
	err = orig_dial(call, &dial, j->a->callback, bill);
	if (err) {
		dial_error(j->req, err);
		goto out;
	}
	log_info(NULL, "call=%s billed, originated to %s", j->call_id,
		 j->a->to);
	api_reply_json(j->req, 201, "%H", api_json_call, call);
 out:
	mem_deref(j);
}


static void create_billed(struct api_req *req, struct create_args *a)
{
	struct meter_spec spec;
	struct bill_job *j;
	struct call *call = NULL;
	int err;

	j = mem_zalloc(sizeof(*j), bill_job_destructor);
	if (!j) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	j->req = mem_ref(req);
	j->a = mem_ref(a);
	err = orig_prepare(&call, a->from, a->bridge_to,
			   a->play[0] ? a->play : NULL, true,
			   req->who.tenant_id);
	if (err) {
		dial_error(req, err);
		mem_deref(j);
		return;
	}
	str_ncpy(j->call_id, call_id(call), sizeof(j->call_id));

	memset(&spec, 0, sizeof(spec));
	spec.tenant_id = call_tenant(call);
	spec.call_id = j->call_id;
	spec.limit = a->limit;
	for (int i = 0; i < METER_ROLE_MAX; i++) {
		struct meter_role_spec *rs = &spec.rolev[i];
		const char *dest = i == METER_ROLE_A ? a->to : a->bridge_to;

		if (!dest)
			continue;
		number_of(a->numv[i], sizeof(a->numv[i]), dest);
		rs->present = true;
		rs->number = a->numv[i][0] ? a->numv[i] : NULL;
		rs->peer = a->numv[i][0] ? a->numv[i] : dest;
		rs->account = a->rolev[i].account;
		rs->payer = a->rolev[i].payer;
	}
	err = meter_authorize(&spec, authorized, j);
	if (err) {
		orig_abort(call);
		api_error(req, 503, "unavailable", NULL,
			  "cannot authorize the call");
		mem_deref(j);
	}
}


static void create_dial(struct api_req *req, struct create_args *a)
{
	struct leg_dial dial;
	struct call *call = NULL;
	int err;

	if (a->billed) {
		create_billed(req, a);
		return;
	}
	dial_fill(&dial, a);
	err = orig_start(&call, &dial, a->bridge_to,
			 a->play[0] ? a->play : NULL, true, a->callback,
			 req->who.tenant_id);
	if (err) {
		dial_error(req, err);
		return;
	}

	log_info(NULL, "call=%s originated to %s%s%s", call_id(call), a->to,
		 a->bridge_to ? " bridge_to " : "",
		 a->bridge_to ? a->bridge_to : "");
	api_reply_json(req, 201, "%H", api_json_call, call);
}


/* `say` is in the cache now: dial, and play it on answer */
static void create_said(struct api_req *req, const char *path, bool cached,
			void *arg)
{
	struct create_args *a = arg;
	(void)cached;

	str_ncpy(a->play, path, sizeof(a->play));
	create_dial(req, a);
}


void api_calls_create(struct api_req *req)
{
	const char *play, *say, *voice;
	struct create_args *a;

	if (!req->body) {
		api_error(req, 400, "missing_body", NULL,
			  "a JSON object is required");
		return;
	}
	a = mem_zalloc(sizeof(*a), NULL);
	if (!a) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!get_str(req, "to", &a->to, true) ||
	    !get_str(req, "from", &a->from, false) ||
	    !get_str(req, "bridge_to", &a->bridge_to, false) ||
	    !get_str(req, "play", &play, false) ||
	    !api_say_fields(req, &say, &voice) ||
	    !get_str(req, "status_callback", &a->callback, false) ||
	    !get_uint(req, "ring_timeout", &a->ring, 1, 600))
		goto out;

	if (a->callback && !webhook_url_valid(a->callback)) {
		api_error(req, 400, "invalid_field", "status_callback",
			  "an http:// URL of at most 256 characters");
		goto out;
	}

	if ((a->bridge_to != NULL) + (play != NULL) + (say != NULL) > 1) {
		api_error(req, 422, "conflicting_fields", say ? "say" : "play",
			  "give one of bridge_to, play or say");
		goto out;
	}
	if (play && !prompt_path(req, "play", play, a->play, sizeof(a->play)))
		goto out;
	if (!number_ok(req, "to", a->to) ||
	    (a->bridge_to && !number_ok(req, "bridge_to", a->bridge_to)))
		goto out;
	if (!billing_parse(req, a))
		goto out;

	/* synthesized before dialing: a failure is a 503, not a call */
	if (say)
		api_say(req, say, voice, create_said, a);
	else
		create_dial(req, a);
 out:
	mem_deref(a);
}


void api_calls_get(struct api_req *req)
{
	struct call *call = find_call(req);

	if (call)
		api_reply_json(req, 200, "%H", api_json_call, call);
}


void api_calls_delete(struct api_req *req)
{
	struct call *call = find_call(req);

	if (!call)
		return;
	/* a billed call still being authorized: it will never be dialed */
	if (!call_leg(call, 0)) {
		api_reply_json(req, 200, "%H", api_json_call, call);
		orig_abort(call);
		return;
	}
	(void)call_hangup(call, CAUSE_NORMAL);
	api_reply_json(req, 200, "%H", api_json_call, call);
}


void api_leg_dtmf(struct api_req *req)
{
	struct call *call = find_call(req);
	struct leg *leg = call ? find_leg(req, call) : NULL;
	const char *digits;

	if (!leg || !get_str(req, "digits", &digits, true))
		return;
	if (strlen(digits) > 20 ||
	    strspn(digits, "0123456789*#ABCD") != strlen(digits)) {
		api_error(req, 400, "invalid_field", "digits",
			  "up to 20 of 0-9 * # A-D");
		return;
	}
	if (leg_state(leg) != LEG_ANSWERED) {
		api_error(req, 409, "not_answered", NULL,
			  "the leg is not answered");
		return;
	}
	if (leg_dtmf_send(leg, digits)) {
		api_error(req, 500, "internal", NULL, "cannot send digits");
		return;
	}
	api_reply_json(req, 202, "{\"sent\":%H}", api_json_str, digits);
}


/* `say` on a leg is in the cache now: is the leg still there? */
static void play_said(struct api_req *req, const char *path, bool cached,
		      void *arg)
{
	struct call *call = find_call(req);
	struct leg *leg = call ? find_leg(req, call) : NULL;
	bool loop = false;
	(void)arg;

	if (!leg)
		return;
	(void)get_bool(req, "loop", &loop);     /* checked before */
	if (leg_state(leg) == LEG_ENDED) {
		api_error(req, 409, "ended", NULL, "the leg has ended");
		return;
	}
	if (leg_play(leg, path, loop)) {
		api_error(req, 422, "cannot_play", "say",
			  "the spoken text cannot be played");
		return;
	}
	api_reply_json(req, 202, "{\"playing\":true,\"cached\":%s}",
		       cached ? "true" : "false");
}


void api_leg_play(struct api_req *req)
{
	struct call *call = find_call(req);
	struct leg *leg = call ? find_leg(req, call) : NULL;
	const char *file, *tone, *say, *voice;
	bool loop = false, stop = false;
	char path[320];
	int err;

	if (!leg || !get_str(req, "file", &file, false) ||
	    !get_str(req, "tone", &tone, false) ||
	    !api_say_fields(req, &say, &voice) ||
	    !get_bool(req, "loop", &loop) || !get_bool(req, "stop", &stop))
		return;

	if (leg_state(leg) == LEG_ENDED) {
		api_error(req, 409, "ended", NULL, "the leg has ended");
		return;
	}
	if (stop) {
		(void)leg_stop(leg);
		api_reply_json(req, 202, "{\"stopped\":true}");
		return;
	}
	if (say) {
		if (file || tone) {
			api_error(req, 422, "conflicting_fields", "say",
				  "give one of file, tone or say");
			return;
		}
		api_say(req, say, voice, play_said, NULL);
		return;
	}
	if (file) {
		if (!prompt_path(req, "file", file, path, sizeof(path)))
			return;
		err = leg_play(leg, path, loop);
	}
	else if (tone) {
		int t = !strcmp(tone, "ringback") ? MEDIA_TONE_RINGBACK :
			!strcmp(tone, "beep") ? MEDIA_TONE_BEEP :
			!strcmp(tone, "busy") ? MEDIA_TONE_BUSY : -1;

		if (t < 0) {
			api_error(req, 400, "invalid_field", "tone",
				  "ringback, beep or busy");
			return;
		}
		err = leg_tone(leg, t, loop);
	}
	else {
		api_error(req, 400, "missing_field", "file",
			  "give file, tone, say or stop");
		return;
	}

	if (err == ENOENT)
		api_error(req, 404, "not_found", "file", "no such prompt");
	else if (err)
		api_error(req, 422, "cannot_play", "file",
			  "not an 8/16 kHz mono WAV");
	else
		api_reply_json(req, 202, "{\"playing\":true}");
}


void api_leg_hold(struct api_req *req)
{
	struct call *call = find_call(req);
	struct leg *leg = call ? find_leg(req, call) : NULL;
	bool hold = true;

	if (!leg || !get_bool(req, "hold", &hold))
		return;
	if (leg_hold(leg, hold)) {
		api_error(req, 409, "not_answered", NULL,
			  "the leg is not answered");
		return;
	}
	api_reply_json(req, 202, "{\"hold\":%s}", hold ? "true" : "false");
}
