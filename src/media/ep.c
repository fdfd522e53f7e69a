/**
 * @file media/ep.c  Endpoint handles: the main side of an endpoint
 *
 * `struct media_ep` is the caller's handle, owned by the re_main thread;
 * the packet state (`struct mep`) lives on a worker.  Every call here
 * validates its arguments, updates the handle's mirror of the endpoint's
 * relations (bridge peer, mixer) and queues a command; nothing here waits
 * for the worker.  mem_deref() of the handle releases the port (it enters
 * quarantine), drops the slot so no event reaches the caller any more, and
 * queues CLOSE; the worker closes the sockets and frees the state.
 *
 * A bridge needs both endpoints on one worker: media_ep_move() moves the
 * second one (DETACH on the old worker, ATTACH on the new one).
 */
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "cb_media.h"
#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "media/media.h"


static int push(struct media_ep *ep, enum media_cmd_type type,
		struct mcmd *c)
{
	c->type = type;
	c->ep = ep->m;
	return media_cmd_push(ep->wk, c);
}


static int push0(struct media_ep *ep, enum media_cmd_type type)
{
	struct mcmd c;

	memset(&c, 0, sizeof(c));
	return push(ep, type, &c);
}


static bool alive(const struct media_ep *ep)
{
	return ep && ep->m && media_running();
}


/** Forget the bridge peer / mixer, on both sides (main thread) */
void media_ep_base_drop(struct media_ep *ep)
{
	if (ep->peer) {
		struct media_ep *p = ep->peer;

		(void)push0(ep, MCMD_UNBRIDGE);
		(void)push0(p, MCMD_UNBRIDGE);
		p->peer = NULL;
		ep->peer = NULL;
	}
	if (ep->mx)
		(void)media_mixer_remove(ep->mx, ep);
}


int media_ep_move(struct media_ep *ep, struct media_wk *wk)
{
	struct mcmd c;
	int err;

	if (ep->wk == wk)
		return 0;

	err = push0(ep, MCMD_DETACH);
	if (err)
		return err;

	--ep->wk->load;
	ep->wk = wk;
	++wk->load;
	memset(&c, 0, sizeof(c));
	c.hop = ++ep->hops;
	return push(ep, MCMD_ATTACH, &c);
}


static void destructor(void *arg)
{
	struct media_ep *ep = arg;

	if (ep->peer) {
		ep->peer->peer = NULL;
		ep->peer = NULL;
	}
	if (ep->mx) {
		list_unlink(&ep->mxle);
		ep->mx = NULL;
	}

	if (!alive(ep))
		return;

	media_tab_set(ep->slot, NULL);
	media_port_release(ep->slot);
	--ep->wk->load;
	if (push0(ep, MCMD_CLOSE))
		log_err(ep->m->ctx, "cannot queue close: endpoint leaked");
}


int media_ep_alloc(struct media_ep **epp, const char *ctx,
		   media_ev_h *evh, void *arg)
{
	struct media_ep *ep;
	struct mep *m;
	struct mcmd c;
	int err;

	if (!epp)
		return EINVAL;
	if (!media_running())
		return ENODEV;

	ep = mem_zalloc(sizeof(*ep), destructor);
	if (!ep)
		return ENOMEM;

	m = mem_zalloc(sizeof(*m), NULL);
	if (!m) {
		mem_deref(ep);
		return ENOMEM;
	}

	err = media_port_alloc(&m->slot, &m->fd_rtp, &m->fd_rtcp,
			       &ep->laddr);
	if (err) {
		log_warn(ctx, "no RTP port pair free (%m)", err);
		mem_deref(m);
		mem_deref(ep);
		return err;
	}

	m->gen = media_gen_next();
	memcpy(&m->laddr.u, &ep->laddr.u, sizeof(ep->laddr.u));
	m->laddr.len = ep->laddr.len;
	str_ncpy(m->ctx, ctx ? ctx : "", sizeof(m->ctx));
	media_tx_init(&m->tx, rand_u32(), rand_u32());
	m->prm.dtmf_pt = -1;

	ep->evh = evh;
	ep->arg = arg;
	ep->slot = m->slot;
	ep->gen = m->gen;
	ep->prm.dtmf_pt = -1;
	ep->wk = media_wk_pick();

	/* from here the worker owns the state and the sockets */
	memset(&c, 0, sizeof(c));
	c.type = MCMD_ATTACH;
	c.hop = ep->hops = 1;
	c.ep = m;
	err = media_cmd_push(ep->wk, &c);
	if (err) {
		close(m->fd_rtp);
		close(m->fd_rtcp);
		media_port_release(m->slot);
		mem_deref(m);
		mem_deref(ep);
		return err;
	}
	ep->m = m;
	++ep->wk->load;
	media_tab_set(ep->slot, ep);

	log_debug(m->ctx, "media endpoint %J", &ep->laddr);
	*epp = ep;
	return 0;
}


