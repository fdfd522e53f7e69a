/**
 * @file api/frame.c  Where the HTTP request at the head of a stream ends
 *
 * conn.c hands libre one request at a time, so it must know where a
 * request ends exactly as libre will: the head is parsed with libre's
 * own http_msg_decode(), and the body is Content-Length bytes (libre's
 * server knows no other framing).  Everything that could be read two
 * ways is refused instead: Transfer-Encoding (a proxy in front would
 * read chunks where libre reads none), two Content-Length headers, or
 * one that is not a plain decimal number (libre would take "5abc" for 0
 * and overflow on 20 digits).  The head is bounded.
 *
 * Pure: a buffer in, a verdict out; tests/unit/api_conn.c feeds it.
 */
#include <string.h>
#include <re.h>
#include "api.h"

enum { CLEN_DIGITS_MAX = 9 };


/* is there a blank line (the end of a head) in p[from..n)? */
static bool head_complete(const uint8_t *p, size_t n, size_t from)
{
	for (size_t i = from; i < n; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < n && p[i + 1] == '\n')
			return true;
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return true;
	}
	return false;
}


static bool clen_plain(const struct http_msg *msg)
{
	const struct http_hdr *h = http_msg_hdr(msg, HTTP_HDR_CONTENT_LENGTH);

	if (!h)
		return true;
	if (http_msg_hdr_count(msg, HTTP_HDR_CONTENT_LENGTH) != 1 ||
	    h->val.l == 0 || h->val.l > CLEN_DIGITS_MAX)
		return false;
	for (size_t i = 0; i < h->val.l; i++) {
		if (h->val.p[i] < '0' || h->val.p[i] > '9')
			return false;
	}
	return true;
}


/**
 * Frame the request at mb->pos (left unchanged).  *scanned remembers how
 * far a head end was looked for, between calls on a growing buffer (0 for
 * a new request).  On FRAME_HEAD and FRAME_WHOLE, f holds the head's
 * length and the body's.
 */
enum frame_res api_frame(struct mbuf *mb, size_t *scanned, size_t head_max,
			 struct frame *f)
{
	const size_t start = mb->pos;
	const size_t left = mbuf_get_left(mb);
	struct http_msg *msg = NULL;
	enum frame_res res;
	int err;

	if (!head_complete(mbuf_buf(mb), left,
			   *scanned > 2 ? *scanned - 2 : 0)) {
		*scanned = left;
		return left <= head_max ? FRAME_MORE : FRAME_HEAD_LARGE;
	}

	err = http_msg_decode(&msg, mb, true);
	f->head = mb->pos - start;
	mb->pos = start;
	if (err == ENODATA) {
		/* blank lines before the request line: more to come */
		*scanned = left;
		return left <= head_max ? FRAME_MORE : FRAME_HEAD_LARGE;
	}
	if (err) {
		res = FRAME_MALFORMED;
		goto out;
	}
	if (f->head > head_max) {
		res = FRAME_HEAD_LARGE;
		goto out;
	}
	if (http_msg_hdr(msg, HTTP_HDR_TRANSFER_ENCODING)) {
		res = FRAME_CHUNKED;
		goto out;
	}
	if (!clen_plain(msg)) {
		res = FRAME_LENGTH;
		goto out;
	}
	f->clen = msg->clen;
	res = left - f->head >= f->clen ? FRAME_WHOLE : FRAME_HEAD;
 out:
	mem_deref(msg);
	return res;
}
