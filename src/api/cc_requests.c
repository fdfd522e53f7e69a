/**
 * @file api/cc_requests.c  Call requests: the two entry paths (seed 003)
 *
 * A customer asks to talk to a representative in one of two ways (seed
 * 003 FIG. 9 and FIG. 7/8):
 *
 *  (a) the widget on the business's page sends the *call request
 *      message* to callbridge directly (POST /v1/widget/requests, public,
 *      cc_widget.c), and callbridge's ACD picks the agent;
 *  (b) the business's own web server receives it and sends callbridge a
 *      *customer service call initiation message* (POST
 *      /v1/contact/requests, with the business's API key: the seed's
 *      business id and password), possibly naming the agent.
 *
 * Both messages carry the same fields and pass the same checks, in this
 * order, in api_cc_request_submit(): the customer number (400
 * invalid_number), the other fields (400), the tenant's dial policy
 * (403 destination_blocked, 429 too many requests for the number),
 * business hours when no desired time is given (409 closed), then the
 * runtime creates the request (src/cc/, cb_cc.h) and places or schedules
 * it.  What differs -- origin, CORS and the per-address limit of the
 * public path, the API key of path (b) -- is checked by the caller
 * before.
 *
 * The other routes here are the business's view of its requests: a list
 * from the store (newest first), one request (live from the runtime
 * while active, else its stored row) and cancel while scheduled.  All of
 * them are scoped to the caller's tenant: another tenant's request is
 * answered as missing (404).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "api.h"
#include "cb_cc.h"

enum {
	DUE_MAX_AHEAD_MS = 30ull * 24 * 3600 * 1000,
	HOURS_SCAN_MIN = 8 * 24 * 60,     /* look for an opening this far */
	LIST_DEFAULT = 100,
	LIST_LIMIT = 1000,
};

/** A message's fields, borrowed from the request's body */
struct cc_msg {
	struct cc_request_in in;
	char number[24];
};


/* ---- fields ----------------------------------------------------------- */

/* no control characters, except line breaks and tabs where allowed */
static bool text_ok(const char *s, bool multiline)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == 0x7f || (c < 0x20 && !(multiline &&
						 (c == '\n' || c == '\t'))))
			return false;
	}
	return true;
}


/*
 * An optional string member of o: *vp NULL if absent or null; false
 * (answered 400) if it is not a non-empty string of less than max bytes
 * of acceptable text.
 */
static bool opt_str(struct api_req *req, const struct odict *o,
		    const char *key, const char *field, size_t max,
		    bool multiline, const char **vp)
{
	const struct odict_entry *e = o ? odict_lookup(o, key) : NULL;
	char msg[96];

	*vp = NULL;
	if (!e || e->type == ODICT_NULL)
		return true;
	if (e->type != ODICT_STRING || !e->u.str[0] ||
	    strlen(e->u.str) >= max || !text_ok(e->u.str, multiline)) {
		(void)re_snprintf(msg, sizeof(msg), "a non-empty string of at "
				  "most %zu characters, no control characters",
				  max - 1);
		api_error(req, 400, "invalid_field", field, msg);
		return false;
	}
	*vp = e->u.str;
	return true;
}


static bool name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || n > max)
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      (*s >= 'A' && *s <= 'Z') || *s == '-' || *s == '_'))
			return false;
	}
	return true;
}


/* the number: first, as the seed's messages have it (400) */
static bool number_parse(struct api_req *req, struct cc_msg *m)
{
	const struct odict_entry *e = odict_lookup(req->body, "number");

	if (!e || e->type != ODICT_STRING || strlen(e->u.str) > 32 ||
	    !call_number_like(e->u.str) ||
	    call_number_normalize(m->number, sizeof(m->number), e->u.str)) {
		api_error(req, 400, "invalid_number", "number",
			  "the phone number to call: E.164 (+15551234567) "
			  "or a national number");
		return false;
	}
	m->in.customer = m->number;
	return true;
}


