/**
 * @file tests/unit/media_tts.c  Text to speech: what may be said, cache
 * names, resampling, WAV in/out, running a child, and tts_say() with
 * espeak-ng (one synthesis for concurrent requests, none for a cached
 * text, 503-worthy errors when the program is missing)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <re.h>
#include "tts/tts.h"       /* cb_core.h, cb_tts.h */
#include "cb_media.h"
#include "media/media.h"
#include "test.h"

int test_media_tts_text(void);
int test_media_tts_voice(void);
int test_media_tts_name(void);
int test_media_tts_resample(void);
int test_media_tts_wav(void);
int test_media_tts_proc(void);
int test_media_tts_say(void);
int test_media_tts_missing(void);


int test_media_tts_text(void)
{
	static const char *bad[] = {
		"", "   ", "\xc2\xa0", "line\nbreak", "tab\there",
		"esc\x1b[31m", "del\x7f", "c1 \xc2\x85 next line",
		"\xff", "overlong \xc0\xaf", "surrogate \xed\xa0\x80",
		"cut \xe2\x82", "beyond \xf4\x90\x80\x80",
	};
	char *big = NULL;
	int err = 0;

	ASSERT_TRUE(tts_text_problem(NULL) != NULL);
	ASSERT_TRUE(tts_text_problem("Hello, world.") == NULL);
	ASSERT_TRUE(tts_text_problem("Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac"
				     " \xf0\x9f\x98\x80") == NULL);
	ASSERT_TRUE(tts_text_problem("-v xx --stdout") == NULL);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (!tts_text_problem(bad[i])) {
			re_fprintf(stderr, "  accepted bad text #%zu\n", i);
			err = EINVAL;
			goto out;
		}
	}

	/* the limit is in characters: 1000 two-byte letters pass */
	big = malloc(2 * TTS_TEXT_MAX + 3);
	ASSERT_TRUE(big != NULL);
	for (size_t i = 0; i < TTS_TEXT_MAX; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	big[2 * TTS_TEXT_MAX] = '\0';
	ASSERT_TRUE(tts_text_problem(big) == NULL);
	memcpy(big + 2 * TTS_TEXT_MAX, "e", 2);
	ASSERT_TRUE(tts_text_problem(big) != NULL);
 out:
	free(big);
	return err;
}


int test_media_tts_voice(void)
{
	static const char *good[] = {"en", "en-us", "en+f3", "mb-en1",
				     "de", "en-gb-x-rp", "zh_yue"};
	static const char *bad[] = {"", "-v", "+f3", "../en", "en/us",
				    "en us", "en;id", "en|x", "\xc3\xa9",
				    "a23456789012345678901234567890123456789"
				    "01"};
	int err = 0;

	ASSERT_TRUE(!tts_voice_valid(NULL));
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		ASSERT_TRUE(tts_voice_valid(good[i]));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (tts_voice_valid(bad[i])) {
			re_fprintf(stderr, "  accepted voice '%s'\n", bad[i]);
			err = EINVAL;
			goto out;
		}
	}
 out:
	return err;
}


int test_media_tts_name(void)
{
	char a[TTS_NAME_LEN + 1], b[TTS_NAME_LEN + 1];
	int err = 0;

	/* the documented name: hex BLAKE2b-256 of "voice|speed|text" */
	TEST_ERR(tts_cache_name(a, "en-us", 160, "Hello, world."));
	ASSERT_STREQ("2bbeb5f9c4ea5046e92989808521db7e"
		     "18bb9bad4e0be7f78904763d6f9ab1b2", a);

	TEST_ERR(tts_cache_name(b, "en-us", 160, "Hello, world."));
	ASSERT_STREQ(a, b);
	TEST_ERR(tts_cache_name(b, "en-gb", 160, "Hello, world."));
	ASSERT_TRUE(strcmp(a, b));
	TEST_ERR(tts_cache_name(b, "en-us", 161, "Hello, world."));
	ASSERT_TRUE(strcmp(a, b));
	TEST_ERR(tts_cache_name(b, "en-us", 160, "Hello, world!"));
	ASSERT_TRUE(strcmp(a, b));

	ASSERT_EQ(EINVAL, tts_cache_name(b, "en-us", 160, "two\nlines"));
	ASSERT_EQ(EINVAL, tts_cache_name(b, "../x", 160, "hi"));
 out:
	return err;
}


