/**
 * @file bench/rtpload/clock.c  Monotonic time, absolute sleeps, stop flag
 *
 * All times in the generator are nanoseconds on CLOCK_MONOTONIC.  Pacing
 * sleeps to absolute deadlines (clock_nanosleep TIMER_ABSTIME) so that a
 * late wake-up does not push every later deadline back.  SIGINT and
 * SIGTERM only set the stop flag: the phase running at that moment ends
 * early, and main clears the flag again so that the calls set up so far
 * are still torn down and reported.
 */

#include <errno.h>
#include <signal.h>
#include <time.h>
#include "rtpload.h"

static volatile sig_atomic_t stop_flag;

uint64_t rl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_S + (uint64_t)ts.tv_nsec;
}

void rl_sleep_until(uint64_t t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(t / NS_S);
	ts.tv_nsec = (long)(t % NS_S);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)
	       == EINTR && !stop_flag)
		;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

void rl_signals_init(void)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
}

bool rl_stopped(void)
{
	return stop_flag != 0;
}

void rl_stop_clear(void)
{
	stop_flag = 0;
}
