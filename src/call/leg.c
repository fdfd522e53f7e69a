/**
 * @file call/leg.c  The leg state machine and the leg's commands
 *
 * leg_event() is the only function that changes a leg's state.  It looks
 * the (state, event) pair up, refuses and logs an illegal pair, stamps the
 * times, settles the cause on the way to ENDED, releases the leg's
 * resources when it reaches ENDED, and tells the call (which publishes the
 * event and runs the bridge logic).  The commands below act on SIP/media
 * first and then feed the matching event in.
 */
#include <string.h>
#include <re.h>
#include "call.h"

static const char *state_names[LEG_STATE_MAX] = {
	"new", "calling", "ringing", "early", "answered", "held", "ending",
	"ended",
};

static const char *ev_names[LEG_EV_MAX] = {
	"dial", "ring", "early", "answer", "hold", "unhold", "hangup",
	"closed",
};


const char *leg_state_name(enum leg_state st)
{
	return st < LEG_STATE_MAX ? state_names[st] : "?";
}


const char *leg_ev_name(enum leg_ev ev)
{
	return ev < LEG_EV_MAX ? ev_names[ev] : "?";
}


/*
 * The transition table.  Returns the next state, the same state for an
 * event that changes nothing (a second 180), or LEG_STATE_MAX if the pair
 * is illegal.
 */
enum leg_state leg_state_next(enum leg_state st, enum leg_ev ev)
{
	switch (st) {

	case LEG_NEW:
		switch (ev) {
		case LEG_EV_DIAL:    return LEG_CALLING;
		case LEG_EV_HANGUP:  return LEG_ENDED;
		case LEG_EV_CLOSED:  return LEG_ENDED;
		default:             break;
		}
		break;

	case LEG_CALLING:
	case LEG_RINGING:
	case LEG_EARLY:
		switch (ev) {
		case LEG_EV_RING:
			return st == LEG_EARLY ? LEG_EARLY : LEG_RINGING;
		case LEG_EV_EARLY:   return LEG_EARLY;
		case LEG_EV_ANSWER:  return LEG_ANSWERED;
		case LEG_EV_HANGUP:  return LEG_ENDING;
		case LEG_EV_CLOSED:  return LEG_ENDED;
		default:             break;
		}
		break;

	case LEG_ANSWERED:
	case LEG_HELD:
		switch (ev) {
		case LEG_EV_HOLD:    return LEG_HELD;
		case LEG_EV_UNHOLD:  return LEG_ANSWERED;
		case LEG_EV_ANSWER:  return st;
		case LEG_EV_HANGUP:  return LEG_ENDING;
		case LEG_EV_CLOSED:  return LEG_ENDED;
		default:             break;
		}
		break;

	case LEG_ENDING:
		switch (ev) {
		case LEG_EV_HANGUP:  return LEG_ENDING;
		case LEG_EV_CLOSED:  return LEG_ENDED;
		default:             break;
		}
		break;

	default:
		break;
	}

	return LEG_STATE_MAX;
}


/* everything a leg holds is let go when it reaches ENDED */
static void leg_release(struct leg *leg)
{
	tmr_cancel(&leg->tmr_ring);
	if (leg->mixer) {
		(void)media_mixer_remove(leg->mixer, leg->ep);
		leg->mixer = mem_deref(leg->mixer);
	}
	leg->sl = mem_deref(leg->sl);
	if (leg->ep)
		(void)media_ep_stats(leg->ep, &leg->last_stats);
	leg->ep = mem_deref(leg->ep);
	if (leg->on_trunk) {
		leg->on_trunk = false;
		trunk_release();
	}
}


int leg_event(struct leg *leg, enum leg_ev ev, enum leg_cause cause,
	      uint16_t sip_status)
{
	enum leg_state old, next;

	if (!leg)
		return EINVAL;

	old = leg->state;
	next = leg_state_next(old, ev);
	if (next == LEG_STATE_MAX) {
		log_warn(leg->ctx, "illegal event %s in state %s: refused",
			 leg_ev_name(ev), leg_state_name(old));
		return EPROTO;
	}

	if (sip_status)
		leg->sip_status = sip_status;
	if (next == old)
		return 0;

	leg->state = next;

	switch (next) {

	case LEG_ANSWERED:
		if (!leg->ts_answered)
			leg->ts_answered = call_now_ms();
		tmr_cancel(&leg->tmr_ring);
		break;

	case LEG_ENDING:
	case LEG_ENDED:
		if (leg->cause == CAUSE_NONE)
			leg->cause = cause != CAUSE_NONE ? cause
							 : CAUSE_NORMAL;
		if (next == LEG_ENDED) {
			leg->ts_ended = call_now_ms();
			leg_release(leg);
		}
		break;

	default:
		break;
	}

	log_info(leg->ctx, "state %s -> %s (%s)%s%s", leg_state_name(old),
		 leg_state_name(next), leg_ev_name(ev),
		 leg->state >= LEG_ENDING ? " cause=" : "",
		 leg->state >= LEG_ENDING ? cause_name(leg->cause) : "");

	call_leg_changed(leg->call, leg, old);
	return 0;
}


