/**
 * @file cc/print.c  Live state as JSON: requests, agents, the queue
 *
 * What the routes show: a request as it is now (cc_request_print; its
 * fields in cc_request_fields, which the stored-request routes print for
 * a row too, so the two shapes cannot drift apart), the
 * widget's own view of it, only to the holder of its token
 * (cc_request_progress: the BLAKE2b of the token is compared in constant
 * time with the stored hash), an agent with its screen-pop
 * (cc_agent_print), and a business's queue and agents
 * (cc_status_print).  Times are milliseconds: *_ms since the epoch, the
 * waits and idle times as durations; `due_ms`, the customer's desired
 * time, is null when none was given.
 */
#include <string.h>
#include <re.h>
#include <sodium.h>
#include "cc.h"


static uint64_t since_j(uint64_t j)
{
	uint64_t now = tmr_jiffies();

	return j && now > j ? now - j : 0;
}


/* how long the customer has waited for an agent (so far) */
static uint64_t wait_ms(const struct cc_req *r)
{
	if (r->row.connected_ms || cc_status_final(r->st))
		return r->row.wait_ms;
	return r->queued_j ? since_j(r->queued_j) : 0;
}


/* a time of the epoch in ms, null when there is none (0) */
static int json_time(struct re_printf *pf, const uint64_t *ms)
{
	return *ms ? re_hprintf(pf, "%llu", (unsigned long long)*ms)
		   : re_hprintf(pf, "null");
}


/**
 * The fields of a request, stored or live, without the braces: what the
 * request routes print of a stored row and of a live request alike.  The
 * skill and its level and the wait are the caller's (a stored row's
 * skill column is "name:level", a live request's wait is still running).
 */
int cc_request_fields(struct re_printf *pf, const struct store_cc_request *w,
		      const char *skill, unsigned level, uint64_t wait)
{
	int err;

	err  = re_hprintf(pf, "\"id\":%H,\"tenant_id\":%H,\"status\":%H,"
			  "\"source\":%H,"
			  "\"customer\":%H,\"customer_name\":%H,"
			  "\"page_url\":%H,\"page_title\":%H,\"note\":%H,",
			  cc_json_str, w->id, cc_json_str, w->tenant_id,
			  cc_json_str, w->status,
			  cc_json_str, w->source, cc_json_str, w->customer,
			  cc_json_str, w->customer_name, cc_json_str,
			  w->page_url, cc_json_str, w->page_title,
			  cc_json_str, w->note);
	err |= re_hprintf(pf, "\"skill\":%H,\"level\":%u,"
			  "\"agent_hint\":%H,\"agent_id\":%H,"
			  "\"call_id\":%H,\"cause\":%H,"
			  "\"wrap_notes\":%H,",
			  cc_json_str, skill, level,
			  cc_json_str, w->agent_hint, cc_json_str,
			  w->agent_id, cc_json_str, w->call_id,
			  cc_json_str, w->cause, cc_json_str, w->wrap_notes);
	err |= re_hprintf(pf, "\"due_ms\":%H,\"created_ms\":%llu,"
			  "\"answered_ms\":%llu,\"connected_ms\":%llu,"
			  "\"ended_ms\":%llu,\"wait_ms\":%llu,"
			  "\"updated_ms\":%llu",
			  json_time, &w->due_ms,
			  (unsigned long long)w->created_ms,
			  (unsigned long long)w->answered_ms,
			  (unsigned long long)w->connected_ms,
			  (unsigned long long)w->ended_ms,
			  (unsigned long long)wait,
			  (unsigned long long)w->updated_ms);
	return err;
}


static int print_request(struct re_printf *pf, const struct cc_req *r)
{
	const struct store_cc_request *w = &r->row;
	int err;

	err  = re_hprintf(pf, "{");
	err |= cc_request_fields(pf, w, w->skill, w->skill[0] ? r->level : 0,
				 wait_ms(r));
	err |= re_hprintf(pf, ",\"position\":%u,"
			  "\"callback\":%s,\"announcements\":%u,"
			  "\"announced_position\":%u}",
			  acd_req_position(r->areq),
			  acd_req_is_callback(r->areq) ? "true" : "false",
			  r->announcements, r->announced_pos);
	return err;
}


int cc_request_print(struct re_printf *pf, const char *tenant,
		     const char *id)
{
	const struct cc_req *r = cc_req_find(id);

	if (!r || !tenant || strcmp(r->row.tenant_id, tenant))
		return ENOENT;
	return print_request(pf, r);
}


static bool token_ok(const struct cc_req *r, const char *token)
{
	uint8_t want[32], got[32];
	size_t n = 0;

	if (!token || !*token || strlen(r->row.token_hash) != 64 ||
	    sodium_hex2bin(want, sizeof(want), r->row.token_hash, 64, NULL,
			   &n, NULL) || n != sizeof(want))
		return false;
	if (crypto_generichash(got, sizeof(got), (const uint8_t *)token,
			       strlen(token), NULL, 0))
		return false;
	return sodium_memcmp(want, got, sizeof(want)) == 0;
}


