/**
 * @file auth/session.c  Web logins and sessions
 *
 * A login checks the password (Argon2id) and opens a session: a random
 * 256-bit token for the cookie and a random CSRF token.  Only the token's
 * BLAKE2b hash is stored, so a copy of the database opens no session.  An
 * unknown login costs the same hash verification as a wrong password, so
 * response time does not tell which logins exist.  Expired sessions are
 * refused by the lookup itself (expiry is part of the query).
 */
#include <pthread.h>
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "auth.h"

enum { TOKEN_BYTES = 32 };

static char dummy_hash[STORE_PWHASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;


static void dummy_init(void)
{
	(void)auth_password_hash(dummy_hash, "not-a-password-of-anyone");
}


void auth_token_hash(uint8_t out[STORE_HASH_LEN], const char *token)
{
	crypto_generichash(out, STORE_HASH_LEN, (const uint8_t *)token,
			   token ? strlen(token) : 0, NULL, 0);
}


/**
 * Check login/password and open a session of ttl_s seconds: 0 with the
 * cookie token, the session and the user; EACCES for bad credentials.
 */
int auth_login(struct store *st, const char *login, const char *password,
	       char token[AUTH_TOKEN_MAX], struct store_session *s,
	       struct store_user *u, uint32_t ttl_s)
{
	int err;

	if (!login || !password || !token || !s || !u || !ttl_s)
		return EINVAL;

	err = store_user_find_login(st, u, login);
	if (err == ENOENT) {
		pthread_once(&dummy_once, dummy_init);
		(void)auth_password_verify(dummy_hash, password);
		return EACCES;
	}
	if (err)
		return err;
	if (!auth_password_verify(u->pwhash, password))
		return EACCES;

	memset(s, 0, sizeof(*s));
	auth_random_text(token, AUTH_TOKEN_MAX, TOKEN_BYTES);
	auth_token_hash(s->token_hash, token);
	auth_random_text(s->csrf, sizeof(s->csrf), TOKEN_BYTES);
	str_ncpy(s->user_id, u->id, sizeof(s->user_id));
	s->created_ms = auth_now_ms();
	s->expires_ms = s->created_ms + (uint64_t)ttl_s * 1000;

	err = store_session_create(st, s);
	if (err)
		sodium_memzero(token, AUTH_TOKEN_MAX);
	return err;
}


/** The live session of a cookie token and its user, or EACCES */
int auth_session_verify(struct store *st, const char *token,
			struct store_session *s, struct store_user *u)
{
	uint8_t h[STORE_HASH_LEN];
	int err;

	if (!token || !s || !u)
		return EINVAL;
	if (!*token || strlen(token) >= AUTH_TOKEN_MAX)
		return EACCES;

	auth_token_hash(h, token);
	err = store_session_find(st, s, h, auth_now_ms());
	if (!err)
		err = store_user_get(st, u, s->user_id);
	return err == ENOENT ? EACCES : err;
}


int auth_logout(struct store *st, const char *token)
{
	uint8_t h[STORE_HASH_LEN];

	if (!token)
		return EINVAL;
	auth_token_hash(h, token);
	return store_session_delete(st, h);
}