void media_ep_laddr(const struct media_ep *ep, struct sa *rtp)
{
	if (!ep || !rtp)
		return;

	*rtp = ep->laddr;
}


static int addr_conv(struct maddr *dst, const struct sa *src, int af)
{
	memset(dst, 0, sizeof(*dst));
	if (!sa_isset(src, SA_ALL))
		return 0;
	if (sa_af(src) != af)
		return EAFNOSUPPORT;

	memcpy(&dst->u, &src->u, sizeof(src->u));
	dst->len = src->len;
	return 0;
}


int media_ep_params(struct media_ep *ep, const struct media_params *prm)
{
	int af, err;
	struct mcmd c;

	if (!alive(ep) || !prm)
		return EINVAL;
	if (prm->codec != MEDIA_PCMU && prm->codec != MEDIA_PCMA)
		return ENOTSUP;
	if (prm->dtmf_pt > 127 || prm->dtmf_pt < -1 ||
	    prm->dtmf_pt == (int)prm->codec)
		return EINVAL;
	if ((unsigned)prm->dir > MEDIA_SENDRECV)
		return EINVAL;

	memset(&c, 0, sizeof(c));
	af = sa_af(&ep->laddr);
	err = addr_conv(&c.u.prm.raddr, &prm->raddr, af);
	if (!err && sa_isset(&prm->raddr_rtcp, SA_ALL))
		err = addr_conv(&c.u.prm.raddr_rtcp, &prm->raddr_rtcp, af);
	if (err)
		return err;

	c.u.prm.set = true;
	c.u.prm.codec = (uint8_t)prm->codec;
	c.u.prm.dtmf_pt = (int16_t)prm->dtmf_pt;
	c.u.prm.dir = (uint8_t)prm->dir;

	err = push(ep, MCMD_PARAMS, &c);
	if (!err)
		ep->prm = c.u.prm;
	return err;
}


int media_ep_stats(const struct media_ep *ep, struct media_stats *st)
{
	const struct mstats *s;

	if (!alive(ep) || !st)
		return EINVAL;

	s = &ep->m->st;
	memset(st, 0, sizeof(*st));
	st->rx_packets = atomic_load_explicit(&s->rx_packets,
					      memory_order_relaxed);
	st->rx_bytes   = atomic_load_explicit(&s->rx_bytes,
					      memory_order_relaxed);
	st->tx_packets = atomic_load_explicit(&s->tx_packets,
					      memory_order_relaxed);
	st->tx_bytes   = atomic_load_explicit(&s->tx_bytes,
					      memory_order_relaxed);
	st->rx_lost    = atomic_load_explicit(&s->rx_lost,
					      memory_order_relaxed);
	st->rx_strays  = atomic_load_explicit(&s->rx_strays,
					      memory_order_relaxed);
	st->rx_junk    = atomic_load_explicit(&s->rx_junk,
					      memory_order_relaxed);
	st->tx_errors  = atomic_load_explicit(&s->tx_errors,
					      memory_order_relaxed);
	st->rtcp_rx    = atomic_load_explicit(&s->rtcp_rx,
					      memory_order_relaxed);
	st->rtcp_tx    = atomic_load_explicit(&s->rtcp_tx,
					      memory_order_relaxed);
	st->rx_dtmf    = atomic_load_explicit(&s->rx_dtmf,
					      memory_order_relaxed);
	st->jitter_us  = atomic_load_explicit(&s->jitter_us,
					      memory_order_relaxed);
	st->rtt_ms     = atomic_load_explicit(&s->rtt_ms,
					      memory_order_relaxed);
	st->peer_lost  = atomic_load_explicit(&s->peer_lost,
					      memory_order_relaxed);
	st->latched    = atomic_load_explicit(&s->latched,
					      memory_order_relaxed);
	return 0;
}


static const char *dir_name(uint8_t dir)
{
	static const char *names[] = {"inactive", "recvonly", "sendonly",
				      "sendrecv"};

	return dir < ARRAY_SIZE(names) ? names[dir] : "?";
}


