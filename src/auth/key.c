/**
 * @file auth/key.c  API keys: generate, hash, verify
 *
 * A key is `cbk_<id>_<secret>`: the id (16 characters, 'k' first) finds
 * the row with one index probe and names the key in lists and logs; the
 * secret is 32 random bytes in base64url and is never stored, only its
 * BLAKE2b-256 hash.  The printed key is shown once, at creation.  Every
 * failure (malformed, unknown, revoked, wrong secret) is the same EACCES
 * to the caller, and the hash comparison is constant-time.
 */
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "auth.h"

enum { SECRET_BYTES = 32 };

static const char prefix[] = "cbk_";


/** base64url (no padding) of nbytes random bytes, cut to fit sz */
void auth_random_text(char *out, size_t sz, size_t nbytes)
{
	uint8_t rnd[64];
	char txt[96];

	if (!out || !sz)
		return;
	if (nbytes > sizeof(rnd))
		nbytes = sizeof(rnd);
	randombytes_buf(rnd, nbytes);
	sodium_bin2base64(txt, sizeof(txt), rnd, nbytes,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	str_ncpy(out, txt, sz);
	sodium_memzero(rnd, sizeof(rnd));
}


void auth_key_secret_hash(uint8_t out[STORE_HASH_LEN], const char *secret)
{
	crypto_generichash(out, STORE_HASH_LEN, (const uint8_t *)secret,
			   strlen(secret), NULL, 0);
}


/**
 * Create a key for `tenant` (id or name): the printed key goes to `key`
 * (shown once), the stored row to `k`.
 */
int auth_key_create(struct store *st, char key[AUTH_KEY_MAX],
		    struct store_apikey *k, const char *tenant,
		    const char *name)
{
	struct store_tenant t;
	char secret[64];
	int err;

	if (!key || !k || !tenant)
		return EINVAL;
	if (name && strlen(name) >= sizeof(k->name))
		return E2BIG;

	err = store_tenant_get(st, &t, tenant);
	if (err)
		return err;

	memset(k, 0, sizeof(*k));
	cb_id_new(k->id, 'k');
	str_ncpy(k->tenant_id, t.id, sizeof(k->tenant_id));
	str_ncpy(k->name, name ? name : "", sizeof(k->name));
	k->created_ms = auth_now_ms();

	auth_random_text(secret, sizeof(secret), SECRET_BYTES);
	auth_key_secret_hash(k->hash, secret);

	err = store_apikey_create(st, k);
	if (!err)
		(void)re_snprintf(key, AUTH_KEY_MAX, "%s%s_%s", prefix, k->id,
				  secret);
	sodium_memzero(secret, sizeof(secret));
	return err;
}


/** Verify a presented key: 0 and its row, or EACCES (or a store error) */
/** Split a printed key into its id and its secret: EACCES if malformed */
int auth_key_split(const char *key, char id[CB_ID_LEN + 1],
		   const char **secretp)
{
	size_t len;

	if (!key)
		return EACCES;
	len = strlen(key);
	if (len < sizeof(prefix) + CB_ID_LEN + 1 || len >= AUTH_KEY_MAX ||
	    strncmp(key, prefix, sizeof(prefix) - 1) ||
	    key[sizeof(prefix) - 1 + CB_ID_LEN] != '_')
		return EACCES;

	memcpy(id, key + sizeof(prefix) - 1, CB_ID_LEN);
	id[CB_ID_LEN] = '\0';
	*secretp = key + sizeof(prefix) + CB_ID_LEN;
	return 0;
}


int auth_key_verify(struct store *st, const char *key,
		    struct store_apikey *k)
{
	uint8_t h[STORE_HASH_LEN];
	char id[CB_ID_LEN + 1];
	const char *secret;
	int err;

	if (!key || !k)
		return EINVAL;
	err = auth_key_split(key, id, &secret);
	if (err)
		return err;

	err = store_apikey_find(st, k, id);
	if (err == ENOENT)
		return EACCES;
	if (err)
		return err;

	auth_key_secret_hash(h, secret);
	if (sodium_memcmp(h, k->hash, sizeof(h)) || k->revoked_ms)
		return EACCES;
	return 0;
}
