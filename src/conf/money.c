/**
 * @file conf/money.c  A conference's money: pre-authorization, metering,
 *                     the conference monitor, settlement
 *
 * Seed 004: the owner pays before anything is dialed (a prepaid balance
 * or a card), the server pre-authorizes "a minimum charge or a
 * statistical estimate", every participant's leg is metered, a monitor
 * watches the pre-authorized limit, and the charge summary is final when
 * the conference ends.  The money is the meter's (src/meter/conf.c): one
 * bill keyed by the conference id, one hold, one leg per participant's
 * dial; this file is the conference's side of it:
 *
 *  - conf_authorize(): the numbers of the participants go to
 *    meter_conf_authorize(); granted, the bill starts (meter_conf_start)
 *    with this conference as its host; refused, nothing was dialed and
 *    nothing is held;
 *  - a dial (party.c) asks conf_money_can_dial() first: not authorized
 *    (EACCES), money used up (EPERM), a number not rated yet (EAGAIN: the
 *    API rates it with conf_party_rate(), which grows the hold, then
 *    dials again); the leg is then metered (conf_money_dialed());
 *  - the participants' call events are passed on to the meter
 *    (conf_money_event): answers and ends meter the legs, DTMF 1 answers
 *    the limit question of policy `ask`;
 *  - the meter's limit machinery is the monitor: policy `extend`
 *    re-authorizes, `ask` asks the web page and, on the bridge, everyone
 *    in the mixer (host_ask; DTMF 1 from any of them), `cut` (or a
 *    refused re-authorization) calls cut(): the announcement is played to
 *    everyone, then the conference ends;
 *  - when the conference has ended and every participant's call is gone,
 *    the bill settles (capture, CDRs, charge rows): GET .../summary is
 *    then final.  A billed conference also ends by itself once everyone
 *    who answered has left and nobody is on a call.
 *
 * Everything runs on the re_main thread.
 */
#include <string.h>
#include <re.h>
#include "conf.h"
#include "cb_store.h"
#include "cb_money.h"
#include "cb_meter.h"
#include "cb_tts.h"

enum { CUT_MS = 6000 };    /* the cut announcement's time, at most */

static const char cut_text[] = "The pre-authorized amount for this "
	"conference is used up. The conference ends now. Goodbye.";


static bool is_number(const char *target)
{
	return target && target[0] == '+';
}


/* ---- what the meter asks of us (struct meter_host) -------------------- */

static struct call *host_call(const char *lid, void *arg)
{
	struct conf *cf = arg;
	const struct conf_party *o = conf_owner(cf);
	struct le *le;

	LIST_FOREACH(&cf->parties, le) {
		const struct conf_party *p = le->data;

		if (lid && p->call && p->leg && !strcmp(leg_id(p->leg), lid))
			return p->call;
	}
	if (lid)
		return NULL;
	if (o && o->call)
		return o->call;
	LIST_FOREACH(&cf->parties, le) {
		const struct conf_party *p = le->data;

		if (p->call)
			return p->call;
	}
	return NULL;
}


static void cut_end(void *arg)
{
	struct conf *cf = arg;
	struct le *le;

	LIST_FOREACH(&cf->parties, le)
		(void)conf_party_hangup(le->data, "credit-exhausted");
	conf_finish(cf);
}


static void host_cut(void *arg)
{
	struct conf *cf = arg;
	bool played = false;
	struct le *le;

	if (cf->cut || cf->ended)
		return;
	cf->cut = true;
	log_info(NULL, "conf=%s the pre-authorized amount is used up: "
		 "ending", cf->id);
	LIST_FOREACH(&cf->parties, le) {
		struct conf_party *p = le->data;

		if (p->leg && p->stage == CONF_STAGE_IN && cf->cut_ann[0] &&
		    !leg_play(p->leg, cf->cut_ann, false))
			played = true;
	}
	if (played)
		tmr_start(&cf->tmr_cut, CUT_MS, cut_end, cf);
	else
		cut_end(cf);
}


