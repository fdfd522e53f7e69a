/**
 * @file core/id.c  Random printable identifiers
 *
 * Call and leg ids are what operators paste into grep and what API users
 * put in URLs, so they are short, URL-safe and unguessable: a one-letter
 * kind prefix followed by 15 characters drawn from libsodium's CSPRNG
 * (about 89 bits of randomness).
 */
#include <sodium.h>
#include <re.h>
#include "cb_core.h"

static const char alphabet[] =
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";


int cb_rand_init(void)
{
	return sodium_init() < 0 ? ENOSYS : 0;
}


void cb_id_new(char id[CB_ID_LEN + 1], char prefix)
{
	uint8_t rnd[CB_ID_LEN];

	randombytes_buf(rnd, sizeof(rnd));
	id[0] = prefix;
	for (size_t i = 1; i < CB_ID_LEN; i++)
		id[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	id[CB_ID_LEN] = '\0';
}
