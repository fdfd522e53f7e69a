/**
 * @file api/cc_widget.c  The widget's public endpoint: CORS, abuse limits
 *
 * The click-to-call widget (web/widget.js) runs on the business's own
 * pages, on another origin, without credentials.  What stands in for
 * them:
 *
 *  - the Origin.  A browser names the page's origin on every cross-origin
 *    request and on every POST; a request is taken only if its Origin is
 *    one the business registered (PUT /v1/contact/business, "origins").
 *    Anything else -- another site, no Origin at all, an unknown business
 *    -- is 403 origin_not_allowed *without* CORS headers, so a page of
 *    another origin cannot even read the refusal.  Every answer to an
 *    allowed origin carries Access-Control-Allow-Origin: <that origin>
 *    and Vary: Origin (never "*").
 *  - a limit per client address (IPv6: per /64, as the server's own):
 *    api.widget_rate requests a minute, api.widget_burst at once, then
 *    429 with Retry-After; and the tenant's dial policy per number
 *    (dialpolicy.c) once the number is read.
 *  - the progress token.  The reply to a request holds a random token;
 *    only its holder sees the request's progress, and a wrong token is
 *    answered exactly like an unknown request (404).
 *
 * The preflight (OPTIONS) cannot carry the business in a body, so the
 * widget names it in the query of both the preflight and the POST
 * (?business=ID); the POST's body says it too and both must agree.
 * Then the message goes through the checks it shares with the business
 * server's path (cc_requests.c).  Progress is the runtime's view while
 * the request is in memory, else its stored row (after a restart).
 */
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "api.h"
#include "cb_cc.h"

enum {
	WIDGET_TICK_MS = 60,            /* the limiter's clock: 1/1000 min */
	WIDGET_BUCKETS_MAX = 16384,
	WIDGET_SWEEP_MS = 60000,
	ORIGIN_MAX = 256,
	CORS_HDRS_MAX = ORIGIN_MAX + 128,
	TOKEN_MAX = 64,
};

static struct {
	struct ratelimit *rl;           /* owned: per client address */
	struct tmr sweep;
} wdg;


/*
 * The limiter counts tokens per second of its clock; a clock that ticks
 * once every 60 ms makes its "second" a minute, so the rate is per
 * minute.
 */
static uint64_t minute_clock(void *arg)
{
	(void)arg;
	return tmr_jiffies() / WIDGET_TICK_MS;
}


static void sweep_handler(void *arg)
{
	(void)arg;
	(void)ratelimit_sweep(wdg.rl);
	tmr_start(&wdg.sweep, WIDGET_SWEEP_MS, sweep_handler, NULL);
}


int cc_widget_init(void)
{
	const struct cb_config *cfg = api_config();
	int err;

	tmr_init(&wdg.sweep);
	err = ratelimit_alloc(&wdg.rl, cfg ? cfg->widget_rate : 5,
			      cfg ? cfg->widget_burst : 5, WIDGET_BUCKETS_MAX,
			      minute_clock, NULL);
	if (err)
		return err;
	tmr_start(&wdg.sweep, WIDGET_SWEEP_MS, sweep_handler, NULL);
	return 0;
}


void cc_widget_close(void)
{
	tmr_cancel(&wdg.sweep);
	wdg.rl = mem_deref(wdg.rl);
}


/* ---- origin ----------------------------------------------------------- */

/* the request's Origin into out ("" if none or unusable) */
static void origin_get(const struct api_req *req, char *out, size_t sz)
{
	const struct http_hdr *h = http_msg_xhdr(req->msg, "Origin");

	out[0] = '\0';
	if (!h || !h->val.l || h->val.l >= sz)
		return;
	for (size_t i = 0; i < h->val.l; i++) {
		if (h->val.p[i] < 0x21 || h->val.p[i] > 0x7e)
			return;
	}
	(void)pl_strcpy(&h->val, out, sz);
}


/* is origin one of the business's registered origins? */
static bool origin_allowed(const char *tenant, const char *origin)
{
	const struct store_cc_business *b;
	const char *p;
	size_t n = strlen(origin);

	if (!tenant || !tenant[0] || !n)
		return false;
	b = cc_business(tenant);
	if (!b)
		return false;
	for (p = b->origins; *p; ) {
		size_t len;

		while (*p == ' ' || *p == ',')
			++p;
		len = strcspn(p, " ,");
		if (!len)
			break;
		/* "https://shop.example/" registered is the same origin */
		if ((len == n || (len == n + 1 && p[n] == '/')) &&
		    !strncasecmp(p, origin, n))
			return true;
		p += len;
	}
	return false;
}


