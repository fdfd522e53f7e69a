/**
 * @file api/routes.c  The route table: method, path pattern, handler, doc
 *
 * The one list of what the API answers.  A `{}` segment in a pattern
 * matches one path segment (up to 47 URL-safe characters) and is handed to
 * the handler in req->param[] in order; `{f}` is the same for a file name,
 * which may also hold dots but not start with one.  docs/api.md is written
 * from this table and tests check that both agree.  GET / and /web/{f}
 * are the web console's files (src/api/static.c).
 *
 * Roles.  Each route with credentials names the roles it admits
 * (api_dispatch() answers 403 forbidden to the others): API_ANY_ROLE for
 * who-am-I routes, API_ADMINS for the platform's tenants, and by default
 * (no role named) API_MANAGERS, admin and operator: calls, events, users,
 * keys and money (customers may also ask for a quote, and use
 * conferences: src/api/conf.c's access rule).  Agents and customers only
 * get what names them.  An API key acts as an operator of its tenant.  Which tenant's objects a manager
 * may touch is the handler's business (an operator: its own only).
 */
#include <string.h>
#include <re.h>
#include "api.h"

struct route {
	const char *method;
	const char *pattern;
	api_route_h *h;
	const char *doc;
	unsigned flags;          /* API_PUBLIC, or API_AUTH and roles */
};

