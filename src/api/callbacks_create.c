/**
 * @file api/callbacks_create.c  Web callbacks: POST /v1/callbacks
 *
 * A request becomes a scheduled callback in three steps.  On re_main,
 * its body is checked (callbacks_parse.c, callbacks_billing.c), the
 * tenant's dial policy is asked about the number (which also counts the
 * request: last, so that bad input costs nothing), and a login is
 * checked against the login throttle.  On a store worker the client is
 * identified: an account of the tenant, or a user whose password is
 * verified (Argon2id: slow, hence off re_main; an unknown login and a
 * wrong password are the same 401), the paying accounts become ids, and
 * a client known by an account or a login who gave no `to` is called at
 * its number on record (PUT /v1/client-numbers) -- which goes back to
 * re_main for the dial policy before it is stored.  Once the row is
 * stored, the callback joins the list of callbacks.c (cbk_add) and the
 * request gets its 201; a billed callback due now is answered only once
 * the meter has authorized it (callbacks_place.c).
 *
 * The "Call me" page's POST /v1/callme (callme.c) comes through here
 * too, as `public`: its callback gets a random token, and the reply is
 * the page's view with that token.
 */
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "api.h"
#include "cb_meter.h"
#include "callbacks.h"


static const uint64_t at_max_ahead_ms = 30ull * 24 * 3600 * 1000;


static void create_destructor(void *arg)
{
	struct create *cr = arg;

	memset(cr->password, 0, sizeof(cr->password));
	mem_deref(cr->req);
}


/* the tenant's dial policy for the number called; false: answered */
static bool policy_allows(struct api_req *req, const char *tenant,
			  const char *number, const char *field)
{
	uint32_t retry_s = 0;
	char hdrs[64];
	int err = dialpolicy_check(tenant, number, &retry_s);

	if (err == EPERM) {
		api_error(req, 403, "destination_blocked", field,
			  "the tenant's policy does not dial this number");
		return false;
	}
	if (err == EAGAIN) {
		(void)re_snprintf(hdrs, sizeof(hdrs), "Retry-After: %u\r\n",
				  retry_s ? retry_s : 1);
		req->hdrs = hdrs;
		api_error(req, 429, "rate_limited", field,
			  "too many requests for this number; retry later");
		req->hdrs = NULL;
		return false;
	}
	return true;
}


/* on a store worker: who the client is, who pays, the number */
static int resolve(struct store *st, struct create *cr)
{
	struct store_account a;
	struct store_user u;
	int err;

	if (cr->kind == CLIENT_ACCOUNT) {
		err = store_money_account_get(st, &a, cr->row.tenant_id,
					      cr->ref);
		if (err == ENOENT)
			cr->bad_field = "client.account";
		if (err)
			return err;
		(void)re_snprintf(cr->row.client, sizeof(cr->row.client),
				  "account:%s", a.id);
		if (cr->bill_client)
			str_ncpy(cr->bill.account[METER_ROLE_A], a.id,
				 sizeof(cr->bill.account[METER_ROLE_A]));
	}
	else if (cr->kind == CLIENT_LOGIN) {
		err = store_user_find_login(st, &u, cr->ref);
		if (err && err != ENOENT)
			return err;
		/* unknown login and wrong password are the same refusal */
		if (err || !auth_password_verify(u.pwhash, cr->password) ||
		    strcmp(u.tenant_id, cr->row.tenant_id))
			return EACCES;
		(void)re_snprintf(cr->row.client, sizeof(cr->row.client),
				  "user:%s", u.id);
	}
	if (cr->bill.on) {
		if (!cr->bill_client) {
			err = cbk_bill_account(st, cr, METER_ROLE_A,
					       "billing.account");
			if (err)
				return err;
		}
		if (cr->bill_b_given) {
			err = cbk_bill_account(st, cr, METER_ROLE_B,
					       "billing.bridge_to.account");
			if (err)
				return err;
		}
		else {
			cr->bill.payer[METER_ROLE_B] =
				cr->bill.payer[METER_ROLE_A];
			str_ncpy(cr->bill.account[METER_ROLE_B],
				 cr->bill.account[METER_ROLE_A],
				 sizeof(cr->bill.account[METER_ROLE_B]));
		}
	}
	if (!cr->row.to[0]) {
		err = store_client_number_get(st, cr->row.tenant_id,
					      cr->row.client, cr->row.to,
					      sizeof(cr->row.to));
		if (err)
			return err == ENOENT ? ENODATA : err;
		cr->resolved = true;
	}
	return 0;
}


