/**
 * @file api/body.c  A request body must be one JSON object of valid text
 *
 * libre's JSON decoder is lenient where the API must not be: it stops
 * quietly at a NUL byte, ignores what follows the first value, takes
 * arrays for objects, passes invalid UTF-8 through, cuts a string at an
 * escaped NUL (`"x\u0000y"` becomes "x": a name that is not what the
 * client sent), drops lone surrogate escapes and takes unknown escapes
 * (`\x`) for the letter.  So every body is scanned once before it is
 * decoded: the text must be UTF-8 (shortest forms, no surrogates, at most
 * U+10FFFF; no NUL byte), strings may hold no raw control character,
 * only the escapes of RFC 8259 and no \u0000 or lone surrogate, and the
 * body must be one object with nothing but whitespace after it.  The
 * result says which of these failed, for a useful 400.
 */
#include <string.h>
#include <re.h>
#include "api.h"


static bool is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


/** Length of the UTF-8 sequence at p[0..n), 0 if it is not a valid one
 *  (also for NUL; money_rates.c checks CSV text with it) */
size_t api_utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	uint32_t cp;
	size_t len;

	if (c < 0x80)
		return c ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	}
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	}
	else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	}
	else {
		return 0;   /* continuation byte first, or 0xc0/0xc1/0xf5+ */
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;   /* overlong, surrogate or out of range */
	return len;
}


static int hex4(const uint8_t *p, size_t n, uint32_t *v)
{
	*v = 0;
	if (n < 4)
		return EBADMSG;
	for (size_t i = 0; i < 4; i++) {
		uint8_t c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (uint32_t)(c - 'A' + 10);
		else
			return EBADMSG;
	}
	return 0;
}


/*
 * The escape after a backslash at p[0..n) (p[0] is the letter): its
 * length in *lenp, 0; EBADMSG for an unknown escape, ERANGE for \u0000
 * or a lone surrogate.
 */
static int escape_len(const uint8_t *p, size_t n, size_t *lenp)
{
	uint32_t hi, lo;

	if (n && p[0] && strchr("\"\\/bfnrt", p[0])) {
		*lenp = 1;
		return 0;
	}
	if (!n || p[0] != 'u' || hex4(p + 1, n - 1, &hi))
		return EBADMSG;
	if (hi == 0 || (hi >= 0xdc00 && hi <= 0xdfff))
		return ERANGE;
	if (hi < 0xd800 || hi > 0xdbff) {
		*lenp = 5;
		return 0;
	}
	/* a high surrogate needs its low half, escaped, right after it */
	if (n < 11 || p[5] != '\\' || p[6] != 'u' ||
	    hex4(p + 7, n - 7, &lo))
		return ERANGE;
	if (lo < 0xdc00 || lo > 0xdfff)
		return ERANGE;
	*lenp = 11;
	return 0;
}


/**
 * Check that p[0..len) is one JSON object of valid text (see the top).
 * 0; EBADMSG: not one JSON object; EILSEQ: not UTF-8 (or a NUL byte);
 * ERANGE: a string with a control character, \u0000 or a lone surrogate.
 */
int api_body_check(const char *p, size_t len)
{
	const uint8_t *b = (const uint8_t *)p;
	size_t i = 0, depth = 0, n;
	bool str = false, closed = false;
	int err;

	if (!p)
		return EINVAL;

	while (i < len && is_ws(b[i]))
		++i;
	if (i == len || b[i] != '{')
		return EBADMSG;

	while (i < len) {
		uint8_t c = b[i];

		n = api_utf8_len(b + i, len - i);
		if (!n)
			return EILSEQ;

		if (closed) {
			if (!is_ws(c))
				return EBADMSG;
		}
		else if (str) {
			if (c < 0x20)
				return ERANGE;
			if (c == '"') {
				str = false;
			}
			else if (c == '\\') {
				err = escape_len(b + i + 1, len - i - 1, &n);
				if (err)
					return err;
				++n;
			}
		}
		else if (c == '"') {
			str = true;
		}
		else if (c == '{' || c == '[') {
			++depth;
		}
		else if ((c == '}' || c == ']') && depth && --depth == 0) {
			closed = true;
		}
		i += n;
	}
	return closed ? 0 : EBADMSG;
}


/** What api_body_check()'s result means, for the client */
const char *api_body_error(int err)
{
	switch (err) {

	case EILSEQ:
		return "body is not valid UTF-8";
	case ERANGE:
		return "a string holds a control character, \\u0000 or a lone "
			"surrogate";
	default:
		return "body is not valid JSON";
	}
}


/**
 * Decode a request body that must be one JSON object of valid text:
 * an error of api_body_check() (EBADMSG, EILSEQ, ERANGE) if it is not
 */
int api_body_decode(struct odict **odp, const char *p, size_t len)
{
	int err;

	if (!odp || !p)
		return EBADMSG;
	err = api_body_check(p, len);
	if (err)
		return err;
	err = json_decode_odict(odp, 16, p, len, 8);
	if (err || !*odp)
		return EBADMSG;
	return 0;
}
