/**
 * @file media/mep.c  Endpoint state on its worker: lifecycle and the tick
 *
 * Runs on the owning worker only.  An endpoint enters a worker with
 * media_mep_attach() (sockets into the epoll set, owner published with
 * release order), leaves with media_mep_detach() (relations dropped,
 * owner cleared at the end of the loop round) and dies with
 * media_mep_close() (sockets closed; memory freed on the worker after the
 * current loop round, once the main side released its handle).
 *
 * The base source (bridge / echo / mixer) and the overlay (prompt / tone)
 * are switched only through media_mep_base_clear() and
 * media_mep_over_set(), so a bridge is always symmetric (a.peer == b iff
 * b.peer == a) and a prompt is always freed once.
 *
 * media_mep_tick() is the per-endpoint part of the 20 ms clock: DTMF
 * sending, the overlay's next frame, RTCP every ~5 s, and the inactivity
 * check.
 */
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "cb_media.h"
#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "media/media.h"


static uint64_t rtcp_interval(struct media_wk *wk)
{
	/* 5 s +- 50 %, so thousands of endpoints do not report in step */
	return MEDIA_RTCP_MS / 2 + media_wk_rand(wk) % MEDIA_RTCP_MS;
}


void media_mep_attach(struct media_wk *wk, struct mep *m, uint32_t hop)
{
	int err;

	err = media_wk_watch(wk, m);
	if (err)
		log_err(m->ctx, "cannot watch RTP sockets (%m): endpoint deaf",
			err);

	list_append(&wk->eps, &m->le, m);
	m->attached = true;
	m->hop = hop;
	/* the first report comes early (1-2 s): quality stats sooner */
	if (!m->rtcp_next_ms)
		m->rtcp_next_ms = wk->now + 1000 + media_wk_rand(wk) % 1000;
	m->last_rx_ms = wk->now;
	atomic_fetch_add(&wk->nep, 1);
	atomic_store_explicit(&m->owner, wk, memory_order_release);
}


static void unlink_here(struct media_wk *wk, struct mep *m)
{
	media_wk_pause(wk, m, false);
	media_mep_base_clear(m);
	media_wk_unwatch(wk, m);
	list_unlink(&m->le);
	m->attached = false;
	atomic_fetch_sub(&wk->nep, 1);
}


/*
 * Ownership is released only after this loop round (media_wk_reap()):
 * until then the round's events may still read m->owner, and no other
 * worker may take it and free it under our feet.
 */
void media_mep_detach(struct media_wk *wk, struct mep *m)
{
	unlink_here(wk, m);
	list_append(&wk->handoff, &m->le, m);
}


void media_mep_close(struct media_wk *wk, struct mep *m)
{
	unlink_here(wk, m);
	media_mep_over_set(m, MOVER_NONE, NULL);
	close(m->fd_rtp);
	close(m->fd_rtcp);
	log_debug(m->ctx, "media endpoint closed: rx=%llu tx=%llu lost=%llu",
		  (unsigned long long)atomic_load(&m->st.rx_packets),
		  (unsigned long long)atomic_load(&m->st.tx_packets),
		  (unsigned long long)atomic_load(&m->st.rx_lost));

	/* freed after this round: its events may still be in the batch */
	list_append(&wk->grave, &m->le, m);
}


void media_mep_params(struct media_wk *wk, struct mep *m, const struct mprm *p)
{
	m->prm = *p;

	/* new SDP: send there again until RTP from the peer latches us */
	m->latched = false;
	m->latched_rtcp = false;
	memset(&m->latch, 0, sizeof(m->latch));
	memset(&m->latch_rtcp, 0, sizeof(m->latch_rtcp));
	atomic_store_explicit(&m->st.latched, false, memory_order_relaxed);
	m->last_rx_ms = wk->now;

	log_debug(m->ctx, "params: codec=%u dtmf_pt=%d dir=%u", p->codec,
		  p->dtmf_pt, p->dir);
}


void media_mep_base_clear(struct mep *m)
{
	if (!m)
		return;

	switch (m->base) {

	case MBASE_BRIDGE:
		if (m->peer && m->peer->peer == m) {
			m->peer->peer = NULL;
			m->peer->base = MBASE_NONE;
		}
		break;

	case MBASE_MIXER:
		media_mix_remove(m);
		break;

	default:
		break;
	}

	m->peer = NULL;
	m->base = MBASE_NONE;
}


void media_mep_over_set(struct mep *m, enum mover over, struct mplay *play)
{
	if (!m)
		return;

	m->play = mem_deref(m->play);
	m->over = over;
	m->play = play;
}


const struct maddr *media_mep_dst(const struct mep *m)
{
	if (m->latched)
		return &m->latch;

	return m->prm.raddr.len ? &m->prm.raddr : NULL;
}


/** May anything be sent toward this endpoint's peer at all? */
bool media_mep_can_send(const struct mep *m)
{
	return m->prm.set && (m->prm.dir & MEDIA_DIR_SEND) && media_mep_dst(m);
}


/** May the base source (relay, echo, mixer) send right now? */
bool media_mep_base_may_send(const struct mep *m)
{
	return m->over == MOVER_NONE && !m->dtx.active &&
		media_mep_can_send(m);
}


static void over_tick(struct media_wk *wk, struct mep *m, bool dtmf)
{
	bool last = false;
	int err = 0;

	if (m->over == MOVER_PLAY)
		err = media_play_frame(m->play, wk->pcm, &last);
	else
		last = !media_tone_frame(&m->tone, wk->pcm);

	if (err) {
		log_warn(m->ctx, "prompt read failed (%m), stopped", err);
		last = true;
	}
	else if (!dtmf && media_mep_can_send(m)) {
		media_tx_send_pcm(wk, m, wk->pcm);
	}

	if (last) {
		media_mep_over_set(m, MOVER_NONE, NULL);
		media_ev_post(m, MEDIA_EV_PLAY_DONE, 0, 0);
	}
}


void media_mep_tick(struct media_wk *wk, struct mep *m)
{
	uint32_t tmo = media_cfg()->timeout_ms;
	bool dtmf;

	dtmf = media_dtmf_tick(wk, m);

	if (m->over != MOVER_NONE)
		over_tick(wk, m, dtmf);

	if (m->prm.set && wk->now >= m->rtcp_next_ms) {
		media_rtcp_send(wk, m);
		m->rtcp_next_ms = wk->now + rtcp_interval(wk);
	}

	if (tmo && m->started && !m->timed_out &&
	    (m->prm.dir & MEDIA_DIR_RECV) &&
	    wk->now - m->last_rx_ms >= tmo) {
		m->timed_out = true;
		log_info(m->ctx, "no RTP for %u ms", tmo);
		media_ev_post(m, MEDIA_EV_RTP_TIMEOUT, 0, 0);
	}
}
