/**
 * @file api/events.c  WebSocket /v1/events: call events as they happen
 *
 * A client upgrades GET /v1/events to a WebSocket and receives every
 * call-model event (api_json_event(), one JSON text frame each) on the
 * re_main thread, in the same turn of the loop as the transition.
 * `?call=ID` (repeatable, or a comma list) restricts it to those calls.
 *
 * A client never blocks the loop and never grows memory without bound:
 * frames go through libre's TCP send queue, and when a client has more
 * than api.ws_queue_max bytes waiting it is closed with 1008 ("slow
 * consumer") instead of being sent more.  libre pings every
 * api.ws_ping_s.  On shutdown every client gets a 1001 close.
 *
 * Who may watch: the request's principal (req->who, filled by the
 * server's authentication before dispatch) is kept in the client, and a
 * client sees only the calls of its tenant; an admin sees every call.
 * An unauthenticated principal (empty tenant) sees every call, which is
 * what a daemon without the auth subsystem does.
 */
#include <string.h>
#include <re.h>
#include "api.h"

enum {
	EV_FILTER_MAX = 16,
	EV_HEADROOM = 4096,    /* room for the close frame past the limit */
};

struct ev_client {
	struct le le;
	struct websock_conn *wc;                  /* owned */
	char calls[EV_FILTER_MAX][CB_ID_LEN + 1];
	unsigned ncalls;                          /* 0 = every call */
	char tenant[CB_ID_LEN + 1];               /* empty = every tenant */
};

static struct {
	struct websock *ws;                       /* owned */
	struct list clients;                      /* struct ev_client */
	uint32_t queue_max;
	uint32_t ping_ms;
	bool subscribed;
} evs;


static void client_destructor(void *arg)
{
	struct ev_client *c = arg;

	list_unlink(&c->le);
	mem_deref(c->wc);
}


/* whose calls the client may see: its tenant's, or all for an admin */
static void client_scope_set(struct ev_client *c, const struct api_req *req)
{
	if (req->who.kind == CB_AUTH_NONE || req->who.role == CB_ROLE_ADMIN)
		return;
	str_ncpy(c->tenant, req->who.tenant_id, sizeof(c->tenant));
}


/* no Origin (not a browser), or an Origin whose host:port is our Host */
static bool origin_ok(const struct http_msg *msg)
{
	const struct http_hdr *o = http_msg_xhdr(msg, "Origin");
	const struct http_hdr *h = http_msg_hdr(msg, HTTP_HDR_HOST);
	struct pl host;

	if (!o)
		return true;
	if (!h || re_regex(o->val.p, o->val.l, "http[s]*://[^/]+", NULL,
			   &host))
		return false;
	return 0 == pl_casecmp(&host, &h->val);
}


