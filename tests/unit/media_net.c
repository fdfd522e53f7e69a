/**
 * @file tests/unit/media_net.c  Two bridged endpoints on loopback
 *
 * Plain UDP sockets play the two remote phones: "pa" talks to endpoint
 * a, "pb" to endpoint b, and a is bridged to b.  What pb receives is what
 * the engine relayed from pa, and the other way round.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "cb_media.h"
#include "media_peer.h"
#include "test.h"

int test_media_bridge(void);
int test_media_bridge_threads(void);
int test_media_transcode(void);
int test_media_hold(void);
int test_media_junk(void);
int test_media_no_event_after_free(void);
int test_media_rtcp(void);
int test_media_loop_guard(void);

enum { WAIT_MS = 3000 };

struct pair {
	struct media_ep *a, *b;
	struct tpeer pa, pb, px;
	struct tev eva, evb;
	struct sa la, lb;
};


static int pair_open(struct pair *t, uint32_t threads,
		     enum media_codec ca, enum media_codec cb)
{
	struct media_config cfg;
	int err;

	memset(t, 0, sizeof(*t));
	t->pa.fd = t->pb.fd = t->px.fd = -1;

	tmedia_cfg(&cfg, "127.0.0.1", threads);
	err = media_init(&cfg);
	if (err)
		return err;

	err  = media_ep_alloc(&t->a, "test=net leg=a", tev_h, &t->eva);
	err |= media_ep_alloc(&t->b, "test=net leg=b", tev_h, &t->evb);
	err |= tpeer_open(&t->pa, "127.0.0.1");
	err |= tpeer_open(&t->pb, "127.0.0.1");
	err |= tpeer_open(&t->px, "127.0.0.1");
	if (err)
		return err ? EINVAL : 0;

	media_ep_laddr(t->a, &t->la);
	media_ep_laddr(t->b, &t->lb);
	t->pa.audio_pt = (uint8_t)ca;
	t->pb.audio_pt = (uint8_t)cb;

	err  = tparams(t->a, &t->pa.addr, ca, 101, MEDIA_SENDRECV);
	err |= tparams(t->b, &t->pb.addr, cb, 96, MEDIA_SENDRECV);
	err |= media_ep_bridge(t->a, t->b);
	return err ? EINVAL : 0;
}


static void pair_close(struct pair *t)
{
	t->a = mem_deref(t->a);
	t->b = mem_deref(t->b);
	tpeer_close(&t->pa);
	tpeer_close(&t->pb);
	tpeer_close(&t->px);
	media_close();
}


static int send_n(struct tpeer *p, const struct sa *dst, uint8_t pt,
		  uint16_t seq0, uint32_t ssrc, uint8_t byte, unsigned n)
{
	uint8_t pl[160];
	int err = 0;

	memset(pl, byte, sizeof(pl));
	for (unsigned i = 0; i < n && !err; i++)
		err = tpeer_send(p, dst, pt, (uint16_t)(seq0 + i),
				 1000 + 160 * i, ssrc, i == 0, pl,
				 sizeof(pl));
	return err;
}


static int wait_rx(struct tpeer *p, uint32_t want)
{
	struct tcount c = {&p->rx, want};

	return twait(tcond_rx, &c, WAIT_MS);
}


static int wait_stat(struct media_ep *ep, enum tstat_field f, uint64_t n)
{
	struct tstat c = {ep, f, n};

	return twait(tcond_stat, &c, WAIT_MS);
}


static bool ev_started(void *arg)
{
	const struct tev *e = arg;

	return e->n[MEDIA_EV_RTP_START] > 0;
}


static int bridge_run(uint32_t threads)
{
	struct media_stats st;
	struct pair t;
	uint32_t ssrc_b;
	int err;

	TEST_ERR(pair_open(&t, threads, MEDIA_PCMU, MEDIA_PCMU));
	ASSERT_EQ(0, sa_port(&t.la) % 2);
	ASSERT_EQ(0, sa_port(&t.lb) % 2);
	ASSERT_TRUE(sa_port(&t.la) >= 47000 && sa_port(&t.la) <= 47999);

	/* pa -> a -> b -> pb */
	TEST_ERR(send_n(&t.pa, &t.la, 0, 100, 0xaaaa, 0x11, 20));
	TEST_ERR(wait_rx(&t.pb, 20));
	ASSERT_EQ(20, t.pb.rx_pt[0]);
	ASSERT_EQ(0x11, t.pb.last[0]);
	ASSERT_EQ(160, t.pb.last_len);
	ASSERT_TRUE(t.pb.ssrc != 0xaaaa);      /* b's own stream */
	ASSERT_EQ(0, t.pb.seq_breaks);
	ASSERT_TRUE(sa_cmp(&t.pb.src, &t.lb, SA_ALL));
	TEST_ERR(twait(ev_started, &t.eva, WAIT_MS));
	ASSERT_EQ(1, t.eva.n[MEDIA_EV_RTP_START]);

	/* pb -> b -> a -> pa */
	TEST_ERR(send_n(&t.pb, &t.lb, 0, 7, 0xbbbb, 0x12, 15));
	TEST_ERR(wait_rx(&t.pa, 15));
	ASSERT_EQ(0x12, t.pa.last[0]);
	ASSERT_TRUE(sa_cmp(&t.pa.src, &t.la, SA_ALL));
	ASSERT_EQ(0, t.pa.seq_breaks);

	TEST_ERR(media_ep_stats(t.a, &st));
	ASSERT_EQ(20, st.rx_packets);
	ASSERT_EQ(15, st.tx_packets);
	ASSERT_EQ(20 * 172, st.rx_bytes);
	ASSERT_EQ(0, st.rx_lost);
	ASSERT_TRUE(st.latched);
	TEST_ERR(media_ep_stats(t.b, &st));
	ASSERT_EQ(15, st.rx_packets);
	ASSERT_EQ(20, st.tx_packets);

	/* a stranger talks to a: counted, dropped, never relayed */
	TEST_ERR(send_n(&t.px, &t.la, 0, 500, 0xcccc, 0x22, 5));
	TEST_ERR(wait_stat(t.a, TSTAT_STRAYS, 5));
	TEST_ERR(send_n(&t.pa, &t.la, 0, 120, 0xaaaa, 0x33, 1));
	TEST_ERR(wait_rx(&t.pb, 21));
	ASSERT_EQ(21, t.pb.rx);
	ASSERT_EQ(0x33, t.pb.last[0]);
	ASSERT_EQ(5, tstat_get(t.a, TSTAT_STRAYS));

	/* a gap of 3 in pa's sequence is counted as loss */
	TEST_ERR(send_n(&t.pa, &t.la, 0, 124, 0xaaaa, 0x34, 1));
	TEST_ERR(wait_rx(&t.pb, 22));
	TEST_ERR(media_ep_stats(t.a, &st));
	ASSERT_EQ(3, st.rx_lost);

	/* new parameters: a latches anew, to the stranger this time; pb
	 * still sees one stream (same SSRC, no sequence jump) */
	ssrc_b = t.pb.ssrc;
	TEST_ERR(tparams(t.a, &t.px.addr, MEDIA_PCMU, 101, MEDIA_SENDRECV));
	TEST_ERR(send_n(&t.px, &t.la, 0, 9000, 0xdddd, 0x44, 3));
	TEST_ERR(wait_rx(&t.pb, 25));
	ASSERT_EQ(0x44, t.pb.last[0]);
	ASSERT_EQ(ssrc_b, t.pb.ssrc);
	ASSERT_EQ(1, t.pb.seq_breaks);        /* the 3-packet gap above */
	ASSERT_EQ(0, t.pb.ssrc_changes);

	/* and pa is a stranger now */
	TEST_ERR(send_n(&t.pa, &t.la, 0, 130, 0xaaaa, 0x55, 2));
	TEST_ERR(wait_stat(t.a, TSTAT_STRAYS, 7));

	/* unbridged: nothing is relayed any more */
	TEST_ERR(media_ep_unbridge(t.b));
	TEST_ERR(send_n(&t.px, &t.la, 0, 9003, 0xdddd, 0x66, 2));
	TEST_ERR(wait_stat(t.a, TSTAT_RX, 20 + 1 + 1 + 3 + 2));
	ASSERT_EQ(25, t.pb.rx);
 out:
	pair_close(&t);
	return err;
}


