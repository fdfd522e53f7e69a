/**
 * @file api/calls.c  /v1/calls handlers
 *
 * Input is validated field by field before anything is dialed: strings are
 * length-bounded, numbers range-checked, and every refusal names the field.
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_media.h"
#include "cb_sip.h"

enum { STR_MAX = 256 };


/* an optional string member; false if present but invalid */
static bool get_str(struct api_req *req, const char *key, const char **vp,
		    bool required)
{
	const struct odict_entry *e = req->body ? odict_lookup(req->body, key)
						: NULL;

	*vp = NULL;
	if (!e) {
		if (required) {
			api_error(req, 400, "missing_field", key,
				  "this field is required");
			return false;
		}
		return true;
	}
	if (e->type != ODICT_STRING || !*e->u.str ||
	    strlen(e->u.str) > STR_MAX) {
		api_error(req, 400, "invalid_field", key,
			  "must be a non-empty string of at most 256 chars");
		return false;
	}
	*vp = e->u.str;
	return true;
}


static bool get_bool(struct api_req *req, const char *key, bool *vp)
{
	const struct odict_entry *e = req->body ? odict_lookup(req->body, key)
						: NULL;

	if (!e)
		return true;
	if (e->type != ODICT_BOOL) {
		api_error(req, 400, "invalid_field", key, "must be a boolean");
		return false;
	}
	*vp = e->u.boolean;
	return true;
}


static bool get_uint(struct api_req *req, const char *key, uint32_t *vp,
		     uint32_t min, uint32_t max)
{
	const struct odict_entry *e = req->body ? odict_lookup(req->body, key)
						: NULL;

	if (!e)
		return true;
	if (e->type != ODICT_INT || e->u.integer < min ||
	    e->u.integer > max) {
		api_error(req, 400, "invalid_field", key,
			  "must be an integer in range");
		return false;
	}
	*vp = (uint32_t)e->u.integer;
	return true;
}


/* prompt names are files in media.prompt_dir: no paths from the network */
static bool prompt_path(struct api_req *req, const char *field,
			const char *name, char *path, size_t sz)
{
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		      *p == '.') || (p[0] == '.' && p[1] == '.')) {
			api_error(req, 400, "invalid_field", field,
				  "a prompt name from the prompt directory");
			return false;
		}
	}
	(void)re_snprintf(path, sz, "%s/%s", api_config()->prompt_dir, name);
	return true;
}


/* a destination that looks like a number must be a valid one */
static bool number_ok(struct api_req *req, const char *field,
		      const char *to)
{
	char e164[24];

	if (!call_number_like(to) ||
	    !call_number_normalize(e164, sizeof(e164), to))
		return true;
	api_error(req, 422, "invalid_number", field,
		  "not a valid E.164 or national number");
	return false;
}


/* another tenant's call is "no such call": its existence is not told */
static struct call *find_call(struct api_req *req)
{
	struct call *call = call_find(req->param[0]);

	if (call && !api_owns(req, call))
		call = NULL;
	if (!call)
		api_error(req, 404, "not_found", NULL, "no such call");
	return call;
}


static struct leg *find_leg(struct api_req *req, struct call *call)
{
	struct leg *leg;

	for (unsigned i = 0; (leg = call_leg(call, i)); i++) {
		if (!strcmp(leg_id(leg), req->param[1]))
			return leg;
	}
	api_error(req, 404, "not_found", NULL, "no such leg");
	return NULL;
}


void api_health(struct api_req *req)
{
	api_reply_json(req, 200, "{\"status\":\"ok\",\"calls\":%u,"
		       "\"legs\":%u}", call_count(), call_leg_count());
}


