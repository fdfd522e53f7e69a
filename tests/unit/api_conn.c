/**
 * @file tests/unit/api_conn.c  Framing of requests on a connection
 *
 * api_frame() must find the end of the request at the head of a stream
 * exactly where libre's server will, whole or in pieces, with pipelined
 * requests behind it, and refuse what could be framed two ways.
 */
#include <string.h>
#include <re.h>
#include "api/api.h"
#include "test.h"

int test_api_conn_frame(void);
int test_api_conn_frame_pieces(void);


static enum frame_res frame_str(const char *s, struct frame *f)
{
	struct mbuf *mb = mbuf_alloc(strlen(s) + 1);
	size_t scanned = 0;
	enum frame_res res;

	if (!mb)
		return FRAME_MALFORMED;
	(void)mbuf_write_str(mb, s);
	mb->pos = 0;
	res = api_frame(mb, &scanned, 256, f);
	mem_deref(mb);
	return res;
}


int test_api_conn_frame(void)
{
	struct frame f;
	char big[400];
	int err = 0;

	ASSERT_EQ(FRAME_WHOLE, frame_str("GET / HTTP/1.1\r\nHost: x\r\n\r\n",
					 &f));
	ASSERT_EQ(27, f.head);
	ASSERT_EQ(0, f.clen);

	/* a body, and a pipelined request behind it */
	ASSERT_EQ(FRAME_WHOLE, frame_str("POST /a HTTP/1.1\r\nContent-Length:"
					 " 2\r\n\r\n{}GET / HTTP/1.1\r\n\r\n",
					 &f));
	ASSERT_EQ(39, f.head);
	ASSERT_EQ(2, f.clen);
	ASSERT_EQ(FRAME_HEAD, frame_str("POST /a HTTP/1.1\r\nContent-Length:"
					" 5\r\n\r\n{}", &f));
	ASSERT_EQ(5, f.clen);

	/* bare LFs, leading blank lines: as libre reads them */
	ASSERT_EQ(FRAME_WHOLE, frame_str("GET / HTTP/1.1\nHost: x\n\n", &f));
	ASSERT_EQ(FRAME_WHOLE, frame_str("\r\n\r\nGET / HTTP/1.1\r\n\r\n",
					 &f));
	ASSERT_EQ(FRAME_MORE, frame_str("GET / HTTP/1.1\r\nHost: x\r\n", &f));
	ASSERT_EQ(FRAME_MORE, frame_str("", &f));

	/* refused */
	ASSERT_EQ(FRAME_MALFORMED, frame_str("garbage garbage\r\n\r\n", &f));
	ASSERT_EQ(FRAME_CHUNKED, frame_str("POST / HTTP/1.1\r\nTransfer-"
					   "Encoding: chunked\r\n\r\n", &f));
	ASSERT_EQ(FRAME_LENGTH, frame_str("POST / HTTP/1.1\r\nContent-Length"
					  ": 5abc\r\n\r\n", &f));
	ASSERT_EQ(FRAME_LENGTH, frame_str("POST / HTTP/1.1\r\nContent-Length"
					  ": -5\r\n\r\n", &f));
	ASSERT_EQ(FRAME_LENGTH, frame_str("POST / HTTP/1.1\r\nContent-Length"
					  ": 99999999999999999999\r\n\r\n",
					  &f));
	ASSERT_EQ(FRAME_LENGTH, frame_str("POST / HTTP/1.1\r\nContent-Length"
					  ": 1\r\nContent-Length: 1\r\n\r\n",
					  &f));

	/* the head is bounded (256 bytes here), complete or not */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	ASSERT_EQ(FRAME_HEAD_LARGE, frame_str(big, &f));
	memcpy(big + sizeof(big) - 5, "\r\n\r\n", 4);
	ASSERT_EQ(FRAME_HEAD_LARGE, frame_str(big, &f));
 out:
	return err;
}


/* the same request arriving a few bytes at a time */
int test_api_conn_frame_pieces(void)
{
	static const char req[] = "POST /v1/calls HTTP/1.1\r\nHost: x\r\n"
		"Content-Type: application/json\r\nContent-Length: 11\r\n\r\n"
		"{\"to\":\"1\"}\n";
	struct mbuf *mb = mbuf_alloc(256);
	struct frame f = {0, 0};
	size_t scanned = 0, n = strlen(req);
	enum frame_res res = FRAME_MORE;
	int err = 0;

	ASSERT_TRUE(mb != NULL);
	for (size_t i = 0; i < n; i += 3) {
		size_t k = n - i < 3 ? n - i : 3;

		mb->pos = mb->end;
		TEST_ERR(mbuf_write_mem(mb, (const uint8_t *)req + i, k));
		mb->pos = 0;
		res = api_frame(mb, &scanned, 1024, &f);
		if (i + k < n)
			ASSERT_TRUE(res == FRAME_MORE || res == FRAME_HEAD);
		ASSERT_EQ(0, mb->pos);   /* the buffer is left as it was */
	}
	ASSERT_EQ(FRAME_WHOLE, res);
	ASSERT_EQ(n, f.head + f.clen);
 out:
	mem_deref(mb);
	return err;
}
