/**
 * @file acd/route.c  Who gets the next waiting request
 *
 * acd_queue_dispatch() walks the queue from its head (at most
 * cfg.lookahead waiting requests, so one dispatch is bounded) and, for
 * each waiting request, picks the longest-idle available agent of the
 * tenant whose skill matches the request's hint at its level or above.
 * Once a request has waited the queue's fallback time, any available
 * agent of the tenant will do.  A request never goes back to an agent
 * that already let it ring out.  The chosen agent and the request both
 * become OFFERED and the offer handler is told; the caller then rings
 * the agent and reports acd_req_answered() or acd_req_noanswer().
 *
 * A decision reads the heads of at most ACD_LEVEL_MAX lists (index.c),
 * skipping at most the request's tried agents: it does not depend on
 * how many agents or requests there are.
 */
#include <string.h>
#include <re.h>
#include "acd.h"


/** Did this agent already let the request ring out? */
bool acd_req_tried(const struct acd_req *req, uint32_t uid)
{
	unsigned n = req->triedc < ACD_TRIED_MAX ? req->triedc
						  : ACD_TRIED_MAX;

	for (unsigned i = 0; i < n; i++)
		if (req->triedv[i] == uid)
			return true;
	return false;
}


/* the first agent of a list the request has not tried */
static struct acd_agent *first_untried(const struct list *l,
				       const struct acd_req *req)
{
	struct le *le;

	LIST_FOREACH(l, le) {
		struct acd_agent *ag = le->data;

		if (!req->triedc || !acd_req_tried(req, ag->uid))
			return ag;
	}
	return NULL;
}


/* longest-idle matching agent for one request, or NULL */
static struct acd_agent *pick(const struct acd_queue *q,
			      const struct acd_req *req, uint64_t now)
{
	struct acd_agent *best = NULL;

	if (req->skill) {
		for (unsigned lv = req->level; lv <= ACD_LEVEL_MAX; lv++) {
			struct acd_agent *ag;

			ag = first_untried(&req->skill->lv[lv], req);
			if (ag && (!best || ag->seq < best->seq))
				best = ag;
		}
		if (best || now - req->since < q->fallback_ms)
			return best;
	}

	return first_untried(&q->tenant->avail, req);
}


/* agent and request become OFFERED together */
static void offer(struct acd_req *req, struct acd_agent *ag)
{
	struct acd *acd = req->q->acd;

	ag->req = req;
	req->agent = ag;
	req->state = ACD_REQ_OFFERED;
	(void)acd_agent_event(ag, ACD_EV_OFFER);
	if (acd->offerh)
		acd->offerh(req, ag, acd->offer_arg);
}


/**
 * Offer waiting requests of a queue to available agents
 *
 * @return the number of offers made
 */
unsigned acd_queue_dispatch(struct acd_queue *q)
{
	unsigned offers = 0, seen = 0;
	uint64_t now;
	struct le *le;

	if (!q)
		return 0;

	now = acd_now(q->acd);
	le = list_head(&q->reqs);
	while (le && seen < q->acd->cfg.lookahead &&
	       !list_isempty(&q->tenant->avail)) {
		struct acd_req *req = le->data;
		struct acd_agent *ag;

		/* the offer handler may free the request: step first */
		le = le->next;
		if (req->state != ACD_REQ_WAITING)
			continue;
		++seen;
		ag = pick(q, req, now);
		if (!ag)
			continue;
		offer(req, ag);
		++offers;
	}
	return offers;
}


/**
 * The agent answered the offered request: agent on-call, request out
 * of its queue
 *
 * @return 0, EINVAL, or EPERM if the request is not offered
 */
int acd_req_answered(struct acd_req *req)
{
	if (!req)
		return EINVAL;
	if (req->state != ACD_REQ_OFFERED || !req->agent)
		return EPERM;
	return acd_agent_event(req->agent, ACD_EV_ANSWER);
}


/**
 * The agent did not answer: the request waits again at its place and
 * will not be offered to that agent again; the agent is available again
 * (at the back of the idle order) or, at max no-answers, on break.
 * Call acd_queue_dispatch() to offer it to the next agent.
 *
 * @return 0, EINVAL, or EPERM if the request is not offered
 */
int acd_req_noanswer(struct acd_req *req)
{
	if (!req)
		return EINVAL;
	if (req->state != ACD_REQ_OFFERED || !req->agent)
		return EPERM;
	return acd_agent_event(req->agent, ACD_EV_NOANSWER);
}
