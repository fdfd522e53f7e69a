/**
 * @file acd/state.c  The agent status machine: one transition function
 *
 *   logged-out --login--> available --offer--> offered --answer--> on-call
 *   offered --noanswer--> available (break at max no-answers)
 *   offered --cancel--> available        on-call --hangup--> wrap-up
 *   wrap-up --wrap-done--> available     available/wrap-up --break--> break
 *   break --ready--> available           available/wrap-up/break --logout-->
 *
 * acd_agent_event() is the only writer of an agent's state: it checks
 * the pair (state, event), refuses and logs an illegal one with EPERM,
 * and does every side effect of a change in one place -- entering or
 * leaving the routing indexes (index.c), arming or ending the wrap-up
 * timer, the no-answer count, and the offered request's bookkeeping
 * (its tried agents).
 */
#include <string.h>
#include <re.h>
#include "acd.h"



const char *acd_agent_state_name(enum acd_agent_state st)
{
	switch (st) {

	case ACD_AGENT_LOGGED_OUT: return "logged-out";
	case ACD_AGENT_AVAILABLE:  return "available";
	case ACD_AGENT_OFFERED:    return "offered";
	case ACD_AGENT_ON_CALL:    return "on-call";
	case ACD_AGENT_WRAP_UP:    return "wrap-up";
	case ACD_AGENT_BREAK:      return "break";
	}
	return "?";
}


const char *acd_agent_ev_name(enum acd_agent_ev ev)
{
	switch (ev) {

	case ACD_EV_LOGIN:     return "login";
	case ACD_EV_LOGOUT:    return "logout";
	case ACD_EV_OFFER:     return "offer";
	case ACD_EV_ANSWER:    return "answer";
	case ACD_EV_NOANSWER:  return "noanswer";
	case ACD_EV_CANCEL:    return "cancel";
	case ACD_EV_HANGUP:    return "hangup";
	case ACD_EV_WRAP_DONE: return "wrap-done";
	case ACD_EV_BREAK:     return "break";
	case ACD_EV_READY:     return "ready";
	}
	return "?";
}


enum acd_agent_state acd_agent_state(const struct acd_agent *ag)
{
	return ag ? ag->state : ACD_AGENT_LOGGED_OUT;
}


/* the state an event leads to from `st`, or -1: refused */
static int next_state(const struct acd_agent *ag, enum acd_agent_ev ev)
{
	const struct acd_config *cfg = &ag->acd->cfg;

	switch (ag->state) {

	case ACD_AGENT_LOGGED_OUT:
		if (ev == ACD_EV_LOGIN)
			return ACD_AGENT_AVAILABLE;
		break;

	case ACD_AGENT_AVAILABLE:
		switch (ev) {
		case ACD_EV_OFFER:  return ACD_AGENT_OFFERED;
		case ACD_EV_BREAK:  return ACD_AGENT_BREAK;
		case ACD_EV_LOGOUT: return ACD_AGENT_LOGGED_OUT;
		default:            break;
		}
		break;

	case ACD_AGENT_OFFERED:
		switch (ev) {
		case ACD_EV_ANSWER: return ACD_AGENT_ON_CALL;
		case ACD_EV_CANCEL: return ACD_AGENT_AVAILABLE;
		case ACD_EV_NOANSWER:
			if (cfg->max_noanswer &&
			    ag->noanswers + 1 >= cfg->max_noanswer)
				return ACD_AGENT_BREAK;
			return ACD_AGENT_AVAILABLE;
		default:
			break;
		}
		break;

	case ACD_AGENT_ON_CALL:
		if (ev == ACD_EV_HANGUP)
			return cfg->wrap_ms ? ACD_AGENT_WRAP_UP
					    : ACD_AGENT_AVAILABLE;
		break;

	case ACD_AGENT_WRAP_UP:
		switch (ev) {
		case ACD_EV_WRAP_DONE: return ACD_AGENT_AVAILABLE;
		case ACD_EV_BREAK:     return ACD_AGENT_BREAK;
		case ACD_EV_LOGOUT:    return ACD_AGENT_LOGGED_OUT;
		default:               break;
		}
		break;

	case ACD_AGENT_BREAK:
		switch (ev) {
		case ACD_EV_READY:  return ACD_AGENT_AVAILABLE;
		case ACD_EV_LOGOUT: return ACD_AGENT_LOGGED_OUT;
		default:            break;
		}
		break;
	}
	return -1;
}


