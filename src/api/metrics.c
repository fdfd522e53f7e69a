/**
 * @file api/metrics.c  GET /metrics: the daemon's counters for Prometheus
 *
 * One job: keep the counters that no other subsystem keeps, and write
 * every metric of the daemon in the Prometheus text exposition format
 * (version 0.0.4): each family once, with its HELP and TYPE lines first,
 * counters named `_total`, label values escaped.
 *
 * What is counted here, on the re_main thread:
 *   - legs and calls that ended, by cause (a subscriber of the call model:
 *     the names are those of CALL_CAUSES, every cause listed from 0);
 *   - HTTP replies by status (metrics_http_count(), called once per reply
 *     by api_reply_json() and by the few handlers that reply themselves:
 *     this one, the static files, the WebSocket upgrade);
 *   - webhook attempts by result (metrics_webhook_count() from webhook.c).
 * What is read from its owner at scrape time: live calls and legs by
 * state (call model), SIP messages and registered contacts (SIP), RTP
 * totals (the media engine's per-worker counters), WebSocket clients,
 * pending webhook deliveries, store latency.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "api.h"
#include "cb_tts.h"
#include "cb_media.h"
#include "cb_sip.h"

enum { HTTP_CODE_MIN = 100, HTTP_CODE_MAX = 599 };

static const char * const webhook_names[METRICS_WEBHOOK_MAX] = {
	[METRICS_WEBHOOK_DELIVERED] = "delivered",
	[METRICS_WEBHOOK_RETRIED]   = "retried",
	[METRICS_WEBHOOK_FAILED]    = "failed",
};

static struct {
	uint64_t legs_ended[CAUSE_MAX];
	uint64_t calls_ended[CAUSE_MAX];
	uint64_t http[HTTP_CODE_MAX - HTTP_CODE_MIN + 1];
	uint64_t http_other;                 /* outside 100..599 */
	uint64_t webhook[METRICS_WEBHOOK_MAX];
	uint64_t start_ms;                   /* wall clock */
	uint64_t start_jfs;                  /* monotonic, ms */
	bool subscribed;
} mx;


/** One HTTP reply went out with this status */
void metrics_http_count(uint16_t scode)
{
	if (scode >= HTTP_CODE_MIN && scode <= HTTP_CODE_MAX)
		++mx.http[scode - HTTP_CODE_MIN];
	else
		++mx.http_other;
}


/** One webhook attempt ended this way */
void metrics_webhook_count(enum metrics_webhook result)
{
	if (result < METRICS_WEBHOOK_MAX)
		++mx.webhook[result];
}


static void event_handler(const struct call_event *ev, void *arg)
{
	(void)arg;

	if (ev->cause >= CAUSE_MAX)
		return;
	if (ev->type == CALL_EV_LEG_STATE && ev->new_state == LEG_ENDED)
		++mx.legs_ended[ev->cause];
	else if (ev->type == CALL_EV_CALL_END)
		++mx.calls_ended[ev->cause];
}


/* ---- exposition ------------------------------------------------------ */

/* a label value: backslash, double quote and line feed escaped */
static int label_print(struct re_printf *pf, void *arg)
{
	const char *s = arg;
	int err = 0;

	for (; s && *s && !err; s++) {
		switch (*s) {

		case '\\':
			err = re_hprintf(pf, "\\\\");
			break;
		case '"':
			err = re_hprintf(pf, "\\\"");
			break;
		case '\n':
			err = re_hprintf(pf, "\\n");
			break;
		default:
			err = pf->vph(s, 1, pf->arg);
			break;
		}
	}
	return err;
}


static int family(struct mbuf *mb, const char *name, const char *type,
		  const char *help)
{
	return mbuf_printf(mb, "# HELP %s %s\n# TYPE %s %s\n", name, help,
			   name, type);
}


/* one sample: `name value` or `name{label="value"} value` */
static int sample(struct mbuf *mb, const char *name, const char *label,
		  const char *lval, uint64_t v)
{
	if (!label)
		return mbuf_printf(mb, "%s %llu\n", name,
				   (unsigned long long)v);
	return mbuf_printf(mb, "%s{%s=\"%H\"} %llu\n", name, label,
			   label_print, lval, (unsigned long long)v);
}


static int seconds(struct mbuf *mb, const char *name, uint64_t us)
{
	return mbuf_printf(mb, "%s %llu.%06llu\n", name,
			   (unsigned long long)(us / 1000000),
			   (unsigned long long)(us % 1000000));
}


static int one(struct mbuf *mb, const char *name, const char *type,
	       const char *help, uint64_t v)
{
	return family(mb, name, type, help) | sample(mb, name, NULL, NULL, v);
}


