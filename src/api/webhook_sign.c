/**
 * @file api/webhook_sign.c  Webhook signature and retry schedule
 *
 * A receiver checks a delivery with the header
 * `X-Callbridge-Signature: t=<unix seconds>,v1=<hex>` where hex is
 * HMAC-SHA256, keyed with api.webhook_secret, over "<t>.<body>".  The
 * timestamp lets it refuse replays older than it tolerates.  Failed
 * deliveries are retried after api.webhook_retry_ms, doubling per attempt
 * up to a five-minute cap.
 */
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "api.h"

enum { BACKOFF_CAP_MS = 300000 };


/** Write the signature header value into out: 0, or ENOSPC / EINVAL */
int webhook_sign(char *out, size_t sz, const char *secret, uint64_t t,
		 const char *body, size_t len)
{
	crypto_auth_hmacsha256_state st;
	uint8_t mac[crypto_auth_hmacsha256_BYTES];
	char ts[24];
	int n;

	if (!out || !secret || !body)
		return EINVAL;

	n = re_snprintf(ts, sizeof(ts), "%llu", (unsigned long long)t);
	if (n < 0)
		return EINVAL;

	crypto_auth_hmacsha256_init(&st, (const uint8_t *)secret,
				    strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)ts, (size_t)n);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);

	n = re_snprintf(out, sz, "t=%s,v1=%w", ts, mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
	if (n < 0 || (size_t)n + 1 >= sz)
		return ENOSPC;
	return 0;
}


/** Delay before retry number `attempt` (1 = the first retry), in ms */
uint32_t webhook_backoff_ms(uint32_t base_ms, uint32_t attempt)
{
	uint64_t d = base_ms;

	if (attempt == 0)
		return 0;
	for (uint32_t i = 1; i < attempt && d < BACKOFF_CAP_MS; i++)
		d *= 2;
	return d > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : (uint32_t)d;
}
