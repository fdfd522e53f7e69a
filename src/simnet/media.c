/**
 * @file simnet/media.c  The RTP side of one simulated call
 *
 * One RTP/RTCP socket pair per call, bound in the configured port range
 * on the address family of the caller's offer.  What is sent depends on
 * the mode the call sets: the caller's own packets sent straight back
 * (echo, re-stamped with our SSRC, sequence and a timestamp that
 * continues our own), a tone or ringback paced by the shared 20 ms
 * clock, or nothing.  Nothing is sent while the call is held (the
 * negotiated direction does not include sending) or before an SDP
 * exchange completed.  Every RTP packet received is counted; RFC 4733
 * events are reported once per event (the repeated end packets count
 * once) and never echoed.
 *
 * The per-packet path allocates nothing: echo re-uses the received
 * buffer, generated frames use one buffer allocated with the media.
 */
#include <string.h>
#include <re.h>
#define CB_LOG_SUB CB_SUB_SIM
#include "cb_core.h"
#include "simnet.h"


struct sim_media {
	const struct sim_config *cfg;   /* borrowed                     */
	struct sim_clock *clock;        /* borrowed, outlives the call  */
	struct rtp_sock *rtp;
	struct sdp_session *sdp;
	struct sdp_media *sm;           /* owned by sdp                 */
	struct mbuf *desc;              /* our last SDP, offer or answer*/
	struct mbuf *txb;               /* one generated frame          */
	struct le cle;                  /* in the clock while generating*/
	struct sim_tone tone;
	sim_dtmf_h *dtmfh;
	void *arg;
	enum sim_media_mode mode;
	struct sa raddr;
	bool negotiated;                /* an answer was given/received */
	bool held;                      /* direction excludes sending   */
	bool started;                   /* RTCP runs                    */
	bool ulaw;
	int pt;                         /* audio payload type we send   */
	int tev_pt;                     /* caller's telephone-event, -1 */
	bool marker;                    /* next packet starts a spurt   */
	bool echo_sync;                 /* echo_off valid               */
	uint32_t echo_off;
	uint32_t ts;                    /* our next RTP timestamp       */
	uint32_t tev_ts;                /* last event seen ...          */
	uint8_t tev_ev;
	bool tev_end;
	bool tev_seen;
	uint32_t rx;
	uint32_t tx;
};

static const char dtmf_chars[] = "0123456789*#ABCD";


static void destructor(void *arg)
{
	struct sim_media *m = arg;

	sim_clock_remove(m->clock, &m->cle);
	mem_deref(m->rtp);
	mem_deref(m->sdp);
	mem_deref(m->desc);
	mem_deref(m->txb);
}


/*
 * One digit per event: a packet starts a new event when its timestamp or
 * event code differs from the last one, or when it is not an end packet
 * and the last one was (the same recording played twice).
 */
static void dtmf_recv(struct sim_media *m, const struct rtp_header *hdr,
		      struct mbuf *mb)
{
	const uint8_t *p = mbuf_buf(mb);
	bool end, fresh;

	if (mbuf_get_left(mb) < 4)
		return;

	end = (p[1] & 0x80) != 0;
	fresh = !m->tev_seen || hdr->ts != m->tev_ts || p[0] != m->tev_ev ||
		(m->tev_end && !end);

	m->tev_seen = true;
	m->tev_ts = hdr->ts;
	m->tev_ev = p[0];
	m->tev_end = end;

	if (fresh && p[0] < sizeof(dtmf_chars) - 1 && m->dtmfh)
		m->dtmfh(dtmf_chars[p[0]], m->arg);
}


static bool can_send(const struct sim_media *m)
{
	return m->rtp && m->negotiated && !sim_media_held(m) &&
		sa_isset(&m->raddr, SA_ALL);
}


static void rtp_recv(const struct sa *src, const struct rtp_header *hdr,
		     struct mbuf *mb, void *arg)
{
	struct sim_media *m = arg;
	uint32_t ts;
	(void)src;

