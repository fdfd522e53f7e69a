/**
 * @file meter/meter.c  The meter: start, stop, and what the call model says
 *
 * meter_init() settles what a previous run left open (recover.c), then
 * starts the heap, the registry, the event and persistence rounds, and
 * subscribes to the call model: a billed leg that answers starts being
 * metered, one that ends stops, a digit may answer the limit question,
 * and the call's end settles its bill.  meter_close() settles every bill
 * still running, synchronously, before the store goes.
 *
 * A bill follows its call from meter_bill_start() (the API, once the
 * call is authorized and about to be dialed) and knows the call's legs
 * from meter_leg_add() (the API's originate plan, as it dials A and B).
 */
#include <string.h>
#include <re.h>
#include "meter.h"

static struct {
	const struct cb_config *cfg;   /* borrowed, lives in main.c */
	struct store *st;              /* borrowed */
	bool subscribed;
} mtr;


struct store *meter_store(void)
{
	return mtr.st;
}


uint32_t meter_lead_ms(void)
{
	return (mtr.cfg ? mtr.cfg->money_limit_lead_s : 30) * 1000;
}


const char *meter_ask_text(void)
{
	return mtr.cfg && mtr.cfg->money_ask_text[0]
		? mtr.cfg->money_ask_text : "Press 1 to continue the call.";
}


/** Start metering an authorized call (takes the caller's reference) */
int meter_bill_start(struct meter_bill *bill)
{
	int err;

	if (!bill)
		return EINVAL;
	bill->state = BILL_LIVE;
	err = mtr_bill_register(bill);
	mem_deref(bill);
	return err;
}


/** A leg the call dialed for role: billed as the role says */
int meter_leg_add(const char *call_id, const struct leg *leg,
		  enum meter_role role)
{
	struct meter_bill *bill = mtr_bill_find(call_id);
	struct leg_info li;
	struct mleg *l;

	if (!bill)
		return ENOENT;
	if (!leg)
		return EINVAL;
	leg_info(leg, &li);
	l = mtr_bill_leg_bind(bill, li.id, role, li.peer, li.ts_created);
	if (!l) {
		log_warn(NULL, "call=%s leg=%s not billed (no room or no "
			 "such role)", call_id, li.id);
		return ENOSPC;
	}
	if (li.ts_answered)
		mtr_mleg_answer(l, li.ts_answered);
	if (li.ts_ended)
		mtr_mleg_end(l, li.ts_ended, cause_name(li.cause));
	return 0;
}


/** The call ended without the call model saying so (it had no leg) */
int meter_call_ended(const char *call_id)
{
	struct meter_bill *bill = mtr_bill_find(call_id);

	if (!bill)
		return ENOENT;
	mtr_settle_bill(bill);
	return 0;
}


static void leg_changed(struct meter_bill *bill, const struct call_event *ev)
{
	struct mleg *l = mtr_bill_leg_find(bill, ev->leg_id);
	struct leg_info li;

	if (!l || !ev->leg)
		return;
	leg_info(ev->leg, &li);
	if (ev->new_state == LEG_ANSWERED && ev->old_state < LEG_ANSWERED)
		mtr_mleg_answer(l, li.ts_answered);
	else if (ev->new_state == LEG_ENDED)
		mtr_mleg_end(l, li.ts_ended, cause_name(li.cause));
}


/** What the call model says about a bill's leg (a call's or a
 *  conference's: the conference passes its participants' events on) */
void mtr_event(struct meter_bill *bill, const struct call_event *ev)
{
	switch (ev->type) {

	case CALL_EV_LEG_STATE:
		leg_changed(bill, ev);
		break;

	case CALL_EV_DTMF:
		mtr_ask_dtmf(bill, ev->leg_id, ev->digit);
		break;

	case CALL_EV_PLAY_DONE:
		mtr_ask_play_done(bill, ev->leg_id);
		break;

	default:
		break;
	}
}


static void event_handler(const struct call_event *ev, void *arg)
{
	struct meter_bill *bill;
	(void)arg;

	if (!ev->call_id || ev->type == CALL_EV_APP)
		return;
	bill = mtr_bill_find(ev->call_id);
	if (!bill || bill->conf)
		return;
	if (ev->type == CALL_EV_CALL_END)
		mtr_settle_bill(bill);
	else
		mtr_event(bill, ev);
}


int meter_init(const struct cb_config *cfg, struct store *st)
{
	unsigned settled = 0;
	int err;

	if (!cfg || !st)
		return EINVAL;
	mtr.cfg = cfg;
	mtr.st = st;

	err = meter_recover(st, &settled);
	if (err) {
		log_err(NULL, "meter: cannot settle the holds of the last run "
			"(%m)", err);
		return err;
	}
	if (settled)
		log_info(NULL, "meter: %u hold(s) of the last run settled",
			 settled);

	err = mtr_heap_init();
	if (!err)
		err = mtr_bill_registry_init();
	if (!err)
		err = mtr_publish_init(cfg->money_cost_event_ms);
	if (!err)
		err = mtr_persist_init(st, cfg->money_persist_ms);
	if (!err)
		err = call_subscribe(event_handler, NULL);
	if (err) {
		meter_close();
		return err;
	}
	mtr.subscribed = true;
	return 0;
}


void meter_close(void)
{
	(void)mtr_settle_all_now();
	if (mtr.subscribed)
		call_unsubscribe(event_handler, NULL);
	mtr.subscribed = false;
	mtr_persist_close();
	mtr_publish_close();
	mtr_bill_registry_close();
	mtr_heap_close();
	mtr.st = NULL;
	mtr.cfg = NULL;
}