/* zero crossings and peak of the middle of a signal */
static void measure(const int16_t *v, size_t n, unsigned *zcp, int *peakp)
{
	unsigned zc = 0;
	int peak = 0;

	for (size_t i = n / 4; i < 3 * n / 4; i++) {
		if ((v[i - 1] < 0) != (v[i] < 0))
			++zc;
		if (abs(v[i]) > peak)
			peak = abs(v[i]);
	}
	*zcp = zc;
	*peakp = peak;
}


int test_media_tts_resample(void)
{
	const size_t n = 22050;     /* one second */
	int16_t *in = NULL, *out = NULL;
	size_t outn;
	unsigned zc;
	int peak, err = 0;

	in = malloc(n * sizeof(*in));
	out = malloc(8000 * sizeof(*out));
	ASSERT_TRUE(in && out);
	ASSERT_EQ(8000, tts_resample_len(n, 22050, 8000));
	ASSERT_EQ(1, tts_resample_len(1, 22050, 8000));

	/* 1 kHz passes: same frequency, same level */
	for (size_t i = 0; i < n; i++)
		in[i] = (int16_t)lrint(10000 * sin(2 * M_PI * 1000 * i /
						   22050.0));
	outn = 8000;
	TEST_ERR(tts_resample(out, &outn, in, n, 22050, 8000));
	ASSERT_EQ(8000, outn);
	measure(out, outn, &zc, &peak);
	ASSERT_TRUE(zc >= 998 && zc <= 1002);    /* 0.5 s of 1 kHz */
	ASSERT_TRUE(peak > 9700 && peak < 10300);

	/* 5 kHz would fold to 3 kHz at 8 kHz: the filter removes it */
	for (size_t i = 0; i < n; i++)
		in[i] = (int16_t)lrint(10000 * sin(2 * M_PI * 5000 * i /
						   22050.0));
	outn = 8000;
	TEST_ERR(tts_resample(out, &outn, in, n, 22050, 8000));
	measure(out, outn, &zc, &peak);
	ASSERT_TRUE(peak < 100);

	/* a full-scale step rings past full scale: clamped, not wrapped
	 * (a wrap would flip the sign next to the step) */
	for (size_t i = 0; i < n; i++)
		in[i] = i < n / 2 ? INT16_MAX : INT16_MIN;
	outn = 8000;
	TEST_ERR(tts_resample(out, &outn, in, n, 22050, 8000));
	zc = 0;
	for (size_t i = 1; i < outn; i++)
		zc += (out[i - 1] < 0) != (out[i] < 0);
	ASSERT_EQ(1, zc);
	ASSERT_EQ(INT16_MAX, out[3990]);
	ASSERT_EQ(INT16_MIN, out[4010]);

	/* too little room, bad rates */
	outn = 7999;
	ASSERT_EQ(EOVERFLOW, tts_resample(out, &outn, in, n, 22050, 8000));
	outn = 8000;
	ASSERT_EQ(EINVAL, tts_resample(out, &outn, in, n, 0, 8000));
 out:
	free(in);
	free(out);
	return err;
}