int test_media_bridge(void)
{
	return bridge_run(1);
}


/* two workers: the bridge moves b onto a's worker first */
int test_media_bridge_threads(void)
{
	return bridge_run(2);
}


int test_media_transcode(void)
{
	struct pair t;
	int16_t got;
	int err;

	TEST_ERR(pair_open(&t, 1, MEDIA_PCMU, MEDIA_PCMA));

	TEST_ERR(send_n(&t.pa, &t.la, 0, 1, 0x1, media_pcm2ulaw(1000), 10));
	TEST_ERR(wait_rx(&t.pb, 10));
	ASSERT_EQ(10, t.pb.rx_pt[MEDIA_PCMA]);
	ASSERT_EQ(0, t.pb.rx_pt[MEDIA_PCMU]);
	got = media_alaw2pcm(t.pb.last[159]);
	ASSERT_TRUE(abs(got - 1000) < 80);

	TEST_ERR(send_n(&t.pb, &t.lb, 8, 1, 0x2, media_pcm2alaw(-20000), 10));
	TEST_ERR(wait_rx(&t.pa, 10));
	ASSERT_EQ(10, t.pa.rx_pt[MEDIA_PCMU]);
	got = media_ulaw2pcm(t.pa.last[0]);
	ASSERT_TRUE(abs(got + 20000) < 1200);

	/* a packet in the wrong codec is junk, not relayed */
	TEST_ERR(send_n(&t.pa, &t.la, 8, 11, 0x1, 0x00, 1));
	TEST_ERR(wait_stat(t.a, TSTAT_JUNK, 1));
	ASSERT_EQ(10, t.pb.rx);
 out:
	pair_close(&t);
	return err;
}