void api_metrics(struct api_req *req)
{
	struct mbuf *mb = mbuf_alloc(512);
	struct store_stats ss;

	if (!mb)
		return;
	(void)mbuf_printf(mb,
			  "# TYPE callbridge_calls gauge\n"
			  "callbridge_calls %u\n"
			  "# TYPE callbridge_legs gauge\n"
			  "callbridge_legs %u\n"
			  "# TYPE callbridge_sip_messages_total counter\n"
			  "callbridge_sip_messages_total{dir=\"in\"} %u\n"
			  "callbridge_sip_messages_total{dir=\"out\"} %u\n",
			  call_count(), call_leg_count(), sipua_stat_rx(),
			  sipua_stat_tx());
	store_stats_get(store_default(), &ss);
	(void)mbuf_printf(mb,
			  "# TYPE callbridge_store_jobs_total counter\n"
			  "callbridge_store_jobs_total %llu\n"
			  "# TYPE callbridge_store_latency_seconds summary\n"
			  "callbridge_store_latency_seconds_sum %llu.%06llu\n"
			  "callbridge_store_latency_seconds_count %llu\n"
			  "# TYPE callbridge_store_latency_max_seconds gauge\n"
			  "callbridge_store_latency_max_seconds %llu.%06llu\n"
			  "# TYPE callbridge_store_queued gauge\n"
			  "callbridge_store_queued %u\n",
			  (unsigned long long)ss.jobs,
			  (unsigned long long)(ss.total_us / 1000000),
			  (unsigned long long)(ss.total_us % 1000000),
			  (unsigned long long)ss.jobs,
			  (unsigned long long)(ss.max_us / 1000000),
			  (unsigned long long)(ss.max_us % 1000000),
			  ss.queued);
	(void)http_reply(req->conn, 200, "OK",
			 "Content-Type: text/plain; version=0.0.4\r\n"
			 "Content-Length: %zu\r\n\r\n%b",
			 mb->end, mb->buf, mb->end);
	mem_deref(mb);
}


struct list_ctx {
	struct re_printf *pf;
	struct api_req *req;
	unsigned n;
};


static bool list_handler(struct call *call, void *arg)
{
	struct list_ctx *lc = arg;

	if (!api_owns(lc->req, call))
		return false;
	(void)re_hprintf(lc->pf, "%s%H", lc->n++ ? "," : "", api_json_call,
			 call);
	return false;
}


static int print_calls(struct re_printf *pf, void *arg)
{
	struct list_ctx lc = {pf, arg, 0};

	(void)call_list_apply(list_handler, &lc);
	return 0;
}


void api_calls_list(struct api_req *req)
{
	api_reply_json(req, 200, "{\"calls\":[%H]}", print_calls, req);
}


void api_calls_create(struct api_req *req)
{
	const char *to, *from, *bridge_to, *play, *callback;
	char path[320];
	struct leg_dial dial;
	struct call *call = NULL;
	uint32_t ring = 0;
	int err;

	if (!req->body) {
		api_error(req, 400, "missing_body", NULL,
			  "a JSON object is required");
		return;
	}
	if (!get_str(req, "to", &to, true) ||
	    !get_str(req, "from", &from, false) ||
	    !get_str(req, "bridge_to", &bridge_to, false) ||
	    !get_str(req, "play", &play, false) ||
	    !get_str(req, "status_callback", &callback, false) ||
	    !get_uint(req, "ring_timeout", &ring, 1, 600))
		return;

	if (callback && !webhook_url_valid(callback)) {
		api_error(req, 400, "invalid_field", "status_callback",
			  "an http:// URL of at most 256 characters");
		return;
	}

	if (bridge_to && play) {
		api_error(req, 422, "conflicting_fields", "play",
			  "give either bridge_to or play");
		return;
	}
	if (play && !prompt_path(req, "play", play, path, sizeof(path)))
		return;
	if (!number_ok(req, "to", to) ||
	    (bridge_to && !number_ok(req, "bridge_to", bridge_to)))
		return;

	memset(&dial, 0, sizeof(dial));
	dial.to = to;
	dial.from_user = from;
	dial.ring_timeout_s = ring;

	err = orig_start(&call, &dial, bridge_to, play ? path : NULL, true,
			 callback, req->who.tenant_id);
	if (err == ENOENT || err == EINVAL) {
		api_error(req, 422, "invalid_destination", "to",
			  "not a number, SIP URI or registered user");
		return;
	}
	if (err == EOVERFLOW) {
		api_error(req, 503, "capacity", NULL, "too many calls");
		return;
	}
	if (err) {
		api_error(req, 500, "internal", NULL, "cannot originate");
		return;
	}

	log_info(NULL, "call=%s originated to %s%s%s", call_id(call), to,
		 bridge_to ? " bridge_to " : "", bridge_to ? bridge_to : "");
	api_reply_json(req, 201, "%H", api_json_call, call);
}


