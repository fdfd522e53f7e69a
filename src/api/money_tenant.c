/**
 * @file api/money_tenant.c  /v1/money: a tenant's money settings, reconcile
 *
 * The settings are the ones of `admin money tenant set`, with the same
 * names and rules (money_tenant_setting() reads both): currency, tax (a
 * percentage as a decimal string, "8.25"), conf_min, hold_min, hold_max
 * (amounts), allow_credit (true/false), overcapture (cap, available,
 * debt), limit (extend, ask, cut) and typical_s (whole seconds).  A PATCH
 * changes the members it names, all or none: each is checked before the
 * store is touched, and the currency cannot change once the tenant has
 * accounts (409 currency_in_use).
 *
 * Reconcile recomputes the tenant's ledger in one snapshot (store) and
 * says which checks failed: unbalanced transactions, cached balances
 * that differ from their entries, token balances, captured holds without
 * their transaction.
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_money.h"

enum { SETTINGS_MAX = 9, VALUE_MAX = 48 };

struct tenant_job {
	struct money_job j;
	struct {
		const char *key;                /* static: from names[] */
		char val[VALUE_MAX];
	} setv[SETTINGS_MAX];
	unsigned setc;
};

/* the members a PATCH may name, and the JSON type of each */
static const struct {
	const char *key;
	enum odict_type type;
} names[SETTINGS_MAX] = {
	{"currency", ODICT_STRING},   {"tax", ODICT_STRING},
	{"conf_min", ODICT_STRING},   {"hold_min", ODICT_STRING},
	{"hold_max", ODICT_STRING},   {"allow_credit", ODICT_BOOL},
	{"overcapture", ODICT_STRING}, {"limit", ODICT_STRING},
	{"typical_s", ODICT_INT},
};


static int json_settings(struct re_printf *pf,
			 const struct store_money_tenant *mt)
{
	const char *cur = mt->currency;
	char tax[32];

	if (money_ppm_fmt(tax, sizeof(tax), mt->tax_ppm))
		return EINVAL;
	return re_hprintf(pf, "{\"currency\":\"%s\",\"tax\":\"%s\","
			  "\"conf_min\":%H,\"allow_credit\":%s,"
			  "\"overcapture\":\"%s\",\"limit\":\"%s\","
			  "\"typical_s\":%u,\"hold_min\":%H,\"hold_max\":%H}",
			  cur, tax,
			  api_json_amount,
			  &(struct api_amount){mt->conf_min, cur},
			  mt->allow_credit ? "true" : "false",
			  money_over_name(mt->overcapture),
			  money_limit_name(mt->limit_policy), mt->typical_s,
			  api_json_amount,
			  &(struct api_amount){mt->hold_min, cur},
			  api_json_amount,
			  &(struct api_amount){mt->hold_max, cur});
}


/* ---- GET ------------------------------------------------------------- */

static int get_work(struct store *st, void *arg)
{
	struct money_job *j = arg;
	int err = api_money_load(j, st);

	return err ? err : api_money_reply(j, 200, "%H", json_settings,
					   &j->mt);
}


void api_money_settings_get(struct api_req *req)
{
	struct tenant_job *tj = api_money_job(req, sizeof(*tj), "tenant");

	if (tj)
		(void)api_money_submit(tj, get_work);
	mem_deref(tj);
}


/* ---- PATCH ----------------------------------------------------------- */

static int patch_work(struct store *st, void *arg)
{
	struct tenant_job *tj = arg;
	struct money_job *j = &tj->j;
	int err;

	err = api_money_load(j, st);
	for (unsigned i = 0; i < tj->setc && !err; i++)
		err = money_tenant_setting(&j->mt, tj->setv[i].key,
					   tj->setv[i].val);
	if (err)
		return err;
	err = money_tenant_set(st, &j->mt);
	if (err == EBUSY)
		return api_money_fail(j, 409, "currency_in_use", "currency",
				      "the tenant has accounts in its "
				      "currency");
	if (err == ERANGE)
		return api_money_fail(j, 422, "invalid_field", "hold_max",
				      "hold_max is below hold_min");
	if (err)
		return err;
	log_info(NULL, "money settings of tenant %s changed", j->tenant);
	return api_money_reply(j, 200, "%H", json_settings, &j->mt);
}