static const struct route routes[] = {
	{"GET",    "/", api_static_index, "the web console (api.web_dir)",
	 API_PUBLIC},
	{"GET",    "/web/{f}", api_static_file,
	 "a file of the web console: .html .css .js .svg .png .ico .txt",
	 API_PUBLIC},
	{"GET",    "/healthz", api_health, "liveness", API_PUBLIC},
	{"GET",    "/readyz", api_ready,
	 "readiness: the store answers and SIP listens (else 503)",
	 API_PUBLIC},
	{"GET",    "/metrics", api_metrics, "Prometheus metrics", API_PUBLIC},
	{"POST",   "/v1/auth/login", api_auth_login,
	 "web login {login, password}: session cookie and CSRF token",
	 API_PUBLIC},
	{"POST",   "/v1/auth/logout", api_auth_logout,
	 "end the cookie's session", API_ANY_ROLE | API_AUTH},
	{"GET",    "/v1/me", api_me, "who the credentials are",
	 API_ANY_ROLE | API_AUTH},
	{"GET",    "/v1/agent", api_agent_me,
	 "the console's agent: status and the screen-pop of its request",
	 API_AGENTS | API_AUTH},
	{"POST",   "/v1/agent/status", api_agent_status,
	 "set the agent's status: {status: available | break | logged-out "
	 "| wrap-done}", API_AGENTS | API_AUTH},
	{"POST",   "/v1/agent/hangup", api_agent_hangup,
	 "end the agent's call", API_AGENTS | API_AUTH},
	{"POST",   "/v1/agent/wrapup", api_agent_wrapup,
	 "wrap-up notes and an order/complaint form for the business: "
	 "{notes, form: {kind, product?, quantity?, amount?, text?}}",
	 API_AGENTS | API_AUTH},
	{"GET",    "/v1/agent/history", api_agent_history,
	 "the agent's requests since midnight UTC", API_AGENTS | API_AUTH},
	{"GET",    "/v1/tenants", api_tenants_list, "every tenant",
	 API_ADMINS | API_AUTH},
	{"POST",   "/v1/tenants", api_tenants_create,
	 "create a tenant: {name, webhook_url?}", API_ADMINS | API_AUTH},
	{"GET",    "/v1/tenants/{}", api_tenants_get, "one tenant",
	 API_ADMINS | API_AUTH},
	{"PATCH",  "/v1/tenants/{}", api_tenants_update,
	 "rename a tenant or set its webhook URL: {name?, webhook_url?}",
	 API_ADMINS | API_AUTH},
	{"GET",    "/v1/users", api_users_list,
	 "users of the caller's tenant (every tenant's for an admin)",
	 API_MANAGERS | API_AUTH},
	{"POST",   "/v1/users", api_users_create,
	 "add a user: {login, role, password?, tenant?}",
	 API_MANAGERS | API_AUTH},
	{"DELETE", "/v1/users/{}", api_users_delete,
	 "delete a user; its sessions end", API_MANAGERS | API_AUTH},
	{"GET",    "/v1/keys", api_keys_list,
	 "API keys of the caller's tenant (every tenant's for an admin), "
	 "never their secrets", API_MANAGERS | API_AUTH},
	{"POST",   "/v1/keys", api_keys_create,
	 "create an API key: {name, tenant?}; the key is shown once",
	 API_MANAGERS | API_AUTH},
	{"DELETE", "/v1/keys/{}", api_keys_delete, "revoke an API key",
	 API_MANAGERS | API_AUTH},
	{"GET",    "/v1/calls", api_calls_list, "list active calls",
	 API_AUTH},
	{"POST",   "/v1/calls", api_calls_create,
	 "originate: {to, from?, bridge_to? | play?, ring_timeout?, "
	 "status_callback?, billing?: {account, payer?, limit?, "
	 "bridge_to?: {account, payer?}}}", API_AUTH},
	{"GET",    "/v1/calls/{}", api_calls_get, "one call and its legs",
	 API_AUTH},
	{"DELETE", "/v1/calls/{}", api_calls_delete, "hang up every leg",
	 API_AUTH},
	{"POST",   "/v1/calls/{}/legs/{}/dtmf", api_leg_dtmf,
	 "send RFC 4733 digits: {digits}", API_AUTH},
	{"POST",   "/v1/calls/{}/legs/{}/play", api_leg_play,
	 "play a prompt or tone: {file | tone, loop?} or {stop: true}",
	 API_AUTH},
	{"POST",   "/v1/calls/{}/legs/{}/hold", api_leg_hold,
	 "hold or resume: {hold: true|false}", API_AUTH},
	{"GET",    "/v1/calls/{}/charges", api_call_charges,
	 "charge summary of a billed call, running or finished",
	 API_AUTH},
	{"POST",   "/v1/calls/{}/billing/confirm", api_call_billing_confirm,
	 "go on past the authorized amount (limit policy ask)", API_AUTH},
	{"POST",   "/v1/calls/{}/legs/{}/trouble", api_leg_trouble,
	 "report trouble on a finished leg: {kind, text?}; credits at most "
	 "one minute, once per leg", API_AUTH},
	{"POST",   "/v1/debug/clock", api_debug_clock,
	 "tests only (api.debug_clock): move the wall clock ahead "
	 "by advance_s; scheduled callbacks and requests due by then are "
	 "placed", API_ADMINS | API_AUTH},
	{"GET",    "/v1/callbacks", api_callbacks_list,
	 "the tenant's web callbacks", API_AUTH},
	{"POST",   "/v1/callbacks", api_callbacks_create,
	 "call a client back: {client: {number | account | login, "
	 "password}, to?, service: {play | say, voice? | bridge_to}, at?, "
	 "ring_timeout_s?, billing?, status_callback?}", API_AUTH},
	{"GET",    "/v1/callbacks/{}", api_callbacks_get,
	 "one callback: status, call_id once placed", API_AUTH},
	{"DELETE", "/v1/callbacks/{}", api_callbacks_delete,
	 "cancel a callback not yet placed (else 409)", API_AUTH},
	{"PUT",    "/v1/client-numbers", api_client_numbers_put,
	 "the number a client is called back at: {account | login, "
	 "number}", API_AUTH},
	{"GET",    "/v1/callme/{}/items", api_callme_items,
	 "the \"Call me\" page: what a business offers to be played",
	 API_PUBLIC},
	{"POST",   "/v1/callme", api_callme_create,
	 "the \"Call me\" page: {tenant, client: {number | login, "
	 "password}, service: {play}, at?} -> {token, callback}",
	 API_PUBLIC},
	{"GET",    "/v1/callme/{}", api_callme_get,
	 "the \"Call me\" page: a callback's status, ?token=", API_PUBLIC},
	{"GET",    "/v1/dial-policy", api_dial_policy_get,
	 "the tenant's policy for customer-requested calls", API_AUTH},
	{"PUT",    "/v1/dial-policy", api_dial_policy_put,
	 "set it: {blocked_prefixes?, number_identification?, "
	 "per_number_hour?}", API_AUTH},
	{"GET",    "/v1/contact/business", api_cc_business_get,
	 "the tenant's contact-centre settings (defaults and "
	 "configured: false if never set); admins: ?tenant=", API_AUTH},
	{"PUT",    "/v1/contact/business", api_cc_business_put,
	 "replace them: {name?, announcement?, origins?, hours?, "
	 "hold_prompt?, ring_s?, fallback_s?, wrap_s?, max_noanswer?, "
	 "position_s?, billing_account?}", API_AUTH},
	{"GET",    "/v1/contact/agents", api_cc_agents_list,
	 "the business's agents with their live status", API_AUTH},
	{"POST",   "/v1/contact/agents", api_cc_agents_create,
	 "add an agent: {name, endpoint, skills?: {name: level}, "
	 "user_id? | login?}", API_AUTH},
	{"GET",    "/v1/contact/agents/{}", api_cc_agents_get,
	 "one agent: stored fields and live status", API_AUTH},
	{"PATCH",  "/v1/contact/agents/{}", api_cc_agents_update,
	 "change an agent: any of {name, endpoint, skills, user_id | "
	 "login}", API_AUTH},
	{"DELETE", "/v1/contact/agents/{}", api_cc_agents_delete,
	 "remove an agent", API_AUTH},
	{"GET",    "/v1/contact/status", api_cc_status,
	 "live queue and agents of the business", API_AUTH},
	{"POST",   "/v1/contact/requests", api_cc_requests_create,
	 "the business server's call initiation message: {number, "
	 "business?, agent?, skill?, level?, desired_time?, name?, note?, "
	 "page?: {url, title}}", API_AUTH},
	{"GET",    "/v1/contact/requests", api_cc_requests_list,
	 "the business's call requests, newest first: ?since=&agent=&limit=",
	 API_AUTH},
	{"GET",    "/v1/contact/requests/{}", api_cc_requests_get,
	 "one call request: live while active, else as stored", API_AUTH},
	{"DELETE", "/v1/contact/requests/{}", api_cc_requests_delete,
	 "cancel a call request not yet placed (else 409)", API_AUTH},
	{"OPTIONS", "/v1/widget/requests", api_widget_preflight,
	 "CORS preflight of the widget: ?business=ID; registered origins "
	 "only", API_PUBLIC},
	{"POST",   "/v1/widget/requests", api_widget_request,
	 "the widget's call request message (Origin registered by the "
	 "business): {business, number, name?, note?, desired_time?, "
	 "skill?, agent?, page: {url, title}}", API_PUBLIC},
	{"GET",    "/v1/widget/requests/{}", api_widget_progress,
	 "the widget's view of its request: ?token=T&business=ID",
	 API_PUBLIC},
	{"POST",   "/v1/conferences", api_conf_create,
	 "a conference, nothing dialed: {owner: {name?, number}, "
	 "participants?: [{name?, number}], name?, options?: "
	 "{announce_join, confirm_dtmf, end_when_owner_leaves, "
	 "max_participants, confirm_s, ring_timeout_s, billing_required}} "
	 "-> {token, conference}", API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"GET",    "/v1/conferences", api_conf_list,
	 "the tenant's conferences (active, and ended for 10 min)",
	 API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"GET",    "/v1/conferences/{}", api_conf_get,
	 "a conference with the live status of every participant",
	 API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"DELETE", "/v1/conferences/{}", api_conf_end,
	 "end it: every participant hung up in one action",
	 API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"POST",   "/v1/conferences/{}/end", api_conf_end,
	 "end it (as DELETE)", API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"POST",   "/v1/conferences/{}/participants", api_conf_party_add,
	 "add a participant, on-hook: {name?, number}",
	 API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"PATCH",  "/v1/conferences/{}/participants/{}",
	 api_conf_party_update, "{action?: dial|hangup, mute?, deaf?, "
	 "hold?, number? (on-hook only), name?}",
	 API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"DELETE", "/v1/conferences/{}/participants/{}",
	 api_conf_party_hangup, "hang up one participant",
	 API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"GET",    "/v1/conferences/{}/rates", api_conf_rates,
	 "the Rate button: per participant and total per minute, and the "
	 "pre-authorization it would take",
	 API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"POST",   "/v1/conferences/{}/authorize", api_conf_authorize,
	 "pre-authorize before dialing: {account, method? (a card id), "
	 "limit?: extend|ask|cut}; 402 when declined",
	 API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"POST",   "/v1/conferences/{}/billing/confirm",
	 api_conf_billing_confirm,
	 "go on past the authorized amount (limit policy ask)",
	 API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"GET",    "/v1/conferences/{}/summary", api_conf_summary,
	 "the charge summary: per leg number, duration, charge; subtotal, "
	 "minimum adjustment, tax, total; final once settled",
	 API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"POST",   "/v1/conferences/{}/legs/{}/trouble", api_conf_trouble,
	 "report trouble on a finished leg: {kind, text?}; credits at most "
	 "one minute, once per leg", API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"GET",    "/v1/cdrs", api_cdrs_list,
	 "the tenant's finished CDRs: ?after=SEQ&limit=N", API_AUTH},
	{"GET",    "/v1/events", api_events,
	 "WebSocket of call events as JSON text frames; ?call=ID filters",
	 API_AUTH},
	{"PUT",    "/v1/rates", api_rates_put,
	 "replace the rate table: a text/csv body, all or nothing",
	 API_MANAGERS | API_CSV_BODY | API_AUTH},
	{"GET",    "/v1/rates", api_rates_get,
	 "the rate table: JSON, or CSV with Accept: text/csv", API_AUTH},
	{"GET",    "/v1/rates/quote", api_rates_quote,
	 "per-minute prices before a call: ?to=NUMBER (repeatable)",
	 API_MANAGERS | API_CUSTOMERS | API_AUTH},
	{"GET",    "/v1/money/settings", api_money_settings_get,
	 "the tenant's currency, tax, minimum, credit and hold policies",
	 API_AUTH},
	{"PATCH",  "/v1/money/settings", api_money_settings_patch,
	 "change money settings: {currency?, tax?, conf_min?, ...}",
	 API_AUTH},
	{"GET",    "/v1/money/reconcile", api_money_reconcile,
	 "recompute the tenant's ledger: {ok, mismatches}", API_AUTH},
	{"GET",    "/v1/accounts", api_accounts_list,
	 "the tenant's money accounts with balances", API_AUTH},
	{"POST",   "/v1/accounts", api_accounts_create,
	 "open an account: {name, kind?, currency?, credit_limit?}",
	 API_AUTH},
	{"GET",    "/v1/accounts/{}", api_accounts_get,
	 "an account: balance, held, available", API_AUTH},
	{"POST",   "/v1/accounts/{}/topups", api_accounts_topup,
	 "money in: {amount, currency?, method?}", API_AUTH},
	{"GET",    "/v1/accounts/{}/statement", api_accounts_statement,
	 "ledger entries with running balance; ?limit=&cursor=", API_AUTH},
	{"GET",    "/v1/accounts/{}/cards", api_cards_list,
	 "an account's cards (last 4 digits, never the number)", API_AUTH},
	{"POST",   "/v1/accounts/{}/cards", api_cards_add,
	 "add a test card: {number, expiry, cvv}", API_AUTH},
	{"GET",    "/v1/accounts/{}/tokens", api_tokens_list,
	 "an account's usage tokens per service", API_AUTH},
	{"POST",   "/v1/accounts/{}/tokens", api_tokens_grant,
	 "grant usage tokens: {service, tokens}", API_AUTH},
	{"PUT",    "/v1/token-services/{}", api_token_service_put,
	 "a paid service's token unit and price: {unit, price}", API_AUTH},
	{"POST",   "/v1/holds", api_holds_create,
	 "pre-authorize: {account, amount, reference?, method?}", API_AUTH},
	{"GET",    "/v1/holds/{}", api_holds_get, "one hold", API_AUTH},
	{"POST",   "/v1/holds/{}/capture", api_holds_capture,
	 "charge {amount, tax?} and release the rest", API_AUTH},
	{"POST",   "/v1/holds/{}/release", api_holds_release,
	 "release a hold without charging", API_AUTH},
};


