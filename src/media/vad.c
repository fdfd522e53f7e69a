/**
 * @file media/vad.c  Voice activity of a mixer member: who is talking
 *
 * The conference page shows who is talking, so every mixer member keeps
 * a "talking" flag computed from the frames it sends.  It has to be
 * cheap (800 members on one core), so it is not a real speech detector:
 *
 *  - the level of a frame is its mean absolute sample value (integer
 *    sum over 160 samples, no multiply, no float, vectorized);
 *  - a frame is loud at MEDIA_VAD_LEVEL (about -40 dBov) or above: far
 *    above G.711 idle noise, far below speech at a normal level;
 *  - the flag turns on after MEDIA_VAD_ON_FRAMES (2) loud frames in a
 *    row, so one click does not light the indicator, and turns off
 *    MEDIA_VAD_OFF_MS (300 ms) after the last loud frame, so the pauses
 *    between words do not blink it.  Frames that stop coming (hold, a
 *    silent phone) count as quiet: the mixer's tick calls
 *    media_vad_idle() for every member.
 *
 * Each change is posted to the main thread as MEDIA_EV_TALKING, so the
 * event rate is a few per sentence, not one per frame.  The flag
 * describes the line's audio, mute or not: a muted member who talks
 * shows as talking (the page can say "you are muted").
 *
 * Everything here runs on the worker that owns the member; the update
 * functions are pure and unit-tested on synthetic frames
 * (tests/unit/media_vad.c).
 */
#include <re.h>
#include "cb_media.h"
#include "media/media.h"


/**
 * Mean absolute sample value of one frame (MEDIA_FRAME samples).  The
 * fixed count lets gcc -O2 vectorize the loop: 8 samples per step,
 * about 40 ns a frame instead of 550 (scalar) on the bench machine.
 */
uint32_t media_vad_level(const int16_t *pcm)
{
	uint32_t sum = 0;

	/* 160 samples of at most 32768 each: no overflow in 32 bits */
	for (size_t i = 0; i < MEDIA_FRAME; i++) {
		int32_t s = pcm[i];

		sum += (uint32_t)(s < 0 ? -s : s);
	}

	return sum / MEDIA_FRAME;
}


/**
 * One frame of level `level` arrived at now_ms (media clock).  Returns
 * true if the talking flag changed (v->talking is the new value).
 */
bool media_vad_frame(struct mvad *v, uint32_t level, uint64_t now_ms)
{
	if (level >= MEDIA_VAD_LEVEL) {
		if (now_ms > v->loud_ms + MEDIA_VAD_GAP_MS)
			v->run = 0;      /* not in a row: frames went missing */
		v->loud_ms = now_ms;
		if (v->run < MEDIA_VAD_ON_FRAMES)
			++v->run;
		if (!v->talking && v->run >= MEDIA_VAD_ON_FRAMES) {
			v->talking = true;
			return true;
		}
		return false;
	}

	v->run = 0;
	return media_vad_idle(v, now_ms);
}


/**
 * Time passes (a tick, with or without a frame).  Returns true if the
 * flag turned off: no loud frame for MEDIA_VAD_OFF_MS.
 */
bool media_vad_idle(struct mvad *v, uint64_t now_ms)
{
	if (!v->talking || now_ms < v->loud_ms + MEDIA_VAD_OFF_MS)
		return false;

	v->talking = false;
	v->run = 0;
	return true;
}
