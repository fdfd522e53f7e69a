/**
 * @file meter/extend.c  Re-authorization of a hold on a store worker
 *
 * A payer about to run out asks for its first amount again
 * (money_hold_extend(): the same available-funds check as the first
 * authorization, in one database transaction).  The job carries a copy
 * of what the worker needs and a reference on the bill; the answer comes
 * back to the payer's state machine as EXTENDED or REFUSED.
 */
#include <string.h>
#include <re.h>
#include "meter.h"

struct extend_job {
	struct meter_bill *bill;             /* mem_ref'd */
	unsigned payer;
	char hold_id[CB_ID_LEN + 1];
	int64_t add;
};


static void job_destructor(void *arg)
{
	struct extend_job *j = arg;

	mem_deref(j->bill);
}


static int extend_work(struct store *st, void *arg)
{
	struct extend_job *j = arg;

	return money_hold_extend(st, j->hold_id, j->add);
}


static void extend_done(int err, void *arg)
{
	struct extend_job *j = arg;
	struct payer *p = &j->bill->payerv[j->payer];

	if (err == ECANCELED)
		return;
	if (err) {
		log_info(NULL, "call=%s hold=%s: re-authorization of %lld "
			 "refused (%m)", j->bill->call_id, j->hold_id,
			 (long long)j->add, err);
		(void)mtr_payer_event(p, PAYER_EV_REFUSED);
		return;
	}
	p->authorized += j->add;
	(void)mtr_payer_event(p, PAYER_EV_EXTENDED);
}


int mtr_extend_start(struct payer *p)
{
	struct extend_job *j;
	int err;

	if (!p || !meter_store())
		return EINVAL;
	j = mem_zalloc(sizeof(*j), job_destructor);
	if (!j)
		return ENOMEM;
	j->bill = mem_ref(p->bill);
	j->payer = p->idx;
	str_ncpy(j->hold_id, p->hold_id, sizeof(j->hold_id));
	j->add = p->step;
	err = store_submit(meter_store(), extend_work, extend_done, j);
	mem_deref(j);
	return err;
}
