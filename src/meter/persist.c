/**
 * @file meter/persist.c  Running costs and open CDRs to the store
 *
 * What a crash must not lose is written in batches: every payer whose
 * running cost moved (an increment, an answer, an end) and every leg
 * that just answered waits on a list, and every `money.meter_persist_ms`
 * one store job writes them all, the costs on their holds
 * (store_meter_persist(): one database transaction for the batch) and
 * the legs as `open` CDRs.  After a kill -9 the holds are settled at
 * these costs (recover.c): at most one interval, or one increment when
 * increments are longer, is lost, never charged twice.  One batch is in
 * flight at a time; what is marked meanwhile goes in the next.
 *
 * The value written is the payer's net (minimum, rounding included; tax
 * is added at the capture), the figure money_hold_recover() expects.
 */
#include <string.h>
#include <re.h>
#include "meter.h"

struct batch {
	struct store_meter_point *pv;  /* mem array */
	size_t pc;
	struct store_cdr *cv;          /* mem array */
	size_t cc;
	uint64_t now;
};

static struct {
	struct store *st;              /* borrowed */
	struct list payers;            /* struct payer, borrowed (dle) */
	struct list legs;              /* struct mleg, borrowed (cle) */
	uint32_t np, nl;               /* entries of payers and legs */
	struct tmr tmr;
	uint32_t interval_ms;
	bool busy;                     /* a batch is on a worker */
	uint64_t batches, points;
} ps;


static void batch_destructor(void *arg)
{
	struct batch *b = arg;

	mem_deref(b->pv);
	mem_deref(b->cv);
}


static int batch_work(struct store *st, void *arg)
{
	struct batch *b = arg;
	int err = store_meter_persist(st, b->pv, b->pc, b->now);

	if (!err)
		err = store_cdr_put(st, b->cv, b->cc);
	return err;
}


static void flush_handler(void *arg);


static void arm(void)
{
	if (ps.busy || tmr_isrunning(&ps.tmr) || !ps.interval_ms ||
	    (list_isempty(&ps.payers) && list_isempty(&ps.legs)))
		return;
	tmr_start(&ps.tmr, ps.interval_ms, flush_handler, NULL);
}


static void batch_done(int err, void *arg)
{
	struct batch *b = arg;

	if (err && err != ECANCELED)
		log_warn(NULL, "meter: %zu running costs not persisted (%m)",
			 b->pc, err);
	ps.busy = false;
	arm();
}


static int batch_fill(struct batch *b)
{
	uint32_t np = ps.np, nc = ps.nl;
	struct le *le;

	b->pv = np ? mem_zalloc(np * sizeof(*b->pv), NULL) : NULL;
	b->cv = nc ? mem_zalloc(nc * sizeof(*b->cv), NULL) : NULL;
	if ((np && !b->pv) || (nc && !b->cv))
		return ENOMEM;

	while ((le = ps.payers.head)) {
		struct payer *p = le->data;
		struct money_summary s;

		list_unlink(le);
		--ps.np;
		if (mtr_payer_summary_at(p, b->now, &s) ||
		    s.net == p->persisted)
			continue;
		str_ncpy(b->pv[b->pc].hold_id, p->hold_id,
			 sizeof(b->pv[b->pc].hold_id));
		b->pv[b->pc++].metered = s.net;
		p->persisted = s.net;
	}
	while ((le = ps.legs.head)) {
		struct mleg *l = le->data;

		list_unlink(le);
		--ps.nl;
		mtr_summary_cdr(l, b->now, STORE_CDR_OPEN, &b->cv[b->cc++]);
	}
	return 0;
}


static void flush_handler(void *arg)
{
	struct batch *b;
	int err;
	(void)arg;

	if (ps.busy)
		return;
	b = mem_zalloc(sizeof(*b), batch_destructor);
	if (!b)
		goto out;
	b->now = call_now_ms();
	err = batch_fill(b);
	if (!err && (b->pc || b->cc)) {
		ps.busy = true;
		++ps.batches;
		ps.points += b->pc;
		err = store_submit(ps.st, batch_work, batch_done, b);
		if (err)
			ps.busy = false;
	}
	if (err)
		log_warn(NULL, "meter: cannot persist running costs (%m)",
			 err);
 out:
	mem_deref(b);
	arm();
}


/** p's running cost moved: it is in the next batch */
void mtr_persist_payer(struct payer *p)
{
	if (!p || !ps.st || list_contains(&ps.payers, &p->dle))
		return;
	list_append(&ps.payers, &p->dle, p);
	++ps.np;
	arm();
}


/** l answered: its open CDR is in the next batch */
void mtr_persist_open_cdr(struct mleg *l)
{
	if (!l || !ps.st || list_contains(&ps.legs, &l->cle))
		return;
	list_append(&ps.legs, &l->cle, l);
	++ps.nl;
	arm();
}


void mtr_persist_forget(struct meter_bill *bill)
{
	for (unsigned i = 0; i < bill->payerc; i++) {
		if (list_contains(&ps.payers, &bill->payerv[i].dle)) {
			list_unlink(&bill->payerv[i].dle);
			--ps.np;
		}
	}
	for (unsigned i = 0; i < bill->legc; i++) {
		if (list_contains(&ps.legs, &bill->legv[i].cle)) {
			list_unlink(&bill->legv[i].cle);
			--ps.nl;
		}
	}
}


void mtr_persist_stats(uint64_t *batchesp, uint64_t *pointsp)
{
	*batchesp = ps.batches;
	*pointsp = ps.points;
}


int mtr_persist_init(struct store *st, uint32_t interval_ms)
{
	ps.st = st;
	ps.interval_ms = interval_ms;
	ps.busy = false;
	ps.np = ps.nl = 0;
	tmr_init(&ps.tmr);
	list_init(&ps.payers);
	list_init(&ps.legs);
	return 0;
}


void mtr_persist_close(void)
{
	tmr_cancel(&ps.tmr);
	list_clear(&ps.payers);
	list_clear(&ps.legs);
	ps.np = ps.nl = 0;
	ps.st = NULL;
}