/* wrap-ups are kept in due order; walk back from the tail */
static void wrap_arm(struct acd_agent *ag)
{
	struct acd *acd = ag->acd;
	struct le *at = list_tail(&acd->wraps);

	ag->wrap_due = acd_now(acd) + acd->cfg.wrap_ms;
	while (at && ((struct acd_agent *)at->data)->wrap_due > ag->wrap_due)
		at = at->prev;
	if (at)
		list_insert_after(&acd->wraps, at, &ag->le_wrap, ag);
	else
		list_prepend(&acd->wraps, &ag->le_wrap, ag);
}


/* the offered request goes back to waiting, at its place */
static void req_release(struct acd_agent *ag, bool tried)
{
	struct acd_req *req = ag->req;

	ag->req = NULL;
	if (!req)
		return;
	req->agent = NULL;
	if (req->state == ACD_REQ_OFFERED)
		req->state = ACD_REQ_WAITING;
	if (tried) {
		req->triedv[req->triedc % ACD_TRIED_MAX] = ag->uid;
		++req->triedc;
		req->tried_ms = acd_now(ag->acd);
	}
}


/* the offered request is connected: it leaves its queue */
static void req_connect(struct acd_agent *ag)
{
	struct acd_req *req = ag->req;

	if (!req)
		return;
	req->state = ACD_REQ_CONNECTED;
	list_unlink(&req->le);
	req->q = NULL;
}


/**
 * Apply an event to an agent
 *
 * @return 0, EINVAL, or EPERM if the event is illegal in its state
 */
int acd_agent_event(struct acd_agent *ag, enum acd_agent_ev ev)
{
	enum acd_agent_state from;
	int to;

	if (!ag)
		return EINVAL;

	from = ag->state;
	to = next_state(ag, ev);
	if (to < 0) {
		log_warn(NULL, "acd agent=%s event=%s refused in state=%s",
			 ag->id, acd_agent_ev_name(ev),
			 acd_agent_state_name(from));
		return EPERM;
	}

	/* leaving */
	if (from == ACD_AGENT_AVAILABLE)
		acd_index_leave(ag);
	else if (from == ACD_AGENT_WRAP_UP)
		list_unlink(&ag->le_wrap);

	/* the event itself */
	switch (ev) {

	case ACD_EV_ANSWER:
		ag->noanswers = 0;
		req_connect(ag);
		break;

	case ACD_EV_NOANSWER:
		++ag->noanswers;
		req_release(ag, true);
		break;

	case ACD_EV_CANCEL:
		req_release(ag, false);
		break;

	case ACD_EV_HANGUP:
		if (ag->req)
			ag->req->agent = NULL;
		ag->req = NULL;
		break;

	case ACD_EV_READY:
	case ACD_EV_LOGIN:
		ag->noanswers = 0;
		break;

	default:
		break;
	}

	ag->state = (enum acd_agent_state)to;

	/* entering */
	if (to == ACD_AGENT_AVAILABLE) {
		ag->seq = ++ag->acd->seq;
		ag->idle_since = acd_now(ag->acd);
		acd_index_enter(ag);
	}
	else if (to == ACD_AGENT_WRAP_UP) {
		wrap_arm(ag);
	}

	log_debug(NULL, "acd agent=%s %s -> %s (%s)", ag->id,
		  acd_agent_state_name(from),
		  acd_agent_state_name(ag->state), acd_agent_ev_name(ev));
	return 0;
}


/** Take a going agent out of everything: indexes, timers, its request */
void acd_agent_detach(struct acd_agent *ag)
{
	if (ag->state == ACD_AGENT_AVAILABLE)
		acd_index_leave(ag);
	list_unlink(&ag->le_wrap);
	if (ag->state == ACD_AGENT_OFFERED)
		req_release(ag, false);
	else if (ag->req) {
		ag->req->agent = NULL;
		ag->req = NULL;
	}
	ag->state = ACD_AGENT_LOGGED_OUT;
}
