/**
 * @file media/worker.c  Media worker thread: epoll, clock, tick
 *
 * A worker is one thread with one epoll set holding its endpoints' RTP
 * and RTCP sockets, an eventfd (commands from the main side) and a
 * periodic timerfd (the 20 ms media clock, CLOCK_MONOTONIC, so a change
 * of wall time does not disturb it).  One loop iteration:
 *
 *   1. epoll_wait, then pending commands run first, so a packet sent
 *      after media_ep_params() or media_ep_bridge() sees their effect;
 *   2. RTP/RTCP sockets are read and handled at once (relay happens here,
 *      packet by packet, without copying or allocating).  An endpoint
 *      closed or moved away by a command of this round is only unlinked
 *      then; media_wk_reap() frees or releases it after the round, so
 *      the round's events never touch memory another thread may free;
 *   3. one tick per timerfd expiry (at most MEDIA_TICKS_MAX, so a stalled
 *      worker catches up a little and then drops time): mixers first, then
 *      every endpoint (prompts, tones, DTMF send, RTCP, inactivity).
 *
 * epoll data is a pointer with a 2-bit tag: 0 RTP and 1 RTCP (struct
 * mep), 2 commands and 3 clock (struct media_wk).
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <re.h>
#include "cb_media.h"
#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "media/media.h"

enum {
	TAG_RTP = 0,
	TAG_RTCP = 1,
	TAG_CMD = 2,
	TAG_CLOCK = 3,
	TAG_MASK = 3,
	EVENTS_MAX = 256,
};


static inline uint64_t tag_ptr(void *p, unsigned tag)
{
	return (uint64_t)(uintptr_t)p | tag;
}


uint32_t media_wk_rand(struct media_wk *wk)
{
	/* xorshift32: only for RTCP interval jitter, not security */
	uint32_t x = wk->rnd;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	wk->rnd = x;
	return x;
}


int media_wk_watch(struct media_wk *wk, struct mep *m)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = tag_ptr(m, TAG_RTP);
	if (epoll_ctl(wk->epfd, EPOLL_CTL_ADD, m->fd_rtp, &ev) < 0)
		return errno;

	ev.data.u64 = tag_ptr(m, TAG_RTCP);
	if (epoll_ctl(wk->epfd, EPOLL_CTL_ADD, m->fd_rtcp, &ev) < 0) {
		int err = errno;
		(void)epoll_ctl(wk->epfd, EPOLL_CTL_DEL, m->fd_rtp, NULL);
		return err;
	}

	return 0;
}


/*
 * Mute or unmute an endpoint's sockets.  A worker whose queue waits for
 * an endpoint being moved in pauses the endpoints named by the commands
 * behind it, so their packets wait in the kernel until those commands
 * (a bridge, say) have run, instead of being handled too early.
 */
void media_wk_pause(struct media_wk *wk, struct mep *m, bool pause)
{
	struct epoll_event ev;

	if (m->paused == pause || !m->attached)
		return;

	memset(&ev, 0, sizeof(ev));
	ev.events = pause ? 0 : EPOLLIN;
	ev.data.u64 = tag_ptr(m, TAG_RTP);
	(void)epoll_ctl(wk->epfd, EPOLL_CTL_MOD, m->fd_rtp, &ev);
	ev.data.u64 = tag_ptr(m, TAG_RTCP);
	(void)epoll_ctl(wk->epfd, EPOLL_CTL_MOD, m->fd_rtcp, &ev);

	m->paused = pause;
	if (pause)
		++wk->npaused;
	else
		--wk->npaused;
}


void media_wk_resume_all(struct media_wk *wk)
{
	struct le *le;

	if (!wk->npaused)
		return;

	LIST_FOREACH(&wk->eps, le)
		media_wk_pause(wk, le->data, false);
}


