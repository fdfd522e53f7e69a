/**
 * @file media/g711.c  G.711 µ-law / A-law with the -32768 fix
 *
 * librem's encoders negate the sample in int16, so -32768 overflows and
 * encodes as (nearly) zero: every encode here clamps to -32767 first.
 * PCMU <-> PCMA transcoding of relayed packets goes through two 256-byte
 * tables built once by media_g711_init() (before any worker starts, then
 * read-only), so a transcoded packet costs one lookup per byte.
 */
#include <re.h>
#include <rem.h>
#include "cb_media.h"
#include "media/media.h"

static uint8_t u2a[256];   /* RO after media_g711_init() */
static uint8_t a2u[256];   /* RO after media_g711_init() */


static inline int16_t clamp(int16_t s)
{
	return s == INT16_MIN ? -32767 : s;
}


uint8_t media_pcm2ulaw(int16_t s)
{
	return g711_pcm2ulaw(clamp(s));
}


uint8_t media_pcm2alaw(int16_t s)
{
	return g711_pcm2alaw(clamp(s));
}


int16_t media_ulaw2pcm(uint8_t u)
{
	return g711_ulaw2pcm(u);
}


int16_t media_alaw2pcm(uint8_t a)
{
	return g711_alaw2pcm(a);
}


void media_g711_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		u2a[i] = media_pcm2alaw(media_ulaw2pcm((uint8_t)i));
		a2u[i] = media_pcm2ulaw(media_alaw2pcm((uint8_t)i));
	}
}


/** Transcode a payload in place; from_pt is what it is now */
void media_g711_transcode(uint8_t *p, size_t n, uint8_t from_pt)
{
	const uint8_t *tab = from_pt == MEDIA_PCMU ? u2a : a2u;

	for (size_t i = 0; i < n; i++)
		p[i] = tab[p[i]];
}


void media_g711_encode(uint8_t *dst, const int16_t *src, size_t n,
		       uint8_t pt)
{
	if (pt == MEDIA_PCMA) {
		for (size_t i = 0; i < n; i++)
			dst[i] = g711_pcm2alaw(clamp(src[i]));
	}
	else {
		for (size_t i = 0; i < n; i++)
			dst[i] = g711_pcm2ulaw(clamp(src[i]));
	}
}


void media_g711_decode(int16_t *dst, const uint8_t *src, size_t n,
		       uint8_t pt)
{
	const int16_t *tab = pt == MEDIA_PCMA ? g711_A2l : g711_u2l;

	for (size_t i = 0; i < n; i++)
		dst[i] = tab[src[i]];
}


uint8_t media_g711_silence(uint8_t pt)
{
	return pt == MEDIA_PCMA ? 0xd5 : 0xff;
}