int test_media_hold(void)
{
	struct pair t;
	int err;

	TEST_ERR(pair_open(&t, 1, MEDIA_PCMU, MEDIA_PCMU));

	/* b's peer put us on hold (we are recvonly toward it) */
	TEST_ERR(tparams(t.b, &t.pb.addr, MEDIA_PCMU, 96, MEDIA_RECVONLY));
	TEST_ERR(send_n(&t.pa, &t.la, 0, 1, 0xa, 0x10, 5));
	TEST_ERR(wait_stat(t.a, TSTAT_RX, 5));

	/* a is inactive: what pa sends is not passed on either */
	TEST_ERR(tparams(t.b, &t.pb.addr, MEDIA_PCMU, 96, MEDIA_SENDRECV));
	TEST_ERR(tparams(t.a, &t.pa.addr, MEDIA_PCMU, 101, MEDIA_INACTIVE));
	TEST_ERR(send_n(&t.pa, &t.la, 0, 6, 0xa, 0x11, 5));
	TEST_ERR(wait_stat(t.a, TSTAT_RX, 10));
	/* and pb's audio is not sent toward a's held peer */
	TEST_ERR(send_n(&t.pb, &t.lb, 0, 1, 0xb, 0x12, 5));
	TEST_ERR(wait_stat(t.b, TSTAT_RX, 5));

	/* off hold: the next packet goes through, and only it */
	TEST_ERR(tparams(t.a, &t.pa.addr, MEDIA_PCMU, 101, MEDIA_SENDRECV));
	TEST_ERR(send_n(&t.pa, &t.la, 0, 11, 0xa, 0x77, 1));
	TEST_ERR(wait_rx(&t.pb, 1));
	TEST_ERR(send_n(&t.pb, &t.lb, 0, 6, 0xb, 0x78, 1));
	TEST_ERR(wait_rx(&t.pa, 1));
	ASSERT_EQ(1, t.pb.rx);
	ASSERT_EQ(0x77, t.pb.last[0]);
	ASSERT_EQ(1, t.pa.rx);
	ASSERT_EQ(0x78, t.pa.last[0]);
 out:
	pair_close(&t);
	return err;
}


