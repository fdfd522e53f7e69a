/**
 * @file tests/unit/media_prompt.c  Prompts, tones and echo over loopback
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "cb_media.h"
#include "media_peer.h"
#include "test.h"

int test_media_play(void);
int test_media_play_loop_stop(void);
int test_media_tone(void);
int test_media_echo_ipv6(void);

enum { WAIT_MS = 3000 };

struct one {
	struct media_ep *ep;
	struct tpeer p;
	struct tev ev;
	struct sa laddr;
	char wav[32];
};


static int one_open(struct one *t, const char *ip)
{
	struct media_config cfg;
	int fd, err;

	memset(t, 0, sizeof(*t));
	t->p.fd = -1;
	str_ncpy(t->wav, "/tmp/cbplayXXXXXX", sizeof(t->wav));
	fd = mkstemp(t->wav);
	if (fd < 0)
		return errno;
	close(fd);

	tmedia_cfg(&cfg, ip, 1);
	err = media_init(&cfg);
	if (err)
		return err;
	err = media_ep_alloc(&t->ep, "test=prompt", tev_h, &t->ev);
	if (err)
		return err;
	err = tpeer_open(&t->p, ip);
	if (err)
		return err;
	media_ep_laddr(t->ep, &t->laddr);
	t->p.audio_pt = MEDIA_PCMU;
	return tparams(t->ep, &t->p.addr, MEDIA_PCMU, 101, MEDIA_SENDRECV);
}


static void one_close(struct one *t)
{
	t->ep = mem_deref(t->ep);
	tpeer_close(&t->p);
	media_close();
	if (t->wav[0])
		unlink(t->wav);
}


static bool play_done(void *arg)
{
	const struct tev *e = arg;

	return e->n[MEDIA_EV_PLAY_DONE] > 0;
}


int test_media_play(void)
{
	struct one t;
	int err;

	TEST_ERR(one_open(&t, "127.0.0.1"));

	/* 0.2 s at 8 kHz: 10 frames, then PLAY_DONE */
	TEST_ERR(twav_write(t.wav, 8000, 1, 1600, 400, 12000));
	TEST_ERR(media_ep_play(t.ep, t.wav, false));
	TEST_ERR(twait(play_done, &t.ev, WAIT_MS));
	TEST_ERR(twait(tcond_rx, &(struct tcount){&t.p.rx, 10}, WAIT_MS));
	ASSERT_EQ(10, t.p.rx);
	ASSERT_EQ(10, t.p.rx_pt[MEDIA_PCMU]);
	ASSERT_EQ(160, t.p.last_len);
	ASSERT_EQ(0, t.p.seq_breaks);
	ASSERT_EQ(1, t.p.markers);
	ASSERT_TRUE(sa_cmp(&t.p.src, &t.laddr, SA_ALL));

	/* 0.2 s at 16 kHz: also 10 frames at 8 kHz */
	memset(&t.ev, 0, sizeof(t.ev));
	TEST_ERR(twav_write(t.wav, 16000, 1, 3200, 400, 12000));
	TEST_ERR(media_ep_play(t.ep, t.wav, false));
	TEST_ERR(twait(play_done, &t.ev, WAIT_MS));
	TEST_ERR(twait(tcond_rx, &(struct tcount){&t.p.rx, 20}, WAIT_MS));
	ASSERT_EQ(20, t.p.rx);
	ASSERT_EQ(0, t.p.ssrc_changes);
	ASSERT_EQ(1, t.ev.n[MEDIA_EV_PLAY_DONE]);

	/* what cannot be played is refused at once */
	TEST_ERR(twav_write(t.wav, 44100, 1, 4410, 400, 12000));
	ASSERT_EQ(ENOTSUP, media_ep_play(t.ep, t.wav, false));
	ASSERT_EQ(ENOENT, media_ep_play(t.ep, "/nonexistent.wav", false));
 out:
	one_close(&t);
	return err;
}


