/**
 * @file api/callbacks_place.c  Web callbacks: placing a due one
 *
 * callbacks.c marks a due callback dialing and, once that is stored,
 * calls cbk_place.  The service decides what the call plays: `say` is
 * synthesized first (tts_say, asynchronous), `play` is a prompt of
 * media.prompt_dir, `bridge` connects the client to bridge_to.  The call
 * is an API-originated call (originate.c) of the callback's tenant; its
 * events go to the WebSocket and the status_callback.
 *
 * A billed callback is rated and held by the meter before anything is
 * dialed (meter_authorize, asynchronous): a refusal fails it with its
 * cause (insufficient-funds, not-rated, ...) and nothing rings.  The
 * POST of a billed callback due now is answered here, once it is known
 * whether the call was placed (struct cbk.req).
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_tts.h"
#include "cb_meter.h"
#include "callbacks.h"


static void cbk_dial_failed(struct cbk *c, int err)
{
	log_warn(NULL, "callback=%s cannot dial %s (%m)", c->row.id,
		 c->row.to, err);
	cbk_end(c, err == ENOENT || err == EINVAL ?
		CAUSE_INVALID_NUMBER : CAUSE_FAILED);
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
	if (!cbk_running() || c->state != CBK_DIALING) {
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

	err = orig_prepare(&call, NULL, cbk_bridge_of(r), play, true,
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
		const char *dest = i == METER_ROLE_A ? r->to :
			cbk_bridge_of(r);

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
	err = orig_start(&call, &dial, cbk_bridge_of(r), play, true,
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


/** Place a callback marked dialing: its service, then the call */
void cbk_place(struct cbk *c)
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

