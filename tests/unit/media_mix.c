/**
 * @file tests/unit/media_mix.c  Mixer arithmetic: N-1 sums, clipping
 */
#include <string.h>
#include <re.h>
#include "cb_media.h"
#include "media/media.h"
#include "test.h"

int test_media_mix_others(void);
int test_media_mix_saturate(void);
int test_media_mix_mute_deaf(void);

enum { N = MEDIA_FRAME };

struct room {
	int16_t in[4][N];
	int16_t out[4][N];
	struct mix_io io[4];
};


static void room_init(struct room *r, size_t n, const int16_t *levels)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		for (size_t s = 0; s < N; s++)
			r->in[i][s] = (int16_t)(s % 2 ? levels[i]
						: -levels[i]);
		r->io[i].in = r->in[i];
		r->io[i].out = r->out[i];
		/* garbage, to see that every output is written */
		memset(r->out[i], 0x5a, sizeof(r->out[i]));
	}
}


int test_media_mix_others(void)
{
	const int16_t lv[3] = {1000, 2000, 4000};
	struct room r;
	int err = 0;

	room_init(&r, 3, lv);
	ASSERT_TRUE(media_mix(r.io, 3, N));

	/* each hears the other two, not itself */
	for (size_t s = 0; s < N; s++) {
		int sign = s % 2 ? 1 : -1;

		ASSERT_EQ(sign * 6000, r.out[0][s]);
		ASSERT_EQ(sign * 5000, r.out[1][s]);
		ASSERT_EQ(sign * 3000, r.out[2][s]);
	}

	/* a member with no frame this tick adds nothing, hears the rest */
	room_init(&r, 3, lv);
	r.io[2].in = NULL;
	ASSERT_TRUE(media_mix(r.io, 3, N));
	ASSERT_EQ(2000, r.out[0][1]);
	ASSERT_EQ(1000, r.out[1][1]);
	ASSERT_EQ(3000, r.out[2][1]);

	/* nobody spoke: everyone gets silence */
	room_init(&r, 3, lv);
	for (int i = 0; i < 3; i++)
		r.io[i].in = NULL;
	ASSERT_TRUE(!media_mix(r.io, 3, N));
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, r.out[i][7]);
 out:
	return err;
}


int test_media_mix_saturate(void)
{
	const int16_t lv[4] = {30000, 30000, 30000, 100};
	struct room r;
	int err = 0;

	room_init(&r, 4, lv);
	ASSERT_TRUE(media_mix(r.io, 4, N));

	/* 60100 clips to 32767, and -60100 to -32768: no wrap-around */
	ASSERT_EQ(32767, r.out[0][1]);
	ASSERT_EQ(-32768, r.out[0][0]);
	/* the quiet one hears the three loud ones: clipped */
	ASSERT_EQ(32767, r.out[3][1]);
	ASSERT_EQ(-32768, r.out[3][0]);
 out:
	return err;
}


int test_media_mix_mute_deaf(void)
{
	const int16_t lv[3] = {1000, 2000, 4000};
	struct room r;
	int err = 0;

	/* muted: its audio reaches nobody, it still hears the others */
	room_init(&r, 3, lv);
	r.io[2].mute = true;
	ASSERT_TRUE(media_mix(r.io, 3, N));
	ASSERT_EQ(2000, r.out[0][1]);
	ASSERT_EQ(1000, r.out[1][1]);
	ASSERT_EQ(3000, r.out[2][1]);

	/* deaf: hears silence, the others still hear it */
	room_init(&r, 3, lv);
	r.io[0].deaf = true;
	ASSERT_TRUE(media_mix(r.io, 3, N));
	for (size_t s = 0; s < N; s++)
		ASSERT_EQ(0, r.out[0][s]);
	ASSERT_EQ(5000, r.out[1][1]);
	ASSERT_EQ(3000, r.out[2][1]);
 out:
	return err;
}
