/**
 * @file api/record.c  Finished calls go to the store
 *
 * When the call model publishes CALL_END, the call and every leg (state,
 * cause, SIP status, timestamps, RTP counters) are copied into a
 * store_call and written by a store worker: the source of CDRs and of
 * history after a restart.  The copy is taken on the re_main thread, so
 * the worker never touches the call model.
 */
#include <string.h>
#include <re.h>
#include "api.h"

struct rec {
	struct store_call c;
};


static void rec_destructor(void *arg)
{
	struct rec *r = arg;

	mem_deref(r->c.legv);
}


static int save_work(struct store *st, void *arg)
{
	struct rec *r = arg;

	return store_call_save(st, &r->c);
}


static void save_done(int err, void *arg)
{
	struct rec *r = arg;

	if (err && err != ECANCELED)
		log_warn(NULL, "call=%s not saved (%m)", r->c.id, err);
}


static void leg_copy(struct store_leg *sl, const struct leg *leg)
{
	struct leg_info li;

	leg_info(leg, &li);
	str_ncpy(sl->id, li.id, sizeof(sl->id));
	str_ncpy(sl->peer, li.peer ? li.peer : "", sizeof(sl->peer));
	sl->outbound = li.outbound;
	str_ncpy(sl->state, leg_state_name(li.state), sizeof(sl->state));
	str_ncpy(sl->cause, cause_name(li.cause), sizeof(sl->cause));
	sl->sip_status = li.sip_status;
	sl->created_ms = li.ts_created;
	sl->answered_ms = li.ts_answered;
	sl->ended_ms = li.ts_ended;
	sl->rtp_rx = li.rtp_rx;
	sl->rtp_tx = li.rtp_tx;
	sl->rtp_lost = li.rtp_lost;
}


static void event_handler(const struct call_event *ev, void *arg)
{
	const struct call *call = ev->call;
	struct store *st = store_default();
	struct rec *r;
	size_t n = 0;
	(void)arg;

	if (ev->type != CALL_EV_CALL_END || !call || !st)
		return;

	r = mem_zalloc(sizeof(*r), rec_destructor);
	if (!r)
		return;
	while (call_leg(call, (unsigned)n))
		++n;
	if (n) {
		r->c.legv = mem_zalloc(n * sizeof(*r->c.legv), NULL);
		if (!r->c.legv)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		leg_copy(&r->c.legv[i], call_leg(call, (unsigned)i));
		if (r->c.legv[i].created_ms && (!r->c.created_ms ||
		    r->c.legv[i].created_ms < r->c.created_ms))
			r->c.created_ms = r->c.legv[i].created_ms;
	}
	r->c.legc = n;
	str_ncpy(r->c.id, call_id(call), sizeof(r->c.id));
	str_ncpy(r->c.tenant_id, call_tenant(call), sizeof(r->c.tenant_id));
	r->c.ended_ms = ev->ts_ms;

	(void)store_submit(st, save_work, save_done, r);
 out:
	mem_deref(r);
}


int record_init(void)
{
	return call_subscribe(event_handler, NULL);
}


void record_close(void)
{
	call_unsubscribe(event_handler, NULL);
}