int media_ep_debug(struct re_printf *pf, const struct media_ep *ep)
{
	struct media_stats st;
	int err;

	if (!ep)
		return 0;
	if (media_ep_stats(ep, &st))
		return re_hprintf(pf, "media_ep %J (closed)\n", &ep->laddr);

	err = re_hprintf(pf, "media_ep %J [%s] codec=%u dtmf_pt=%d dir=%s"
			 "%s%s\n", &ep->laddr, ep->m->ctx, ep->prm.codec,
			 ep->prm.dtmf_pt, dir_name(ep->prm.dir),
			 ep->peer ? " bridged" : "",
			 ep->mx ? " mixer" : "");
	err |= re_hprintf(pf, "  rx: packets=%llu bytes=%llu lost=%llu "
			  "strays=%llu junk=%llu dtmf=%u jitter_us=%u "
			  "latched=%s\n",
			  (unsigned long long)st.rx_packets,
			  (unsigned long long)st.rx_bytes,
			  (unsigned long long)st.rx_lost,
			  (unsigned long long)st.rx_strays,
			  (unsigned long long)st.rx_junk, st.rx_dtmf,
			  st.jitter_us, st.latched ? "yes" : "no");
	err |= re_hprintf(pf, "  tx: packets=%llu bytes=%llu errors=%llu "
			  "rtcp rx=%llu tx=%llu rtt_ms=%u peer_lost=%d\n",
			  (unsigned long long)st.tx_packets,
			  (unsigned long long)st.tx_bytes,
			  (unsigned long long)st.tx_errors,
			  (unsigned long long)st.rtcp_rx,
			  (unsigned long long)st.rtcp_tx, st.rtt_ms,
			  st.peer_lost);
	return err;
}


int media_ep_bridge(struct media_ep *a, struct media_ep *b)
{
	struct mcmd c;
	int err;

	if (!alive(a) || !alive(b) || a == b)
		return EINVAL;
	if (a->peer == b)
		return 0;

	media_ep_base_drop(a);
	media_ep_base_drop(b);

	err = media_ep_move(b, a->wk);
	if (err)
		return err;

	memset(&c, 0, sizeof(c));
	c.ep2 = b->m;
	err = push(a, MCMD_BRIDGE, &c);
	if (err)
		return err;

	a->peer = b;
	b->peer = a;
	return 0;
}


int media_ep_unbridge(struct media_ep *ep)
{
	if (!alive(ep))
		return EINVAL;
	if (!ep->peer)
		return 0;

	media_ep_base_drop(ep);
	return 0;
}


int media_ep_play(struct media_ep *ep, const char *wav_path, bool loop)
{
	struct mplay *p = NULL;
	struct mcmd c;
	int err;

	if (!alive(ep) || !wav_path)
		return EINVAL;

	err = media_play_open(&p, wav_path, loop);
	if (err) {
		log_warn(ep->m->ctx, "cannot play %s (%m)", wav_path, err);
		return err;
	}

	memset(&c, 0, sizeof(c));
	c.u.play = p;
	err = push(ep, MCMD_PLAY, &c);
	if (err)
		mem_deref(p);
	return err;
}


int media_ep_tone(struct media_ep *ep, enum media_tone tone, bool loop)
{
	struct mcmd c;

	if (!alive(ep) || (unsigned)tone > MEDIA_TONE_BUSY)
		return EINVAL;

	memset(&c, 0, sizeof(c));
	c.u.tone.tone = tone;
	c.u.tone.loop = loop;
	return push(ep, MCMD_TONE, &c);
}


int media_ep_echo(struct media_ep *ep, bool on)
{
	struct mcmd c;

	if (!alive(ep))
		return EINVAL;

	if (on)
		media_ep_base_drop(ep);

	memset(&c, 0, sizeof(c));
	c.u.on = on;
	return push(ep, MCMD_ECHO, &c);
}


int media_ep_stop(struct media_ep *ep)
{
	if (!alive(ep))
		return EINVAL;

	return push0(ep, MCMD_STOP);
}


int media_ep_dtmf_send(struct media_ep *ep, char digit, uint32_t dur_ms)
{
	struct mcmd c;

	if (!alive(ep) || media_dtmf_code(digit) < 0)
		return EINVAL;
	if (ep->prm.dtmf_pt < 0)
		return ENOTSUP;

	memset(&c, 0, sizeof(c));
	c.u.dtmf.digit = digit;
	c.u.dtmf.dur_ms = dur_ms;
	return push(ep, MCMD_DTMF, &c);
}


int media_ep_mute(struct media_ep *ep, bool mute)
{
	struct mcmd c;

	if (!alive(ep))
		return EINVAL;

	memset(&c, 0, sizeof(c));
	c.u.on = mute;
	return push(ep, MCMD_MUTE, &c);
}


int media_ep_deaf(struct media_ep *ep, bool deaf)
{
	struct mcmd c;

	if (!alive(ep))
		return EINVAL;

	memset(&c, 0, sizeof(c));
	c.u.on = deaf;
	return push(ep, MCMD_DEAF, &c);
}
