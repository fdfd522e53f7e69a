/**
 * @file simnet/call.c  One accepted call and its state machine
 *
 * A call exists from the moment its INVITE is taken (an SDP offer we can
 * answer, a rule that does not refuse at once) until its record is
 * written.  All changes of state go through sim_call_event(), which
 * sends what the transition requires (180, 183, 200, a final code) and
 * refuses, with a warning, an event the state does not expect.  Events
 * come from the rule's timers, from libre's session callbacks
 * (dialog.c) and from shutdown.
 *
 * Ending a call writes its record, stops its media and moves it to the
 * network's list of ended calls; it is freed on the next loop turn, never
 * inside the libre callback that ended it.  Freeing it releases the
 * sipsess, which is libre's hangup: BYE when established, the final
 * response already sent otherwise.
 */
#include <string.h>
#include <re.h>
#define CB_LOG_SUB CB_SUB_SIM
#include "cb_core.h"
#include "simnet.h"


static const char allow_hdr[] =
	"Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO\r\n";

static const char *state_names[] = {
	"new", "ringing", "early", "answered", "established", "ended",
};

static const char *ev_names[] = {
	"ring", "early", "answer", "reject", "ack", "hangup", "bye",
	"cancel", "timeout", "error", "shutdown",
};


const char *sim_call_state_name(enum sim_call_state state)
{
	return state < ARRAY_SIZE(state_names) ? state_names[state] : "?";
}


const char *sim_call_ev_name(enum sim_call_ev ev)
{
	return ev < ARRAY_SIZE(ev_names) ? ev_names[ev] : "?";
}


static void destructor(void *arg)
{
	struct sim_call *call = arg;

	tmr_cancel(&call->tmr_rule);
	tmr_cancel(&call->tmr_hangup);
	list_unlink(&call->le);

	/* libre objects first: they hold `call` as a raw handler arg */
	mem_deref(call->sess);
	mem_deref(call->media);
	mem_deref((void *)call->invite);
}


static void rule_timeout(void *arg)
{
	struct sim_call *call = arg;

	(void)sim_call_event(call, call->rule->action == SIM_ACT_ANSWER ?
			     SIM_EV_ANSWER : SIM_EV_REJECT);
}


static void hangup_timeout(void *arg)
{
	(void)sim_call_event(arg, SIM_EV_HANGUP);
}


int sim_call_alloc(struct sim_call **callp, struct simnet *sn,
		   const struct sip_msg *msg, const struct sim_rule *rule,
		   const char *number)
{
	struct sim_call *call;
	int err;

	if (!callp || !sn || !msg || !rule || !number)
		return EINVAL;

	call = mem_zalloc(sizeof(*call), destructor);
	if (!call)
		return ENOMEM;

	call->sn = sn;
	call->rule = rule;
	call->invite = mem_ref((void *)msg);
	call->rec.cause = "";
	call->rec.transport = msg->tp == SIP_TRANSP_TCP ? "tcp" : "udp";
	str_ncpy(call->rec.number, number, sizeof(call->rec.number));
	(void)pl_strcpy(&msg->callid, call->rec.callid,
			sizeof(call->rec.callid));
	(void)re_snprintf(call->ctx, sizeof(call->ctx), "number=%H callid=%H",
			  sim_logfmt_str, call->rec.number,
			  sim_logfmt_str, call->rec.callid);

	err = sim_media_alloc(&call->media, sn->cfg, sn->clock,
			      sim_call_dtmf, call);
	if (err)
		goto out;

	/* an INVITE without a body is a late offer: we offer in the 200 */
	if (mbuf_get_left(msg->mb))
		err = sim_media_offer(call->media, msg->mb);

 out:
	if (err) {
		mem_deref(call);
	}
	else {
		list_append(&sn->calls, &call->le, call);
		*callp = call;
	}

	return err;
}


