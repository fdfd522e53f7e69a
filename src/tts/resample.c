/**
 * @file tts/resample.c  Sample-rate conversion for spoken prompts
 *
 * espeak-ng speaks at 22050 Hz; cache files are 8 kHz, the telephone
 * rate the media engine plays without further work.  The conversion is a
 * windowed-sinc low-pass (cut-off 0.45 x the lower rate, Blackman window,
 * 10 zero crossings each side) evaluated as a polyphase table: with
 * rate_out/rate_in = L/M in lowest terms, output sample j sits at input
 * position j*M/L, whose fractional part is one of L phases, so the table
 * has L rows of 2K taps, each row normalised to unity gain at DC.  It is
 * built per call (22050 -> 8000: L = 160, K = 31, 40 KiB) on the worker
 * thread that runs the synthesis; speech is short, so no state is kept.
 * Plain malloc: a leaf helper that runs off the re_main thread.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "tts/tts.h"

enum {
	ZERO_CROSSINGS = 10,
	TABLE_MAX = 1 << 20,     /**< floats; refuses odd rate pairs */
};


static uint32_t gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}


size_t tts_resample_len(size_t n, uint32_t rate_in, uint32_t rate_out)
{
	if (!rate_in || !rate_out)
		return 0;
	return (size_t)(((uint64_t)n * rate_out + rate_in - 1) / rate_in);
}


/* row p: taps h(k - p/L) for k = -K+1 .. K, normalised */
static void table_fill(float *tab, uint32_t L, uint32_t K, double fcn,
		       double W)
{
	for (uint32_t p = 0; p < L; p++) {
		float *row = tab + (size_t)p * 2 * K;
		double sum = 0;

		for (uint32_t i = 0; i < 2 * K; i++) {
			double t = (double)i - (K - 1) - (double)p / L;
			double s = t == 0 ? 2 * fcn :
				sin(2 * M_PI * fcn * t) / (M_PI * t);
			double w = fabs(t) >= W ? 0 :
				0.42 + 0.5 * cos(M_PI * t / W) +
				0.08 * cos(2 * M_PI * t / W);

			row[i] = (float)(s * w);
			sum += s * w;
		}
		for (uint32_t i = 0; i < 2 * K && sum != 0; i++)
			row[i] = (float)(row[i] / sum);
	}
}


int tts_resample(int16_t *out, size_t *outnp, const int16_t *in, size_t n,
		 uint32_t rate_in, uint32_t rate_out)
{
	uint32_t g, L, M, K;
	double fcn, W;
	size_t outn;
	float *tab;

	if (!out || !outnp || (!in && n) || !rate_in || !rate_out)
		return EINVAL;

	outn = tts_resample_len(n, rate_in, rate_out);
	if (outn > *outnp)
		return EOVERFLOW;

	g = gcd(rate_in, rate_out);
	L = rate_out / g;
	M = rate_in / g;
	fcn = 0.45 * (rate_in < rate_out ? rate_in : rate_out) / rate_in;
	W = ZERO_CROSSINGS / (2 * fcn);
	K = (uint32_t)ceil(W);
	if ((uint64_t)L * 2 * K > TABLE_MAX)
		return ENOTSUP;

	tab = malloc(sizeof(float) * L * 2 * K);
	if (!tab)
		return ENOMEM;
	table_fill(tab, L, K, fcn, W);

	for (size_t j = 0; j < outn; j++) {
		uint64_t pos = (uint64_t)j * M;
		int64_t i0 = (int64_t)(pos / L) - (int64_t)(K - 1);
		const float *row = tab + (size_t)(pos % L) * 2 * K;
		double acc = 0;
		long v;

		for (uint32_t i = 0; i < 2 * K; i++) {
			int64_t x = i0 + (int64_t)i;

			if (x >= 0 && (uint64_t)x < n)
				acc += row[i] * in[x];
		}
		v = lrint(acc);
		out[j] = v > INT16_MAX ? INT16_MAX :
			v < INT16_MIN ? INT16_MIN : (int16_t)v;
	}

	free(tab);
	*outnp = outn;
	return 0;
}