int test_media_play_loop_stop(void)
{
	struct one t;
	int err;

	TEST_ERR(one_open(&t, "127.0.0.1"));

	/* 0.1 s looped: more than 5 frames means it went round */
	TEST_ERR(twav_write(t.wav, 8000, 1, 800, 400, 12000));
	TEST_ERR(media_ep_play(t.ep, t.wav, true));
	TEST_ERR(twait(tcond_rx, &(struct tcount){&t.p.rx, 15}, WAIT_MS));
	TEST_ERR(media_ep_stop(t.ep));

	/* a tone after the stop: its PLAY_DONE is the first one */
	TEST_ERR(media_ep_tone(t.ep, MEDIA_TONE_BEEP, false));
	TEST_ERR(twait(play_done, &t.ev, WAIT_MS));
	ASSERT_EQ(1, t.ev.n[MEDIA_EV_PLAY_DONE]);
	ASSERT_EQ(0, t.p.seq_breaks);
 out:
	one_close(&t);
	return err;
}


int test_media_tone(void)
{
	struct one t;
	uint32_t before;
	int err;

	TEST_ERR(one_open(&t, "127.0.0.1"));

	/* a single beep: 200 ms of 1 kHz, then PLAY_DONE */
	TEST_ERR(media_ep_tone(t.ep, MEDIA_TONE_BEEP, false));
	TEST_ERR(twait(play_done, &t.ev, WAIT_MS));
	TEST_ERR(twait(tcond_rx, &(struct tcount){&t.p.rx, 10}, WAIT_MS));
	ASSERT_EQ(10, t.p.rx);
	ASSERT_TRUE(t.p.last[0] != media_pcm2ulaw(0) ||
		    t.p.last[1] != media_pcm2ulaw(0));

	/* ringback loops; a play replaces it, with no PLAY_DONE for it */
	memset(&t.ev, 0, sizeof(t.ev));
	TEST_ERR(media_ep_tone(t.ep, MEDIA_TONE_RINGBACK, true));
	before = t.p.rx;
	TEST_ERR(twait(tcond_rx, &(struct tcount){&t.p.rx, before + 5},
		       WAIT_MS));
	TEST_ERR(twav_write(t.wav, 8000, 1, 320, 400, 12000));
	TEST_ERR(media_ep_play(t.ep, t.wav, false));
	TEST_ERR(twait(play_done, &t.ev, WAIT_MS));
	ASSERT_EQ(1, t.ev.n[MEDIA_EV_PLAY_DONE]);
	ASSERT_EQ(EINVAL, media_ep_tone(t.ep, (enum media_tone)7, false));
 out:
	one_close(&t);
	return err;
}


int test_media_echo_ipv6(void)
{
	struct one t;
	int err;

	TEST_ERR(one_open(&t, "::1"));
	ASSERT_EQ(AF_INET6, sa_af(&t.laddr));

	TEST_ERR(media_ep_echo(t.ep, true));
	for (uint16_t i = 0; i < 5; i++) {
		uint8_t pl[160];

		memset(pl, 0x20 + i, sizeof(pl));
		TEST_ERR(tpeer_send(&t.p, &t.laddr, 0, i, 160u * i, 0xe0,
				    false, pl, sizeof(pl)));
	}
	TEST_ERR(twait(tcond_rx, &(struct tcount){&t.p.rx, 5}, WAIT_MS));
	ASSERT_EQ(0x24, t.p.last[0]);
	ASSERT_TRUE(t.p.ssrc != 0xe0);
	ASSERT_EQ(0, t.p.seq_breaks);
	ASSERT_TRUE(sa_cmp(&t.p.src, &t.laddr, SA_ALL));

	/* echo off: received, not returned */
	TEST_ERR(media_ep_echo(t.ep, false));
	TEST_ERR(tpeer_send(&t.p, &t.laddr, 0, 5, 800, 0xe0, false,
			    t.p.last, 160));
	TEST_ERR(twait(tcond_stat, &(struct tstat){t.ep, TSTAT_RX, 6},
		       WAIT_MS));
	ASSERT_EQ(5, t.p.rx);
 out:
	one_close(&t);
	return err;
}
