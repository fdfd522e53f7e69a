/**
 * @file acd/queue.c  Queues of waiting requests and their places
 *
 * A queue belongs to one tenant (business) and holds its requests in
 * arrival order; a request's place is fixed when it arrives and only
 * improves as requests ahead leave.  An offered request keeps its place
 * (a no-answer puts it back where it was); a connected one leaves.  A
 * callback request -- the customer asked to be called back rather than
 * hold -- also keeps its original place: it is routed like any other
 * and the caller places the call to the customer first.
 *
 * Positions are counted on demand (O(place)): they are asked for by
 * announcements and status pages, never by routing.
 */
#include <string.h>
#include <re.h>
#include "acd.h"


static void queue_destructor(void *arg)
{
	struct acd_queue *q = arg;
	struct le *le;

	/* the requests are the caller's: they just lose their queue */
	while ((le = list_head(&q->reqs))) {
		struct acd_req *req = le->data;

		if (req->agent)
			(void)acd_agent_event(req->agent, ACD_EV_CANCEL);
		list_unlink(&req->le);
		req->q = NULL;
		req->state = ACD_REQ_GONE;
	}
	mem_deref(q->acd);
}


/**
 * Allocate a queue
 *
 * @param qp          where to store it
 * @param acd         its ACD (referenced)
 * @param tenant      the business it belongs to
 * @param name        its name
 * @param fallback_ms after this wait a request with a skill hint may go
 *                    to any available agent of the tenant
 *
 * @return 0, EINVAL or ENOMEM
 */
int acd_queue_alloc(struct acd_queue **qp, struct acd *acd,
		    const char *tenant, const char *name,
		    uint32_t fallback_ms)
{
	struct acd_queue *q;

	if (!qp || !acd || !str_isset(tenant) || !str_isset(name) ||
	    strlen(tenant) >= ACD_NAME_MAX || strlen(name) >= ACD_NAME_MAX)
		return EINVAL;

	q = mem_zalloc(sizeof(*q), queue_destructor);
	if (!q)
		return ENOMEM;
	q->acd = mem_ref(acd);
	q->tenant = acd_tenant_get(acd, tenant);
	if (!q->tenant) {
		mem_deref(q);
		return ENOMEM;
	}
	str_ncpy(q->name, name, sizeof(q->name));
	q->fallback_ms = fallback_ms;

	*qp = q;
	return 0;
}


/** Change the fallback wait (applies at the next dispatch) */
void acd_queue_fallback_set(struct acd_queue *q, uint32_t fallback_ms)
{
	if (q)
		q->fallback_ms = fallback_ms;
}


/** Requests in the queue (waiting or offered) */
uint32_t acd_queue_count(const struct acd_queue *q)
{
	return q ? list_count(&q->reqs) : 0;
}


/** Print a queue: each request with its place, state and hint */
int acd_queue_debug(struct re_printf *pf, const struct acd_queue *q)
{
	static const char *statev[] = {"waiting", "offered", "connected",
				       "gone"};
	uint32_t pos = 0;
	struct le *le;
	int err;

	if (!q)
		return 0;
	err = re_hprintf(pf, "queue %s/%s: %u requests, fallback %u ms\n",
			 q->tenant->id, q->name, list_count(&q->reqs),
			 q->fallback_ms);
	LIST_FOREACH(&q->reqs, le) {
		const struct acd_req *req = le->data;

		err |= re_hprintf(pf, "  %u. %s since %llu%s%s%s",
				  ++pos, statev[req->state],
				  (unsigned long long)req->since,
				  req->skill ? " skill " : "",
				  req->skill ? req->skill->name : "",
				  req->callback ? " callback" : "");
		if (req->agent)
			err |= re_hprintf(pf, " -> %s", req->agent->id);
		err |= re_hprintf(pf, "\n");
	}
	return err;
}


static void req_destructor(void *arg)
{
	struct acd_req *req = arg;

	/* an agent ringing for a request that went away is free again */
	if (req->agent && req->state == ACD_REQ_OFFERED)
		(void)acd_agent_event(req->agent, ACD_EV_CANCEL);
	else if (req->agent)
		req->agent->req = NULL;
	list_unlink(&req->le);
}


/**
 * Put a request at the end of a queue
 *
 * @param reqp  where to store it
 * @param q     the queue
 * @param skill skill hint, NULL or "" for any agent
 * @param level minimum level of that skill (1..ACD_LEVEL_MAX; 0: 1)
 * @param ctx   the caller's, returned by acd_req_ctx() (borrowed)
 *
 * @return 0, EINVAL or ENOMEM
 */
int acd_req_alloc(struct acd_req **reqp, struct acd_queue *q,
		  const char *skill, unsigned level, void *ctx)
{
	struct acd_req *req;

	if (!reqp || !q || level > ACD_LEVEL_MAX ||
	    (skill && strlen(skill) >= ACD_NAME_MAX))
		return EINVAL;

	req = mem_zalloc(sizeof(*req), req_destructor);
	if (!req)
		return ENOMEM;

	if (str_isset(skill)) {
		/* a skill nobody has yet still gets its (empty) lists */
		req->skill = acd_skill_get(q->tenant, skill, true);
		if (!req->skill) {
			mem_deref(req);
			return ENOMEM;
		}
		req->level = level ? level : 1;
	}
	req->q = q;
	req->ctx = ctx;
	req->since = acd_now(q->acd);
	req->state = ACD_REQ_WAITING;
	list_append(&q->reqs, &req->le, req);

	*reqp = req;
	return 0;
}


/**
 * The customer asked to be called back: the request keeps its place
 *
 * @return 0, or EPERM if it is no longer in a queue
 */
int acd_req_callback(struct acd_req *req)
{
	if (!req || !req->q)
		return req ? EPERM : EINVAL;
	req->callback = true;
	return 0;
}


bool acd_req_is_callback(const struct acd_req *req)
{
	return req && req->callback;
}


/** 1-based place in its queue; 0 if it is not in one */
uint32_t acd_req_position(const struct acd_req *req)
{
	uint32_t pos = 0;
	const struct le *le;

	if (!req || !req->q)
		return 0;
	for (le = &req->le; le; le = le->prev)
		++pos;
	return pos;
}


enum acd_req_state acd_req_state(const struct acd_req *req)
{
	return req ? req->state : ACD_REQ_GONE;
}


/** When the request arrived, ms */
uint64_t acd_req_since(const struct acd_req *req)
{
	return req ? req->since : 0;
}


/** The agent it is offered to or connected with, if any */
struct acd_agent *acd_req_agent(const struct acd_req *req)
{
	return req ? req->agent : NULL;
}


void *acd_req_ctx(const struct acd_req *req)
{
	return req ? req->ctx : NULL;
}
