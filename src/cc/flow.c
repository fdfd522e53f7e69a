/**
 * @file cc/flow.c  A request's calls: customer first, then the agent
 *
 * The order of calls of seed 003 (FIG. 7), driven by call events:
 *
 *  1. the announcement ("Please hold while we connect you to <business>
 *     customer representative") is synthesized first (tts cache), so it
 *     plays the moment the customer answers;
 *  2. a billed business's hold is authorized (meter: leg A the customer,
 *     leg B the agent, both paid by the business's account); a refusal
 *     fails the request and nothing is dialed.  Leg B is rated when the
 *     agent is known, just before it rings (meter_role_rate: a number is
 *     rated and the hold extended; a user or SIP URI is free);
 *  3. the customer is called; no answer, busy or an invalid number end
 *     the request there, and no agent is disturbed;
 *  4. on answer the announcement plays, the request joins the business's
 *     queue, and hold music (looped) follows, with the position spoken
 *     every position_s; pressing 1 asks to be called back instead;
 *  5. the ACD offers the request to an agent (offer.c): the agent's
 *     phone rings as the second leg of the same call, showing the
 *     customer's number; on answer the two are bridged.
 *
 * A callback request (the customer pressed 1) is placed when its turn
 * comes the other way round, in a new call: the agent first, then the
 * customer, bridged when the customer answers.
 *
 * Events find their request by call id, and their leg by pointer (the
 * legs are borrowed until they end).  A leg that ends inside call_dial()
 * is known by `dialing`.
 */
#include <string.h>
#include <re.h>
#include "cc.h"
#include "cb_tts.h"
#include "cb_media.h"
#include "cb_meter.h"

static const char bye_text[] = "We will call you back. Goodbye.";


static struct cc_req *find_call(const char *call_id)
{
	struct le *le;

	LIST_FOREACH(cc_reqs(), le) {
		struct cc_req *r = le->data;

		if (r->call && !strcmp(r->row.call_id, call_id))
			return r;
	}
	return NULL;
}


static enum cc_status status_of_cause(enum leg_cause cause)
{
	switch (cause) {

	case CAUSE_BUSY:
	case CAUSE_REJECTED:       return CC_BUSY;
	case CAUSE_NO_ANSWER:      return CC_NO_ANSWER;
	case CAUSE_INVALID_NUMBER: return CC_INVALID_NUMBER;
	default:                   return CC_FAILED;
	}
}


static void hold_path(char *buf, size_t sz, const struct cc_biz *biz)
{
	const char *f = biz->row.hold_prompt[0] ? biz->row.hold_prompt
						: "hold.wav";

	(void)re_snprintf(buf, sz, "%s/%s", cc_config()->prompt_dir, f);
}


/** Hold music for the customer, looped */
void cc_flow_hold(struct cc_req *r)
{
	char path[512];
	int err;

	if (!r->cust)
		return;
	hold_path(path, sizeof(path), r->biz);
	err = leg_play(r->cust, path, true);
	if (err) {
		/* no music: ringback keeps the customer informed */
		log_warn(NULL, "cc request=%s no hold music %s (%m)",
			 r->row.id, path, err);
		err = leg_tone(r->cust, MEDIA_TONE_RINGBACK, true);
	}
	r->media = err ? CC_MEDIA_NONE : CC_MEDIA_HOLD;
}


/* ---- position announcements ------------------------------------------- */

static void said_position(int err, const char *path, bool cached, void *arg)
{
	struct cc_req *r = arg;
	bool played = !err && path && r->cust && r->st == CC_QUEUED &&
		r->media == CC_MEDIA_HOLD && !leg_play(r->cust, path, false);
	(void)cached;

	r->tts = mem_deref(r->tts);
	if (!played)
		return;
	r->media = CC_MEDIA_POSITION;
	++r->announcements;
	r->announced_pos = r->pos_pending;
	if (r->call) {
		char json[96];

		(void)re_snprintf(json, sizeof(json), "\"request_id\":\"%s\","
				  "\"position\":%u", r->row.id,
				  r->announced_pos);
		(void)call_app_publish(r->call, r->cust, "acd.position", json);
	}
}


