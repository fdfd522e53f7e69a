/**
 * @file conf/party.c  A participant's calls: dial, answer, join, leave
 *
 * Each dial is a new call of the conference's tenant with one outbound
 * leg (a number through the trunk, or a SIP URI).  Call events find the
 * participant by call id; a leg that ends inside call_dial() (invalid
 * number, no free line) is known by cf->dialing.  On answer:
 *
 *  1. the owner joins the mixer at once;
 *  2. others hear the invitation first if announce_join (PLAY_DONE ends
 *     it), then, with confirm_dtmf, must press 1 (RFC 4733) within
 *     confirm_s or are hung up (cause "not-confirmed");
 *  3. joining the mixer (and leaving it, when a joined leg ends) beeps
 *     to the owner, if the owner is in.
 *
 * A participant on hold (a re-INVITE sendonly) is also deaf and muted in
 * the mixer until it comes back (conf_party_media()).
 *
 * Every status change, and every change of mute/deaf/hold or of talking
 * (the media engine's voice activity, CALL_EV_TALKING), goes through
 * conf_party_set(), which publishes "conference.participant" on the
 * participant's call (the tenant's WebSocket and webhooks see it).
 */
#include <string.h>
#include <re.h>
#include "conf.h"
#include "cb_media.h"

static void party_destructor(void *arg)
{
	struct conf_party *p = arg;

	tmr_cancel(&p->tmr_confirm);
	list_unlink(&p->le);
	if (p->leg && leg_state(p->leg) < LEG_ENDING)
		(void)leg_hangup(p->leg, CAUSE_NORMAL);
}


int conf_party_alloc(struct conf_party **pp, struct conf *cf,
		     const struct conf_party_in *in, bool owner)
{
	struct conf_party *p;

	if (!pp || !cf || !in || !str_isset(in->target) ||
	    strlen(in->target) > CONF_TARGET_MAX ||
	    (in->name && strlen(in->name) > CONF_NAME_MAX))
		return EINVAL;
	p = mem_zalloc(sizeof(*p), party_destructor);
	if (!p)
		return ENOMEM;
	p->cf = cf;
	p->owner = owner;
	(void)re_snprintf(p->id, sizeof(p->id), "p%u", ++cf->next_pid);
	str_ncpy(p->name, in->name ? in->name : "", sizeof(p->name));
	str_ncpy(p->target, in->target, sizeof(p->target));
	p->st = CONF_ONHOOK;
	tmr_init(&p->tmr_confirm);
	list_append(&cf->parties, &p->le, p);
	*pp = p;
	return 0;
}


bool conf_party_live(const struct conf_party *p)
{
	return p->call != NULL || conf_status_live(p->st);
}


static int ms_json(struct re_printf *pf, const uint64_t *ms)
{
	return *ms ? re_hprintf(pf, "%llu", *ms) : re_hprintf(pf, "null");
}


static const char *stage_name(enum conf_stage s)
{
	switch (s) {

	case CONF_STAGE_ANNOUNCE: return "announcement";
	case CONF_STAGE_CONFIRM:  return "confirm";
	case CONF_STAGE_IN:       return "in";
	default:                  return "none";
	}
}


int conf_party_json(struct re_printf *pf, const struct conf_party *p)
{
	return re_hprintf(pf, "{\"id\":\"%s\",\"name\":%H,\"number\":%H,"
			  "\"owner\":%s,\"status\":\"%s\",\"cause\":%H,"
			  "\"stage\":\"%s\",\"in_conference\":%s,"
			  "\"muted\":%s,\"deaf\":%s,\"held\":%s,"
			  "\"talking\":%s,\"call_id\":%H,"
			  "\"dialed_ms\":%H,\"answered_ms\":%H,"
			  "\"joined_ms\":%H,\"left_ms\":%H,%H}",
			  p->id, conf_json_str, p->name, conf_json_str,
			  p->target, p->owner ? "true" : "false",
			  conf_status_name(p->st), conf_json_str,
			  p->cause[0] ? p->cause : NULL,
			  stage_name(p->stage),
			  p->stage == CONF_STAGE_IN ? "true" : "false",
			  p->muted ? "true" : "false",
			  p->deaf ? "true" : "false",
			  p->held ? "true" : "false",
			  p->talking && !p->held &&
			  p->stage == CONF_STAGE_IN ?
			  "true" : "false", conf_json_str,
			  p->call_id[0] ? p->call_id : NULL,
			  ms_json, &p->dialed_ms, ms_json, &p->answered_ms,
			  ms_json, &p->joined_ms, ms_json, &p->left_ms,
			  conf_money_party_json, p);
}


