/**
 * @file api/money_cards.c  /v1/accounts/{id}/cards: payment methods
 *
 * A card is checked by the test card provider (src/money/card.c) the way
 * a gateway's form would: Luhn, an expiry month not passed ("MM/YY" or
 * "MM/YYYY"), a CVV of 3 digits (4 for American Express).  A card that
 * fails is refused with 422 card_declined, the field that failed and the
 * provider's reason (invalid_number, invalid_expiry, expired_card,
 * invalid_cvc).  A card kept is a payment method: brand, last 4 digits,
 * expiry, and a token; the number and the CVV are never stored, logged
 * or shown (this job's copy is wiped).  Its id pays top-ups and holds
 * ("method"); the provider's declines then answer 402 card_declined.
 */
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "api.h"
#include "cb_money.h"

enum { PAN_FIELD_MAX = 32 };

struct card_job {
	struct money_job j;
	struct store_account a;
	struct store_method m;
	char id[STORE_NAME_MAX];          /* path */
	char number[PAN_FIELD_MAX];       /* wiped */
	char cvv[8];                      /* wiped */
	unsigned exp_month, exp_year;
};


static void card_wipe(struct money_job *j)
{
	struct card_job *cj = (struct card_job *)j;

	sodium_memzero(cj->number, sizeof(cj->number));
	sodium_memzero(cj->cvv, sizeof(cj->cvv));
}


static int json_card(struct re_printf *pf, const struct store_method *m)
{
	return re_hprintf(pf, "{\"id\":%H,\"provider\":%H,\"brand\":%H,"
			  "\"last4\":%H,\"exp_month\":%u,\"exp_year\":%u,"
			  "\"created_ms\":%llu}",
			  api_json_str, m->id, api_json_str, m->provider,
			  api_json_str, m->brand, api_json_str, m->last4,
			  m->exp_month, m->exp_year,
			  (unsigned long long)m->created_ms);
}


/* ---- add ------------------------------------------------------------- */

/* the field a provider's reason is about */
static const char *code_field(const char *code)
{
	if (strstr(code, "expir"))
		return "expiry";
	if (strstr(code, "cvc"))
		return "cvv";
	return "number";
}


static int add_work(struct store *st, void *arg)
{
	struct card_job *cj = arg;
	struct money_job *j = &cj->j;
	struct money_card card;
	char code[MONEY_CODE_MAX] = "";
	int err;

	err = api_money_account(j, st, &cj->a, cj->id);
	if (err)
		return err;
	if (!money_account_kind_ok(cj->a.kind))
		return api_money_fail(j, 422, "not_payable", NULL, "cards "
				      "belong to customer and business "
				      "accounts");
	card.number = cj->number;
	card.cvv = cj->cvv;
	card.exp_month = cj->exp_month;
	card.exp_year = cj->exp_year;
	err = money_card_add(st, &cj->m, j->tenant, cj->a.id, &card, code);
	card_wipe(j);
	if (err == EINVAL && code[0])
		return api_money_fail(j, 422, "card_declined",
				      code_field(code), "%s: the card was "
				      "refused", code);
	if (err)
		return err;
	log_info(NULL, "money: card %s (%s ...%s) added to account %s",
		 cj->m.id, cj->m.brand, cj->m.last4, cj->a.id);
	return api_money_reply(j, 201, "%H", json_card, &cj->m);
}


/* "MM/YY" or "MM/YYYY"; anything else is left to the provider (0/0) */
static void expiry_read(const char *s, unsigned *mp, unsigned *yp)
{
	const char *slash = strchr(s, '/');
	size_t ml = slash ? (size_t)(slash - s) : 0;
	size_t yl = slash ? strlen(slash + 1) : 0;
	unsigned m = 0, y = 0;

	*mp = *yp = 0;
	if (ml < 1 || ml > 2 || (yl != 2 && yl != 4))
		return;
	for (size_t i = 0; i < ml; i++) {
		if (s[i] < '0' || s[i] > '9')
			return;
		m = m * 10 + (unsigned)(s[i] - '0');
	}
	for (size_t i = 0; i < yl; i++) {
		if (slash[1 + i] < '0' || slash[1 + i] > '9')
			return;
		y = y * 10 + (unsigned)(slash[1 + i] - '0');
	}
	*mp = m;
	*yp = y;
}


void api_cards_add(struct api_req *req)
{
	struct card_job *cj = api_money_job(req, sizeof(*cj), "account");
	char expiry[16];

	if (!cj)
		return;
	cj->j.dtor = card_wipe;
	if (!api_need_body(req, "send a JSON object: {\"number\", "
			   "\"expiry\": \"MM/YY\", \"cvv\"}") ||
	    !api_field_str(req, "number", cj->number, sizeof(cj->number),
			   true) ||
	    !api_field_str(req, "expiry", expiry, sizeof(expiry), true) ||
	    !api_field_str(req, "cvv", cj->cvv, sizeof(cj->cvv), true))
		goto out;
	expiry_read(expiry, &cj->exp_month, &cj->exp_year);
	if (!cj->exp_month) {
		api_error(req, 422, "card_declined", "expiry",
			  "invalid_expiry: MM/YY or MM/YYYY");
		goto out;
	}
	str_ncpy(cj->id, req->param[0], sizeof(cj->id));
	(void)api_money_submit(cj, add_work);
 out:
	mem_deref(cj);
}


/* ---- list ------------------------------------------------------------ */

static bool list_h(const struct store_method *m, void *arg)
{
	struct card_job *cj = arg;

	return api_money_item(&cj->j, "%H", json_card, m);
}


static int list_work(struct store *st, void *arg)
{
	struct card_job *cj = arg;
	struct money_job *j = &cj->j;
	int err;

	err = api_money_account(j, st, &cj->a, cj->id);
	if (!err)
		err = api_money_reply(j, 200, "{\"account\":%H,\"cards\":[",
				      api_json_str, cj->a.id);
	if (!err)
		err = store_money_method_list(st, cj->a.id, list_h, cj);
	return api_money_list_end(j, err);
}


void api_cards_list(struct api_req *req)
{
	struct card_job *cj = api_money_job(req, sizeof(*cj), "account");

	if (!cj)
		return;
	str_ncpy(cj->id, req->param[0], sizeof(cj->id));
	(void)api_money_submit(cj, list_work);
	mem_deref(cj);
}