static void pos_handler(void *arg)
{
	struct cc_req *r = arg;
	char text[128];

	if (r->st != CC_QUEUED && r->st != CC_OFFERED)
		return;
	tmr_start(&r->tmr_pos, r->biz->row.position_s * 1000, pos_handler,
		  r);
	if (r->st != CC_QUEUED || !r->cust || r->media != CC_MEDIA_HOLD ||
	    r->tts)
		return;
	r->pos_pending = acd_req_position(r->areq);
	(void)cc_position_text(text, sizeof(text), r->pos_pending);
	if (tts_say(&r->tts, text, NULL, said_position, r))
		r->tts = NULL;
}


/* ---- the customer answers: announcement, queue ------------------------- */

static int enqueue(struct cc_req *r)
{
	char hint[ACD_NAME_MAX];
	const char *skill = NULL;
	unsigned level = 0;
	int err;

	if (r->row.agent_hint[0]) {
		(void)re_snprintf(hint, sizeof(hint), "@%s",
				  r->row.agent_hint);
		skill = hint;
		level = 1;
	}
	else if (r->row.skill[0]) {
		skill = r->row.skill;
		level = r->level;
	}
	err = acd_req_alloc(&r->areq, r->biz->q, skill, level, r);
	if (err)
		return err;
	r->queued_j = tmr_jiffies();
	return 0;
}


/**
 * A callback request back from the store: into the queue again, at the
 * back (the oldest is loaded first), waiting to ring an agent first
 */
int cc_flow_requeue(struct cc_req *r)
{
	int err;

	if (r->areq)
		return EALREADY;
	err = enqueue(r);
	if (!err)
		err = acd_req_callback(r->areq);
	if (err)
		r->areq = mem_deref(r->areq);
	return err;
}


static void customer_answered(struct cc_req *r)
{
	uint64_t now = cc_now();

	if (r->agent_answered) {
		/* a callback: the agent waits on the line */
		(void)leg_stop(r->agl);
		(void)call_bridge(r->call, r->cust, r->agl);
		(void)acd_req_answered(r->areq);
		r->row.connected_ms = now;
		cc_req_set(r, CC_CONNECTED);
		return;
	}
	if (r->st != CC_CALLING)
		return;
	r->row.answered_ms = now;
	if (enqueue(r)) {
		(void)leg_hangup(r->cust, CAUSE_FAILED);
		cc_req_end(r, CC_FAILED, "internal");
		return;
	}
	if (r->ann[0] && !leg_play(r->cust, r->ann, false))
		r->media = CC_MEDIA_ANNOUNCE;
	else
		cc_flow_hold(r);
	cc_req_set(r, CC_QUEUED);
	if (r->biz->row.position_s)
		tmr_start(&r->tmr_pos, r->biz->row.position_s * 1000,
			  pos_handler, r);
	cc_dispatch(r->biz);
}


/* ---- the agent answers: bridge ------------------------------------------ */

static void agent_answered(struct cc_req *r)
{
	int err;

	if (r->st != CC_OFFERED) {
		(void)leg_hangup(r->agl, CAUSE_NORMAL);
		return;
	}
	if (!r->cust) {
		/* a callback: now the customer, the agent hears ringback */
		r->agent_answered = true;
		(void)leg_tone(r->agl, MEDIA_TONE_RINGBACK, true);
		err = cc_flow_dial(r, CC_DIAL_CUSTOMER);
		if (err && !cc_status_final(r->st)) {
			(void)leg_hangup(r->agl, CAUSE_NORMAL);
			cc_req_end(r, err == ENOENT || err == EINVAL ?
				   CC_INVALID_NUMBER : CC_FAILED,
				   "customer-dial");
		}
		return;
	}
	tmr_cancel(&r->tmr_pos);
	r->tts = mem_deref(r->tts);
	r->media = CC_MEDIA_NONE;
	(void)leg_stop(r->cust);
	err = call_bridge(r->call, r->cust, r->agl);
	if (err) {
		log_warn(NULL, "cc request=%s cannot bridge (%m)", r->row.id,
			 err);
		(void)leg_hangup(r->agl, CAUSE_FAILED);
		return;
	}
	(void)acd_req_answered(r->areq);
	r->row.connected_ms = cc_now();
	r->row.wait_ms = r->row.connected_ms > r->row.answered_ms ?
		r->row.connected_ms - r->row.answered_ms : 0;
	cc_req_set(r, CC_CONNECTED);
}


/* ---- legs end ----------------------------------------------------------- */

