/**
 * @file meter/limit.c  A payer's hold running out: the tenant's policy
 *
 * Each payer has one node in the heap: its next limit decision.  From
 * the legs it pays for, mtr_payer_plan() knows when its hold stops covering
 * them (limit_ms) and puts the node at the moment the policy must act:
 *
 *   extend  `money.limit_lead_s` before the limit: re-authorize the
 *           first amount again on a store worker (seed 004's preferred
 *           embodiment); granted, the call goes on; refused, the call is
 *           cut at the limit;
 *   ask     the same lead: a `billing.limit` event for the web page and
 *           an announcement on the call; DTMF 1 (or POST
 *           /v1/calls/{id}/billing/confirm) re-authorizes, no answer by
 *           the limit cuts the call;
 *   cut     cut the call at the limit.
 *
 * A cut comes METER_GUARD_MS before the first increment the hold does
 * not cover begins, so the leg's end stamp, and the charge computed from
 * it, stay within the authorized amount; its cause is credit-exhausted.
 *
 * mtr_payer_event() is the one transition function (STYLE.md): every change
 * of a payer's state goes through it, an event a state does not take is
 * logged and refused.
 */
#include <string.h>
#include <re.h>
#include "meter.h"

static const char *ev_names[PAYER_EV_MAX] = {
	"near", "extended", "refused", "confirm", "limit", "end", "settled",
};


const char *mtr_payer_ev_name(enum payer_ev ev)
{
	return ev < PAYER_EV_MAX ? ev_names[ev] : "?";
}


static uint64_t cut_time(const struct payer *p)
{
	return p->limit_ms > 1 + METER_GUARD_MS
		? p->limit_ms - 1 - METER_GUARD_MS : 0;
}


/* the policy acts ahead of the limit (extend, ask) or at it (cut) */
static bool acts_ahead(const struct payer *p)
{
	return p->state == PAYER_OPEN && p->bill->policy != MONEY_LIMIT_CUT;
}


/** Find the payer's limit again and put its node where it must act */
void mtr_payer_plan(struct payer *p, uint64_t now)
{
	uint64_t due, lead = meter_lead_ms();

	if (!p)
		return;
	if (p->state >= PAYER_SETTLING) {
		mtr_cancel(&p->node);
		return;
	}
	p->limit_ms = mtr_payer_limit_find(p, now);
	if (p->state == PAYER_EXTENDING) {
		mtr_cancel(&p->node);
		return;
	}
	if (!p->limit_ms) {
		/* nothing runs, or not within the horizon: look again */
		bool live = false;

		for (unsigned i = 0; i < p->bill->legc; i++) {
			const struct mleg *l = &p->bill->legv[i];

			if (l->payer == p && l->answered_ms && !l->ended_ms)
				live = true;
		}
		if (live)
			(void)mtr_schedule(&p->node,
					   now + METER_HORIZON_MS / 2);
		else
			mtr_cancel(&p->node);
		return;
	}
	due = cut_time(p);
	if (acts_ahead(p))
		due = p->limit_ms > lead ? p->limit_ms - lead : 0;
	(void)mtr_schedule(&p->node, due > now ? due : now);
}


void mtr_payer_fire(struct mtr_node *n, uint64_t now)
{
	struct payer *p = MTR_OWNER(n, struct payer, node);

	if (!p->limit_ms)
		mtr_payer_plan(p, now);
	else if (now >= cut_time(p))
		(void)mtr_payer_event(p, PAYER_EV_LIMIT);
	else if (acts_ahead(p))
		(void)mtr_payer_event(p, PAYER_EV_NEAR);
	else
		mtr_payer_plan(p, now);
}


/** End the whole call: its money is used up */
void mtr_bill_cut(struct meter_bill *bill)
{
	struct call *call = bill->conf ? NULL : call_find(bill->call_id);
	uint64_t now;

	log_info(NULL, "call=%s billing limit reached: hanging up",
		 bill->call_id);
	if (call)
		(void)call_hangup(call, CAUSE_CREDIT_EXHAUSTED);
	(void)mtr_conf_cut(bill);     /* a conference ends as a whole */

	/* the legs ended with the hangup; whatever did not (no call) stops
	 * being metered here all the same */
	now = call_now_ms();
	for (unsigned i = 0; i < bill->legc; i++) {
		if (!bill->legv[i].ended_ms)
			mtr_mleg_end(&bill->legv[i], now,
				     cause_name(CAUSE_CREDIT_EXHAUSTED));
	}
}


