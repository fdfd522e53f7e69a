/**
 * @file cc/offer.c  The ACD's offers: ring the agent, or the next one
 *
 * The ACD calls cc_offer_handler() from inside acd_queue_dispatch(),
 * where nothing may re-enter it; so the handler only records the offer
 * (request offered, agent id, screen-pop visible) and arms a zero timer
 * that rings the agent.  A request waiting in a call rings the agent as
 * the second leg of that call (ring_s, the customer's number as caller
 * id); a callback request gets a new call, agent first (flow.c).
 *
 * A ring-out, a refusal or a dial error is a no-answer: the ACD puts the
 * request back at its place, counts the agent's no-answers (break at
 * max_noanswer) and offers the request to the agents that have not let
 * it ring out yet; once every logged-in agent that could take it has,
 * it goes round again after CC_RETRY_MS (the ACD's retry_ms), so a
 * business with one agent who missed a call rings that agent again and
 * a dial that fails at once is not retried in a loop.  Then the queue
 * is dispatched again for the next agent.
 */
#include <string.h>
#include <re.h>
#include "cc.h"


static void ring_handler(void *arg)
{
	struct cc_req *r = arg;
	int err;

	if (r->st != CC_OFFERED || !r->agent)
		return;
	if (acd_req_is_callback(r->areq)) {
		/* the goodbye may still be playing: it ends now */
		if (r->cust)
			(void)leg_hangup(r->cust, CAUSE_NORMAL);
		r->cust = NULL;
		cc_flow_place(r, true);
		return;
	}
	err = cc_flow_agent(r);
	if (err && r->st == CC_OFFERED && !r->agl) {
		log_warn(NULL, "cc request=%s cannot ring agent=%s at %s (%m)",
			 r->row.id, r->agent ? r->agent->row.id : "-",
			 r->agent ? r->agent->row.endpoint : "-", err);
		cc_offer_noanswer(r);
	}
}


void cc_offer_handler(struct acd_req *areq, struct acd_agent *ag, void *arg)
{
	struct cc_biz *biz = arg;
	struct cc_req *r = acd_req_ctx(areq);
	struct cc_agent *a = cc_agent_find(biz, acd_agent_id(ag));

	if (!r || !a) {
		/* cannot happen: every ACD object here is ours */
		log_warn(NULL, "cc offer without request or agent");
		return;
	}
	r->agent = a;
	a->req = r;
	str_ncpy(r->row.agent_id, a->row.id, sizeof(r->row.agent_id));
	cc_req_set(r, CC_OFFERED);
	tmr_start(&r->tmr_offer, 0, ring_handler, r);
}


/** The offered agent did not answer: the next one, if any */
void cc_offer_noanswer(struct cc_req *r)
{
	struct cc_agent *a = r->agent;
	bool callback = acd_req_is_callback(r->areq);

	tmr_cancel(&r->tmr_offer);
	r->agent = NULL;
	r->row.agent_id[0] = '\0';
	(void)acd_req_noanswer(r->areq);
	if (a) {
		log_info(NULL, "cc request=%s: agent=%s did not answer (%u "
			 "in a row, %s)", r->row.id, a->row.id,
			 acd_agent_noanswers(a->ag),
			 acd_agent_state_name(acd_agent_state(a->ag)));
		a->req = NULL;
		if (a->removed)
			mem_deref(a);
	}
	cc_req_set(r, callback ? CC_CALLBACK : CC_QUEUED);
	cc_dispatch(r->biz);
}