static void origin_refuse(struct api_req *req)
{
	req->hdrs = NULL;
	api_error(req, 403, "origin_not_allowed", NULL,
		  "this page's origin is not registered by the business");
}


static void cors_hdrs(char *out, size_t sz, const char *origin)
{
	(void)re_snprintf(out, sz, "Access-Control-Allow-Origin: %s\r\n"
			  "Vary: Origin\r\n", origin);
}


/* the business of the query, into out ("" if none or not an id) */
static void query_business(const struct api_req *req, char *out, size_t sz)
{
	if (api_query_get(req, "business", 0, out, sz) ||
	    strlen(out) > CB_ID_LEN)
		out[0] = '\0';
}


/* ---- OPTIONS /v1/widget/requests ---------------------------------------- */

/** The preflight of the widget's POST: 204 for a registered origin */
void api_widget_preflight(struct api_req *req)
{
	char origin[ORIGIN_MAX], business[CB_ID_LEN + 2];

	origin_get(req, origin, sizeof(origin));
	query_business(req, business, sizeof(business));
	if (!origin_allowed(business, origin)) {
		origin_refuse(req);
		return;
	}

	req->replied = true;
	metrics_http_count(204);
	(void)http_reply(req->conn, 204, "No Content",
			 "Access-Control-Allow-Origin: %s\r\n"
			 "Vary: Origin\r\n"
			 "Access-Control-Allow-Methods: POST, GET, OPTIONS\r\n"
			 "Access-Control-Allow-Headers: content-type\r\n"
			 "Access-Control-Max-Age: 600\r\n"
			 "Cache-Control: no-store\r\n"
			 "\r\n", origin);
}


/* ---- POST /v1/widget/requests ------------------------------------------- */

/* the client address's minute bucket: 0 or the wait in ms */
static uint32_t limit_take(const struct api_req *req)
{
	uint8_t key[API_ADDR_KEY_MAX];
	size_t len = api_addr_key(key, http_conn_peer(req->conn));

	return len ? ratelimit_take(wdg.rl, key, len) * WIDGET_TICK_MS : 0;
}


/** The call request message of the widget (seed 003 FIG. 9) */
void api_widget_request(struct api_req *req)
{
	char origin[ORIGIN_MAX], business[CB_ID_LEN + 2];
	char hdrs[CORS_HDRS_MAX + 48], cors[CORS_HDRS_MAX];
	const char *body_biz;
	uint32_t wait_ms;

	origin_get(req, origin, sizeof(origin));
	query_business(req, business, sizeof(business));
	body_biz = req->body ? odict_string(req->body, "business") : NULL;
	if (body_biz && business[0] && strcmp(body_biz, business))
		body_biz = NULL;            /* they disagree: no business */
	else if (!body_biz)
		body_biz = business;
	if (!origin_allowed(body_biz, origin)) {
		origin_refuse(req);
		return;
	}
	str_ncpy(business, body_biz, sizeof(business));
	cors_hdrs(cors, sizeof(cors), origin);
	req->hdrs = cors;

	wait_ms = limit_take(req);
	if (wait_ms) {
		(void)re_snprintf(hdrs, sizeof(hdrs), "%sRetry-After: %u\r\n",
				  cors, (wait_ms + 999) / 1000);
		req->hdrs = hdrs;
		api_error(req, 429, "rate_limited", NULL,
			  "too many requests from your address; retry after "
			  "the Retry-After seconds");
		req->hdrs = NULL;
		return;
	}

	api_cc_request_submit(req, business, "widget");
	req->hdrs = NULL;
}


/* ---- GET /v1/widget/requests/{id} ---------------------------------------- */

struct progress_job {
	struct api_req *req;               /* mem_ref'd */
	char hdrs[CORS_HDRS_MAX];          /* "" without an Origin */
	char tenant[CB_ID_LEN + 1];
	char id[CB_ID_LEN + 1];
	char hash[65];                     /* hex BLAKE2b-256 of the token */
	struct store_cc_request row;
};


static void progress_destructor(void *arg)
{
	struct progress_job *j = arg;

	sodium_memzero(j->hash, sizeof(j->hash));
	mem_deref(j->req);
}


