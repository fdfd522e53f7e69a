/**
 * @file api/server.c  HTTP server: parse, bound, dispatch, reply
 *
 * Every request is checked before any handler sees it: the client
 * address's rate (429), body size (413), route (404/405), credentials
 * for every route not marked API_PUBLIC (401 with WWW-Authenticate:
 * Bearer; looked up on a store worker, so the request waits as a mem
 * object holding its own copy of the message), the credential's rate
 * (429), CSRF for cookie sessions (403), JSON content type for bodies
 * (415; text/csv too on a route marked API_CSV_BODY), a body that is
 * one JSON object of valid text (400, body.c), then Idempotency-Key.
 * Replies are JSON; errors have the one shape of cb_api.h.  Connections
 * -- their number, deadlines, and one request at a time so that replies
 * go out in order -- are conn.c's; with api.tls_cert the server speaks
 * HTTPS only (tls.c).
 *
 * Rate limits are token buckets (ratelimit.c): one per client address
 * (IPv6: per /64), taken before anything else is done for a request,
 * except /healthz and /readyz -- a prober must never be told 429 -- and
 * one per credential (API key id, or user id for a web session) once
 * authenticated.  Loopback is not exempt: a reverse proxy on the same
 * host would make every client loopback.  One timer sweeps idle buckets.
 */
#include <stdarg.h>
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_cc.h"
#include "cb_conf.h"

enum {
	RATE_ENTRIES_MAX = 65536,   /* buckets per table (LRU beyond) */
	RATE_SWEEP_MS = 10000,
};

static struct {
	struct http_sock *sock;           /* owned */
	const struct cb_config *cfg;      /* borrowed */
	struct ratelimit *rate_ip;        /* owned: per client address */
	struct ratelimit *rate_key;       /* owned: per key or user    */
	struct tmr sweep;
	bool tls;
} srv;


enum {
	API_BACKLOG = 1024,                /* the kernel caps it at somaxconn */
	REPLY_TXQ_DEFAULT = 512 * 1024,    /* libre's send queue limit      */
	REPLY_HDR_ROOM = 8192,             /* status line, headers, TLS     */
};


const struct cb_config *api_config(void)
{
	return srv.cfg;
}


/*
 * libre refuses to queue more than 512 KiB on a connection; a large reply
 * (a long call list) must fit whole, so the limit grows to what this
 * reply needs on top of what is queued already.
 */
static void reply_room(struct http_conn *conn, size_t body_len)
{
	struct tcp_conn *tc = http_conn_tcp(conn);
	size_t need;

	if (!tc)
		return;
	need = tcp_conn_txqsz(tc) + body_len + REPLY_HDR_ROOM;
	if (need > REPLY_TXQ_DEFAULT)
		tcp_conn_txqsz_set(tc, need);
}


void api_reply_json(struct api_req *req, uint16_t scode,
		    const char *fmt, ...)
{
	struct mbuf *mb = mbuf_alloc(512);
	va_list ap;
	int err;

	if (!mb) {
		(void)http_ereply(req->conn, 500, "Internal Server Error");
		return;
	}

	va_start(ap, fmt);
	(void)mbuf_vprintf(mb, fmt, ap);
	va_end(ap);

	if (req->idem)
		api_idem_record(req, scode, mb->buf, mb->end);
	req->replied = true;
	metrics_http_count(scode);

	reply_room(req->conn, mb->end);
	err = http_reply(req->conn, scode, scode < 300 ? "OK" : "Error",
			 "Content-Type: application/json\r\n"
			 "Content-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n"
			 "%s%s"
			 "\r\n"
			 "%b",
			 mb->end,
			 scode == 401 ? "WWW-Authenticate: Bearer "
			 "realm=\"callbridge\"\r\n" : "",
			 req->hdrs ? req->hdrs : "",
			 mb->buf, mb->end);
	mem_deref(mb);

	/* replied: the connection may go on with its next request */
	api_conn_done(req->conn, req);

	/* a reply cut short would leave the client waiting forever */
	if (err) {
		log_warn(NULL, "%r %r: reply not sent (%m): closing",
			 &req->msg->met, &req->msg->path, err);
		http_conn_close(req->conn);
	}
}


/** Does the request's principal own this call? (else: 404) */
bool api_owns(const struct api_req *req, const struct call *call)
{
	const char *t = call_tenant(call);

	return req && t && req->who.tenant_id[0] &&
		!strcmp(t, req->who.tenant_id);
}


