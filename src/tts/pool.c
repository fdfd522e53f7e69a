/**
 * @file tts/pool.c  Worker threads for syntheses, completions on re_main
 *
 * A synthesis waits for a child process for up to a few seconds, so it
 * never runs on the re_main thread.  tts_pool_submit() queues a job
 * (work, done, arg); one of media.tts_jobs threads runs work(arg,
 * stopfd) and moves the job to the done list; a libre mqueue wakes the
 * re_main thread, which runs done(err, arg) in order of completion.
 * arg belongs to the worker while work runs: the re_main thread must
 * not touch it meanwhile (it is mem_ref'd from submit to done).
 *
 * tts_pool_close() makes stopfd readable (an eventfd nobody reads), so a
 * running child is killed at once, joins the threads, then completes the
 * jobs still queued with ECANCELED: no completion is lost, none runs
 * after close returns.
 */
#include <pthread.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <re.h>
#include "tts/tts.h"

enum { THREADS_MAX = 16 };

struct job {
	struct le le;
	tts_work_h *work;
	tts_done_h *done;
	void *arg;                    /* mem_ref'd */
	int err;
};

struct tts_pool {
	pthread_t thr[THREADS_MAX];
	uint32_t n;
	int stopfd;                   /* RO; readable once closing */
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	struct list pending;          /* LOCK: mtx */
	struct list doneq;            /* LOCK: mtx */
	bool stop;                    /* LOCK: mtx */
	struct mqueue *mq;            /* owned, re_main thread */
};


static void *worker_main(void *arg)
{
	struct tts_pool *p = arg;

	pthread_mutex_lock(&p->mtx);
	for (;;) {
		struct job *job;
		bool wake;

		while (!p->stop && !p->pending.head)
			pthread_cond_wait(&p->cond, &p->mtx);
		if (p->stop)
			break;

		job = p->pending.head->data;
		list_unlink(&job->le);
		pthread_mutex_unlock(&p->mtx);

		job->err = job->work(job->arg, p->stopfd);

		pthread_mutex_lock(&p->mtx);
		wake = p->doneq.head == NULL;
		list_append(&p->doneq, &job->le, job);
		if (wake)
			(void)mqueue_push(p->mq, 0, NULL);
	}
	pthread_mutex_unlock(&p->mtx);
	return NULL;
}


static void job_complete(struct job *job, int err)
{
	job->done(err, job->arg);
	mem_deref(job->arg);
	mem_deref(job);
}


/* re_main thread: the completions of every finished job */
static void mqueue_handler(int id, void *data, void *arg)
{
	struct tts_pool *p = arg;
	struct list done = LIST_INIT;
	struct le *le;
	(void)id;
	(void)data;

	pthread_mutex_lock(&p->mtx);
	while ((le = p->doneq.head)) {
		list_unlink(le);
		list_append(&done, le, le->data);
	}
	pthread_mutex_unlock(&p->mtx);

	while ((le = done.head)) {
		struct job *job = le->data;

		list_unlink(le);
		job_complete(job, job->err);
	}
}


int tts_pool_alloc(struct tts_pool **pp, uint32_t threads)
{
	struct tts_pool *p;
	int err;

	if (!pp || !threads || threads > THREADS_MAX)
		return EINVAL;

	p = mem_zalloc(sizeof(*p), NULL);
	if (!p)
		return ENOMEM;
	pthread_mutex_init(&p->mtx, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->stopfd < 0) {
		err = errno;
		goto out;
	}

	err = mqueue_alloc(&p->mq, mqueue_handler, p);
	if (err)
		goto out;

	for (; p->n < threads; p->n++) {
		err = pthread_create(&p->thr[p->n], NULL, worker_main, p);
		if (err)
			break;
	}
	if (err) {
		tts_pool_close(p);
		return err;
	}
	*pp = p;
	return 0;

 out:
	if (p->stopfd >= 0)
		(void)close(p->stopfd);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->mtx);
	mem_deref(p);
	return err;
}


void tts_pool_close(struct tts_pool *p)
{
	uint64_t one = 1;
	struct le *le;

	if (!p)
		return;

	pthread_mutex_lock(&p->mtx);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mtx);
	if (write(p->stopfd, &one, sizeof(one)) < 0)
		log_warn(NULL, "tts: cannot signal the workers: %m", errno);
	for (uint32_t i = 0; i < p->n; i++)
		pthread_join(p->thr[i], NULL);

	/* the threads are gone: the lists are ours without the lock */
	while ((le = p->doneq.head)) {
		struct job *job = le->data;

		list_unlink(le);
		job_complete(job, job->err);
	}
	while ((le = p->pending.head)) {
		list_unlink(le);
		job_complete(le->data, ECANCELED);
	}

	mem_deref(p->mq);
	(void)close(p->stopfd);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->mtx);
	mem_deref(p);
}


/**
 * Run work(arg, stopfd) on a worker, then done(err, arg) on the re_main
 * thread.  arg is a mem object, mem_ref'd until done has returned.
 */
int tts_pool_submit(struct tts_pool *p, tts_work_h *work, tts_done_h *done,
		    void *arg)
{
	struct job *job;

	if (!p || !work || !done)
		return EINVAL;

	job = mem_zalloc(sizeof(*job), NULL);
	if (!job)
		return ENOMEM;
	job->work = work;
	job->done = done;
	job->arg = mem_ref(arg);

	pthread_mutex_lock(&p->mtx);
	list_append(&p->pending, &job->le, job);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->mtx);
	return 0;
}
