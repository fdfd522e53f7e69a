/**
 * @file media/rtp.c  RTP receive path: validate, latch, count, dispatch
 *
 * Everything from the network is hostile.  A datagram is RTP only if it
 * is version 2, its CSRC list, extension and padding fit inside it, and
 * its payload type is the negotiated codec or telephone-event; anything
 * else is counted as junk and dropped.  Before the SIP side gave the
 * endpoint its parameters nothing is accepted.
 *
 * Symmetric RTP: the first valid packet latches the endpoint to its
 * source address; from then on packets from any other source are counted
 * as strays and dropped, until media_ep_params() resets the latch.
 *
 * Then, by the endpoint's base source: a bridge forwards the packet (in
 * place, rewritten, see tx.c) out of the peer's socket, echo sends it
 * back, a mixer member stores the decoded frame for the next tick.
 * Nothing here allocates; packets live in the worker's recvmmsg buffers.
 * Each packet is counted on its endpoint and in its worker's totals
 * (struct mtotals, what /metrics shows, endpoints closed long ago
 * included): single-writer relaxed atomics, a plain add on x86.
 */
#include <string.h>
#include <re.h>
#include "cb_media.h"
#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "media/media.h"


int media_rtp_parse(struct mrtp *h, const uint8_t *p, size_t len)
{
	size_t hlen, pad = 0;

	if (len < MEDIA_RTP_HDR || (p[0] >> 6) != 2)
		return EBADMSG;

	hlen = MEDIA_RTP_HDR + 4u * (p[0] & 0x0f);
	if (hlen > len)
		return EBADMSG;

	if (p[0] & 0x10) {
		if (hlen + 4 > len)
			return EBADMSG;
		hlen += 4 + 4u * media_be16(p + hlen + 2);
		if (hlen > len)
			return EBADMSG;
	}

	if (p[0] & 0x20) {
		pad = p[len - 1];
		if (pad == 0 || hlen + pad > len)
			return EBADMSG;
	}

	h->marker = (p[1] & 0x80) != 0;
	h->pt = p[1] & 0x7f;

	/* 72-79 would be RTCP multiplexed on the RTP port: not ours */
	if (h->pt >= 72 && h->pt <= 79)
		return EBADMSG;

	h->seq = media_be16(p + 2);
	h->ts = media_be32(p + 4);
	h->ssrc = media_be32(p + 8);
	h->hlen = hlen;
	h->plen = len - hlen - pad;
	h->len = len;
	return 0;
}


static uint32_t rx_lost_cur(const struct mrx *rx)
{
	uint32_t expected = rx->cycles + rx->max_seq - rx->base_seq + 1;

	return expected > rx->received ? expected - rx->received : 0;
}


static void rx_restart(struct mrx *rx, const struct mrtp *h)
{
	if (rx->init)
		rx->lost_prev += rx_lost_cur(rx);

	rx->init = true;
	rx->ssrc = h->ssrc;
	rx->max_seq = h->seq;
	rx->base_seq = h->seq;
	rx->cycles = 0;
	rx->received = 0;
	rx->exp_prior = 0;
	rx->rcv_prior = 0;
	rx->transit = 0;
}


/** Sequence, loss and jitter accounting for one valid packet */
void media_rtp_rx_seq(struct mep *m, const struct mrtp *h, uint64_t now_ns)
{
	struct mrx *rx = &m->rx;
	uint16_t udelta;

	if (!rx->init || h->ssrc != rx->ssrc) {
		rx_restart(rx, h);
	}
	else {
		udelta = (uint16_t)(h->seq - rx->max_seq);
		if (udelta < 3000) {
			if (h->seq < rx->max_seq)
				rx->cycles += 65536;
			rx->max_seq = h->seq;
		}
		else if (udelta <= 65536 - 100) {
			/* a jump: the sender restarted, start counting anew */
			rx_restart(rx, h);
		}
		/* else: duplicate or late packet, counted as received */
	}
	++rx->received;

	atomic_store_explicit(&m->st.rx_lost, rx->lost_prev +
			      rx_lost_cur(rx), memory_order_relaxed);

	/* jitter (RFC 3550 6.4.1) on audio only: events reuse timestamps */
	if (h->pt == m->prm.codec) {
		uint32_t arrival = (uint32_t)(now_ns / 125000u);
		uint32_t transit = arrival - h->ts;
		int32_t d = (int32_t)(transit - rx->transit);

		if (rx->transit) {
			if (d < 0)
				d = -d;
			rx->jitter += (uint32_t)d - ((rx->jitter + 8) >> 4);
			atomic_store_explicit(&m->st.jitter_us,
					      (rx->jitter >> 4) * 125,
					      memory_order_relaxed);
		}
		rx->transit = transit ? transit : 1;
	}
}


