/**
 * @file bench/rtpload/sipmsg.c  Just enough SIP parsing
 *
 * The generator speaks to one known peer, so the parser is small: the
 * start line, header lookup by full or compact name, To/From tags and
 * Contact URIs.  Nothing is copied: a `struct msg` points into the
 * receive buffer, which stays valid until the next datagram is read.
 * Folded (continuation) header lines are not supported; nobody here
 * folds.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "rtpload.h"

/** Split buf into start line, headers and body; EPROTO if it is not SIP */
int rl_msg_parse(struct msg *m, const char *buf, size_t len)
{
	const char *eol, *sp, *end = buf + len, *sep;

	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->len = len;
	eol = memmem(buf, len, "\r\n", 2);
	if (!eol)
		return EPROTO;
	if (len > 8 && !memcmp(buf, "SIP/2.0 ", 8)) {
		m->code = atoi(buf + 8);
		if (m->code < 100 || m->code > 699)
			return EPROTO;
	}
	else {
		sp = memchr(buf, ' ', (size_t)(eol - buf));
		if (!sp || (size_t)(sp - buf) >= sizeof(m->method))
			return EPROTO;
		memcpy(m->method, buf, (size_t)(sp - buf));
		m->method[sp - buf] = '\0';
		m->is_req = true;
		m->ruri = sp + 1;
		sp = memchr(m->ruri, ' ', (size_t)(eol - m->ruri));
		if (!sp)
			return EPROTO;
		m->ruri_len = (size_t)(sp - m->ruri);
	}
	m->hdrs = eol + 2;
	sep = memmem(m->hdrs, (size_t)(end - m->hdrs), "\r\n\r\n", 4);
	if (!sep) {
		m->hdrs_len = (size_t)(end - m->hdrs);
		return 0;
	}
	m->hdrs_len = (size_t)(sep + 2 - m->hdrs);
	m->body = sep + 4;
	m->body_len = (size_t)(end - m->body);
	return 0;
}

/**
 * Next header line named name (or its compact form) at or after *pos.
 * Returns the value (leading blanks skipped) and its length; *pos moves
 * past the line.  Continuation lines are not supported (nobody here
 * folds).
 */
const char *rl_hdr_next(const struct msg *m, const char **pos,
			const char *name, const char *compact,
			size_t *vlen)
{
	const char *p = *pos ? *pos : m->hdrs;
	const char *end = m->hdrs + m->hdrs_len;
	size_t nl = strlen(name), cl = compact ? strlen(compact) : 0;

	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		const char *colon, *v;
		size_t n;

		if (!eol)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		*pos = eol + 2;
		if (colon) {
			n = (size_t)(colon - p);
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if ((n == nl && !strncasecmp(p, name, nl)) ||
			    (cl && n == cl && !strncasecmp(p, compact, cl))) {
				v = colon + 1;
				while (v < eol && (*v == ' ' || *v == '\t'))
					v++;
				*vlen = (size_t)(eol - v);
				return v;
			}
		}
		p = eol + 2;
	}
	return NULL;
}

const char *rl_hdr_get(const struct msg *m, const char *name,
		       const char *compact, size_t *vlen)
{
	const char *pos = NULL;

	return rl_hdr_next(m, &pos, name, compact, vlen);
}

/** Copy a header value into a NUL-terminated buffer; false if absent */
bool rl_hdr_copy(const struct msg *m, const char *name,
		 const char *compact, char *out, size_t outsz)
{
	size_t n;
	const char *v = rl_hdr_get(m, name, compact, &n);

	if (!v || n >= outsz)
		return false;
	memcpy(out, v, n);
	out[n] = '\0';
	return true;
}

/** ";tag=" parameter of a From/To value */
bool rl_tag_get(const char *v, size_t n, char *out, size_t outsz)
{
	const char *p = v, *end = v + n, *e;

	while (p < end) {
		p = memchr(p, ';', (size_t)(end - p));
		if (!p)
			return false;
		p++;
		while (p < end && *p == ' ')
			p++;
		if ((size_t)(end - p) > 4 && !strncasecmp(p, "tag=", 4)) {
			p += 4;
			e = p;
			while (e < end && *e != ';' && *e != ' ' && *e != '>')
				e++;
			if ((size_t)(e - p) >= outsz)
				return false;
			memcpy(out, p, (size_t)(e - p));
			out[e - p] = '\0';
			return true;
		}
	}
	return false;
}

/** The URI inside <...> of a Contact value, or the bare URI */
bool rl_uri_get(const char *v, size_t n, char *out, size_t outsz)
{
	const char *lt = memchr(v, '<', n), *gt;

	if (lt) {
		gt = memchr(lt, '>', (size_t)(v + n - lt));
		if (!gt)
			return false;
		v = lt + 1;
		n = (size_t)(gt - v);
	}
	else {
		const char *semi = memchr(v, ';', n);

		if (semi)
			n = (size_t)(semi - v);
	}
	if (n >= outsz)
		return false;
	memcpy(out, v, n);
	out[n] = '\0';
	return true;
}