/* ---- what SIP and media report ---------------------------------------- */

static enum leg_cause closed_cause(const struct leg *leg,
				   const struct sipleg_ev *ev)
{
	bool ringing = leg->state == LEG_RINGING || leg->state == LEG_EARLY;

	if (leg->state == LEG_ANSWERED || leg->state == LEG_HELD)
		return ev->by_peer || !ev->err ? CAUSE_NORMAL : CAUSE_FAILED;

	if (!leg->outbound)
		return ev->by_peer ? CAUSE_CANCELED : CAUSE_FAILED;

	if (ev->status >= 300)
		return cause_from_sip(ev->status, ringing);
	if (ev->err == ETIMEDOUT)
		return ringing ? CAUSE_NO_ANSWER : CAUSE_FAILED;
	return CAUSE_FAILED;
}


void leg_sip_handler(struct sipleg *sl, const struct sipleg_ev *ev,
		     void *arg)
{
	struct leg *leg = arg;
	struct call_event cev;
	(void)sl;

	switch (ev->type) {

	case SIPLEG_EV_RINGING:
		(void)leg_event(leg, LEG_EV_RING, CAUSE_NONE, ev->status);
		break;

	case SIPLEG_EV_EARLY:
		(void)leg_event(leg, LEG_EV_EARLY, CAUSE_NONE, ev->status);
		break;

	case SIPLEG_EV_ANSWERED:
		(void)leg_event(leg, LEG_EV_ANSWER, CAUSE_NONE, 200);
		break;

	case SIPLEG_EV_HOLD:
		leg->held_by_peer = true;
		(void)leg_event(leg, LEG_EV_HOLD, CAUSE_NONE, 0);
		break;

	case SIPLEG_EV_UNHOLD:
		leg->held_by_peer = false;
		(void)leg_event(leg, LEG_EV_UNHOLD, CAUSE_NONE, 0);
		break;

	case SIPLEG_EV_DTMF:
		memset(&cev, 0, sizeof(cev));
		cev.type = CALL_EV_DTMF;
		cev.digit = ev->digit;
		cev.leg = leg;
		cev.call = leg->call;
		cev.new_state = cev.old_state = leg->state;
		call_publish(&cev);
		bridge_dtmf_info(leg->call, leg, ev->digit);
		break;

	case SIPLEG_EV_CLOSED:
		(void)leg_event(leg, LEG_EV_CLOSED, closed_cause(leg, ev),
				ev->status);
		break;
	}
}


void leg_media_handler(struct media_ep *ep, const struct media_ev *ev,
		       void *arg)
{
	struct leg *leg = arg;
	struct call_event cev;
	(void)ep;

	memset(&cev, 0, sizeof(cev));
	cev.leg = leg;
	cev.call = leg->call;
	cev.new_state = cev.old_state = leg->state;

	switch (ev->type) {

	case MEDIA_EV_RTP_START:
		log_debug(leg->ctx, "rtp: first packet");
		break;

	case MEDIA_EV_RTP_TIMEOUT:
		if (leg->state != LEG_ANSWERED)
			break;    /* on hold nothing flows, by design */
		log_warn(leg->ctx, "rtp: no media for %us: hanging up",
			 call_config()->rtp_timeout_s);
		(void)leg_hangup(leg, CAUSE_FAILED);
		break;

	case MEDIA_EV_DTMF:
		log_info(leg->ctx, "dtmf digit=%c dur=%ums", ev->digit,
			 ev->dur_ms);
		cev.type = CALL_EV_DTMF;
		cev.digit = ev->digit;
		call_publish(&cev);
		break;

	case MEDIA_EV_PLAY_DONE:
		cev.type = CALL_EV_PLAY_DONE;
		call_publish(&cev);
		break;

	case MEDIA_EV_TALKING:
		log_debug(leg->ctx, "talking=%d", ev->talking);
		cev.type = CALL_EV_TALKING;
		cev.talking = ev->talking;
		call_publish(&cev);
		break;
	}
}


/* ---- commands ---------------------------------------------------------- */

int leg_ring(struct leg *leg)
{
	if (!leg || !leg->sl || leg->outbound)
		return EINVAL;
	return sipleg_ring(leg->sl, false);
}


int leg_answer(struct leg *leg)
{
	int err;

	if (!leg || !leg->sl || leg->outbound)
		return EINVAL;
	if (leg->state == LEG_ANSWERED || leg->state == LEG_HELD)
		return 0;

	err = sipleg_answer(leg->sl);
	if (err)
		return err;
	/* the ACK is not awaited: media may flow from our 200 on */
	return leg_event(leg, LEG_EV_ANSWER, CAUSE_NONE, 200);
}


