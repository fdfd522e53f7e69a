/**
 * @file api/cc_hours.c  Business hours of a contact centre (pure)
 *
 * A business's hours are kept as one string, in UTC:
 *
 *   "mon-fri 09:00-17:00;sat 10:00-14:00"
 *
 * ";"-separated spans, each a day or a range of days (mon..sun, a range
 * may wrap: "fri-mon") and an opening and a closing time, the closing
 * one after the opening one ("24:00" closes at midnight).  "" means
 * always open.  The API shows the spans as
 * [{"days":"mon-fri","open":"09:00","close":"17:00"}].
 *
 * cc_hours_parse() is the one reader: the routes validate with it
 * (src/api/cc_admin.c), the request flow asks cc_hours_open() whether
 * the business takes calls now.  Nothing here allocates or reads a
 * clock.
 */
#include <string.h>
#include <re.h>
#include "api.h"

static const char *days[7] = {"mon", "tue", "wed", "thu", "fri", "sat",
			      "sun"};


/** Name of day d (0 = Monday), "" if out of range */
const char *cc_hours_day(unsigned d)
{
	return d < ARRAY_SIZE(days) ? days[d] : "";
}


static int day_read(const char **pp, uint8_t *d)
{
	for (uint8_t i = 0; i < ARRAY_SIZE(days); i++) {
		if (!strncmp(*pp, days[i], 3)) {
			*d = i;
			*pp += 3;
			return 0;
		}
	}
	return EINVAL;
}


static bool digit(char c)
{
	return c >= '0' && c <= '9';
}


/* "HH:MM" into minutes of the day; "24:00" only if end */
static int time_read(const char **pp, uint16_t *min, bool end)
{
	const char *p = *pp;
	unsigned h, m;

	if (!digit(p[0]) || !digit(p[1]) || p[2] != ':' || !digit(p[3]) ||
	    !digit(p[4]))
		return EINVAL;
	h = (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
	m = (unsigned)(p[3] - '0') * 10 + (unsigned)(p[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m || !end)))
		return EINVAL;
	*min = (uint16_t)(h * 60 + m);
	*pp = p + 5;
	return 0;
}


/**
 * Days "mon" or "mon-fri" (the whole string) into *d0 and *d1
 * (EINVAL otherwise)
 */
int cc_hours_days(const char *s, uint8_t *d0, uint8_t *d1)
{
	const char *p = s;

	if (day_read(&p, d0))
		return EINVAL;
	*d1 = *d0;
	if (*p == '-') {
		++p;
		if (day_read(&p, d1))
			return EINVAL;
	}
	return *p ? EINVAL : 0;
}


/**
 * Time "HH:MM" (the whole string) into minutes of the day; end: may be
 * "24:00".  EINVAL otherwise.
 */
int cc_hours_time(const char *s, uint16_t *min, bool end)
{
	const char *p = s;

	if (time_read(&p, min, end))
		return EINVAL;
	return *p ? EINVAL : 0;
}


/* one span "mon-fri 09:00-17:00" from p, up to ';' or the end */
static int span_read(const char **pp, struct cc_hours_span *sp)
{
	const char *p = *pp;

	if (day_read(&p, &sp->d0))
		return EINVAL;
	sp->d1 = sp->d0;
	if (*p == '-') {
		++p;
		if (day_read(&p, &sp->d1))
			return EINVAL;
	}
	if (*p++ != ' ')
		return EINVAL;
	if (time_read(&p, &sp->open, false) || *p++ != '-' ||
	    time_read(&p, &sp->close, true))
		return EINVAL;
	if (sp->close <= sp->open)
		return EINVAL;
	if (*p && *p != ';')
		return EINVAL;
	*pp = p;
	return 0;
}


/**
 * Read an hours string into at most *np spans: 0 and *np the count (0
 * for "", always open), EINVAL if malformed, E2BIG if more than *np.
 */
int cc_hours_parse(const char *hours, struct cc_hours_span *v, size_t *np)
{
	const char *p = hours;
	size_t n = 0;

	if (!hours || !v || !np)
		return EINVAL;
	while (*p) {
		struct cc_hours_span sp;

		if (span_read(&p, &sp))
			return EINVAL;
		if (n >= *np)
			return E2BIG;
		v[n++] = sp;
		if (*p == ';') {
			++p;
			if (!*p)
				return EINVAL;
		}
	}
	*np = n;
	return 0;
}


/** Print span sp as stored: "mon-fri 09:00-17:00" */
int cc_hours_span_print(struct re_printf *pf,
			const struct cc_hours_span *sp)
{
	int err = re_hprintf(pf, "%s", cc_hours_day(sp->d0));

	if (sp->d1 != sp->d0)
		err |= re_hprintf(pf, "-%s", cc_hours_day(sp->d1));
	err |= re_hprintf(pf, " %02u:%02u-%02u:%02u", sp->open / 60,
			  sp->open % 60, sp->close / 60, sp->close % 60);
	return err;
}


static bool span_has_day(const struct cc_hours_span *sp, unsigned d)
{
	if (sp->d0 <= sp->d1)
		return d >= sp->d0 && d <= sp->d1;
	return d >= sp->d0 || d <= sp->d1;     /* wraps: fri-mon */
}


/**
 * Is a business with these hours open at unix_ms (UTC)?  "" (or NULL):
 * always.  A malformed string is never open (the routes refuse to store
 * one).
 */
bool cc_hours_open(const char *hours, uint64_t unix_ms)
{
	struct cc_hours_span v[CC_HOURS_MAX];
	size_t n = ARRAY_SIZE(v);
	uint64_t day = unix_ms / 86400000u;
	unsigned wday = (unsigned)((day + 3) % 7);   /* 1970-01-01: thu */
	unsigned min = (unsigned)(unix_ms % 86400000u / 60000u);

	if (!hours || !hours[0])
		return true;
	if (cc_hours_parse(hours, v, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (span_has_day(&v[i], wday) && min >= v[i].open &&
		    min < v[i].close)
			return true;
	}
	return false;
}
