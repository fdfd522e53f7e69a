/**
 * @file api/json.c  JSON rendering of calls and legs
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "api.h"
#include "cb_meter.h"


/** A JSON string literal; NULL prints nothing (for optional members) */
int api_json_str(struct re_printf *pf, const char *s)
{
	int err = 0;

	if (!s)
		return 0;

	err |= re_hprintf(pf, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':  err |= re_hprintf(pf, "\\\""); break;
		case '\\': err |= re_hprintf(pf, "\\\\"); break;
		case '\n': err |= re_hprintf(pf, "\\n"); break;
		case '\r': err |= re_hprintf(pf, "\\r"); break;
		case '\t': err |= re_hprintf(pf, "\\t"); break;
		default:
			if (*p < 0x20)
				err |= re_hprintf(pf, "\\u%04x", *p);
			else
				err |= re_hprintf(pf, "%c", *p);
			break;
		}
	}
	err |= re_hprintf(pf, "\"");
	return err;
}


static int json_leg(struct re_printf *pf, const struct leg *leg)
{
	struct leg_info li;

	leg_info(leg, &li);
	return re_hprintf(pf, "{\"id\":\"%s\",\"peer\":%H,"
			  "\"direction\":\"%s\",\"state\":\"%s\","
			  "\"cause\":\"%s\",\"sip_status\":%u,"
			  "\"created_ms\":%llu,\"answered_ms\":%llu,"
			  "\"ended_ms\":%llu,\"rtp\":{\"rx\":%llu,"
			  "\"tx\":%llu,\"lost\":%llu}}",
			  li.id, api_json_str, li.peer,
			  li.outbound ? "outbound" : "inbound",
			  leg_state_name(li.state), cause_name(li.cause),
			  li.sip_status,
			  (unsigned long long)li.ts_created,
			  (unsigned long long)li.ts_answered,
			  (unsigned long long)li.ts_ended,
			  (unsigned long long)li.rtp_rx,
			  (unsigned long long)li.rtp_tx,
			  (unsigned long long)li.rtp_lost);
}


int api_json_call(struct re_printf *pf, const struct call *call)
{
	int err;
	struct leg *leg;

	err = re_hprintf(pf, "{\"id\":\"%s\",\"legs\":[", call_id(call));
	for (unsigned i = 0; (leg = call_leg(call, i)); i++) {
		if (i)
			err |= re_hprintf(pf, ",");
		err |= json_leg(pf, leg);
	}
	err |= re_hprintf(pf, "]");
	if (meter_billed(call_id(call)))
		err |= re_hprintf(pf, ",\"billing\":%H", meter_json, call);
	err |= re_hprintf(pf, "}");
	return err;
}


/**
 * The final outcome of a leg, as webhook receivers expect it (the Twilio
 * vocabulary): completed, busy, no-answer, canceled, invalid-number or
 * failed for every other cause.
 */
const char *api_outcome_name(enum leg_cause cause)
{
	switch (cause) {

	case CAUSE_NORMAL:         return "completed";
	case CAUSE_BUSY:           return "busy";
	case CAUSE_NO_ANSWER:      return "no-answer";
	case CAUSE_CANCELED:       return "canceled";
	case CAUSE_INVALID_NUMBER: return "invalid-number";
	/* answered and talked until the money ran out: the cause says so */
	case CAUSE_CREDIT_EXHAUSTED: return "completed";
	default:                   return "failed";
	}
}


static const char *event_type_name(const struct call_event *ev)
{
	switch (ev->type) {

	case CALL_EV_LEG_STATE: return "leg.state";
	case CALL_EV_DTMF:      return "leg.dtmf";
	case CALL_EV_PLAY_DONE: return "leg.play_done";
	case CALL_EV_BRIDGED:   return "call.bridged";
	case CALL_EV_CALL_END:  return "call.ended";
	case CALL_EV_APP:       return ev->app_type ? ev->app_type : "app";
	case CALL_EV_TALKING:   return "leg.talking";
	default:                return "unknown";
	}
}


/**
 * Wall clock in microseconds for an event's `ts_us`: read when the event
 * is rendered, which is in the same turn of the loop as the transition
 * (every renderer runs from call_publish()), never before the event's
 * ts_ms nor before the last value given.  It lets a client on the same
 * machine measure how long an event took to reach it.
 */
static uint64_t event_now_us(const struct call_event *ev)
{
	static uint64_t last;
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	if (now < ev->ts_ms * 1000)
		now = ev->ts_ms * 1000;
	if (now < last)
		now = last;
	last = now;
	return now;
}


/**
 * The members of one call-model event's JSON object, without the braces:
 * the WebSocket frames print `{%H}`, the webhook bodies put their
 * event_id first.  A %H handler, so one argument.
 */
int api_json_event(struct re_printf *pf, const struct call_event *ev)
{
	int err = 0;

	err |= re_hprintf(pf, "\"type\":\"%s\",\"call_id\":%H",
			  event_type_name(ev), api_json_str,
			  ev->call_id ? ev->call_id : "");
	if (ev->leg_id)
		err |= re_hprintf(pf, ",\"leg_id\":%H", api_json_str,
				  ev->leg_id);

	switch (ev->type) {

	case CALL_EV_LEG_STATE:
		err |= re_hprintf(pf, ",\"old\":\"%s\",\"new\":\"%s\"",
				  leg_state_name(ev->old_state),
				  leg_state_name(ev->new_state));
		/* fall through */
	case CALL_EV_CALL_END:
		err |= re_hprintf(pf, ",\"cause\":\"%s\",\"sip_status\":%u",
				  cause_name(ev->cause), ev->sip_status);
		if (ev->type == CALL_EV_LEG_STATE &&
		    ev->new_state == LEG_ENDED)
			err |= re_hprintf(pf, ",\"outcome\":\"%s\"",
					  api_outcome_name(ev->cause));
		break;

	case CALL_EV_DTMF:
		err |= re_hprintf(pf, ",\"digit\":\"%c\"",
				  ev->digit ? ev->digit : '?');
		break;

	case CALL_EV_TALKING:
		err |= re_hprintf(pf, ",\"talking\":%s",
				  ev->talking ? "true" : "false");
		break;

	case CALL_EV_APP:
		if (ev->app_json && *ev->app_json)
			err |= re_hprintf(pf, ",%s", ev->app_json);
		break;

	default:
		break;
	}

	err |= re_hprintf(pf, ",\"ts_ms\":%llu,\"ts_us\":%llu",
			  (unsigned long long)ev->ts_ms,
			  (unsigned long long)event_now_us(ev));
	return err;
}