int test_media_junk(void)
{
	static const uint8_t junk[][16] = {
		{0x80},                                   /* too short     */
		{0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1},  /* version 1     */
		{0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1},  /* 15 CSRCs      */
		{0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
		 0, 0, 0xff, 0xff},                       /* huge ext.     */
		{0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
		 0, 0, 0, 0x20},                          /* bad padding   */
	};
	uint8_t big[2000];
	struct pair t;
	int err;

	TEST_ERR(pair_open(&t, 1, MEDIA_PCMU, MEDIA_PCMU));

	for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
		TEST_ERR(tpeer_send_raw(&t.pa, &t.la, junk[i],
					i ? (i < 3 ? 12 : 16) : 1));
	memset(big, 0x80, sizeof(big));
	TEST_ERR(tpeer_send_raw(&t.pa, &t.la, big, sizeof(big)));
	TEST_ERR(tpeer_send_raw(&t.pa, &t.la, big, 0));
	TEST_ERR(wait_stat(t.a, TSTAT_JUNK, ARRAY_SIZE(junk) + 2));

	/* junk on the RTCP port too */
	sa_set_port(&t.la, sa_port(&t.la) + 1);
	TEST_ERR(tpeer_send_raw(&t.pa, &t.la, big, 7));
	TEST_ERR(tpeer_send_raw(&t.pa, &t.la, junk[3], 16));
	sa_set_port(&t.la, sa_port(&t.la) - 1);

	/* nothing latched on junk, and the endpoint still works */
	ASSERT_EQ(0, tstat_get(t.a, TSTAT_RX));
	TEST_ERR(send_n(&t.pa, &t.la, 0, 1, 0xa, 0x5a, 3));
	TEST_ERR(wait_rx(&t.pb, 3));
	ASSERT_EQ(0x5a, t.pb.last[0]);
	ASSERT_EQ(0, t.pb.rx_bad);
 out:
	pair_close(&t);
	return err;
}


static int dtmf_end(struct tpeer *p, const struct sa *dst, uint16_t seq,
		    uint32_t ts)
{
	uint8_t ev[4] = {5, 0x8a, 0x03, 0x20};

	return tpeer_send(p, dst, 101, seq, ts, 0x77, false, ev, 4);
}


/* an event for a handle already released is dropped, not delivered */
int test_media_no_event_after_free(void)
{
	struct pair t;
	uint64_t spins = 0;
	int err;

	TEST_ERR(pair_open(&t, 1, MEDIA_PCMU, MEDIA_PCMU));

	TEST_ERR(dtmf_end(&t.pa, &t.la, 1, 1000));

	/* no re_main here: the event waits in the queue */
	while (tstat_get(t.a, TSTAT_DTMF) < 1 && ++spins < 100000000)
		sched_yield();
	ASSERT_EQ(1, tstat_get(t.a, TSTAT_DTMF));
	t.a = mem_deref(t.a);

	/* b's event is queued behind a's; once b's arrived, a's was seen */
	TEST_ERR(tparams(t.b, &t.pb.addr, MEDIA_PCMU, 101, MEDIA_SENDRECV));
	TEST_ERR(dtmf_end(&t.pb, &t.lb, 1, 1000));
	TEST_ERR(twait(tcond_rx, &(struct tcount){&t.evb.ndigits, 1},
		       WAIT_MS));
	ASSERT_EQ(0, t.eva.ndigits);
	ASSERT_EQ(0, t.eva.n[MEDIA_EV_RTP_START]);
	ASSERT_EQ('5', t.evb.digits[0]);
 out:
	pair_close(&t);
	return err;
}


struct rtcp_sink {
	int fd;
	uint32_t n;
	uint8_t b[512];
	ssize_t len;
};


static void rtcp_read(int flags, void *arg)
{
	struct rtcp_sink *s = arg;
	ssize_t n;
	(void)flags;

	n = recv(s->fd, s->b, sizeof(s->b), MSG_DONTWAIT);
	if (n > 0) {
		s->len = n;
		++s->n;
	}
}


/* reports both ways: a's SR reaches the peer's RTCP port, the peer's
 * receiver report about a's stream is parsed (loss it reports) */
