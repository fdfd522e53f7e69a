/**
 * @file api/rfc3339.c  Times in requests: RFC 3339 into milliseconds
 *
 * One parser for every time a request carries (a callback's `at`, a
 * customer request's `desired_time`, a list's `since`): a full date and
 * time, optional fractions (dropped), and `Z` or a numeric offset; no
 * leap-second arithmetic, years from 1970.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "api.h"


static int two(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}


/**
 * RFC 3339: YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM) into ms since the
 * epoch.  EINVAL for anything else.
 */
int api_time_parse(uint64_t *msp, const char *s)
{
	int y, mo, d, h, mi, sec, n = 0, off = 0, oh, om;
	struct tm tm;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 ||
	    (s[10] != 'T' && s[10] != 't') ||
	    (h = two(s + 11)) < 0 || s[13] != ':' ||
	    (mi = two(s + 14)) < 0 || s[16] != ':' ||
	    (sec = two(s + 17)) < 0)
		return EINVAL;
	s += 19;
	if (*s == '.') {
		++s;
		if (!(*s >= '0' && *s <= '9'))
			return EINVAL;
		while (*s >= '0' && *s <= '9')
			++s;
	}
	if (*s == 'Z' || *s == 'z') {
		++s;
	}
	else if (*s == '+' || *s == '-') {
		oh = two(s + 1);
		om = s[3] == ':' ? two(s + 4) : -1;
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return EINVAL;
		off = (oh * 60 + om) * 60 * (*s == '-' ? -1 : 1);
		s += 6;
	}
	else {
		return EINVAL;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60 || y < 1970)
		return EINVAL;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm) - off;
	if (t < 0)
		return EINVAL;
	*msp = (uint64_t)t * 1000;
	return 0;
}