int leg_hangup(struct leg *leg, enum leg_cause cause)
{
	uint16_t status;

	if (!leg)
		return EINVAL;
	if (leg->state == LEG_ENDED || leg->state == LEG_ENDING)
		return 0;

	if (leg->state == LEG_NEW)
		return leg_event(leg, LEG_EV_HANGUP, cause, 0);

	/* an inbound INVITE we refuse gets this final status */
	status = !leg->outbound && !leg->ts_answered
		? cause_sip_status(cause != CAUSE_NONE ? cause : CAUSE_NORMAL)
		: 0;
	(void)leg_event(leg, LEG_EV_HANGUP, cause, status);
	if (leg->sl)
		(void)sipleg_end(leg->sl, cause_sip_status(leg->cause));
	return leg_event(leg, LEG_EV_CLOSED, cause, 0);
}


int leg_hold(struct leg *leg, bool hold)
{
	if (!leg || !leg->sl)
		return EINVAL;
	return sipleg_hold(leg->sl, hold);
}


int leg_play(struct leg *leg, const char *wav_path, bool loop)
{
	if (!leg || !leg->ep)
		return EINVAL;
	return media_ep_play(leg->ep, wav_path, loop);
}


int leg_tone(struct leg *leg, int tone, bool loop)
{
	if (!leg || !leg->ep)
		return EINVAL;
	return media_ep_tone(leg->ep, (enum media_tone)tone, loop);
}


int leg_stop(struct leg *leg)
{
	if (!leg || !leg->ep)
		return EINVAL;
	return media_ep_stop(leg->ep);
}


int leg_dtmf_send(struct leg *leg, const char *digits)
{
	int err = 0;

	if (!leg || !leg->ep || !digits)
		return EINVAL;

	for (const char *d = digits; *d && !err; d++) {
		if (!strchr("0123456789*#ABCD", *d))
			return EINVAL;
	}
	for (const char *d = digits; *d && !err; d++)
		err = media_ep_dtmf_send(leg->ep, *d, 100);
	return err;
}


int leg_mixer_join(struct leg *leg, struct media_mixer *mx)
{
	int err;

	if (!leg || !leg->ep || !mx || leg->mixer)
		return EINVAL;
	err = media_mixer_add(mx, leg->ep);
	if (!err)
		leg->mixer = mem_ref(mx);
	return err;
}


int leg_mixer_leave(struct leg *leg)
{
	int err;

	if (!leg || !leg->mixer)
		return EINVAL;
	err = media_mixer_remove(leg->mixer, leg->ep);
	leg->mixer = mem_deref(leg->mixer);
	return err;
}


int leg_mute(struct leg *leg, bool mute)
{
	return leg && leg->ep ? media_ep_mute(leg->ep, mute) : EINVAL;
}


int leg_deaf(struct leg *leg, bool deaf)
{
	return leg && leg->ep ? media_ep_deaf(leg->ep, deaf) : EINVAL;
}


const char *leg_id(const struct leg *leg)
{
	return leg ? leg->id : NULL;
}


enum leg_state leg_state(const struct leg *leg)
{
	return leg ? leg->state : LEG_ENDED;
}


enum leg_cause leg_cause(const struct leg *leg)
{
	return leg ? leg->cause : CAUSE_NONE;
}


struct call *leg_call(const struct leg *leg)
{
	return leg ? leg->call : NULL;
}


void leg_info(const struct leg *leg, struct leg_info *info)
{
	struct media_stats st;

	memset(info, 0, sizeof(*info));
	if (!leg)
		return;
	memset(&st, 0, sizeof(st));
	if (leg->ep)
		(void)media_ep_stats(leg->ep, &st);
	else
		st = leg->last_stats;

	info->id = leg->id;
	info->peer = leg->peer;
	info->outbound = leg->outbound;
	info->state = leg->state;
	info->cause = leg->cause;
	info->sip_status = leg->sip_status;
	info->ts_created = leg->ts_created;
	info->ts_answered = leg->ts_answered;
	info->ts_ended = leg->ts_ended;
	info->rtp_rx = st.rx_packets;
	info->rtp_tx = st.tx_packets;
	info->rtp_lost = st.rx_lost;
}


int leg_debug(struct re_printf *pf, const struct leg *leg)
{
	struct media_stats st;

	if (!leg)
		return 0;
	memset(&st, 0, sizeof(st));
	if (leg->ep)
		(void)media_ep_stats(leg->ep, &st);

	return re_hprintf(pf, "  leg %s %s %s state=%s cause=%s sip=%u "
			  "rtp_rx=%llu rtp_tx=%llu\n", leg->id,
			  leg->outbound ? "out" : "in", leg->peer,
			  leg_state_name(leg->state), cause_name(leg->cause),
			  leg->sip_status,
			  (unsigned long long)st.rx_packets,
			  (unsigned long long)st.tx_packets);
}
