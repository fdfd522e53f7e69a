/**
 * @file tts/tts.c  Requests to say a text: cache, coalescing, completion
 *
 * Everything here runs on the re_main thread.  tts_say() names the text
 * (tts_cache_name()) and then, in this order:
 *   1. a job for that name is in flight: the request joins its waiters
 *      (one synthesis, however many requests);
 *   2. the cache file exists: the request completes from a zero timer,
 *      nothing is spawned (a completion never runs inside tts_say());
 *   3. otherwise a new job goes to the pool (pool.c), whose worker runs
 *      tts_synth_run(); job_done() hands the result to every waiter.
 * Failures are not cached: the next request tries again.  A request is
 * a mem object owned by the caller; dropping it stops the waiting only.
 * tts_close() completes every request still waiting with ECANCELED.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include "tts/tts.h"

enum { PATH_MAX_TTS = 512 };

struct tts_job {
	struct le le;                   /* in tts.jobs */
	char name[TTS_NAME_LEN + 1];
	char path[PATH_MAX_TTS];
	char *text;                     /* owned; read by the worker */
	char *voice;                    /* owned; read by the worker */
	struct list waiters;            /* struct tts_req (re_main only) */
	struct tts_synth syn;           /* the worker's while it runs */
	uint64_t t0_ms;
};

struct tts_req {
	struct le le;                   /* job->waiters or tts.hits */
	struct tmr tmr;                 /* a cache hit completes from it */
	char path[PATH_MAX_TTS];
	tts_h *h;
	void *arg;
};

static struct {
	const struct cb_config *cfg;    /* borrowed, RO */
	struct tts_pool *pool;          /* owned */
	struct list jobs;               /* struct tts_job in flight */
	struct list hits;               /* struct tts_req, timer pending */
	struct tts_stats st;
} tts;


static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


static void req_destructor(void *arg)
{
	struct tts_req *r = arg;

	list_unlink(&r->le);
	tmr_cancel(&r->tmr);
}


static void job_destructor(void *arg)
{
	struct tts_job *job = arg;

	list_unlink(&job->le);
	mem_deref(job->text);
	mem_deref(job->voice);
}


/* hand the result to every waiter; a handler may drop its own request */
static void waiters_complete(struct list *waiters, int err, bool cached)
{
	struct le *le;

	while ((le = waiters->head)) {
		struct tts_req *r = le->data;

		list_unlink(le);
		r->h(err, err ? NULL : r->path, cached, r->arg);
	}
}


static int job_work(void *arg, int stopfd)
{
	struct tts_job *job = arg;

	job->syn.stopfd = stopfd;
	return tts_synth_run(&job->syn);
}


static void job_done(int err, void *arg)
{
	struct tts_job *job = arg;
	size_t chars = strlen(job->text);

	if (!err) {
		log_info(NULL, "tts: synthesized %s.wav (%zu bytes of text, "
			 "voice %s): %u ms of audio in %llu ms", job->name,
			 chars, job->voice, job->syn.audio_ms,
			 (unsigned long long)(now_ms() - job->t0_ms));
	}
	else if (err != ECANCELED) {
		++tts.st.failed;
		log_warn(NULL, "tts: synthesis of %s failed: %s", job->name,
			 job->syn.why[0] ? job->syn.why : "(no reason)");
	}

	list_unlink(&job->le);
	waiters_complete(&job->waiters, err, false);
	mem_deref(job);   /* the jobs list's reference */
}


static void hit_timeout(void *arg)
{
	struct tts_req *r = arg;

	list_unlink(&r->le);
	r->h(0, r->path, true, r->arg);
}


static struct tts_job *job_find(const char *name)
{
	for (struct le *le = tts.jobs.head; le; le = le->next) {
		struct tts_job *job = le->data;

		if (!strcmp(job->name, name))
			return job;
	}
	return NULL;
}


static bool cached(const char *path)
{
	struct stat sb;

	return !stat(path, &sb) && S_ISREG(sb.st_mode) &&
		sb.st_size > TTS_WAV_HDR;
}


static int job_start(struct tts_job **jobp, const char *name,
		     const char *path, const char *text, const char *voice)
{
	struct tts_job *job;
	int err;

	if (list_count(&tts.jobs) >= TTS_QUEUE_MAX)
		return EBUSY;

	job = mem_zalloc(sizeof(*job), job_destructor);
	if (!job)
		return ENOMEM;
	str_ncpy(job->name, name, sizeof(job->name));
	str_ncpy(job->path, path, sizeof(job->path));
	err = str_dup(&job->text, text);
	if (!err)
		err = str_dup(&job->voice, voice);
	if (err)
		goto out;

	job->syn.command = tts.cfg->tts_command;
	job->syn.voice = job->voice;
	job->syn.speed = tts.cfg->tts_speed;
	job->syn.text = job->text;
	job->syn.dir = tts.cfg->tts_cache;
	job->syn.name = job->name;
	job->syn.timeout_ms = tts.cfg->tts_timeout_s * 1000;
	job->t0_ms = now_ms();

	err = tts_pool_submit(tts.pool, job_work, job_done, job);
	if (err)
		goto out;

	++tts.st.spawned;
	list_append(&tts.jobs, &job->le, job);
	*jobp = job;
	return 0;

 out:
	mem_deref(job);
	return err;
}


