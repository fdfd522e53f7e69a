/**
 * @file api/server.c  HTTP server: parse, bound, dispatch, reply
 *
 * Every request is checked before any handler sees it: body size (413),
 * JSON content type for bodies (415), a body that is one JSON object
 * (400).
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

	(void)http_reply(req->conn, scode, scode < 300 ? "OK" : "Error",
			 "Content-Type: application/json\r\n"
			 "Content-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n"
			 "\r\n"
			 "%b",
			 mb->end, mb->buf, mb->end);
	mem_deref(mb);
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


static void request_handler(struct http_conn *conn,
			    const struct http_msg *msg, void *arg)
{
	struct api_req req;
	size_t len = mbuf_get_left(msg->mb);
	(void)arg;

	memset(&req, 0, sizeof(req));
	req.conn = conn;
	req.msg = msg;

	if (len > API_MAX_BODY || msg->clen > API_MAX_BODY) {
		api_error(&req, 413, "body_too_large", NULL,
			  "request body exceeds 64 KiB");
		return;
	}

	if (len > 0) {
		if (msg_ctype_cmp(&msg->ctyp, "application", "json") == false) {
			api_error(&req, 415, "unsupported_media_type", NULL,
				  "send application/json");
			return;
		}
		if (api_body_decode(&req.body,
				    (const char *)mbuf_buf(msg->mb), len)) {
			api_error(&req, 400, "invalid_json", NULL,
				  "body is not valid JSON");
			return;
		}
	}

	if (api_route_dispatch(&req) == ENOENT)
		api_error(&req, 404, "not_found", NULL, "no such resource");

	mem_deref(req.body);
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
	if (err)
		return err;

	log_info(NULL, "http api on http://%J/v1", &laddr);
	return 0;
}


void api_close(void)
{
	orig_close();
	srv.sock = mem_deref(srv.sock);
}