/*
 * Policy ask: the question is put on the bridge.  The mixer has no source
 * of its own (a member is an endpoint), so the prompt is played to each
 * participant in the mixer: a play overrides the endpoint's mix while it
 * runs and the mix resumes by itself when it ends or is stopped, and the
 * participant keeps being heard by the others meanwhile.  Who joins
 * later does not hear it.  Any of them may press 1 (conf_money_event
 * passes digits of the participants in the mixer only: a 1 to join is
 * not a 1 to pay).
 */
static unsigned host_ask(const char *wav, void *arg)
{
	struct conf *cf = arg;
	unsigned n = 0;
	struct le *le;

	LIST_FOREACH(&cf->parties, le) {
		struct conf_party *p = le->data;

		if (!wav) {
			if (p->asked && p->leg)
				(void)leg_stop(p->leg);
			p->asked = false;
		}
		else if (p->leg && p->stage == CONF_STAGE_IN &&
			 !leg_play(p->leg, wav, false)) {
			p->asked = true;
			++n;
		}
	}
	return n;
}


static int amount_json(struct re_printf *pf, int64_t v, unsigned digits)
{
	char buf[40];

	if (money_fmt(buf, sizeof(buf), v, digits))
		return re_hprintf(pf, "null");
	return re_hprintf(pf, "\"%s\"", buf);
}


/* a participant's cost and billed seconds so far */
static void party_cost(const struct conf_party *p, int64_t *costp,
		       uint64_t *billed_sp)
{
	uint64_t b = 0;
	int64_t c = 0;

	if (p->mleg_id[0])
		(void)meter_conf_leg_cost(p->cf->id, p->mleg_id, &b, &c);
	*costp = p->cost_done + c;
	*billed_sp = p->billed_s_done + b;
}


static void host_cost(void *arg)
{
	struct conf *cf = arg;
	struct call *call = host_call(NULL, cf);
	struct mbuf *mb;

	if (!call)
		return;
	mb = mbuf_alloc(1024);
	if (!mb)
		return;
	if (!mbuf_printf(mb, "\"conference_id\":\"%s\",\"billing\":%H",
			 cf->id, conf_money_json, cf) &&
	    !mbuf_write_u8(mb, 0))
		(void)call_app_publish(call, NULL, "conference.cost",
				       (const char *)mb->buf);
	mem_deref(mb);
}


/* ---- authorization --------------------------------------------------- */

struct auth_ctx {
	struct conf *cf;                 /* mem_ref'd */
	conf_money_h *h;
	void *arg;
};


static void auth_ctx_destructor(void *arg)
{
	struct auth_ctx *a = arg;

	mem_deref(a->cf);
}


static void said_cut(int err, const char *path, bool cached, void *arg)
{
	struct conf *cf = arg;
	(void)cached;

	if (!err && path)
		str_ncpy(cf->cut_ann, path, sizeof(cf->cut_ann));
	cf->cut_tts = mem_deref(cf->cut_tts);
}


static void authorized(struct meter_bill *bill, const struct meter_refusal *r,
		       void *arg)
{
	struct auth_ctx *a = arg;
	struct conf *cf = a->cf;
	struct meter_refusal rr = *r;
	struct meter_host host;

	cf->authorizing = false;
	if (!r->err && (cf->ended || !conf_running())) {
		meter_bill_abort(bill);
		rr = (struct meter_refusal){EALREADY, "ended", NULL,
					    "the conference has ended"};
	}
	else if (!r->err) {
		host = (struct meter_host){host_call, host_cut, host_cost,
					   host_ask, cf};
		if (meter_conf_start(bill, &host)) {
			rr = (struct meter_refusal){EIO, "internal", NULL,
						    "cannot start metering"};
		}
		else {
			struct meter_conf_money m;

			cf->authorized = true;
			if (!meter_conf_money(cf->id, &m)) {
				str_ncpy(cf->currency, m.currency,
					 sizeof(cf->currency));
				cf->digits = m.digits;
			}
			if (tts_say(&cf->cut_tts, cut_text, NULL, said_cut,
				    cf))
				cf->cut_tts = NULL;
		}
	}
	a->h(&rr, a->arg);
	mem_deref(a);
}