static void customer_ended(struct cc_req *r, enum leg_cause cause)
{
	switch (r->st) {

	case CC_CALLING:
		cc_req_end(r, status_of_cause(cause), cause_name(cause));
		break;

	case CC_QUEUED:
	case CC_OFFERED:
		if (r->agl)
			(void)leg_hangup(r->agl, CAUSE_NORMAL);
		if (r->agent_answered)
			/* the callback's customer did not answer */
			cc_req_end(r, status_of_cause(cause),
				   cause_name(cause));
		else
			cc_req_end(r, CC_ABANDONED, "customer-hangup");
		break;

	case CC_CONNECTED:
		if (r->agl)
			(void)leg_hangup(r->agl, CAUSE_NORMAL);
		cc_req_end(r, CC_COMPLETED, cause_name(cause));
		break;

	default:
		/* callback: the customer hung up after the goodbye */
		break;
	}
}


static void agent_ended(struct cc_req *r, enum leg_cause cause)
{
	switch (r->st) {

	case CC_CONNECTED:
		if (r->cust)
			(void)leg_hangup(r->cust, CAUSE_NORMAL);
		cc_req_end(r, CC_COMPLETED, cause_name(cause));
		break;

	case CC_OFFERED:
		if (r->agent_answered) {
			/* the agent left while the customer's phone rang:
			 * the callback waits again at its place (the leg
			 * is forgotten first: its end changes nothing) */
			struct leg *cust = r->cust;

			r->cust = NULL;
			r->agent_answered = false;
			r->media = CC_MEDIA_NONE;
			if (cust)
				(void)leg_hangup(cust, CAUSE_NORMAL);
			cc_offer_noanswer(r);
			break;
		}
		cc_offer_noanswer(r);
		break;

	default:
		break;
	}
}


/* ---- the customer's keys and prompts ------------------------------------ */

static void said_bye(int err, const char *path, bool cached, void *arg)
{
	struct cc_req *r = arg;
	(void)cached;

	if (r->cust) {
		if (!err && path && !leg_play(r->cust, path, false))
			r->media = CC_MEDIA_BYE;
		else
			(void)leg_hangup(r->cust, CAUSE_NORMAL);
	}
	r->tts = mem_deref(r->tts);
}


static void dtmf(struct cc_req *r, char digit)
{
	if (digit != '1' || r->st != CC_QUEUED || !r->areq ||
	    acd_req_is_callback(r->areq))
		return;
	if (acd_req_callback(r->areq))
		return;
	tmr_cancel(&r->tmr_pos);
	r->tts = mem_deref(r->tts);
	cc_req_set(r, CC_CALLBACK);
	/* the customer's leg goes after the goodbye; the request stays */
	if (tts_say(&r->tts, bye_text, NULL, said_bye, r)) {
		r->tts = NULL;
		(void)leg_hangup(r->cust, CAUSE_NORMAL);
	}
}


static void play_done(struct cc_req *r)
{
	enum cc_media m = r->media;

	r->media = CC_MEDIA_NONE;
	switch (m) {

	case CC_MEDIA_ANNOUNCE:
	case CC_MEDIA_POSITION:
		if (r->st == CC_QUEUED || r->st == CC_OFFERED)
			cc_flow_hold(r);
		break;

	case CC_MEDIA_BYE:
		(void)leg_hangup(r->cust, CAUSE_NORMAL);
		break;

	default:
		break;
	}
}


/* ---- events ------------------------------------------------------------- */

/* which of the request's legs; a new one is adopted while dialing */
static enum cc_dialing leg_which(struct cc_req *r, struct leg *leg)
{
	if (!leg)
		return CC_DIAL_NONE;
	if (leg == r->cust)
		return CC_DIAL_CUSTOMER;
	if (leg == r->agl)
		return CC_DIAL_AGENT;
	if (r->dialing == CC_DIAL_CUSTOMER)
		r->cust = leg;
	else if (r->dialing == CC_DIAL_AGENT)
		r->agl = leg;
	else
		return CC_DIAL_NONE;
	{
		enum cc_dialing d = r->dialing;

		r->dialing = CC_DIAL_NONE;
		return d;
	}
}


/* another contact of a user agent (forked) answered first */
static void fork_answered(struct cc_req *r, struct leg *leg)
{
	struct leg *old = r->agl;

	if (r->st != CC_OFFERED || !old || leg_state(old) == LEG_ANSWERED) {
		(void)leg_hangup(leg, CAUSE_NORMAL);
		return;
	}
	r->agl = leg;
	(void)leg_hangup(old, CAUSE_CANCELED);
	agent_answered(r);
}