void api_error(struct api_req *req, uint16_t scode, const char *code,
	       const char *field, const char *message)
{
	log_info(NULL, "%r %r -> %u %s%s%s", &req->msg->met,
		 &req->msg->path, scode, code, field ? " field=" : "",
		 field ? field : "");

	api_reply_json(req, scode,
		       "{\"error\":{\"code\":%H,\"message\":%H%s%H}}",
		       api_json_str, code, api_json_str, message,
		       field ? ",\"field\":" : "", api_json_str,
		       field ? field : NULL);
}


/** Is the API served over TLS? (cookies get Secure) */
bool api_tls(void)
{
	return srv.tls;
}


/**
 * Refuse a request that never became a struct api_req (conn.c: headers
 * too large, too slow, body too large): the error in the one shape, and
 * "Connection: close" when the connection is closed after it.
 */
void api_refuse(struct http_conn *conn, uint16_t scode, const char *code,
		const char *message, bool close)
{
	struct api_req req;      /* not a mem object: for the reply only */

	memset(&req, 0, sizeof(req));
	req.conn = conn;
	req.hdrs = close ? "Connection: close\r\n" : NULL;
	log_info(NULL, "http %J -> %u %s", http_conn_peer(conn), scode,
		 code);
	api_reply_json(&req, scode,
		       "{\"error\":{\"code\":%H,\"message\":%H}}",
		       api_json_str, code, api_json_str, message);
}


/* ---- rate limits --------------------------------------------------- */

static uint64_t rate_clock(void *arg)
{
	(void)arg;
	return tmr_jiffies();
}


/* 429 with Retry-After in whole seconds, rounded up */
static void rate_refuse(struct api_req *req, uint32_t wait_ms)
{
	char hdrs[48];

	(void)re_snprintf(hdrs, sizeof(hdrs), "Retry-After: %u\r\n",
			  (wait_ms + 999) / 1000);
	req->hdrs = hdrs;
	api_error(req, 429, "rate_limited", NULL,
		  "too many requests; retry after the Retry-After seconds");
	req->hdrs = NULL;
}


/**
 * The rate-limit key of a client address into key (at least 9 bytes):
 * the IPv4 address, or the /64 of an IPv6 one; its length, 0 if none.
 */
size_t api_addr_key(uint8_t *key, const struct sa *peer)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0,
					     0, 0, 0xff, 0xff};
	uint8_t a6[16];
	uint32_t a4;
	size_t len = 5;

	if (!peer)
		return 0;
	key[0] = '4';
	if (sa_af(peer) == AF_INET6) {
		sa_in6(peer, a6);
		if (memcmp(a6, v4mapped, sizeof(v4mapped))) {
			key[0] = '6';
			memcpy(key + 1, a6, 8);
			len = 9;
		}
		else {
			memcpy(key + 1, a6 + 12, 4);
		}
	}
	else {
		a4 = sa_in(peer);
		memcpy(key + 1, &a4, 4);
	}
	return len;
}


/* the bucket of a client address */
static uint32_t rate_ip_take(const struct sa *peer)
{
	uint8_t key[API_ADDR_KEY_MAX];
	size_t len = api_addr_key(key, peer);

	return len ? ratelimit_take(srv.rate_ip, key, len) : 0;
}


/* the bucket of a credential: the API key, or the web user */
static uint32_t rate_key_take(const struct cb_principal *p)
{
	char key[2 + CB_ID_LEN];
	int n;

	n = re_snprintf(key, sizeof(key), "%c%s",
			p->kind == CB_AUTH_SESSION ? 'u' : 'k',
			p->kind == CB_AUTH_SESSION ? p->user_id : p->key_id);
	return n > 0 ? ratelimit_take(srv.rate_key, key, (size_t)n) : 0;
}


/* probes are never limited: a 429 could get the daemon restarted */
static bool path_is_probe(const struct pl *path)
{
	return !pl_strcmp(path, "/healthz") || !pl_strcmp(path, "/readyz");
}


static void sweep_handler(void *arg)
{
	(void)arg;
	(void)ratelimit_sweep(srv.rate_ip);
	(void)ratelimit_sweep(srv.rate_key);
	tmr_start(&srv.sweep, RATE_SWEEP_MS, sweep_handler, NULL);
}