/*
 * On a store worker: resolved, then stored -- unless the number came
 * from the store, which the dial policy checks first (on re_main).
 */
static int create_work(struct store *st, void *arg)
{
	struct create *cr = arg;
	int err;

	if (!cr->resolved) {
		err = resolve(st, cr);
		if (err || cr->resolved)
			return err;
	}
	cbk_bill_encode(cr->row.billing, sizeof(cr->row.billing), &cr->bill);
	err = store_callback_put(st, &cr->row);
	if (!err)
		cr->stored = true;
	return err;
}


static void create_error(struct api_req *req, struct create *cr, int err)
{
	if (err == EACCES)
		api_error(req, 401, "invalid_credentials", "client",
			  "wrong login or password");
	else if (err == ENOENT)
		api_error(req, 404, "unknown_account", cr->bad_field ?
			  cr->bad_field : "client.account", "no such account");
	else if (err == ENODATA)
		api_error(req, 422, "no_number", "to",
			  "the client has no number on record: give to");
	else
		api_error(req, 503, "unavailable", NULL, "store unavailable");
}


static void create_done(int err, void *arg);


static void create_stored(struct create *cr)
{
	struct api_req *req = cr->req;
	struct cbk *c;

	c = cbk_alloc();
	if (!c) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	c->row = cr->row;
	c->state = CBK_SCHEDULED;
	c->bill = cr->bill;
	if (cr->public) {
		uint8_t rnd[CALLME_TOKEN_LEN / 2];

		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(c->token, sizeof(c->token), rnd, sizeof(rnd));
	}
	log_info(NULL, "callback=%s to %s %s, client %s%s", c->row.id,
		 c->row.to, c->row.service, c->row.client,
		 c->bill.on ? ", billed" : "");
	/* billed and due now: the answer waits for the authorization */
	if (c->bill.on && c->row.due_ms <= call_now_ms())
		c->req = mem_ref(req);
	else
		api_reply_json(req, 201, "%H", c->token[0] ?
			       cbk_print_created_h : cbk_print_h, c);
	cbk_add(c);
}


static void create_done(int err, void *arg)
{
	struct create *cr = arg;
	struct api_req *req = cr->req;

	if (err == ECANCELED || !cbk_running())
		return;
	if (cr->kind == CLIENT_LOGIN && !cr->throttled) {
		cr->throttled = true;
		if (err == EACCES)
			auth_throttle_fail(cr->ref, &cr->peer);
		else if (!err)
			auth_throttle_ok(cr->ref, &cr->peer);
	}
	if (err) {
		create_error(req, cr, err);
		return;
	}
	if (cr->stored) {
		create_stored(cr);
		return;
	}
	/* the client's number on record: the policy first, then stored */
	if (!policy_allows(req, cr->row.tenant_id, cr->row.to, "to"))
		return;
	if (store_submit(store_default(), create_work, create_done, cr))
		api_error(req, 503, "unavailable", NULL, "store unavailable");
}