int conf_numbers(const char *tenant, const char *id, char (*numv)[24],
		 unsigned max, unsigned *np)
{
	const struct conf *cf = conf_find(tenant, id);
	struct le *le;
	unsigned n = 0;

	if (!cf)
		return ENOENT;
	LIST_FOREACH(&cf->parties, le) {
		const struct conf_party *p = le->data;
		unsigned k;

		if (!is_number(p->target) || strlen(p->target) >= 24)
			continue;
		for (k = 0; k < n && strcmp(numv[k], p->target); k++)
			;
		if (k < n || n >= max)
			continue;
		str_ncpy(numv[n++], p->target, 24);
	}
	*np = n;
	return 0;
}


/**
 * Pre-authorize conference `id` on `account` (or its card `method`):
 * EINPROGRESS and h follows, or ENOENT, EALREADY (ended), EEXIST
 * (authorized already), EBUSY (authorizing, or a participant is on a
 * call: the money would miss it), ENOMEM
 */
int conf_authorize(const char *tenant, const char *id, const char *account,
		   const char *method, int limit, conf_money_h *h, void *arg)
{
	struct conf *cf = conf_find(tenant, id);
	char (*numv)[24] = NULL;
	const char *ptrs[CONF_PARTIES_MAX];
	struct meter_conf_spec spec;
	struct auth_ctx *a;
	unsigned n = 0;
	struct le *le;
	int err;

	if (!cf)
		return ENOENT;
	if (!account || !h)
		return EINVAL;
	if (cf->ended)
		return EALREADY;
	if (cf->authorized)
		return EEXIST;
	if (cf->authorizing)
		return EBUSY;
	LIST_FOREACH(&cf->parties, le) {
		if (conf_party_live(le->data))
			return EBUSY;
	}
	numv = mem_zalloc(CONF_PARTIES_MAX * sizeof(*numv), NULL);
	a = mem_zalloc(sizeof(*a), auth_ctx_destructor);
	if (!numv || !a) {
		mem_deref(numv);
		mem_deref(a);
		return ENOMEM;
	}
	(void)conf_numbers(tenant, id, numv, CONF_PARTIES_MAX, &n);
	for (unsigned i = 0; i < n; i++)
		ptrs[i] = numv[i];
	a->cf = mem_ref(cf);
	a->h = h;
	a->arg = arg;
	memset(&spec, 0, sizeof(spec));
	spec.tenant_id = cf->tenant;
	spec.conf_id = cf->id;
	spec.account = account;
	spec.method = method;
	spec.numv = ptrs;
	spec.numc = n;
	spec.limit = limit;
	err = meter_conf_authorize(&spec, authorized, a);
	mem_deref(numv);
	if (err) {
		mem_deref(a);
		return err;
	}
	cf->authorizing = true;
	return EINPROGRESS;
}


/* ---- dialing --------------------------------------------------------- */

/**
 * May p be dialed (with `target`, its number after the change)?  0 yes,
 * or EACCES / EPERM / EAGAIN / EOVERFLOW (cb_conf.h)
 */
int conf_money_can_dial(const struct conf_party *p, const char *target)
{
	const struct conf *cf = p->cf;
	int err;

	if (!cf->authorized)
		return cf->opts.billing_required || cf->authorizing
			? EACCES : 0;
	if (cf->cut)
		return EPERM;
	err = meter_conf_can_dial(cf->id, is_number(target) ? target : NULL);
	switch (err) {

	case 0:       return 0;
	case EAGAIN:  return EAGAIN;
	case ENOSPC:  return EOVERFLOW;
	default:      return EPERM;
	}
}


struct rate_ctx {
	struct conf *cf;                 /* mem_ref'd */
	conf_money_h *h;
	void *arg;
};


static void rate_ctx_destructor(void *arg)
{
	struct rate_ctx *c = arg;

	mem_deref(c->cf);
}


static void rated(struct meter_bill *bill, const struct meter_refusal *r,
		  void *arg)
{
	struct rate_ctx *c = arg;
	(void)bill;

	c->h(r, c->arg);
	mem_deref(c);
}


/**
 * Rate participant pid's number (target: the number it is about to get,
 * NULL: its own) and grow the hold for it: 0 done already (h not
 * called), EINPROGRESS (h follows), ENOENT, EACCES not authorized
 */
