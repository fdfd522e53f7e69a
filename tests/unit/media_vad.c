/**
 * @file tests/unit/media_vad.c  A mixer member's talking flag (vad.c)
 *
 * Synthetic 20 ms frames, fed at the times a worker would see them: the
 * level is the mean absolute sample; the flag turns on after two loud
 * frames in a row (not one), stays on through pauses shorter than
 * 300 ms, turns off 300 ms after the last loud frame whether quiet
 * frames keep coming or the frames stop (the tick's idle check), and
 * each change is reported exactly once.  A tone that went through G.711
 * is loud; G.711 silence and quiet line noise are not.
 */
#include <string.h>
#include <re.h>
#include "cb_media.h"
#include "media/media.h"
#include "test.h"

int test_media_vad_level(void);
int test_media_vad_hysteresis(void);
int test_media_vad_idle(void);


/* a square wave of amplitude amp (its level is amp) */
static void square(int16_t *f, int16_t amp)
{
	for (size_t i = 0; i < MEDIA_FRAME; i++)
		f[i] = (int16_t)((i / 4) % 2 ? -amp : amp);
}


static uint32_t level_of(int16_t amp)
{
	int16_t f[MEDIA_FRAME];

	square(f, amp);
	return media_vad_level(f);
}


int test_media_vad_level(void)
{
	int16_t f[MEDIA_FRAME];
	uint8_t g[MEDIA_FRAME];
	int err = 0;

	ASSERT_EQ(0, level_of(0));
	ASSERT_EQ(1000, level_of(1000));

	/* the most negative sample does not overflow */
	for (size_t i = 0; i < MEDIA_FRAME; i++)
		f[i] = INT16_MIN;
	ASSERT_EQ(32768, media_vad_level(f));

	/* a -12 dBFS tone through PCMU is loud */
	square(f, 8000);
	media_g711_encode(g, f, MEDIA_FRAME, MEDIA_PCMU);
	media_g711_decode(f, g, MEDIA_FRAME, MEDIA_PCMU);
	ASSERT_TRUE(media_vad_level(f) >= MEDIA_VAD_LEVEL);

	/* PCMU and PCMA silence, and -55 dBov line noise, are quiet */
	memset(g, media_g711_silence(MEDIA_PCMU), sizeof(g));
	media_g711_decode(f, g, MEDIA_FRAME, MEDIA_PCMU);
	ASSERT_TRUE(media_vad_level(f) < MEDIA_VAD_LEVEL);
	memset(g, media_g711_silence(MEDIA_PCMA), sizeof(g));
	media_g711_decode(f, g, MEDIA_FRAME, MEDIA_PCMA);
	ASSERT_TRUE(media_vad_level(f) < MEDIA_VAD_LEVEL);
	ASSERT_TRUE(level_of(60) < MEDIA_VAD_LEVEL);

 out:
	return err;
}


int test_media_vad_hysteresis(void)
{
	struct mvad v;
	uint32_t loud = level_of(4000), quiet = level_of(40);
	uint64_t t = 100000;
	int err = 0;

	memset(&v, 0, sizeof(v));

	/* one click: never talking */
	ASSERT_TRUE(!media_vad_frame(&v, loud, t));
	for (int i = 0; i < 30; i++) {
		t += MEDIA_PTIME;
		ASSERT_TRUE(!media_vad_frame(&v, quiet, t));
	}
	ASSERT_TRUE(!v.talking);

	/* loud frames with a lost frame between: not in a row */
	t += MEDIA_PTIME;
	ASSERT_TRUE(!media_vad_frame(&v, loud, t));
	t += 4 * MEDIA_PTIME;
	ASSERT_TRUE(!media_vad_frame(&v, loud, t));
	ASSERT_TRUE(!v.talking);

	/* two in a row: on, reported once */
	t += MEDIA_PTIME;
	ASSERT_TRUE(media_vad_frame(&v, loud, t));
	ASSERT_TRUE(v.talking);
	for (int i = 0; i < 10; i++) {
		t += MEDIA_PTIME;
		ASSERT_TRUE(!media_vad_frame(&v, loud, t));
	}
	ASSERT_TRUE(v.talking);

	/* a 200 ms pause between words: still on */
	for (int i = 0; i < 10; i++) {
		t += MEDIA_PTIME;
		ASSERT_TRUE(!media_vad_frame(&v, quiet, t));
	}
	ASSERT_TRUE(v.talking);
	t += MEDIA_PTIME;
	ASSERT_TRUE(!media_vad_frame(&v, loud, t));   /* the next word */
	ASSERT_TRUE(v.talking);

	/* quiet: off 300 ms after the last loud frame, reported once */
	for (uint64_t last = t; t + MEDIA_PTIME < last + MEDIA_VAD_OFF_MS;) {
		t += MEDIA_PTIME;
		ASSERT_TRUE(!media_vad_frame(&v, quiet, t));
		ASSERT_TRUE(v.talking);
	}
	t += MEDIA_PTIME;
	ASSERT_TRUE(media_vad_frame(&v, quiet, t));
	ASSERT_TRUE(!v.talking);
	t += MEDIA_PTIME;
	ASSERT_TRUE(!media_vad_frame(&v, quiet, t));
	ASSERT_TRUE(!media_vad_idle(&v, t));

	/* after off, one loud frame is not enough again */
	t += MEDIA_PTIME;
	ASSERT_TRUE(!media_vad_frame(&v, loud, t));
	ASSERT_TRUE(!v.talking);

 out:
	return err;
}


int test_media_vad_idle(void)
{
	struct mvad v;
	uint32_t loud = level_of(4000);
	uint64_t t = 5000, last;
	int err = 0;

	memset(&v, 0, sizeof(v));
	ASSERT_TRUE(!media_vad_idle(&v, t));

	ASSERT_TRUE(!media_vad_frame(&v, loud, t));
	t += MEDIA_PTIME;
	ASSERT_TRUE(media_vad_frame(&v, loud, t));
	last = t;

	/* the frames stop (hold, a phone gone silent): ticks turn it off */
	while (t + MEDIA_PTIME < last + MEDIA_VAD_OFF_MS) {
		t += MEDIA_PTIME;
		ASSERT_TRUE(!media_vad_idle(&v, t));
	}
	ASSERT_TRUE(v.talking);
	t += MEDIA_PTIME;
	ASSERT_TRUE(media_vad_idle(&v, t));
	ASSERT_TRUE(!v.talking);
	ASSERT_TRUE(!media_vad_idle(&v, t + 1000));

	/* frames resume loud: on again after two */
	t += 5000;
	ASSERT_TRUE(!media_vad_frame(&v, loud, t));
	t += MEDIA_PTIME;
	ASSERT_TRUE(media_vad_frame(&v, loud, t));

 out:
	return err;
}