int test_media_rtcp(void)
{
	struct rtcp_sink sink = {.fd = -1};
	struct media_params prm;
	struct media_stats st;
	struct pair t;
	struct sa ra, la1;
	uint8_t rr[32];
	uint32_t ssrc;
	int err;

	TEST_ERR(pair_open(&t, 1, MEDIA_PCMU, MEDIA_PCMU));

	/* the peer's RTCP socket, announced as raddr_rtcp */
	sa_set_str(&ra, "127.0.0.1", 0);
	sink.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ASSERT_TRUE(sink.fd >= 0);
	ASSERT_EQ(0, bind(sink.fd, &ra.u.sa, ra.len));
	ra.len = sizeof(ra.u);
	ASSERT_EQ(0, getsockname(sink.fd, &ra.u.sa, &ra.len));
	TEST_ERR(fd_listen(sink.fd, FD_READ, rtcp_read, &sink));

	memset(&prm, 0, sizeof(prm));
	prm.raddr = t.pa.addr;
	prm.raddr_rtcp = ra;
	prm.codec = MEDIA_PCMU;
	prm.dtmf_pt = 101;
	prm.dir = MEDIA_SENDRECV;
	TEST_ERR(media_ep_params(t.a, &prm));
	TEST_ERR(media_ep_unbridge(t.a));
	TEST_ERR(media_ep_echo(t.a, true));
	TEST_ERR(send_n(&t.pa, &t.la, 0, 1, 0xaaaa, 0x11, 5));
	TEST_ERR(wait_rx(&t.pa, 5));
	ssrc = t.pa.ssrc;

	/* a sender report with a report block and a CNAME */
	TEST_ERR(twait(tcond_rx, &(struct tcount){&sink.n, 1}, 4000));
	ASSERT_TRUE(sink.len >= 28 + 24 + 12);
	ASSERT_EQ(0x81, sink.b[0]);
	ASSERT_EQ(200, sink.b[1]);
	ASSERT_EQ(ssrc, ((uint32_t)sink.b[4] << 24 | sink.b[5] << 16 |
			 sink.b[6] << 8 | sink.b[7]));
	ASSERT_EQ(0xaaaa, ((uint32_t)sink.b[28] << 24 | sink.b[29] << 16 |
			   sink.b[30] << 8 | sink.b[31]));
	ASSERT_EQ(202, sink.b[28 + 24 + 1]);

	/* the peer reports 7 of our packets lost */
	memset(rr, 0, sizeof(rr));
	rr[0] = 0x81;
	rr[1] = 201;
	rr[3] = 7;
	rr[8] = (uint8_t)(ssrc >> 24);
	rr[9] = (uint8_t)(ssrc >> 16);
	rr[10] = (uint8_t)(ssrc >> 8);
	rr[11] = (uint8_t)ssrc;
	rr[15] = 7;
	la1 = t.la;
	sa_set_port(&la1, sa_port(&t.la) + 1);
	TEST_ERR(tpeer_send_raw(&t.pa, &la1, rr, sizeof(rr)));
	TEST_ERR(twait(tcond_stat, &(struct tstat){t.a, TSTAT_RTCP_RX, 1},
		       3000));
	TEST_ERR(media_ep_stats(t.a, &st));
	ASSERT_EQ(7, st.peer_lost);
	ASSERT_TRUE(st.rtcp_tx >= 1);

	/* RTCP from a stranger once latched: a stray */
	TEST_ERR(tpeer_send_raw(&t.px, &la1, rr, sizeof(rr)));
	TEST_ERR(wait_stat(t.a, TSTAT_STRAYS, 1));
	ASSERT_EQ(1, tstat_get(t.a, TSTAT_RTCP_RX));
 out:
	if (sink.fd >= 0) {
		fd_close(sink.fd);
		close(sink.fd);
	}
	pair_close(&t);
	return err;
}


static bool play_done_a(void *arg)
{
	const struct tev *e = arg;

	return e->n[MEDIA_EV_PLAY_DONE] > 0;
}


/* a's SDP points at our own endpoint b, which a is bridged to: what b
 * receives from a must not be relayed back into b for ever */
int test_media_loop_guard(void)
{
	struct media_stats st;
	struct pair t;
	int err;

	TEST_ERR(pair_open(&t, 1, MEDIA_PCMU, MEDIA_PCMU));
	TEST_ERR(tparams(t.a, &t.lb, MEDIA_PCMU, 101, MEDIA_SENDRECV));

	/* a beep (10 frames) from a lands on b, b latches to a ... */
	TEST_ERR(media_ep_tone(t.a, MEDIA_TONE_BEEP, false));
	TEST_ERR(twait(play_done_a, &t.eva, WAIT_MS));
	TEST_ERR(wait_stat(t.b, TSTAT_RX, 10));

	/* ... and b's relay toward a's destination (b itself) is refused */
	TEST_ERR(media_ep_stats(t.b, &st));
	ASSERT_TRUE(st.rx_packets < 20);
	TEST_ERR(media_ep_stats(t.a, &st));
	ASSERT_TRUE(st.tx_errors >= 1);
 out:
	pair_close(&t);
	return err;
}