static int print_process(struct mbuf *mb)
{
	int err;

	err  = family(mb, "callbridge_build_info", "gauge",
		      "version of callbridge and of libre; always 1");
	err |= mbuf_printf(mb, "callbridge_build_info{version=\"%H\","
			   "libre=\"%H\"} 1\n", label_print, CB_VERSION,
			   label_print, sys_libre_version_get());
	err |= family(mb, "process_start_time_seconds", "gauge",
		      "start time of the daemon, seconds since the epoch");
	err |= seconds(mb, "process_start_time_seconds", mx.start_ms * 1000);
	err |= family(mb, "callbridge_uptime_seconds", "gauge",
		      "seconds since the daemon started");
	err |= seconds(mb, "callbridge_uptime_seconds",
		       (tmr_jiffies() - mx.start_jfs) * 1000);
	return err;
}


/* live calls (a leg not ended) and legs, by state */
struct live {
	uint32_t calls_active, calls_ended;
	uint32_t legs[LEG_STATE_MAX];
};


static bool live_handler(struct call *call, void *arg)
{
	struct live *lv = arg;
	const struct leg *leg;
	bool active = false;

	for (unsigned i = 0; (leg = call_leg(call, i)); i++) {
		enum leg_state st = leg_state(leg);

		if (st < LEG_STATE_MAX)
			++lv->legs[st];
		active |= st != LEG_ENDED;
	}
	if (active)
		++lv->calls_active;
	else
		++lv->calls_ended;
	return false;
}


static int print_calls(struct mbuf *mb)
{
	struct live lv;
	int err;

	memset(&lv, 0, sizeof(lv));
	(void)call_list_apply(live_handler, &lv);

	err  = family(mb, "callbridge_calls", "gauge",
		      "calls in memory: active (a leg not ended) or ended "
		      "(kept call.keep_ended_s)");
	err |= sample(mb, "callbridge_calls", "state", "active",
		      lv.calls_active);
	err |= sample(mb, "callbridge_calls", "state", "ended",
		      lv.calls_ended);
	err |= family(mb, "callbridge_legs", "gauge",
		      "legs in memory by state");
	for (int st = 0; st < LEG_STATE_MAX; st++)
		err |= sample(mb, "callbridge_legs", "state",
			      leg_state_name(st), lv.legs[st]);

	err |= family(mb, "callbridge_legs_ended_total", "counter",
		      "legs that ended, by cause (callbridge --causes)");
	for (int c = CAUSE_NONE + 1; c < CAUSE_MAX; c++)
		err |= sample(mb, "callbridge_legs_ended_total", "cause",
			      cause_name(c), mx.legs_ended[c]);
	err |= family(mb, "callbridge_calls_ended_total", "counter",
		      "calls whose last leg ended, by that leg's cause");
	for (int c = CAUSE_NONE + 1; c < CAUSE_MAX; c++)
		err |= sample(mb, "callbridge_calls_ended_total", "cause",
			      cause_name(c), mx.calls_ended[c]);
	return err;
}


static int print_sip(struct mbuf *mb)
{
	int err;

	err  = family(mb, "callbridge_sip_messages_total", "counter",
		      "SIP requests and responses received (in) and sent "
		      "(out)");
	err |= sample(mb, "callbridge_sip_messages_total", "dir", "in",
		      sipua_stat_rx());
	err |= sample(mb, "callbridge_sip_messages_total", "dir", "out",
		      sipua_stat_tx());
	err |= one(mb, "callbridge_sip_contacts", "gauge",
		   "registered contacts (softphone devices)",
		   sipua_stat_contacts());
	return err;
}


static int print_media(struct mbuf *mb)
{
	struct media_totals t;
	int err;

	media_totals_get(&t);

	err  = family(mb, "callbridge_rtp_packets_total", "counter",
		      "RTP packets received (in, accepted) and sent (out)");
	err |= sample(mb, "callbridge_rtp_packets_total", "dir", "in",
		      t.rx_packets);
	err |= sample(mb, "callbridge_rtp_packets_total", "dir", "out",
		      t.tx_packets);
	err |= family(mb, "callbridge_rtp_bytes_total", "counter",
		      "bytes of those RTP packets, headers included");
	err |= sample(mb, "callbridge_rtp_bytes_total", "dir", "in",
		      t.rx_bytes);
	err |= sample(mb, "callbridge_rtp_bytes_total", "dir", "out",
		      t.tx_bytes);
	err |= one(mb, "callbridge_rtp_packets_lost_total", "counter",
		   "RTP packets missing from received sequences",
		   t.rx_lost);
	err |= one(mb, "callbridge_rtp_packets_dropped_total", "counter",
		   "datagrams on RTP ports dropped: not RTP, unexpected "
		   "payload type or source", t.rx_dropped);
	err |= one(mb, "callbridge_media_endpoints", "gauge",
		   "RTP endpoints open", t.endpoints);
	return err;
}


