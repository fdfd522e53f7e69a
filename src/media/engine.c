/**
 * @file media/engine.c  Media engine start/stop and events to the main loop
 *
 * media_init() runs on the re_main thread: it builds the port pool, the
 * endpoint table and the event queue, creates the libre mqueue that wakes
 * the re_main loop, then starts the worker threads.  media_close() stops
 * and joins the workers, frees whatever they still held and detaches the
 * public handles that the caller has not released yet (their destructors
 * then only free memory).
 *
 * Events flow worker -> main through a fixed ring under `evlock`; the
 * first event pushed into an empty ring also pushes one mqueue message,
 * so the pipe holds at most one message whatever the event rate.  On the
 * main thread an event names its endpoint by slot + generation and is
 * dropped when the handle in that slot is gone or newer: a handler is
 * never called for a handle the caller already released.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "cb_media.h"
#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "media/media.h"

/** One event in flight (worker -> main) */
struct mev {
	uint32_t slot, gen;
	uint32_t dur_ms;
	uint8_t type;
	char digit;
};

static struct {
	bool up;                   /* main thread; RO for workers       */
	struct media_config cfg;   /* RO while up                       */
	struct media_wk **wks;     /* RO while up                       */
	unsigned nwk;              /* RO while up                       */

	/* main thread only */
	uint32_t gen;
	struct media_ep **tab;     /* by slot (port pair index)         */
	uint32_t ntab;
	struct list mixers;
	struct mqueue *mq;         /* RO while up (pushed from workers) */

	/* LOCK: evlock */
	pthread_mutex_t evlock;
	struct mev *evq;
	uint32_t evhead, evlen;
	bool evwake;               /* an mqueue message is pending      */
	uint64_t evdrop;
} eng;


uint64_t media_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}


uint64_t media_clock_ms(void)
{
	return media_clock_ns() / 1000000ull;
}


const struct media_config *media_cfg(void)
{
	return &eng.cfg;
}


bool media_running(void)
{
	return eng.up;
}


unsigned media_wk_count(void)
{
	return eng.nwk;
}


struct media_wk *media_wk_get(unsigned i)
{
	return i < eng.nwk ? eng.wks[i] : NULL;
}


/** The worker with the fewest endpoints (main thread) */
struct media_wk *media_wk_pick(void)
{
	struct media_wk *best = NULL;
	uint32_t bestn = UINT32_MAX;

	for (unsigned i = 0; i < eng.nwk; i++) {
		if (eng.wks[i]->load < bestn) {
			best = eng.wks[i];
			bestn = eng.wks[i]->load;
		}
	}

	return best;
}


uint32_t media_gen_next(void)
{
	if (++eng.gen == 0)
		++eng.gen;
	return eng.gen;
}


void media_tab_set(uint32_t slot, struct media_ep *ep)
{
	if (slot < eng.ntab)
		eng.tab[slot] = ep;
}


void media_mixer_register(struct media_mixer *mx)
{
	list_append(&eng.mixers, &mx->le, mx);
}


/* any thread */
void media_ev_post(const struct mep *m, enum media_ev_type type,
		   char digit, uint32_t dur_ms)
{
	bool wake = false;
	struct mev *ev;

	pthread_mutex_lock(&eng.evlock);
	if (eng.evlen == MEDIA_EVQ_LEN) {
		++eng.evdrop;
		pthread_mutex_unlock(&eng.evlock);
		log_warn(m->ctx, "event queue full, event %d dropped", type);
		return;
	}
	ev = &eng.evq[(eng.evhead + eng.evlen) % MEDIA_EVQ_LEN];
	ev->slot = m->slot;
	ev->gen = m->gen;
	ev->type = (uint8_t)type;
	ev->digit = digit;
	ev->dur_ms = dur_ms;
	++eng.evlen;
	if (!eng.evwake) {
		eng.evwake = true;
		wake = true;
	}
	pthread_mutex_unlock(&eng.evlock);

	if (wake)
		(void)mqueue_push(eng.mq, 0, NULL);
}


/* worker side: a member's talking flag changed (the ring carries it in
 * dur_ms) */
void media_ev_talking(const struct mep *m, bool on)
{
	media_ev_post(m, MEDIA_EV_TALKING, 0, on ? 1 : 0);
}


static void ev_dispatch(const struct mev *e)
{
	struct media_ev ev;
	struct media_ep *ep;

	if (e->slot >= eng.ntab)
		return;
	ep = eng.tab[e->slot];
	if (!ep || ep->gen != e->gen || !ep->evh)
		return;

	memset(&ev, 0, sizeof(ev));
	ev.type = (enum media_ev_type)e->type;
	ev.digit = e->digit;
	ev.dur_ms = e->dur_ms;
	if (ev.type == MEDIA_EV_TALKING) {
		ev.talking = e->dur_ms != 0;
		ev.dur_ms = 0;
	}
	ep->evh(ep, &ev, ep->arg);
}