int test_media_tts_wav(void)
{
	/* espeak-ng --stdout: placeholder sizes, then the samples */
	static const uint8_t stream[] = {
		'R', 'I', 'F', 'F', 0x24, 0xf0, 0xff, 0x7f,
		'W', 'A', 'V', 'E', 'f', 'm', 't', ' ',
		16, 0, 0, 0, 1, 0, 1, 0, 0x22, 0x56, 0, 0,
		0x44, 0xac, 0, 0, 2, 0, 16, 0,
		'd', 'a', 't', 'a', 0x00, 0xf0, 0xff, 0x7f,
		1, 0, 2, 0, 3, 0,
	};
	char path[] = "/tmp/cbttsXXXXXX";
	uint8_t img[sizeof(stream)];
	int16_t s[1000];
	struct mplay *p = NULL;
	int16_t f[MEDIA_FRAME];
	bool last = false;
	uint32_t rate;
	size_t off, n;
	int fd, err = 0;

	TEST_ERR(tts_wav_parse(stream, sizeof(stream), &rate, &off, &n));
	ASSERT_EQ(22050, rate);
	ASSERT_EQ(44, off);
	ASSERT_EQ(3, n);

	/* stereo, 8-bit, not a WAV, no fmt before data, cut short */
	memcpy(img, stream, sizeof(img));
	img[22] = 2;
	ASSERT_EQ(ENOTSUP, tts_wav_parse(img, sizeof(img), &rate, &off, &n));
	memcpy(img, stream, sizeof(img));
	img[34] = 8;
	ASSERT_EQ(ENOTSUP, tts_wav_parse(img, sizeof(img), &rate, &off, &n));
	memcpy(img, stream, sizeof(img));
	img[0] = 'X';
	ASSERT_EQ(EBADMSG, tts_wav_parse(img, sizeof(img), &rate, &off, &n));
	memcpy(img, stream, sizeof(img));
	memcpy(img + 12, "junk", 4);
	ASSERT_EQ(EBADMSG, tts_wav_parse(img, sizeof(img), &rate, &off, &n));
	ASSERT_EQ(EBADMSG, tts_wav_parse(stream, 30, &rate, &off, &n));

	/* what we write, the prompt player takes */
	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	close(fd);
	(void)unlink(path);
	for (size_t i = 0; i < ARRAY_SIZE(s); i++)
		s[i] = (int16_t)(i * 7);
	TEST_ERR(tts_wav_write(path, s, ARRAY_SIZE(s), 8000));
	ASSERT_EQ(EEXIST, tts_wav_write(path, s, ARRAY_SIZE(s), 8000));

	media_play_init();
	TEST_ERR(media_play_open(&p, path, false));
	TEST_ERR(media_play_frame(p, f, &last));
	ASSERT_EQ(7 * 100, f[100]);
 out:
	mem_deref(p);
	(void)unlink(path);
	return err;
}


int test_media_tts_proc(void)
{
	char *echo[] = {"printf", "%s|", "-v", "a b", NULL};
	char *fail[] = {"false", NULL};
	char *none[] = {"/nonexistent/espeak-ng", NULL};
	char *slow[] = {"sleep", "5", NULL};
	char *big[] = {"head", "-c", "100000", "/dev/zero", NULL};
	char *errout[] = {"ls", "/nonexistent-dir", NULL};
	struct tts_run r;
	uint64_t one = 1;
	time_t t0;
	int stopfd, err = 0;

	stopfd = eventfd(0, EFD_CLOEXEC);
	ASSERT_TRUE(stopfd >= 0);

	/* argv reaches the program as is: no shell, no word splitting */
	TEST_ERR(tts_proc_run(&r, echo, 5000, 1000, stopfd));
	ASSERT_EQ(7, r.outlen);
	ASSERT_TRUE(!memcmp(r.out, "-v|a b|", 7));
	tts_run_reset(&r);

	ASSERT_EQ(EPROTO, tts_proc_run(&r, fail, 5000, 1000, stopfd));
	tts_run_reset(&r);
	ASSERT_EQ(ENOENT, tts_proc_run(&r, none, 5000, 1000, stopfd));
	tts_run_reset(&r);
	ASSERT_EQ(EPROTO, tts_proc_run(&r, errout, 5000, 1000, stopfd));
	ASSERT_TRUE(strstr(r.err, "nonexistent-dir") != NULL);
	tts_run_reset(&r);
	ASSERT_EQ(E2BIG, tts_proc_run(&r, big, 5000, 1000, stopfd));
	tts_run_reset(&r);

	t0 = time(NULL);
	ASSERT_EQ(ETIMEDOUT, tts_proc_run(&r, slow, 200, 1000, stopfd));
	tts_run_reset(&r);
	ASSERT_TRUE(time(NULL) - t0 < 3);

	/* shutdown: a readable stopfd ends the wait at once */
	ASSERT_EQ(sizeof(one), write(stopfd, &one, sizeof(one)));
	t0 = time(NULL);
	ASSERT_EQ(ECANCELED, tts_proc_run(&r, slow, 10000, 1000, stopfd));
	ASSERT_TRUE(time(NULL) - t0 < 3);
 out:
	tts_run_reset(&r);
	if (stopfd >= 0)
		close(stopfd);
	return err;
}


