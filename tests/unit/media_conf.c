/**
 * @file tests/unit/media_conf.c  The N-party mixer over loopback
 *
 * Three fake phones send steady levels (1000, 2000, 4000; one of them in
 * A-law); each must hear the sum of the other two.  Then mute, deaf,
 * a member leaving (two left: relayed) and the mixer released.  Two
 * workers, so members are moved onto the mixer's worker.
 */
#include <string.h>
#include <re.h>
#include "cb_media.h"
#include "media_peer.h"
#include "test.h"

int test_media_mixer(void);

enum { WAIT_MS = 4000, HITS = 8 };

struct conf {
	struct media_mixer *mx;
	struct media_ep *ep[3];
	struct tpeer p[3];
	struct tstream s[3];
	struct tev ev[3];
	int16_t d[3];              /* decoded level each one sends */
};


static bool all_hit(void *arg)
{
	struct conf *c = arg;

	for (int i = 0; i < 3; i++)
		if (c->p[i].level_hits < HITS && c->p[i].want_level != -1)
			return false;
	return true;
}


/* -1: that peer is not checked this round */
static int expect(struct conf *c, int w0, int w1, int w2)
{
	const int w[3] = {w0, w1, w2};

	for (int i = 0; i < 3; i++) {
		c->p[i].want_level = (int16_t)w[i];
		c->p[i].level_hits = 0;
	}
	return twait(all_hit, c, WAIT_MS);
}


int test_media_mixer(void)
{
	static const enum media_codec codec[3] = {MEDIA_PCMU, MEDIA_PCMA,
						  MEDIA_PCMU};
	static const int16_t level[3] = {1000, 2000, 4000};
	struct media_config cfg;
	struct conf c;
	int err;

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < 3; i++)
		c.p[i].fd = -1;

	tmedia_cfg(&cfg, "127.0.0.1", 2);
	TEST_ERR(media_init(&cfg));
	TEST_ERR(media_mixer_alloc(&c.mx, "test=conf"));

	for (int i = 0; i < 3; i++) {
		struct sa laddr;
		uint8_t byte = codec[i] == MEDIA_PCMA
			? media_pcm2alaw(level[i]) : media_pcm2ulaw(level[i]);

		c.d[i] = codec[i] == MEDIA_PCMA ? media_alaw2pcm(byte)
			: media_ulaw2pcm(byte);
		TEST_ERR(media_ep_alloc(&c.ep[i], "test=conf", tev_h,
					&c.ev[i]));
		TEST_ERR(tpeer_open(&c.p[i], "127.0.0.1"));
		c.p[i].audio_pt = (uint8_t)codec[i];
		c.p[i].want_level = -1;
		TEST_ERR(tparams(c.ep[i], &c.p[i].addr, codec[i], 101,
				 MEDIA_SENDRECV));
		TEST_ERR(media_mixer_add(c.mx, c.ep[i]));
		media_ep_laddr(c.ep[i], &laddr);
		tstream_start(&c.s[i], &c.p[i], &laddr, (uint8_t)codec[i],
			      byte, 1000);
	}
	ASSERT_EQ(3, media_mixer_count(c.mx));
	ASSERT_EQ(0, media_mixer_add(c.mx, c.ep[0]));
	ASSERT_EQ(3, media_mixer_count(c.mx));

	/* everyone hears the other two */
	TEST_ERR(expect(&c, c.d[1] + c.d[2], c.d[0] + c.d[2],
			c.d[0] + c.d[1]));

	/* 2 muted: nobody hears it, it still hears */
	TEST_ERR(media_ep_mute(c.ep[2], true));
	TEST_ERR(expect(&c, c.d[1], c.d[0], c.d[0] + c.d[1]));

	/* 0 deaf (2 unmuted): hears silence, is still heard */
	TEST_ERR(media_ep_mute(c.ep[2], false));
	TEST_ERR(media_ep_deaf(c.ep[0], true));
	TEST_ERR(expect(&c, 0, c.d[0] + c.d[2], c.d[0] + c.d[1]));

	/* 2 leaves: the two left are relayed, transcoded where needed */
	TEST_ERR(media_ep_deaf(c.ep[0], false));
	TEST_ERR(media_mixer_remove(c.mx, c.ep[2]));
	ASSERT_EQ(ENOENT, media_mixer_remove(c.mx, c.ep[2]));
	ASSERT_EQ(2, media_mixer_count(c.mx));
	TEST_ERR(expect(&c, c.d[1], c.d[0], -1));

	/* a bridge takes a member out of the mixer */
	TEST_ERR(media_ep_bridge(c.ep[1], c.ep[2]));
	ASSERT_EQ(1, media_mixer_count(c.mx));
	TEST_ERR(expect(&c, -1, c.d[2], c.d[1]));
 out:
	for (int i = 0; i < 3; i++)
		tstream_stop(&c.s[i]);
	mem_deref(c.mx);
	for (int i = 0; i < 3; i++) {
		mem_deref(c.ep[i]);
		tpeer_close(&c.p[i]);
	}
	media_close();
	return err;
}
