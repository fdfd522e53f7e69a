/**
 * @file api/json.c  JSON rendering of calls and legs
 */
#include <string.h>
#include <re.h>
#include "api.h"


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
	err |= re_hprintf(pf, "]}");
	return err;
}
