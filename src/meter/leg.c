/**
 * @file meter/leg.c  Metering one leg by its increments
 *
 * A rated leg is metered from its answer: its node in the heap is due
 * one millisecond after the end of the increment it is in (a started
 * increment is billed in full, so that is when the cost moves), and each
 * time it fires the leg's billed seconds and cost are brought up to date,
 * the call is marked for a `call.cost` event and the payer for the next
 * persisted metering point.  When the leg ends its cost is final, from
 * the call model's answered and ended stamps.  A leg's increments never
 * change its payer's limit (mtr_payer_limit_find() already counted them);
 * its answer and its end do, so they plan the payer again.
 */
#include <string.h>
#include <re.h>
#include "meter.h"


/* bring billed_s and cost to time t; the next due time, 0 if none */
static uint64_t account(struct mleg *l, uint64_t t)
{
	struct money_leg_charge lc;

	if (mtr_mleg_charge_at(l, t, &lc)) {
		log_warn(NULL, "call=%s leg=%s: cannot rate (%m)",
			 l->bill->call_id, l->id, ERANGE);
		return 0;
	}
	l->billed_s = lc.billed_s;
	l->cost = lc.cost;
	if (!l->rated || !l->answered_ms || l->ended_ms || !lc.billed_s)
		return 0;
	return l->answered_ms + lc.billed_s * 1000 + 1;
}


void mtr_mleg_fire(struct mtr_node *n, uint64_t now)
{
	struct mleg *l = MTR_OWNER(n, struct mleg, node);
	uint64_t next = account(l, now);

	if (next)
		(void)mtr_schedule(&l->node, next);
	mtr_publish_dirty(l->bill);
	mtr_persist_payer(l->payer);
}


void mtr_mleg_answer(struct mleg *l, uint64_t answered_ms)
{
	uint64_t now = call_now_ms(), next;

	if (!l || l->answered_ms)
		return;
	l->answered_ms = answered_ms ? answered_ms : now;
	next = account(l, now);
	if (next)
		(void)mtr_schedule(&l->node, next);
	if (l->rated) {
		mtr_persist_open_cdr(l);
		mtr_persist_payer(l->payer);
		mtr_payer_plan(l->payer, now);
	}
	mtr_publish_dirty(l->bill);
}


void mtr_mleg_end(struct mleg *l, uint64_t ended_ms, const char *cause)
{
	uint64_t now = call_now_ms();

	if (!l || l->ended_ms)
		return;
	l->ended_ms = ended_ms ? ended_ms : now;
	if (l->answered_ms && l->ended_ms < l->answered_ms)
		l->ended_ms = l->answered_ms;
	str_ncpy(l->cause, cause ? cause : "", sizeof(l->cause));
	mtr_cancel(&l->node);
	(void)account(l, l->ended_ms);
	if (l->rated && l->answered_ms) {
		mtr_persist_payer(l->payer);
		mtr_payer_plan(l->payer, now);
	}
	mtr_publish_now(l->bill);
}