/* re-authorize, or, if that cannot even start, go final */
static enum payer_state extend_or_final(struct payer *p)
{
	if (!mtr_extend_start(p))
		return PAYER_EXTENDING;
	mtr_publish_limit(p, "refused");
	return PAYER_FINAL;
}


/* the next state, and the actions of the transition; STATE_MAX: refused */
static enum payer_state transition(struct payer *p, enum payer_ev ev,
				   bool *cut)
{
	enum money_limit policy = p->bill->policy;

	switch (p->state) {

	case PAYER_OPEN:
		switch (ev) {
		case PAYER_EV_NEAR:
			if (policy == MONEY_LIMIT_EXTEND)
				return extend_or_final(p);
			if (policy == MONEY_LIMIT_ASK)
				return mtr_ask_start(p) ? PAYER_FINAL
						    : PAYER_ASKING;
			return PAYER_OPEN;
		case PAYER_EV_LIMIT:
			if (policy == MONEY_LIMIT_EXTEND)
				return extend_or_final(p);
			*cut = true;
			return PAYER_FINAL;
		case PAYER_EV_END:      return PAYER_SETTLING;
		default:                break;
		}
		break;

	case PAYER_EXTENDING:
		switch (ev) {
		case PAYER_EV_EXTENDED:
			mtr_publish_limit(p, "extended");
			return PAYER_OPEN;
		case PAYER_EV_REFUSED:
			mtr_publish_limit(p, "refused");
			return PAYER_FINAL;
		case PAYER_EV_END:      return PAYER_SETTLING;
		default:                break;
		}
		break;

	case PAYER_ASKING:
		switch (ev) {
		case PAYER_EV_CONFIRM:
			mtr_ask_stop(p->bill);
			return extend_or_final(p);
		case PAYER_EV_LIMIT:
			mtr_ask_stop(p->bill);
			*cut = true;
			return PAYER_FINAL;
		case PAYER_EV_END:
			mtr_ask_stop(p->bill);
			return PAYER_SETTLING;
		default:                break;
		}
		break;

	case PAYER_FINAL:
		switch (ev) {
		case PAYER_EV_LIMIT:
			*cut = true;
			return PAYER_FINAL;
		case PAYER_EV_END:      return PAYER_SETTLING;
		default:                break;
		}
		break;

	case PAYER_SETTLING:
		switch (ev) {
		case PAYER_EV_SETTLED:  return PAYER_SETTLED;
		/* a re-authorization that answers after the end */
		case PAYER_EV_EXTENDED:
		case PAYER_EV_REFUSED:  return PAYER_SETTLING;
		default:                break;
		}
		break;

	case PAYER_SETTLED:
		switch (ev) {
		case PAYER_EV_EXTENDED:
		case PAYER_EV_REFUSED:  return PAYER_SETTLED;
		default:                break;
		}
		break;

	default:
		break;
	}
	return PAYER_STATE_MAX;
}


int mtr_payer_event(struct payer *p, enum payer_ev ev)
{
	struct meter_bill *bill;
	enum payer_state old, next;
	bool cut = false;

	if (!p || ev >= PAYER_EV_MAX)
		return EINVAL;
	bill = mem_ref(p->bill);     /* a cut may settle it under us */
	old = p->state;
	next = transition(p, ev, &cut);
	if (next == PAYER_STATE_MAX) {
		log_warn(NULL, "call=%s hold=%s: event %s in state %s refused",
			 bill->call_id, p->hold_id, mtr_payer_ev_name(ev),
			 mtr_payer_state_name(old));
		mem_deref(bill);
		return EPROTO;
	}
	p->state = next;
	if (next != old)
		log_info(NULL, "call=%s hold=%s: %s -> %s (%s)", bill->call_id,
			 p->hold_id, mtr_payer_state_name(old),
			 mtr_payer_state_name(next), mtr_payer_ev_name(ev));
	if (cut) {
		mtr_publish_limit(p, "cut");
		mtr_bill_cut(bill);
	}
	mtr_payer_plan(p, call_now_ms());
	mtr_publish_dirty(bill);
	mem_deref(bill);
	return 0;
}


/** POST /v1/calls/{id}/billing/confirm: the user agrees to go on */
int meter_confirm(const char *call_id)
{
	struct meter_bill *bill = mtr_bill_find(call_id);

	if (!bill)
		return ENOENT;
	for (unsigned i = 0; i < bill->payerc; i++) {
		if (bill->payerv[i].state == PAYER_ASKING)
			return mtr_payer_event(&bill->payerv[i],
					       PAYER_EV_CONFIRM);
	}
	return EALREADY;
}