int conf_party_rate(const char *tenant, const char *id, const char *pid,
		    const char *target, conf_money_h *h, void *arg)
{
	struct conf *cf = conf_find(tenant, id);
	const struct conf_party *p = conf_party_find(cf, pid);
	struct rate_ctx *c;
	int err;

	if (!p || !h)
		return ENOENT;
	if (!cf->authorized)
		return EACCES;
	if (!target)
		target = p->target;
	if (!is_number(target))
		return 0;
	c = mem_zalloc(sizeof(*c), rate_ctx_destructor);
	if (!c)
		return ENOMEM;
	c->cf = mem_ref(cf);
	c->h = h;
	c->arg = arg;
	err = meter_conf_rate(cf->id, target, rated, c);
	if (err != EINPROGRESS)
		mem_deref(c);
	return err;
}


/** p's new leg is metered from now on (at its number's rate) */
void conf_money_dialed(struct conf_party *p, const struct leg *leg)
{
	int err;

	p->asked = false;              /* a new leg hears nothing yet     */
	if (!p->cf->authorized || !leg)
		return;
	err = meter_conf_leg_add(p->cf->id, leg,
				 is_number(p->target) ? p->target : NULL);
	if (err) {
		log_warn(NULL, "conf=%s participant=%s leg not metered (%m)",
			 p->cf->id, p->id, err);
		return;
	}
	str_ncpy(p->mleg_id, leg_id(leg), sizeof(p->mleg_id));
}


void conf_money_event(struct conf_party *p, const struct call_event *ev)
{
	if (ev->type == CALL_EV_PLAY_DONE && ev->leg && ev->leg == p->leg)
		p->asked = false;
	if (!p->cf->authorized)
		return;
	if (ev->type == CALL_EV_DTMF &&
	    (!ev->leg || ev->leg != p->leg || p->stage != CONF_STAGE_IN))
		return;
	meter_conf_event(p->cf->id, ev);
}


/** p's leg ended (the meter knows already): its cost is final */
void conf_money_leg_ended(struct conf_party *p)
{
	int64_t c = 0;
	uint64_t b = 0;

	if (p->answered)
		p->cf->any_answered = true;
	if (!p->mleg_id[0])
		return;
	if (!meter_conf_leg_cost(p->cf->id, p->mleg_id, &b, &c)) {
		p->cost_done += c;
		p->billed_s_done += b;
	}
	p->mleg_id[0] = '\0';
}


static bool nobody_on_a_call(const struct conf *cf)
{
	struct le *le;

	LIST_FOREACH(&cf->parties, le) {
		const struct conf_party *p = le->data;

		if (p->call)
			return false;
	}
	return true;
}


/**
 * A participant's call is gone (or the conference ended): a billed
 * conference whose participants have all left ends; an ended one whose
 * calls are all gone settles its bill
 */
void conf_money_call_ended(struct conf *cf)
{
	if (!cf->authorized || cf->settled || !nobody_on_a_call(cf))
		return;
	if (!cf->ended) {
		if (!cf->any_answered)
			return;
		log_info(NULL, "conf=%s everyone has left: ending", cf->id);
		conf_finish(cf);     /* calls us again */
		return;
	}
	cf->settled = true;
	tmr_cancel(&cf->tmr_cut);
	(void)meter_call_ended(cf->id);
	log_info(NULL, "conf=%s billing settles", cf->id);
}


/** The conference goes (linger over, shutdown): settle what is left */
void conf_money_close(struct conf *cf)
{
	tmr_cancel(&cf->tmr_cut);
	cf->cut_tts = mem_deref(cf->cut_tts);
	if (cf->authorized && !cf->settled) {
		cf->settled = true;
		(void)meter_call_ended(cf->id);
	}
	if (cf->authorized)
		meter_conf_detach(cf->id);
}


int conf_billing_confirm(const char *tenant, const char *id)
{
	const struct conf *cf = conf_find(tenant, id);

	if (!cf)
		return ENOENT;
	if (!cf->authorized)
		return EACCES;
	return meter_confirm(cf->id) ? EBUSY : 0;
}


