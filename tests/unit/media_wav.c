/**
 * @file tests/unit/media_wav.c  WAV prompts: header checks, 16k -> 8k
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "cb_media.h"
#include "media/media.h"
#include "media_peer.h"
#include "test.h"

int test_media_wav_8k(void);
int test_media_wav_16k(void);
int test_media_wav_refused(void);


static int peak(const int16_t *v, size_t n)
{
	int m = 0;

	for (size_t i = 0; i < n; i++)
		if (abs(v[i]) > m)
			m = abs(v[i]);
	return m;
}


int test_media_wav_8k(void)
{
	char path[] = "/tmp/cbwavXXXXXX";
	struct mplay *p = NULL;
	int16_t f[MEDIA_FRAME];
	bool last = false;
	unsigned frames = 0;
	int fd, err;

	media_play_init();
	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	close(fd);

	/* 1000 samples: 6 full frames and a padded 7th */
	TEST_ERR(twav_write(path, 8000, 1, 1000, 400, 10000));
	TEST_ERR(media_play_open(&p, path, false));
	while (!last && frames < 100) {
		TEST_ERR(media_play_frame(p, f, &last));
		if (frames == 0) {
			int16_t want = (int16_t)lrint(10000 *
				sin(2 * M_PI * 400 * 10 / 8000.0));
			ASSERT_EQ(want, f[10]);
		}
		++frames;
	}
	ASSERT_EQ(7, frames);
	ASSERT_EQ(0, f[MEDIA_FRAME - 1]);   /* padding of the 7th frame */
	p = mem_deref(p);

	/* looping: never last, and the frames keep their level */
	TEST_ERR(media_play_open(&p, path, true));
	for (int i = 0; i < 50; i++) {
		TEST_ERR(media_play_frame(p, f, &last));
		ASSERT_TRUE(!last);
		ASSERT_TRUE(peak(f, MEDIA_FRAME) > 9000);
	}
 out:
	mem_deref(p);
	unlink(path);
	return err;
}


int test_media_wav_16k(void)
{
	char path[] = "/tmp/cbwavXXXXXX";
	struct mplay *p = NULL;
	int16_t f[MEDIA_FRAME];
	bool last = false;
	int fd, err;

	media_play_init();
	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	close(fd);

	/* 500 Hz passes at its level; 6 kHz (would alias to 2 kHz) not */
	TEST_ERR(twav_write(path, 16000, 1, 3200, 500, 10000));
	TEST_ERR(media_play_open(&p, path, false));
	for (int i = 0; i < 10; i++) {
		TEST_ERR(media_play_frame(p, f, &last));
		if (i > 0) {
			ASSERT_TRUE(peak(f, MEDIA_FRAME) > 9000);
			ASSERT_TRUE(peak(f, MEDIA_FRAME) < 10800);
		}
	}
	ASSERT_TRUE(last);
	p = mem_deref(p);

	TEST_ERR(twav_write(path, 16000, 1, 3200, 6000, 10000));
	TEST_ERR(media_play_open(&p, path, false));
	for (int i = 0; i < 10; i++) {
		TEST_ERR(media_play_frame(p, f, &last));
		if (i > 0)
			ASSERT_TRUE(peak(f, MEDIA_FRAME) < 1000);
	}
 out:
	mem_deref(p);
	unlink(path);
	return err;
}


int test_media_wav_refused(void)
{
	char path[] = "/tmp/cbwavXXXXXX";
	struct mplay *p = NULL;
	uint8_t junk[64];
	FILE *f;
	int fd, err = 0;

	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	close(fd);

	ASSERT_EQ(ENOENT, media_play_open(&p, "/nonexistent/x.wav", false));

	TEST_ERR(twav_write(path, 44100, 1, 100, 400, 1000));
	ASSERT_EQ(ENOTSUP, media_play_open(&p, path, false));
	TEST_ERR(twav_write(path, 8000, 2, 100, 400, 1000));
	ASSERT_EQ(ENOTSUP, media_play_open(&p, path, false));
	TEST_ERR(twav_write(path, 8000, 1, 0, 400, 1000));
	ASSERT_EQ(ENODATA, media_play_open(&p, path, false));

	/* not a WAV at all */
	memset(junk, 'x', sizeof(junk));
	f = fopen(path, "wb");
	ASSERT_TRUE(f != NULL);
	fwrite(junk, sizeof(junk), 1, f);
	fclose(f);
	ASSERT_EQ(EBADMSG, media_play_open(&p, path, false));

	/* a chunk size pointing far past the end of the file */
	memcpy(junk, "RIFF\0\0\0\0WAVEJUNK\xff\xff\xff\x7f", 20);
	f = fopen(path, "wb");
	ASSERT_TRUE(f != NULL);
	fwrite(junk, sizeof(junk), 1, f);
	fclose(f);
	ASSERT_EQ(EBADMSG, media_play_open(&p, path, false));
	ASSERT_TRUE(p == NULL);
 out:
	mem_deref(p);
	unlink(path);
	return err;
}