static bool id_ok(const struct pl *id)
{
	if (id->l == 0 || id->l > CB_ID_LEN)
		return false;
	for (size_t i = 0; i < id->l; i++) {
		char ch = id->p[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}


/* add the comma-separated ids of one call= value; EINVAL if malformed */
static int filter_add(struct ev_client *c, const struct pl *val)
{
	struct pl rest = *val;

	while (rest.l) {
		const char *comma = pl_strchr(&rest, ',');
		struct pl id = {rest.p, comma ? (size_t)(comma - rest.p)
					      : rest.l};

		if (!id_ok(&id) || c->ncalls >= EV_FILTER_MAX)
			return EINVAL;
		(void)pl_strcpy(&id, c->calls[c->ncalls++],
				sizeof(c->calls[0]));
		if (!comma)
			break;
		pl_advance(&rest, id.l + 1);
		if (!rest.l)
			return EINVAL;
	}
	return 0;
}


/* the query string: call=ID[,ID...] (repeatable); others are ignored */
static int filter_parse(struct ev_client *c, const struct pl *prm)
{
	struct pl rest = *prm;

	if (rest.l && rest.p[0] == '?')
		pl_advance(&rest, 1);

	while (rest.l) {
		const char *amp = pl_strchr(&rest, '&');
		struct pl kv = {rest.p, amp ? (size_t)(amp - rest.p) : rest.l};

		if (kv.l > 5 && !memcmp(kv.p, "call=", 5)) {
			struct pl val = {kv.p + 5, kv.l - 5};
			int err = filter_add(c, &val);

			if (err)
				return err;
		}
		if (!amp)
			break;
		pl_advance(&rest, kv.l + 1);
	}
	return 0;
}


static bool event_matches(const struct ev_client *c,
			  const struct call_event *ev)
{
	if (c->tenant[0] && (!ev->call || !call_tenant(ev->call) ||
			     strcmp(call_tenant(ev->call), c->tenant)))
		return false;
	if (!c->ncalls)
		return true;
	if (!ev->call_id)
		return false;
	for (unsigned i = 0; i < c->ncalls; i++) {
		if (!strcmp(c->calls[i], ev->call_id))
			return true;
	}
	return false;
}


/* one frame to one client; a client too far behind is closed and freed */
static void client_send(struct ev_client *c, const struct mbuf *frame)
{
	struct tcp_conn *tc = websock_tcp(c->wc);
	int err;

	if (tc && tcp_conn_txqsz(tc) + frame->end > evs.queue_max) {
		log_warn(NULL, "events: client %J too slow (%zu bytes "
			 "queued), closing", websock_peer(c->wc),
			 tcp_conn_txqsz(tc));
		(void)websock_close(c->wc, WEBSOCK_POLICY_VIOLATION,
				    "slow consumer");
		mem_deref(c);
		return;
	}

	err = websock_send(c->wc, WEBSOCK_TEXT, "%b", frame->buf,
			   frame->end);
	if (err) {
		log_info(NULL, "events: client %J send failed (%m), closing",
			 websock_peer(c->wc), err);
		mem_deref(c);
	}
}


/* the event's frame, rendered once for every client */
static int frame_render(struct mbuf **mbp, const struct call_event *ev)
{
	*mbp = mbuf_alloc(384);
	if (!*mbp)
		return ENOMEM;
	return mbuf_printf(*mbp, "{%H}", api_json_event, ev);
}


static void event_handler(const struct call_event *ev, void *arg)
{
	struct mbuf *frame = NULL;
	struct le *le;
	(void)arg;

	for (le = evs.clients.head; le; ) {
		struct ev_client *c = le->data;

		le = le->next;   /* client_send() may free c */
		if (!event_matches(c, ev))
			continue;
		if (!frame && frame_render(&frame, ev)) {
			log_warn(NULL, "events: cannot render (%m)", ENOMEM);
			break;
		}
		client_send(c, frame);
	}
	mem_deref(frame);
}


static void recv_handler(const struct websock_hdr *hdr, struct mbuf *mb,
			 void *arg)
{
	/* the stream is one-way: what a client writes is ignored */
	(void)hdr;
	(void)mb;
	(void)arg;
}


static void close_handler(int err, void *arg)
{
	struct ev_client *c = arg;

	log_info(NULL, "events: client %J closed (%m)", websock_peer(c->wc),
		 err);
	mem_deref(c);
}


/** GET /v1/events: upgrade to a WebSocket of call events */
void api_events(struct api_req *req)
{
	struct ev_client *c;
	struct tcp_conn *tc;
	int err;

	if (!evs.ws) {
		api_error(req, 503, "unavailable", NULL,
			  "events are not running");
		return;
	}

	c = mem_zalloc(sizeof(*c), client_destructor);
	if (!c) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}

	client_scope_set(c, req);

	/* cookies ride along on any page's WebSocket: same origin only */
	if (req->who.kind == CB_AUTH_SESSION && !origin_ok(req->msg)) {
		api_error(req, 403, "forbidden_origin", NULL,
			  "a WebSocket with a session must be same-origin");
		goto out;
	}

	if (filter_parse(c, &req->msg->prm)) {
		api_error(req, 400, "invalid_field", "call",
			  "call ids, comma-separated, at most 16");
		goto out;
	}

	err = websock_accept(&c->wc, evs.ws, req->conn, req->msg,
			     evs.ping_ms, recv_handler, close_handler, c);
	if (err == EBADMSG) {
		api_error(req, 426, "upgrade_required", NULL,
			  "connect with a WebSocket (Upgrade: websocket)");
		goto out;
	}
	if (err) {
		api_error(req, 500, "internal", NULL, "cannot accept");
		goto out;
	}

	/* libre refuses to queue past this: the close frame still fits */
	tc = websock_tcp(c->wc);
	if (tc)
		tcp_conn_txqsz_set(tc, evs.queue_max + EV_HEADROOM);

	req->replied = true;   /* the 101 was the reply */
	metrics_http_count(101);
	list_append(&evs.clients, &c->le, c);
	log_info(NULL, "events: client %J connected, %u call filter(s)",
		 websock_peer(c->wc), c->ncalls);
	c = NULL;

 out:
	mem_deref(c);
}


uint32_t events_client_count(void)
{
	return list_count(&evs.clients);
}


int events_init(const struct cb_config *cfg)
{
	int err;

	evs.queue_max = cfg->ws_queue_max;
	evs.ping_ms = cfg->ws_ping_s * 1000;

	err = websock_alloc(&evs.ws, NULL, NULL);
	if (err)
		return err;

	err = call_subscribe(event_handler, NULL);
	if (err) {
		evs.ws = mem_deref(evs.ws);
		return err;
	}
	evs.subscribed = true;
	return 0;
}


void events_close(void)
{
	if (evs.subscribed)
		call_unsubscribe(event_handler, NULL);
	evs.subscribed = false;

	/* freeing an open connection sends it 1001 Going Away */
	list_flush(&evs.clients);
	evs.ws = mem_deref(evs.ws);
}
