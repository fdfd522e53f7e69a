/**
 * @file store/prune.c  The prune job: what has expired leaves the store
 *
 * One timer on the re_main thread fires every store.prune_interval_s and
 * hands one job to a store worker (store_submit(): the event loop never
 * waits on the database).  The job deletes finished webhook deliveries
 * done more than api.outbox_keep_s ago, idempotency records older than
 * api.idem_keep_s (the horizon within which idem.c replays them, so
 * nothing that could still be replayed goes), web sessions past their
 * expiry and web callbacks finished more than store.callback_keep_days
 * ago (callbacks.c drops them from its memory by the same rule).  It
 * deletes in batches of PRUNE_BATCH rows, each batch one turn
 * of the store's lock, so other store work interleaves with a large
 * backlog.  The first run goes right after start-up, then one run at a
 * time: the timer is armed again when the run's completion is back on
 * the re_main thread.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "store.h"

enum {
	PRUNE_BATCH = 500,       /* rows per delete: one short lock turn */
	PRUNE_BATCHES_MAX = 200, /* per kind and run; the rest next run  */
};

/* one run; the worker fills the counts */
struct prune_job {
	uint64_t now_ms;
	uint64_t outbox_before_ms;
	uint64_t idem_before_ms;
	uint64_t callback_before_ms;
	uint32_t outbox, idem, sessions, callbacks;
};

typedef int (prune_h)(struct store *st, uint64_t t, uint32_t max,
		      uint32_t *np);

static struct {
	struct store *st;            /* borrowed: the daemon's store */
	struct tmr tmr;
	uint64_t interval_ms;
	uint64_t outbox_keep_ms;
	uint64_t idem_keep_ms;
	uint64_t callback_keep_ms;
	bool busy;                   /* a run is with the workers */
	bool started;
} pr;


static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


/* batch after batch until one comes back short */
static int prune_kind(struct store *st, prune_h *h, uint64_t t,
		      uint32_t *total)
{
	uint32_t n = 0;
	int err = 0;

	for (unsigned i = 0; i < PRUNE_BATCHES_MAX; i++) {
		err = h(st, t, PRUNE_BATCH, &n);
		if (err)
			break;
		*total += n;
		if (n < PRUNE_BATCH)
			break;
	}
	return err;
}


static int prune_work(struct store *st, void *arg)
{
	struct prune_job *j = arg;
	int err, e;

	/* one kind failing does not keep the others from going */
	err = prune_kind(st, store_outbox_prune, j->outbox_before_ms,
			 &j->outbox);
	e = prune_kind(st, store_idem_prune, j->idem_before_ms, &j->idem);
	err = err ? err : e;
	e = prune_kind(st, store_session_prune, j->now_ms, &j->sessions);
	err = err ? err : e;
	e = prune_kind(st, store_callback_prune, j->callback_before_ms,
		       &j->callbacks);
	return err ? err : e;
}


static void tmr_handler(void *arg);


static void prune_done(int err, void *arg)
{
	struct prune_job *j = arg;

	pr.busy = false;
	if (err == ECANCELED || !pr.started)
		return;

	if (err)
		log_warn(NULL, "store: prune run failed (%m)", err);
	if (j->outbox || j->idem || j->sessions || j->callbacks)
		log_info(NULL, "store: pruned %u webhook deliveries, %u "
			 "idempotency records, %u sessions, %u callbacks",
			 j->outbox, j->idem, j->sessions, j->callbacks);

	tmr_start(&pr.tmr, pr.interval_ms, tmr_handler, NULL);
}


static uint64_t before(uint64_t now, uint64_t keep)
{
	return now > keep ? now - keep : 0;
}


static void tmr_handler(void *arg)
{
	struct prune_job *j;
	int err;
	(void)arg;

	if (pr.busy)
		return;

	j = mem_zalloc(sizeof(*j), NULL);
	if (!j) {
		tmr_start(&pr.tmr, pr.interval_ms, tmr_handler, NULL);
		return;
	}
	j->now_ms = wall_ms();
	j->outbox_before_ms = before(j->now_ms, pr.outbox_keep_ms);
	j->idem_before_ms = before(j->now_ms, pr.idem_keep_ms);
	j->callback_before_ms = before(j->now_ms, pr.callback_keep_ms);

	err = store_submit(pr.st, prune_work, prune_done, j);
	if (err) {
		log_warn(NULL, "store: prune not started (%m)", err);
		tmr_start(&pr.tmr, pr.interval_ms, tmr_handler, NULL);
	}
	else {
		pr.busy = true;
	}
	mem_deref(j);
}


/** Start the periodic prune job on st (re_main thread) */
int store_prune_start(struct store *st, const struct cb_config *cfg)
{
	if (!st || !cfg)
		return EINVAL;

	tmr_cancel(&pr.tmr);
	pr.st = st;
	pr.interval_ms = (uint64_t)cfg->prune_interval_s * 1000;
	pr.outbox_keep_ms = (uint64_t)cfg->outbox_keep_s * 1000;
	pr.idem_keep_ms = (uint64_t)cfg->idem_keep_s * 1000;
	pr.callback_keep_ms = (uint64_t)cfg->callback_keep_days * 86400000;
	pr.busy = false;
	pr.started = pr.interval_ms > 0;

	/* the first run right after start-up: a daemon that restarts more
	 * often than the interval still prunes */
	if (pr.started)
		tmr_start(&pr.tmr, 0, tmr_handler, NULL);
	return 0;
}


/** Stop it; a run still with the workers completes without effect */
void store_prune_stop(void)
{
	tmr_cancel(&pr.tmr);
	pr.started = false;
	pr.st = NULL;
}
