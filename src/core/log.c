/**
 * @file core/log.c  One log format for the whole daemon
 *
 * Every line is logfmt: `ts=… lvl=… sub=… <ctx> msg="…"`, where ctx is
 * the caller's context prefix (call=… leg=…), so a grep for a call id
 * finds every line of that call.  Each subsystem has its own level.
 * Lines go to stderr and/or a file; writes are one fputs per line, so
 * lines from the media thread never interleave with the SIP thread's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "cb_core.h"

static struct {
	FILE *f;                               /* owned, or NULL      */
	bool to_stderr;
	enum cb_level lvl[CB_SUB_MAX];         /* RO after init      */
} logs = {
	.to_stderr = true,
	.lvl = {CB_LVL_INFO, CB_LVL_INFO, CB_LVL_INFO, CB_LVL_INFO,
		CB_LVL_INFO, CB_LVL_INFO},
};

static const char *sub_names[CB_SUB_MAX] = {
	"core", "sip", "media", "call", "api", "sim",
};

static const char *lvl_names[] = {"error", "warn", "info", "debug"};


const char *cb_sub_name(enum cb_sub sub)
{
	return sub < CB_SUB_MAX ? sub_names[sub] : "?";
}


int cb_log_level_parse(enum cb_level *lvlp, const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(lvl_names); i++) {
		if (0 == str_casecmp(s, lvl_names[i])) {
			*lvlp = (enum cb_level)i;
			return 0;
		}
	}
	return EINVAL;
}


int cb_log_init(const char *path, bool stderr_too)
{
	if (path && *path) {
		FILE *f = fopen(path, "a");
		if (!f)
			return errno;
		setvbuf(f, NULL, _IOLBF, 0);
		if (logs.f)
			fclose(logs.f);
		logs.f = f;
	}
	logs.to_stderr = stderr_too;
	return 0;
}


void cb_log_close(void)
{
	if (logs.f)
		fclose(logs.f);
	logs.f = NULL;
}


void cb_log_level_set(enum cb_sub sub, enum cb_level lvl)
{
	if (sub < CB_SUB_MAX)
		logs.lvl[sub] = lvl;
}


bool cb_log_enabled(enum cb_sub sub, enum cb_level lvl)
{
	return sub < CB_SUB_MAX && lvl <= logs.lvl[sub];
}


void cb_log(enum cb_sub sub, enum cb_level lvl, const char *ctx,
	    const char *fmt, ...)
{
	char msg[1024], line[1400];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (!cb_log_enabled(sub, lvl))
		return;

	va_start(ap, fmt);
	(void)re_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	/* quotes inside the message would break logfmt parsing */
	for (char *p = msg; *p; p++) {
		if (*p == '"')
			*p = '\'';
		else if (*p == '\n' || *p == '\r')
			*p = ' ';
	}

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	(void)re_snprintf(line, sizeof(line),
			  "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ "
			  "lvl=%s sub=%s%s%s msg=\"%s\"\n",
			  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			  tm.tm_hour, tm.tm_min, tm.tm_sec,
			  ts.tv_nsec / 1000000, lvl_names[lvl],
			  cb_sub_name(sub), ctx ? " " : "", ctx ? ctx : "",
			  msg);
	if (logs.to_stderr)
		fputs(line, stderr);
	if (logs.f)
		fputs(line, logs.f);
}
