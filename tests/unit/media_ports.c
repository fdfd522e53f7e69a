/**
 * @file tests/unit/media_ports.c  Port pairs, quarantine, RTP timeout
 */
#include <string.h>
#include <re.h>
#include "cb_media.h"
#include "media_peer.h"
#include "test.h"

int test_media_ports(void);
int test_media_timeout(void);
int test_media_debug(void);

struct realloc_try {
	struct media_ep *ep;
	uint32_t tries;
};


static bool try_alloc(void *arg)
{
	struct realloc_try *r = arg;

	if (r->ep)
		return true;
	++r->tries;
	return media_ep_alloc(&r->ep, "test=ports", NULL, NULL) == 0;
}


int test_media_ports(void)
{
	struct media_config cfg;
	struct media_ep *a = NULL, *b = NULL, *c = NULL;
	struct realloc_try r = {NULL, 0};
	struct sa la, lb;
	uint64_t t0;
	int err;

	/* two pairs only, a released pair rests 300 ms */
	tmedia_cfg(&cfg, "127.0.0.1", 1);
	cfg.port_min = 47900;
	cfg.port_max = 47903;
	cfg.quarantine_ms = 300;
	TEST_ERR(media_init(&cfg));
	ASSERT_EQ(EALREADY, media_init(&cfg));

	TEST_ERR(media_ep_alloc(&a, "test=ports", NULL, NULL));
	TEST_ERR(media_ep_alloc(&b, "test=ports", NULL, NULL));
	media_ep_laddr(a, &la);
	media_ep_laddr(b, &lb);
	ASSERT_EQ(47900, sa_port(&la));
	ASSERT_EQ(47902, sa_port(&lb));
	ASSERT_EQ(EADDRINUSE, media_ep_alloc(&c, "test=ports", NULL, NULL));

	/* a's pair is resting: still nothing, until the quarantine ends */
	a = mem_deref(a);
	t0 = tmr_jiffies();
	ASSERT_EQ(EADDRINUSE, media_ep_alloc(&c, "test=ports", NULL, NULL));
	TEST_ERR(twait(try_alloc, &r, 3000));
	ASSERT_TRUE(tmr_jiffies() - t0 >= 290);
	media_ep_laddr(r.ep, &la);
	ASSERT_EQ(47900, sa_port(&la));

	/* bad arguments */
	ASSERT_EQ(EINVAL, media_ep_alloc(NULL, "x", NULL, NULL));
	ASSERT_EQ(EINVAL, media_ep_bridge(b, b));
	TEST_ERR(sa_set_str(&la, "::1", 5000));
	ASSERT_EQ(EAFNOSUPPORT, tparams(b, &la, MEDIA_PCMU, -1,
					MEDIA_SENDRECV));
	ASSERT_EQ(ENOTSUP, tparams(b, &lb, (enum media_codec)9, -1,
				   MEDIA_SENDRECV));
	ASSERT_EQ(EINVAL, tparams(b, &lb, MEDIA_PCMU, 0, MEDIA_SENDRECV));
	ASSERT_EQ(EINVAL, tparams(b, &lb, MEDIA_PCMU, 128, MEDIA_SENDRECV));
 out:
	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
	mem_deref(r.ep);
	media_close();
	return err;
}


static bool timed_out(void *arg)
{
	const struct tev *e = arg;

	return e->n[MEDIA_EV_RTP_TIMEOUT] > 0;
}


static bool started2(void *arg)
{
	const struct tev *e = arg;

	return e->n[MEDIA_EV_RTP_START] >= 2;
}