static void leg_changed(struct cc_req *r, const struct call_event *ev)
{
	struct leg *leg = (struct leg *)ev->leg;
	enum cc_dialing which = leg_which(r, leg);

	if (which == CC_DIAL_NONE) {
		if (ev->new_state == LEG_ANSWERED)
			fork_answered(r, leg);
		return;
	}
	if (ev->new_state == LEG_ANSWERED) {
		if (which == CC_DIAL_CUSTOMER)
			customer_answered(r);
		else
			agent_answered(r);
	}
	else if (ev->new_state == LEG_ENDED) {
		if (which == CC_DIAL_CUSTOMER) {
			r->cust = NULL;
			r->media = CC_MEDIA_NONE;
			customer_ended(r, ev->cause);
		}
		else {
			r->agl = NULL;
			agent_ended(r, ev->cause);
		}
	}
}


void cc_flow_event(const struct call_event *ev, void *arg)
{
	struct cc_req *r;
	(void)arg;

	if (!ev->call_id || ev->type == CALL_EV_APP)
		return;
	r = find_call(ev->call_id);
	if (!r)
		return;

	switch (ev->type) {

	case CALL_EV_LEG_STATE:
		leg_changed(r, ev);
		break;

	case CALL_EV_DTMF:
		if (ev->leg && ev->leg == r->cust)
			dtmf(r, ev->digit);
		break;

	case CALL_EV_PLAY_DONE:
		if (ev->leg && ev->leg == r->cust)
			play_done(r);
		break;

	case CALL_EV_CALL_END:
		r->call = NULL;
		r->cust = r->agl = NULL;
		if (r->st == CC_CALLING)
			cc_req_end(r, CC_FAILED, cause_name(ev->cause));
		break;

	default:
		break;
	}
}


/* ---- dialing ------------------------------------------------------------ */

/**
 * Dial the customer or the agent as a leg of the request's call
 *
 * @return 0, or an errno of call_dial() (nothing was dialed)
 */
int cc_flow_dial(struct cc_req *r, enum cc_dialing which)
{
	const struct cc_biz *biz = r->biz;
	struct leg_dial dial;
	struct leg *leg = NULL;
	char cid[CB_ID_LEN + 1];
	int err;

	if (!r->call)
		return EINVAL;
	memset(&dial, 0, sizeof(dial));
	if (which == CC_DIAL_CUSTOMER) {
		dial.to = r->row.customer;
		dial.from_name = biz->row.name[0] ? biz->row.name : NULL;
	}
	else {
		if (!r->agent)
			return ENOENT;
		dial.to = r->agent->row.endpoint;
		dial.from_user = r->row.customer;
		dial.from_name = r->row.customer_name[0] ?
			r->row.customer_name : NULL;
		dial.ring_timeout_s = biz->row.ring_s;
	}
	str_ncpy(cid, r->row.call_id, sizeof(cid));
	r->dialing = which;
	err = call_dial(r->call, &leg, &dial);
	if (r->dialing == which && !err && leg) {
		if (which == CC_DIAL_CUSTOMER)
			r->cust = leg;
		else
			r->agl = leg;
	}
	r->dialing = CC_DIAL_NONE;
	if (!err && leg && r->billed)
		(void)meter_leg_add(cid, leg, which == CC_DIAL_CUSTOMER ?
				    METER_ROLE_A : METER_ROLE_B);
	if (!err && !leg)
		err = ENOENT;
	return err;
}


/* a call that never got a leg up goes, with its bill's holds */
static void call_drop(struct cc_req *r)
{
	struct call *call = r->call;

	if (!call)
		return;
	r->call = NULL;
	r->cust = r->agl = NULL;
	(void)call_hangup(call, CAUSE_FAILED);
	if (r->billed)
		(void)meter_call_ended(call_id(call));
	mem_deref(call);
}


/* a meter refusal as a request's cause: "insufficient-funds" */
static void refusal_cause(char *cause, size_t sz,
			  const struct meter_refusal *rf)
{
	str_ncpy(cause, rf->code ? rf->code : "refused", sz);
	for (char *p = cause; *p; p++)
		if (*p == '_')
			*p = '-';
}


