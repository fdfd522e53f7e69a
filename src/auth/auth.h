/**
 * @file auth/auth.h  Auth internals (shared by src/auth/ only)
 */

#define CB_LOG_SUB CB_SUB_API
#include "cb_core.h"
#include "cb_store.h"
#include "cb_auth.h"

/* auth.c */
uint64_t auth_now_ms(void);

/* key.c: base64url text of random bytes; the parts of a printed key */
void auth_random_text(char *out, size_t sz, size_t nbytes);
int  auth_key_split(const char *key, char id[CB_ID_LEN + 1],
		    const char **secretp);
void auth_key_secret_hash(uint8_t out[STORE_HASH_LEN], const char *secret);

/* keycache.c: recently verified API keys (re_main thread) */
int  auth_keycache_config(uint32_t ttl_s);
void auth_keycache_close(void);
bool auth_keycache_get(const char *key, struct cb_principal *p);
void auth_keycache_put(const char *key, const struct cb_principal *p);
