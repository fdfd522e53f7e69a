/**
 * @file api/routes.c  The route table: method, path pattern, handler, doc
 *
 * The one list of what the API answers.  A `{}` segment in a pattern
 * matches one path segment (up to 47 URL-safe characters) and is handed to
 * the handler in req->param[] in order; `{f}` is the same for a file name,
 * which may also hold dots but not start with one.  docs/api.md is written
 * from this table and tests check that both agree.  GET / and /web/{f}
 * are the web console's files (src/api/static.c).
 */
#include <string.h>
#include <re.h>
#include "api.h"

struct route {
	const char *method;
	const char *pattern;
	api_route_h *h;
	const char *doc;
	unsigned flags;          /* API_AUTH or API_PUBLIC */
};

static const struct route routes[] = {
	{"GET",    "/", api_static_index, "the web console (api.web_dir)",
	 API_PUBLIC},
	{"GET",    "/web/{f}", api_static_file,
	 "a file of the web console: .html .css .js .svg .png .ico .txt",
	 API_PUBLIC},
	{"GET",    "/healthz", api_health, "liveness", API_PUBLIC},
	{"GET",    "/readyz", api_ready,
	 "readiness: the store answers and SIP listens (else 503)",
	 API_PUBLIC},
	{"GET",    "/metrics", api_metrics, "Prometheus metrics", API_PUBLIC},
	{"POST",   "/v1/auth/login", api_auth_login,
	 "web login {login, password}: session cookie and CSRF token",
	 API_PUBLIC},
	{"POST",   "/v1/auth/logout", api_auth_logout,
	 "end the cookie's session", API_AUTH},
	{"GET",    "/v1/me", api_me, "who the credentials are", API_AUTH},
	{"GET",    "/v1/calls", api_calls_list, "list active calls",
	 API_AUTH},
	{"POST",   "/v1/calls", api_calls_create,
	 "originate: {to, from?, bridge_to? | play?, ring_timeout?, "
	 "status_callback?}", API_AUTH},
	{"GET",    "/v1/calls/{}", api_calls_get, "one call and its legs",
	 API_AUTH},
	{"DELETE", "/v1/calls/{}", api_calls_delete, "hang up every leg",
	 API_AUTH},
	{"POST",   "/v1/calls/{}/legs/{}/dtmf", api_leg_dtmf,
	 "send RFC 4733 digits: {digits}", API_AUTH},
	{"POST",   "/v1/calls/{}/legs/{}/play", api_leg_play,
	 "play a prompt or tone: {file | tone, loop?} or {stop: true}",
	 API_AUTH},
	{"POST",   "/v1/calls/{}/legs/{}/hold", api_leg_hold,
	 "hold or resume: {hold: true|false}", API_AUTH},
	{"GET",    "/v1/events", api_events,
	 "WebSocket of call events as JSON text frames; ?call=ID filters",
	 API_AUTH},
};


static bool seg_ok(const char *p, size_t n, bool file)
{
	if (n == 0 || n >= sizeof(((struct api_req *)0)->param[0]))
		return false;
	if (file && p[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      (file && c == '.')))
			return false;
	}
	return true;
}


/* match `path` against `pattern`, filling req->param[] */
static bool path_match(const char *pattern, const struct pl *path,
		       struct api_req *req)
{
	const char *p = path->p, *end = path->p + path->l;
	unsigned np = 0;

	while (*pattern) {
		bool file = !strncmp(pattern, "{f}", 3);

		if (file || (pattern[0] == '{' && pattern[1] == '}')) {
			const char *s = p;

			while (p < end && *p != '/')
				++p;
			if (np >= API_MAX_PARAMS ||
			    !seg_ok(s, (size_t)(p - s), file))
				return false;
			memcpy(req->param[np], s, (size_t)(p - s));
			req->param[np][p - s] = '\0';
			++np;
			pattern += file ? 3 : 2;
			continue;
		}
		if (p >= end || *p != *pattern)
			return false;
		++p;
		++pattern;
	}
	return p == end;
}


/**
 * Find the route for req's method and path, filling req->param[]:
 * 0 and *hp, EPERM if the path exists but not for this method (405),
 * ENOENT if no route has the path (404).
 */
int api_route_match(struct api_req *req, api_route_h **hp,
		    unsigned *flagsp)
{
	bool path_known = false;

	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		const struct route *r = &routes[i];

		if (!path_match(r->pattern, &req->msg->path, req))
			continue;
		path_known = true;
		if (pl_strcmp(&req->msg->met, r->method))
			continue;
		*hp = r->h;
		if (flagsp)
			*flagsp = r->flags;
		return 0;
	}

	return path_known ? EPERM : ENOENT;
}


/** api_route_match() on a bare method and path (tests/fuzz/fuzz_sip.c) */
int api_route_lookup(const struct pl *met, const struct pl *path)
{
	struct http_msg msg;
	struct api_req req;
	api_route_h *h = NULL;

	if (!met || !path)
		return EINVAL;

	memset(&msg, 0, sizeof(msg));
	msg.met = *met;
	msg.path = *path;
	memset(&req, 0, sizeof(req));
	req.msg = &msg;

	return api_route_match(&req, &h, NULL);
}