static bool page_parse(struct api_req *req, struct cc_msg *m)
{
	const struct odict_entry *e = odict_lookup(req->body, "page");
	const struct odict *o;

	if (!e || e->type == ODICT_NULL)
		return true;
	if (e->type != ODICT_OBJECT) {
		api_error(req, 400, "invalid_field", "page",
			  "{url, title}: the page the customer is viewing");
		return false;
	}
	o = e->u.odict;
	if (!opt_str(req, o, "url", "page.url", STORE_URL_MAX, false,
		     &m->in.page_url) ||
	    !opt_str(req, o, "title", "page.title", STORE_CC_TEXT_MAX, false,
		     &m->in.page_title))
		return false;

	/* the agent console shows it as a link: web addresses only */
	if (m->in.page_url && strncmp(m->in.page_url, "http://", 7) &&
	    strncmp(m->in.page_url, "https://", 8)) {
		api_error(req, 400, "invalid_field", "page.url",
			  "an http:// or https:// address");
		return false;
	}
	return true;
}


static bool due_parse(struct api_req *req, struct cc_msg *m)
{
	const char *s;
	uint64_t now = call_now_ms(), due;

	if (!opt_str(req, req->body, "desired_time", "desired_time", 40,
		     false, &s))
		return false;
	m->in.due_ms = 0;
	if (!s)
		return true;
	if (api_time_parse(&due, s)) {
		api_error(req, 400, "invalid_field", "desired_time",
			  "an RFC 3339 time, e.g. 2030-01-31T12:00:00Z, or "
			  "null for now");
		return false;
	}
	if (due > now + DUE_MAX_AHEAD_MS) {
		api_error(req, 422, "too_far", "desired_time",
			  "at most 30 days ahead");
		return false;
	}
	/* a time that has passed means now */
	m->in.due_ms = due > now ? due : 0;
	return true;
}


static bool fields_parse(struct api_req *req, struct cc_msg *m)
{
	const struct odict_entry *e;

	if (!opt_str(req, req->body, "name", "name", 81, false,
		     &m->in.customer_name) ||
	    !opt_str(req, req->body, "note", "note", STORE_CC_TEXT_MAX, true,
		     &m->in.note) ||
	    !opt_str(req, req->body, "skill", "skill", 33, false,
		     &m->in.skill) ||
	    !opt_str(req, req->body, "agent", "agent", CB_ID_LEN + 1, false,
		     &m->in.agent_hint) ||
	    !page_parse(req, m) || !due_parse(req, m))
		return false;

	if (m->in.skill && !name_ok(m->in.skill, 32)) {
		api_error(req, 400, "invalid_field", "skill",
			  "a skill name: 1-32 of a-z A-Z 0-9 - _");
		return false;
	}
	if (m->in.agent_hint && !name_ok(m->in.agent_hint, CB_ID_LEN)) {
		api_error(req, 400, "invalid_field", "agent", "an agent id");
		return false;
	}
	m->in.level = m->in.skill ? 1 : 0;
	e = odict_lookup(req->body, "level");
	if (e && e->type != ODICT_NULL) {
		if (e->type != ODICT_INT || e->u.integer < 1 ||
		    e->u.integer > 9 || !m->in.skill) {
			api_error(req, 400, "invalid_field", "level",
				  "1 to 9, the least level of the skill");
			return false;
		}
		m->in.level = (unsigned)e->u.integer;
	}
	return true;
}


/* ---- policy ------------------------------------------------------------ */

static bool policy_ok(struct api_req *req, const struct cc_msg *m)
{
	uint32_t retry_s = 0;
	char hdrs[320];
	int err = dialpolicy_check(m->in.tenant, m->in.customer, &retry_s);

	if (err == EPERM) {
		api_error(req, 403, "destination_blocked", "number",
			  "this business does not call such numbers");
		return false;
	}
	if (err == EAGAIN) {
		(void)re_snprintf(hdrs, sizeof(hdrs), "%sRetry-After: %u\r\n",
				  req->hdrs ? req->hdrs : "",
				  retry_s ? retry_s : 1);
		req->hdrs = hdrs;
		api_error(req, 429, "rate_limited", "number",
			  "too many requests for this number; retry after "
			  "the Retry-After seconds");
		req->hdrs = NULL;
		return false;
	}
	return true;
}


