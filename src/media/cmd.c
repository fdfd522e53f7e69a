/**
 * @file media/cmd.c  Commands from the main side to a worker
 *
 * Each worker has a ring of `struct mcmd` under `qlock`, grown by the
 * main side when full (never by the worker, which never allocates for a
 * command).  The main side writes the eventfd after every push; the
 * worker drains the ring completely except when the head names an
 * endpoint that this worker does not own yet (it is still being moved
 * from another worker): then it stops, sets `deferred` and retries on the
 * next tick (or sooner: the worker that releases an endpoint wakes the
 * others).  Meanwhile the endpoints named by the waiting commands have
 * their sockets paused, so no packet of theirs is handled before, say,
 * the bridge that waits behind the move.  Commands keep their order, so
 * a command for an endpoint is always seen after the ATTACH that brings
 * the endpoint here.
 *
 * Objects riding in a command (a prompt, a mixer member, a fresh
 * endpoint) belong to the worker once pushed.
 */
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "cb_media.h"
#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "media/media.h"


/* main thread */
int media_cmd_push(struct media_wk *wk, const struct mcmd *c)
{
	uint64_t one = 1;
	int err = 0;

	if (!wk)
		return ENODEV;

	pthread_mutex_lock(&wk->qlock);
	if (wk->qlen == wk->qcap) {
		size_t ncap = wk->qcap ? wk->qcap * 2 : 256;
		struct mcmd *nq = mem_zalloc(ncap * sizeof(*nq), NULL);

		if (!nq) {
			err = ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < wk->qlen; i++)
			nq[i] = wk->q[(wk->qhead + i) % wk->qcap];
		mem_deref(wk->q);
		wk->q = nq;
		wk->qcap = ncap;
		wk->qhead = 0;
	}
	wk->q[(wk->qhead + wk->qlen) % wk->qcap] = *c;
	++wk->qlen;

 out:
	pthread_mutex_unlock(&wk->qlock);
	/* always: a worker waiting on a move must see every new command */
	if (!err && write(wk->evfd, &one, sizeof(one)) < 0)
		log_warn(NULL, "worker %u: eventfd write: %m", wk->id, errno);
	return err;
}


static bool owned(const struct media_wk *wk, const struct mep *m)
{
	return !m || atomic_load_explicit(&m->owner,
					  memory_order_acquire) == wk;
}


/* called with qlock held */
static bool cmd_ready(const struct media_wk *wk, const struct mcmd *c)
{
	/* free, and released by the previous hop (not merely unborn) */
	if (c->type == MCMD_ATTACH)
		return atomic_load_explicit(&c->ep->owner,
					    memory_order_acquire) == NULL &&
			atomic_load_explicit(&c->ep->released,
					     memory_order_relaxed) ==
			c->hop - 1;

	return owned(wk, c->ep) && owned(wk, c->ep2);
}


/** Free what a command carries when it cannot run (engine shutdown) */
void media_cmd_discard(struct mcmd *c)
{
	switch (c->type) {

	case MCMD_ATTACH:
		/* a fresh endpoint that never reached its worker */
		if (c->ep && !c->ep->le.list) {
			close(c->ep->fd_rtp);
			close(c->ep->fd_rtcp);
			mem_deref(c->ep);
		}
		break;

	case MCMD_PLAY:
		mem_deref(c->u.play);
		break;

	case MCMD_MIX_ADD:
		mem_deref(c->u.mb);
		break;

	case MCMD_MIX_OPEN:
		mem_deref(c->mx);
		break;

	default:
		break;
	}
}


