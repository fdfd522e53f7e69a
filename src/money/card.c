/**
 * @file money/card.c  The test card provider: validation and declines
 *
 * Lets the conference flow be exercised end to end without a payment
 * network.  A card is checked the way a real gateway's form would: 12-19
 * digits (spaces and dashes ignored) passing the Luhn check, an expiry
 * month that has not passed, a CVV of 3 digits (4 for American Express).
 * It is then kept as a payment method: brand, last 4 digits, expiry and a
 * random token; the full number and the CVV are never stored or logged
 * (the local copy is wiped).  Declines follow `money.card_decline` rules:
 * `last4=NNNN[:code]` declines a card, `over=AMOUNT[:code]` declines any
 * authorization or capture above AMOUNT.  The rules are set once at
 * start-up, before any thread reads them.
 */
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <re.h>
#include "money.h"

enum { RULES_MAX = 16, PAN_MIN = 12, PAN_MAX = 19 };

struct rule {
	char last4[5];          /* or empty: an `over` rule */
	int64_t over;
	char code[MONEY_CODE_MAX];
};

static struct {
	struct rule v[RULES_MAX];
	size_t n;
} rules;


bool money_luhn_ok(const char *digits)
{
	size_t n = digits ? strlen(digits) : 0;
	unsigned sum = 0;

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = digits[n - 1 - i];
		unsigned d;

		if (c < '0' || c > '9')
			return false;
		d = (unsigned)(c - '0');
		if (i % 2) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}


static bool starts(const char *pan, const char *pfx)
{
	return !strncmp(pan, pfx, strlen(pfx));
}


static bool in_range(const char *pan, size_t len, unsigned lo, unsigned hi)
{
	unsigned v = 0;

	for (size_t i = 0; i < len; i++)
		v = v * 10 + (unsigned)(pan[i] - '0');
	return v >= lo && v <= hi;
}


static const char *brand_of(const char *pan)
{
	if (starts(pan, "34") || starts(pan, "37"))
		return "amex";
	if (starts(pan, "4"))
		return "visa";
	if (in_range(pan, 2, 51, 55) || in_range(pan, 4, 2221, 2720))
		return "mastercard";
	if (starts(pan, "6011") || starts(pan, "65") ||
	    in_range(pan, 3, 644, 649))
		return "discover";
	return "card";
}


static bool digits_only(const char *s, size_t lo, size_t hi)
{
	size_t n = s ? strlen(s) : 0;

	if (n < lo || n > hi)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}


static int card_fail(char code[MONEY_CODE_MAX], const char *why)
{
	str_ncpy(code, why, MONEY_CODE_MAX);
	return EINVAL;
}


/**
 * Check a card as of (year, month).  EINVAL with code invalid_number,
 * invalid_expiry, expired_card or invalid_cvc.
 */
int money_card_check(const struct money_card *c, unsigned year,
		     unsigned month, char brand[STORE_KIND_MAX],
		     char last4[5], char code[MONEY_CODE_MAX])
{
	char pan[PAN_MAX + 1];
	unsigned ey;
	size_t n = 0;
	bool amex;
	int err = 0;

	if (!c || !brand || !last4 || !code)
		return EINVAL;
	code[0] = '\0';
	if (!c->number)
		return card_fail(code, "invalid_number");

	for (const char *p = c->number; *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (*p < '0' || *p > '9' || n >= PAN_MAX) {
			err = card_fail(code, "invalid_number");
			goto out;
		}
		pan[n++] = *p;
	}
	pan[n] = '\0';
	if (n < PAN_MIN || !money_luhn_ok(pan)) {
		err = card_fail(code, "invalid_number");
		goto out;
	}

	ey = c->exp_year < 100 ? 2000 + c->exp_year : c->exp_year;
	if (c->exp_month < 1 || c->exp_month > 12 || ey > 9999) {
		err = card_fail(code, "invalid_expiry");
		goto out;
	}
	if (ey < year || (ey == year && c->exp_month < month)) {
		err = card_fail(code, "expired_card");
		goto out;
	}
	amex = starts(pan, "34") || starts(pan, "37");
	if (!digits_only(c->cvv, amex ? 4 : 3, amex ? 4 : 3)) {
		err = card_fail(code, "invalid_cvc");
		goto out;
	}
	str_ncpy(brand, brand_of(pan), STORE_KIND_MAX);
	str_ncpy(last4, pan + n - 4, 5);
 out:
	sodium_memzero(pan, sizeof(pan));
	return err;
}