/* a member as the text money_tenant_setting() reads; false: answered */
static bool value_read(struct api_req *req, const struct odict_entry *e,
		       enum odict_type type, char val[VALUE_MAX])
{
	if (e->type != type) {
		api_error(req, 400, "invalid_field", e->key,
			  type == ODICT_BOOL ? "true or false" :
			  type == ODICT_INT ? "a whole number" :
			  "a string (amounts and tax: decimal text, "
			  "\"8.25\")");
		return false;
	}
	if (type == ODICT_BOOL)
		str_ncpy(val, e->u.boolean ? "yes" : "no", VALUE_MAX);
	else if (type == ODICT_INT)
		(void)re_snprintf(val, VALUE_MAX, "%lld",
				  (long long)e->u.integer);
	else if (strlen(e->u.str) >= VALUE_MAX) {
		api_error(req, 400, "invalid_field", e->key, "too long");
		return false;
	}
	else
		str_ncpy(val, e->u.str, VALUE_MAX);
	return true;
}


/* every member known, well typed and valid on its own; false: answered */
static bool patch_read(struct api_req *req, struct tenant_job *tj)
{
	struct store_money_tenant scratch;

	if (!req->body || !odict_count(req->body, false)) {
		api_error(req, 400, "missing_body", NULL, "send a JSON object "
			  "of the settings to change");
		return false;
	}
	memset(&scratch, 0, sizeof(scratch));
	for (struct le *le = req->body->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		size_t i;
		int err;

		for (i = 0; i < SETTINGS_MAX; i++) {
			if (!strcmp(names[i].key, e->key))
				break;
		}
		if (i == SETTINGS_MAX) {
			api_error(req, 400, "invalid_field", e->key,
				  "not a setting: currency tax conf_min "
				  "hold_min hold_max allow_credit overcapture "
				  "limit typical_s");
			return false;
		}
		if (tj->setc >= SETTINGS_MAX) {
			api_error(req, 400, "invalid_field", e->key,
				  "named twice");
			return false;
		}
		if (!value_read(req, e, names[i].type,
				tj->setv[tj->setc].val))
			return false;
		err = money_tenant_setting(&scratch, e->key,
					   tj->setv[tj->setc].val);
		if (err && !strcmp(e->key, "currency")) {
			api_error(req, 422, "unknown_currency", "currency",
				  "not a currency of money.currencies");
			return false;
		}
		if (err) {
			api_error(req, 400, "invalid_field", e->key,
				  "not a valid value (docs/money.md)");
			return false;
		}
		tj->setv[tj->setc++].key = names[i].key;
	}
	return true;
}


void api_money_settings_patch(struct api_req *req)
{
	struct tenant_job *tj = api_money_job(req, sizeof(*tj), "tenant");

	if (tj && patch_read(req, tj))
		(void)api_money_submit(tj, patch_work);
	mem_deref(tj);
}


/* ---- reconcile ------------------------------------------------------- */

static int check_print(struct re_printf *pf, const char *name, uint64_t n,
		       bool *first)
{
	int err;

	if (!n)
		return 0;
	err = re_hprintf(pf, "%s{\"check\":\"%s\",\"count\":%llu}",
			 *first ? "" : ",", name, (unsigned long long)n);
	*first = false;
	return err;
}


static int json_mismatches(struct re_printf *pf,
			   const struct store_money_recon *r)
{
	bool first = true;
	int err = 0;

	err |= check_print(pf, "unbalanced_transactions", r->bad_txns,
			   &first);
	err |= check_print(pf, "balances", r->bad_balances, &first);
	err |= check_print(pf, "token_balances", r->bad_tokens, &first);
	err |= check_print(pf, "holds", r->bad_holds, &first);
	err |= check_print(pf, "entries_sum", r->total != 0, &first);
	return err;
}


static int recon_work(struct store *st, void *arg)
{
	struct money_job *j = arg;
	struct store_money_recon r;
	int err;

	memset(&r, 0, sizeof(r));
	err = money_reconcile(st, j->tenant, &r);
	if (err && err != EBADMSG)
		return err;
	return api_money_reply(j, 200, "{\"ok\":%s,\"accounts\":%llu,"
			       "\"transactions\":%llu,\"entries\":%llu,"
			       "\"open_holds\":%llu,\"token_balances\":%llu,"
			       "\"entries_sum\":%lld%s%H,"
			       "\"mismatches\":[%H]}",
			       err ? "false" : "true",
			       (unsigned long long)r.accounts,
			       (unsigned long long)r.txns,
			       (unsigned long long)r.entries,
			       (unsigned long long)r.holds_open,
			       (unsigned long long)r.token_balances,
			       (long long)r.total,
			       r.first_bad[0] ? ",\"first_bad\":" : "",
			       api_json_str, r.first_bad[0] ? r.first_bad
			       : NULL, json_mismatches, &r);
}


void api_money_reconcile(struct api_req *req)
{
	struct tenant_job *tj = api_money_job(req, sizeof(*tj), "tenant");

	if (tj)
		(void)api_money_submit(tj, recon_work);
	mem_deref(tj);
}
