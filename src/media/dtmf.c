/**
 * @file media/dtmf.c  RFC 4733 telephone-events: receive and send
 *
 * Receive: an event is identified by its RTP timestamp.  The digit is
 * reported once, on the first packet with the end bit; the two usual
 * retransmissions of that packet (same timestamp) are ignored.  If every
 * end packet was lost, the event is reported when the next one starts.
 *
 * Send: one digit at a time from a small queue.  Every 20 ms tick sends
 * one packet: the first with the marker bit and duration 160, then the
 * duration grows by 160 until the wanted length, whose packet carries the
 * end bit and is sent three times in all (same timestamp and duration,
 * new sequence numbers).  Audio toward the peer is suspended while a
 * digit is being sent, and two silent ticks separate digits.
 */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include "cb_media.h"
#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "media/media.h"

enum {
	DTMF_VOLUME = 10,          /**< -10 dBm0                          */
	DTMF_ENDS = 3,
	DTMF_GAP_TICKS = 2,
	DTMF_MIN_MS = 40,
	DTMF_MAX_MS = 8000,        /**< duration field is 16 bits         */
};

static const char digits[] = "0123456789*#ABCD";


int media_dtmf_code(char digit)
{
	const char *p;

	if (!digit)
		return -1;
	p = strchr(digits, toupper((unsigned char)digit));
	return p ? (int)(p - digits) : -1;
}


char media_dtmf_digit(int code)
{
	return code >= 0 && code < 16 ? digits[code] : 0;
}


int media_dtmf_encode(uint8_t *p, size_t size, uint8_t code, bool end,
		      uint8_t volume, uint16_t dur)
{
	if (!p || size < 4)
		return EINVAL;

	p[0] = code;
	p[1] = (uint8_t)((end ? 0x80 : 0) | (volume & 0x3f));
	media_put16(p + 2, dur);
	return 0;
}


int media_dtmf_decode(const uint8_t *p, size_t len, uint8_t *code,
		      bool *end, uint16_t *dur)
{
	if (!p || len < 4)
		return EBADMSG;

	*code = p[0];
	*end = (p[1] & 0x80) != 0;
	*dur = media_be16(p + 2);
	return 0;
}


static void rx_report(struct mep *m, const struct media_dtmf_rx *d)
{
	char digit = media_dtmf_digit(d->code);

	if (!digit)
		return;    /* flash and other events: not a digit */

	mst_add32(&m->st.rx_dtmf, 1);
	log_info(m->ctx, "DTMF '%c' received (%u ms)", digit, d->dur / 8);
	media_ev_post(m, MEDIA_EV_DTMF, digit, d->dur / 8u);
}


void media_dtmf_recv(struct mep *m, const struct mrtp *h, const uint8_t *pl)
{
	struct media_dtmf_rx *d = &m->drx;
	uint16_t dur;
	uint8_t code;
	bool end;

	if (media_dtmf_decode(pl, h->plen, &code, &end, &dur))
		return;

	if (!d->active || h->ts != d->ts) {
		/* the previous event lost all its end packets */
		if (d->active && !d->ended)
			rx_report(m, d);

		d->active = true;
		d->ended = false;
		d->ts = h->ts;
		d->code = code;
		d->dur = 0;
	}

	if (d->ended)
		return;    /* retransmitted end, or a late packet */

	if (dur > d->dur)
		d->dur = dur;

	if (end) {
		d->ended = true;
		rx_report(m, d);
	}
}


void media_dtmf_queue(struct mep *m, char digit, uint32_t dur_ms)
{
	struct media_dtmf_tx *d = &m->dtx;
	unsigned i;

	if (d->qn == MEDIA_DTMF_QLEN) {
		log_warn(m->ctx, "DTMF queue full, '%c' dropped", digit);
		return;
	}

	if (dur_ms < DTMF_MIN_MS)
		dur_ms = DTMF_MIN_MS;
	if (dur_ms > DTMF_MAX_MS)
		dur_ms = DTMF_MAX_MS;

	i = (d->qh + d->qn) % MEDIA_DTMF_QLEN;
	d->q[i].digit = digit;
	d->q[i].dur_ms = (uint16_t)dur_ms;
	++d->qn;
}


static void tx_packet(struct media_wk *wk, struct mep *m, bool marker,
		      bool end)
{
	struct media_dtmf_tx *d = &m->dtx;
	uint8_t *p = wk->txbuf;

	m->tx.seq = (uint16_t)(m->tx.seq + 1);
	m->tx.last_ms = wk->now;
	media_rtp_hdr(p, marker, (uint8_t)m->prm.dtmf_pt, m->tx.seq, d->ts,
		      m->tx.ssrc);
	(void)media_dtmf_encode(p + MEDIA_RTP_HDR, 4, d->code, end,
				DTMF_VOLUME, (uint16_t)d->dur);
	(void)media_tx_send(wk, m, p, MEDIA_RTP_HDR + 4);
}


static bool tx_start(struct media_wk *wk, struct mep *m)
{
	struct media_dtmf_tx *d = &m->dtx;
	char digit = d->q[d->qh].digit;
	uint16_t dur_ms = d->q[d->qh].dur_ms;
	uint16_t seq;
	bool marker;

	d->qh = (d->qh + 1) % MEDIA_DTMF_QLEN;
	--d->qn;

	if (m->prm.dtmf_pt < 0 || !media_mep_can_send(m)) {
		log_warn(m->ctx, "DTMF '%c' not sent: no telephone-event "
			 "or not sending", digit);
		return false;
	}

	/* the event's timestamp is where the next audio frame would be */
	media_tx_stamp_gen(&m->tx, wk->now, MEDIA_FRAME, &seq, &d->ts,
			   &marker);
	m->tx.seq = (uint16_t)(seq - 1);   /* tx_packet() takes it */

	d->active = true;
	d->code = (uint8_t)media_dtmf_code(digit);
	d->total = dur_ms * (MEDIA_SRATE / 1000u);
	d->dur = MEDIA_FRAME;
	d->ends = 0;
	tx_packet(wk, m, true, false);
	log_info(m->ctx, "DTMF '%c' sending (%u ms)", digit, dur_ms);
	return true;
}


/** One tick of DTMF sending; true if it used the stream this tick */
bool media_dtmf_tick(struct media_wk *wk, struct mep *m)
{
	struct media_dtmf_tx *d = &m->dtx;

	if (!d->active) {
		if (d->gap) {
			--d->gap;
			return false;
		}
		return d->qn ? tx_start(wk, m) : false;
	}

	if (d->dur < d->total) {
		d->dur += MEDIA_FRAME;
		if (d->dur > d->total)
			d->dur = d->total;
	}

	if (d->dur >= d->total) {
		tx_packet(wk, m, false, true);
		++d->ends;
	}
	else {
		tx_packet(wk, m, false, false);
	}

	if (d->ends >= DTMF_ENDS) {
		d->active = false;
		d->gap = DTMF_GAP_TICKS;

		/* audio resumes after the event, with a marker */
		m->tx.ts = d->ts + d->total;
		m->tx.mode = MTX_NONE;
	}

	return true;
}
