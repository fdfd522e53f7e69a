/**
 * @file api/conn.c  The API's connections: caps, deadlines, one request
 *                   at a time
 *
 * libre's HTTP server (1.1.0) accepts every connection, gives the first
 * request 10 s and every later one 600 s however slowly its bytes
 * trickle in, holds up to 512 KiB per connection, and hands every
 * complete request to the handler at once -- several, when a client
 * pipelines them, so that a request waiting for the store would be
 * answered after the one behind it.  It has no hook at accept time, but
 * it accepts with the exported tcp_accept() through the PLT; this file
 * defines tcp_accept() in the executable (exported, see the Makefile; the
 * technique of sip/guard.c).  For the API's listening socket it accepts
 * with libre's own function, puts its own receive and close handlers in
 * front of libre's, and keeps a struct hconn per connection; every other
 * socket goes straight to libre.
 *
 * What this adds:
 *  - caps: api.http_conn_max connections in all, api.http_conn_per_ip
 *    from one address; one more is refused at once (503 on plain HTTP,
 *    a bare close under TLS).
 *  - deadlines: a request -- line, headers and body -- must be complete
 *    api.http_timeout_ms after its first byte (the first request of a
 *    connection: after the accept, TLS handshake included), else 408 and
 *    the connection is closed: a client that trickles headers
 *    (slowloris) or a body holds a connection that long at most.  An idle
 *    keep-alive connection is closed after api.http_idle_ms.
 *  - one request at a time: the bytes are kept here and handed to libre
 *    one whole request at a time (framed by frame.c with libre's own
 *    http_msg_decode(), so that both agree where a request ends); the
 *    next one only once the previous is finished (replied, or its
 *    struct api_req freed: api_conn_done()).  Pipelined requests are so
 *    answered in order.  The head is bounded (431), a body too (413,
 *    answered as soon as the head is in; the body is then read and
 *    dropped so that the client sees the reply and may go on); what
 *    could be framed two ways is refused (400, 411).
 *
 * Ownership.  An hconn holds references on libre's http_conn and on its
 * tcp_conn.  It lets both go when libre lets the connection go -- seen
 * as http_conn_tcp() turning NULL: a close, an error, libre's own timer,
 * or the WebSocket upgrade of /v1/events, whose connection then belongs
 * to libre's websock and leaves this accounting -- or when it closes the
 * connection itself, through libre's own close handler as if the peer
 * had closed, so that libre frees its side the way it always does.
 * Everything runs on the re_main thread.
 */
#include <dlfcn.h>
#include <string.h>
#include <re.h>
#include "api.h"

enum {
	CONN_HEAD_MAX = 16 * 1024,   /* request line and headers          */
	CONN_BUF_MAX  = 256 * 1024,  /* held per connection, pipelined    */
	CONN_HASH     = 1024,
};

/** Where a connection stands between requests */
enum hconn_state {
	HCONN_IDLE = 0,   /**< no byte of the next request yet            */
	HCONN_READ,       /**< a request has begun: its deadline runs     */
	HCONN_BUSY,       /**< a request is with the server, unfinished   */
	HCONN_GONE,       /**< let go; freed with the last reference      */
};

/* open connections from one client address */
struct peer {
	struct le he;
	struct sa addr;
	uint32_t n;
};

struct hconn {
	struct le he;                 /* guard.conns, by http_conn        */
	struct http_conn *http;       /* mem_ref'd: libre's connection    */
	struct tcp_conn *tc;          /* mem_ref'd: its TCP connection    */
	tcp_recv_h *recvh;            /* libre's handlers, behind ours     */
	tcp_close_h *closeh;
	struct peer *peer;            /* mem_ref'd, counted in            */
	struct mbuf *buf;             /* received, not yet handed on      */
	size_t scanned;               /* head end looked for up to here   */
	uint64_t skip;                /* body of a refused request, to go */
	struct tmr tmr;               /* the state's deadline             */
	enum hconn_state state;
	const void *cur;              /* the request being served (token) */
	uint32_t nreq;                /* requests handed on so far        */
	bool feeding;                 /* inside libre's receive handler   */
};

