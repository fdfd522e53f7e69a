/**
 * @file meter/heap.c  The one timer structure of the meter
 *
 * Every deadline of the meter (each metering leg's next increment, each
 * payer's next limit decision) is a node in one 4-ary min-heap keyed by
 * its wall-clock ms, and one libre timer is armed for the root, rounded
 * up to the next METER_TICK_MS.  When it fires, every node that is due
 * is taken out and fired, in order, then the timer is armed again for
 * the new root: 10,000 legs on 1-second increments are 10,000 O(log n)
 * heap operations a second and 50 wake-ups, never a timer per leg
 * (docs/money.md, "Metering").  The heap's slots carry the keys, so a
 * sift reads one array and only writes the moved nodes' positions.
 *
 * A node's fire handler may schedule it again (the next increment) or
 * schedule, move or cancel any other node; the loop re-reads the root
 * each time.  Nodes live in their owners (legs and payers); the heap only
 * points at them, and an owner cancels its nodes before it goes.
 */
#include <string.h>
#include <re.h>
#include "meter.h"

enum { HEAP_MIN = 64 };

/* a heap slot carries its key: comparisons never touch the nodes */
struct slot {
	uint64_t due;
	struct mtr_node *n;
};

enum { ARITY = 4 };            /* 4-ary: half the depth of a binary heap */

static struct {
	struct slot *v;            /* v[0] is the root; node pos = index+1 */
	uint32_t n, cap;
	struct tmr tmr;
	uint64_t armed;            /* due of the root the timer is for   */
	bool running;              /* inside mtr_run(): re-arm at the end */
	uint64_t fired;            /* nodes fired since start            */
} hp;


static void put(uint32_t i, struct slot s)
{
	hp.v[i] = s;
	s.n->pos = i + 1;
}


static void sift_up(uint32_t i)
{
	struct slot s = hp.v[i];

	while (i > 0) {
		uint32_t p = (i - 1) / ARITY;

		if (hp.v[p].due <= s.due)
			break;
		put(i, hp.v[p]);
		i = p;
	}
	put(i, s);
}


static void sift_down(uint32_t i)
{
	struct slot s = hp.v[i];

	for (;;) {
		uint32_t c = i * ARITY + 1, end, best = c;

		if (c >= hp.n)
			break;
		end = c + ARITY < hp.n ? c + ARITY : hp.n;
		for (uint32_t k = c + 1; k < end; k++) {
			if (hp.v[k].due < hp.v[best].due)
				best = k;
		}
		if (hp.v[best].due >= s.due)
			break;
		put(i, hp.v[best]);
		i = best;
	}
	put(i, s);
}


static void timer_handler(void *arg);


/* the libre timer follows the root; not while mtr_run() empties it */
static void arm(void)
{
	uint64_t now, due, delay;

	if (hp.running)
		return;
	if (!hp.n) {
		tmr_cancel(&hp.tmr);
		hp.armed = 0;
		return;
	}
	if (tmr_isrunning(&hp.tmr) && hp.armed == hp.v[0].due)
		return;
	/* wake up on the next tick after the root is due: with 10,000
	 * legs increments fall on every millisecond, and one wake-up per
	 * tick serves all of them (the loop is not woken 1,000 times a
	 * second); a node fires at most METER_TICK_MS late */
	now = call_now_ms();
	due = (hp.v[0].due + METER_TICK_MS - 1) / METER_TICK_MS *
		METER_TICK_MS;
	delay = due > now ? due - now : 0;
	hp.armed = hp.v[0].due;
	tmr_start(&hp.tmr, delay, timer_handler, NULL);
}


static int grow(void)
{
	uint32_t cap = hp.cap ? hp.cap * 2 : HEAP_MIN;
	struct slot *v;

	v = hp.v ? mem_realloc(hp.v, cap * sizeof(*v))
		 : mem_alloc((cap + 1) * sizeof(*v), NULL);
	if (!v)
		return ENOMEM;
	hp.v = v;
	hp.cap = cap;
	return 0;
}


void mtr_node_init(struct mtr_node *n, mtr_fire_h *fire)
{
	memset(n, 0, sizeof(*n));
	n->fire = fire;
}


/** Queue n for `due` (wall-clock ms), or move it there if queued */
int mtr_schedule(struct mtr_node *n, uint64_t due)
{
	if (!n || !n->fire)
		return EINVAL;

	if (n->pos) {
		uint32_t i = n->pos - 1;
		uint64_t old = hp.v[i].due;

		n->due = due;
		hp.v[i].due = due;
		if (due < old)
			sift_up(i);
		else
			sift_down(i);
	}
	else {
		if (hp.n >= hp.cap && grow())
			return ENOMEM;
		n->due = due;
		put(hp.n, (struct slot){due, n});
		sift_up(hp.n++);
	}
	arm();
	return 0;
}


void mtr_cancel(struct mtr_node *n)
{
	uint32_t i;

	if (!n || !n->pos)
		return;
	i = n->pos - 1;
	n->pos = 0;
	if (i != --hp.n) {
		struct slot last = hp.v[hp.n];

		put(i, last);
		if (i > 0 && last.due < hp.v[(i - 1) / ARITY].due)
			sift_up(i);
		else
			sift_down(i);
	}
	arm();
}


uint32_t mtr_count(void)
{
	return hp.n;
}


uint64_t mtr_fired(void)
{
	return hp.fired;
}


/** Fire every node due at now_ms, earliest first */
void mtr_run(uint64_t now_ms)
{
	hp.running = true;
	while (hp.n && hp.v[0].due <= now_ms) {
		struct mtr_node *n = hp.v[0].n;

		mtr_cancel(n);
		++hp.fired;
		n->fire(n, now_ms);
	}
	hp.running = false;
	hp.armed = 0;
	arm();
}


static void timer_handler(void *arg)
{
	(void)arg;
	mtr_run(call_now_ms());
}


int mtr_heap_init(void)
{
	tmr_init(&hp.tmr);
	hp.n = 0;
	return hp.cap ? 0 : grow();
}


void mtr_heap_close(void)
{
	tmr_cancel(&hp.tmr);
	for (uint32_t i = 0; i < hp.n; i++)
		hp.v[i].n->pos = 0;
	hp.n = 0;
	hp.v = mem_deref(hp.v);
	hp.cap = 0;
}
