/**
 * @file api/ratelimit.c  Token buckets per key, with bounded memory
 *
 * One table of token buckets, keyed by a short byte string (a client
 * address, an API key id, a user id).  A bucket holds up to `burst`
 * tokens and gains `rate` tokens a second; a request takes one token or,
 * when there is none, is told how many milliseconds until there will be
 * one.  Tokens are counted in thousandths so that refill is exact for any
 * rate at a millisecond clock.
 *
 * Memory is bounded twice over: a bucket that has refilled to `burst` is
 * the same as no bucket, so ratelimit_sweep() (run by one timer of the
 * owner) frees every such bucket; and the table never holds more than
 * `max` buckets -- a new key beyond that evicts the least recently used
 * bucket (whose owner starts again with a full bucket: with more than
 * `max` active clients the limit is approximate rather than the memory
 * unbounded).
 *
 * Pure logic: time comes from the clock handler given at allocation, so
 * the unit tests (tests/unit/api_ratelimit.c) drive refill, burst and
 * expiry with a fake clock.  Runs on the re_main thread only.
 */
#include <string.h>
#include <re.h>
#include "api.h"

struct bucket {
	struct le he;             /* in rl->ht, by key                 */
	struct le le;             /* in rl->lru, least recent first    */
	uint64_t mt;              /* milli-tokens at time t            */
	uint64_t t;               /* ms, clock of the last update      */
	uint8_t klen;
	uint8_t key[RATELIMIT_KEY_MAX];
};

struct ratelimit {
	struct hash *ht;          /* owned; buckets are owned by lru   */
	struct list lru;
	uint64_t rate;            /* tokens per second = mt per ms     */
	uint64_t cap;             /* burst in milli-tokens             */
	uint32_t max;
	uint32_t n;               /* buckets in lru                    */
	ratelimit_clock_h *clock;
	void *arg;
};


static void bucket_destructor(void *arg)
{
	struct bucket *b = arg;

	hash_unlink(&b->he);
	list_unlink(&b->le);
}


static void rl_destructor(void *arg)
{
	struct ratelimit *rl = arg;

	list_flush(&rl->lru);
	mem_deref(rl->ht);
}


/**
 * A table of buckets of `burst` tokens refilled at `rate` a second;
 * rate 0 lets everything through.  At most `max` buckets are kept.
 */
int ratelimit_alloc(struct ratelimit **rlp, uint32_t rate, uint32_t burst,
		    uint32_t max, ratelimit_clock_h *clock, void *arg)
{
	struct ratelimit *rl;
	int err;

	if (!rlp || !clock || !max)
		return EINVAL;

	rl = mem_zalloc(sizeof(*rl), rl_destructor);
	if (!rl)
		return ENOMEM;
	rl->rate = rate;
	rl->cap = (uint64_t)(burst ? burst : 1) * 1000;
	rl->max = max;
	rl->clock = clock;
	rl->arg = arg;

	err = hash_alloc(&rl->ht, max < 1024 ? 64 : 4096);
	if (err) {
		mem_deref(rl);
		return err;
	}
	*rlp = rl;
	return 0;
}


static bool key_cmp(struct le *le, void *arg)
{
	const struct bucket *b = le->data;
	const struct pl *k = arg;

	return b->klen == k->l && !memcmp(b->key, k->p, k->l);
}


/* the bucket's tokens now, refill applied */
static uint64_t bucket_level(const struct ratelimit *rl,
			     const struct bucket *b, uint64_t now)
{
	uint64_t dt = now > b->t ? now - b->t : 0;
	uint64_t add;

	/* beyond a full refill the exact amount does not matter */
	if (dt >= rl->cap / (rl->rate ? rl->rate : 1) + 1)
		return rl->cap;
	add = dt * rl->rate;
	return b->mt + add > rl->cap ? rl->cap : b->mt + add;
}


static void bucket_drop(struct ratelimit *rl, struct bucket *b)
{
	mem_deref(b);
	--rl->n;
}


static struct bucket *bucket_new(struct ratelimit *rl, const struct pl *k,
				 uint64_t now)
{
	struct bucket *b;

	if (rl->n >= rl->max && rl->lru.head)
		bucket_drop(rl, rl->lru.head->data);   /* least recent */

	b = mem_zalloc(sizeof(*b), bucket_destructor);
	if (!b)
		return NULL;
	memcpy(b->key, k->p, k->l);
	b->klen = (uint8_t)k->l;
	b->mt = rl->cap;
	b->t = now;
	hash_append(rl->ht, hash_joaat((const uint8_t *)k->p, k->l), &b->he,
		    b);
	list_append(&rl->lru, &b->le, b);
	++rl->n;
	return b;
}


/**
 * Take one token from key's bucket.  0: allowed.  Otherwise the request
 * is refused and the result is the milliseconds until a token is there
 * (at least 1).  Keys longer than RATELIMIT_KEY_MAX are cut.  Out of
 * memory lets the request through: the limit protects the daemon, it
 * must not become the failure.
 */
uint32_t ratelimit_take(struct ratelimit *rl, const void *key, size_t len)
{
	struct pl k;
	struct bucket *b;
	uint64_t now;

	if (!rl || !rl->rate || !key)
		return 0;

	k.p = key;
	k.l = len < RATELIMIT_KEY_MAX ? len : RATELIMIT_KEY_MAX;
	now = rl->clock(rl->arg);

	b = list_ledata(hash_lookup(rl->ht,
				    hash_joaat((const uint8_t *)k.p, k.l),
				    key_cmp, &k));
	if (!b) {
		b = bucket_new(rl, &k, now);
		if (!b)
			return 0;
	}
	else {
		b->mt = bucket_level(rl, b, now);
		b->t = now;
		list_unlink(&b->le);
		list_append(&rl->lru, &b->le, b);
	}

	if (b->mt >= 1000) {
		b->mt -= 1000;
		return 0;
	}
	return (uint32_t)((1000 - b->mt + rl->rate - 1) / rl->rate);
}


/** Free the buckets that have refilled (idle ones); how many went */
uint32_t ratelimit_sweep(struct ratelimit *rl)
{
	uint64_t now;
	uint32_t n = 0;
	struct le *le;

	if (!rl)
		return 0;

	now = rl->clock(rl->arg);
	le = rl->lru.head;
	while (le) {
		struct bucket *b = le->data;

		le = le->next;
		if (bucket_level(rl, b, now) >= rl->cap) {
			bucket_drop(rl, b);
			++n;
		}
	}
	return n;
}


/** Buckets currently kept */
uint32_t ratelimit_count(const struct ratelimit *rl)
{
	return rl ? rl->n : 0;
}