typedef int (accept_h)(struct tcp_conn **tcp, struct tcp_sock *ts,
		       tcp_estab_h *eh, tcp_recv_h *rh, tcp_close_h *ch,
		       void *arg);

static struct {
	accept_h *accept;             /* libre's tcp_accept()             */
	struct tcp_sock *ts;          /* borrowed: the API's socket       */
	struct hash *conns;           /* struct hconn                     */
	struct hash *peers;           /* struct peer                      */
	uint32_t n;                   /* connections in conns             */
	uint32_t max, per_ip;
	uint32_t timeout_ms, idle_ms;
	bool tls;
} guard;


static void hconn_process(struct hconn *hc);


/* ---- peers --------------------------------------------------------- */

static void peer_destructor(void *arg)
{
	struct peer *p = arg;

	hash_unlink(&p->he);
}


static bool peer_cmp(struct le *le, void *arg)
{
	const struct peer *p = le->data;

	return sa_cmp(&p->addr, arg, SA_ADDR);
}


static struct peer *peer_find(const struct sa *addr)
{
	return list_ledata(hash_lookup(guard.peers, sa_hash(addr, SA_ADDR),
				       peer_cmp, (void *)addr));
}


/* one more connection from addr: the peer, referenced */
static struct peer *peer_add(const struct sa *addr)
{
	struct peer *p = peer_find(addr);

	if (p) {
		++p->n;
		return mem_ref(p);
	}
	p = mem_zalloc(sizeof(*p), peer_destructor);
	if (!p)
		return NULL;
	sa_cpy(&p->addr, addr);
	p->n = 1;
	hash_append(guard.peers, sa_hash(addr, SA_ADDR), &p->he, p);
	return p;
}


static struct peer *peer_put(struct peer *p)
{
	if (p)
		--p->n;
	return mem_deref(p);
}


/* ---- connections --------------------------------------------------- */

static uint32_t ptr_hash(const void *p)
{
	return hash_fast((const char *)&p, sizeof(p));
}


static bool hconn_cmp(struct le *le, void *arg)
{
	const struct hconn *hc = le->data;

	return (const void *)hc->http == arg;
}


static struct hconn *hconn_find(const struct http_conn *http)
{
	return list_ledata(hash_lookup(guard.conns, ptr_hash(http),
				       hconn_cmp, (void *)http));
}


static void hconn_destructor(void *arg)
{
	struct hconn *hc = arg;

	tmr_cancel(&hc->tmr);
	hash_unlink(&hc->he);
	mem_deref(hc->buf);
	mem_deref(hc->peer);
	mem_deref(hc->http);
	mem_deref(hc->tc);
}


/*
 * libre still serves the connection: no close, no upgrade (and under
 * TLS, its TLS layer did start: libre drops a connection whose TLS
 * cannot start without closing it)
 */
static bool hconn_libre_holds(const struct hconn *hc)
{
	return hc->state != HCONN_GONE && hc->http &&
		http_conn_tcp(hc->http) == hc->tc &&
		(!guard.tls || http_conn_tls(hc->http));
}


/*
 * Out of the accounting, libre's objects released (the socket closes
 * with the last reference to its tcp_conn), and the registry's
 * reference dropped.  Callers that go on using hc hold their own.
 */
static void hconn_release(struct hconn *hc)
{
	if (hc->state == HCONN_GONE)
		return;
	hc->state = HCONN_GONE;
	tmr_cancel(&hc->tmr);
	hash_unlink(&hc->he);
	--guard.n;
	hc->peer = peer_put(hc->peer);
	hc->buf = mem_deref(hc->buf);
	hc->http = mem_deref(hc->http);
	hc->tc = mem_deref(hc->tc);
	mem_deref(hc);
}


/* close the connection: libre's side first, as if the peer had closed */
static void hconn_close(struct hconn *hc)
{
	if (hconn_libre_holds(hc))
		hc->closeh(0, hc->http);
	hconn_release(hc);
}


/* an error reply in the one shape, then close */
static void hconn_refuse(struct hconn *hc, uint16_t scode, const char *code,
			 const char *message)
{
	if (hconn_libre_holds(hc))
		api_refuse(hc->http, scode, code, message, true);
	hconn_close(hc);
}


