/**
 * @file money/rate.c  Rate tables: destinations, validation, lookup
 *
 * A tenant's rate table maps E.164 prefixes to prices.  A destination is
 * rated by its longest matching prefix ("1" for +1 anywhere, "1908" for
 * one area code): the store does the lookup, this file says what a valid
 * number and a valid rate are.  Prices are micro-units per minute; the
 * billing increments are whole seconds (first, then next: 60/6, 1/1).
 */
#include <string.h>
#include <re.h>
#include "money.h"

enum {
	E164_MAX = 15,
	INCREMENT_MAX_S = 3600,
};


/** "+19085551234" or "19085551234" -> "19085551234" */
int money_number_digits(char digits[STORE_DIGITS_MAX], const char *number)
{
	const char *p = number;
	size_t n;

	if (!digits || !number)
		return EINVAL;
	if (*p == '+')
		++p;
	n = strlen(p);
	if (!n || n > E164_MAX || *p == '0')
		return EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return EINVAL;
	}
	memcpy(digits, p, n + 1);
	return 0;
}


static bool amount_ok(int64_t v)
{
	return v >= 0 && v <= MONEY_MAX;
}


/** EINVAL: shape (prefix, increments); ERANGE: an amount */
int money_rate_check(const struct store_rate *r)
{
	char d[STORE_DIGITS_MAX];

	if (!r || money_number_digits(d, r->prefix) || r->prefix[0] == '+')
		return EINVAL;
	if (r->first_s < 1 || r->first_s > INCREMENT_MAX_S ||
	    r->next_s < 1 || r->next_s > INCREMENT_MAX_S)
		return EINVAL;
	if (!amount_ok(r->per_min) || !amount_ok(r->connect_fee) ||
	    !amount_ok(r->min_charge))
		return ERANGE;
	return 0;
}


int money_rate_find(struct store *st, struct store_rate *r,
		    const char *tenant_id, const char *number)
{
	char digits[STORE_DIGITS_MAX];
	int err;

	if (!st || !r || !tenant_id)
		return EINVAL;
	err = money_number_digits(digits, number);
	if (err)
		return err;
	return store_money_rate_find(st, r, tenant_id, digits);
}