static int progress_work(struct store *st, void *arg)
{
	struct progress_job *j = arg;
	int err = store_cc_request_get(st, j->tenant, j->id, &j->row);

	if (err)
		return err;
	if (strcmp(j->row.tenant_id, j->tenant) ||
	    strlen(j->row.token_hash) != 64 ||
	    sodium_memcmp(j->row.token_hash, j->hash, 64))
		return ENOENT;
	return 0;
}


static void not_found(struct api_req *req)
{
	api_error(req, 404, "not_found", NULL, "no such request");
}


static void progress_done(int err, void *arg)
{
	struct progress_job *j = arg;
	struct api_req *req = j->req;

	if (err == ECANCELED)
		return;
	req->hdrs = j->hdrs[0] ? j->hdrs : NULL;
	if (err == ENOENT)
		not_found(req);
	else if (err)
		api_store_error(req, err);
	else
		api_reply_json(req, 200, "{\"id\":%H,\"status\":%H,"
			       "\"position\":0,\"message\":null}",
			       api_json_str, j->row.id,
			       api_json_str, j->row.status);
	req->hdrs = NULL;
}


/* a request no longer in memory: its stored row, if the token is its */
static void progress_stored(struct api_req *req, const char *tenant,
			    const char *token)
{
	struct progress_job *j = mem_zalloc(sizeof(*j), progress_destructor);
	uint8_t h[32];

	if (!j) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	j->req = mem_ref(req);
	if (req->hdrs)
		str_ncpy(j->hdrs, req->hdrs, sizeof(j->hdrs));
	str_ncpy(j->tenant, tenant, sizeof(j->tenant));
	str_ncpy(j->id, req->param[0], sizeof(j->id));
	crypto_generichash(h, sizeof(h), (const uint8_t *)token,
			   strlen(token), NULL, 0);
	(void)sodium_bin2hex(j->hash, sizeof(j->hash), h, sizeof(h));
	(void)api_store_submit(req, j, progress_work, progress_done);
	mem_deref(j);
}


/* the runtime's progress view, if the request is active and of tenant */
static int progress_active(struct mbuf **mbp, const char *tenant,
			   const char *id, const char *token)
{
	struct mbuf *mb = mbuf_alloc(256), *own = NULL;
	struct re_printf pf;
	int err;

	if (!mb)
		return ENOMEM;
	api_cc_pf(&pf, mb);
	err = cc_request_progress(&pf, id, token);
	if (!err && !mb->end)
		err = ENOENT;
	/* another business's request is none of this origin's */
	if (!err && tenant[0]) {
		own = mbuf_alloc(512);
		if (!own) {
			err = ENOMEM;
		}
		else {
			api_cc_pf(&pf, own);
			if (cc_request_print(&pf, tenant, id) || !own->end)
				err = ENOENT;
		}
	}
	mem_deref(own);
	if (err) {
		mem_deref(mb);
		return err;
	}
	*mbp = mb;
	return 0;
}


/** The widget polls its request's progress: ?token=T (&business=ID) */
void api_widget_progress(struct api_req *req)
{
	char origin[ORIGIN_MAX], business[CB_ID_LEN + 2];
	char token[TOKEN_MAX], cors[CORS_HDRS_MAX];
	struct mbuf *mb = NULL;
	int err;

	origin_get(req, origin, sizeof(origin));
	query_business(req, business, sizeof(business));
	if (origin[0]) {
		/* a cross-origin page: one the business registered */
		if (!origin_allowed(business, origin)) {
			origin_refuse(req);
			return;
		}
		cors_hdrs(cors, sizeof(cors), origin);
		req->hdrs = cors;
	}
	if (api_query_get(req, "token", 0, token, sizeof(token)) ||
	    !token[0] || strlen(req->param[0]) > CB_ID_LEN) {
		not_found(req);
		goto out;
	}

	err = progress_active(&mb, business, req->param[0], token);
	if (!err)
		api_reply_json(req, 200, "%b", mb->buf, mb->end);
	else if (err == ENOMEM)
		api_error(req, 500, "internal", NULL, "out of memory");
	else if (business[0] && !cc_request_active(req->param[0]))
		progress_stored(req, business, token);
	else
		not_found(req);
 out:
	sodium_memzero(token, sizeof(token));
	mem_deref(mb);
	req->hdrs = NULL;
}
