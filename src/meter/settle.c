/**
 * @file meter/settle.c  The end of a billed call: capture and records
 *
 * When the call's last leg has ended, each payer's charge is final (its
 * legs' costs from their answered and ended stamps, its minimum, its
 * tax), and one store job does, per payer: persist that final cost on
 * the hold (so a capture that fails is recovered at the right figure),
 * capture net + tax and release the rest (money_hold_capture(); nothing
 * charged: release); then writes the final CDR rows and the charge rows
 * with what each capture took.  Back on the re_main thread the payers
 * are SETTLED and the registry lets the bill go; until then GET
 * /v1/calls/{id}/charges answers from the bill.
 *
 * At shutdown (and when the store cancels a queued job at shutdown) the
 * same work runs synchronously, so a call that was up when the daemon
 * stopped is charged what it used, not left to recovery.
 */
#include <string.h>
#include <re.h>
#include "meter.h"

struct settle_job {
	struct meter_bill *bill;             /* mem_ref'd */
	struct store *st;              /* borrowed; outlives its jobs */
	struct store_cdr *cv;          /* mem array */
	size_t cc;
	struct store_charge *hv;       /* mem array */
	size_t hc;
	struct money_capture capv[METER_ROLE_MAX];
	bool okv[METER_ROLE_MAX];
	uint64_t now;
};


static void job_destructor(void *arg)
{
	struct settle_job *j = arg;

	mem_deref(j->cv);
	mem_deref(j->hv);
	mem_deref(j->bill);
}


static int capture_one(struct settle_job *j, size_t i)
{
	struct store_charge *h = &j->hv[i];
	struct store_meter_point mp;
	struct money_capture *res = &j->capv[i];
	int err;

	memset(&mp, 0, sizeof(mp));
	str_ncpy(mp.hold_id, h->hold_id, sizeof(mp.hold_id));
	mp.metered = h->net;
	err = store_meter_persist(j->st, &mp, 1, j->now);
	if (err)
		return err;

	if (!h->total) {
		memset(res, 0, sizeof(*res));
		err = money_hold_release(j->st, h->hold_id);
	}
	else {
		err = money_hold_capture(j->st, h->hold_id, h->net, h->tax,
					 res);
	}
	if (err == EALREADY)
		err = 0;
	if (err)
		return err;
	h->charged = res->charged;
	h->written_off = res->written_off;
	str_ncpy(h->txn_id, res->txn_id, sizeof(h->txn_id));
	return 0;
}


static int settle_work(struct store *st, void *arg)
{
	struct settle_job *j = arg;
	struct store_charge *okv;
	size_t n = 0;
	int err = 0;
	(void)st;

	okv = mem_zalloc((j->hc ? j->hc : 1) * sizeof(*okv), NULL);
	if (!okv)
		return ENOMEM;
	for (size_t i = 0; i < j->hc; i++) {
		int e = capture_one(j, i);

		/* a hold not captured stays open: recovery settles it */
		if (e) {
			log_warn(NULL, "call=%s hold=%s: capture failed (%m)",
				 j->hv[i].call_id, j->hv[i].hold_id, e);
			err = e;
			continue;
		}
		j->okv[i] = true;
		okv[n++] = j->hv[i];
	}
	if (!err)
		err = store_cdr_put(j->st, j->cv, j->cc);
	else
		(void)store_cdr_put(j->st, j->cv, j->cc);
	if (n) {
		int e = store_charge_put(j->st, okv, n);

		if (!err)
			err = e;
	}
	mem_deref(okv);
	return err;
}


static void settle_finish(struct settle_job *j, int err)
{
	struct meter_bill *bill = j->bill;

	if (err)
		log_warn(NULL, "call=%s billing not fully settled (%m)",
			 bill->call_id, err);
	for (size_t i = 0; i < j->hc && i < bill->payerc; i++) {
		struct payer *p = &bill->payerv[i];

		if (j->okv[i]) {
			p->cap = j->capv[i];
			p->captured = true;
		}
		if (p->state == PAYER_SETTLING)
			(void)mtr_payer_event(p, PAYER_EV_SETTLED);
	}
	mtr_bill_unregister(bill);
}


static void settle_done(int err, void *arg)
{
	struct settle_job *j = arg;

	/* the store stops with our job queued: do it now, it is still open */
	if (err == ECANCELED)
		err = settle_work(j->st, j);
	settle_finish(j, err);
}


static int job_make(struct settle_job **jp, struct meter_bill *bill,
		    uint64_t now)
{
	struct settle_job *j = mem_zalloc(sizeof(*j), job_destructor);
	int err;

	if (!j)
		return ENOMEM;
	j->bill = mem_ref(bill);
	j->st = meter_store();
	j->now = now;
	err = mtr_summary_rows(bill, now, STORE_CDR_FINAL, &j->cv, &j->cc,
			       &j->hv, &j->hc);
	if (err) {
		mem_deref(j);
		return err;
	}
	*jp = j;
	return 0;
}


/* every leg stops; every payer goes SETTLING */
static void bill_close(struct meter_bill *bill, uint64_t now,
		       const char *cause)
{
	for (unsigned i = 0; i < bill->legc; i++) {
		if (!bill->legv[i].ended_ms)
			mtr_mleg_end(&bill->legv[i], now, cause);
	}
	bill->state = BILL_SETTLING;
	for (unsigned i = 0; i < bill->payerc; i++) {
		if (bill->payerv[i].state < PAYER_SETTLING)
			(void)mtr_payer_event(&bill->payerv[i], PAYER_EV_END);
	}
}


/** The call ended: capture and write its records on a store worker */
void mtr_settle_bill(struct meter_bill *bill)
{
	struct settle_job *j = NULL;
	uint64_t now = call_now_ms();
	int err;

	if (!bill || bill->state == BILL_SETTLING)
		return;
	bill_close(bill, now, NULL);
	mtr_publish_forget(bill);
	err = job_make(&j, bill, now);
	if (!err)
		err = store_submit(meter_store(), settle_work, settle_done, j);
	if (err) {
		log_err(NULL, "call=%s cannot settle (%m): its holds stay "
			"open until the next start", bill->call_id, err);
		mtr_bill_unregister(bill);
	}
	mem_deref(j);
}


static bool now_handler(struct meter_bill *bill, void *arg)
{
	struct settle_job *j = NULL;
	uint64_t now = *(uint64_t *)arg;

	if (bill->state == BILL_SETTLING)
		return false;       /* its job completes in the store's stop */
	mem_ref(bill);
	bill_close(bill, now, "shutdown");
	if (!job_make(&j, bill, now))
		settle_finish(j, settle_work(j->st, j));
	else
		mtr_bill_unregister(bill);
	mem_deref(j);
	mem_deref(bill);
	return false;
}


/** Shutdown: every bill still running is settled, synchronously */
int mtr_settle_all_now(void)
{
	uint64_t now = call_now_ms();

	if (!meter_store())
		return 0;
	return mtr_bill_apply(now_handler, &now);
}
