/**
 * @file bench/rtpload/stream.c  The paced media loop
 *
 * Pacing is a 1 ms tick on CLOCK_MONOTONIC absolute deadlines
 * (clock_nanosleep); each tick sends one slot's frames, drains what came
 * back and, in SIP mode, keeps signalling alive.  A generator that falls
 * behind still sends every tick's packets, so the window stretches rather
 * than the load shrinking unseen: the report's pace = planned / actual
 * window.  The relay's CPU and our own are read at the start and end of
 * the measured window (after the warm-up), its RSS at the start; then
 * 300 ms more are read so packets in flight still arrive.
 */

#include "rtpload.h"

void rl_stream_run(struct rl *rl, struct window *w)
{
	uint64_t warm = (uint64_t)(rl->warmup_s * 1000);
	uint64_t total = warm + (uint64_t)(rl->duration_s * 1000);
	uint64_t t0 = rl_now() + 5 * NS_MS, tick, now, deadline;

	for (tick = 0; tick < total && !rl_stopped(); tick++) {
		deadline = t0 + tick * NS_MS;
		rl_sleep_until(deadline);
		now = rl_now();
		if (now > deadline + 2 * NS_MS)
			rl->late_ticks++;
		if (now > deadline && now - deadline > rl->max_late_ns)
			rl->max_late_ns = now - deadline;
		if (tick == warm) {
			w->t0 = now;
			w->tgt0 = rl_proc_ticks(rl->pid);
			w->self0 = rl_self_cpu_s();
			w->rss1 = rl_proc_rss_kib(rl->pid);
		}
		rl_rtp_send_slot(rl, (uint32_t)(tick % SLOTS), tick >= warm);
		rl_rtp_recv(rl);
		if (rl->mode == MODE_SIP) {
			rl_sip_drain(rl);
			if (tick % 50 == 0)
				rl_sip_timers(rl, now);
		}
	}
	w->t1 = rl_now();
	w->tgt1 = rl_proc_ticks(rl->pid);
	w->self1 = rl_self_cpu_s();
	/* in flight at the end of the window: let it arrive */
	for (tick = 0; tick < 300; tick++) {
		rl_sleep_until(rl_now() + NS_MS);
		rl_rtp_recv(rl);
	}
}