/* the offered agent cannot be rung: the next one (a callback's call,
 * which has no leg yet, goes) */
static void agent_unreachable(struct cc_req *r)
{
	if (r->st != CC_OFFERED || r->agl)
		return;
	if (!r->cust)
		call_drop(r);
	cc_offer_noanswer(r);
}


/* ---- the agent's leg of a billed call: rated first ---------------------- */

struct rate_job {
	char id[CB_ID_LEN + 1];
	char agent[CB_ID_LEN + 1];
	char call[CB_ID_LEN + 1];
};


static void agent_rated(struct meter_bill *bill,
			const struct meter_refusal *rf, void *arg)
{
	struct rate_job *j = arg;
	struct cc_req *r = cc_req_find(j->id);
	struct leg *cust;
	char cause[24];
	(void)bill;

	/* still the same offer of the same call? */
	if (!r || !cc_running() || r->st != CC_OFFERED || !r->call ||
	    !r->agent || strcmp(r->agent->row.id, j->agent) ||
	    strcmp(r->row.call_id, j->call))
		goto out;
	if (rf->err) {
		refusal_cause(cause, sizeof(cause), rf);
		log_info(NULL, "cc request=%s agent=%s at %s not authorized: "
			 "%s", r->row.id, j->agent, r->agent->row.endpoint,
			 cause);
		/* ended first, so the customer's hang-up is not taken
		 * for an abandon */
		cust = r->cust;
		if (!cust)
			call_drop(r);
		cc_req_end(r, CC_FAILED, cause);
		if (cust)
			(void)leg_hangup(cust, CAUSE_NORMAL);
		goto out;
	}
	if (cc_flow_dial(r, CC_DIAL_AGENT))
		agent_unreachable(r);
 out:
	mem_deref(j);
}


/*
 * A billed call's leg B is the agent's: a number (a home agent through
 * the trunk) is rated and the business's hold extended before it rings
 * (meter_role_rate); a registered user or a SIP URI costs nothing
 */
static int agent_rate(struct cc_req *r)
{
	const char *ep = r->agent->row.endpoint;
	const char *number = NULL;
	char e164[64];
	struct rate_job *j;
	int err;

	if (call_number_like(ep) &&
	    !call_number_normalize(e164, sizeof(e164), ep))
		number = e164;
	j = mem_zalloc(sizeof(*j), NULL);
	if (!j)
		return ENOMEM;
	str_ncpy(j->id, r->row.id, sizeof(j->id));
	str_ncpy(j->agent, r->agent->row.id, sizeof(j->agent));
	str_ncpy(j->call, r->row.call_id, sizeof(j->call));
	err = meter_role_rate(r->row.call_id, METER_ROLE_B, number, ep,
			      agent_rated, j);
	if (err != EINPROGRESS)
		mem_deref(j);
	return err;
}


/**
 * Ring the offered agent as a leg of the request's call (rated first
 * when the call is billed); on an error nothing rings
 */
int cc_flow_agent(struct cc_req *r)
{
	int err;

	if (!r->agent || !r->call)
		return ENOENT;
	if (r->billed) {
		err = agent_rate(r);
		if (err == EINPROGRESS)
			return 0;
		if (err) {
			log_warn(NULL, "cc request=%s agent leg not rated "
				 "(%m)", r->row.id, err);
			return err;
		}
	}
	return cc_flow_dial(r, CC_DIAL_AGENT);
}


/* the first leg of the request's (new) call */
static void first_dial(struct cc_req *r, bool agent_first)
{
	int err;

	if (agent_first) {
		if (cc_flow_agent(r))
			agent_unreachable(r);
		return;
	}
	err = cc_flow_dial(r, CC_DIAL_CUSTOMER);
	if (err && r->st == CC_CALLING) {
		call_drop(r);
		cc_req_end(r, err == ENOENT || err == EINVAL ?
			   CC_INVALID_NUMBER : CC_FAILED, "dial");
	}
}


struct auth_job {
	char id[CB_ID_LEN + 1];
	bool agent_first;
};