int tts_say(struct tts_req **reqp, const char *text, const char *voice,
	    tts_h *h, void *arg)
{
	char name[TTS_NAME_LEN + 1];
	struct tts_job *job;
	struct tts_req *r;
	int err;

	if (!reqp || !h || !tts.pool)
		return EINVAL;
	if (!voice)
		voice = tts.cfg->tts_voice;
	err = tts_cache_name(name, voice, tts.cfg->tts_speed, text);
	if (err)
		return err;

	r = mem_zalloc(sizeof(*r), req_destructor);
	if (!r)
		return ENOMEM;
	r->h = h;
	r->arg = arg;
	(void)re_snprintf(r->path, sizeof(r->path), "%s/%s.wav",
			  tts.cfg->tts_cache, name);

	job = job_find(name);
	if (job) {
		++tts.st.coalesced;
		log_debug(NULL, "tts: %s is being synthesized: waiting", name);
	}
	else if (cached(r->path)) {
		++tts.st.hits;
		log_info(NULL, "tts: cache hit %s.wav", name);
		list_append(&tts.hits, &r->le, r);
		tmr_start(&r->tmr, 0, hit_timeout, r);
		*reqp = r;
		return 0;
	}
	else {
		err = job_start(&job, name, r->path, text, voice);
		if (err) {
			mem_deref(r);
			return err;
		}
	}

	list_append(&job->waiters, &r->le, r);
	*reqp = r;
	return 0;
}


void tts_stats_get(struct tts_stats *st)
{
	if (st)
		*st = tts.st;
}


/* mkdir -p, for a relative or absolute directory */
static int dir_make(const char *dir)
{
	char p[PATH_MAX_TTS];
	size_t n = strlen(dir);

	if (!n || n >= sizeof(p))
		return EINVAL;
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0750) && errno != EEXIST)
			return errno;
		p[i] = dir[i];
	}
	return 0;
}


/* temporary files of a synthesis that a crash interrupted */
static void stale_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char p[PATH_MAX_TTS];

		if (de->d_name[0] != '.' || n < 5 ||
		    strcmp(de->d_name + n - 4, ".tmp"))
			continue;
		if (re_snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) > 0)
			(void)unlink(p);
	}
	(void)closedir(d);
}


/* is the program there?  (a warning at start beats a surprise later) */
static bool command_found(const char *cmd)
{
	const char *path = getenv("PATH");
	char p[PATH_MAX_TTS];

	if (strchr(cmd, '/'))
		return !access(cmd, X_OK);
	while (path && *path) {
		size_t n = strcspn(path, ":");

		if (re_snprintf(p, sizeof(p), "%b/%s", path, n, cmd) > 0 &&
		    !access(p, X_OK))
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}


int tts_init(const struct cb_config *cfg)
{
	int err;

	if (!cfg)
		return EINVAL;
	if (!tts_voice_valid(cfg->tts_voice)) {
		log_err(NULL, "media.tts_voice '%s' is not a voice name",
			cfg->tts_voice);
		return EINVAL;
	}
	if (!cfg->tts_command[0]) {
		log_err(NULL, "media.tts_command is empty");
		return EINVAL;
	}

	err = dir_make(cfg->tts_cache);
	if (err) {
		log_err(NULL, "media.tts_cache '%s': %m", cfg->tts_cache, err);
		return err;
	}
	stale_remove(cfg->tts_cache);

	err = tts_pool_alloc(&tts.pool, cfg->tts_jobs);
	if (err) {
		log_err(NULL, "tts: cannot start workers: %m", err);
		return err;
	}
	tts.cfg = cfg;
	memset(&tts.st, 0, sizeof(tts.st));

	if (!command_found(cfg->tts_command))
		log_warn(NULL, "tts: media.tts_command '%s' not found: `say` "
			 "will answer 503 tts_unavailable", cfg->tts_command);
	log_info(NULL, "tts: cache %s, %s voice %s at %u wpm",
		 cfg->tts_cache, cfg->tts_command, cfg->tts_voice,
		 cfg->tts_speed);
	return 0;
}


void tts_close(void)
{
	struct le *le;

	/* running syntheses are killed; every waiter hears ECANCELED */
	tts_pool_close(tts.pool);
	tts.pool = NULL;

	while ((le = tts.hits.head)) {
		struct tts_req *r = le->data;

		list_unlink(le);
		tmr_cancel(&r->tmr);
		r->h(ECANCELED, NULL, true, r->arg);
	}
	tts.cfg = NULL;
}