static void timeout_handler(void *arg)
{
	struct hconn *hc = arg;

	if (hc->state == HCONN_READ)
		hconn_refuse(hc, 408, "request_timeout",
			     "the request did not arrive in time");
	else if (hc->state == HCONN_IDLE)
		hconn_close(hc);
}


static void next_handler(void *arg)
{
	struct hconn *hc = arg;

	mem_ref(hc);
	hconn_process(hc);
	mem_deref(hc);
}


/* nothing of a request pending: wait for the next one (or close) */
static void hconn_idle(struct hconn *hc)
{
	hc->state = HCONN_IDLE;
	hc->scanned = 0;

	/* the first request's deadline counts from the accept */
	if (hc->nreq)
		tmr_start(&hc->tmr, guard.idle_ms, timeout_handler, hc);
}


/* the first byte of a request is here: its deadline starts */
static void hconn_read(struct hconn *hc)
{
	hc->state = HCONN_READ;
	if (hc->nreq)
		tmr_start(&hc->tmr, guard.timeout_ms, timeout_handler, hc);
}


/* ---- framing ------------------------------------------------------- */

/* what a refused request is told */
static const struct {
	uint16_t scode;
	const char *code;
	const char *message;
} refusal[] = {
	[FRAME_MALFORMED]  = {400, "bad_request", "malformed request"},
	[FRAME_HEAD_LARGE] = {431, "headers_too_large",
			      "request line and headers exceed 16 KiB"},
	[FRAME_CHUNKED]    = {411, "length_required",
			      "send a Content-Length, not Transfer-Encoding"},
	[FRAME_LENGTH]     = {400, "bad_request",
			      "Content-Length must be one number"},
};


/*
 * Frame the request at the head of hc->buf: 0 and its length in *lenp;
 * ENODATA while incomplete; EBADMSG after refusing it (replied, and
 * either the connection closed or its body left to skip).
 */
static int hconn_frame(struct hconn *hc, size_t *lenp)
{
	struct mbuf *mb = hc->buf;
	struct frame f = {0, 0};
	enum frame_res res;
	size_t have;

	res = api_frame(mb, &hc->scanned, CONN_HEAD_MAX, &f);
	switch (res) {

	case FRAME_MORE:
		return ENODATA;

	case FRAME_HEAD:
	case FRAME_WHOLE:
		break;

	default:
		hconn_refuse(hc, refusal[res].scode, refusal[res].code,
			     refusal[res].message);
		return EBADMSG;
	}

	if (f.clen > API_MAX_BODY) {
		/* answer now; read the body and drop it */
		api_refuse(hc->http, 413, "body_too_large",
			   "request body exceeds 64 KiB", false);
		have = mbuf_get_left(mb) - f.head;
		if (have > f.clen)
			have = (size_t)f.clen;
		mbuf_advance(mb, (ssize_t)(f.head + have));
		hc->skip = f.clen - have;
		hc->scanned = 0;
		++hc->nreq;
		return EBADMSG;
	}
	if (res == FRAME_HEAD)
		return ENODATA;

	*lenp = f.head + (size_t)f.clen;
	return 0;
}


/* hand the request of len bytes at the head of hc->buf to libre */
static void hconn_feed(struct hconn *hc, size_t len)
{
	struct mbuf *mb;

	if (mbuf_get_left(hc->buf) == len) {
		mb = hc->buf;         /* the usual case: exactly one */
		hc->buf = NULL;
	}
	else {
		mb = mbuf_alloc(len);
		if (!mb) {
			hconn_close(hc);
			return;
		}
		(void)mbuf_write_mem(mb, mbuf_buf(hc->buf), len);
		mb->pos = 0;
		mbuf_advance(hc->buf, (ssize_t)len);
	}

	hc->state = HCONN_BUSY;
	hc->cur = NULL;
	hc->scanned = 0;
	tmr_cancel(&hc->tmr);
	++hc->nreq;

	hc->feeding = true;
	hc->recvh(mb, hc->http);
	hc->feeding = false;
	mem_deref(mb);

	if (!hconn_libre_holds(hc))
		hconn_release(hc);
}