/* the first minute from now the business is open, 0 if none in 8 days */
static uint64_t next_open(const char *hours, uint64_t now)
{
	uint64_t t = now - now % 60000 + 60000;

	for (unsigned i = 0; i < HOURS_SCAN_MIN; i++, t += 60000) {
		if (cc_hours_open(hours, t))
			return t;
	}
	return 0;
}


static int utc_print(struct re_printf *pf, const uint64_t *ms)
{
	time_t t = (time_t)(*ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return EINVAL;
	return re_hprintf(pf, "%04d-%02d-%02dT%02d:%02d:%02dZ",
			  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			  tm.tm_hour, tm.tm_min, tm.tm_sec);
}


/* closed without a desired time: 409, with the next opening */
static bool hours_ok(struct api_req *req, const struct cc_msg *m)
{
	const struct store_cc_business *b = cc_business(m->in.tenant);
	uint64_t now = call_now_ms(), open;
	char msg[128];

	if (!b || !b->hours[0] || m->in.due_ms || cc_hours_open(b->hours, now))
		return true;

	open = next_open(b->hours, now);
	if (open)
		(void)re_snprintf(msg, sizeof(msg), "we are closed now; we "
				  "open at %H (UTC): choose a time to be "
				  "called", utc_print, &open);
	else
		str_ncpy(msg, "we are closed now", sizeof(msg));
	api_error(req, 409, "closed", NULL, msg);
	return false;
}


/* ---- create -------------------------------------------------------------- */

static int mb_write(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


/** A printer into mb, for the runtime's printers of more than one arg */
void api_cc_pf(struct re_printf *pf, struct mbuf *mb)
{
	pf->vph = mb_write;
	pf->arg = mb;
}


/* the runtime's view of a request, into a new mbuf (ENOENT: none) */
static int active_json(struct mbuf **mbp, const char *tenant,
		       const char *id)
{
	struct mbuf *mb = mbuf_alloc(512);
	struct re_printf pf;
	int err;

	if (!mb)
		return ENOMEM;
	api_cc_pf(&pf, mb);
	err = cc_request_print(&pf, tenant, id);
	if (err || !mb->end) {
		mem_deref(mb);
		return err ? err : ENOENT;
	}
	*mbp = mb;
	return 0;
}


/* the status a new widget request shows first, from its progress view */
static void progress_status(char *out, size_t sz, const char *id,
			    const char *token, bool scheduled)
{
	struct mbuf *mb = mbuf_alloc(256);
	struct odict *od = NULL;
	struct re_printf pf;
	const char *s;

	str_ncpy(out, scheduled ? "scheduled" : "calling", sz);
	if (!mb)
		goto out;
	api_cc_pf(&pf, mb);
	if (cc_request_progress(&pf, id, token))
		goto out;
	if (api_body_decode(&od, (const char *)mb->buf, mb->end))
		goto out;
	s = odict_string(od, "status");
	if (s)
		str_ncpy(out, s, sz);
 out:
	mem_deref(od);
	mem_deref(mb);
}


static void reply_created(struct api_req *req, const struct cc_msg *m,
			  const char *id, const char *token)
{
	struct mbuf *mb = NULL;
	char status[24];

	if (!strcmp(m->in.source, "widget")) {
		progress_status(status, sizeof(status), id, token,
				m->in.due_ms != 0);
		api_reply_json(req, 201, "{\"id\":%H,\"token\":%H,"
			       "\"status\":%H,\"progress_url\":"
			       "\"/v1/widget/requests/%s?business=%s"
			       "&token=%s\"}",
			       api_json_str, id, api_json_str, token,
			       api_json_str, status, id, m->in.tenant, token);
		return;
	}
	if (!active_json(&mb, m->in.tenant, id))
		api_reply_json(req, 201, "%b", mb->buf, mb->end);
	else
		api_reply_json(req, 201, "{\"id\":%H,\"status\":%H}",
			       api_json_str, id, api_json_str,
			       m->in.due_ms ? "scheduled" : "calling");
	mem_deref(mb);
}


/**
 * The checks both messages share, then the request (201).  The caller
 * has checked who sends it; tenant is the business, source "widget" or
 * "api".  Every answer carries req->hdrs (the widget's CORS headers).
 */
void api_cc_request_submit(struct api_req *req, const char *tenant,
			   const char *source)
{
	char id[CB_ID_LEN + 1], token[64];
	struct cc_msg m;
	int err;

	memset(&m, 0, sizeof(m));
	m.in.tenant = tenant;
	m.in.source = source;
	if (!api_need_body(req, "the call request message, a JSON object") ||
	    !number_parse(req, &m) || !fields_parse(req, &m) ||
	    !policy_ok(req, &m) || !hours_ok(req, &m))
		return;

	err = cc_request_create(&m.in, id, token);
	if (err == ENOENT && m.in.agent_hint) {
		api_error(req, 422, "unknown_agent", "agent",
			  "no such agent of this business");
		return;
	}
	if (err == ENOENT) {
		api_error(req, 404, "no_business", NULL,
			  "the tenant takes no customer calls: set "
			  "PUT /v1/contact/business first");
		return;
	}
	if (err == EINVAL) {
		api_error(req, 400, "invalid_request", NULL,
			  "the request was refused as invalid");
		return;
	}
	if (err) {
		api_error(req, err == ENOMEM ? 500 : 503, "unavailable", NULL,
			  "the request cannot be taken now");
		return;
	}
	log_info(NULL, "cc request=%s %s tenant=%s to %s%s%s", id, source,
		 tenant, m.number, m.in.due_ms ? " scheduled" : "",
		 m.in.agent_hint ? " agent hint" : "");
	reply_created(req, &m, id, token);
}


/** POST /v1/contact/requests: the customer service call initiation
 *  message of the business's server (path b) */
void api_cc_requests_create(struct api_req *req)
{
	const char *business = NULL;

	if (!api_need_body(req, "the call initiation message, a JSON object") ||
	    !opt_str(req, req->body, "business", "business", 64, false,
		     &business))
		return;
	/* the key says which business it is; the field may only agree */
	if (business && strcmp(business, req->who.tenant_id)) {
		api_error(req, 403, "forbidden", "business",
			  "the API key is not this business's");
		return;
	}
	api_cc_request_submit(req, req->who.tenant_id, "api");
}


/* ---- stored requests ---------------------------------------------------- */

/* a time in ms, null for 0 (none) */
/* a stored row, shaped as the runtime prints a live request: the skill
 * column ("cruises:7") as skill and level */
static int json_row(struct re_printf *pf, const struct store_cc_request *r)
{
	char skill[sizeof(r->skill)];
	unsigned level = 0;
	int err;

	if (cc_skill_decode(r->skill, skill, sizeof(skill), &level))
		str_ncpy(skill, r->skill, sizeof(skill));  /* shown as is */
	if (!skill[0])
		level = 0;
	err  = re_hprintf(pf, "{");
	err |= cc_request_fields(pf, r, skill, level, r->wait_ms);
	err |= re_hprintf(pf, "}");
	return err;
}


struct req_job {
	struct api_job a;                 /* first: caller, path id, list */
	char agent[CB_ID_LEN + 1];        /* list filter, "" none */
	uint64_t since_ms;
	uint32_t limit;
	struct store_cc_request row;      /* one: the stored row */
	bool cancel;                      /* DELETE: cancel was refused */
};


static bool list_h(const struct store_cc_request *r, void *arg)
{
	return api_job_item(arg, "%H", json_row, r);
}


static int list_work(struct store *st, void *arg)
{
	struct req_job *j = arg;
	int err;

	j->a.mb = mbuf_alloc(1024);
	if (!j->a.mb)
		return ENOMEM;
	(void)mbuf_write_str(j->a.mb, "{\"requests\":[");
	err = store_cc_request_list(st, j->a.own, j->agent[0] ? j->agent :
				    NULL, j->since_ms, j->limit, list_h, j);
	(void)mbuf_write_str(j->a.mb, "]}");
	return err;
}


static void list_done(int err, void *arg)
{
	struct req_job *j = arg;

	if (err == ECANCELED)
		return;
	if (err)
		api_store_error(j->a.req, err);
	else
		api_reply_list(j->a.req, j->a.mb);
}


/** GET /v1/contact/requests: ?since=RFC3339 &agent=ID &limit=N */
void api_cc_requests_list(struct api_req *req)
{
	char since[48], agent[CB_ID_LEN + 2], limit[12];
	struct req_job *j;
	uint32_t n = LIST_DEFAULT;

	if (!api_query_get(req, "since", 0, since, sizeof(since)) &&
	    (!since[0] || api_time_parse(&(uint64_t){0}, since))) {
		api_error(req, 400, "invalid_field", "since",
			  "an RFC 3339 time, e.g. 2030-01-31T00:00:00Z");
		return;
	}
	if (api_query_get(req, "agent", 0, agent, sizeof(agent)))
		agent[0] = '\0';
	else if (!name_ok(agent, CB_ID_LEN)) {
		api_error(req, 400, "invalid_field", "agent", "an agent id");
		return;
	}
	if (!api_query_get(req, "limit", 0, limit, sizeof(limit))) {
		char *end = NULL;
		unsigned long v = strtoul(limit, &end, 10);

		if (!limit[0] || *end || v < 1 || v > LIST_LIMIT) {
			api_error(req, 400, "invalid_field", "limit",
				  "1 to 1000");
			return;
		}
		n = (uint32_t)v;
	}

	j = api_job_alloc(req, sizeof(*j), NULL);
	if (!j)
		return;
	str_ncpy(j->agent, agent, sizeof(j->agent));
	j->limit = n;
	if (!api_query_get(req, "since", 0, since, sizeof(since)))
		(void)api_time_parse(&j->since_ms, since);
	(void)api_store_submit(req, j, list_work, list_done);
	mem_deref(j);
}


static int get_work(struct store *st, void *arg)
{
	struct req_job *j = arg;

	return store_cc_request_get(st, j->a.own, j->a.id, &j->row);
}


static void get_done(int err, void *arg)
{
	struct req_job *j = arg;
	struct api_req *req = j->a.req;

	if (err == ECANCELED)
		return;
	if (err == ENOENT || (!err && strcmp(j->row.tenant_id, j->a.own))) {
		api_error(req, 404, "not_found", NULL, "no such request");
		return;
	}
	if (err) {
		api_store_error(req, err);
		return;
	}
	if (j->cancel) {
		api_error(req, 409, "already_placed", NULL,
			  "the request was placed or has ended");
		return;
	}
	api_reply_json(req, 200, "%H", json_row, &j->row);
}


/* the stored row of the path's request; cancel: answered 409 if found */
static void stored_reply(struct api_req *req, bool cancel)
{
	struct req_job *j = api_job_alloc(req, sizeof(*j), NULL);

	if (!j)
		return;
	j->cancel = cancel;
	if (api_job_path_id(&j->a, "no such request"))
		(void)api_store_submit(req, j, get_work, get_done);
	mem_deref(j);
}


/** GET /v1/contact/requests/{id}: live while active, else as stored */
void api_cc_requests_get(struct api_req *req)
{
	struct mbuf *mb = NULL;
	int err;

	err = active_json(&mb, req->who.tenant_id, req->param[0]);
	if (!err) {
		api_reply_json(req, 200, "%b", mb->buf, mb->end);
		mem_deref(mb);
		return;
	}
	if (err == ENOMEM) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	stored_reply(req, false);
}


/** DELETE /v1/contact/requests/{id}: cancel while scheduled (else 409) */
void api_cc_requests_delete(struct api_req *req)
{
	const char *id = req->param[0];
	int err = cc_request_cancel(req->who.tenant_id, id);

	if (!err) {
		log_info(NULL, "cc request=%s canceled", id);
		api_reply_json(req, 200, "{\"id\":%H,\"status\":\"canceled\"}",
			       api_json_str, id);
		return;
	}
	/* placed, ended, another tenant's or unknown: the store tells */
	stored_reply(req, true);
}