static void cmd_exec(struct media_wk *wk, struct mcmd *c)
{
	struct mep *m = c->ep;

	switch (c->type) {

	case MCMD_ATTACH:
		media_mep_attach(wk, m, c->hop);
		break;

	case MCMD_DETACH:
		media_mep_detach(wk, m);
		break;

	case MCMD_CLOSE:
		media_mep_close(wk, m);
		break;

	case MCMD_PARAMS:
		media_mep_params(wk, m, &c->u.prm);
		break;

	case MCMD_BRIDGE:
		media_mep_base_clear(m);
		media_mep_base_clear(c->ep2);
		media_mep_over_set(m, MOVER_NONE, NULL);
		media_mep_over_set(c->ep2, MOVER_NONE, NULL);
		m->base = MBASE_BRIDGE;
		m->peer = c->ep2;
		c->ep2->base = MBASE_BRIDGE;
		c->ep2->peer = m;
		log_debug(m->ctx, "bridged with [%s]", c->ep2->ctx);
		break;

	case MCMD_UNBRIDGE:
		if (m->base == MBASE_BRIDGE)
			media_mep_base_clear(m);
		break;

	case MCMD_PLAY:
		media_mep_over_set(m, MOVER_PLAY, c->u.play);
		break;

	case MCMD_TONE:
		if (!media_tone_setup(&m->tone, c->u.tone.tone,
				      c->u.tone.loop))
			media_mep_over_set(m, MOVER_TONE, NULL);
		break;

	case MCMD_ECHO:
		if (c->u.on) {
			media_mep_base_clear(m);
			media_mep_over_set(m, MOVER_NONE, NULL);
			m->base = MBASE_ECHO;
		}
		else if (m->base == MBASE_ECHO) {
			media_mep_base_clear(m);
		}
		break;

	case MCMD_STOP:
		media_mep_over_set(m, MOVER_NONE, NULL);
		if (m->base == MBASE_ECHO)
			media_mep_base_clear(m);
		break;

	case MCMD_DTMF:
		media_dtmf_queue(m, c->u.dtmf.digit, c->u.dtmf.dur_ms);
		break;

	case MCMD_MUTE:
		m->mute = c->u.on;
		break;

	case MCMD_DEAF:
		m->deaf = c->u.on;
		break;

	case MCMD_MIX_OPEN:
		list_append(&wk->mixers, &c->mx->le, c->mx);
		break;

	case MCMD_MIX_CLOSE:
		list_unlink(&c->mx->le);
		media_mix_close(c->mx);
		break;

	case MCMD_MIX_ADD:
		media_mep_base_clear(m);
		media_mep_over_set(m, MOVER_NONE, NULL);
		if (media_mix_add(c->mx, m, c->u.mb)) {
			log_warn(m->ctx, "mixer add failed");
			mem_deref(c->u.mb);
		}
		break;

	case MCMD_MIX_REMOVE:
		if (m->mb && m->mb->mx == c->mx)
			media_mep_base_clear(m);
		break;

	case MCMD_QUIT:
		wk->quit = true;
		break;
	}
}


/* called with qlock held: pause our endpoints named behind the head */
static void hold_pending(struct media_wk *wk)
{
	for (size_t i = 0; i < wk->qlen; i++) {
		struct mcmd *c = &wk->q[(wk->qhead + i) % wk->qcap];

		if (c->type == MCMD_ATTACH || c->type == MCMD_QUIT)
			continue;
		if (c->ep && owned(wk, c->ep))
			media_wk_pause(wk, c->ep, true);
		if (c->ep2 && owned(wk, c->ep2))
			media_wk_pause(wk, c->ep2, true);
	}
}


/* worker thread */
void media_cmd_run(struct media_wk *wk)
{
	struct mcmd c;

	wk->deferred = false;

	for (;;) {
		pthread_mutex_lock(&wk->qlock);
		if (!wk->qlen) {
			pthread_mutex_unlock(&wk->qlock);
			break;
		}
		if (!cmd_ready(wk, &wk->q[wk->qhead])) {
			wk->deferred = true;
			hold_pending(wk);
			pthread_mutex_unlock(&wk->qlock);
			return;
		}
		c = wk->q[wk->qhead];
		wk->qhead = (wk->qhead + 1) % wk->qcap;
		--wk->qlen;
		pthread_mutex_unlock(&wk->qlock);

		cmd_exec(wk, &c);
		if (c.type == MCMD_QUIT)
			break;
	}

	media_wk_resume_all(wk);
}