/* the client, the service, who pays, how long it rings */
static bool create_parse(struct api_req *req, struct create *cr,
			 const char *tenant, const char **numberp,
			 const char **top)
{
	if (!cbk_client_parse(req, cr, numberp) ||
	    !cbk_service_parse(req, cr) || !cbk_billing_parse(req, cr) ||
	    !cbk_ring_parse(req, cr) ||
	    !cbk_str_member(req, req->body, "to", "to", 32, top))
		return false;
	if (cr->kind == CLIENT_NUMBER && !dialpolicy_number_id(tenant)) {
		api_error(req, 403, "identification_not_allowed",
			  "client.number", "the tenant does not identify "
			  "clients by their number alone");
		return false;
	}
	if (!strcmp(cr->row.service, "bridge") &&
	    dialpolicy_blocked(tenant, cr->row.arg)) {
		api_error(req, 403, "destination_blocked",
			  "service.bridge_to",
			  "the tenant's policy does not dial this number");
		return false;
	}
	return true;
}


/**
 * Create a callback of `tenant` from req->body (POST /v1/callbacks, and
 * the public "Call me" page's POST /v1/callme: `public`, its reply has a
 * token for GET /v1/callme/{id}).  Replies.
 */
void callbacks_create(struct api_req *req, const char *tenant, bool public)
{
	const char *number = NULL, *to, *at, *url;
	struct store_callback *r;
	struct create *cr;
	uint32_t wait_s;
	uint64_t now = call_now_ms();

	if (!req->body) {
		api_error(req, 400, "missing_body", NULL,
			  "a JSON object is required");
		return;
	}
	cr = mem_zalloc(sizeof(*cr), create_destructor);
	if (!cr) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	r = &cr->row;
	cr->public = public;
	if (!create_parse(req, cr, tenant, &number, &to) ||
	    !cbk_str_member(req, req->body, "at", "at", 40, &at) ||
	    !cbk_str_member(req, req->body, "status_callback",
			    "status_callback", STORE_URL_MAX, &url))
		goto out;
	if (!to)
		to = number;
	/* else the client's number on record, found on the store worker */
	if (to && !cbk_number_parse(req, number && to == number ?
				    "client.number" : "to", to, r->to,
				    sizeof(r->to)))
		goto out;
	if (url) {
		if (!webhook_url_valid(url)) {
			api_error(req, 400, "invalid_field", "status_callback",
				  "an http:// URL of at most 256 characters");
			goto out;
		}
		str_ncpy(r->status_callback, url, sizeof(r->status_callback));
	}
	r->due_ms = now;
	if (at) {
		if (api_time_parse(&r->due_ms, at)) {
			api_error(req, 400, "invalid_field", "at",
				  "an RFC 3339 UTC time, e.g. "
				  "2030-01-31T12:00:00Z");
			goto out;
		}
		if (r->due_ms > now + at_max_ahead_ms) {
			api_error(req, 422, "too_far", "at",
				  "at most 30 days ahead");
			goto out;
		}
	}

	if (cr->kind == CLIENT_LOGIN) {
		sa_cpy(&cr->peer, http_conn_peer(req->conn));
		wait_s = auth_throttle_check(cr->ref, &cr->peer);
		if (wait_s) {
			char hdrs[64];

			(void)re_snprintf(hdrs, sizeof(hdrs),
					  "Retry-After: %u\r\n", wait_s);
			req->hdrs = hdrs;
			api_error(req, 429, "too_many_attempts", "client",
				  "too many failed logins; retry later");
			req->hdrs = NULL;
			goto out;
		}
	}
	/* counted last: a request refused for its input costs nothing */
	if (r->to[0] && !policy_allows(req, tenant, r->to, number &&
				       to == number ? "client.number" : "to"))
		goto out;

	cb_id_new(r->id, 'k');
	str_ncpy(r->tenant_id, tenant, sizeof(r->tenant_id));
	str_ncpy(r->state, cbk_state_name(CBK_SCHEDULED), sizeof(r->state));
	r->created_ms = r->updated_ms = now;
	r->ver = 1;
	cr->req = mem_ref(req);
	if (store_submit(store_default(), create_work, create_done, cr))
		api_error(req, 503, "unavailable", NULL, "store unavailable");
 out:
	mem_deref(cr);
}


void api_callbacks_create(struct api_req *req)
{
	callbacks_create(req, req->who.tenant_id, false);
}