static int rate_init(const struct cb_config *cfg)
{
	int err;

	err = ratelimit_alloc(&srv.rate_ip, cfg->rate_ip, cfg->rate_ip_burst,
			      RATE_ENTRIES_MAX, rate_clock, NULL);
	if (!err)
		err = ratelimit_alloc(&srv.rate_key, cfg->rate_key,
				      cfg->rate_key_burst, RATE_ENTRIES_MAX,
				      rate_clock, NULL);
	if (!err)
		tmr_start(&srv.sweep, RATE_SWEEP_MS, sweep_handler, NULL);
	return err;
}


static void req_destructor(void *arg)
{
	struct api_req *req = arg;

	mem_deref(req->idem);
	mem_deref(req->body);
	mem_deref((void *)req->msg);
	/* finished: the connection may go on with its next request */
	api_conn_done(req->conn, req);
	mem_deref(req->conn);
}


/*
 * libre's message points into the connection's receive buffer, which is
 * reused once the handler returns; a request that waits for the store
 * needs its own copy: decode the bytes again from a private buffer.
 */
static int msg_copy(const struct http_msg **msgp, const struct http_msg *msg)
{
	const uint8_t *start = (const uint8_t *)msg->met.p;
	const uint8_t *end = msg->mb->buf + msg->mb->end;
	struct http_msg *copy = NULL;
	struct mbuf *mb;
	int err;

	if (!start || start < msg->mb->buf || start > end)
		return EINVAL;
	mb = mbuf_alloc((size_t)(end - start) + 1);
	if (!mb)
		return ENOMEM;
	err = mbuf_write_mem(mb, start, (size_t)(end - start));
	if (err)
		goto out;
	mb->pos = 0;
	err = http_msg_decode(&copy, mb, true);
	if (err)
		goto out;
	/* the decoder leaves the body where it is, after the headers */
	mem_deref(copy->mb);
	copy->mb = mem_ref(mb);
	*msgp = copy;
 out:
	mem_deref(mb);
	return err;
}


static bool body_step(struct api_req *req)
{
	const struct http_msg *msg = req->msg;
	size_t len = mbuf_get_left(msg->mb);
	api_route_h *h = NULL;
	unsigned flags = 0;
	int err;

	if (len == 0)
		return true;
	/* a route marked API_CSV_BODY reads such a body itself */
	if (msg_ctype_cmp(&msg->ctyp, "text", "csv") &&
	    !api_route_match(req, &h, &flags) && (flags & API_CSV_BODY))
		return true;
	if (msg_ctype_cmp(&msg->ctyp, "application", "json") == false) {
		api_error(req, 415, "unsupported_media_type", NULL,
			  "send application/json");
		return false;
	}
	err = api_body_decode(&req->body, (const char *)mbuf_buf(msg->mb),
			      len);
	if (err) {
		api_error(req, 400, "invalid_json", NULL,
			  api_body_error(err));
		return false;
	}
	return true;
}


/** Run the route's handler (after authentication and idempotency) */
void api_dispatch(struct api_req *req)
{
	api_route_h *h = NULL;
	unsigned flags = 0;

	if (api_route_match(req, &h, &flags))
		api_error(req, 404, "not_found", NULL, "no such resource");
	else if (!api_route_allows(flags, req->who.role))
		api_error(req, 403, "forbidden", NULL,
			  "your role may not do this");
	else
		h(req);
}


static void auth_done(int err, const struct cb_principal *p, void *arg)
{
	struct api_req *req = arg;
	uint32_t wait_ms;

	if (err == ECANCELED)
		return;
	if (err || !p) {
		api_error(req, 401, "unauthorized", NULL,
			  "send Authorization: Bearer <API key> or log in");
		return;
	}
	req->who = *p;

	wait_ms = rate_key_take(p);
	if (wait_ms) {
		rate_refuse(req, wait_ms);
		return;
	}

	/* a browser can be made to send the cookie, not the token */
	if (!auth_csrf_ok(req->msg, p)) {
		api_error(req, 403, "csrf_failed", NULL,
			  "send the session's X-CSRF-Token header");
		return;
	}
	if (!body_step(req))
		return;
	if (!pl_strcmp(&req->msg->met, "POST") &&
	    http_msg_xhdr(req->msg, "Idempotency-Key"))
		api_idem_begin(req);
	else
		api_dispatch(req);
}