	++m->rx;

	if (m->tev_pt >= 0 && hdr->pt == m->tev_pt) {
		dtmf_recv(m, hdr, mb);
		return;
	}

	if (m->mode != SIM_MEDIA_ECHO || hdr->pt != m->pt || !can_send(m))
		return;

	/* continue our own timeline from wherever the caller's starts */
	if (!m->echo_sync) {
		m->echo_off = m->ts - hdr->ts;
		m->echo_sync = true;
	}
	ts = hdr->ts + m->echo_off;

	if (0 == rtp_send(m->rtp, &m->raddr, false, m->marker || hdr->m,
			  (uint8_t)m->pt, ts, mb)) {
		++m->tx;
		m->marker = false;
	}
	m->ts = ts + (uint32_t)mbuf_get_left(mb);
}


static void rtcp_recv(const struct sa *src, struct rtcp_msg *msg, void *arg)
{
	(void)src;
	(void)msg;
	(void)arg;
}


/** The clock's tick: one generated frame */
void sim_media_tick(void *arg)
{
	struct sim_media *m = arg;
	struct mbuf *mb = m->txb;

	if (!can_send(m)) {
		m->ts += SIM_FRAME;
		return;
	}

	mb->pos = RTP_HEADER_SIZE;
	mb->end = RTP_HEADER_SIZE + SIM_FRAME;
	sim_tone_g711(&m->tone, mbuf_buf(mb), SIM_FRAME, m->ulaw);

	if (0 == rtp_send(m->rtp, &m->raddr, false, m->marker,
			  (uint8_t)m->pt, m->ts, mb)) {
		++m->tx;
		m->marker = false;
	}
	m->ts += SIM_FRAME;
}


int sim_media_alloc(struct sim_media **mp, const struct sim_config *cfg,
		    struct sim_clock *clock, sim_dtmf_h *dtmfh, void *arg)
{
	struct sim_media *m;
	int err;

	if (!mp || !cfg || !clock)
		return EINVAL;

	m = mem_zalloc(sizeof(*m), destructor);
	if (!m)
		return ENOMEM;

	m->cfg = cfg;
	m->clock = clock;
	m->dtmfh = dtmfh;
	m->arg = arg;
	m->tev_pt = -1;
	m->pt = -1;
	m->ts = rand_u32();

	m->txb = mbuf_alloc(RTP_HEADER_SIZE + SIM_FRAME);
	if (!m->txb) {
		err = ENOMEM;
		goto out;
	}

	err = sim_sdp_alloc(&m->sdp, &m->sm);

 out:
	if (err)
		mem_deref(m);
	else
		*mp = m;

	return err;
}


/* bind RTP on the family the peer uses (IPv4 when we offer first) */
static int rtp_bind(struct sim_media *m, int af)
{
	const struct sa *ip;
	struct sa laddr;
	int err;

	if (m->rtp)
		return 0;

	ip = af == AF_INET6 ? &m->cfg->rtp_addr6 : &m->cfg->rtp_addr4;
	if (!sa_isset(ip, SA_ADDR))
		return EAFNOSUPPORT;

	err = rtp_listen(&m->rtp, IPPROTO_UDP, ip, m->cfg->rtp_min,
			 m->cfg->rtp_max, true, rtp_recv, rtcp_recv, m);
	if (err)
		return err;

	laddr = *rtp_local(m->rtp);
	sdp_session_set_laddr(m->sdp, &laddr);
	sdp_media_set_lport(m->sm, sa_port(&laddr));
	sdp_media_set_lport_rtcp(m->sm, sa_port(&laddr) + 1);
	rtcp_set_srate(m->rtp, SIM_SRATE, SIM_SRATE);

	return 0;
}