/* hand on what is complete, one request at a time */
static void hconn_process(struct hconn *hc)
{
	size_t len = 0;
	int err;

	while (hc->state == HCONN_IDLE || hc->state == HCONN_READ) {

		if (hc->buf && !mbuf_get_left(hc->buf))
			hc->buf = mem_deref(hc->buf);

		if (!hc->buf) {
			if (hc->skip == 0)
				hconn_idle(hc);
			return;
		}
		if (hc->state == HCONN_IDLE)
			hconn_read(hc);

		err = hconn_frame(hc, &len);
		if (err == ENODATA)
			return;
		if (err) {
			if (hc->state == HCONN_GONE || hc->skip)
				return;
			hconn_idle(hc);   /* refused, body dropped: next */
			continue;
		}
		hconn_feed(hc, len);
	}
}


/* ---- libre's handlers, wrapped ------------------------------------- */

/* append to mb after what is left of it; consumed bytes are dropped */
static void buf_append(struct mbuf *mb, const uint8_t *p, size_t n)
{
	size_t left = mbuf_get_left(mb);

	if (mb->pos) {
		memmove(mb->buf, mbuf_buf(mb), left);
		mb->pos = 0;
		mb->end = left;
	}
	mb->pos = mb->end;
	(void)mbuf_write_mem(mb, p, n);
	mb->pos = 0;
}

static void recv_handler(struct mbuf *mb, void *arg)
{
	struct hconn *hc = arg;
	size_t n;

	mem_ref(hc);

	if (!hconn_libre_holds(hc)) {
		hconn_release(hc);
		goto out;
	}

	/* the dropped body of a refused request */
	n = mbuf_get_left(mb);
	if (hc->skip) {
		size_t k = hc->skip < n ? (size_t)hc->skip : n;

		mbuf_advance(mb, (ssize_t)k);
		hc->skip -= k;
		n -= k;
	}
	if (n == 0) {
		if (!hc->skip)
			hconn_process(hc);
		goto out;
	}

	if (!hc->buf) {
		hc->buf = mbuf_alloc(n < 1024 ? 1024 : n);
		if (!hc->buf) {
			hconn_close(hc);
			goto out;
		}
	}
	if (mbuf_get_left(hc->buf) + n > CONN_BUF_MAX) {
		hconn_refuse(hc, 400, "bad_request",
			     "too many pipelined requests");
		goto out;
	}
	buf_append(hc->buf, mbuf_buf(mb), n);
	hconn_process(hc);
 out:
	mem_deref(hc);
}


static void close_handler(int err, void *arg)
{
	struct hconn *hc = arg;

	mem_ref(hc);
	if (hconn_libre_holds(hc))
		hc->closeh(err, hc->http);
	hconn_release(hc);
	mem_deref(hc);
}


static int hconn_accept(struct tcp_conn **tcp, struct tcp_sock *ts,
			tcp_estab_h *eh, tcp_recv_h *rh, tcp_close_h *ch,
			void *http)
{
	struct hconn *hc;
	struct peer *p;
	struct sa addr;
	int err;

	hc = mem_zalloc(sizeof(*hc), hconn_destructor);
	if (!hc)
		return ENOMEM;
	tmr_init(&hc->tmr);
	hc->state = HCONN_GONE;      /* until registered */

	err = guard.accept(&hc->tc, ts, eh, recv_handler, close_handler,
			   hc);
	if (err)
		goto out;

	err = tcp_conn_peer_get(hc->tc, &addr);
	if (err)
		goto out;

	p = peer_find(&addr);
	if (guard.n >= guard.max || (p && p->n >= guard.per_ip)) {
		log_debug(NULL, "http connection from %j refused: %u open "
			  "from it, %u in all", &addr, p ? p->n : 0,
			  guard.n);
		if (!guard.tls) {
			struct mbuf *mb = mbuf_alloc(256);
			static const char body[] = "{\"error\":{\"code\":"
				"\"too_many_connections\",\"message\":"
				"\"too many open connections\"}}";

			if (mb) {
				(void)mbuf_printf(mb, "HTTP/1.1 503 Error\r\n"
					"Content-Type: application/json\r\n"
					"Content-Length: %zu\r\n"
					"Connection: close\r\n"
					"Retry-After: 1\r\n\r\n%s",
					sizeof(body) - 1, body);
				mb->pos = 0;
				(void)tcp_send(hc->tc, mb);
				mem_deref(mb);
			}
		}
		err = EMFILE;
		goto out;
	}

	hc->peer = peer_add(&addr);
	if (!hc->peer) {
		err = ENOMEM;
		goto out;
	}
	hc->http = mem_ref(http);
	hc->recvh = rh;
	hc->closeh = ch;
	hc->state = HCONN_IDLE;
	hash_append(guard.conns, ptr_hash(http), &hc->he, hc);
	++guard.n;

	/* the whole first request (TLS handshake too) within the timeout */
	tmr_start(&hc->tmr, guard.timeout_ms, timeout_handler, hc);

	*tcp = mem_ref(hc->tc);
	return 0;

 out:
	mem_deref(hc);
	return err;
}


