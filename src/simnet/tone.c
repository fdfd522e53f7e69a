/**
 * @file simnet/tone.c  Tone generator: one or two sines with a cadence
 *
 * Enough to make the network audible: a steady 440 Hz test tone, and the
 * North American ringback (440 + 480 Hz, 2 s on, 4 s off) during early
 * media.  Phases are kept between frames so the tone is continuous across
 * packets.  Samples go straight to G.711; librem's encoder overflows on
 * -32768, so every sample is clamped to -32767 first.
 */
#include <math.h>
#include <string.h>
#include <re.h>
#include <rem.h>
#include "cb_core.h"
#include "simnet.h"


enum { TONE_AMP = 8000 };   /* about -12 dBFS per component */


void sim_tone_init(struct sim_tone *tone, uint32_t f1, uint32_t f2,
		   uint32_t on_ms, uint32_t off_ms)
{
	if (!tone)
		return;

	memset(tone, 0, sizeof(*tone));
	tone->step[0] = 2.0 * M_PI * f1 / SIM_SRATE;
	tone->step[1] = 2.0 * M_PI * f2 / SIM_SRATE;
	tone->amp = f2 ? TONE_AMP * 0.7 : TONE_AMP;
	tone->on_smp = on_ms * (SIM_SRATE / 1000);
	tone->off_smp = off_ms * (SIM_SRATE / 1000);
}


uint8_t sim_g711_encode(int16_t s, bool ulaw)
{
	if (s < -32767)
		s = -32767;

	return ulaw ? g711_pcm2ulaw(s) : g711_pcm2alaw(s);
}


static int16_t tone_sample(struct sim_tone *tone)
{
	double v = 0.0;
	bool on = true;

	if (tone->off_smp) {
		on = tone->pos < tone->on_smp;
		if (++tone->pos >= tone->on_smp + tone->off_smp)
			tone->pos = 0;
	}

	for (int i = 0; i < 2; i++) {
		if (tone->step[i] == 0.0)
			continue;
		if (on)
			v += sin(tone->phase[i]);
		tone->phase[i] += tone->step[i];
		if (tone->phase[i] >= 2.0 * M_PI)
			tone->phase[i] -= 2.0 * M_PI;
	}

	return (int16_t)lrint(v * tone->amp);
}


/** Write n G.711 bytes (µ-law or A-law) of the tone into dst */
void sim_tone_g711(struct sim_tone *tone, uint8_t *dst, size_t n,
		   bool ulaw)
{
	if (!tone || !dst)
		return;

	for (size_t i = 0; i < n; i++)
		dst[i] = sim_g711_encode(tone_sample(tone), ulaw);
}