/** "last4=0002,over=1000.00:insufficient_funds": replaces the rules */
int money_card_rules_set(const char *text)
{
	struct rule v[RULES_MAX];
	char buf[256], *save = NULL;
	size_t n = 0;

	if (!text || strlen(text) >= sizeof(buf))
		return EINVAL;
	str_ncpy(buf, text, sizeof(buf));
	memset(v, 0, sizeof(v));

	for (char *tok = strtok_r(buf, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		char *colon = strchr(tok, ':');
		struct rule *r;

		if (n >= RULES_MAX)
			return E2BIG;
		r = &v[n++];
		if (colon) {
			*colon = '\0';
			if (!colon[1] || strlen(colon + 1) >= MONEY_CODE_MAX)
				return EINVAL;
		}
		if (!strncmp(tok, "last4=", 6)) {
			if (!digits_only(tok + 6, 4, 4))
				return EINVAL;
			str_ncpy(r->last4, tok + 6, sizeof(r->last4));
			str_ncpy(r->code, colon ? colon + 1 : "card_declined",
				 sizeof(r->code));
		}
		else if (!strncmp(tok, "over=", 5)) {
			if (money_parse(&r->over, tok + 5) || r->over < 0)
				return EINVAL;
			str_ncpy(r->code, colon ? colon + 1
				 : "insufficient_funds", sizeof(r->code));
		}
		else {
			return EINVAL;
		}
	}
	memcpy(rules.v, v, sizeof(v));
	rules.n = n;
	return 0;
}


static int card_decide(const struct store_method *m, int64_t amount,
		       char code[MONEY_CODE_MAX])
{
	code[0] = '\0';
	for (size_t i = 0; i < rules.n; i++) {
		const struct rule *r = &rules.v[i];

		if ((r->last4[0] && !strcmp(r->last4, m->last4)) ||
		    (!r->last4[0] && amount > r->over)) {
			str_ncpy(code, r->code, MONEY_CODE_MAX);
			return EPERM;
		}
	}
	return 0;
}


static int card_cancel(const struct store_method *m, int64_t amount)
{
	(void)m;
	(void)amount;
	return 0;
}


const struct money_provider money_testcard_provider = {
	.name = "testcard",
	.on_balance = false,
	.authorize = card_decide,
	.capture = card_decide,
	.cancel = card_cancel,
};


/** Check a card and keep it as a payment method of an account */
int money_card_add(struct store *st, struct store_method *m,
		   const char *tenant_id, const char *account_id,
		   const struct money_card *card, char code[MONEY_CODE_MAX])
{
	static const char abc[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	struct store_account a;
	uint8_t rnd[24];
	struct tm tm;
	time_t now = time(NULL);
	int err;

	if (!st || !m || !tenant_id || !account_id || !card || !code)
		return EINVAL;
	code[0] = '\0';
	err = store_money_account_get(st, &a, tenant_id, account_id);
	if (!err && !money_account_kind_ok(a.kind))
		err = EINVAL;
	if (err)
		return err;

	memset(m, 0, sizeof(*m));
	(void)gmtime_r(&now, &tm);
	err = money_card_check(card, (unsigned)tm.tm_year + 1900,
			       (unsigned)tm.tm_mon + 1, m->brand, m->last4,
			       code);
	if (err)
		return err;

	cb_id_new(m->id, 'm');
	str_ncpy(m->tenant_id, tenant_id, sizeof(m->tenant_id));
	str_ncpy(m->account_id, a.id, sizeof(m->account_id));
	str_ncpy(m->provider, money_testcard_provider.name,
		 sizeof(m->provider));
	m->exp_month = (uint8_t)card->exp_month;
	m->exp_year = (uint16_t)(card->exp_year < 100 ? 2000 + card->exp_year
				 : card->exp_year);
	randombytes_buf(rnd, sizeof(rnd));
	memcpy(m->token, "tok_", 4);
	for (size_t i = 0; i < sizeof(rnd); i++)
		m->token[4 + i] = abc[rnd[i] % (sizeof(abc) - 1)];
	m->created_ms = money_now_ms();
	return store_money_method_create(st, m);
}
