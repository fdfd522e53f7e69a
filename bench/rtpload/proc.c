/**
 * @file bench/rtpload/proc.c  Figures of the relay process from /proc
 *
 * The relay (--pid) is measured from outside: CPU ticks (utime + stime of
 * all its threads, from /proc/PID/stat) over the measured window, and
 * VmRSS (/proc/PID/status) before the first call and after the warm-up.
 * A relay that is gone reads 0 ticks and -1 KiB, so one that died in
 * the window shows as -1 CPU in the report rather than a guess.  Our own
 * CPU time comes from getrusage.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "rtpload.h"

/** utime + stime of every thread of pid, in clock ticks; 0 if gone */
uint64_t rl_proc_ticks(int pid)
{
	char path[64], buf[2048], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;
	int i;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');   /* comm may hold spaces */
	if (!p)
		return 0;
	/*
	 * after ')': field 3 is state; utime is field 14, stime 15.  Each
	 * step lands on the blank before field i.
	 */
	for (i = 3; i <= 14 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu %llu", &ut, &st) != 2)
		return 0;
	return ut + st;
}

/** Resident set size of pid in KiB; -1 if unknown */
long rl_proc_rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6)) {
			kib = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kib;
}

/** CPU seconds (user + system) this process has used */
double rl_self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}
