/**
 * @file simnet/stats.c  What tests can see: finished-call records
 *
 * Every call that ends (answered or refused) leaves one record.  It is
 * logged at once as a logfmt line with msg="call-end", and kept so that
 * the stats file (one JSON object per line per finished call) can be
 * rewritten: written to PATH.tmp then renamed over PATH, so a reader
 * never sees half a file.  Rewrites are coalesced to at most one per
 * WRITE_MIN_MS; sim_stats_flush() writes at once (exit, SIGUSR1).
 * The history is capped at RECORDS_MAX; the oldest records go first.
 *
 * The fields are written into the log line's context, not its message,
 * because the logger turns '"' in messages into '\'' and the dtmf field
 * must stay quoted.
 */
#include <stdio.h>
#include <string.h>
#include <re.h>
#define CB_LOG_SUB CB_SUB_SIM
#include "cb_core.h"
#include "simnet.h"


enum {
	RECORDS_MAX  = 100000,
	WRITE_MIN_MS = 100,
};

struct sim_stats {
	char *path;          /* NULL: no stats file                       */
	char *tmppath;
	struct list recl;    /* struct sim_record, oldest first          */
	uint32_t recc;
	uint32_t total;      /* records ever added                        */
	uint32_t answered;
	struct tmr tmr;
	uint64_t last_write;
};


static void destructor(void *arg)
{
	struct sim_stats *stats = arg;

	tmr_cancel(&stats->tmr);
	list_flush(&stats->recl);
	mem_deref(stats->path);
	mem_deref(stats->tmppath);
}


int sim_stats_alloc(struct sim_stats **statsp, const char *path)
{
	struct sim_stats *stats;
	int err = 0;

	if (!statsp)
		return EINVAL;

	stats = mem_zalloc(sizeof(*stats), destructor);
	if (!stats)
		return ENOMEM;

	if (str_isset(path)) {
		err  = str_dup(&stats->path, path);
		err |= re_sdprintf(&stats->tmppath, "%s.tmp", path);
	}

	if (err)
		mem_deref(stats);
	else
		*statsp = stats;

	return err;
}


/** A logfmt value: bare when safe, else quoted with \" and \\ escaped */
int sim_logfmt_str(struct re_printf *pf, const char *s)
{
	bool quote = !s || !*s;
	int err = 0;

	for (const char *p = s; p && *p && !quote; p++) {
		if (*p <= ' ' || *p == '=' || *p == '"' || *p == '\\')
			quote = true;
	}

	if (!quote)
		return re_hprintf(pf, "%s", s);

	err |= re_hprintf(pf, "\"");
	for (const char *p = s; p && *p; p++) {
		if (*p == '"' || *p == '\\')
			err |= re_hprintf(pf, "\\%c", *p);
		else if ((unsigned char)*p < ' ')
			err |= re_hprintf(pf, " ");
		else
			err |= re_hprintf(pf, "%c", *p);
	}
	err |= re_hprintf(pf, "\"");

	return err;
}


static int json_str(struct re_printf *pf, const char *s)
{
	int err = re_hprintf(pf, "\"");

	for (const char *p = s; p && *p; p++) {
		if (*p == '"' || *p == '\\')
			err |= re_hprintf(pf, "\\%c", *p);
		else if ((unsigned char)*p < ' ')
			err |= re_hprintf(pf, "\\u%04x", (unsigned char)*p);
		else
			err |= re_hprintf(pf, "%c", *p);
	}

	return err | re_hprintf(pf, "\"");
}


int sim_record_logfmt(struct re_printf *pf, const struct sim_record *rec)
{
	if (!rec)
		return 0;

	return re_hprintf(pf, "number=%H callid=%H duration_ms=%llu "
			  "rtp_rx=%u rtp_tx=%u dtmf=\"%s\" cause=%s code=%u "
			  "codec=%H transport=%s",
			  sim_logfmt_str, rec->number,
			  sim_logfmt_str, rec->callid,
			  rec->duration_ms, rec->rtp_rx, rec->rtp_tx,
			  rec->dtmf, rec->cause, rec->code,
			  sim_logfmt_str, rec->codec, rec->transport);
}