/** Set a participant's status (or re-announce its flags) and publish */
void conf_party_set(struct conf_party *p, enum conf_status st)
{
	struct mbuf *mb;
	enum conf_status old = p->st;

	p->st = st;
	if (old != st)
		log_info(NULL, "conf=%s participant=%s %s -> %s%s%s",
			 p->cf->id, p->id, conf_status_name(old),
			 conf_status_name(st), p->cause[0] ? " cause=" : "",
			 p->cause);
	if (!p->call)
		return;
	mb = mbuf_alloc(512);
	if (!mb)
		return;
	if (!mbuf_printf(mb, "\"conference_id\":\"%s\",\"participant\":%H",
			 p->cf->id, conf_party_json, p)) {
		mbuf_write_u8(mb, 0);
		(void)call_app_publish(p->call, p->leg,
				       "conference.participant",
				       (const char *)mb->buf);
	}
	mem_deref(mb);
}


/**
 * What the mixer does with a participant's line: one on hold neither
 * hears the mix nor is heard, whatever its mute and deaf flags (kept for
 * when it comes back)
 */
void conf_party_media(struct conf_party *p)
{
	if (!p->leg)
		return;
	(void)leg_mute(p->leg, p->muted || p->held);
	(void)leg_deaf(p->leg, p->deaf || p->held);
}


/* ---- the owner's beeps, joining --------------------------------------- */

static void owner_beep(const struct conf *cf, const struct conf_party *who)
{
	const struct conf_party *o = conf_owner(cf);

	if (o && o != who && o->leg && o->stage == CONF_STAGE_IN &&
	    !o->deaf)
		(void)leg_tone(o->leg, MEDIA_TONE_BEEP, false);
}


static void join(struct conf_party *p)
{
	int err;

	tmr_cancel(&p->tmr_confirm);
	(void)leg_stop(p->leg);
	err = leg_mixer_join(p->leg, p->cf->mx);
	if (err) {
		log_warn(NULL, "conf=%s participant=%s cannot join (%m)",
			 p->cf->id, p->id, err);
		(void)conf_party_hangup(p, "mixer");
		return;
	}
	conf_party_media(p);
	p->stage = CONF_STAGE_IN;
	p->joined_ms = call_now_ms();
	conf_party_set(p, CONF_CONNECTED);
	owner_beep(p->cf, p);
}


static void confirm_timeout(void *arg)
{
	struct conf_party *p = arg;

	if (p->stage != CONF_STAGE_CONFIRM || !p->leg)
		return;
	log_info(NULL, "conf=%s participant=%s did not press 1",
		 p->cf->id, p->id);
	str_ncpy(p->cause, "not-confirmed", sizeof(p->cause));
	p->by_us = true;
	(void)leg_hangup(p->leg, CAUSE_NORMAL);
}


static void confirm_wait(struct conf_party *p)
{
	p->stage = CONF_STAGE_CONFIRM;
	tmr_start(&p->tmr_confirm, p->cf->opts.confirm_s * 1000ULL,
		  confirm_timeout, p);
}


