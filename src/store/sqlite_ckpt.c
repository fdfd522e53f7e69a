/**
 * @file store/sqlite_ckpt.c  WAL checkpoints off the writers' path
 *
 * With SQLite's automatic checkpoint, the commit that fills the WAL past
 * 1,000 pages copies the WAL into the database and syncs both, while the
 * store's lock is held: every ~150 ledger transactions one of them waits
 * for the disk, and on this VM's disk that halved the commit rate.
 *
 * Instead, a checkpointer thread per database with its own connection
 * runs PASSIVE checkpoints (they never block a writer or a reader): the
 * writers' connection reports the WAL's size after each commit
 * (sqlite3_wal_hook) and wakes the thread once it passes CKPT_PAGES.  If
 * the thread falls far behind, the commit that sees FORCE_PAGES does the
 * checkpoint itself, as SQLite would, so the WAL stays bounded.
 */
#include <pthread.h>
#include <string.h>
#include <re.h>
#include "sqlite.h"

enum { CKPT_PAGES = 1000, FORCE_PAGES = 20000, BUSY_MS = 5000 };

struct ckpt {
	struct le le;
	sqlite3 *wdb;                 /* the writers' connection (borrowed) */
	sqlite3 *db;                  /* the checkpointer's own             */
	pthread_t thread;
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	bool due, stop;
};

static struct list ckpts = LIST_INIT;     /* under reg_mtx */
static pthread_mutex_t reg_mtx = PTHREAD_MUTEX_INITIALIZER;


static void *ckpt_thread(void *arg)
{
	struct ckpt *c = arg;

	pthread_mutex_lock(&c->mtx);
	for (;;) {
		while (!c->due && !c->stop)
			pthread_cond_wait(&c->cond, &c->mtx);
		if (c->stop)
			break;
		c->due = false;
		pthread_mutex_unlock(&c->mtx);

		(void)sqlite3_wal_checkpoint_v2(c->db, NULL,
						SQLITE_CHECKPOINT_PASSIVE,
						NULL, NULL);

		pthread_mutex_lock(&c->mtx);
	}
	pthread_mutex_unlock(&c->mtx);
	return NULL;
}


/* after each commit on the writers' connection, with the WAL's pages */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct ckpt *c = arg;

	if (pages >= FORCE_PAGES) {
		(void)sqlite3_wal_checkpoint_v2(db, name,
						SQLITE_CHECKPOINT_PASSIVE,
						NULL, NULL);
		return SQLITE_OK;
	}
	if (pages >= CKPT_PAGES) {
		pthread_mutex_lock(&c->mtx);
		c->due = true;
		pthread_cond_signal(&c->cond);
		pthread_mutex_unlock(&c->mtx);
	}
	return SQLITE_OK;
}


static void ckpt_free(struct ckpt *c)
{
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->mtx);
	mem_deref(c);
}


/**
 * Checkpoint the database of `wdb` (opened from `path`) on a thread of its
 * own.  Without it (an error here), SQLite's own checkpoints remain.
 */
int sqlite_ckpt_start(sqlite3 *wdb, const char *path)
{
	struct ckpt *c;
	int rc;

	if (!wdb || !path || !*path || !strcmp(path, ":memory:"))
		return 0;

	c = mem_zalloc(sizeof(*c), NULL);
	if (!c)
		return ENOMEM;
	c->wdb = wdb;
	pthread_mutex_init(&c->mtx, NULL);
	pthread_cond_init(&c->cond, NULL);

	rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		int err = sqlite_err(c->db, rc, "checkpointer");

		ckpt_free(c);
		return err;
	}
	sqlite3_busy_timeout(c->db, BUSY_MS);

	if (pthread_create(&c->thread, NULL, ckpt_thread, c)) {
		ckpt_free(c);
		return EAGAIN;
	}

	pthread_mutex_lock(&reg_mtx);
	list_append(&ckpts, &c->le, c);
	pthread_mutex_unlock(&reg_mtx);

	/* replaces the automatic checkpoint (itself a WAL hook) */
	(void)sqlite3_wal_hook(wdb, wal_hook, c);
	return 0;
}


/** Stop the checkpointer of `wdb`, if it has one (before closing wdb) */
void sqlite_ckpt_stop(sqlite3 *wdb)
{
	struct ckpt *c = NULL;

	pthread_mutex_lock(&reg_mtx);
	for (struct le *le = ckpts.head; le; le = le->next) {
		struct ckpt *x = le->data;

		if (x->wdb == wdb) {
			c = x;
			list_unlink(&c->le);
			break;
		}
	}
	pthread_mutex_unlock(&reg_mtx);
	if (!c)
		return;

	(void)sqlite3_wal_hook(wdb, NULL, NULL);
	pthread_mutex_lock(&c->mtx);
	c->stop = true;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->mtx);
	pthread_join(c->thread, NULL);
	ckpt_free(c);
}
