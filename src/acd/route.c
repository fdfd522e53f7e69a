/**
 * @file acd/route.c  Who gets the next waiting request
 *
 * acd_queue_dispatch() walks the queue from its head (at most
 * cfg.lookahead waiting requests, so one dispatch is bounded) and, for
 * each waiting request, picks the longest-idle available agent of the
 * tenant whose skill matches the request's hint at its level or above.
 * Once a request has waited the queue's fallback time, any available
 * agent of the tenant will do.  A request does not go back to an agent
 * that already let it ring out while an untried one is available: when
 * only tried ones are free, retry_ms after the last ring-out it forgets
 * them and goes round again (an agent on a call is not waited for).  The chosen agent and
 * the request both become OFFERED and the offer handler is told; the
 * caller then rings
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


/**
 * Forget the agents that let the request ring out: each may be offered
 * it again (a dispatch does this itself once all were tried)
 */
void acd_req_tried_clear(struct acd_req *req)
{
	if (!req)
		return;
	req->triedc = 0;
	memset(req->triedv, 0, sizeof(req->triedv));
}


/** How many agents the request remembers as having let it ring out */
uint32_t acd_req_tried_count(const struct acd_req *req)
{
	if (!req)
		return 0;
	return req->triedc < ACD_TRIED_MAX ? req->triedc : ACD_TRIED_MAX;
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


/* may the request go to any agent of the tenant (no hint, or its
 * fallback wait has passed)? */
static bool any_agent(const struct acd_queue *q, const struct acd_req *req,
		      uint64_t now)
{
	return !req->skill || now - req->since >= q->fallback_ms;
}


/* longest-idle matching agent for one request, or NULL */
static struct acd_agent *pick_untried(const struct acd_queue *q,
				      const struct acd_req *req, bool any)
{
	struct acd_agent *best = NULL;

	if (req->skill) {
		for (unsigned lv = req->level; lv <= ACD_LEVEL_MAX; lv++) {
			struct acd_agent *ag;

			ag = first_untried(&req->skill->lv[lv], req);
			if (ag && (!best || ag->seq < best->seq))
				best = ag;
		}
		if (best || !any)
			return best;
	}

	return first_untried(&q->tenant->avail, req);
}


/* is an agent that could take the request available (tried or not)? */
static bool someone_free(const struct acd_queue *q,
			 const struct acd_req *req, bool any)
{
	if (any)
		return !list_isempty(&q->tenant->avail);
	for (unsigned lv = req->level; lv <= ACD_LEVEL_MAX; lv++)
		if (!list_isempty(&req->skill->lv[lv]))
			return true;
	return false;
}


/*
 * The agent for one request, or NULL.  When no available agent that
 * could take it is untried, one that tried is free and retry_ms have
 * passed since the last ring-out, the request forgets them and goes
 * round again, longest idle first.
 */
static struct acd_agent *pick(const struct acd_queue *q,
			      struct acd_req *req, uint64_t now)
{
	bool any = any_agent(q, req, now);
	struct acd_agent *ag = pick_untried(q, req, any);

	if (ag || !req->triedc ||
	    now - req->tried_ms < q->acd->cfg.retry_ms ||
	    !someone_free(q, req, any))
		return ag;

	acd_req_tried_clear(req);
	return pick_untried(q, req, any);
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
 * goes to that agent again only once all were tried (acd_queue_dispatch
 * and docs/acd.md); the agent is available again
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