static int record_json(struct re_printf *pf, const struct sim_record *rec)
{
	return re_hprintf(pf, "{\"number\":%H,\"callid\":%H,"
			  "\"duration_ms\":%llu,\"rtp_rx\":%u,\"rtp_tx\":%u,"
			  "\"dtmf\":%H,\"cause\":%H,\"code\":%u,"
			  "\"codec\":%H,\"transport\":%H}\n",
			  json_str, rec->number, json_str, rec->callid,
			  rec->duration_ms, rec->rtp_rx, rec->rtp_tx,
			  json_str, rec->dtmf, json_str, rec->cause,
			  rec->code, json_str, rec->codec,
			  json_str, rec->transport);
}


/** Log one record: `<prefix> <fields> msg="<msg>"` */
static void record_log(const struct sim_record *rec, const char *prefix,
		       const char *msg)
{
	char ctx[768];

	(void)re_snprintf(ctx, sizeof(ctx), "%s%s%H", prefix ? prefix : "",
			  prefix ? " " : "", sim_record_logfmt, rec);
	log_info(ctx, "%s", msg);
}


static void record_destructor(void *arg)
{
	struct sim_record *rec = arg;

	list_unlink(&rec->le);
}


static int file_write(struct sim_stats *stats)
{
	struct le *le;
	FILE *f;
	int err = 0;

	f = fopen(stats->tmppath, "w");
	if (!f)
		return errno;

	LIST_FOREACH(&stats->recl, le) {
		if (re_fprintf(f, "%H", record_json, le->data) < 0) {
			err = EIO;
			break;
		}
	}

	if (fclose(f) && !err)
		err = errno ? errno : EIO;

	if (!err && rename(stats->tmppath, stats->path))
		err = errno;

	if (err)
		(void)remove(stats->tmppath);

	return err;
}


void sim_stats_flush(struct sim_stats *stats)
{
	int err;

	if (!stats || !stats->path)
		return;

	tmr_cancel(&stats->tmr);
	stats->last_write = tmr_jiffies();

	err = file_write(stats);
	if (err)
		log_warn(NULL, "stats file %s not written: %m", stats->path,
			 err);
}


static void tmr_handler(void *arg)
{
	sim_stats_flush(arg);
}


void sim_stats_add(struct sim_stats *stats, const struct sim_record *rec)
{
	struct sim_record *copy;
	uint64_t now, due;

	if (!stats || !rec)
		return;

	record_log(rec, NULL, "call-end");

	++stats->total;
	if (rec->duration_ms || rec->code == 200)
		++stats->answered;

	copy = mem_zalloc(sizeof(*copy), record_destructor);
	if (!copy) {
		log_warn(NULL, "call record dropped: out of memory");
		return;
	}
	*copy = *rec;
	memset(&copy->le, 0, sizeof(copy->le));
	list_append(&stats->recl, &copy->le, copy);

	if (++stats->recc > RECORDS_MAX) {
		mem_deref(stats->recl.head->data);
		--stats->recc;
	}

	if (!stats->path || tmr_isrunning(&stats->tmr))
		return;

	now = tmr_jiffies();
	due = stats->last_write + WRITE_MIN_MS;
	tmr_start(&stats->tmr, due > now ? due - now : 0, tmr_handler,
		  stats);
}


/** SIGUSR1: one line per finished call, then the stats file */
void sim_stats_dump(struct sim_stats *stats)
{
	struct le *le;

	if (!stats)
		return;

	LIST_FOREACH(&stats->recl, le)
		record_log(le->data, "state=ended", "call-stat");

	log_info(NULL, "calls ended=%u answered=%u", stats->total,
		 stats->answered);
	sim_stats_flush(stats);
}


/** Log a live call's current figures (SIGUSR1) */
void sim_record_log_active(const struct sim_record *rec)
{
	record_log(rec, "state=active", "call-stat");
}