static void authorized(struct meter_bill *bill, const struct meter_refusal *rf,
		       void *arg)
{
	struct auth_job *j = arg;
	struct cc_req *r = cc_req_find(j->id);
	bool live = r && r->call && cc_running() &&
		(r->st == CC_CALLING || r->st == CC_OFFERED);
	char cause[24];

	if (rf->err || !live) {
		if (!rf->err)
			meter_bill_abort(bill);
		if (r && r->call) {
			struct call *call = r->call;

			r->call = NULL;
			mem_deref(call);
		}
		if (r && rf->err) {
			refusal_cause(cause, sizeof(cause), rf);
			log_info(NULL, "cc request=%s not authorized: %s",
				 r->row.id, cause);
			cc_req_end(r, CC_FAILED, cause);
		}
		goto out;
	}
	if (meter_bill_start(bill)) {
		call_drop(r);
		cc_req_end(r, CC_FAILED, "billing");
		goto out;
	}
	r->billed = true;
	first_dial(r, j->agent_first);
 out:
	mem_deref(j);
}


static int authorize(struct cc_req *r, bool agent_first)
{
	struct meter_spec spec;
	struct auth_job *j;
	int err;

	j = mem_zalloc(sizeof(*j), NULL);
	if (!j)
		return ENOMEM;
	str_ncpy(j->id, r->row.id, sizeof(j->id));
	j->agent_first = agent_first;
	memset(&spec, 0, sizeof(spec));
	spec.tenant_id = r->row.tenant_id;
	spec.call_id = r->row.call_id;
	spec.limit = -1;
	/* both legs are the business's: A the customer, B the agent
	 * (rated when an agent is chosen, cc_flow_agent) */
	spec.rolev[METER_ROLE_A].present = true;
	spec.rolev[METER_ROLE_A].number = r->row.customer;
	spec.rolev[METER_ROLE_A].peer = r->row.customer;
	spec.rolev[METER_ROLE_A].account = r->biz->row.billing_account;
	spec.rolev[METER_ROLE_A].payer = METER_PAYER_ACCOUNT;
	spec.rolev[METER_ROLE_B] = spec.rolev[METER_ROLE_A];
	spec.rolev[METER_ROLE_B].number = NULL;
	spec.rolev[METER_ROLE_B].peer = "agent";
	err = meter_authorize(&spec, authorized, j);
	if (err)
		mem_deref(j);
	return err;
}


/**
 * A new call for the request: the customer first, or (a callback) the
 * agent first; a billed business's hold is authorized before dialing
 */
void cc_flow_place(struct cc_req *r, bool agent_first)
{
	struct call *call = NULL;
	int err;

	err = call_alloc(&call);
	if (!err)
		err = call_tenant_set(call, r->row.tenant_id);
	if (err) {
		mem_deref(call);
		goto fail;
	}
	r->call = call;
	r->cust = r->agl = NULL;
	r->billed = false;
	r->agent_answered = false;
	str_ncpy(r->row.call_id, call_id(call), sizeof(r->row.call_id));
	cc_req_store(r);
	if (!r->biz->row.billing_account[0]) {
		first_dial(r, agent_first);
		return;
	}
	err = authorize(r, agent_first);
	if (!err)
		return;
	r->call = NULL;
	mem_deref(call);
 fail:
	log_warn(NULL, "cc request=%s cannot place a call (%m)", r->row.id,
		 err);
	if (agent_first)
		cc_offer_noanswer(r);
	else
		cc_req_end(r, CC_FAILED, "internal");
}


/* ---- start -------------------------------------------------------------- */

static void said_announcement(int err, const char *path, bool cached,
			      void *arg)
{
	struct cc_req *r = arg;
	(void)cached;

	if (err || !path)
		log_warn(NULL, "cc request=%s announcement not synthesized "
			 "(%m): hold music only", r->row.id, err);
	else
		str_ncpy(r->ann, path, sizeof(r->ann));
	r->tts = mem_deref(r->tts);
	if (r->st == CC_CALLING)
		cc_flow_place(r, false);
}


/** Place a request now: the announcement first, then the customer */
void cc_flow_start(struct cc_req *r)
{
	char text[STORE_CC_TEXT_MAX + 96];
	const struct cc_biz *biz = r->biz;

	cc_req_set(r, CC_CALLING);
	if (cc_announcement(text, sizeof(text), biz->row.announcement,
			    biz->row.name[0] ? biz->row.name : "our") ||
	    tts_text_problem(text) ||
	    tts_say(&r->tts, text, NULL, said_announcement, r)) {
		r->tts = NULL;
		log_warn(NULL, "cc request=%s announcement cannot be spoken",
			 r->row.id);
		cc_flow_place(r, false);
	}
}
