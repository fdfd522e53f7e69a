/**
 * @file api/money_tokens.c  Usage tokens: services, grants, balances
 *
 * A paid mid-call service (seed 001) is used against tokens, one per
 * session or per started minute (docs/money.md); a missing token is
 * charged at the service's price.  PUT /v1/token-services/{name} sets a
 * service's unit and price (name: 1-31 of a-z 0-9 - _), POST
 * /v1/accounts/{id}/tokens grants an account tokens of a service (a
 * whole number, 1 to 10^12; its Idempotency-Key is the grant's key
 * too), GET lists an account's balances.  Using tokens is the services'
 * business (a later issue), through money_token_consume().
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_money.h"

struct token_job {
	struct money_job j;
	struct store_account a;
	struct store_token_service s;
	char id[STORE_NAME_MAX];          /* path */
	char service[STORE_SERVICE_MAX];
	int64_t n, price;
	bool per_minute;
};


static struct token_job *job_path(struct api_req *req)
{
	struct token_job *tj = api_money_job(req, sizeof(*tj), "account");

	if (tj)
		str_ncpy(tj->id, req->param[0], sizeof(tj->id));
	return tj;
}


/* ---- PUT /v1/token-services/{name} ----------------------------------- */

static int service_work(struct store *st, void *arg)
{
	struct token_job *tj = arg;
	struct money_job *j = &tj->j;
	const char *cur;
	int err;

	err = api_money_load(j, st);
	if (err)
		return err;
	cur = j->mt.currency;
	if (j->cur[0] && strcmp(j->cur, cur))
		return api_money_fail(j, 422, "currency_mismatch", "currency",
				      "the tenant's prices are in %s", cur);
	err = money_token_service_set(st, j->tenant, tj->id, tj->per_minute,
				      tj->price);
	if (err == EINVAL)
		return api_money_fail(j, 400, "invalid_field", "name",
				      "1-31 of a-z 0-9 - _ .");
	if (err)
		return err;
	return api_money_reply(j, 200, "{\"name\":%H,\"unit\":\"%s\","
			       "\"price\":%H,\"currency\":\"%s\"}",
			       api_json_str, tj->id,
			       tj->per_minute ? "minute" : "session",
			       api_json_amount,
			       &(struct api_amount){tj->price, cur}, cur);
}


void api_token_service_put(struct api_req *req)
{
	struct token_job *tj = job_path(req);
	char unit[16];

	if (!tj)
		return;
	if (!api_need_body(req, "send a JSON object: "
			   "{\"unit\": \"session\", \"price\": \"0.50\"}") ||
	    !api_field_str(req, "unit", unit, sizeof(unit), true) ||
	    !api_money_amount(req, "price", &tj->price, true, true) ||
	    !api_money_currency(req, &tj->j))
		goto out;
	tj->per_minute = !strcmp(unit, "minute");
	if (!tj->per_minute && strcmp(unit, "session")) {
		api_error(req, 400, "invalid_field", "unit",
			  "session or minute");
		goto out;
	}
	(void)api_money_submit(tj, service_work);
 out:
	mem_deref(tj);
}


/* ---- POST /v1/accounts/{id}/tokens ----------------------------------- */

static int grant_work(struct store *st, void *arg)
{
	struct token_job *tj = arg;
	struct money_job *j = &tj->j;
	int64_t have = 0;
	int err;

	err = api_money_account(j, st, &tj->a, tj->id);
	if (err)
		return err;
	if (!money_account_kind_ok(tj->a.kind))
		return api_money_fail(j, 422, "not_payable", NULL, "tokens "
				      "belong to customer and business "
				      "accounts");
	err = store_money_token_service_get(st, &tj->s, j->tenant,
					    tj->service);
	if (err == ENOENT)
		return api_money_fail(j, 422, "unknown_service", "service",
				      "no such token service: PUT "
				      "/v1/token-services/{name} first");
	if (!err)
		err = money_token_grant(st, j->tenant, tj->a.id, tj->service,
					tj->n, j->key);
	if (err && err != EALREADY)
		return err;
	err = store_money_token_get(st, tj->a.id, tj->service, &have);
	if (err)
		return err;
	return api_money_reply(j, 201, "{\"account\":%H,\"service\":%H,"
			       "\"granted\":%lld,\"tokens\":%lld}",
			       api_json_str, tj->a.id, api_json_str,
			       tj->service, (long long)tj->n,
			       (long long)have);
}


void api_tokens_grant(struct api_req *req)
{
	struct token_job *tj = job_path(req);
	const struct odict_entry *e;

	if (!tj)
		return;
	if (!api_need_body(req, "send a JSON object: "
			   "{\"service\", \"tokens\": 10}") ||
	    !api_field_str(req, "service", tj->service, sizeof(tj->service),
			   true))
		goto out;
	e = odict_lookup(req->body, "tokens");
	if (!e) {
		api_error(req, 400, "missing_field", "tokens",
			  "this field is required");
		goto out;
	}
	if (e->type != ODICT_INT || e->u.integer < 1 ||
	    e->u.integer > INT64_C(1000000000000)) {
		api_error(req, 400, "invalid_field", "tokens",
			  "a whole number from 1 to 1000000000000");
		goto out;
	}
	tj->n = e->u.integer;
	(void)api_money_submit(tj, grant_work);
 out:
	mem_deref(tj);
}


/* ---- GET /v1/accounts/{id}/tokens ------------------------------------ */

static bool list_h(const char *service, int64_t tokens, void *arg)
{
	struct token_job *tj = arg;

	return api_money_item(&tj->j, "{\"service\":%H,\"tokens\":%lld}",
			      api_json_str, service, (long long)tokens);
}


static int list_work(struct store *st, void *arg)
{
	struct token_job *tj = arg;
	struct money_job *j = &tj->j;
	int err;

	err = api_money_account(j, st, &tj->a, tj->id);
	if (!err)
		err = api_money_reply(j, 200, "{\"account\":%H,\"tokens\":[",
				      api_json_str, tj->a.id);
	if (!err)
		err = store_money_token_list(st, tj->a.id, list_h, tj);
	return api_money_list_end(j, err);
}


void api_tokens_list(struct api_req *req)
{
	struct token_job *tj = job_path(req);

	if (tj)
		(void)api_money_submit(tj, list_work);
	mem_deref(tj);
}