/** Act on the rule: ring, early media or answer straight away */
int sim_call_start(struct sim_call *call)
{
	const struct sim_rule *rule;
	int err;

	if (!call)
		return EINVAL;

	rule = call->rule;

	if (rule->action == SIM_ACT_ANSWER && rule->early_ms) {
		err = sim_call_event(call, SIM_EV_EARLY);
		if (!err)
			tmr_start(&call->tmr_rule, rule->early_ms,
				  rule_timeout, call);
	}
	else if (rule->action == SIM_ACT_ANSWER && !rule->delay_ms) {
		err = sim_call_event(call, SIM_EV_ANSWER);
	}
	else {
		err = sim_call_event(call, SIM_EV_RING);
		if (!err && rule->action != SIM_ACT_NOANSWER)
			tmr_start(&call->tmr_rule, rule->delay_ms,
				  rule_timeout, call);
	}

	return err;
}


static int accept_send(struct sim_call *call, uint16_t scode, bool sdp)
{
	struct mbuf *desc = NULL;
	int err;

	if (sdp) {
		err = sim_media_desc(call->media, &desc);
		if (err)
			return err;
	}

	err = sipsess_accept(&call->sess, call->sn->sock, call->invite,
			     scode, sim_reason(scode), "simnet",
			     "application/sdp", desc, NULL, NULL, false,
			     sim_dialog_offer, sim_dialog_answer,
			     sim_dialog_estab, sim_dialog_info, NULL,
			     sim_dialog_close, call, allow_hdr);
	mem_deref(desc);
	return err;
}


static int answer_send(struct sim_call *call)
{
	struct mbuf *desc = NULL;
	int err;

	err = sim_media_desc(call->media, &desc);
	if (err)
		return err;

	err = sipsess_answer(call->sess, 200, "OK", desc, allow_hdr);
	mem_deref(desc);
	return err;
}


static void media_answered(struct sim_call *call)
{
	static const enum sim_media_mode modes[] = {
		[SIM_AUDIO_ECHO] = SIM_MEDIA_ECHO,
		[SIM_AUDIO_TONE] = SIM_MEDIA_TONE,
		[SIM_AUDIO_NONE] = SIM_MEDIA_OFF,
	};

	call->answered_at = tmr_jiffies();
	call->rec.code = 200;
	sim_media_set_mode(call->media, modes[call->rule->audio],
			   call->rule->freq);
	sim_media_start(call->media);
}


/* the call is over: write its record and hand it to the reaper */
static void call_end(struct sim_call *call, const char *cause)
{
	struct simnet *sn = call->sn;

	tmr_cancel(&call->tmr_rule);
	tmr_cancel(&call->tmr_hangup);
	sim_media_set_mode(call->media, SIM_MEDIA_OFF, 0);

	call->state = SIM_CALL_ENDED;
	call->rec.cause = cause;
	if (call->answered_at)
		call->rec.duration_ms = tmr_jiffies() - call->answered_at;
	str_ncpy(call->rec.codec, sim_media_codec(call->media),
		 sizeof(call->rec.codec));
	sim_media_counters(call->media, &call->rec.rtp_rx,
			   &call->rec.rtp_tx);

	sim_stats_add(sn->stats, &call->rec);

	list_unlink(&call->le);
	list_append(&sn->endedl, &call->le, call);
	tmr_start(&sn->tmr_reap, 0, simnet_reap, sn);
}


/* refuse an unanswered call with a final response */
static void unanswered_end(struct sim_call *call, uint16_t code,
			   const char *cause)
{
	if (call->sess)
		(void)sipsess_reject(call->sess, code, sim_reason(code), NULL);
	else
		(void)sip_treply(NULL, call->sn->sip, call->invite, code,
				 sim_reason(code));
	call->rec.code = code;
	call_end(call, cause);
}


static int new_event(struct sim_call *call, enum sim_call_ev ev)
{
	int err;

	switch (ev) {

	case SIM_EV_RING:
		err = accept_send(call, 180, false);
		if (!err)
			call->state = SIM_CALL_RINGING;
		return err;

	case SIM_EV_EARLY:
		err = accept_send(call, 183, true);
		if (err)
			return err;
		call->state = SIM_CALL_EARLY;
		sim_media_set_mode(call->media, SIM_MEDIA_RINGBACK, 0);
		sim_media_start(call->media);
		return 0;

	case SIM_EV_ANSWER:
		err = accept_send(call, 200, true);
		if (err)
			return err;
		call->state = SIM_CALL_ANSWERED;
		media_answered(call);
		return 0;

	case SIM_EV_SHUTDOWN:
	case SIM_EV_ERROR:
		unanswered_end(call, ev == SIM_EV_ERROR ? 500 : 503,
			       sim_call_ev_name(ev));
		return 0;

	default:
		return EPROTO;
	}
}


