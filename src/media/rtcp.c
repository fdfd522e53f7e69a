/**
 * @file media/rtcp.c  Basic RTCP: SR/RR + CNAME every ~5 s, parse reports
 *
 * Every endpoint with parameters sends one compound packet per interval
 * (the first after 1-2 s, then 5 s +- 50 %, from its tick): a sender
 * report if it sent RTP since the last one, else a receiver report, with
 * one report block about the stream it receives (fraction and cumulative
 * loss, highest sequence, jitter, LSR/DLSR), then an SDES CNAME.
 *
 * Received RTCP is hostile like everything else: each packet of the
 * compound is checked (version, length within the datagram, report blocks
 * within the packet) before use.  From it we keep the sender report time
 * (for our LSR/DLSR) and, from a block about our SSRC, the loss the peer
 * sees and the round-trip time.  RTCP is latched like RTP: the first
 * valid packet from the RTP peer's address fixes the RTCP source, and
 * our reports go there; before that to the SDP's a=rtcp address, else
 * to the RTP destination's port + 1.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "cb_media.h"
#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "media/media.h"

/* RTCP_SR, RTCP_RR, RTCP_SDES come from libre's re_rtp.h */
#define NTP_EPOCH_OFFSET 2208988800u

static const char cname[] = "callbridge";


static void ntp_now(uint32_t *sec, uint32_t *frac)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = (uint32_t)ts.tv_sec + NTP_EPOCH_OFFSET;
	*frac = (uint32_t)(((uint64_t)ts.tv_nsec << 32) / 1000000000ull);
}


static const struct maddr *rtcp_dst(const struct mep *m, struct maddr *tmp)
{
	const struct maddr *rtp;
	uint16_t port;

	if (m->latched_rtcp)
		return &m->latch_rtcp;
	if (m->prm.raddr_rtcp.len)
		return &m->prm.raddr_rtcp;

	rtp = media_mep_dst(m);
	if (!rtp)
		return NULL;

	*tmp = *rtp;
	if (tmp->u.sa.sa_family == AF_INET6) {
		port = ntohs(tmp->u.in6.sin6_port);
		tmp->u.in6.sin6_port = htons((uint16_t)(port + 1));
	}
	else {
		port = ntohs(tmp->u.in.sin_port);
		tmp->u.in.sin_port = htons((uint16_t)(port + 1));
	}
	return tmp;
}


static size_t report_block(struct mep *m, uint8_t *b, uint64_t now)
{
	struct mrx *rx = &m->rx;
	uint32_t expected = rx->cycles + rx->max_seq - rx->base_seq + 1;
	uint32_t exp_iv = expected - rx->exp_prior;
	uint32_t rcv_iv = rx->received - rx->rcv_prior;
	uint64_t lost = atomic_load_explicit(&m->st.rx_lost,
					     memory_order_relaxed);
	uint32_t fraction = 0, dlsr = 0;

	if (exp_iv > rcv_iv)
		fraction = ((exp_iv - rcv_iv) << 8) / exp_iv;
	if (fraction > 255)
		fraction = 255;
	rx->exp_prior = expected;
	rx->rcv_prior = rx->received;

	if (lost > 0x7fffff)
		lost = 0x7fffff;
	if (rx->lsr_ms)
		dlsr = (uint32_t)(((now - rx->lsr_ms) << 16) / 1000);

	media_put32(b, rx->ssrc);
	media_put32(b + 4, (fraction << 24) | (uint32_t)lost);
	media_put32(b + 8, rx->cycles + rx->max_seq);
	media_put32(b + 12, rx->jitter >> 4);
	media_put32(b + 16, rx->lsr);
	media_put32(b + 20, dlsr);
	return 24;
}


void media_rtcp_send(struct media_wk *wk, struct mep *m)
{
	uint8_t b[96];
	struct maddr tmp;
	const struct maddr *dst = rtcp_dst(m, &tmp);
	bool sr = m->tx.sent_rtcp_iv;
	size_t n = 8, sdes, clen = sizeof(cname) - 1;
	uint32_t sec, frac;

	if (!dst)
		return;

	b[0] = (uint8_t)(0x80 | (m->rx.init ? 1 : 0));
	b[1] = sr ? RTCP_SR : RTCP_RR;
	media_put32(b + 4, m->tx.ssrc);
	if (sr) {
		uint32_t el = (uint32_t)(wk->now - m->tx.last_ms) *
			(MEDIA_SRATE / 1000);

		ntp_now(&sec, &frac);
		media_put32(b + 8, sec);
		media_put32(b + 12, frac);
		media_put32(b + 16, m->tx.ts + el);
		media_put32(b + 20, m->tx.pkts);
		media_put32(b + 24, m->tx.octets);
		n = 28;
	}
	if (m->rx.init)
		n += report_block(m, b + n, wk->now);
	media_put16(b + 2, (uint16_t)(n / 4 - 1));

	/* SDES: one chunk, CNAME, end, padded to 32 bits */
	sdes = n;
	b[n] = 0x81;
	b[n + 1] = RTCP_SDES;
	media_put32(b + n + 4, m->tx.ssrc);
	b[n + 8] = 1;
	b[n + 9] = (uint8_t)clen;
	memcpy(b + n + 10, cname, clen);
	n += 10 + clen;
	do {
		b[n++] = 0;
	} while (n % 4);
	media_put16(b + sdes + 2, (uint16_t)((n - sdes) / 4 - 1));

	if (sendto(m->fd_rtcp, b, n, MSG_DONTWAIT, &dst->u.sa, dst->len) < 0)
		return;

	mst_add64(&m->st.rtcp_tx, 1);
	m->tx.sent_rtcp_iv = false;
}


