/**
 * @file auth/keycache.c  Recently verified API keys (re_main thread)
 *
 * Verifying a key reads its row from the store on a worker: a query and
 * two thread hand-offs for every request.  A key verified within the last
 * auth.key_cache_s seconds is answered here instead.  The cache keeps the
 * key id, the tenant and the BLAKE2b hash of the secret — never the
 * secret — and compares the request's secret hash in constant time, so a
 * wrong secret for a cached id is refused like any other.
 *
 * A key revoked through the API is forgotten at once
 * (auth_key_cache_forget()); one revoked with the CLI, another process,
 * stops working within auth.key_cache_s.  0 turns the cache off.  At most
 * KEYS_MAX keys are kept; when full, the cache starts again empty.
 */
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "auth.h"

enum { KEYS_MAX = 4096, BUCKETS = 256 };

struct cached_key {
	struct le he;
	char id[CB_ID_LEN + 1];
	char tenant_id[CB_ID_LEN + 1];
	uint8_t hash[STORE_HASH_LEN];
	uint64_t until;                  /* tmr_jiffies() */
};

static struct {
	struct hash *keys;
	uint32_t n;
	uint64_t ttl_ms;
} kc;


static bool id_cmp(struct le *le, void *arg)
{
	const struct cached_key *k = le->data;

	return !strcmp(k->id, arg);
}


static struct cached_key *find(const char *id)
{
	struct le *le;

	if (!kc.keys)
		return NULL;
	le = hash_lookup(kc.keys, hash_joaat_str(id), id_cmp, (void *)id);
	return le ? le->data : NULL;
}


static void drop(struct cached_key *k)
{
	hash_unlink(&k->he);
	mem_deref(k);
	--kc.n;
}


/** Cache keys for ttl_s seconds (0: off) */
int auth_keycache_config(uint32_t ttl_s)
{
	auth_keycache_close();
	kc.ttl_ms = ttl_s * 1000ULL;
	return ttl_s ? hash_alloc(&kc.keys, BUCKETS) : 0;
}


void auth_keycache_close(void)
{
	if (kc.keys)
		hash_flush(kc.keys);
	kc.keys = mem_deref(kc.keys);
	kc.n = 0;
}


/** A fresh cached entry for this key: its principal in *p */
bool auth_keycache_get(const char *key, struct cb_principal *p)
{
	uint8_t h[STORE_HASH_LEN];
	char id[CB_ID_LEN + 1];
	struct cached_key *k;
	const char *secret;

	if (!kc.keys || auth_key_split(key, id, &secret))
		return false;
	k = find(id);
	if (!k)
		return false;
	if (tmr_jiffies() >= k->until) {
		drop(k);
		return false;
	}

	auth_key_secret_hash(h, secret);
	if (sodium_memcmp(h, k->hash, sizeof(h)))
		return false;

	memset(p, 0, sizeof(*p));
	p->kind = CB_AUTH_KEY;
	p->role = CB_ROLE_OPERATOR;
	str_ncpy(p->tenant_id, k->tenant_id, sizeof(p->tenant_id));
	str_ncpy(p->key_id, k->id, sizeof(p->key_id));
	return true;
}


/** Remember a key the store has just verified for principal p */
void auth_keycache_put(const char *key, const struct cb_principal *p)
{
	char id[CB_ID_LEN + 1];
	struct cached_key *k;
	const char *secret;

	if (!kc.keys || !p || auth_key_split(key, id, &secret))
		return;
	k = find(id);
	if (k)
		drop(k);
	if (kc.n >= KEYS_MAX) {
		hash_flush(kc.keys);
		kc.n = 0;
	}

	k = mem_zalloc(sizeof(*k), NULL);
	if (!k)
		return;
	str_ncpy(k->id, id, sizeof(k->id));
	str_ncpy(k->tenant_id, p->tenant_id, sizeof(k->tenant_id));
	auth_key_secret_hash(k->hash, secret);
	k->until = tmr_jiffies() + kc.ttl_ms;
	hash_append(kc.keys, hash_joaat_str(id), &k->he, k);
	++kc.n;
}


/** Forget a key (revoked): the next request goes to the store */
void auth_key_cache_forget(const char *key_id)
{
	struct cached_key *k = key_id ? find(key_id) : NULL;

	if (k)
		drop(k);
}