int test_media_timeout(void)
{
	struct media_config cfg;
	struct media_ep *a = NULL, *h = NULL;
	struct tpeer p = {.fd = -1};
	struct tev eva, evh;
	struct sa la, lh;
	uint8_t pl[160];
	uint64_t t0;
	int err;

	memset(&eva, 0, sizeof(eva));
	memset(&evh, 0, sizeof(evh));
	memset(pl, 0xff, sizeof(pl));
	tmedia_cfg(&cfg, "127.0.0.1", 1);
	cfg.timeout_ms = 200;
	TEST_ERR(media_init(&cfg));
	TEST_ERR(media_ep_alloc(&a, "test=timeout leg=a", tev_h, &eva));
	TEST_ERR(media_ep_alloc(&h, "test=timeout leg=held", tev_h, &evh));
	TEST_ERR(tpeer_open(&p, "127.0.0.1"));
	media_ep_laddr(a, &la);
	media_ep_laddr(h, &lh);

	/* h starts, then its peer holds it (inactive): never times out */
	TEST_ERR(tparams(h, &p.addr, MEDIA_PCMU, -1, MEDIA_SENDRECV));
	TEST_ERR(tpeer_send(&p, &lh, 0, 1, 160, 9, false, pl, 160));
	TEST_ERR(twait(tcond_stat, &(struct tstat){h, TSTAT_RX, 1}, 3000));
	TEST_ERR(tparams(h, &p.addr, MEDIA_PCMU, -1, MEDIA_INACTIVE));

	/* a starts, then silence: RTP_TIMEOUT after ~200 ms */
	TEST_ERR(tparams(a, &p.addr, MEDIA_PCMU, -1, MEDIA_SENDRECV));
	TEST_ERR(tpeer_send(&p, &la, 0, 1, 160, 7, false, pl, 160));
	t0 = tmr_jiffies();
	TEST_ERR(twait(timed_out, &eva, 3000));
	ASSERT_TRUE(tmr_jiffies() - t0 >= 150);
	ASSERT_EQ(1, eva.n[MEDIA_EV_RTP_START]);
	ASSERT_EQ(1, eva.n[MEDIA_EV_RTP_TIMEOUT]);
	ASSERT_EQ(1, evh.n[MEDIA_EV_RTP_START]);
	ASSERT_EQ(0, evh.n[MEDIA_EV_RTP_TIMEOUT]);

	/* RTP comes back: started again */
	TEST_ERR(tpeer_send(&p, &la, 0, 2, 320, 7, false, pl, 160));
	TEST_ERR(twait(started2, &eva, 3000));
	ASSERT_EQ(1, eva.n[MEDIA_EV_RTP_TIMEOUT]);
 out:
	mem_deref(a);
	mem_deref(h);
	tpeer_close(&p);
	media_close();
	return err;
}


int test_media_debug(void)
{
	struct media_config cfg;
	struct media_ep *a = NULL;
	struct media_mixer *mx = NULL;
	char buf[2048];
	int err;

	ASSERT_EQ(ENODEV, media_ep_alloc(&a, "x", NULL, NULL));
	tmedia_cfg(&cfg, "127.0.0.1", 1);
	cfg.port_min = 47001;
	ASSERT_EQ(EINVAL, media_init(&cfg));

	tmedia_cfg(&cfg, "127.0.0.1", 1);
	TEST_ERR(media_init(&cfg));
	TEST_ERR(media_ep_alloc(&a, "call=c1 leg=l1", NULL, NULL));
	TEST_ERR(media_mixer_alloc(&mx, "conf=x"));
	TEST_ERR(media_mixer_add(mx, a));

	ASSERT_TRUE(re_snprintf(buf, sizeof(buf), "%H", media_ep_debug, a)
		    > 0);
	ASSERT_TRUE(strstr(buf, "call=c1 leg=l1") != NULL);
	ASSERT_TRUE(strstr(buf, "mixer") != NULL);
	ASSERT_TRUE(re_snprintf(buf, sizeof(buf), "%H", media_debug, NULL)
		    > 0);
	ASSERT_TRUE(strstr(buf, "threads=1") != NULL);

	/* the engine closes under live handles: they become inert */
	media_close();
	ASSERT_EQ(EINVAL, media_ep_echo(a, true));
	ASSERT_EQ(EINVAL, media_mixer_add(mx, a));
 out:
	mem_deref(mx);
	mem_deref(a);
	media_close();
	return err;
}