/* re_main thread: drain the ring in batches, outside the lock */
static void mq_handler(int id, void *data, void *arg)
{
	struct mev batch[64];
	bool empty = false;
	uint32_t n;
	(void)id;
	(void)data;
	(void)arg;

	while (!empty && eng.up) {
		pthread_mutex_lock(&eng.evlock);
		n = eng.evlen < ARRAY_SIZE(batch) ? eng.evlen
			: (uint32_t)ARRAY_SIZE(batch);
		for (uint32_t i = 0; i < n; i++) {
			batch[i] = eng.evq[eng.evhead];
			eng.evhead = (eng.evhead + 1) % MEDIA_EVQ_LEN;
		}
		eng.evlen -= n;
		if (eng.evlen == 0) {
			eng.evwake = false;
			empty = true;
		}
		pthread_mutex_unlock(&eng.evlock);

		/* a handler may release handles or even close the engine */
		for (uint32_t i = 0; i < n && eng.up; i++)
			ev_dispatch(&batch[i]);
	}
}


static int cfg_check(const struct media_config *cfg)
{
	int af = sa_af(&cfg->addr);

	if (af != AF_INET && af != AF_INET6)
		return EAFNOSUPPORT;
	if (cfg->port_min % 2 || cfg->port_min < 2 ||
	    (uint32_t)cfg->port_min + 1 > cfg->port_max)
		return EINVAL;
	if (cfg->threads > 64)
		return EINVAL;
	return 0;
}


static void engine_free(void)
{
	struct le *le;

	for (unsigned i = 0; i < eng.nwk; i++)
		media_wk_stop(eng.wks[i]);
	eng.wks = mem_deref(eng.wks);
	eng.nwk = 0;

	/* handles the caller still holds: their state is gone now */
	for (uint32_t i = 0; eng.tab && i < eng.ntab; i++) {
		struct media_ep *ep = eng.tab[i];

		if (!ep)
			continue;
		ep->m = NULL;
		ep->wk = NULL;
	}
	while ((le = list_head(&eng.mixers))) {
		struct media_mixer *mx = le->data;

		list_unlink(le);
		mx->m = NULL;
		mx->wk = NULL;
	}

	eng.tab = mem_deref(eng.tab);
	eng.ntab = 0;
	media_ports_close();
	eng.mq = mem_deref(eng.mq);
	eng.evq = mem_deref(eng.evq);
	eng.evlen = 0;
	eng.evhead = 0;
	eng.evwake = false;
	pthread_mutex_destroy(&eng.evlock);
}


int media_init(const struct media_config *cfg)
{
	unsigned nwk;
	int err;

	if (!cfg)
		return EINVAL;
	if (eng.up)
		return EALREADY;

	err = cfg_check(cfg);
	if (err) {
		log_err(NULL, "bad media config (%m)", err);
		return err;
	}

	memset(&eng, 0, sizeof(eng));
	eng.cfg = *cfg;
	nwk = cfg->threads ? cfg->threads : 1;
	pthread_mutex_init(&eng.evlock, NULL);
	list_init(&eng.mixers);

	media_g711_init();
	media_tone_init();
	media_play_init();

	err = media_ports_init(cfg);
	if (err)
		goto out;

	eng.ntab = media_port_slots();
	eng.tab = mem_zalloc(eng.ntab * sizeof(*eng.tab), NULL);
	eng.evq = mem_zalloc(MEDIA_EVQ_LEN * sizeof(*eng.evq), NULL);
	eng.wks = mem_zalloc(nwk * sizeof(*eng.wks), NULL);
	if (!eng.tab || !eng.evq || !eng.wks) {
		err = ENOMEM;
		goto out;
	}

	err = mqueue_alloc(&eng.mq, mq_handler, NULL);
	if (err)
		goto out;

	/* workers read eng.* from now on: everything RO is set */
	eng.up = true;
	for (; eng.nwk < nwk; eng.nwk++) {
		err = media_wk_start(&eng.wks[eng.nwk], eng.nwk);
		if (err)
			goto out;
	}

	log_info(NULL, "media engine up: addr=%j ports=%u-%u threads=%u "
		 "timeout_ms=%u quarantine_ms=%u", &cfg->addr,
		 cfg->port_min, cfg->port_max, nwk, cfg->timeout_ms,
		 cfg->quarantine_ms);
 out:
	if (err) {
		log_err(NULL, "media engine start failed (%m)", err);
		engine_free();
		eng.up = false;
	}
	return err;
}


void media_close(void)
{
	if (!eng.up)
		return;

	engine_free();
	eng.up = false;
	log_info(NULL, "media engine closed (events dropped: %llu)",
		 (unsigned long long)eng.evdrop);
}


/** Engine-wide state: workers, endpoints, port pool, event queue */
int media_debug(struct re_printf *pf, void *unused)
{
	uint32_t evlen;
	uint64_t evdrop;
	int err = 0;
	(void)unused;

	if (!eng.up)
		return re_hprintf(pf, "media: not running\n");

	pthread_mutex_lock(&eng.evlock);
	evlen = eng.evlen;
	evdrop = eng.evdrop;
	pthread_mutex_unlock(&eng.evlock);

	err |= re_hprintf(pf, "media: addr=%j threads=%u mixers=%u "
			  "events queued=%u dropped=%llu\n", &eng.cfg.addr,
			  eng.nwk, list_count(&eng.mixers), evlen,
			  (unsigned long long)evdrop);
	for (unsigned i = 0; i < eng.nwk; i++) {
		err |= re_hprintf(pf, "  worker %u: endpoints=%u\n", i,
				  atomic_load(&eng.wks[i]->nep));
	}
	err |= media_ports_debug(pf, NULL);
	return err;
}