static int print_tts(struct mbuf *mb)
{
	static const char name[] = "callbridge_tts_requests_total";
	struct tts_stats t;
	int err;

	tts_stats_get(&t);

	err  = family(mb, name, "counter", "spoken-text requests: served from "
		      "the cache (hit), joined a running synthesis "
		      "(coalesced), ran espeak-ng (spawned), got no file "
		      "(failed)");
	err |= sample(mb, name, "result", "hit", t.hits);
	err |= sample(mb, name, "result", "coalesced", t.coalesced);
	err |= sample(mb, name, "result", "spawned", t.spawned);
	err |= sample(mb, name, "result", "failed", t.failed);
	return err;
}


static int print_api(struct mbuf *mb)
{
	int err;

	err = family(mb, "callbridge_http_requests_total", "counter",
		     "HTTP replies sent, by status code");
	for (size_t i = 0; i < ARRAY_SIZE(mx.http); i++) {
		char code[8];

		if (!mx.http[i])
			continue;
		(void)re_snprintf(code, sizeof(code), "%zu",
				  i + HTTP_CODE_MIN);
		err |= sample(mb, "callbridge_http_requests_total", "code",
			      code, mx.http[i]);
	}
	if (mx.http_other)
		err |= sample(mb, "callbridge_http_requests_total", "code",
			      "other", mx.http_other);

	err |= family(mb, "callbridge_webhook_deliveries_total", "counter",
		      "webhook attempts: delivered (2xx), retried (failed, "
		      "will be retried), failed (given up)");
	for (int r = 0; r < METRICS_WEBHOOK_MAX; r++)
		err |= sample(mb, "callbridge_webhook_deliveries_total",
			      "result", webhook_names[r], mx.webhook[r]);
	err |= one(mb, "callbridge_webhook_outbox_pending", "gauge",
		   "webhook deliveries not yet delivered or given up",
		   outbox_count());
	err |= one(mb, "callbridge_ws_clients", "gauge",
		   "WebSocket clients of /v1/events", events_client_count());
	return err;
}


static int print_store(struct mbuf *mb)
{
	struct store_stats ss;
	int err;

	memset(&ss, 0, sizeof(ss));
	store_stats_get(store_default(), &ss);

	err  = one(mb, "callbridge_store_jobs_total", "counter",
		   "database jobs run off the event loop", ss.jobs);
	err |= family(mb, "callbridge_store_latency_seconds", "summary",
		      "time from store_submit() to the end of the work, "
		      "queueing included");
	err |= seconds(mb, "callbridge_store_latency_seconds_sum",
		       ss.total_us);
	err |= sample(mb, "callbridge_store_latency_seconds_count", NULL,
		      NULL, ss.jobs);
	err |= family(mb, "callbridge_store_latency_max_seconds", "gauge",
		      "the longest database job so far");
	err |= seconds(mb, "callbridge_store_latency_max_seconds",
		       ss.max_us);
	err |= one(mb, "callbridge_store_queued", "gauge",
		   "database jobs waiting for a worker", ss.queued);
	return err;
}


/** GET /metrics */
void api_metrics(struct api_req *req)
{
	struct mbuf *mb = mbuf_alloc(4096);
	int err;

	if (!mb) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}

	err  = print_process(mb);
	err |= print_calls(mb);
	err |= print_sip(mb);
	err |= print_media(mb);
	err |= print_tts(mb);
	err |= print_api(mb);
	err |= print_store(mb);
	if (err) {
		mem_deref(mb);
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}

	req->replied = true;
	metrics_http_count(200);
	(void)http_reply(req->conn, 200, "OK",
			 "Content-Type: text/plain; version=0.0.4; "
			 "charset=utf-8\r\n"
			 "Content-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n"
			 "\r\n"
			 "%b",
			 mb->end, mb->buf, mb->end);
	mem_deref(mb);
}


int metrics_init(void)
{
	int err;

	mx.start_ms = (uint64_t)time(NULL) * 1000;
	mx.start_jfs = tmr_jiffies();

	err = call_subscribe(event_handler, NULL);
	if (!err)
		mx.subscribed = true;
	return err;
}


void metrics_close(void)
{
	if (mx.subscribed)
		call_unsubscribe(event_handler, NULL);
	mx.subscribed = false;
}