static void block_about_us(struct mep *m, const uint8_t *b)
{
	uint32_t cum = media_be32(b + 4) & 0xffffff;
	uint32_t lsr = media_be32(b + 16), dlsr = media_be32(b + 20);
	int32_t lost = (cum & 0x800000) ? (int32_t)(cum | 0xff000000u)
		: (int32_t)cum;

	atomic_store_explicit(&m->st.peer_lost, lost, memory_order_relaxed);

	if (lsr) {
		uint32_t sec, frac, mid, rtt;

		ntp_now(&sec, &frac);
		mid = (sec << 16) | (frac >> 16);
		rtt = mid - lsr - dlsr;
		if ((int32_t)rtt >= 0)
			atomic_store_explicit(&m->st.rtt_ms,
					      (uint32_t)(((uint64_t)rtt *
							  1000) >> 16),
					      memory_order_relaxed);
	}
}


/** Parse one compound RTCP datagram; EBADMSG on any malformed part */
int media_rtcp_parse(struct mep *m, const uint8_t *p, size_t len,
		     uint64_t now)
{
	if (len < 8)
		return EBADMSG;

	while (len >= 4) {
		size_t plen = (media_be16(p + 2) + 1u) * 4, off;
		unsigned rc = p[0] & 0x1f;

		if ((p[0] >> 6) != 2 || plen > len)
			return EBADMSG;

		switch (p[1]) {

		case RTCP_SR:
			if (plen < 28)
				return EBADMSG;
			m->rx.lsr = (media_be32(p + 8) << 16) |
				(media_be32(p + 12) >> 16);
			m->rx.lsr_ms = now;
			off = 28;
			break;

		case RTCP_RR:
			if (plen < 8)
				return EBADMSG;
			off = 8;
			break;

		default:
			rc = 0;
			off = 0;
			break;
		}

		if (off + 24 * rc > plen)
			return EBADMSG;
		for (unsigned i = 0; i < rc; i++) {
			const uint8_t *b = p + off + 24 * i;

			if (media_be32(b) == m->tx.ssrc)
				block_about_us(m, b);
		}

		p += plen;
		len -= plen;
	}

	return len ? EBADMSG : 0;
}


static bool same_host(const struct maddr *a, const struct maddr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	if (a->u.sa.sa_family == AF_INET6)
		return !memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr,
			       sizeof(a->u.in6.sin6_addr));
	return a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr;
}


static bool same_addr(const struct maddr *a, const struct maddr *b)
{
	uint16_t pa = a->u.sa.sa_family == AF_INET6 ? a->u.in6.sin6_port
		: a->u.in.sin_port;
	uint16_t pb = b->u.sa.sa_family == AF_INET6 ? b->u.in6.sin6_port
		: b->u.in.sin_port;

	return same_host(a, b) && pa == pb;
}


void media_rtcp_recv(struct media_wk *wk, struct mep *m)
{
	struct maddr src;
	uint8_t *b = wk->rxbuf[0];
	ssize_t n;

	memset(&src, 0, sizeof(src));
	src.len = sizeof(src.u);
	n = recvfrom(m->fd_rtcp, b, MEDIA_PKT_MAX, MSG_DONTWAIT, &src.u.sa,
		     &src.len);
	if (n < 0)
		return;

	if (!m->prm.set || (m->latched && !same_host(&src, &m->latch)) ||
	    (m->latched_rtcp && !same_addr(&src, &m->latch_rtcp))) {
		mst_add64(&m->st.rx_strays, 1);
		return;
	}

	if (media_rtcp_parse(m, b, (size_t)n, wk->now)) {
		mst_add64(&m->st.rx_junk, 1);
		return;
	}

	if (!m->latched_rtcp) {
		m->latch_rtcp = src;
		m->latched_rtcp = true;
	}
	mst_add64(&m->st.rtcp_rx, 1);
}
