/**
 * @file media/tx.c  RTP send path: one stream per endpoint, relay in place
 *
 * Whatever feeds an endpoint (a relayed peer, a prompt, a tone, the
 * mixer, DTMF) the far end sees one RTP stream: our SSRC, a sequence
 * number that only moves on, and timestamps that follow the clock.
 *
 *  - Generated frames take the next seq and ts + 160.
 *  - Relayed packets keep their own seq/ts spacing (so the far end still
 *    sees the sender's loss and timing) shifted by an offset computed
 *    when the relayed stream starts or changes SSRC: the first packet
 *    continues our numbering, with a timestamp advanced by the time that
 *    passed since our last packet, and carries the marker bit.
 *  - A generated stream that paused longer than two frames restarts
 *    the same way (a relayed one keeps the sender's timing).
 *
 * Relaying rewrites the received datagram in place (PT, seq, ts, SSRC and
 * the payload when transcoding) and sends it from the output endpoint's
 * own socket, so the far end sees the port it negotiated.
 */
#include <string.h>
#include <re.h>
#include "cb_media.h"
#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "media/media.h"


void media_rtp_hdr(uint8_t *p, bool marker, uint8_t pt, uint16_t seq,
		   uint32_t ts, uint32_t ssrc)
{
	p[0] = 0x80;
	p[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
	media_put16(p + 2, seq);
	media_put32(p + 4, ts);
	media_put32(p + 8, ssrc);
}


void media_tx_init(struct mtx *tx, uint32_t rnd1, uint32_t rnd2)
{
	memset(tx, 0, sizeof(*tx));
	tx->ssrc = rnd1;
	tx->seq = (uint16_t)rnd2;
	tx->ts = rnd2 ^ (rnd1 << 11);
	tx->mode = MTX_NONE;
}


/** Timestamp advance for a (re)start: the time that passed, >= min */
static uint32_t ts_gap(const struct mtx *tx, uint64_t now, uint32_t min)
{
	uint64_t el;

	if (!tx->last_ms)
		return min;

	el = (now - tx->last_ms) * (MEDIA_SRATE / 1000);
	return el > min ? (uint32_t)el : min;
}


static bool paused(const struct mtx *tx, uint64_t now)
{
	return tx->last_ms && now - tx->last_ms > 2 * MEDIA_PTIME;
}


void media_tx_stamp_gen(struct mtx *tx, uint64_t now, uint32_t samples,
		   uint16_t *seq, uint32_t *ts, bool *marker)
{
	if (tx->mode != MTX_GEN || paused(tx, now)) {
		*ts = tx->ts + ts_gap(tx, now, samples);
		*marker = true;
		tx->mode = MTX_GEN;
	}
	else {
		*ts = tx->ts + samples;
		*marker = false;
	}

	*seq = (uint16_t)(tx->seq + 1);
	tx->seq = *seq;
	tx->ts = *ts;
	tx->last_ms = now;
}


void media_tx_stamp_relay(struct mtx *tx, uint64_t now, const struct mrtp *h,
		     uint16_t *seq, uint32_t *ts, bool *marker)
{
	if (tx->mode != MTX_RELAY || tx->src_ssrc != h->ssrc) {
		uint32_t next = tx->ts + ts_gap(tx, now, MEDIA_FRAME);

		tx->seq_off = (uint16_t)(tx->seq + 1 - h->seq);
		tx->ts_off = next - h->ts;
		tx->src_ssrc = h->ssrc;
		tx->mode = MTX_RELAY;
		*marker = true;
	}
	else {
		*marker = h->marker;
	}

	*seq = (uint16_t)(h->seq + tx->seq_off);
	*ts = h->ts + tx->ts_off;

	/* a late packet keeps its place but does not move us back */
	if ((int16_t)(*seq - tx->seq) > 0) {
		tx->seq = *seq;
		tx->ts = *ts;
	}
	tx->last_ms = now;
}


int media_tx_send(struct media_wk *wk, struct mep *m, const uint8_t *buf,
		  size_t len)
{
	const struct maddr *dst = media_mep_dst(m);
	ssize_t n;

	if (!dst)
		return EDESTADDRREQ;

	n = sendto(m->fd_rtp, buf, len, MSG_DONTWAIT, &dst->u.sa, dst->len);
	if (n < 0) {
		mst_add64(&m->st.tx_errors, 1);
		return errno;
	}

	mst_add64(&m->st.tx_packets, 1);
	mst_add64(&m->st.tx_bytes, len);
	mst_add64(&wk->tot.tx_packets, 1);
	mst_add64(&wk->tot.tx_bytes, len);
	++m->tx.pkts;
	m->tx.octets += (uint32_t)(len - MEDIA_RTP_HDR);
	m->tx.sent_rtcp_iv = true;
	return 0;
}


/** Send one 20 ms frame of generated audio in the endpoint's codec */
void media_tx_send_pcm(struct media_wk *wk, struct mep *m, const int16_t *pcm)
{
	uint8_t *p = wk->txbuf;
	uint16_t seq;
	uint32_t ts;
	bool marker;

	media_tx_stamp_gen(&m->tx, wk->now, MEDIA_FRAME, &seq, &ts, &marker);
	media_rtp_hdr(p, marker, m->prm.codec, seq, ts, m->tx.ssrc);
	media_g711_encode(p + MEDIA_RTP_HDR, pcm, MEDIA_FRAME,
			  m->prm.codec);
	(void)media_tx_send(wk, m, p, MEDIA_RTP_HDR + MEDIA_FRAME);
}


/** Forward a packet received on `in` out through `out` (in place) */
void media_tx_relay(struct media_wk *wk, struct mep *out,
		    const struct mep *in, uint8_t *pkt, const struct mrtp *h,
		    bool dtmf)
{
	const struct maddr *dst = media_mep_dst(out);
	uint16_t seq;
	uint32_t ts;
	bool marker;
	uint8_t pt;

	/* an SDP pointing at the very endpoint the packet came in on would
	 * make our endpoints pass one packet round for ever: refuse */
	if (!dst || media_maddr_eq(dst, &in->laddr)) {
		mst_add64(&out->st.tx_errors, 1);
		return;
	}

	if (dtmf) {
		if (out->prm.dtmf_pt < 0)
			return;
		pt = (uint8_t)out->prm.dtmf_pt;
	}
	else {
		pt = out->prm.codec;
		if (h->pt != pt)
			media_g711_transcode(pkt + h->hlen, h->plen, h->pt);
	}

	media_tx_stamp_relay(&out->tx, wk->now, h, &seq, &ts, &marker);
	pkt[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
	media_put16(pkt + 2, seq);
	media_put32(pkt + 4, ts);
	media_put32(pkt + 8, out->tx.ssrc);
	(void)media_tx_send(wk, out, pkt, h->len);
}
