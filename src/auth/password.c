/**
 * @file auth/password.c  Password hashing (Argon2id) and generation
 *
 * Web logins are hashed with libsodium's crypto_pwhash_str (Argon2id,
 * interactive limits: about 64 MiB and a tenth of a second), so a stolen
 * database costs an attacker that much per guess.  Hashing and verifying
 * are slow on purpose: the daemon runs them on a store worker thread,
 * never on the event loop.
 */
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "auth.h"


int auth_password_hash(char out[STORE_PWHASH_MAX], const char *password)
{
	size_t len;

	if (!out || !password)
		return EINVAL;
	len = strlen(password);
	if (len < AUTH_PASSWORD_MIN || len >= AUTH_PASSWORD_MAX)
		return EINVAL;
	if (crypto_pwhash_str(out, password, len,
			      crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE))
		return ENOMEM;
	return 0;
}


bool auth_password_verify(const char *pwhash, const char *password)
{
	if (!pwhash || !password || !*pwhash)
		return false;
	return crypto_pwhash_str_verify(pwhash, password,
					strlen(password)) == 0;
}


/** A random password of sz-1 URL-safe characters (sz >= 17) */
void auth_password_generate(char *out, size_t sz)
{
	auth_random_text(out, sz, 18);
}