static bool seg_ok(const char *p, size_t n, bool file)
{
	if (n == 0 || n >= sizeof(((struct api_req *)0)->param[0]))
		return false;
	if (file && p[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      (file && c == '.')))
			return false;
	}
	return true;
}


/* match `path` against `pattern`, filling req->param[] */
static bool path_match(const char *pattern, const struct pl *path,
		       struct api_req *req)
{
	const char *p = path->p, *end = path->p + path->l;
	unsigned np = 0;

	while (*pattern) {
		bool file = !strncmp(pattern, "{f}", 3);

		if (file || (pattern[0] == '{' && pattern[1] == '}')) {
			const char *s = p;

			while (p < end && *p != '/')
				++p;
			if (np >= API_MAX_PARAMS ||
			    !seg_ok(s, (size_t)(p - s), file))
				return false;
			memcpy(req->param[np], s, (size_t)(p - s));
			req->param[np][p - s] = '\0';
			++np;
			pattern += file ? 3 : 2;
			continue;
		}
		if (p >= end || *p != *pattern)
			return false;
		++p;
		++pattern;
	}
	return p == end;
}


/**
 * Find the route for req's method and path, filling req->param[]:
 * 0 and *hp, EPERM if the path exists but not for this method (405),
 * ENOENT if no route has the path (404).
 */