static void answered(struct conf_party *p)
{
	const struct conf *cf = p->cf;

	p->answered = true;
	p->answered_ms = call_now_ms();
	if (p->held)
		(void)leg_hold(p->leg, true);
	if (cf->ended) {
		(void)conf_party_hangup(p, "conference-ended");
		return;
	}
	if (p->owner) {
		join(p);
		return;
	}
	if (cf->opts.announce_join && cf->ann[0] &&
	    !leg_play(p->leg, cf->ann, false)) {
		p->stage = CONF_STAGE_ANNOUNCE;
		/* the digit may come during the invitation: armed now */
		if (cf->opts.confirm_dtmf)
			tmr_start(&p->tmr_confirm,
				  cf->opts.confirm_s * 1000ULL,
				  confirm_timeout, p);
	}
	else if (cf->opts.confirm_dtmf) {
		confirm_wait(p);
	}
	if (p->stage == CONF_STAGE_NONE)
		join(p);          /* publishes "connected", in the mixer */
	else
		conf_party_set(p, CONF_CONNECTED);
}


static void play_done(struct conf_party *p)
{
	if (p->stage != CONF_STAGE_ANNOUNCE)
		return;
	if (p->cf->opts.confirm_dtmf) {
		p->stage = CONF_STAGE_CONFIRM;
		if (!tmr_isrunning(&p->tmr_confirm))
			confirm_wait(p);
	}
	else {
		join(p);
	}
}


static void digit(struct conf_party *p, char d)
{
	if (d != '1' || !p->cf->opts.confirm_dtmf ||
	    (p->stage != CONF_STAGE_CONFIRM &&
	     p->stage != CONF_STAGE_ANNOUNCE))
		return;
	join(p);
}


static void ended(struct conf_party *p, enum leg_cause cause)
{
	struct conf *cf = p->cf;
	bool was_in = p->stage == CONF_STAGE_IN;

	conf_money_leg_ended(p);
	tmr_cancel(&p->tmr_confirm);
	p->leg = NULL;
	p->stage = CONF_STAGE_NONE;
	p->held = p->talking = false;
	p->left_ms = call_now_ms();
	if (!p->cause[0])
		str_ncpy(p->cause, cause_name(cause), sizeof(p->cause));
	conf_party_set(p, conf_status_of(LEG_ENDED, cause, p->answered,
					 p->by_us));
	if (was_in)
		owner_beep(cf, p);
	if (p->owner && p->answered && cf->opts.end_when_owner_leaves)
		conf_finish(cf);
}


/* ---- events ---------------------------------------------------------- */

static struct conf_party *find_call(const char *call_id)
{
	struct le *le, *pe;

	LIST_FOREACH(conf_list(), le) {
		struct conf *cf = le->data;

		if (cf->dialing && cf->dialing->call &&
		    !strcmp(cf->dialing->call_id, call_id))
			return cf->dialing;
		LIST_FOREACH(&cf->parties, pe) {
			struct conf_party *p = pe->data;

			if (p->call && !strcmp(p->call_id, call_id))
				return p;
		}
	}
	return NULL;
}


static void leg_changed(struct conf_party *p, const struct call_event *ev)
{
	struct leg *leg = (struct leg *)ev->leg;

	if (!leg)
		return;
	if (!p->leg && ev->new_state < LEG_ENDING && !p->answered)
		p->leg = leg;          /* adopted inside call_dial() */
	else if (!p->leg && ev->new_state == LEG_ENDED && !p->answered &&
		 !p->left_ms)
		p->leg = leg;          /* ended inside call_dial() */
	if (leg != p->leg)
		return;

	switch (ev->new_state) {

	case LEG_CALLING:
		if (p->st != CONF_DIALING)
			conf_party_set(p, CONF_DIALING);
		break;

	case LEG_RINGING:
	case LEG_EARLY:
		if (p->st != CONF_RINGING)
			conf_party_set(p, CONF_RINGING);
		break;

	case LEG_ANSWERED:
		if (ev->old_state == LEG_HELD)
			break;
		answered(p);
		break;

	case LEG_ENDED:
		ended(p, ev->cause);
		break;

	default:
		break;
	}
}


