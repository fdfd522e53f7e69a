/**
 * @file meter/publish.c  The meter's events: call.cost and billing.limit
 *
 * `call.cost` carries a billed call's running cost (currency, cost,
 * total, and each leg's billed seconds and cost: the compact form of
 * GET /v1/calls/{id}'s `billing`), at a bounded rate: a call whose cost
 * moved (an increment, an answer, an end, a state change) is put on one
 * list, and one timer every `money.cost_event_ms` publishes each call of
 * the list once.  So a call on 1-second increments yields at most one
 * event per interval however many legs it has, and 10,000 calls cost one
 * timer.  0 turns the events off.  `billing.limit` (asking, extended,
 * refused, cut) goes out at once.  Both are call-model events
 * (call_app_publish()): the WebSocket /v1/events and the webhooks carry
 * them in order with the call's own events.
 */
#include <string.h>
#include <re.h>
#include "meter.h"

static struct {
	struct list dirty;             /* struct meter_bill, borrowed */
	struct tmr tmr;
	uint32_t interval_ms;
	uint64_t published;
} pub;


/* one call.cost event for bill, rendered into mb */
static void publish_one(struct meter_bill *bill, struct mbuf *mb)
{
	struct call *call;

	if (mtr_conf_cost(bill)) {     /* a conference renders its own */
		++pub.published;
		return;
	}
	mbuf_rewind(mb);
	if (mbuf_printf(mb, "%H", mtr_render_cost, bill) ||
	    mbuf_write_u8(mb, 0))
		return;
	call = call_find(bill->call_id);
	if (call)
		(void)call_app_publish(call, NULL, "call.cost",
				       (const char *)mb->buf);
	++pub.published;
}


static void flush_handler(void *arg)
{
	struct list batch = LIST_INIT;
	struct mbuf *mb = mbuf_alloc(1024);
	struct le *le;
	(void)arg;

	/* what is marked while publishing waits for the next round */
	while ((le = pub.dirty.head)) {
		list_unlink(le);
		list_append(&batch, le, le->data);
	}
	while ((le = batch.head)) {
		list_unlink(le);
		if (mb)
			publish_one(le->data, mb);
	}
	mem_deref(mb);
}


/** bill's cost is final for a leg: out at once, not at the next round */
void mtr_publish_now(struct meter_bill *bill)
{
	struct mbuf *mb;

	if (!bill || !pub.interval_ms)
		return;
	list_unlink(&bill->dle);
	mb = mbuf_alloc(1024);
	if (mb)
		publish_one(bill, mb);
	mem_deref(mb);
}


/** bill's cost moved: it is in the next call.cost round */
void mtr_publish_dirty(struct meter_bill *bill)
{
	/* a settling call has published its last cost (its legs' ends):
	 * nothing may follow call.ended */
	if (!bill || !pub.interval_ms || bill->state == BILL_SETTLING ||
	    list_contains(&pub.dirty, &bill->dle))
		return;
	list_append(&pub.dirty, &bill->dle, bill);
	if (!tmr_isrunning(&pub.tmr))
		tmr_start(&pub.tmr, pub.interval_ms, flush_handler, NULL);
}


void mtr_publish_forget(struct meter_bill *bill)
{
	list_unlink(&bill->dle);
}


/** billing.limit: what the payer's hold is doing, at once */
void mtr_publish_limit(struct payer *p, const char *what)
{
	struct meter_bill *bill = p->bill;
	struct call *call = mtr_bill_call(bill, NULL);
	char amount[40];
	char *json = NULL;

	if (!call)
		return;
	(void)money_fmt(amount, sizeof(amount), p->authorized, bill->digits);
	if (re_sdprintf(&json, "\"state\":\"%s\",\"policy\":\"%s\","
			"\"account\":\"%s\",\"hold_id\":\"%s\","
			"\"authorized\":\"%s\",\"currency\":\"%s\","
			"\"limit_ms\":%llu%s%s%s",
			what, money_limit_name(bill->policy), p->account_id,
			p->hold_id, amount, bill->mt.currency,
			(unsigned long long)p->limit_ms,
			bill->ask_leg[0] ? ",\"asked_leg\":\"" : "",
			bill->ask_leg[0] ? bill->ask_leg : "",
			bill->ask_leg[0] ? "\"" : ""))
		return;
	(void)call_app_publish(call, NULL, "billing.limit", json);
	mem_deref(json);
}


int mtr_publish_init(uint32_t interval_ms)
{
	pub.interval_ms = interval_ms;
	tmr_init(&pub.tmr);
	list_init(&pub.dirty);
	return 0;
}


void mtr_publish_close(void)
{
	tmr_cancel(&pub.tmr);
	list_clear(&pub.dirty);
}


uint64_t mtr_publish_count(void)
{
	return pub.published;
}
