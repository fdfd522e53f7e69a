/**
 * @file api/ready.c  GET /readyz: can this node take traffic?
 *
 * Ready means the store answers a query (through a worker, like every
 * database access from the event loop) and SIP is listening.  A load
 * balancer takes the node out on 503; /healthz only says the process
 * lives.
 */
#include <re.h>
#include "api.h"
#include "cb_sip.h"

struct ready {
	struct api_req *req;      /* mem_ref'd */
};


static void ready_destructor(void *arg)
{
	struct ready *r = arg;

	mem_deref(r->req);
}


static int ready_work(struct store *st, void *arg)
{
	(void)arg;
	return store_ping(st);
}


static void ready_done(int err, void *arg)
{
	struct ready *r = arg;
	bool sip = sipua_ready();

	if (err == ECANCELED)
		return;
	api_reply_json(r->req, !err && sip ? 200 : 503,
		       "{\"status\":\"%s\",\"store\":\"%s\",\"sip\":\"%s\"}",
		       !err && sip ? "ready" : "unavailable",
		       err ? "error" : "ok", sip ? "ok" : "down");
}


void api_ready(struct api_req *req)
{
	struct ready *r;
	struct store *st = store_default();

	r = mem_zalloc(sizeof(*r), ready_destructor);
	if (!r) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	r->req = mem_ref(req);
	if (!st || store_submit(st, ready_work, ready_done, r))
		api_reply_json(req, 503, "{\"status\":\"unavailable\","
			       "\"store\":\"error\",\"sip\":\"%s\"}",
			       sipua_ready() ? "ok" : "down");
	mem_deref(r);
}
