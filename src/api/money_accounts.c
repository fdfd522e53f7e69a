/**
 * @file api/money_accounts.c  /v1/accounts: who holds money in a tenant
 *
 * A tenant's customers and businesses (created here: a name unique in
 * the tenant, 1-63 of A-Z a-z 0-9 - _ . @ +, and an optional credit
 * limit) and its system accounts (sys:revenue, sys:tax, sys:promo,
 * sys:funding.<provider>, made by the ledger on first use), all in the
 * tenant's currency.  An account shows its balance (the sum of its
 * ledger entries), what open holds reserve of it, and what is available
 * (balance - held + the credit limit when the tenant allows credit).
 * `{id}` is an account id or name; another tenant's account is 404.
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_money.h"

struct account_job {
	struct money_job j;
	struct store_account a;
	char id[STORE_NAME_MAX];          /* path */
	char name[STORE_NAME_MAX];
	char kind[STORE_KIND_MAX];
	int64_t credit_limit;
};


/** An account as the API shows it; available needs the settings */
int api_json_account(struct re_printf *pf, const struct api_account *v)
{
	const struct store_account *a = v->a;
	const char *cur = a->currency;
	int64_t avail;

	if (__builtin_sub_overflow(a->balance, a->held, &avail) ||
	    (v->mt->allow_credit &&
	     __builtin_add_overflow(avail, a->credit_limit, &avail)))
		return ERANGE;
	return re_hprintf(pf, "{\"id\":%H,\"name\":%H,\"kind\":%H,"
			  "\"currency\":%H,\"balance\":%H,\"held\":%H,"
			  "\"available\":%H,\"credit_limit\":%H,"
			  "\"created_ms\":%llu}",
			  api_json_str, a->id, api_json_str, a->name,
			  api_json_str, a->kind, api_json_str, cur,
			  api_json_amount,
			  &(struct api_amount){a->balance, cur},
			  api_json_amount, &(struct api_amount){a->held, cur},
			  api_json_amount, &(struct api_amount){avail, cur},
			  api_json_amount,
			  &(struct api_amount){a->credit_limit, cur},
			  (unsigned long long)a->created_ms);
}


static int account_reply(struct money_job *j, uint16_t status,
			 const struct store_account *a)
{
	return api_money_reply(j, status, "%H", api_json_account,
			       &(struct api_account){a, &j->mt});
}


/* ---- create ---------------------------------------------------------- */

static int create_work(struct store *st, void *arg)
{
	struct account_job *aj = arg;
	struct money_job *j = &aj->j;
	int err;

	err = api_money_load(j, st);
	if (err)
		return err;
	if (j->cur[0] && strcmp(j->cur, j->mt.currency))
		return api_money_fail(j, 422, "currency_mismatch", "currency",
				      "the tenant's accounts are in %s "
				      "(PATCH /v1/money/settings changes it "
				      "while it has none)", j->mt.currency);
	err = money_account_create(st, &aj->a, j->tenant, aj->kind,
				   aj->name, aj->credit_limit);
	if (err == EEXIST)
		return api_money_fail(j, 409, "exists", "name",
				      "an account with this name exists");
	if (err == EINVAL)
		return api_money_fail(j, 400, "invalid_field", "name",
				      "1-63 of A-Z a-z 0-9 - _ . @ +");
	if (err)
		return err;
	log_info(NULL, "money: account %s (%s, %s) created in tenant %s",
		 aj->a.id, aj->a.name, aj->a.kind, j->tenant);
	return account_reply(j, 201, &aj->a);
}


void api_accounts_create(struct api_req *req)
{
	struct account_job *aj = api_money_job(req, sizeof(*aj), "account");

	if (!aj)
		return;
	if (!api_need_body(req, "send a JSON object") ||
	    !api_field_str(req, "name", aj->name, sizeof(aj->name), true) ||
	    !api_field_str(req, "kind", aj->kind, sizeof(aj->kind), false) ||
	    !api_money_amount(req, "credit_limit", &aj->credit_limit, false,
			      true) ||
	    !api_money_currency(req, &aj->j))
		goto out;
	if (!aj->kind[0])
		str_ncpy(aj->kind, "customer", sizeof(aj->kind));
	if (!money_account_kind_ok(aj->kind)) {
		api_error(req, 400, "invalid_field", "kind",
			  "customer or business");
		goto out;
	}
	(void)api_money_submit(aj, create_work);
 out:
	mem_deref(aj);
}


/* ---- list ------------------------------------------------------------ */

static bool list_h(const struct store_account *a, void *arg)
{
	struct money_job *j = arg;

	return api_money_item(j, "%H", api_json_account,
			      &(struct api_account){a, &j->mt});
}


static int list_work(struct store *st, void *arg)
{
	struct money_job *j = arg;
	int err;

	err = api_money_load(j, st);
	if (!err)
		err = api_money_reply(j, 200, "{\"accounts\":[");
	if (!err)
		err = store_money_account_list(st, j->tenant, list_h, j);
	return api_money_list_end(j, err);
}


void api_accounts_list(struct api_req *req)
{
	struct account_job *aj = api_money_job(req, sizeof(*aj), "account");

	if (aj)
		(void)api_money_submit(aj, list_work);
	mem_deref(aj);
}


/* ---- get ------------------------------------------------------------- */

static int get_work(struct store *st, void *arg)
{
	struct account_job *aj = arg;
	struct money_job *j = &aj->j;
	int err;

	err = api_money_load(j, st);
	if (!err)
		err = api_money_account(j, st, &aj->a, aj->id);
	return err ? err : account_reply(j, 200, &aj->a);
}


void api_accounts_get(struct api_req *req)
{
	struct account_job *aj = api_money_job(req, sizeof(*aj), "account");

	if (!aj)
		return;
	str_ncpy(aj->id, req->param[0], sizeof(aj->id));
	(void)api_money_submit(aj, get_work);
	mem_deref(aj);
}