static int ringing_event(struct sim_call *call, enum sim_call_ev ev)
{
	int err;

	switch (ev) {

	case SIM_EV_ANSWER:
		err = answer_send(call);
		if (err)
			return err;
		call->state = SIM_CALL_ANSWERED;
		media_answered(call);
		return 0;

	case SIM_EV_REJECT:
		unanswered_end(call, call->rule->code,
			       sim_action_name(call->rule->action));
		return 0;

	case SIM_EV_SHUTDOWN:
		unanswered_end(call, 503, "shutdown");
		return 0;

	case SIM_EV_CANCEL:
	case SIM_EV_BYE:
		call->rec.code = 487;
		call_end(call, sim_call_ev_name(ev));
		return 0;

	case SIM_EV_ERROR:
		unanswered_end(call, 500, "error");
		return 0;

	default:
		return EPROTO;
	}
}


static int answered_event(struct sim_call *call, enum sim_call_ev ev)
{
	switch (ev) {

	case SIM_EV_ACK:
		if (call->state != SIM_CALL_ANSWERED)
			return EPROTO;
		call->state = SIM_CALL_ESTABLISHED;
		if (call->rule->hangup_ms)
			tmr_start(&call->tmr_hangup, call->rule->hangup_ms,
				  hangup_timeout, call);
		return 0;

	case SIM_EV_HANGUP:
	case SIM_EV_BYE:
	case SIM_EV_TIMEOUT:
	case SIM_EV_ERROR:
	case SIM_EV_SHUTDOWN:
		call_end(call, sim_call_ev_name(ev));
		return 0;

	default:
		return EPROTO;
	}
}


/**
 * The one place where a call changes state.  Returns EPROTO for an event
 * the state does not accept (logged, nothing changes), or the error of
 * the SIP send, in which case the call is ended with cause=error.
 */
int sim_call_event(struct sim_call *call, enum sim_call_ev ev)
{
	enum sim_call_state from;
	int err;

	if (!call)
		return EINVAL;

	from = call->state;

	switch (from) {

	case SIM_CALL_NEW:
		err = new_event(call, ev);
		break;

	case SIM_CALL_RINGING:
	case SIM_CALL_EARLY:
		err = ringing_event(call, ev);
		break;

	case SIM_CALL_ANSWERED:
	case SIM_CALL_ESTABLISHED:
		err = answered_event(call, ev);
		break;

	default:
		err = EPROTO;
		break;
	}

	if (err == EPROTO) {
		log_warn(call->ctx, "event %s refused in state %s",
			 sim_call_ev_name(ev), sim_call_state_name(from));
		return err;
	}

	if (err) {
		log_warn(call->ctx, "event %s failed in state %s: %m",
			 sim_call_ev_name(ev), sim_call_state_name(from), err);
		if (call->state != SIM_CALL_ENDED)
			(void)sim_call_event(call, SIM_EV_ERROR);
		return err;
	}

	log_debug(call->ctx, "event %s: %s -> %s", sim_call_ev_name(ev),
		  sim_call_state_name(from),
		  sim_call_state_name(call->state));

	return 0;
}


static bool callid_cmp(struct le *le, void *arg)
{
	const struct sim_call *call = le->data;

	return 0 == pl_strcmp(arg, call->rec.callid);
}


/** A live call with this Call-ID (an INVITE retransmission), or NULL */
struct sim_call *sim_call_find(const struct list *calls,
			       const struct pl *callid)
{
	return list_ledata(list_apply(calls, true, callid_cmp,
				      (void *)callid));
}


/** The figures of a live call so far, as a record (SIGUSR1) */
void sim_call_snapshot(const struct sim_call *call, struct sim_record *rec)
{
	if (!call || !rec)
		return;

	*rec = call->rec;
	memset(&rec->le, 0, sizeof(rec->le));
	rec->cause = sim_call_state_name(call->state);
	if (call->answered_at)
		rec->duration_ms = tmr_jiffies() - call->answered_at;
	str_ncpy(rec->codec, sim_media_codec(call->media), sizeof(rec->codec));
	sim_media_counters(call->media, &rec->rtp_rx, &rec->rtp_tx);
}
