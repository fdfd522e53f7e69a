/**
 * @file money/currency.c  Currencies: the allow-list and minor units
 *
 * A currency code is three capital letters (ISO 4217) that the operator
 * lists in `money.currencies`; anything else is refused where a currency
 * enters (tenant settings, accounts).  The list is set once at start-up,
 * before any thread reads it.  The minor unit (2 decimals for most, 0 for
 * JPY, 3 for KWD...) only decides how totals are rounded and printed:
 * amounts themselves are always micro-units.
 */
#include <string.h>
#include <re.h>
#include "money.h"

enum { CURRENCIES_MAX = 64 };

static struct {
	char codev[CURRENCIES_MAX][STORE_CUR_LEN + 1];
	size_t codec;
} allow = {
	.codev = {"USD", "EUR", "GBP"},
	.codec = 3,
};

/* ISO 4217 minor units that are not 2 */
static const struct {
	const char *code;
	unsigned digits;
} minor[] = {
	{"BHD", 3}, {"IQD", 3}, {"JOD", 3}, {"KWD", 3}, {"LYD", 3},
	{"OMR", 3}, {"TND", 3},
	{"BIF", 0}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0}, {"ISK", 0},
	{"JPY", 0}, {"KMF", 0}, {"KRW", 0}, {"PYG", 0}, {"RWF", 0},
	{"UGX", 0}, {"VND", 0}, {"VUV", 0}, {"XAF", 0}, {"XOF", 0},
	{"XPF", 0},
};


static bool code_syntax_ok(const char *s, size_t len)
{
	if (len != STORE_CUR_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 'A' || s[i] > 'Z')
			return false;
	}
	return true;
}


/** "USD,EUR, GBP": replaces the allow-list, or changes nothing */
int money_currencies_set(const char *list)
{
	char codev[CURRENCIES_MAX][STORE_CUR_LEN + 1];
	size_t codec = 0;
	const char *p = list;

	if (!list)
		return EINVAL;
	while (*p) {
		const char *e;

		while (*p == ' ' || *p == ',')
			++p;
		if (!*p)
			break;
		e = p;
		while (*e && *e != ',' && *e != ' ')
			++e;
		if (!code_syntax_ok(p, (size_t)(e - p)))
			return EINVAL;
		if (codec >= CURRENCIES_MAX)
			return E2BIG;
		memcpy(codev[codec], p, STORE_CUR_LEN);
		codev[codec++][STORE_CUR_LEN] = '\0';
		p = e;
	}
	if (!codec)
		return EINVAL;

	memcpy(allow.codev, codev, sizeof(codev));
	allow.codec = codec;
	return 0;
}


bool money_currency_ok(const char *code)
{
	if (!code || !code_syntax_ok(code, strlen(code)))
		return false;
	for (size_t i = 0; i < allow.codec; i++) {
		if (!strcmp(allow.codev[i], code))
			return true;
	}
	return false;
}


unsigned money_currency_digits(const char *code)
{
	for (size_t i = 0; code && i < ARRAY_SIZE(minor); i++) {
		if (!strcmp(minor[i].code, code))
			return minor[i].digits;
	}
	return 2;
}


int money_config_apply(const struct cb_config *cfg)
{
	int err;

	if (!cfg)
		return EINVAL;
	err = money_currencies_set(cfg->money_currencies);
	if (err) {
		log_err(NULL, "money.currencies: '%s': three capital letters "
			"each, comma-separated", cfg->money_currencies);
		return err;
	}
	err = money_card_rules_set(cfg->money_card_decline);
	if (err)
		log_err(NULL, "money.card_decline: '%s': rules are "
			"last4=NNNN or over=AMOUNT, comma-separated",
			cfg->money_card_decline);
	return err;
}


/** The first currency of the allow-list: a tenant's default */
const char *money_currency_first(void)
{
	return allow.codev[0];
}