int cc_request_progress(struct re_printf *pf, const char *id,
			const char *token)
{
	const struct cc_req *r = cc_req_find(id);
	uint32_t pos;
	char msg[96];

	if (!r || !token_ok(r, token))
		return ENOENT;
	pos = r->st == CC_QUEUED ? acd_req_position(r->areq) : 0;
	(void)cc_progress_text(msg, sizeof(msg), r->st, pos);
	return re_hprintf(pf, "{\"id\":%H,\"status\":%H,\"position\":%u,"
			  "\"message\":%H,\"final\":%s,\"due_ms\":%H}",
			  cc_json_str, r->row.id, cc_json_str, r->row.status,
			  pos, cc_json_str, msg,
			  cc_status_final(r->st) ? "true" : "false",
			  json_time, &r->row.due_ms);
}


/* the screen-pop: what the agent sees before the call is bridged */
static int print_pop(struct re_printf *pf, const struct cc_req *r)
{
	const struct store_cc_request *w = &r->row;

	if (!r)
		return re_hprintf(pf, "null");
	return re_hprintf(pf, "{\"request_id\":%H,\"status\":%H,"
			  "\"customer\":%H,\"customer_name\":%H,"
			  "\"page_url\":%H,\"page_title\":%H,\"note\":%H,"
			  "\"skill\":%H,\"due_ms\":%H,\"created_ms\":%llu,"
			  "\"queue_wait_ms\":%llu,\"call_id\":%H}",
			  cc_json_str, w->id, cc_json_str, w->status,
			  cc_json_str, w->customer, cc_json_str,
			  w->customer_name, cc_json_str, w->page_url,
			  cc_json_str, w->page_title, cc_json_str, w->note,
			  cc_json_str, w->skill, json_time, &w->due_ms,
			  (unsigned long long)w->created_ms,
			  (unsigned long long)wait_ms(r),
			  cc_json_str, w->call_id);
}


static int print_agent(struct re_printf *pf, const struct cc_agent *a)
{
	enum acd_agent_state st = acd_agent_state(a->ag);
	uint64_t wrap = 0, idle = 0, now = tmr_jiffies();
	int err;

	if (st == ACD_AGENT_WRAP_UP && a->wrap_until_j > now)
		wrap = a->wrap_until_j - now;
	if (st == ACD_AGENT_AVAILABLE)
		idle = since_j(acd_agent_idle_since(a->ag));
	err  = re_hprintf(pf, "{\"id\":%H,\"name\":%H,\"status\":%H,"
			  "\"endpoint\":%H,\"skills\":%H,\"user_id\":%H,"
			  "\"noanswers\":%u,\"idle_ms\":%llu,"
			  "\"wrap_remaining_ms\":%llu,\"last_request_id\":%H,"
			  "\"request\":",
			  cc_json_str, a->row.id, cc_json_str, a->row.name,
			  cc_json_str, acd_agent_state_name(st),
			  cc_json_str, a->row.endpoint, cc_json_str,
			  a->row.skills, cc_json_str, a->row.user_id,
			  acd_agent_noanswers(a->ag),
			  (unsigned long long)idle, (unsigned long long)wrap,
			  cc_json_str, a->last_req[0] ? a->last_req : NULL);
	err |= a->req ? print_pop(pf, a->req) : re_hprintf(pf, "null");
	err |= re_hprintf(pf, "}");
	return err;
}


int cc_agent_print(struct re_printf *pf, const char *tenant,
		   const char *agent_id)
{
	const struct cc_agent *a = cc_agent_find(cc_biz_find(tenant),
						 agent_id);

	if (!a || a->removed)
		return ENOENT;
	return print_agent(pf, a);
}


int cc_status_print(struct re_printf *pf, const char *tenant)
{
	const struct cc_biz *biz = cc_biz_find(tenant);
	unsigned countv[CC_STATUS_MAX];
	unsigned n = 0;
	struct le *le;
	int err;

	if (!biz)
		return ENOENT;
	memset(countv, 0, sizeof(countv));
	err = re_hprintf(pf, "{\"queue_length\":%u,\"waiting\":[",
			 acd_queue_count(biz->q));
	LIST_FOREACH(cc_reqs(), le) {
		const struct cc_req *r = le->data;

		if (r->biz != biz)
			continue;
		++countv[r->st];
		if (!r->areq || !acd_req_position(r->areq))
			continue;
		err |= re_hprintf(pf, "%s{\"id\":%H,\"status\":%H,"
				  "\"position\":%u,\"wait_ms\":%llu,"
				  "\"customer\":%H,\"skill\":%H,"
				  "\"agent_id\":%H}", n++ ? "," : "",
				  cc_json_str, r->row.id, cc_json_str,
				  r->row.status, acd_req_position(r->areq),
				  (unsigned long long)wait_ms(r),
				  cc_json_str, r->row.customer,
				  cc_json_str, r->row.skill,
				  cc_json_str, r->row.agent_id[0] ?
				  r->row.agent_id : NULL);
	}
	err |= re_hprintf(pf, "],\"agents\":[");
	n = 0;
	LIST_FOREACH(&biz->agents, le) {
		const struct cc_agent *a = le->data;

		if (a->removed)
			continue;
		err |= re_hprintf(pf, "%s", n++ ? "," : "");
		err |= print_agent(pf, a);
	}
	err |= re_hprintf(pf, "],\"counts\":{");
	for (int i = 0; i < CC_STATUS_MAX; i++)
		err |= re_hprintf(pf, "%s\"%s\":%u", i ? "," : "",
				  cc_status_name((enum cc_status)i),
				  countv[i]);
	err |= re_hprintf(pf, "}}");
	return err;
}
