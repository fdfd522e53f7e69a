/**
 * @file media/tone.c  Generated tones: ringback, beep, busy
 *
 * A tone is one or two sines and an on/off cadence.  Samples come from a
 * 1024-entry sine table (built once by media_tone_init(), then read-only)
 * indexed by 32-bit phase accumulators, so a frame costs a few hundred
 * integer operations and no libm call.  Cadences are whole 20 ms frames.
 * A looping tone repeats its cadence; a single one plays its "on" part
 * once and ends (PLAY_DONE).
 */
#include <math.h>
#include <string.h>
#include <re.h>
#include "cb_media.h"
#include "media/media.h"

enum {
	SINE_BITS = 10,
	SINE_LEN = 1 << SINE_BITS,
};

static int16_t sine[SINE_LEN];   /* RO after media_tone_init() */

static const struct {
	uint16_t f1, f2;               /**< Hz, f2 = 0: one sine          */
	uint16_t on_ms, off_ms;
	int16_t amp;                   /**< per sine                      */
} tones[] = {
	[MEDIA_TONE_RINGBACK] = {440, 480, 2000, 4000, 5000},
	[MEDIA_TONE_BEEP]     = {1000,  0,  200,  800, 8000},
	[MEDIA_TONE_BUSY]     = {480, 620,  500,  500, 5000},
};


void media_tone_init(void)
{
	for (int i = 0; i < SINE_LEN; i++)
		sine[i] = (int16_t)lrint(32767.0 * sin(2 * M_PI * i /
							SINE_LEN));
}


static uint32_t phase_inc(uint32_t hz)
{
	return (uint32_t)(((uint64_t)hz << 32) / MEDIA_SRATE);
}


int media_tone_setup(struct mtone *t, enum media_tone tone, bool loop)
{
	if ((unsigned)tone >= ARRAY_SIZE(tones))
		return EINVAL;

	memset(t, 0, sizeof(*t));
	t->inc1 = phase_inc(tones[tone].f1);
	t->inc2 = phase_inc(tones[tone].f2);
	t->amp = tones[tone].amp;
	t->on_ms = tones[tone].on_ms;
	t->off_ms = tones[tone].off_ms;
	t->loop = loop;
	return 0;
}


/** Next 20 ms frame; false when it was the last one */
bool media_tone_frame(struct mtone *t, int16_t *out)
{
	if (t->pos_ms < t->on_ms) {
		for (int i = 0; i < MEDIA_FRAME; i++) {
			int32_t s = sine[t->ph1 >> (32 - SINE_BITS)];

			if (t->inc2)
				s += sine[t->ph2 >> (32 - SINE_BITS)];
			out[i] = (int16_t)((s * t->amp) >> 15);
			t->ph1 += t->inc1;
			t->ph2 += t->inc2;
		}
	}
	else {
		memset(out, 0, MEDIA_FRAME * sizeof(int16_t));
	}

	t->pos_ms += MEDIA_PTIME;
	if (!t->loop && t->pos_ms >= t->on_ms)
		return false;
	if (t->pos_ms >= t->on_ms + t->off_ms)
		t->pos_ms = 0;

	return true;
}