void api_calls_get(struct api_req *req)
{
	struct call *call = find_call(req);

	if (call)
		api_reply_json(req, 200, "%H", api_json_call, call);
}


void api_calls_delete(struct api_req *req)
{
	struct call *call = find_call(req);

	if (!call)
		return;
	(void)call_hangup(call, CAUSE_NORMAL);
	api_reply_json(req, 200, "%H", api_json_call, call);
}


void api_leg_dtmf(struct api_req *req)
{
	struct call *call = find_call(req);
	struct leg *leg = call ? find_leg(req, call) : NULL;
	const char *digits;

	if (!leg || !get_str(req, "digits", &digits, true))
		return;
	if (strlen(digits) > 20 ||
	    strspn(digits, "0123456789*#ABCD") != strlen(digits)) {
		api_error(req, 400, "invalid_field", "digits",
			  "up to 20 of 0-9 * # A-D");
		return;
	}
	if (leg_state(leg) != LEG_ANSWERED) {
		api_error(req, 409, "not_answered", NULL,
			  "the leg is not answered");
		return;
	}
	if (leg_dtmf_send(leg, digits)) {
		api_error(req, 500, "internal", NULL, "cannot send digits");
		return;
	}
	api_reply_json(req, 202, "{\"sent\":%H}", api_json_str, digits);
}


void api_leg_play(struct api_req *req)
{
	struct call *call = find_call(req);
	struct leg *leg = call ? find_leg(req, call) : NULL;
	const char *file, *tone;
	bool loop = false, stop = false;
	char path[320];
	int err;

	if (!leg || !get_str(req, "file", &file, false) ||
	    !get_str(req, "tone", &tone, false) ||
	    !get_bool(req, "loop", &loop) || !get_bool(req, "stop", &stop))
		return;

	if (leg_state(leg) == LEG_ENDED) {
		api_error(req, 409, "ended", NULL, "the leg has ended");
		return;
	}
	if (stop) {
		(void)leg_stop(leg);
		api_reply_json(req, 202, "{\"stopped\":true}");
		return;
	}
	if (file) {
		if (!prompt_path(req, "file", file, path, sizeof(path)))
			return;
		err = leg_play(leg, path, loop);
	}
	else if (tone) {
		int t = !strcmp(tone, "ringback") ? MEDIA_TONE_RINGBACK :
			!strcmp(tone, "beep") ? MEDIA_TONE_BEEP :
			!strcmp(tone, "busy") ? MEDIA_TONE_BUSY : -1;

		if (t < 0) {
			api_error(req, 400, "invalid_field", "tone",
				  "ringback, beep or busy");
			return;
		}
		err = leg_tone(leg, t, loop);
	}
	else {
		api_error(req, 400, "missing_field", "file",
			  "give file, tone or stop");
		return;
	}

	if (err == ENOENT)
		api_error(req, 404, "not_found", "file", "no such prompt");
	else if (err)
		api_error(req, 422, "cannot_play", "file",
			  "not an 8/16 kHz mono WAV");
	else
		api_reply_json(req, 202, "{\"playing\":true}");
}


void api_leg_hold(struct api_req *req)
{
	struct call *call = find_call(req);
	struct leg *leg = call ? find_leg(req, call) : NULL;
	bool hold = true;

	if (!leg || !get_bool(req, "hold", &hold))
		return;
	if (leg_hold(leg, hold)) {
		api_error(req, 409, "not_answered", NULL,
			  "the leg is not answered");
		return;
	}
	api_reply_json(req, 202, "{\"hold\":%s}", hold ? "true" : "false");
}
