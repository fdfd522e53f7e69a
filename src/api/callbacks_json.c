/**
 * @file api/callbacks_json.c  Web callbacks: a callback in JSON
 *
 * Two views of one callback: the API's (GET /v1/callbacks/{id}, the
 * list, the replies of POST and DELETE), with the client, the call and
 * who pays; and the "Call me" page's (GET /v1/callme/{id}), which shows
 * only the status, the time and the cause.  The page's POST gets the
 * page's view with the token, once.  Times are RFC 3339 UTC, like `at`.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "api.h"
#include "cb_money.h"
#include "cb_meter.h"
#include "callbacks.h"


static int print_time(struct re_printf *pf, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return re_hprintf(pf, "null");
	return re_hprintf(pf, "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"",
			  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			  tm.tm_hour, tm.tm_min, tm.tm_sec);
}


static int print_cause(struct re_printf *pf, const struct cbk *c)
{
	return c->row.cause[0] ? api_json_str(pf, c->row.cause) :
		re_hprintf(pf, "null");
}


static int print_bill(struct re_printf *pf, void *arg)
{
	const struct cbk *c = arg;
	const struct cbk_bill *b = &c->bill;
	int err;

	if (!b->on)
		return re_hprintf(pf, "null");
	err = re_hprintf(pf, "{\"account\":%H,\"payer\":\"%s\"",
			 api_json_str, b->account[METER_ROLE_A],
			 cbk_payer_name(b->payer[METER_ROLE_A]));
	if (b->limit >= 0)
		err |= re_hprintf(pf, ",\"limit\":\"%s\"", money_limit_name(
					  (enum money_limit)b->limit));
	if (cbk_bridge_of(&c->row))
		err |= re_hprintf(pf, ",\"bridge_to\":{\"account\":%H,"
				  "\"payer\":\"%s\"}", api_json_str,
				  b->account[METER_ROLE_B],
				  cbk_payer_name(b->payer[METER_ROLE_B]));
	return err | re_hprintf(pf, "}");
}


/** The API's view of a callback */
int cbk_print(struct re_printf *pf, const struct cbk *c)
{
	const struct store_callback *r = &c->row;
	int err;

	err = re_hprintf(pf, "{\"id\":%H,\"status\":%H,\"to\":%H,"
			 "\"service\":%H,\"client\":%H,\"at\":",
			 api_json_str, r->id, api_json_str, r->state,
			 api_json_str, r->to, api_json_str, r->service,
			 api_json_str, r->client);
	err |= print_time(pf, r->due_ms);
	err |= re_hprintf(pf, ",\"created_ms\":%llu,\"updated_ms\":%llu,"
			  "\"call_id\":",
			  (unsigned long long)r->created_ms,
			  (unsigned long long)r->updated_ms);
	err |= r->call_id[0] ? api_json_str(pf, r->call_id) :
		re_hprintf(pf, "null");
	err |= re_hprintf(pf, ",\"cause\":");
	err |= print_cause(pf, c);
	err |= re_hprintf(pf, ",\"ring_timeout_s\":");
	err |= r->ring_timeout_s ? re_hprintf(pf, "%u", r->ring_timeout_s) :
		re_hprintf(pf, "null");
	err |= re_hprintf(pf, ",\"billing\":%H}", print_bill, c);
	return err;
}


/* what the "Call me" page sees: no client, no call, no billing */
static int print_public(struct re_printf *pf, const struct cbk *c)
{
	int err = re_hprintf(pf, "{\"id\":%H,\"status\":%H,\"at\":",
			     api_json_str, c->row.id, api_json_str,
			     c->row.state);

	err |= print_time(pf, c->row.due_ms);
	err |= re_hprintf(pf, ",\"cause\":");
	err |= print_cause(pf, c);
	return err | re_hprintf(pf, "}");
}


int cbk_print_public_h(struct re_printf *pf, void *arg)
{
	return print_public(pf, arg);
}


/* the page's reply to its POST: with the token, once */
int cbk_print_created_h(struct re_printf *pf, void *arg)
{
	const struct cbk *c = arg;
	int err;

	err = re_hprintf(pf, "{\"token\":\"%s\",\"callback\":", c->token);
	err |= print_public(pf, c);
	return err | re_hprintf(pf, "}");
}


int cbk_print_h(struct re_printf *pf, void *arg)
{
	return cbk_print(pf, arg);
}