int api_route_match(struct api_req *req, api_route_h **hp,
		    unsigned *flagsp)
{
	bool path_known = false;

	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		const struct route *r = &routes[i];

		if (!path_match(r->pattern, &req->msg->path, req))
			continue;
		path_known = true;
		if (pl_strcmp(&req->msg->met, r->method))
			continue;
		*hp = r->h;
		if (flagsp)
			*flagsp = r->flags;
		return 0;
	}

	return path_known ? EPERM : ENOENT;
}


/** May a principal of this role use a route with these flags? */
bool api_route_allows(unsigned flags, enum cb_role role)
{
	unsigned roles = flags & API_ANY_ROLE;

	if (flags & API_PUBLIC)
		return true;
	if (role >= CB_ROLE_MAX)
		return false;
	if (!roles)
		roles = API_MANAGERS;
	return (roles & (1u << (API_ROLE_SHIFT + role))) != 0;
}


/** api_route_match() on a bare method and path (tests/fuzz/fuzz_sip.c) */
int api_route_lookup(const struct pl *met, const struct pl *path)
{
	struct http_msg msg;
	struct api_req req;
	api_route_h *h = NULL;

	if (!met || !path)
		return EINVAL;

	memset(&msg, 0, sizeof(msg));
	msg.met = *met;
	msg.path = *path;
	memset(&req, 0, sizeof(req));
	req.msg = &msg;

	return api_route_match(&req, &h, NULL);
}