/* ---- tts_say() on the re_main thread ---------------------------------- */

struct said {
	unsigned n, want;
	int err[4];
	bool cached[4];
	char path[4][512];
};


static void said_h(int err, const char *path, bool cached, void *arg)
{
	struct said *s = arg;

	if (s->n < ARRAY_SIZE(s->err)) {
		s->err[s->n] = err;
		s->cached[s->n] = cached;
		str_ncpy(s->path[s->n], path ? path : "", sizeof(s->path[0]));
	}
	if (++s->n >= s->want)
		re_cancel();
}


static void never_h(int err, const char *path, bool cached, void *arg)
{
	(void)err;
	(void)path;
	(void)cached;
	++*(unsigned *)arg;
}


static void watchdog(void *arg)
{
	(void)arg;
	re_cancel();
}


static int run_until(struct said *s, unsigned want)
{
	struct tmr t;

	tmr_init(&t);
	s->want = want;
	tmr_start(&t, 15000, watchdog, NULL);
	if (s->n < want)
		(void)re_main(NULL);
	tmr_cancel(&t);
	return s->n >= want ? 0 : ETIMEDOUT;
}


static int cfg_setup(struct cb_config *cfg, char *dir, const char *cmd)
{
	int err = cb_config_defaults(cfg);

	if (err)
		return err;
	if (!mkdtemp(dir))
		return errno;
	(void)re_snprintf(cfg->tts_cache, sizeof(cfg->tts_cache),
			  "%s/cache/tts", dir);
	str_ncpy(cfg->tts_command, cmd, sizeof(cfg->tts_command));
	return 0;
}


static void dir_remove(const char *dir, const char *name)
{
	char p[600];

	if (name) {
		(void)re_snprintf(p, sizeof(p), "%s/cache/tts/%s", dir, name);
		(void)unlink(p);
	}
	(void)re_snprintf(p, sizeof(p), "%s/cache/tts", dir);
	(void)rmdir(p);
	(void)re_snprintf(p, sizeof(p), "%s/cache", dir);
	(void)rmdir(p);
	(void)rmdir(dir);
}


