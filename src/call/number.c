/**
 * @file call/number.c  Phone numbers: normalise to E.164, format to dial
 *
 * Numbers arrive from users in any shape ("+1 (555) 010-0100",
 * "0044 20 7946 0000", "5550100").  Inside callbridge a number is always
 * E.164: '+' then 7 to 15 digits.  Toward the trunk it is formatted the way
 * the carrier wants (dial_prefix, with or without '+').  Anything that is
 * not a number after removing visual separators is refused with EINVAL, and
 * the caller maps that to cause invalid-number.
 */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include "call.h"

enum { E164_MIN = 7, E164_MAX = 15 };


/* visual separators people type inside numbers */
static bool is_sep(char c)
{
	return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' ||
	       c == '/';
}


/** Looks like a phone number (so it is routed to the trunk) */
bool number_like(const char *s)
{
	size_t digits = 0;

	if (!s || !*s)
		return false;
	if (*s == '+')
		++s;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			++digits;
		else if (!is_sep(*s))
			return false;
	}
	return digits > 0;
}


/**
 * Normalise a number to E.164.
 *
 * "+<digits>" is kept; "00<digits>" is international; any other string of
 * digits is national: a leading trunk '0' is dropped and the country code
 * is put in front.
 */
int number_normalize(char *out, size_t sz, const char *in,
		     const char *country_code)
{
	char digits[E164_MAX + 8];
	size_t n = 0;
	bool intl = false;
	const char *p = in;
	const char *cc = country_code ? country_code : "";
	int len;

	if (!out || !sz || !in)
		return EINVAL;

	while (*p == ' ')
		++p;
	if (*p == '+') {
		intl = true;
		++p;
	}
	for (; *p; p++) {
		if (is_sep(*p))
			continue;
		if (!isdigit((unsigned char)*p))
			return EINVAL;
		if (n >= sizeof(digits) - 1)
			return EINVAL;
		digits[n++] = *p;
	}
	digits[n] = '\0';

	if (!intl && n > 2 && digits[0] == '0' && digits[1] == '0') {
		intl = true;
		memmove(digits, digits + 2, n - 1);
		n -= 2;
	}

	if (intl) {
		if (n < E164_MIN || n > E164_MAX || digits[0] == '0')
			return EINVAL;
		len = re_snprintf(out, sz, "+%s", digits);
	}
	else {
		const char *nat = digits;

		if (!*cc)
			return EINVAL;
		if (nat[0] == '0')
			++nat;
		if (strlen(cc) + strlen(nat) < E164_MIN ||
		    strlen(cc) + strlen(nat) > E164_MAX)
			return EINVAL;
		len = re_snprintf(out, sz, "+%s%s", cc, nat);
	}

	return (len < 0 || (size_t)len >= sz) ? ENOMEM : 0;
}


/** Format an E.164 number the way the trunk wants to receive it */
int number_dial_format(char *out, size_t sz, const char *e164,
		       const struct cb_trunk *trunk)
{
	int len;

	if (!out || !e164 || !trunk || e164[0] != '+')
		return EINVAL;

	len = re_snprintf(out, sz, "%s%s%s", trunk->dial_prefix,
			  trunk->dial_plus ? "+" : "", e164 + 1);
	return (len < 0 || (size_t)len >= sz) ? ENOMEM : 0;
}


int call_number_normalize(char *out, size_t sz, const char *in)
{
	return number_normalize(out, sz, in,
				call_config()->trunk.country_code);
}


bool call_number_like(const char *s)
{
	return number_like(s);
}
