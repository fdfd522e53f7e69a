/**
 * @file tts/synth.c  One synthesis: espeak-ng, 8 kHz, into the cache
 *
 * Runs on a tts worker thread and touches nothing but its struct
 * tts_synth and the cache directory.  espeak-ng gets the text as one
 * argv element after "--" (it can never be an option) and writes a WAV
 * to stdout; the samples are resampled to TTS_RATE and written to
 * ".<name>.<random>.tmp" in the cache directory, then renamed to
 * "<name>.wav": a reader sees either no file or a complete one, and two
 * daemons sharing the directory never write the same temporary file.
 * On failure s->why says what happened, for the log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include <re.h>
#include "tts/tts.h"


/* espeak-ng's WAV to samples at TTS_RATE (malloc'd) */
static int to_8k(int16_t **outp, size_t *outnp, const struct tts_run *r)
{
	int16_t *in = NULL, *out = NULL;
	size_t off, n, outn;
	uint32_t rate;
	int err;

	err = tts_wav_parse(r->out, r->outlen, &rate, &off, &n);
	if (err)
		return err;
	if (n == 0)
		return ENODATA;

	in = malloc(n * sizeof(*in));
	outn = tts_resample_len(n, rate, TTS_RATE);
	out = malloc(outn * sizeof(*out));
	if (!in || !out) {
		err = ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *b = r->out + off + 2 * i;

		in[i] = (int16_t)(uint16_t)(b[0] | (b[1] << 8));
	}
	err = tts_resample(out, &outn, in, n, rate, TTS_RATE);
	if (err)
		goto out;

	*outp = out;
	*outnp = outn;
	out = NULL;
 out:
	free(in);
	free(out);
	return err;
}


/* the first line of what the child said on stderr */
static void why_set(struct tts_synth *s, const char *what, const char *txt)
{
	size_t n = strcspn(txt, "\r\n");

	(void)re_snprintf(s->why, sizeof(s->why), "%s%s%b", what,
			  n ? ": " : "", txt, n);
}


static int run(struct tts_synth *s, struct tts_run *r)
{
	char speed[16];
	char *argv[] = {
		(char *)s->command, "-v", (char *)s->voice, "-s", speed,
		"--stdout", "--", (char *)s->text, NULL
	};
	int err;

	(void)re_snprintf(speed, sizeof(speed), "%u", s->speed);
	err = tts_proc_run(r, argv, s->timeout_ms, TTS_OUT_MAX, s->stopfd);
	switch (err) {

	case 0:
		break;
	case ENOENT:
	case EACCES:
		(void)re_snprintf(s->why, sizeof(s->why), "cannot run '%s' "
				  "(media.tts_command): %m", s->command, err);
		err = ENOENT;
		break;
	case EPROTO:
		why_set(s, "espeak-ng failed", r->err);
		break;
	case ETIMEDOUT:
		(void)re_snprintf(s->why, sizeof(s->why), "espeak-ng took "
				  "more than %u ms (media.tts_timeout), "
				  "killed", s->timeout_ms);
		break;
	case E2BIG:
		(void)re_snprintf(s->why, sizeof(s->why), "espeak-ng wrote "
				  "more than %u bytes, killed", TTS_OUT_MAX);
		err = EPROTO;
		break;
	default:
		(void)re_snprintf(s->why, sizeof(s->why), "espeak-ng: %m",
				  err);
		break;
	}
	return err;
}


static int store(struct tts_synth *s, const int16_t *v, size_t n)
{
	char tmp[512], path[512];
	int err;

	if (re_snprintf(tmp, sizeof(tmp), "%s/.%s.%08x.tmp", s->dir, s->name,
			randombytes_random()) >= (int)sizeof(tmp) - 1 ||
	    re_snprintf(path, sizeof(path), "%s/%s.wav", s->dir,
			s->name) >= (int)sizeof(path) - 1)
		return ENAMETOOLONG;

	err = tts_wav_write(tmp, v, n, TTS_RATE);
	if (!err && rename(tmp, path)) {
		err = errno;
		(void)unlink(tmp);
	}
	if (err)
		(void)re_snprintf(s->why, sizeof(s->why), "cannot write %s: "
				  "%m", path, err);
	return err;
}


/** Synthesize s->text into the cache; 0 or an errno with s->why set */
int tts_synth_run(struct tts_synth *s)
{
	struct tts_run r;
	int16_t *v = NULL;
	size_t n = 0;
	int err;

	if (!s || !s->command)
		return EINVAL;
	s->why[0] = '\0';
	memset(&r, 0, sizeof(r));

	err = run(s, &r);
	if (err)
		goto out;

	err = to_8k(&v, &n, &r);
	if (err) {
		why_set(s, err == ENODATA ? "espeak-ng said nothing" :
			"espeak-ng wrote no mono 16-bit WAV", r.err);
		err = EPROTO;
		goto out;
	}

	err = store(s, v, n);
	if (!err)
		s->audio_ms = (uint32_t)((uint64_t)n * 1000 / TTS_RATE);
 out:
	free(v);
	tts_run_reset(&r);
	return err;
}
