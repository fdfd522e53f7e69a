/**
 * @file api/money_ledger.c  Money in (top-ups) and the record of it
 *
 * POST /v1/accounts/{id}/topups puts money on a customer's or business's
 * account: without a method (or "prepaid") it records a payment the
 * operator received (admin credit), with a card's method id it charges
 * the card at its provider first (402 card_declined when refused).  The
 * Idempotency-Key of the request is the ledger transaction's key too: a
 * retry posts once, even after a crash between posting and answering.
 *
 * GET /v1/accounts/{id}/statement lists the account's ledger entries,
 * oldest first, each with its transaction and the running balance after
 * it, a page at a time: ?limit=N (1-1000, default 100) and
 * ?cursor=C from the previous page's next_cursor (null on the last).
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_money.h"

enum { PAGE_DEFAULT = 100, PAGE_MAX = 1000 };

struct ledger_job {
	struct money_job j;
	struct store_account a;
	char id[STORE_NAME_MAX];          /* path */
	char method[CB_ID_LEN + 1];       /* "" : prepaid */
	char txn[CB_ID_LEN + 1];
	int64_t amount;
	uint64_t cursor;                  /* statement: after this seq */
	uint32_t limit;
	uint64_t last_seq;
	bool more;
};


/* ---- top-ups --------------------------------------------------------- */

static int topup_work(struct store *st, void *arg)
{
	struct ledger_job *lj = arg;
	struct money_job *j = &lj->j;
	bool replay;
	int err;

	err = api_money_payable(j, st, &lj->a, lj->id, NULL, "top-ups go "
				"to customer and business accounts");
	if (err)
		return err;
	err = money_topup(st, j->tenant, lj->a.id, lj->amount, lj->method,
			  j->key, lj->txn);
	err = api_money_posted(j, err, &replay);
	if (err)
		return err;
	if (!replay)
		log_info(NULL, "money: top-up %s of account %s (%s)", lj->txn,
			 lj->a.id, lj->method[0] ? lj->method : "prepaid");
	err = store_money_account_get(st, &lj->a, j->tenant, lj->a.id);
	if (err)
		return err;
	return api_money_reply(j, 201, "{\"transaction\":%H,\"amount\":%H,"
			       "\"currency\":%H,\"method\":\"%s\","
			       "\"replayed\":%s,\"account\":%H}",
			       api_json_str, lj->txn, api_json_amount,
			       &(struct api_amount){lj->amount,
						    lj->a.currency},
			       api_json_str, lj->a.currency,
			       lj->method[0] ? lj->method : "prepaid",
			       replay ? "true" : "false", api_json_account,
			       &(struct api_account){&lj->a, &j->mt});
}


void api_accounts_topup(struct api_req *req)
{
	struct ledger_job *lj = api_money_job(req, sizeof(*lj), "account");

	if (!lj)
		return;
	if (!api_need_body(req, "send a JSON object: "
			   "{\"amount\": \"25.00\"}") ||
	    !api_money_amount(req, "amount", &lj->amount, true, false) ||
	    !api_money_currency(req, &lj->j) ||
	    !api_money_id(req, "method", lj->method, sizeof(lj->method),
			  false))
		goto out;
	if (!strcmp(lj->method, "prepaid"))
		lj->method[0] = '\0';
	str_ncpy(lj->id, req->param[0], sizeof(lj->id));
	(void)api_money_submit(lj, topup_work);
 out:
	mem_deref(lj);
}


/* ---- statement ------------------------------------------------------- */

static bool line_h(const struct store_stmt_line *l, void *arg)
{
	struct ledger_job *lj = arg;
	const char *cur = lj->a.currency;

	if (lj->j.items >= lj->limit) {
		lj->more = true;
		return true;
	}
	lj->last_seq = l->seq;
	return api_money_item(&lj->j, "{\"seq\":%llu,"
			      "\"transaction\":%H,\"kind\":%H,"
			      "\"reference\":%H,\"memo\":%H,"
			      "\"amount\":%H,\"balance\":%H,"
			      "\"created_ms\":%llu}",
			      (unsigned long long)l->seq,
			      api_json_str, l->txn_id,
			      api_json_str, l->kind,
			      api_json_str, l->ref,
			      api_json_str, l->memo,
			      api_json_amount,
			      &(struct api_amount){l->amount, cur},
			      api_json_amount,
			      &(struct api_amount){l->balance, cur},
			      (unsigned long long)l->created_ms);
}


static int statement_work(struct store *st, void *arg)
{
	struct ledger_job *lj = arg;
	struct money_job *j = &lj->j;
	int err;

	err = api_money_load(j, st);
	if (!err)
		err = api_money_account(j, st, &lj->a, lj->id);
	if (!err)
		err = api_money_reply(j, 200, "{\"account\":%H,\"entries\":[",
				      api_json_account,
				      &(struct api_account){&lj->a, &j->mt});
	if (!err)
		err = store_money_statement(st, lj->a.id, lj->cursor,
					    lj->limit + 1, line_h, lj);
	if (!err)
		err = j->item_err;
	if (err)
		return err;
	if (lj->more)
		return api_money_reply(j, 200, "],\"next_cursor\":\"%llu\"}",
				       (unsigned long long)lj->last_seq);
	return api_money_reply(j, 200, "],\"next_cursor\":null}");
}


/* a whole number from lo to hi; false if not */
static bool number_read(const char *s, uint64_t lo, uint64_t hi,
			uint64_t *vp)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > hi / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < lo || v > hi)
		return false;
	*vp = v;
	return true;
}


void api_accounts_statement(struct api_req *req)
{
	struct ledger_job *lj = api_money_job(req, sizeof(*lj), "account");
	uint64_t v = PAGE_DEFAULT;
	char buf[24];
	int err;

	if (!lj)
		return;
	err = api_query_get(req, "limit", 0, buf, sizeof(buf));
	if (err != ENOENT && (err || !number_read(buf, 1, PAGE_MAX, &v))) {
		api_error(req, 400, "invalid_field", "limit", "1 to 1000");
		goto out;
	}
	lj->limit = (uint32_t)v;
	err = api_query_get(req, "cursor", 0, buf, sizeof(buf));
	if (err != ENOENT &&
	    (err || !number_read(buf, 0, INT64_MAX, &lj->cursor))) {
		api_error(req, 400, "invalid_field", "cursor",
			  "the next_cursor of the previous page");
		goto out;
	}
	str_ncpy(lj->id, req->param[0], sizeof(lj->id));
	(void)api_money_submit(lj, statement_work);
 out:
	mem_deref(lj);
}