static int remote_update(struct sim_media *m)
{
	bool held;
	int err;

	err = sim_sdp_choose(m->sm, &m->ulaw, &m->pt, &m->tev_pt);
	if (err)
		return err;

	m->raddr = *sdp_media_raddr(m->sm);
	m->negotiated = true;

	held = !(sdp_media_dir(m->sm) & SDP_SENDONLY) ||
		sa_is_any(&m->raddr);
	if (held != m->held) {
		m->held = held;
		/* a new talk spurt after hold, and re-sync the echo */
		m->marker = true;
		m->echo_sync = false;
	}

	return 0;
}


/**
 * Take the caller's offer (INVITE or re-INVITE) and prepare our answer.
 * ENOTSUP: nothing we can speak (the caller gets 488).
 */
int sim_media_offer(struct sim_media *m, struct mbuf *offer)
{
	int err;

	if (!m || !offer)
		return EINVAL;

	err = sdp_decode(m->sdp, offer, true);
	if (err)
		return err == ENOTSUP ? ENOTSUP : EPROTO;

	/* fail with 488 before binding anything */
	err = sim_sdp_choose(m->sm, &m->ulaw, &m->pt, &m->tev_pt);
	if (err)
		return err;

	err = rtp_bind(m, sa_af(sdp_media_raddr(m->sm)));
	if (err)
		return err == EAFNOSUPPORT ? ENOTSUP : err;

	err = remote_update(m);
	if (err)
		return err;

	m->desc = mem_deref(m->desc);
	return sdp_encode(&m->desc, m->sdp, false);
}


/** The caller's answer to our offer (late-offer INVITE, in the ACK) */
int sim_media_answer(struct sim_media *m, struct mbuf *answer)
{
	int err;

	if (!m || !answer)
		return EINVAL;

	err = sdp_decode(m->sdp, answer, false);
	if (err)
		return EPROTO;

	return remote_update(m);
}


/**
 * Our current SDP for a 183/200: the answer prepared from the offer, or
 * a fresh offer when the INVITE came without one.  Returns a reference.
 */
int sim_media_desc(struct sim_media *m, struct mbuf **descp)
{
	int err;

	if (!m || !descp)
		return EINVAL;

	if (!m->desc) {
		err = rtp_bind(m, AF_INET);
		if (err == EAFNOSUPPORT)
			err = rtp_bind(m, AF_INET6);
		if (err)
			return err;

		err = sdp_encode(&m->desc, m->sdp, true);
		if (err)
			return err;
	}

	*descp = mem_ref(m->desc);
	return 0;
}


/** Start RTCP toward the peer; called when media first flows */
void sim_media_start(struct sim_media *m)
{
	struct sa rtcp;

	if (!m || m->started || !m->rtp || !m->negotiated)
		return;

	sdp_media_raddr_rtcp(m->sm, &rtcp);
	rtcp_start(m->rtp, "cb-simnet", &rtcp);
	m->started = true;
}


void sim_media_set_mode(struct sim_media *m, enum sim_media_mode mode,
			uint32_t freq)
{
	if (!m)
		return;

	m->mode = mode;
	m->marker = true;
	m->echo_sync = false;

	switch (mode) {

	case SIM_MEDIA_TONE:
		sim_tone_init(&m->tone, freq, 0, 0, 0);
		sim_clock_add(m->clock, &m->cle, m);
		break;

	case SIM_MEDIA_RINGBACK:
		sim_tone_init(&m->tone, 440, 480, 2000, 4000);
		sim_clock_add(m->clock, &m->cle, m);
		break;

	default:
		sim_clock_remove(m->clock, &m->cle);
		break;
	}
}


/** Held: the negotiated direction does not let us send */
bool sim_media_held(const struct sim_media *m)
{
	return m ? m->held : false;
}


const char *sim_media_codec(const struct sim_media *m)
{
	if (!m || !m->negotiated)
		return "";

	return m->ulaw ? "PCMU" : "PCMA";
}


void sim_media_counters(const struct sim_media *m, uint32_t *rxp,
			uint32_t *txp)
{
	if (rxp)
		*rxp = m ? m->rx : 0;
	if (txp)
		*txp = m ? m->tx : 0;
}
