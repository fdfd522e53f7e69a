/**
 * @file store/async.c  Worker threads: database work off the event loop
 *
 * The re_main thread never waits on the database.  store_submit() queues
 * a job (work function, completion, argument); one of the store's worker
 * threads runs the work function, which calls the synchronous store
 * functions, and puts the job on the done list.  A libre mqueue wakes the
 * re_main thread, which runs the completions in order of completion.
 * The argument is mem_ref'd from submit until its completion has run,
 * and belongs to the worker while the work function runs: the re_main
 * thread must not touch it meanwhile.
 * On close, workers finish the job in hand; queued jobs complete with
 * ECANCELED, so no completion is ever lost and nothing leaks.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "store.h"

enum { WORKERS_MAX = 16 };

struct job {
	struct le le;
	store_work_h *work;
	store_done_h *done;
	void *arg;                 /* mem_ref'd */
	int err;
	uint64_t t0_us;
};

struct store_async {
	struct store *st;              /* borrowed: owns us */
	pthread_t thr[WORKERS_MAX];
	uint32_t n;
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	struct list pending;           /* LOCK: mtx */
	struct list doneq;             /* LOCK: mtx */
	bool stop;                     /* LOCK: mtx */
	struct store_stats stats;      /* LOCK: mtx */
	struct mqueue *mq;             /* owned, re_main thread */
};


static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}


static void *worker_main(void *arg)
{
	struct store_async *as = arg;

	pthread_mutex_lock(&as->mtx);
	for (;;) {
		struct job *job;
		uint64_t dt;
		bool wake;

		while (!as->stop && !as->pending.head)
			pthread_cond_wait(&as->cond, &as->mtx);
		if (as->stop)
			break;

		job = as->pending.head->data;
		list_unlink(&job->le);
		pthread_mutex_unlock(&as->mtx);

		job->err = job->work(as->st, job->arg);

		pthread_mutex_lock(&as->mtx);
		wake = as->doneq.head == NULL;
		list_append(&as->doneq, &job->le, job);
		dt = now_us() - job->t0_us;
		++as->stats.jobs;
		as->stats.total_us += dt;
		if (dt > as->stats.max_us)
			as->stats.max_us = dt;
		if (wake)
			(void)mqueue_push(as->mq, 0, NULL);
	}
	pthread_mutex_unlock(&as->mtx);
	return NULL;
}


static void job_complete(struct job *job, int err)
{
	if (job->done)
		job->done(err, job->arg);
	mem_deref(job->arg);
	mem_deref(job);
}


/* re_main thread: run the completions of every finished job */
static void mqueue_handler(int id, void *data, void *arg)
{
	struct store_async *as = arg;
	struct list done = LIST_INIT;
	struct le *le;
	(void)id;
	(void)data;

	pthread_mutex_lock(&as->mtx);
	while ((le = as->doneq.head)) {
		list_unlink(le);
		list_append(&done, le, le->data);
	}
	pthread_mutex_unlock(&as->mtx);

	while ((le = done.head)) {
		struct job *job = le->data;

		list_unlink(le);
		job_complete(job, job->err);
	}
}


int store_async_start(struct store *st, uint32_t workers)
{
	struct store_async *as;
	int err;

	if (!st || st->async || !workers || workers > WORKERS_MAX)
		return EINVAL;

	as = mem_zalloc(sizeof(*as), NULL);
	if (!as)
		return ENOMEM;
	as->st = st;
	pthread_mutex_init(&as->mtx, NULL);
	pthread_cond_init(&as->cond, NULL);

	err = mqueue_alloc(&as->mq, mqueue_handler, as);
	if (err)
		goto out;

	for (; as->n < workers; as->n++) {
		err = pthread_create(&as->thr[as->n], NULL, worker_main, as);
		if (err)
			break;
	}
	st->async = as;
	if (err)
		store_async_stop(st);
	return err;

 out:
	pthread_cond_destroy(&as->cond);
	pthread_mutex_destroy(&as->mtx);
	mem_deref(as);
	return err;
}


void store_async_stop(struct store *st)
{
	struct store_async *as = st ? st->async : NULL;
	struct le *le;

	if (!as)
		return;

	pthread_mutex_lock(&as->mtx);
	as->stop = true;
	pthread_cond_broadcast(&as->cond);
	pthread_mutex_unlock(&as->mtx);
	for (uint32_t i = 0; i < as->n; i++)
		pthread_join(as->thr[i], NULL);

	/* the threads are gone: the lists are ours without the lock */
	while ((le = as->doneq.head)) {
		struct job *job = le->data;

		list_unlink(le);
		job_complete(job, job->err);
	}
	while ((le = as->pending.head)) {
		list_unlink(le);
		job_complete(le->data, ECANCELED);
	}

	st->async = NULL;
	mem_deref(as->mq);
	pthread_cond_destroy(&as->cond);
	pthread_mutex_destroy(&as->mtx);
	mem_deref(as);
}


/**
 * Run work(st, arg) on a worker thread, then done(err, arg) on the re_main
 * thread.  arg must be a mem object (or NULL); it is mem_ref'd until done
 * has returned.  Without workers (CLI, tests) the work runs at once.
 */
int store_submit(struct store *st, store_work_h *work, store_done_h *done,
		 void *arg)
{
	struct store_async *as;
	struct job *job;

	if (!st || !work)
		return EINVAL;

	job = mem_zalloc(sizeof(*job), NULL);
	if (!job)
		return ENOMEM;
	job->work = work;
	job->done = done;
	job->arg = mem_ref(arg);
	job->t0_us = now_us();

	as = st->async;
	if (!as) {
		job_complete(job, work(st, arg));
		return 0;
	}

	pthread_mutex_lock(&as->mtx);
	list_append(&as->pending, &job->le, job);
	pthread_cond_signal(&as->cond);
	pthread_mutex_unlock(&as->mtx);
	return 0;
}


void store_stats_get(struct store *st, struct store_stats *stats)
{
	struct store_async *as = st ? st->async : NULL;

	if (!stats)
		return;
	memset(stats, 0, sizeof(*stats));
	if (!as)
		return;
	pthread_mutex_lock(&as->mtx);
	*stats = as->stats;
	stats->queued = list_count(&as->pending);
	pthread_mutex_unlock(&as->mtx);
}