int test_media_tts_say(void)
{
	static struct cb_config cfg;
	char dir[] = "/tmp/cbttsdirXXXXXX";
	char name[TTS_NAME_LEN + 1], file[TTS_NAME_LEN + 8];
	struct tts_req *r1 = NULL, *r2 = NULL, *r3 = NULL, *gone = NULL;
	struct tts_stats st;
	struct mplay *p = NULL;
	struct said s;
	unsigned dropped = 0;
	bool up = false;
	int err = 0;

	memset(&s, 0, sizeof(s));
	file[0] = '\0';
	TEST_ERR(cfg_setup(&cfg, dir, "espeak-ng"));
	TEST_ERR(tts_init(&cfg));
	up = true;
	TEST_ERR(tts_cache_name(name, cfg.tts_voice, cfg.tts_speed,
				"Your table is ready."));
	(void)re_snprintf(file, sizeof(file), "%s.wav", name);

	/* three at once (one dropped): one synthesis, both others told */
	TEST_ERR(tts_say(&r1, "Your table is ready.", NULL, said_h, &s));
	TEST_ERR(tts_say(&gone, "Your table is ready.", NULL, never_h,
			 &dropped));
	TEST_ERR(tts_say(&r2, "Your table is ready.", "en-us", said_h, &s));
	ASSERT_EQ(0, s.n);              /* never inside tts_say() */
	gone = mem_deref(gone);
	TEST_ERR(run_until(&s, 2));
	ASSERT_EQ(0, dropped);
	TEST_ERR(s.err[0]);
	TEST_ERR(s.err[1]);
	ASSERT_TRUE(!s.cached[0] && !s.cached[1]);
	ASSERT_STREQ(s.path[0], s.path[1]);
	ASSERT_TRUE(strstr(s.path[0], file) != NULL);
	tts_stats_get(&st);
	ASSERT_EQ(1, st.spawned);
	ASSERT_EQ(2, st.coalesced);

	/* an 8 kHz prompt of a sane length */
	media_play_init();
	TEST_ERR(media_play_open(&p, s.path[0], false));
	p = mem_deref(p);
	{
		struct stat sb;
		ASSERT_TRUE(!stat(s.path[0], &sb));
		/* "Your table is ready." is about 1-2.5 s at 8 kHz */
		ASSERT_TRUE(sb.st_size > 44 + 2 * 8000 &&
			    sb.st_size < 44 + 2 * 8000 * 3);
	}

	/* said before: from the cache, no synthesis */
	TEST_ERR(tts_say(&r3, "Your table is ready.", NULL, said_h, &s));
	ASSERT_EQ(2, s.n);
	TEST_ERR(run_until(&s, 3));
	TEST_ERR(s.err[2]);
	ASSERT_TRUE(s.cached[2]);
	ASSERT_STREQ(s.path[0], s.path[2]);
	tts_stats_get(&st);
	ASSERT_EQ(1, st.spawned);
	ASSERT_EQ(1, st.hits);

	ASSERT_EQ(EINVAL, tts_say(&gone, "a\nb", NULL, said_h, &s));
	ASSERT_EQ(EINVAL, tts_say(&gone, "ok", "-x", said_h, &s));
 out:
	mem_deref(p);
	mem_deref(r1);
	mem_deref(r2);
	mem_deref(r3);
	mem_deref(gone);
	if (up)
		tts_close();
	dir_remove(dir, file[0] ? file : NULL);
	return err;
}


int test_media_tts_missing(void)
{
	static struct cb_config cfg;
	char dir[] = "/tmp/cbttsdirXXXXXX";
	struct tts_req *r1 = NULL, *r2 = NULL;
	struct tts_stats st;
	struct said s;
	bool up = false;
	int err = 0;

	memset(&s, 0, sizeof(s));
	TEST_ERR(cfg_setup(&cfg, dir, "/nonexistent/espeak-ng"));
	TEST_ERR(tts_init(&cfg));
	up = true;

	TEST_ERR(tts_say(&r1, "Hello.", NULL, said_h, &s));
	TEST_ERR(run_until(&s, 1));
	ASSERT_EQ(ENOENT, s.err[0]);
	ASSERT_STREQ("", s.path[0]);

	/* a failure is not cached: the next request tries again */
	TEST_ERR(tts_say(&r2, "Hello.", NULL, said_h, &s));
	TEST_ERR(run_until(&s, 2));
	ASSERT_EQ(ENOENT, s.err[1]);
	tts_stats_get(&st);
	ASSERT_EQ(2, st.spawned);
	ASSERT_EQ(2, st.failed);
	ASSERT_EQ(0, st.hits);
 out:
	mem_deref(r1);
	mem_deref(r2);
	if (up)
		tts_close();
	dir_remove(dir, NULL);
	return err;
}
