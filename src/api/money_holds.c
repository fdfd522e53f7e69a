/**
 * @file api/money_holds.c  /v1/holds: pre-authorizations
 *
 * POST /v1/holds reserves an amount of an account's available funds
 * (the check and the reservation are one store transaction: two holds
 * racing for the same money cannot both get it; 402 insufficient_funds
 * for the one that does not), or, with a card's method id, authorizes it
 * at the card's provider (402 card_declined).  Capture charges the
 * actual cost -- `amount` is the net, `tax` defaults to the tenant's
 * rate on it -- and releases the rest, in one ledger transaction; above
 * the hold the tenant's overcapture policy decides.  Release closes it
 * without charging.  A hold settles once: capturing or releasing it
 * again is 409 hold_settled.  Another tenant's hold is 404.
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_money.h"

struct hold_job {
	struct money_job j;
	struct store_hold h;
	struct store_account a;
	char id[STORE_NAME_MAX];          /* path, or the body's account */
	char method[CB_ID_LEN + 1];
	char ref[STORE_REF_MAX];
	int64_t amount, tax;
	bool has_tax;
};

static const char *state_names[] = {"open", "captured", "released"};


static int json_hold(struct re_printf *pf, const struct hold_job *hj)
{
	const struct store_hold *h = &hj->h;
	const char *cur = hj->j.mt.currency;

	return re_hprintf(pf, "{\"id\":%H,\"account\":%H,\"method\":%s%H,"
			  "\"reference\":%H,\"currency\":%H,\"amount\":%H,"
			  "\"metered\":%H,\"captured\":%H,\"state\":\"%s\","
			  "\"transaction\":%s%H,\"created_ms\":%llu,"
			  "\"updated_ms\":%llu}",
			  api_json_str, h->id, api_json_str, h->account_id,
			  h->method_id[0] ? "" : "null",
			  api_json_str, h->method_id[0] ? h->method_id : NULL,
			  api_json_str, h->ref, api_json_str, cur,
			  api_json_amount,
			  &(struct api_amount){h->amount, cur},
			  api_json_amount,
			  &(struct api_amount){h->metered, cur},
			  api_json_amount,
			  &(struct api_amount){h->captured, cur},
			  h->state < ARRAY_SIZE(state_names) ?
			  state_names[h->state] : "?",
			  h->txn_id[0] ? "" : "null",
			  api_json_str, h->txn_id[0] ? h->txn_id : NULL,
			  (unsigned long long)h->created_ms,
			  (unsigned long long)h->updated_ms);
}


/* worker: the hold of the path, if it is the caller's tenant's */
static int hold_load(struct hold_job *hj, struct store *st)
{
	int err = api_money_load(&hj->j, st);

	if (!err)
		err = store_money_hold_get(st, &hj->h, hj->id);
	if (!err && strcmp(hj->h.tenant_id, hj->j.tenant))
		err = ENOENT;
	return err;
}


static int settled(struct hold_job *hj)
{
	return api_money_fail(&hj->j, 409, "hold_settled", NULL,
			      "the hold was %s already",
			      hj->h.state < ARRAY_SIZE(state_names) ?
			      state_names[hj->h.state] : "settled");
}


/* worker: the hold of the path, if still open (else 409 hold_settled) */
static int open_load(struct hold_job *hj, struct store *st)
{
	int err = hold_load(hj, st);

	if (!err && hj->h.state)
		err = settled(hj);
	return err;
}


/* worker: the hold as a capture or release (err: its answer) left it */
static int settle_reload(struct hold_job *hj, struct store *st, int err)
{
	if (err == EALREADY) {   /* settled meanwhile */
		(void)store_money_hold_get(st, &hj->h, hj->id);
		return settled(hj);
	}
	return err ? err : store_money_hold_get(st, &hj->h, hj->id);
}


static struct hold_job *job_path(struct api_req *req)
{
	struct hold_job *hj = api_money_job(req, sizeof(*hj), "hold");

	if (hj)
		str_ncpy(hj->id, req->param[0], sizeof(hj->id));
	return hj;
}


/* ---- authorize ------------------------------------------------------- */

static int create_work(struct store *st, void *arg)
{
	struct hold_job *hj = arg;
	struct money_job *j = &hj->j;
	bool replay;
	int err;

	err = api_money_payable(j, st, &hj->a, hj->id, "account", "holds "
				"are on customer and business accounts");
	if (err)
		return err;
	err = money_hold_authorize(st, &hj->h, j->tenant, hj->a.id,
				   hj->amount, hj->method, hj->ref, j->key);
	err = api_money_posted(j, err, &replay);
	if (err)
		return err;
	if (!replay)
		log_info(NULL, "money: hold %s on account %s (%s)", hj->h.id,
			 hj->a.id, hj->h.ref);
	/* as stored (a replay: as it is now) */
	err = store_money_hold_get(st, &hj->h, hj->h.id);
	return err ? err : api_money_reply(j, 201, "%H", json_hold, hj);
}