/* ---- views ------------------------------------------------------------ */

/** A participant's "cost" members: its legs so far, null if not billed */
int conf_money_party_json(struct re_printf *pf, const struct conf_party *p)
{
	const struct conf *cf = p->cf;
	uint64_t b;
	int64_t c, per_min;
	int err;

	if (!cf->authorized)
		return re_hprintf(pf, "\"cost\":null,\"billed_s\":null,"
				  "\"rate_per_min\":null");
	party_cost(p, &c, &b);
	err = re_hprintf(pf, "\"cost\":");
	err |= amount_json(pf, c, cf->digits);
	err |= re_hprintf(pf, ",\"billed_s\":%llu,\"rate_per_min\":",
			  (unsigned long long)b);
	if (!is_number(p->target))
		err |= amount_json(pf, 0, cf->digits);
	else if (!meter_conf_rate_of(cf->id, p->target, &per_min))
		err |= amount_json(pf, per_min, cf->digits);
	else
		err |= re_hprintf(pf, "null");
	return err;
}


static int parties_cost_json(struct re_printf *pf, const struct conf *cf)
{
	int err = re_hprintf(pf, "[");

	for (struct le *le = cf->parties.head; le; le = le->next) {
		const struct conf_party *p = le->data;
		uint64_t b;
		int64_t c;

		party_cost(p, &c, &b);
		err |= re_hprintf(pf, "%s{\"id\":\"%s\",\"billed_s\":%llu,"
				  "\"cost\":", le == cf->parties.head ? ""
				  : ",", p->id, (unsigned long long)b);
		err |= amount_json(pf, c, cf->digits);
		err |= re_hprintf(pf, "}");
	}
	return err | re_hprintf(pf, "]");
}


/** A conference's "cost" member: what its legs cost so far, or null */
int conf_money_cost_json(struct re_printf *pf, const struct conf *cf)
{
	struct meter_conf_money m;
	int64_t sum = 0;
	uint64_t b;
	int64_t c;

	if (!cf->authorized)
		return re_hprintf(pf, "null");
	if (!meter_conf_money(cf->id, &m))
		return amount_json(pf, m.cost, m.digits);
	for (struct le *le = cf->parties.head; le; le = le->next) {
		party_cost(le->data, &c, &b);
		sum += c;
	}
	return amount_json(pf, sum, cf->digits);
}


/** A conference's "billing" object */
int conf_money_json(struct re_printf *pf, const struct conf *cf)
{
	struct meter_conf_money m;
	int err;

	if (!cf->authorized || meter_conf_money(cf->id, &m))
		return re_hprintf(pf, "{\"required\":%s,\"authorized\":%s,"
				  "\"authorizing\":%s,\"settled\":%s,"
				  "\"currency\":%s%s%s,\"participants\":%H}",
				  cf->opts.billing_required ? "true" : "false",
				  cf->authorized ? "true" : "false",
				  cf->authorizing ? "true" : "false",
				  cf->settled ? "true" : "false",
				  cf->authorized ? "\"" : "",
				  cf->authorized ? cf->currency : "null",
				  cf->authorized ? "\"" : "",
				  parties_cost_json, cf);
	err = re_hprintf(pf, "{\"required\":%s,\"authorized\":true,"
			 "\"authorizing\":false,\"settled\":false,"
			 "\"currency\":\"%s\",\"account\":\"%s\","
			 "\"hold_id\":\"%s\",\"policy\":\"%s\","
			 "\"state\":\"%s\",\"limit_ms\":%llu,\"held\":",
			 cf->opts.billing_required ? "true" : "false",
			 m.currency, m.account_id, m.hold_id, m.policy,
			 m.state, (unsigned long long)m.limit_ms);
	err |= amount_json(pf, m.authorized, m.digits);
	err |= re_hprintf(pf, ",\"cost\":");
	err |= amount_json(pf, m.cost, m.digits);
	err |= re_hprintf(pf, ",\"total\":");
	err |= amount_json(pf, m.total, m.digits);
	return err | re_hprintf(pf, ",\"participants\":%H}",
				parties_cost_json, cf);
}
