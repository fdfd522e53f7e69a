/**
 * @file api/server.c  HTTP server: parse, bound, dispatch, reply
 *
 * Every request is checked before any handler sees it: body size (413),
 * route (404/405), credentials for every route not marked API_PUBLIC
 * (401 with WWW-Authenticate: Bearer; looked up on a store worker, so
 * the request waits as a mem object holding its own copy of the
 * message), CSRF for cookie sessions (403), JSON content type for bodies
 * (415), a body that is one JSON object (400), then Idempotency-Key.
 * Replies are JSON; errors have the one shape of cb_api.h.
 */
#include <stdarg.h>
#include <string.h>
#include <re.h>
#include "api.h"

static struct {
	struct http_sock *sock;           /* owned */
	const struct cb_config *cfg;      /* borrowed */
} srv;


const struct cb_config *api_config(void)
{
	return srv.cfg;
}


void api_reply_json(struct api_req *req, uint16_t scode,
		    const char *fmt, ...)
{
	struct mbuf *mb = mbuf_alloc(512);
	va_list ap;

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

	(void)http_reply(req->conn, scode, scode < 300 ? "OK" : "Error",
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


/*
 * libre's JSON decoder stops quietly at a NUL byte, ignores what follows
 * the first value and takes arrays for objects; the API wants exactly one
 * JSON object.  Find where the object that opens the body closes (outside
 * strings) and allow only whitespace after it.
 */
static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


static bool body_is_object(const char *p, size_t len)
{
	size_t i = 0, depth = 0;
	bool str = false, esc = false;

	if (memchr(p, '\0', len))
		return false;
	while (i < len && is_ws(p[i]))
		++i;
	if (i == len || p[i] != '{')
		return false;

	for (; i < len; i++) {
		char c = p[i];

		if (str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				str = false;
			continue;
		}
		if (c == '"')
			str = true;
		else if (c == '{' || c == '[')
			++depth;
		else if ((c == '}' || c == ']') && depth && --depth == 0)
			break;
	}
	if (i == len)
		return false;    /* never closed */

	for (++i; i < len; i++) {
		if (!is_ws(p[i]))
			return false;
	}
	return true;
}


/** Decode a request body that must be one JSON object: EBADMSG if not */
int api_body_decode(struct odict **odp, const char *p, size_t len)
{
	int err;

	if (!odp || !p || !body_is_object(p, len))
		return EBADMSG;
	err = json_decode_odict(odp, 16, p, len, 8);
	if (err || !*odp)
		return EBADMSG;
	return 0;
}


static void req_destructor(void *arg)
{
	struct api_req *req = arg;

	mem_deref(req->idem);
	mem_deref(req->body);
	mem_deref((void *)req->msg);
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

	if (len == 0)
		return true;
	if (msg_ctype_cmp(&msg->ctyp, "application", "json") == false) {
		api_error(req, 415, "unsupported_media_type", NULL,
			  "send application/json");
		return false;
	}
	if (api_body_decode(&req->body, (const char *)mbuf_buf(msg->mb),
			    len)) {
		api_error(req, 400, "invalid_json", NULL,
			  "body is not valid JSON");
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
	else
		h(req);
}


static void auth_done(int err, const struct cb_principal *p, void *arg)
{
	struct api_req *req = arg;

	if (err == ECANCELED)
		return;
	if (err || !p) {
		api_error(req, 401, "unauthorized", NULL,
			  "send Authorization: Bearer <API key> or log in");
		return;
	}
	req->who = *p;

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
 * Order of checks: size (413), route (404/405), credentials (401, on a
 * store worker), CSRF (403), content type and JSON (415/400),
 * idempotency (409 or the first reply), then the handler.
 */
static void request_handler(struct http_conn *conn,
			    const struct http_msg *msg, void *arg)
{
	struct api_req *req;
	size_t len = mbuf_get_left(msg->mb);
	api_route_h *h = NULL;
	unsigned flags = 0;
	int err;
	(void)arg;

	req = mem_zalloc(sizeof(*req), req_destructor);
	if (!req) {
		(void)http_ereply(conn, 500, "Internal Server Error");
		return;
	}
	req->conn = mem_ref(conn);
	req->msg = mem_ref((void *)msg);

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

	err = http_listen(&srv.sock, &laddr, request_handler, NULL);
	if (err) {
		log_err(NULL, "cannot listen on http %J (%m)", &laddr, err);
		return err;
	}

	err = orig_init();
	if (!err)
		err = record_init();
	if (!err)
		err = events_init(cfg);
	if (!err)
		err = webhook_init(cfg);
	if (err) {
		api_close();
		return err;
	}

	log_info(NULL, "http api on http://%J/v1", &laddr);
	return 0;
}


void api_close(void)
{
	webhook_close();
	events_close();
	record_close();
	orig_close();
	srv.sock = mem_deref(srv.sock);
}
