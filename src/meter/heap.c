/**
 * @file meter/heap.c  The one timer structure of the meter
 *
 * Every deadline of the meter (each metering leg's next increment, each
 * payer's next limit decision) is a node in one binary min-heap keyed by
 * its wall-clock ms, and one libre timer is armed for the root.  When it
 * fires, every node that is due is taken out and fired, in order, then
 * the timer is armed again for the new root: 10,000 legs on 1-second
 * increments are 10,000 O(log n) heap operations a second and one timer,
 * never a timer per leg (docs/money.md, "Metering").
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

static struct {
	struct mtr_node **v;       /* v[0] unused: positions are 1-based */
	uint32_t n, cap;
	struct tmr tmr;
	uint64_t armed;            /* due of the root the timer is for   */
	bool running;              /* inside mtr_run(): re-arm at the end */
} hp;


static bool before(const struct mtr_node *a, const struct mtr_node *b)
{
	return a->due < b->due;
}


static void put(uint32_t i, struct mtr_node *n)
{
	hp.v[i] = n;
	n->pos = i;
}


static void sift_up(uint32_t i)
{
	struct mtr_node *n = hp.v[i];

	while (i > 1 && before(n, hp.v[i / 2])) {
		put(i, hp.v[i / 2]);
		i /= 2;
	}
	put(i, n);
}


static void sift_down(uint32_t i)
{
	struct mtr_node *n = hp.v[i];

	for (;;) {
		uint32_t c = 2 * i;

		if (c > hp.n)
			break;
		if (c < hp.n && before(hp.v[c + 1], hp.v[c]))
			++c;
		if (!before(hp.v[c], n))
			break;
		put(i, hp.v[c]);
		i = c;
	}
	put(i, n);
}


static void timer_handler(void *arg);


/* the libre timer follows the root; not while mtr_run() empties it */
static void arm(void)
{
	uint64_t now, delay;

	if (hp.running)
		return;
	if (!hp.n) {
		tmr_cancel(&hp.tmr);
		hp.armed = 0;
		return;
	}
	if (tmr_isrunning(&hp.tmr) && hp.armed == hp.v[1]->due)
		return;
	now = call_now_ms();
	delay = hp.v[1]->due > now ? hp.v[1]->due - now : 0;
	hp.armed = hp.v[1]->due;
	tmr_start(&hp.tmr, delay, timer_handler, NULL);
}


static int grow(void)
{
	uint32_t cap = hp.cap ? hp.cap * 2 : HEAP_MIN;
	struct mtr_node **v;

	v = hp.v ? mem_realloc(hp.v, (cap + 1) * sizeof(*v))
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
		uint64_t old = n->due;

		n->due = due;
		if (due < old)
			sift_up(n->pos);
		else
			sift_down(n->pos);
	}
	else {
		if (hp.n >= hp.cap && grow())
			return ENOMEM;
		n->due = due;
		hp.v[++hp.n] = n;
		n->pos = hp.n;
		sift_up(hp.n);
	}
	arm();
	return 0;
}


void mtr_cancel(struct mtr_node *n)
{
	uint32_t i;

	if (!n || !n->pos)
		return;
	i = n->pos;
	n->pos = 0;
	if (i != hp.n) {
		struct mtr_node *last = hp.v[hp.n--];

		put(i, last);
		if (i > 1 && before(last, hp.v[i / 2]))
			sift_up(i);
		else
			sift_down(i);
	}
	else {
		--hp.n;
	}
	arm();
}


uint32_t mtr_count(void)
{
	return hp.n;
}


/** Fire every node due at now_ms, earliest first */
void mtr_run(uint64_t now_ms)
{
	hp.running = true;
	while (hp.n && hp.v[1]->due <= now_ms) {
		struct mtr_node *n = hp.v[1];

		mtr_cancel(n);
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
	for (uint32_t i = 1; i <= hp.n; i++)
		hp.v[i]->pos = 0;
	hp.n = 0;
	hp.v = mem_deref(hp.v);
	hp.cap = 0;
}