/*
 * Order of checks: the address's rate (429), size (413), route
 * (404/405), credentials (401, on a store worker), the credential's rate
 * (429), CSRF (403), content type and JSON (415/400), idempotency (409
 * or the first reply), then the handler.
 */
static void request_handler(struct http_conn *conn,
			    const struct http_msg *msg, void *arg)
{
	struct api_req *req;
	size_t len = mbuf_get_left(msg->mb);
	api_route_h *h = NULL;
	unsigned flags = 0;
	uint32_t wait_ms;
	int err;
	(void)arg;

	req = mem_zalloc(sizeof(*req), req_destructor);
	if (!req) {
		(void)http_ereply(conn, 500, "Internal Server Error");
		api_conn_done(conn, NULL);
		return;
	}
	req->conn = mem_ref(conn);
	req->msg = mem_ref((void *)msg);
	api_conn_begin(conn, req);

	if (!path_is_probe(&msg->path)) {
		wait_ms = rate_ip_take(http_conn_peer(conn));
		if (wait_ms) {
			rate_refuse(req, wait_ms);
			goto out;
		}
	}

	if (len > API_MAX_BODY || msg->clen > API_MAX_BODY) {
		api_error(req, 413, "body_too_large", NULL,
			  "request body exceeds 64 KiB");
		goto out;
	}

	/* every later look at the message reads the request's own copy */
	mem_deref((void *)req->msg);
	req->msg = NULL;
	err = msg_copy(&req->msg, msg);
	if (err) {
		req->msg = mem_ref((void *)msg);
		api_error(req, 400, "bad_request", NULL, "malformed request");
		goto out;
	}

	err = api_route_match(req, &h, &flags);
	if (err == EPERM) {
		api_error(req, 405, "method_not_allowed", NULL,
			  "method not allowed on this resource");
		goto out;
	}
	if (err) {
		api_error(req, 404, "not_found", NULL, "no such resource");
		goto out;
	}

	if (flags & API_PUBLIC) {
		if (body_step(req))
			h(req);
		goto out;
	}

	err = auth_http_request_async(req->msg, auth_done, req);
	if (err)
		api_error(req, 500, "internal", NULL, "cannot authenticate");

 out:
	mem_deref(req);
}


int api_init(const struct cb_config *cfg)
{
	struct sa laddr;
	int err;

	srv.cfg = cfg;
	if (!cfg->http_listen[0])
		return 0;

	err = sa_decode(&laddr, cfg->http_listen, strlen(cfg->http_listen));
	if (err) {
		log_err(NULL, "api.http_listen '%s' invalid", cfg->http_listen);
		return err;
	}

	srv.tls = cfg->tls_cert[0] != '\0';
	if (srv.tls) {
		err = api_tls_listen(&srv.sock, &laddr, cfg, request_handler);
	}
	else {
		err = http_listen(&srv.sock, &laddr, request_handler, NULL);
		if (err)
			log_err(NULL, "cannot listen on http %J (%m)", &laddr,
				err);
	}
	if (err)
		return err;

	/* libre listens with a backlog of 5: bursts of connects overflow it */
	(void)tcp_sock_listen(http_sock_tcp(srv.sock), API_BACKLOG);

	err = api_conn_init(cfg, srv.sock, srv.tls);
	if (!err)
		err = rate_init(cfg);
	if (!err)
		err = metrics_init();
	if (!err)
		err = orig_init();
	if (!err)
		err = record_init();
	if (!err)
		err = events_init(cfg);
	if (!err)
		err = webhook_init(cfg);
	if (!err)
		err = dialpolicy_init();
	if (!err)
		err = callbacks_init();
	if (!err)
		err = cc_init(cfg);
	if (!err)
		err = conf_init(cfg);
	if (!err)
		err = cc_widget_init();
	if (err) {
		api_close();
		return err;
	}

	log_info(NULL, "http api on %s://%J/v1", srv.tls ? "https" : "http",
		 &laddr);
	return 0;
}


void api_close(void)
{
	cc_widget_close();
	conf_close();
	cc_close();
	callbacks_close();
	dialpolicy_close();
	webhook_close();
	events_close();
	record_close();
	orig_close();
	metrics_close();
	tmr_cancel(&srv.sweep);
	srv.rate_ip = mem_deref(srv.rate_ip);
	srv.rate_key = mem_deref(srv.rate_key);
	api_conn_close();
	srv.sock = mem_deref(srv.sock);
	srv.tls = false;
}
