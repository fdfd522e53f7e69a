/**
 * @file simnet/clock.c  One 20 ms clock for every generated stream
 *
 * Streams that send audio of their own (tone, ringback) are paced by a
 * single timer instead of one timer per call: libre's timer list is a
 * sorted linked list, so one entry keeps it cheap however many calls
 * play.  The clock keeps an absolute schedule (next tick = previous
 * deadline + 20 ms) so lateness does not accumulate; when the loop was
 * late it ticks again at once, up to a few frames, then drops the rest.
 * The timer runs only while some stream is subscribed.
 */
#include <re.h>
#include "cb_core.h"
#include "simnet.h"


enum { CATCHUP_MAX = 5 };

struct sim_clock {
	struct tmr tmr;
	struct list subl;       /* subscribers: le->data is the tick arg */
	sim_tick_h *tickh;
	uint64_t next;          /* jiffies of the next due tick          */
};


static void destructor(void *arg)
{
	struct sim_clock *clock = arg;

	tmr_cancel(&clock->tmr);
	/* subscribers own their list elements: just forget them */
	while (clock->subl.head)
		list_unlink(clock->subl.head);
}


static void tick_all(struct sim_clock *clock)
{
	struct le *le = clock->subl.head;

	while (le) {
		void *arg = le->data;

		/* a tick may unsubscribe its own stream */
		le = le->next;
		clock->tickh(arg);
	}
}


static void tmr_handler(void *arg)
{
	struct sim_clock *clock = arg;
	uint64_t now = tmr_jiffies();
	int n = 0;

	while (clock->next <= now && n++ < CATCHUP_MAX) {
		tick_all(clock);
		clock->next += SIM_PTIME;
	}

	if (clock->next <= now)
		clock->next = now + SIM_PTIME;

	if (clock->subl.head)
		tmr_start(&clock->tmr, clock->next - now, tmr_handler, clock);
}


int sim_clock_alloc(struct sim_clock **clockp, sim_tick_h *tickh)
{
	struct sim_clock *clock;

	if (!clockp || !tickh)
		return EINVAL;

	clock = mem_zalloc(sizeof(*clock), destructor);
	if (!clock)
		return ENOMEM;

	clock->tickh = tickh;
	*clockp = clock;
	return 0;
}


/** Subscribe a stream; its first frame goes out on the next tick */
void sim_clock_add(struct sim_clock *clock, struct le *le, void *arg)
{
	if (!clock || !le || le->list)
		return;

	list_append(&clock->subl, le, arg);

	if (!tmr_isrunning(&clock->tmr)) {
		clock->next = tmr_jiffies();
		tmr_start(&clock->tmr, 0, tmr_handler, clock);
	}
}


void sim_clock_remove(struct sim_clock *clock, struct le *le)
{
	if (!clock || !le || le->list != &clock->subl)
		return;

	list_unlink(le);

	if (!clock->subl.head)
		tmr_cancel(&clock->tmr);
}