/*
 * The worker's totals take the endpoint's loss only upward: a late packet
 * lowers the endpoint's count again, but a counter never goes back; the
 * total is the highest cumulative loss each stream ever showed.
 */
static void rx_lost_total(struct media_wk *wk, struct mep *m)
{
	uint64_t lost = atomic_load_explicit(&m->st.rx_lost,
					     memory_order_relaxed);

	if (lost > m->lost_peak) {
		mst_add64(&wk->tot.rx_lost, lost - m->lost_peak);
		m->lost_peak = lost;
	}
}


static void rx_drop(struct media_wk *wk, _Atomic uint64_t *why)
{
	mst_add64(why, 1);
	mst_add64(&wk->tot.rx_dropped, 1);
}


static void rx_one(struct media_wk *wk, struct mep *m, uint8_t *p,
		   size_t len, const struct maddr *src)
{
	struct mrtp h;
	bool dtmf;

	if (media_rtp_parse(&h, p, len)) {
		rx_drop(wk, &m->st.rx_junk);
		return;
	}

	if (!m->prm.set || (m->latched && !media_maddr_eq(src, &m->latch))) {
		rx_drop(wk, &m->st.rx_strays);
		return;
	}

	dtmf = m->prm.dtmf_pt >= 0 && h.pt == m->prm.dtmf_pt;
	if (!dtmf && h.pt != m->prm.codec) {
		rx_drop(wk, &m->st.rx_junk);
		return;
	}

	if (!m->latched) {
		m->latch = *src;
		m->latched = true;
		atomic_store_explicit(&m->st.latched, true,
				      memory_order_relaxed);
	}

	mst_add64(&m->st.rx_packets, 1);
	mst_add64(&m->st.rx_bytes, len);
	mst_add64(&wk->tot.rx_packets, 1);
	mst_add64(&wk->tot.rx_bytes, len);
	m->last_rx_ms = wk->now;
	if (!m->started || m->timed_out) {
		m->started = true;
		m->timed_out = false;
		log_debug(m->ctx, "RTP started");
		media_ev_post(m, MEDIA_EV_RTP_START, 0, 0);
	}

	media_rtp_rx_seq(m, &h, wk->now_ns);
	rx_lost_total(wk, m);

	if (dtmf)
		media_dtmf_recv(m, &h, p + h.hlen);

	/* on hold toward us, or muted: heard, counted, not passed on */
	if (!(m->prm.dir & MEDIA_DIR_RECV) || m->mute)
		return;

	switch (m->base) {

	case MBASE_BRIDGE:
		if (m->peer && !m->peer->deaf &&
		    media_mep_base_may_send(m->peer))
			media_tx_relay(wk, m->peer, m, p, &h, dtmf);
		break;

	case MBASE_ECHO:
		if (media_mep_base_may_send(m))
			media_tx_relay(wk, m, m, p, &h, dtmf);
		break;

	case MBASE_MIXER:
		if (!dtmf)
			media_mix_rx(wk, m, p, &h);
		break;

	default:
		break;
	}
}


void media_rtp_recv(struct media_wk *wk, struct mep *m)
{
	int n;

	for (unsigned i = 0; i < MEDIA_RX_BATCH; i++) {
		wk->rxmsg[i].msg_hdr.msg_namelen = sizeof(wk->rxsrc[i].u);
		wk->rxmsg[i].msg_hdr.msg_flags = 0;
	}

	n = recvmmsg(m->fd_rtp, wk->rxmsg, MEDIA_RX_BATCH, MSG_DONTWAIT,
		     NULL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_debug(m->ctx, "RTP recv: %m", errno);
		return;
	}

	for (int i = 0; i < n; i++) {
		struct msghdr *mh = &wk->rxmsg[i].msg_hdr;

		if (mh->msg_flags & MSG_TRUNC) {
			rx_drop(wk, &m->st.rx_junk);
			continue;
		}
		wk->rxsrc[i].len = mh->msg_namelen;
		rx_one(wk, m, wk->rxbuf[i], wk->rxmsg[i].msg_len,
		       &wk->rxsrc[i]);
	}
}
