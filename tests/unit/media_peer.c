/**
 * @file tests/unit/media_peer.c  Fake RTP peers and waiting for the tests
 *
 * See media_peer.h.  Everything here runs on the re_main thread.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "cb_media.h"
#include "media_peer.h"


static void peer_read(int flags, void *arg)
{
	struct tpeer *p = arg;
	uint8_t b[TPEER_PL_MAX + 64];
	struct sa src;
	ssize_t n;
	size_t hlen;
	uint8_t pt;
	uint16_t seq;
	uint32_t ssrc;
	(void)flags;

	for (;;) {
		src.len = sizeof(src.u);
		n = recvfrom(p->fd, b, sizeof(b), MSG_DONTWAIT, &src.u.sa,
			     &src.len);
		if (n < 0)
			return;

		if (n < 12 || (b[0] >> 6) != 2) {
			++p->rx_bad;
			continue;
		}

		hlen = 12 + 4u * (b[0] & 0x0f);
		if (hlen > (size_t)n) {
			++p->rx_bad;
			continue;
		}

		pt = b[1] & 0x7f;
		seq = (uint16_t)((b[2] << 8) | b[3]);
		ssrc = ((uint32_t)b[8] << 24) | ((uint32_t)b[9] << 16) |
			((uint32_t)b[10] << 8) | b[11];

		if (p->rx && ssrc != p->ssrc)
			++p->ssrc_changes;
		if (p->rx && seq != (uint16_t)(p->seq + 1))
			++p->seq_breaks;
		if (b[1] & 0x80)
			++p->markers;

		p->ssrc = ssrc;
		p->seq = seq;
		p->src = src;
		p->last_pt = pt;
		p->last_len = (size_t)n - hlen;
		memcpy(p->last, b + hlen, p->last_len);
		++p->rx_pt[pt];
		++p->rx;

		if (pt >= 96 && p->last_len >= 4) {
			++p->ev_pkts;
			if (b[1] & 0x80)
				++p->ev_markers;
			if (b[hlen + 1] & 0x80)
				++p->ev_ends;
			p->ev_code = b[hlen];
			p->ev_dur = (uint16_t)((b[hlen + 2] << 8) |
					       b[hlen + 3]);
			p->ev_ts = ((uint32_t)b[4] << 24) |
				((uint32_t)b[5] << 16) |
				((uint32_t)b[6] << 8) | b[7];
		}
		else if (p->last_len && pt == p->audio_pt) {
			p->level = pt == MEDIA_PCMA
				? media_alaw2pcm(b[hlen])
				: media_ulaw2pcm(b[hlen]);
			if (abs(p->level - p->want_level) <=
			    abs(p->want_level) / 10 + 16)
				++p->level_hits;
		}
	}
}


int tpeer_open(struct tpeer *p, const char *ip)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->fd = -1;

	err = sa_set_str(&p->addr, ip, 0);
	if (err)
		return err;

	p->fd = socket(sa_af(&p->addr), SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (p->fd < 0)
		return errno;
	if (bind(p->fd, &p->addr.u.sa, p->addr.len) < 0)
		return errno;

	p->addr.len = sizeof(p->addr.u);
	if (getsockname(p->fd, &p->addr.u.sa, &p->addr.len) < 0)
		return errno;

	return fd_listen(p->fd, FD_READ, peer_read, p);
}


void tpeer_close(struct tpeer *p)
{
	if (p->fd < 0)
		return;

	fd_close(p->fd);
	close(p->fd);
	p->fd = -1;
}


int tpeer_send_raw(struct tpeer *p, const struct sa *dst, const void *buf,
		   size_t len)
{
	if (sendto(p->fd, buf, len, 0, &dst->u.sa, dst->len) < 0)
		return errno;
	return 0;
}


int tpeer_send(struct tpeer *p, const struct sa *dst, uint8_t pt,
	       uint16_t seq, uint32_t ts, uint32_t ssrc, bool marker,
	       const uint8_t *pl, size_t len)
{
	uint8_t b[TPEER_PL_MAX];

	if (len + 12 > sizeof(b))
		return EINVAL;

	b[0] = 0x80;
	b[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = (uint8_t)(ts >> 24);
	b[5] = (uint8_t)(ts >> 16);
	b[6] = (uint8_t)(ts >> 8);
	b[7] = (uint8_t)ts;
	b[8] = (uint8_t)(ssrc >> 24);
	b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
	if (len)
		memcpy(b + 12, pl, len);

	return tpeer_send_raw(p, dst, b, len + 12);
}


struct twait {
	bool (*cond)(void *arg);
	void *arg;
	bool timeout;
	struct tmr poll, deadline;
};


static void poll_h(void *arg)
{
	struct twait *w = arg;

	if (w->cond(w->arg)) {
		re_cancel();
		return;
	}
	tmr_start(&w->poll, 2, poll_h, w);
}


static void deadline_h(void *arg)
{
	struct twait *w = arg;

	w->timeout = true;
	re_cancel();
}


int twait(bool (*cond)(void *arg), void *arg, uint32_t ms)
{
	struct twait w;
	bool ok;

	if (cond(arg))
		return 0;

	memset(&w, 0, sizeof(w));
	w.cond = cond;
	w.arg = arg;
	tmr_init(&w.poll);
	tmr_init(&w.deadline);
	tmr_start(&w.poll, 2, poll_h, &w);
	tmr_start(&w.deadline, ms, deadline_h, &w);

	(void)re_main(NULL);

	tmr_cancel(&w.poll);
	tmr_cancel(&w.deadline);
	ok = cond(arg);
	return ok ? 0 : ETIMEDOUT;
}


bool tcond_rx(void *arg)
{
	const struct tcount *c = arg;

	return *c->n >= c->want;
}


void tmedia_cfg(struct media_config *cfg, const char *ip,
		uint32_t threads)
{
	memset(cfg, 0, sizeof(*cfg));
	(void)sa_set_str(&cfg->addr, ip, 0);
	cfg->port_min = 47000;
	cfg->port_max = 47999;
	cfg->timeout_ms = 0;
	cfg->quarantine_ms = 0;
	cfg->threads = threads;
}


void tev_h(struct media_ep *ep, const struct media_ev *ev, void *arg)
{
	struct tev *t = arg;
	(void)ep;

	if ((unsigned)ev->type < ARRAY_SIZE(t->n))
		++t->n[ev->type];
	if (ev->type == MEDIA_EV_DTMF &&
	    t->ndigits + 1 < sizeof(t->digits)) {
		t->digits[t->ndigits++] = ev->digit;
		t->dur_ms = ev->dur_ms;
	}
}


static void stream_h(void *arg)
{
	struct tstream *s = arg;
	uint8_t pl[160];

	if (!s->left)
		return;

	memset(pl, s->byte, sizeof(pl));
	(void)tpeer_send(s->p, &s->dst, s->pt, s->seq++, s->ts, s->ssrc,
			 false, pl, sizeof(pl));
	s->ts += 160;
	--s->left;
	tmr_start(&s->tmr, 20, stream_h, s);
}


void tstream_start(struct tstream *s, struct tpeer *p,
		   const struct sa *dst, uint8_t pt, uint8_t byte,
		   uint32_t count)
{
	memset(s, 0, sizeof(*s));
	tmr_init(&s->tmr);
	s->p = p;
	s->dst = *dst;
	s->pt = pt;
	s->byte = byte;
	s->left = count;
	s->seq = (uint16_t)rand_u32();
	s->ts = rand_u32();
	s->ssrc = rand_u32();
	stream_h(s);
}


void tstream_stop(struct tstream *s)
{
	s->left = 0;
	tmr_cancel(&s->tmr);
}


static void put_le32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}


/** A PCM s16 WAV file holding a sine (or silence when amp = 0) */
int twav_write(const char *path, uint32_t srate, uint16_t channels,
	       uint32_t samples, double freq, int16_t amp)
{
	uint8_t h[44];
	uint32_t bytes = samples * channels * 2;
	FILE *f;
	int err = 0;

	memcpy(h, "RIFF", 4);
	put_le32(h + 4, 36 + bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le32(h + 16, 16);
	h[20] = 1;
	h[21] = 0;
	h[22] = (uint8_t)channels;
	h[23] = 0;
	put_le32(h + 24, srate);
	put_le32(h + 28, srate * channels * 2);
	h[32] = (uint8_t)(channels * 2);
	h[33] = 0;
	h[34] = 16;
	h[35] = 0;
	memcpy(h + 36, "data", 4);
	put_le32(h + 40, bytes);

	f = fopen(path, "wb");
	if (!f)
		return errno;
	if (fwrite(h, sizeof(h), 1, f) != 1)
		err = EIO;

	for (uint32_t i = 0; !err && i < samples; i++) {
		int16_t s = (int16_t)lrint(amp * sin(2 * M_PI * freq * i /
						      srate));
		uint8_t b[2] = {(uint8_t)s, (uint8_t)((uint16_t)s >> 8)};

		for (uint16_t c = 0; c < channels; c++) {
			if (fwrite(b, 2, 1, f) != 1)
				err = EIO;
		}
	}

	if (fclose(f))
		err = EIO;
	return err;
}


uint64_t tstat_get(const struct media_ep *ep, enum tstat_field field)
{
	struct media_stats st;

	if (media_ep_stats(ep, &st))
		return 0;

	switch (field) {

	case TSTAT_RX:     return st.rx_packets;
	case TSTAT_TX:     return st.tx_packets;
	case TSTAT_STRAYS: return st.rx_strays;
	case TSTAT_JUNK:   return st.rx_junk;
	case TSTAT_DTMF:   return st.rx_dtmf;
	case TSTAT_RTCP_RX: return st.rtcp_rx;
	case TSTAT_RTCP_TX: return st.rtcp_tx;
	}
	return 0;
}


bool tcond_stat(void *arg)
{
	const struct tstat *t = arg;

	return tstat_get(t->ep, t->field) >= t->want;
}


int tparams(struct media_ep *ep, const struct sa *raddr,
	    enum media_codec codec, int dtmf_pt, enum media_dir dir)
{
	struct media_params prm;

	memset(&prm, 0, sizeof(prm));
	prm.raddr = *raddr;
	prm.codec = codec;
	prm.dtmf_pt = dtmf_pt;
	prm.dir = dir;
	return media_ep_params(ep, &prm);
}
