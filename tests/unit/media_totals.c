/**
 * @file tests/unit/media_totals.c  The engine's RTP totals (/metrics)
 *
 * Two endpoints on two workers, one echoing: the totals add up what both
 * received and sent, bytes included; a sequence gap counts as loss and a
 * late packet that fills it does not take the count back; a stranger's
 * packet is counted as dropped; and everything stays counted once the
 * endpoints are closed.
 */
#include <string.h>
#include <re.h>
#include "cb_media.h"
#include "media_peer.h"
#include "test.h"

int test_media_totals(void);

enum { WAIT_MS = 3000, PKT = 12 + 160 };


static int send_seq(struct tpeer *p, const struct sa *dst, uint16_t seq,
		    uint32_t ssrc)
{
	uint8_t pl[160];

	memset(pl, 0x11, sizeof(pl));
	return tpeer_send(p, dst, 0, seq, 1000u + 160u * seq, ssrc, false,
			  pl, sizeof(pl));
}


struct want {
	uint64_t rx, dropped;
	bool closed;          /* no endpoint open */
};


static bool tot_reached(void *arg)
{
	const struct want *w = arg;
	struct media_totals t;

	media_totals_get(&t);
	return t.rx_packets >= w->rx && t.rx_dropped >= w->dropped &&
		(!w->closed || t.endpoints == 0);
}


static int wait_tot(uint64_t rx, uint64_t dropped, bool closed)
{
	struct want w = {rx, dropped, closed};

	return twait(tot_reached, &w, WAIT_MS);
}


int test_media_totals(void)
{
	struct media_ep *a = NULL, *b = NULL;
	struct tpeer pa, pb, px;
	struct media_config cfg;
	struct media_totals t;
	struct media_stats st;
	struct tev eva, evb;
	struct sa la, lb;
	struct tcount c;
	int err;

	memset(&eva, 0, sizeof(eva));
	memset(&evb, 0, sizeof(evb));
	pa.fd = pb.fd = px.fd = -1;
	tmedia_cfg(&cfg, "127.0.0.1", 2);
	TEST_ERR(media_init(&cfg));

	media_totals_get(&t);
	ASSERT_EQ(0, t.rx_packets + t.tx_packets + t.rx_lost);

	TEST_ERR(media_ep_alloc(&a, "test=totals leg=a", tev_h, &eva));
	TEST_ERR(media_ep_alloc(&b, "test=totals leg=b", tev_h, &evb));
	TEST_ERR(tpeer_open(&pa, "127.0.0.1"));
	TEST_ERR(tpeer_open(&pb, "127.0.0.1"));
	TEST_ERR(tpeer_open(&px, "127.0.0.1"));
	media_ep_laddr(a, &la);
	media_ep_laddr(b, &lb);
	TEST_ERR(tparams(a, &pa.addr, MEDIA_PCMU, 101, MEDIA_SENDRECV));
	TEST_ERR(tparams(b, &pb.addr, MEDIA_PCMU, 101, MEDIA_SENDRECV));
	TEST_ERR(media_ep_echo(a, true));

	/* 10 to a (echoed back), 5 to b */
	for (uint16_t i = 0; i < 10; i++)
		TEST_ERR(send_seq(&pa, &la, 100 + i, 0xaaaa));
	for (uint16_t i = 0; i < 5; i++)
		TEST_ERR(send_seq(&pb, &lb, 7 + i, 0xbbbb));
	c.n = &pa.rx;
	c.want = 10;
	TEST_ERR(twait(tcond_rx, &c, WAIT_MS));
	TEST_ERR(wait_tot(15, 0, false));

	media_totals_get(&t);
	ASSERT_EQ(15, t.rx_packets);
	ASSERT_EQ(15 * PKT, t.rx_bytes);
	ASSERT_EQ(10, t.tx_packets);
	ASSERT_EQ(10 * PKT, t.tx_bytes);
	ASSERT_EQ(0, t.rx_lost);
	ASSERT_EQ(0, t.rx_dropped);
	ASSERT_EQ(2, t.endpoints);

	/* 110 and 111 go missing: two lost */
	TEST_ERR(send_seq(&pa, &la, 112, 0xaaaa));
	TEST_ERR(wait_tot(16, 0, false));
	media_totals_get(&t);
	ASSERT_EQ(2, t.rx_lost);

	/* 110 arrives late: the endpoint counts one lost now, the total
	 * does not go back */
	TEST_ERR(send_seq(&pa, &la, 110, 0xaaaa));
	TEST_ERR(wait_tot(17, 0, false));
	TEST_ERR(media_ep_stats(a, &st));
	ASSERT_EQ(1, st.rx_lost);
	media_totals_get(&t);
	ASSERT_EQ(2, t.rx_lost);

	/* a stranger's packet to the latched endpoint is dropped */
	TEST_ERR(send_seq(&px, &la, 1, 0xcccc));
	TEST_ERR(wait_tot(17, 1, false));
	media_totals_get(&t);
	ASSERT_EQ(17, t.rx_packets);
	ASSERT_EQ(1, t.rx_dropped);

	/* closed endpoints keep their packets counted */
	a = mem_deref(a);
	b = mem_deref(b);
	TEST_ERR(wait_tot(17, 1, true));
	media_totals_get(&t);
	ASSERT_EQ(17, t.rx_packets);
	ASSERT_EQ(17 * PKT, t.rx_bytes);
	ASSERT_EQ(12, t.tx_packets);
	ASSERT_EQ(2, t.rx_lost);
 out:
	mem_deref(a);
	mem_deref(b);
	tpeer_close(&pa);
	tpeer_close(&pb);
	tpeer_close(&px);
	media_close();

	/* a stopped engine has nothing to count */
	media_totals_get(&t);
	if (!err && t.rx_packets)
		err = EINVAL;
	return err;
}
