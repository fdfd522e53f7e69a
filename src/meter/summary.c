/**
 * @file meter/summary.c  A bill as CDR rows and charge rows
 *
 * The charge summary of seed 004 (FIG. 6) is made of the store's own
 * rows, whether the call runs or has ended: one store_cdr per leg
 * (number, duration, billed duration, charge) and one store_charge per
 * payer (subtotal, minimum adjustment, rounding, tax, total, and once
 * captured what was charged).  The same rows are written when the call
 * is settled, so GET /v1/calls/{id}/charges answers the same thing
 * before and after the call has left memory.
 */
#include <string.h>
#include <re.h>
#include "meter.h"


void mtr_summary_cdr(const struct mleg *l, uint64_t now,
		     enum store_cdr_state state, struct store_cdr *c)
{
	const struct meter_bill *bill = l->bill;
	struct money_leg_charge lc;
	uint64_t end;

	memset(c, 0, sizeof(*c));
	str_ncpy(c->leg_id, l->id, sizeof(c->leg_id));
	str_ncpy(c->call_id, bill->call_id, sizeof(c->call_id));
	str_ncpy(c->tenant_id, bill->tenant_id, sizeof(c->tenant_id));
	c->idx = l->idx;
	str_ncpy(c->peer, l->peer, sizeof(c->peer));
	str_ncpy(c->payer, meter_payer_name(l->payer->kind), sizeof(c->payer));
	str_ncpy(c->account_id, l->payer->account_id, sizeof(c->account_id));
	str_ncpy(c->hold_id, l->payer->hold_id, sizeof(c->hold_id));
	c->rated = l->rated;
	if (l->rated)
		c->rate = l->rate;
	c->created_ms = l->created_ms;
	c->answered_ms = l->answered_ms;
	c->ended_ms = l->ended_ms;
	str_ncpy(c->cause, l->cause, sizeof(c->cause));
	end = l->ended_ms ? l->ended_ms : now;
	if (l->answered_ms && end > l->answered_ms)
		c->duration_ms = end - l->answered_ms;
	if (!mtr_mleg_charge_at(l, now, &lc)) {
		c->billed_s = lc.billed_s;
		c->cost = lc.cost;
	}
	c->state = (uint8_t)state;
}


static void summary_charge(const struct payer *p, uint64_t now,
			   enum store_cdr_state state,
			   struct store_charge *c)
{
	const struct meter_bill *bill = p->bill;
	struct money_summary s;

	memset(c, 0, sizeof(*c));
	str_ncpy(c->hold_id, p->hold_id, sizeof(c->hold_id));
	str_ncpy(c->call_id, bill->call_id, sizeof(c->call_id));
	str_ncpy(c->tenant_id, bill->tenant_id, sizeof(c->tenant_id));
	str_ncpy(c->account_id, p->account_id, sizeof(c->account_id));
	str_ncpy(c->payer, meter_payer_name(p->kind), sizeof(c->payer));
	str_ncpy(c->currency, bill->mt.currency, sizeof(c->currency));
	c->authorized = p->authorized;
	if (!mtr_payer_summary_at(p, now, &s)) {
		c->subtotal = s.subtotal;
		c->min_adjust = s.min_adjust;
		c->rounding = s.rounding;
		c->net = s.net;
		c->tax = s.tax;
		c->total = s.total;
	}
	if (p->captured) {
		c->charged = p->cap.charged;
		c->written_off = p->cap.written_off;
		str_ncpy(c->txn_id, p->cap.txn_id, sizeof(c->txn_id));
	}
	c->state = (uint8_t)state;
	c->created_ms = now;
}


/**
 * The bill's rows at time now (mem arrays, the caller's).  Legs are in
 * the order they were dialed, payers in the order they were authorized.
 */
int mtr_summary_rows(const struct meter_bill *bill, uint64_t now,
		     enum store_cdr_state state, struct store_cdr **cdrvp,
		     size_t *cdrcp, struct store_charge **chvp, size_t *chcp)
{
	struct store_cdr *cv = NULL;
	struct store_charge *hv = NULL;

	if (bill->legc) {
		cv = mem_zalloc(bill->legc * sizeof(*cv), NULL);
		if (!cv)
			return ENOMEM;
	}
	if (bill->payerc) {
		hv = mem_zalloc(bill->payerc * sizeof(*hv), NULL);
		if (!hv) {
			mem_deref(cv);
			return ENOMEM;
		}
	}
	for (unsigned i = 0; i < bill->legc; i++)
		mtr_summary_cdr(&bill->legv[i], now, state, &cv[i]);
	for (unsigned i = 0; i < bill->payerc; i++)
		summary_charge(&bill->payerv[i], now, state, &hv[i]);
	*cdrvp = cv;
	*cdrcp = bill->legc;
	*chvp = hv;
	*chcp = bill->payerc;
	return 0;
}


/**
 * The charge rows of a call the meter still holds (ENOENT if not): open
 * rows, also while the capture runs (what it charged is not known yet).
 */
int meter_summary(const char *call_id, struct store_cdr **cdrvp,
		  size_t *cdrcp, struct store_charge **chvp, size_t *chcp)
{
	const struct meter_bill *bill = mtr_bill_find(call_id);

	if (!bill)
		return ENOENT;
	if (!cdrvp || !cdrcp || !chvp || !chcp)
		return EINVAL;
	/* final only once captured and written: then the store answers */
	return mtr_summary_rows(bill, call_now_ms(), STORE_CDR_OPEN, cdrvp,
				cdrcp, chvp, chcp);
}