/** End of a loop round: release moved endpoints, free closed ones */
void media_wk_reap(struct media_wk *wk)
{
	uint64_t one = 1;
	bool moved = false;
	struct le *le;

	while ((le = list_head(&wk->handoff))) {
		struct mep *m = le->data;

		list_unlink(le);
		/* everything we wrote is visible to the next owner */
		atomic_store_explicit(&m->released, m->hop,
				      memory_order_relaxed);
		atomic_store_explicit(&m->owner, NULL, memory_order_release);
		moved = true;
	}

	/* the new owner may be waiting for it: wake every other worker */
	for (unsigned i = 0; moved && i < media_wk_count(); i++) {
		struct media_wk *w = media_wk_get(i);

		if (w != wk && write(w->evfd, &one, sizeof(one)) < 0)
			log_debug(NULL, "eventfd write: %m", errno);
	}

	while ((le = list_head(&wk->grave))) {
		list_unlink(le);
		mem_deref(le->data);
	}
}


void media_wk_unwatch(struct media_wk *wk, struct mep *m)
{
	(void)epoll_ctl(wk->epfd, EPOLL_CTL_DEL, m->fd_rtp, NULL);
	(void)epoll_ctl(wk->epfd, EPOLL_CTL_DEL, m->fd_rtcp, NULL);
}


static void wk_tick(struct media_wk *wk)
{
	struct le *le, *next;

	LIST_FOREACH(&wk->mixers, le)
		media_mix_tick(wk, le->data);

	/* media_mep_tick() never unlinks, but stay safe if it ever does */
	for (le = list_head(&wk->eps); le; le = next) {
		next = le->next;
		media_mep_tick(wk, le->data);
	}
}


static void *wk_main(void *arg)
{
	struct media_wk *wk = arg;
	struct epoll_event evs[EVENTS_MAX];
	char name[16];

	/* visible in top -H / ps -L */
	(void)re_snprintf(name, sizeof(name), "cb-media-%u", wk->id);
	(void)pthread_setname_np(pthread_self(), name);

	wk->now_ns = media_clock_ns();
	wk->now = wk->now_ns / 1000000ull;

	while (!wk->quit) {
		bool cmds = false;
		uint64_t ticks = 0;
		int n;

		n = epoll_wait(wk->epfd, evs, EVENTS_MAX, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err(NULL, "worker %u: epoll_wait: %m", wk->id,
				errno);
			break;
		}

		wk->now_ns = media_clock_ns();
		wk->now = wk->now_ns / 1000000ull;

		/* commands first: a packet that follows a command (params,
		 * bridge) in time must see its effect */
		for (int i = 0; i < n; i++) {
			uint64_t v = evs[i].data.u64, cnt;

			if ((v & TAG_MASK) == TAG_CMD) {
				if (read(wk->evfd, &cnt, sizeof(cnt)) < 0 &&
				    errno != EAGAIN)
					log_warn(NULL, "eventfd: %m", errno);
				cmds = true;
			}
			else if ((v & TAG_MASK) == TAG_CLOCK) {
				if (read(wk->tfd, &cnt, sizeof(cnt)) ==
				    sizeof(cnt))
					ticks = cnt;
			}
		}

		if (cmds || (ticks && wk->deferred))
			media_cmd_run(wk);

		for (int i = 0; i < n; i++) {
			uint64_t v = evs[i].data.u64;
			struct mep *m = (void *)(uintptr_t)(v & ~(uint64_t)
							    TAG_MASK);

			if ((v & TAG_MASK) > TAG_RTCP)
				continue;

			/* closed, moved away or paused by a command above */
			if (!m->attached || m->paused)
				continue;

			if ((v & TAG_MASK) == TAG_RTP)
				media_rtp_recv(wk, m);
			else
				media_rtcp_recv(wk, m);
		}

		media_wk_reap(wk);

		if (ticks > MEDIA_TICKS_MAX)
			ticks = MEDIA_TICKS_MAX;
		while (ticks-- && !wk->quit)
			wk_tick(wk);
	}

	return NULL;
}


