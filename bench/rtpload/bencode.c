/**
 * @file bench/rtpload/bencode.c  Bencode for rtpengine's ng protocol
 *
 * The ng protocol sends "<cookie> <bencoded dict>" over UDP.  We only
 * ever write byte strings into a dictionary whose keys the caller puts
 * in sorted order, and only ever read byte-string values of the
 * top-level dictionary of a reply ("result", "error-reason", "sdp"); any
 * other value is skipped whole.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rtpload.h"

/** Skip one bencoded value; NULL if malformed */
static const char *bk_skip(const char *p, const char *end)
{
	if (p >= end)
		return NULL;
	if (*p >= '0' && *p <= '9') {
		unsigned long n = strtoul(p, (char **)&p, 10);

		if (p >= end || *p != ':' || (size_t)(end - p - 1) < n)
			return NULL;
		return p + 1 + n;
	}
	if (*p == 'i') {
		const char *e = memchr(p, 'e', (size_t)(end - p));

		return e ? e + 1 : NULL;
	}
	if (*p == 'l' || *p == 'd') {
		p++;
		while (p && p < end && *p != 'e')
			p = bk_skip(p, end);
		return p && p < end ? p + 1 : NULL;
	}
	return NULL;
}

/** The string value of key in the top-level dict at p */
bool rl_bk_dict_str(const char *p, const char *end, const char *key,
		    const char **val, size_t *vlen)
{
	size_t kl = strlen(key);

	if (p >= end || *p++ != 'd')
		return false;
	while (p && p < end && *p != 'e') {
		unsigned long n = strtoul(p, (char **)&p, 10);
		const char *k, *v;

		if (p >= end || *p != ':' || (size_t)(end - p - 1) < n)
			return false;
		k = p + 1;
		v = k + n;
		if (n == kl && !memcmp(k, key, kl) && v < end &&
		    *v >= '0' && *v <= '9') {
			unsigned long m = strtoul(v, (char **)&v, 10);

			if (v >= end || *v != ':' ||
			    (size_t)(end - v - 1) < m)
				return false;
			*val = v + 1;
			*vlen = m;
			return true;
		}
		p = bk_skip(v, end);
	}
	return false;
}

int rl_bk_put(char *out, size_t outsz, size_t *len, const char *s)
{
	int w = snprintf(out + *len, outsz - *len, "%zu:%s", strlen(s), s);

	if (w < 0 || (size_t)w >= outsz - *len)
		return ENOSPC;
	*len += (size_t)w;
	return 0;
}