/* libre accepts every TCP connection through this (see the top) */
int tcp_accept(struct tcp_conn **tcp, struct tcp_sock *ts, tcp_estab_h *eh,
	       tcp_recv_h *rh, tcp_close_h *ch, void *arg)
{
	if (!guard.accept) {
		guard.accept = (accept_h *)dlsym(RTLD_NEXT, "tcp_accept");
		if (!guard.accept)
			return ENOSYS;
	}
	if (!ts || ts != guard.ts || !guard.conns)
		return guard.accept(tcp, ts, eh, rh, ch, arg);
	return hconn_accept(tcp, ts, eh, rh, ch, arg);
}


/* ---- the server's side --------------------------------------------- */

/**
 * libre handed the request on `conn` to the server, which serves it as
 * `req` (any unique token): api_conn_done() with the same token ends it.
 */
void api_conn_begin(struct http_conn *conn, const void *req)
{
	struct hconn *hc = conn ? hconn_find(conn) : NULL;

	if (hc && hc->state == HCONN_BUSY)
		hc->cur = req;
}


/**
 * The request `req` on `conn` is finished -- replied, or freed, which
 * ever comes first; later calls for it do nothing: the connection goes
 * on with its next request.
 */
void api_conn_done(struct http_conn *conn, const void *req)
{
	struct hconn *hc = conn ? hconn_find(conn) : NULL;

	if (!hc || hc->state != HCONN_BUSY || hc->cur != req)
		return;
	hc->cur = NULL;

	if (!hconn_libre_holds(hc)) {
		hconn_release(hc);
		return;
	}
	hconn_idle(hc);
	if (hc->feeding)
		return;               /* hconn_process() goes on */
	if (hc->buf && mbuf_get_left(hc->buf))
		tmr_start(&hc->tmr, 0, next_handler, hc);
}


/** Connections open on the API (WebSockets not counted) */
uint32_t api_conn_count(void)
{
	return guard.n;
}


/** Start guarding the connections of sock */
int api_conn_init(const struct cb_config *cfg, struct http_sock *sock,
		  bool tls)
{
	int err;

	if (!cfg || !sock)
		return EINVAL;

	guard.max = cfg->http_conn_max;
	guard.per_ip = cfg->http_conn_per_ip;
	guard.timeout_ms = cfg->http_timeout_ms;
	guard.idle_ms = cfg->http_idle_ms;
	guard.tls = tls;

	err = hash_alloc(&guard.conns, CONN_HASH);
	if (!err)
		err = hash_alloc(&guard.peers, CONN_HASH);
	if (err) {
		api_conn_close();
		return err;
	}
	guard.ts = http_sock_tcp(sock);
	return 0;
}


/** Forget every connection (the server socket is closed after this) */
void api_conn_close(void)
{
	guard.ts = NULL;
	hash_flush(guard.conns);
	guard.conns = mem_deref(guard.conns);
	guard.peers = mem_deref(guard.peers);
	guard.n = 0;
}