void conf_party_event(const struct call_event *ev, void *arg)
{
	struct conf_party *p;
	(void)arg;

	if (!ev->call_id || ev->type == CALL_EV_APP)
		return;
	p = find_call(ev->call_id);
	if (!p)
		return;
	conf_money_event(p, ev);      /* the meter first: costs are final */

	switch (ev->type) {

	case CALL_EV_LEG_STATE:
		leg_changed(p, ev);
		break;

	case CALL_EV_DTMF:
		if (ev->leg && ev->leg == p->leg)
			digit(p, ev->digit);
		break;

	case CALL_EV_PLAY_DONE:
		if (ev->leg && ev->leg == p->leg)
			play_done(p);
		break;

	case CALL_EV_TALKING:
		if (ev->leg && ev->leg == p->leg && p->talking != ev->talking) {
			p->talking = ev->talking;
			conf_party_set(p, p->st);
		}
		break;

	case CALL_EV_CALL_END:
		p->call = NULL;
		p->leg = NULL;
		conf_money_call_ended(p->cf);
		break;

	default:
		break;
	}
}


/* ---- dial, hang up ------------------------------------------------------ */

/**
 * Dial a participant now (in the owner's order): a new call of the
 * conference's tenant.  Its status says what happened; an error means
 * nothing was dialed.
 */
int conf_party_dial(struct conf_party *p)
{
	struct conf *cf = p->cf;
	const struct conf_party *o = conf_owner(cf);
	struct leg_dial d;
	struct call *call = NULL;
	struct leg *leg = NULL;
	int err;

	if (cf->ended)
		return EALREADY;
	if (conf_party_live(p))
		return EBUSY;
	err = conf_money_can_dial(p, p->target);
	if (err)
		return err;
	err = call_alloc(&call);
	if (!err)
		err = call_tenant_set(call, cf->tenant);
	if (err) {
		mem_deref(call);
		return err;
	}
	p->call = call;
	str_ncpy(p->call_id, call_id(call), sizeof(p->call_id));
	p->leg = NULL;
	p->answered = p->by_us = p->talking = false;
	p->cause[0] = '\0';
	p->stage = CONF_STAGE_NONE;
	p->dialed_ms = call_now_ms();
	p->answered_ms = p->joined_ms = p->left_ms = 0;
	conf_party_set(p, CONF_DIALING);

	memset(&d, 0, sizeof(d));
	d.to = p->target;
	d.from_name = o && o->name[0] ? o->name
		: (cf->name[0] ? cf->name : NULL);
	d.ring_timeout_s = cf->opts.ring_timeout_s;
	cf->dialing = p;
	err = call_dial(call, &leg, &d);
	cf->dialing = NULL;
	if (!err && leg && !p->leg && !p->left_ms)
		p->leg = leg;
	if (!err && leg) {
		conf_money_dialed(p, leg);
		return 0;
	}

	/* no leg: the call is ours to drop */
	log_info(NULL, "conf=%s participant=%s cannot dial %s (%m)", cf->id,
		 p->id, p->target, err);
	str_ncpy(p->cause, err == ENOENT || err == EINVAL ? "invalid-number"
		 : err == EOVERFLOW ? "no-lines" : "failed", sizeof(p->cause));
	conf_party_set(p, err == ENOENT || err == EINVAL ? CONF_INVALID
		       : err == EOVERFLOW ? CONF_NO_LINES : CONF_FAILED);
	p->call = NULL;
	p->leg = NULL;
	(void)call_hangup(call, CAUSE_FAILED);
	mem_deref(call);
	return 0;
}


/** Hang up one participant (its status follows from the leg's end) */
int conf_party_hangup(struct conf_party *p, const char *cause)
{
	if (!p->leg || leg_state(p->leg) >= LEG_ENDING)
		return p->call ? 0 : EBUSY;
	p->by_us = true;
	if (cause)
		str_ncpy(p->cause, cause, sizeof(p->cause));
	return leg_hangup(p->leg, p->answered ? CAUSE_NORMAL
			  : CAUSE_CANCELED);
}
