/**
 * @file tests/unit/media_dtmf.c  RFC 4733 over loopback: receive, relay, send
 */
#include <string.h>
#include <re.h>
#include "cb_media.h"
#include "media_peer.h"
#include "test.h"

int test_media_dtmf_rx(void);
int test_media_dtmf_tx(void);

enum { WAIT_MS = 3000 };


/* one event as a phone sends it: start, 3 updates, 3 end packets */
static int send_event(struct tpeer *p, const struct sa *dst, uint8_t pt,
		      uint8_t code, uint16_t *seq, uint32_t ts, bool ends)
{
	uint8_t ev[4];
	int err = 0;

	for (int i = 0; i < 7 && !err; i++) {
		uint16_t dur = (uint16_t)(i < 4 ? 160 * (i + 1) : 800);
		bool end = i >= 4;

		if (end && !ends)
			break;
		ev[0] = code;
		ev[1] = (uint8_t)((end ? 0x80 : 0) | 10);
		ev[2] = (uint8_t)(dur >> 8);
		ev[3] = (uint8_t)dur;
		err = tpeer_send(p, dst, pt, (*seq)++, ts, 0x4733, i == 0,
				 ev, 4);
	}
	return err;
}


int test_media_dtmf_rx(void)
{
	struct media_config cfg;
	struct media_ep *a = NULL, *b = NULL;
	struct tpeer pa = {.fd = -1}, pb = {.fd = -1};
	struct tev eva, evb;
	struct media_stats st;
	struct sa la, lb;
	uint16_t seq = 10;
	int err;

	memset(&eva, 0, sizeof(eva));
	memset(&evb, 0, sizeof(evb));
	tmedia_cfg(&cfg, "127.0.0.1", 1);
	TEST_ERR(media_init(&cfg));
	TEST_ERR(media_ep_alloc(&a, "test=dtmf leg=a", tev_h, &eva));
	TEST_ERR(media_ep_alloc(&b, "test=dtmf leg=b", tev_h, &evb));
	TEST_ERR(tpeer_open(&pa, "127.0.0.1"));
	TEST_ERR(tpeer_open(&pb, "127.0.0.1"));
	media_ep_laddr(a, &la);
	media_ep_laddr(b, &lb);
	TEST_ERR(tparams(a, &pa.addr, MEDIA_PCMU, 101, MEDIA_SENDRECV));
	TEST_ERR(tparams(b, &pb.addr, MEDIA_PCMU, 96, MEDIA_SENDRECV));
	TEST_ERR(media_ep_bridge(a, b));

	TEST_ERR(send_event(&pa, &la, 101, 5, &seq, 8000, true));
	TEST_ERR(send_event(&pa, &la, 101, 11, &seq, 16000, true));
	TEST_ERR(twait(tcond_rx, &(struct tcount){&eva.ndigits, 2},
		       WAIT_MS));
	ASSERT_EQ('5', eva.digits[0]);
	ASSERT_EQ('#', eva.digits[1]);    /* not a second '5' */
	ASSERT_EQ(100, eva.dur_ms);

	/* relayed to b's peer with b's telephone-event PT */
	TEST_ERR(twait(tcond_rx, &(struct tcount){&pb.ev_pkts, 14},
		       WAIT_MS));
	ASSERT_EQ(14, pb.rx_pt[96]);
	ASSERT_EQ(0, pb.rx_pt[101]);
	ASSERT_EQ(6, pb.ev_ends);
	ASSERT_EQ(11, pb.ev_code);
	ASSERT_EQ(0, pb.seq_breaks);
	TEST_ERR(media_ep_stats(a, &st));
	ASSERT_EQ(2, st.rx_dtmf);

	/* every end packet of '1' lost: reported when '2' starts */
	TEST_ERR(send_event(&pa, &la, 101, 1, &seq, 24000, false));
	TEST_ERR(send_event(&pa, &la, 101, 2, &seq, 32000, true));
	TEST_ERR(twait(tcond_rx, &(struct tcount){&eva.ndigits, 4},
		       WAIT_MS));
	ASSERT_EQ('1', eva.digits[2]);
	ASSERT_EQ('2', eva.digits[3]);
	ASSERT_EQ(0, evb.ndigits);
 out:
	mem_deref(a);
	mem_deref(b);
	tpeer_close(&pa);
	tpeer_close(&pb);
	media_close();
	return err;
}


int test_media_dtmf_tx(void)
{
	struct media_config cfg;
	struct media_ep *a = NULL, *b = NULL, *c = NULL;
	struct tpeer pb = {.fd = -1};
	struct tev eva, evb, evc;
	struct sa la, lc;
	int err;

	memset(&eva, 0, sizeof(eva));
	memset(&evb, 0, sizeof(evb));
	memset(&evc, 0, sizeof(evc));
	tmedia_cfg(&cfg, "127.0.0.1", 1);
	TEST_ERR(media_init(&cfg));
	TEST_ERR(media_ep_alloc(&b, "test=dtmf leg=b", tev_h, &evb));
	TEST_ERR(tpeer_open(&pb, "127.0.0.1"));

	ASSERT_EQ(ENOTSUP, media_ep_dtmf_send(b, '7', 100));
	TEST_ERR(tparams(b, &pb.addr, MEDIA_PCMU, 96, MEDIA_SENDRECV));
	ASSERT_EQ(EINVAL, media_ep_dtmf_send(b, 'x', 100));

	/* '7' for 100 ms: 160..640, then 800 with the end bit, 3 times */
	TEST_ERR(media_ep_dtmf_send(b, '7', 100));
	TEST_ERR(twait(tcond_rx, &(struct tcount){&pb.ev_ends, 3},
		       WAIT_MS));
	ASSERT_EQ(7, pb.ev_pkts);
	ASSERT_EQ(7, pb.rx_pt[96]);
	ASSERT_EQ(7, pb.ev_code);
	ASSERT_EQ(800, pb.ev_dur);
	ASSERT_EQ(1, pb.ev_markers);
	ASSERT_EQ(0, pb.seq_breaks);

	/* two queued digits, one after the other */
	TEST_ERR(media_ep_dtmf_send(b, '1', 40));
	TEST_ERR(media_ep_dtmf_send(b, 'D', 40));
	TEST_ERR(twait(tcond_rx, &(struct tcount){&pb.ev_ends, 9},
		       WAIT_MS));
	ASSERT_EQ(15, pb.ev_code);
	ASSERT_EQ(3, pb.ev_markers);
	ASSERT_EQ(0, pb.seq_breaks);
	ASSERT_EQ(0, pb.ssrc_changes);

	/* engine to engine: c sends, a reports it */
	TEST_ERR(media_ep_alloc(&a, "test=dtmf leg=a", tev_h, &eva));
	TEST_ERR(media_ep_alloc(&c, "test=dtmf leg=c", tev_h, &evc));
	media_ep_laddr(a, &la);
	media_ep_laddr(c, &lc);
	TEST_ERR(tparams(a, &lc, MEDIA_PCMA, 101, MEDIA_SENDRECV));
	TEST_ERR(tparams(c, &la, MEDIA_PCMA, 101, MEDIA_SENDRECV));
	TEST_ERR(media_ep_dtmf_send(c, '9', 60));
	TEST_ERR(twait(tcond_rx, &(struct tcount){&eva.ndigits, 1},
		       WAIT_MS));
	ASSERT_EQ('9', eva.digits[0]);
	ASSERT_EQ(60, eva.dur_ms);
 out:
	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
	tpeer_close(&pb);
	media_close();
	return err;
}
