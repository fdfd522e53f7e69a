/**
 * @file money/amount.c  Exact amounts: parse, format, checked arithmetic
 *
 * An amount is an int64 count of micro-units.  Decimal strings are read
 * and written digit by digit ("12.345678" is 12345678 µ), so what an
 * operator types is exactly what is stored, with no binary fraction on
 * the way.  More than six decimals is refused (ERANGE) rather than
 * rounded; so is anything beyond MONEY_MAX.  Products that need more
 * than 64 bits on the way (price x seconds / 60) go through a 128-bit
 * intermediate and are rounded once, by an explicit rule.
 */
#include <string.h>
#include <re.h>
#include "money.h"

enum { DECIMALS = 6, PARSE_MAX = 48 };


static bool in_range(int64_t v)
{
	return v >= -MONEY_MAX && v <= MONEY_MAX;
}


/** "-12.34" -> -12340000; at most 6 decimals, |v| <= MONEY_MAX */
int money_parse(int64_t *vp, const char *s)
{
	const char *p = s;
	bool neg = false;
	int64_t units = 0, frac = 0;
	int fd = 0;

	if (!vp || !s)
		return EINVAL;
	if (*p == '-') {
		neg = true;
		++p;
	}
	if (*p < '0' || *p > '9')
		return EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		units = units * 10 + (*p - '0');
		if (units > MONEY_MAX / MONEY_SCALE)
			return ERANGE;
	}
	if (*p == '.') {
		++p;
		if (*p < '0' || *p > '9')
			return EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (++fd > DECIMALS)
				return ERANGE;
			frac = frac * 10 + (*p - '0');
		}
		for (int i = fd; i < DECIMALS; i++)
			frac *= 10;
	}
	if (*p)
		return EINVAL;

	units = units * MONEY_SCALE + frac;
	if (units > MONEY_MAX)
		return ERANGE;
	*vp = neg ? -units : units;
	return 0;
}


int money_parse_pl(int64_t *vp, const struct pl *pl)
{
	char buf[PARSE_MAX];

	if (!pl || !pl->p)
		return EINVAL;
	if (pl->l >= sizeof(buf))
		return ERANGE;
	memcpy(buf, pl->p, pl->l);
	buf[pl->l] = '\0';
	return money_parse(vp, buf);
}


/**
 * Decimal text of v with at least `digits` decimals (a currency's minor
 * unit) and more only when v has them: never rounds.
 */
int money_fmt(char *buf, size_t sz, int64_t v, unsigned digits)
{
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint64_t frac = m % (uint64_t)MONEY_SCALE;
	char fs[DECIMALS + 1], tmp[PARSE_MAX];
	int n;

	if (!buf || !sz || digits > DECIMALS)
		return EINVAL;

	(void)re_snprintf(fs, sizeof(fs), "%06llu", (unsigned long long)frac);
	n = DECIMALS;
	while (n > (int)digits && fs[n - 1] == '0')
		--n;
	fs[n] = '\0';

	if (re_snprintf(tmp, sizeof(tmp), "%s%llu%s%s", v < 0 ? "-" : "",
			(unsigned long long)(m / (uint64_t)MONEY_SCALE),
			n ? "." : "", fs) < 0)
		return EINVAL;
	if (strlen(tmp) >= sz)
		return ENOMEM;
	str_ncpy(buf, tmp, sz);
	return 0;
}


int money_add(int64_t *rp, int64_t a, int64_t b)
{
	int64_t r;

	if (!rp)
		return EINVAL;
	if (__builtin_add_overflow(a, b, &r) || !in_range(r))
		return ERANGE;
	*rp = r;
	return 0;
}


int money_sub(int64_t *rp, int64_t a, int64_t b)
{
	int64_t r;

	if (!rp)
		return EINVAL;
	if (__builtin_sub_overflow(a, b, &r) || !in_range(r))
		return ERANGE;
	*rp = r;
	return 0;
}


int money_mul(int64_t *rp, int64_t a, int64_t n)
{
	int64_t r;

	if (!rp)
		return EINVAL;
	if (__builtin_mul_overflow(a, n, &r) || !in_range(r))
		return ERANGE;
	*rp = r;
	return 0;
}


/** a x b / d, rounded once by rnd; d > 0 */
int money_muldiv(int64_t *rp, int64_t a, int64_t b, int64_t d,
		 enum money_round rnd)
{
	__int128 p, q, r;

	if (!rp || d <= 0)
		return EINVAL;
	p = (__int128)a * b;
	q = p / d;      /* truncated toward zero */
	r = p % d;      /* same sign as p        */

	switch (rnd) {

	case MONEY_ROUND_HALF_UP:
		if (r > 0 && 2 * r >= d)
			++q;
		else if (r < 0 && -2 * r >= d)
			--q;
		break;

	case MONEY_ROUND_UP:
		if (r > 0)
			++q;
		break;

	case MONEY_ROUND_DOWN:
		if (r < 0)
			--q;
		break;

	default:
		return EINVAL;
	}

	if (q > MONEY_MAX || q < -MONEY_MAX)
		return ERANGE;
	*rp = (int64_t)q;
	return 0;
}


/** Round half up to a currency's minor unit (digits 0..6) */
int money_round_minor(int64_t *rp, int64_t v, unsigned digits)
{
	int64_t step = 1, q;
	int err;

	if (digits > DECIMALS)
		return EINVAL;
	for (unsigned i = digits; i < DECIMALS; i++)
		step *= 10;
	err = money_muldiv(&q, v, 1, step, MONEY_ROUND_HALF_UP);
	if (err)
		return err;
	return money_mul(rp, q, step);
}


/** A percentage "8.25" (at most 4 decimals, 0..100) in ppm: 82500 */
int money_ppm_parse(uint32_t *ppmp, const char *percent)
{
	int64_t v;
	int err;

	if (!ppmp)
		return EINVAL;
	err = money_parse(&v, percent);
	if (err)
		return err;
	/* v is the percentage in millionths; a ppm is 100 of them */
	if (v < 0 || v > 100 * MONEY_SCALE || v % 100)
		return ERANGE;
	*ppmp = (uint32_t)(v / 100);
	return 0;
}


int money_ppm_fmt(char *buf, size_t sz, uint32_t ppm)
{
	return money_fmt(buf, sz, (int64_t)ppm * 100, 0);
}
