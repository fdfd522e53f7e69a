/**
 * @file auth/throttle.c  Login brute-force throttling
 *
 * Failed logins are counted per login name and per client address, in
 * memory on the re_main thread.  After auth.login_max_failures failures
 * the login (or address) is locked out for auth.login_lock seconds, and
 * each further failure doubles the lock (up to a day); the API answers 429
 * with Retry-After meanwhile, before any password is checked.  A success
 * clears the login's count (not the address's: one valid account must not
 * launder an address's guesses at others).  The table is bounded: when it
 * is full, entries that hold no lock are dropped.
 */
#include <string.h>
#include <re.h>
#include "auth.h"

enum { ENTRIES_MAX = 4096, DAY_MS = 86400000 };

struct entry {
	struct le he;
	char key[80];              /* "l:<login>" or "a:<address>" */
	uint32_t fails;
	uint64_t locked_until;     /* tmr_jiffies() ms */
};

static struct {
	struct hash *h;            /* owned */
	uint32_t n;
	uint32_t max_fails;
	uint32_t lock_s;
} thr = {NULL, 0, 5, 30};


void auth_throttle_config(uint32_t max_fails, uint32_t lock_s)
{
	thr.max_fails = max_fails ? max_fails : 5;
	thr.lock_s = lock_s ? lock_s : 30;
}


static void entry_destructor(void *arg)
{
	struct entry *e = arg;

	hash_unlink(&e->he);
	--thr.n;
}


static bool key_cmp(struct le *le, void *arg)
{
	const struct entry *e = le->data;

	return !strcmp(e->key, arg);
}


static struct entry *entry_find(const char *key)
{
	struct le *le;

	if (!thr.h)
		return NULL;
	le = hash_lookup(thr.h, hash_joaat_str(key), key_cmp, (void *)key);
	return le ? le->data : NULL;
}


static bool prune_h(struct le *le, void *arg)
{
	struct entry *e = le->data;
	uint64_t now = *(uint64_t *)arg;

	if (e->locked_until <= now)
		mem_deref(e);
	return false;
}


static struct entry *entry_get(const char *key)
{
	struct entry *e = entry_find(key);
	uint64_t now = tmr_jiffies();

	if (e)
		return e;
	if (!thr.h && hash_alloc(&thr.h, 256))
		return NULL;
	if (thr.n >= ENTRIES_MAX)
		(void)hash_apply(thr.h, prune_h, &now);
	if (thr.n >= ENTRIES_MAX)
		return NULL;

	e = mem_zalloc(sizeof(*e), entry_destructor);
	if (!e)
		return NULL;
	str_ncpy(e->key, key, sizeof(e->key));
	hash_append(thr.h, hash_joaat_str(e->key), &e->he, e);
	++thr.n;
	return e;
}


static void keys(char lk[80], char ak[80], const char *login,
		 const struct sa *peer)
{
	(void)re_snprintf(lk, 80, "l:%s", login ? login : "");
	if (peer)
		(void)re_snprintf(ak, 80, "a:%j", peer);
	else
		str_ncpy(ak, "a:", 80);
}


static uint32_t remaining_s(const struct entry *e, uint64_t now)
{
	if (!e || e->locked_until <= now)
		return 0;
	return (uint32_t)((e->locked_until - now + 999) / 1000);
}


/** Seconds until this login/address may try again; 0 = may try now */
uint32_t auth_throttle_check(const char *login, const struct sa *peer)
{
	char lk[80], ak[80];
	uint64_t now = tmr_jiffies();
	uint32_t a, b;

	keys(lk, ak, login, peer);
	a = remaining_s(entry_find(lk), now);
	b = remaining_s(entry_find(ak), now);
	return a > b ? a : b;
}


static void fail_one(const char *key)
{
	struct entry *e = entry_get(key);
	uint64_t lock;

	if (!e)
		return;
	++e->fails;
	if (e->fails < thr.max_fails)
		return;
	lock = (uint64_t)thr.lock_s * 1000;
	for (uint32_t i = thr.max_fails; i < e->fails && lock < DAY_MS; i++)
		lock *= 2;
	if (lock > DAY_MS)
		lock = DAY_MS;
	e->locked_until = tmr_jiffies() + lock;
}


void auth_throttle_fail(const char *login, const struct sa *peer)
{
	char lk[80], ak[80];

	keys(lk, ak, login, peer);
	fail_one(lk);
	fail_one(ak);
}


void auth_throttle_ok(const char *login, const struct sa *peer)
{
	char lk[80], ak[80];

	keys(lk, ak, login, peer);
	mem_deref(entry_find(lk));
}


void auth_throttle_close(void)
{
	hash_flush(thr.h);
	thr.h = mem_deref(thr.h);
	thr.n = 0;
}