void api_holds_create(struct api_req *req)
{
	struct hold_job *hj = api_money_job(req, sizeof(*hj), "account");

	if (!hj)
		return;
	if (!api_need_body(req, "send a JSON object: "
			   "{\"account\", \"amount\": \"5.00\"}") ||
	    !api_field_str(req, "account", hj->id, sizeof(hj->id), true) ||
	    !api_money_amount(req, "amount", &hj->amount, true, false) ||
	    !api_money_currency(req, &hj->j) ||
	    !api_money_id(req, "method", hj->method, sizeof(hj->method),
			  false) ||
	    !api_field_str(req, "reference", hj->ref, sizeof(hj->ref),
			   false))
		goto out;
	if (!hj->id[0]) {
		api_error(req, 400, "invalid_field", "account",
			  "an account id or name");
		goto out;
	}
	if (!strcmp(hj->method, "prepaid"))
		hj->method[0] = '\0';
	(void)api_money_submit(hj, create_work);
 out:
	mem_deref(hj);
}


/* ---- get ------------------------------------------------------------- */

static int get_work(struct store *st, void *arg)
{
	struct hold_job *hj = arg;
	int err = hold_load(hj, st);

	return err ? err : api_money_reply(&hj->j, 200, "%H", json_hold, hj);
}


void api_holds_get(struct api_req *req)
{
	struct hold_job *hj = job_path(req);

	if (hj)
		(void)api_money_submit(hj, get_work);
	mem_deref(hj);
}


/* ---- capture --------------------------------------------------------- */

static int capture_work(struct store *st, void *arg)
{
	struct hold_job *hj = arg;
	struct money_job *j = &hj->j;
	struct money_capture res;
	const char *cur;
	int err;

	err = open_load(hj, st);
	if (err)
		return err;
	if (j->cur[0] && strcmp(j->cur, j->mt.currency))
		return API_ECURRENCY;
	if (!hj->has_tax)
		err = money_tax(&hj->tax, hj->amount, j->mt.tax_ppm);
	if (!err)
		err = money_hold_capture(st, hj->h.id, hj->amount, hj->tax,
					 &res);
	err = settle_reload(hj, st, err);
	if (err)
		return err;
	cur = j->mt.currency;
	log_info(NULL, "money: hold %s %s", hj->h.id,
		 hj->h.state == 1 ? "captured" : "released");
	return api_money_reply(j, 200, "{\"net\":%H,\"tax\":%H,\"total\":%H,"
			       "\"charged\":%H,\"written_off\":%H,"
			       "\"hold\":%H}",
			       api_json_amount,
			       &(struct api_amount){hj->amount, cur},
			       api_json_amount,
			       &(struct api_amount){hj->tax, cur},
			       api_json_amount,
			       &(struct api_amount){res.total, cur},
			       api_json_amount,
			       &(struct api_amount){res.charged, cur},
			       api_json_amount,
			       &(struct api_amount){res.written_off, cur},
			       json_hold, hj);
}


void api_holds_capture(struct api_req *req)
{
	struct hold_job *hj = job_path(req);

	if (!hj)
		return;
	if (!api_need_body(req, "send a JSON object: "
			   "{\"amount\": \"1.20\"}") ||
	    !api_money_amount(req, "amount", &hj->amount, true, true) ||
	    !api_money_amount(req, "tax", &hj->tax, false, true) ||
	    !api_money_currency(req, &hj->j))
		goto out;
	hj->has_tax = odict_lookup(req->body, "tax") != NULL;
	(void)api_money_submit(hj, capture_work);
 out:
	mem_deref(hj);
}


/* ---- release --------------------------------------------------------- */

static int release_work(struct store *st, void *arg)
{
	struct hold_job *hj = arg;
	int err;

	err = open_load(hj, st);
	if (!err)
		err = settle_reload(hj, st, money_hold_release(st, hj->h.id));
	if (err)
		return err;
	log_info(NULL, "money: hold %s released", hj->h.id);
	return api_money_reply(&hj->j, 200, "%H", json_hold, hj);
}


void api_holds_release(struct api_req *req)
{
	struct hold_job *hj = job_path(req);

	if (hj)
		(void)api_money_submit(hj, release_work);
	mem_deref(hj);
}
