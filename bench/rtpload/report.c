/**
 * @file bench/rtpload/report.c  The figures of a run
 *
 * Loss is measured packets sent that never came back out of the relay,
 * per direction and together; "voice loss" adds the late ones.  CPU of
 * the relay is per forwarded packet and per cent of a core over the
 * window; a relay that died reads -1.  RSS per call is the growth from
 * before the first call to the end of the warm-up, over the calls up.
 * The human-readable lines go out only without --quiet; the last line
 * is always `RESULT key=value ...`, the contract with bench/media.
 */

#include <stdio.h>
#include <unistd.h>
#include "rtpload.h"

static double hist_pct(const struct rl *rl, double q)
{
	uint64_t n = 0, acc = 0;
	unsigned i;

	for (i = 0; i <= HIST_MAX; i++)
		n += rl->hist[i];
	if (!n)
		return 0;
	for (i = 0; i <= HIST_MAX; i++) {
		acc += rl->hist[i];
		if ((double)acc >= q * (double)n)
			return (i + 1) * 0.1;
	}
	return HIST_MAX * 0.1;
}

void rl_report(struct rl *rl, const struct window *w, long rss_before)
{
	static const char *mname[] = { "sip", "rtpengine", "direct" };
	uint64_t sent[2] = {0, 0}, recv[2] = {0, 0};
	uint64_t setup_sum = 0, setup_max = 0;
	uint32_t i, ended = 0, remote_bye = 0, nset = 0;
	double win = (double)(w->t1 - w->t0) / 1e9, hz = sysconf(_SC_CLK_TCK);
	double tgt_s = 0;
	double self_s = w->self1 - w->self0, loss[3], fwd, late_pct, pace;
	double rss_call = 0, cpu_pct, us_pkt;

	for (i = 0; i < rl->calls; i++) {
		const struct call *c = &rl->cv[i];
		int d;

		for (d = 0; d < 2; d++) {
			sent[d] += c->sent[d];
			recv[d] += c->recv[d] < c->sent[d] ?
				c->recv[d] : c->sent[d];
		}
		if (c->up && c->a_state == LEG_DONE &&
		    c->b_state == LEG_DONE && !c->a_remote_bye)
			ended++;
		remote_bye += c->a_remote_bye;
		if (c->setup_ns) {
			nset++;
			setup_sum += c->setup_ns;
			if (c->setup_ns > setup_max)
				setup_max = c->setup_ns;
		}
	}
	for (i = 0; i < 2; i++)
		loss[i] = sent[i] ? 100.0 * (double)(sent[i] - recv[i]) /
			(double)sent[i] : 0;
	loss[2] = sent[0] + sent[1] ? 100.0 * (double)(sent[0] + sent[1] -
		recv[0] - recv[1]) / (double)(sent[0] + sent[1]) : 0;
	fwd = (double)(recv[0] + recv[1]);
	late_pct = sent[0] + sent[1] ? 100.0 * (double)rl->late_pkts /
		(double)(sent[0] + sent[1]) : 0;
	/* the window stretches when the generator cannot keep time */
	pace = win > 0 ? 100.0 * rl->duration_s / win : 0;
	/* a relay that died in the window reads 0 ticks: report -1 */
	if (w->tgt1 < w->tgt0) {
		cpu_pct = us_pkt = -1;
	}
	else {
		tgt_s = (double)(w->tgt1 - w->tgt0) / hz;
		cpu_pct = 100 * tgt_s / win;
		us_pkt = fwd ? tgt_s * 1e6 / fwd : 0;
	}
	if (rl->n_up && rss_before > 0 && w->rss1 > 0)
		rss_call = (double)(w->rss1 - rss_before) / rl->n_up;

	if (!rl->quiet) {
		printf("calls %u up %u failed %u (setup avg %.1f ms, "
		       "max %.1f ms)\n", rl->calls, rl->n_up, rl->n_failed,
		       nset ? setup_sum / 1e6 / nset : 0, setup_max / 1e6);
		printf("A->B sent %llu received %llu loss %.4f %%\n",
		       (unsigned long long)sent[0],
		       (unsigned long long)recv[0], loss[0]);
		printf("B->A sent %llu received %llu loss %.4f %%\n",
		       (unsigned long long)sent[1],
		       (unsigned long long)recv[1], loss[1]);
		printf("latency p50 %.1f ms p99 %.1f ms max %.1f ms "
		       "(1 ms tick); later than %.0f ms: %llu (%.4f %%)\n",
		       hist_pct(rl, 0.5), hist_pct(rl, 0.99),
		       rl->lat_max_ns / 1e6, rl->late_ns / 1e6,
		       (unsigned long long)rl->late_pkts, late_pct);
		if (rl->pid)
			printf("relay pid %d: CPU %.1f %%, %.2f us per "
			       "forwarded packet, RSS %ld -> %ld KiB "
			       "(%.1f KiB per call)\n", rl->pid,
			       cpu_pct, us_pkt, rss_before,
			       w->rss1, rss_call);
		printf("generator CPU %.1f %%, pace %.1f %%, late ticks %llu "
		       "(max %.2f ms), send errors %llu\n",
		       100 * self_s / win, pace,
		       (unsigned long long)rl->late_ticks,
		       rl->max_late_ns / 1e6,
		       (unsigned long long)rl->send_err);
		printf("ended cleanly %u, hung up by relay %u, unknown "
		       "packets %llu, misrouted %llu\n", ended, remote_bye,
		       (unsigned long long)rl->unknown_pkts,
		       (unsigned long long)rl->misrouted);
	}
	printf("RESULT mode=%s calls=%u up=%u failed=%u ended=%u "
	       "remote_bye=%u a2b_sent=%llu a2b_recv=%llu b2a_sent=%llu "
	       "b2a_recv=%llu loss_pct=%.4f late_pkts=%llu late_pct=%.4f "
	       "voice_loss_pct=%.4f pace_pct=%.1f window_s=%.3f "
	       "relay_cpu_pct=%.2f relay_us_per_pkt=%.3f rss_before_kib=%ld "
	       "rss_after_kib=%ld rss_kib_per_call=%.2f gen_cpu_pct=%.2f "
	       "late_ticks=%llu "
	       "max_late_ms=%.2f send_err=%llu unknown=%llu misrouted=%llu "
	       "lat_p50_ms=%.1f lat_p99_ms=%.1f lat_max_ms=%.2f "
	       "setup_avg_ms=%.2f setup_max_ms=%.2f\n",
	       mname[rl->mode], rl->calls, rl->n_up, rl->n_failed, ended,
	       remote_bye, (unsigned long long)sent[0],
	       (unsigned long long)recv[0], (unsigned long long)sent[1],
	       (unsigned long long)recv[1], loss[2],
	       (unsigned long long)rl->late_pkts, late_pct,
	       loss[2] + late_pct, pace, win,
	       cpu_pct, us_pkt, rss_before,
	       w->rss1, rss_call, 100 * self_s / win,
	       (unsigned long long)rl->late_ticks, rl->max_late_ns / 1e6,
	       (unsigned long long)rl->send_err,
	       (unsigned long long)rl->unknown_pkts,
	       (unsigned long long)rl->misrouted, hist_pct(rl, 0.5),
	       hist_pct(rl, 0.99), rl->lat_max_ns / 1e6,
	       nset ? setup_sum / 1e6 / nset : 0, setup_max / 1e6);
	fflush(stdout);
}
