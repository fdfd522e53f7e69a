/**
 * @file api/callbacks_numbers.c  Web callbacks: PUT /v1/client-numbers
 *
 * A client known by an account of the tenant or by a user's login may
 * have a number on record, called back when a request gives no `to`
 * (callbacks_create.c reads it).  The account or the login is found on
 * a store worker and stored as the client's name ("account:ID",
 * "user:ID"), the same name a callback records as its client; another
 * tenant's user is no user of this one (404).
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_meter.h"
#include "callbacks.h"


struct numset {
	struct api_req *req;               /* mem_ref'd */
	char tenant_id[CB_ID_LEN + 1];
	char account[STORE_NAME_MAX];      /* or */
	char login[STORE_NAME_MAX];
	char client[80];                   /* resolved */
	char number[24];
};


static void numset_destructor(void *arg)
{
	struct numset *ns = arg;

	mem_deref(ns->req);
}


static int numset_work(struct store *st, void *arg)
{
	struct numset *ns = arg;
	struct store_account a;
	struct store_user u;
	int err;

	if (ns->account[0]) {
		err = store_money_account_get(st, &a, ns->tenant_id,
					      ns->account);
		if (err)
			return err;
		(void)re_snprintf(ns->client, sizeof(ns->client),
				  "account:%s", a.id);
	}
	else {
		err = store_user_find_login(st, &u, ns->login);
		if (err)
			return err;
		/* another tenant's user is no user of this one */
		if (strcmp(u.tenant_id, ns->tenant_id))
			return ENOENT;
		(void)re_snprintf(ns->client, sizeof(ns->client), "user:%s",
				  u.id);
	}
	return store_client_number_put(st, ns->tenant_id, ns->client,
				       ns->number, call_now_ms());
}


static void numset_done(int err, void *arg)
{
	struct numset *ns = arg;
	struct api_req *req = ns->req;

	if (err == ECANCELED)
		return;
	if (err == ENOENT) {
		api_error(req, 404, ns->account[0] ? "unknown_account" :
			  "unknown_user", ns->account[0] ? "account" : "login",
			  ns->account[0] ? "no such account" : "no such user");
		return;
	}
	if (err) {
		api_error(req, 503, "unavailable", NULL, "store unavailable");
		return;
	}
	api_reply_json(req, 200, "{\"client\":%H,\"number\":%H}",
		       api_json_str, ns->client, api_json_str, ns->number);
}


void api_client_numbers_put(struct api_req *req)
{
	const char *account, *login, *number;
	struct numset *ns;

	if (!req->body) {
		api_error(req, 400, "missing_body", NULL,
			  "a JSON object is required");
		return;
	}
	ns = mem_zalloc(sizeof(*ns), numset_destructor);
	if (!ns) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!cbk_str_member(req, req->body, "account", "account",
			    sizeof(ns->account), &account) ||
	    !cbk_str_member(req, req->body, "login", "login",
			    sizeof(ns->login), &login) ||
	    !cbk_str_member(req, req->body, "number", "number", 32, &number))
		goto out;
	if ((account != NULL) == (login != NULL)) {
		api_error(req, 422, "conflicting_fields", "account",
			  "give one of account or login");
		goto out;
	}
	if (!number) {
		api_error(req, 400, "missing_field", "number",
			  "the number to call the client back at");
		goto out;
	}
	if (!cbk_number_parse(req, "number", number, ns->number,
			      sizeof(ns->number)))
		goto out;
	str_ncpy(ns->account, account ? account : "", sizeof(ns->account));
	str_ncpy(ns->login, login ? login : "", sizeof(ns->login));
	str_ncpy(ns->tenant_id, req->who.tenant_id, sizeof(ns->tenant_id));
	ns->req = mem_ref(req);
	if (store_submit(store_default(), numset_work, numset_done, ns))
		api_error(req, 503, "unavailable", NULL, "store unavailable");
 out:
	mem_deref(ns);
}

