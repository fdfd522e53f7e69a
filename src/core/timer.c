/**
 * @file core/timer.c  libre's timer API on a binary heap
 *
 * libre 1.1.0 keeps running timers in one sorted linked list and inserts
 * by walking it from the tail.  Every SIP transaction starts a short
 * retransmission timer (T1 = 500 ms) that must walk past all the long
 * ones (Timer B/D/F/J, 32 s) of the transactions before it: at a few
 * hundred calls/s there are tens of thousands of those, and the walk cost
 * half of our CPU (measured with perf: list_apply under tmr_start from
 * sip_ctrans_request, 45-55 %).
 *
 * This file defines the same functions (tmr_init, tmr_start, tmr_cancel,
 * tmr_poll, tmr_next_timeout, tmr_get_expire, tmr_jiffies, tmr_status,
 * tmr_debug) with the same struct tmr, so the executable's definitions
 * interpose libre's own (the Makefile exports them dynamically): insert
 * and cancel become O(log n), the next expiry O(1).  Timers are kept per
 * thread, as libre keeps one list per re_main thread.  Order is kept
 * exact: by expiry, then by start order for equal expiries.  The clock is
 * CLOCK_MONOTONIC, so a change of wall time no longer fires or stalls
 * timers.
 *
 * Fields of struct tmr that only libre's list used are ours here: le.data
 * holds the heap slot (index + 1, 0 = not running) and le.prev the
 * start-order sequence number.
 *
 * cb_timer_earliest() is the one-timer-for-many pattern of the schedulers
 * (callbacks, contact-centre requests): a timer for the earliest item of
 * a list that waits, cancelled when none does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "cb_core.h"

struct heap {
	struct tmr **v;      /* min-heap of running timers */
	size_t n, cap;
	uint64_t seq;        /* start counter, for FIFO among equals */
};

static _Thread_local struct heap hp;


uint64_t tmr_jiffies(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


static size_t slot_get(const struct tmr *t)
{
	return (size_t)(uintptr_t)t->le.data;
}


static void slot_set(struct tmr *t, size_t slot)
{
	t->le.data = (void *)(uintptr_t)slot;
}


static uint64_t seq_get(const struct tmr *t)
{
	return (uint64_t)(uintptr_t)t->le.prev;
}


static bool before(const struct tmr *a, const struct tmr *b)
{
	if (a->jfs != b->jfs)
		return a->jfs < b->jfs;
	return seq_get(a) < seq_get(b);
}


static void place(size_t i, struct tmr *t)
{
	hp.v[i] = t;
	slot_set(t, i + 1);
}


static void sift_up(size_t i)
{
	struct tmr *t = hp.v[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!before(t, hp.v[parent]))
			break;
		place(i, hp.v[parent]);
		i = parent;
	}
	place(i, t);
}


static void sift_down(size_t i)
{
	struct tmr *t = hp.v[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct tmr *best = t;

		if (l < hp.n && before(hp.v[l], best)) {
			m = l;
			best = hp.v[l];
		}
		if (r < hp.n && before(hp.v[r], best))
			m = r;
		if (m == i)
			break;
		place(i, hp.v[m]);
		i = m;
	}
	place(i, t);
}


static void heap_remove(struct tmr *t)
{
	size_t i = slot_get(t);
	struct tmr *last;

	if (!i || i > hp.n || hp.v[i - 1] != t)
		return;
	--i;
	slot_set(t, 0);
	last = hp.v[--hp.n];
	if (i == hp.n)
		return;
	hp.v[i] = last;
	if (i > 0 && before(last, hp.v[(i - 1) / 2]))
		sift_up(i);
	else
		sift_down(i);
}


static int heap_push(struct tmr *t)
{
	if (hp.n == hp.cap) {
		size_t cap = hp.cap ? hp.cap * 2 : 1024;
		struct tmr **v = realloc(hp.v, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		hp.v = v;
		hp.cap = cap;
	}
	t->le.prev = (struct le *)(uintptr_t)++hp.seq;
	hp.v[hp.n] = t;
	sift_up(hp.n++);
	return 0;
}


void tmr_init(struct tmr *tmr)
{
	if (tmr)
		memset(tmr, 0, sizeof(*tmr));
}


void tmr_cancel(struct tmr *tmr)
{
	if (!tmr)
		return;
	heap_remove(tmr);
	tmr->th = NULL;
	tmr->arg = NULL;
}


void tmr_start(struct tmr *tmr, uint64_t delay, tmr_h *th, void *arg)
{
	if (!tmr)
		return;

	heap_remove(tmr);
	tmr->th = th;
	tmr->arg = arg;
	if (!th)
		return;

	tmr->jfs = tmr_jiffies() + delay;
	if (heap_push(tmr)) {
		/* out of memory: fail loudly rather than lose a timer */
		cb_log(CB_SUB_CORE, CB_LVL_ERROR, NULL, "timer heap: no memory");
		abort();
	}
}


uint64_t tmr_next_timeout(struct list *tmrl)
{
	uint64_t now;
	(void)tmrl;

	if (!hp.n)
		return 0;   /* libre: 0 means "no timer", wait for I/O */
	now = tmr_jiffies();
	return hp.v[0]->jfs > now ? hp.v[0]->jfs - now : 1;
}


void tmr_poll(struct list *tmrl)
{
	uint64_t now = tmr_jiffies();
	(void)tmrl;

	/* a handler may start or cancel any timer, including this one */
	while (hp.n && hp.v[0]->jfs <= now) {
		struct tmr *t = hp.v[0];
		tmr_h *th = t->th;
		void *arg = t->arg;

		heap_remove(t);
		t->th = NULL;
		if (th)
			th(arg);
	}
}


uint64_t tmr_get_expire(const struct tmr *tmr)
{
	uint64_t now = tmr_jiffies();

	if (!tmr || !tmr->th || tmr->jfs <= now)
		return 0;
	return tmr->jfs - now;
}


int tmr_status(struct re_printf *pf, void *unused)
{
	(void)unused;
	return re_hprintf(pf, "timers: %zu running (binary heap)\n", hp.n);
}


void tmr_debug(void)
{
	(void)re_fprintf(stderr, "timers: %zu running (binary heap)\n", hp.n);
}


/** Free the calling thread's heap (after its re_main has returned) */
void cb_timer_close(void)
{
	free(hp.v);
	memset(&hp, 0, sizeof(hp));
}


/** Running timers of the calling thread, for tests and /metrics */
size_t cb_timer_count(void)
{
	return hp.n;
}


/**
 * One timer for the earliest of many waiting items: start tmr (handler th,
 * no argument) for the first due time among the items of l that dueh says
 * wait, at once if that is past, or cancel it if none waits.  Times are
 * ms on the caller's clock, of which now is the present.
 */
void cb_timer_earliest(struct tmr *tmr, const struct list *l, uint64_t now,
		       cb_due_h *dueh, tmr_h *th)
{
	uint64_t first = 0;
	bool any = false;
	struct le *le;

	LIST_FOREACH(l, le) {
		uint64_t due;

		if (!dueh(le->data, &due))
			continue;
		if (!any || due < first)
			first = due;
		any = true;
	}
	if (!any) {
		tmr_cancel(tmr);
		return;
	}
	tmr_start(tmr, first > now ? first - now : 0, th, NULL);
}