static void wk_destructor(void *arg)
{
	struct media_wk *wk = arg;
	struct le *le;

	/* the thread is joined: whatever is left is ours to free */
	while ((le = list_head(&wk->mixers))) {
		list_unlink(le);
		media_mix_close(le->data);
	}
	while ((le = list_head(&wk->eps)))
		media_mep_close(wk, le->data);
	media_wk_reap(wk);

	while (wk->qlen) {
		media_cmd_discard(&wk->q[wk->qhead]);
		wk->qhead = (wk->qhead + 1) % wk->qcap;
		--wk->qlen;
	}
	wk->q = mem_deref(wk->q);

	if (wk->tfd >= 0)
		close(wk->tfd);
	if (wk->evfd >= 0)
		close(wk->evfd);
	if (wk->epfd >= 0)
		close(wk->epfd);
	pthread_mutex_destroy(&wk->qlock);
}


int media_wk_start(struct media_wk **wkp, unsigned id)
{
	struct itimerspec its;
	struct epoll_event ev;
	struct media_wk *wk;
	int err = 0;

	wk = mem_zalloc(sizeof(*wk), wk_destructor);
	if (!wk)
		return ENOMEM;

	wk->id = id;
	wk->epfd = wk->evfd = wk->tfd = -1;
	wk->rnd = rand_u32() | 1;
	pthread_mutex_init(&wk->qlock, NULL);
	list_init(&wk->eps);
	list_init(&wk->mixers);
	list_init(&wk->handoff);
	list_init(&wk->grave);

	for (unsigned i = 0; i < MEDIA_RX_BATCH; i++) {
		wk->rxiov[i].iov_base = wk->rxbuf[i];
		wk->rxiov[i].iov_len = sizeof(wk->rxbuf[i]);
		wk->rxmsg[i].msg_hdr.msg_iov = &wk->rxiov[i];
		wk->rxmsg[i].msg_hdr.msg_iovlen = 1;
		wk->rxmsg[i].msg_hdr.msg_name = &wk->rxsrc[i].u;
	}

	wk->epfd = epoll_create1(EPOLL_CLOEXEC);
	wk->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	wk->tfd = timerfd_create(CLOCK_MONOTONIC,
				 TFD_NONBLOCK | TFD_CLOEXEC);
	if (wk->epfd < 0 || wk->evfd < 0 || wk->tfd < 0) {
		err = errno;
		goto out;
	}

	memset(&its, 0, sizeof(its));
	its.it_interval.tv_nsec = MEDIA_PTIME * 1000000L;
	its.it_value.tv_nsec = MEDIA_PTIME * 1000000L;
	if (timerfd_settime(wk->tfd, 0, &its, NULL) < 0) {
		err = errno;
		goto out;
	}

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = tag_ptr(wk, TAG_CMD);
	if (epoll_ctl(wk->epfd, EPOLL_CTL_ADD, wk->evfd, &ev) < 0) {
		err = errno;
		goto out;
	}
	ev.data.u64 = tag_ptr(wk, TAG_CLOCK);
	if (epoll_ctl(wk->epfd, EPOLL_CTL_ADD, wk->tfd, &ev) < 0) {
		err = errno;
		goto out;
	}

	err = pthread_create(&wk->thread, NULL, wk_main, wk);
	if (err)
		goto out;
	wk->running = true;

 out:
	if (err)
		mem_deref(wk);
	else
		*wkp = wk;
	return err;
}


/** Stop (after it ran every queued command), join and free a worker */
void media_wk_stop(struct media_wk *wk)
{
	struct mcmd c;

	if (!wk)
		return;

	if (wk->running) {
		memset(&c, 0, sizeof(c));
		c.type = MCMD_QUIT;
		if (media_cmd_push(wk, &c)) {
			/* cannot queue: stop it the hard way */
			log_err(NULL, "worker %u: cannot queue quit", wk->id);
			pthread_cancel(wk->thread);
		}
		pthread_join(wk->thread, NULL);
		wk->running = false;
	}

	mem_deref(wk);
}
