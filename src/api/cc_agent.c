/**
 * @file api/cc_agent.c  The agent console's routes: /v1/agent...
 *
 * An agent of a business (src/cc/, include/cb_cc.h) works from the web
 * page web/agent.html, signed in with a user of role agent whose login
 * the business linked to the agent (store_cc_agent.user_id).  Every
 * route first finds that agent (cc_agent_of_user(); a login linked to
 * none gets 404 no_agent) and acts on it only: an agent never names
 * another agent, so there is nothing of another tenant or agent to
 * reach.  The routes only admit role agent (routes.c); a cookie
 * session's state-changing requests carry X-CSRF-Token, which
 * server.c checks before any handler here runs.
 *
 *   GET  /v1/agent          the agent as the runtime prints it: status
 *                           and the current request, the screen-pop
 *                           (customer, page viewed, note, desired time,
 *                           queue wait), shown while its phone rings
 *   POST /v1/agent/status   {status}: available, break, logged-out,
 *                           wrap-done; an illegal change is 409 with
 *                           the current status in error.status
 *   POST /v1/agent/hangup   end the agent's call
 *   POST /v1/agent/wrapup   {notes, form}: the notes are stored with the
 *                           request, the form (an order, a complaint or
 *                           none) goes to the business's web server as
 *                           the tenant webhook event acd.wrapup (seed
 *                           003 steps 612-616), then wrap-up ends
 *   GET  /v1/agent/history  the agent's requests since midnight UTC
 *
 * The runtime is called on the main thread; the store is read on a
 * worker (history, and the request's customer for the wrap-up event).
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "api.h"
#include "cb_cc.h"

enum {
	HISTORY_MAX = 200,
	NOTES_MAX = STORE_CC_TEXT_MAX - 1,
	PRODUCT_MAX = 128,
	FORM_TEXT_MAX = 2000,
	AMOUNT_MAX = 24,
	QUANTITY_MAX = 1000000,
};

/* the agent of a request: its tenant and id */
struct agent_ref {
	const char *tenant;
	const char *id;
};

/* a wrap-up form, validated */
struct wrap_form {
	char kind[12];                    /* order, complaint or none */
	char product[PRODUCT_MAX + 1];
	int64_t quantity;                 /* 0: not given */
	char amount[AMOUNT_MAX + 1];      /* a decimal string, or "" */
	char text[FORM_TEXT_MAX + 1];
};


static int agent_json(struct re_printf *pf, const struct agent_ref *a)
{
	return cc_agent_print(pf, a->tenant, a->id);
}


/* the agent linked to the session's login, into id; false once answered */
static bool agent_of(struct api_req *req, char *id, size_t sz)
{
	int err = ENOENT;

	id[0] = '\0';
	if (req->who.user_id[0])
		err = cc_agent_of_user(req->who.tenant_id, req->who.user_id,
				       id, sz);
	if (err || !id[0]) {
		api_error(req, 404, "no_agent", NULL,
			  "your login is not linked to an agent of the "
			  "business");
		return false;
	}
	return true;
}


/* the agent printed into a new mbuf (*mbp), or an errno */
static int agent_print(struct mbuf **mbp, const char *tenant,
		       const char *id)
{
	struct agent_ref a = {tenant, id};
	struct mbuf *mb = mbuf_alloc(1024);
	int err;

	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb, "%H", agent_json, &a);
	if (err || !mb->end) {
		mem_deref(mb);
		return err ? err : ENOENT;
	}
	*mbp = mb;
	return 0;
}


/* answer 200 with the agent, the way GET /v1/agent does */
static void reply_agent(struct api_req *req, const char *id)
{
	struct mbuf *mb = NULL;
	int err = agent_print(&mb, req->who.tenant_id, id);

	if (err == ENOENT)
		api_error(req, 404, "no_agent", NULL, "no such agent");
	else if (err)
		api_error(req, 500, "internal", NULL, "out of memory");
	else
		api_reply_json(req, 200, "%b", mb->buf, mb->end);
	mem_deref(mb);
}


/* the agent's status as the runtime prints it, "" if unknown */
static void agent_status(const char *tenant, const char *id, char *out,
			 size_t sz)
{
	struct mbuf *mb = NULL;
	struct odict *od = NULL;
	const char *s;

	out[0] = '\0';
	if (agent_print(&mb, tenant, id))
		return;
	if (!json_decode_odict(&od, 16, (const char *)mb->buf, mb->end, 8)) {
		s = odict_string(od, "status");
		if (s)
			str_ncpy(out, s, sz);
	}
	mem_deref(od);
	mem_deref(mb);
}


void api_agent_me(struct api_req *req)
{
	char id[CB_ID_LEN + 1];

	if (agent_of(req, id, sizeof(id)))
		reply_agent(req, id);
}


/* ---- status and hang-up -------------------------------------------- */

static bool status_known(const char *s)
{
	static const char *const names[] = {
		"available", "break", "logged-out", "wrap-done"
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(s, names[i]))
			return true;
	}
	return false;
}


void api_agent_status(struct api_req *req)
{
	char id[CB_ID_LEN + 1], want[16], cur[24];
	int err;

	if (!agent_of(req, id, sizeof(id)) ||
	    !api_need_body(req, "send {\"status\": \"available\"}") ||
	    !api_field_str(req, "status", want, sizeof(want), true))
		return;
	if (!status_known(want)) {
		api_error(req, 400, "invalid_field", "status",
			  "one of available, break, logged-out, wrap-done");
		return;
	}

	err = cc_agent_status_set(req->who.tenant_id, id, want);
	switch (err) {

	case 0:
		reply_agent(req, id);
		break;

	case EPERM:
		agent_status(req->who.tenant_id, id, cur, sizeof(cur));
		api_reply_json(req, 409, "{\"error\":{\"code\":"
			       "\"illegal_transition\",\"message\":\"an agent "
			       "%s cannot go to %s\",\"field\":\"status\","
			       "\"status\":%H}}", cur[0] ? cur : "in this "
			       "status", want, api_json_str, cur);
		break;

	case ENOENT:
		api_error(req, 404, "no_agent", NULL, "no such agent");
		break;

	case EINVAL:
		api_error(req, 400, "invalid_field", "status",
			  "not a status an agent can set");
		break;

	default:
		api_error(req, 500, "internal", NULL, "status not changed");
		break;
	}
}


void api_agent_hangup(struct api_req *req)
{
	char id[CB_ID_LEN + 1];
	int err;

	if (!agent_of(req, id, sizeof(id)))
		return;

	err = cc_agent_hangup(req->who.tenant_id, id);
	if (err == ENOENT)
		api_error(req, 404, "no_call", NULL, "you have no call");
	else if (err)
		api_error(req, 500, "internal", NULL, "not hung up");
	else
		reply_agent(req, id);
}


/* ---- wrap-up -------------------------------------------------------- */

struct wrap_job {
	struct api_req *req;               /* mem_ref'd */
	char tenant[CB_ID_LEN + 1];
	char agent[CB_ID_LEN + 1];
	char req_id[CB_ID_LEN + 1];
	char notes[NOTES_MAX + 1];
	struct wrap_form f;
	struct store_cc_request r;         /* read on the worker */
	bool have_r;
};


static void wrap_destructor(void *arg)
{
	struct wrap_job *w = arg;

	mem_deref(w->req);
}


static bool form_error(struct api_req *req, const char *member,
		       const char *msg)
{
	char field[40];

	(void)re_snprintf(field, sizeof(field), "form.%s", member);
	api_error(req, 400, "invalid_field", field, msg);
	return false;
}


static bool form_str(struct api_req *req, const struct odict_entry *e,
		     char *out, size_t sz)
{
	char msg[64];

	if (e->type != ODICT_STRING || !*e->u.str ||
	    strlen(e->u.str) >= sz) {
		(void)re_snprintf(msg, sizeof(msg), "a string of 1 to %zu "
				  "characters", sz - 1);
		return form_error(req, e->key, msg);
	}
	str_ncpy(out, e->u.str, sz);
	return true;
}


/* "12", "12.5", "12.50": at most 9 digits, then at most 4 decimals */
static bool amount_ok(const char *s)
{
	size_t i = 0, d = 0;

	while (s[i] >= '0' && s[i] <= '9')
		++i;
	if (i == 0 || i > 9)
		return false;
	if (s[i] == '.') {
		while (s[i + 1 + d] >= '0' && s[i + 1 + d] <= '9')
			++d;
		if (d == 0 || d > 4)
			return false;
		i += 1 + d;
	}
	return s[i] == '\0';
}


static bool form_member(struct api_req *req, const struct odict_entry *e,
			struct wrap_form *f)
{
	if (!strcmp(e->key, "kind")) {
		if (!form_str(req, e, f->kind, sizeof(f->kind)))
			return false;
		if (strcmp(f->kind, "order") && strcmp(f->kind, "complaint") &&
		    strcmp(f->kind, "none"))
			return form_error(req, "kind",
					  "one of order, complaint, none");
		return true;
	}
	if (!strcmp(e->key, "product"))
		return form_str(req, e, f->product, sizeof(f->product));
	if (!strcmp(e->key, "text"))
		return form_str(req, e, f->text, sizeof(f->text));
	if (!strcmp(e->key, "amount")) {
		if (e->type != ODICT_STRING || strlen(e->u.str) > AMOUNT_MAX ||
		    !amount_ok(e->u.str))
			return form_error(req, "amount", "a decimal string, "
					  "e.g. \"12.50\"");
		str_ncpy(f->amount, e->u.str, sizeof(f->amount));
		return true;
	}
	if (!strcmp(e->key, "quantity")) {
		if (e->type != ODICT_INT || e->u.integer < 1 ||
		    e->u.integer > QUANTITY_MAX)
			return form_error(req, "quantity",
					  "an integer from 1 to 1000000");
		f->quantity = e->u.integer;
		return true;
	}
	return form_error(req, e->key, "unknown member of the form");
}


/* the body's form into f (absent: kind none); false once answered */
static bool form_parse(struct api_req *req, struct wrap_form *f)
{
	const struct odict_entry *e = odict_lookup(req->body, "form");
	struct le *le;

	str_ncpy(f->kind, "none", sizeof(f->kind));
	if (!e)
		return true;
	if (e->type != ODICT_OBJECT) {
		api_error(req, 400, "invalid_field", "form",
			  "an object {kind, product?, quantity?, amount?, "
			  "text?}");
		return false;
	}
	if (!odict_lookup(e->u.odict, "kind"))
		return form_error(req, "kind", "one of order, complaint, none");
	for (le = e->u.odict->lst.head; le; le = le->next) {
		if (!form_member(req, le->data, f))
			return false;
	}
	if (!strcmp(f->kind, "order") && !f->product[0])
		return form_error(req, "product", "an order names a product");
	if (!strcmp(f->kind, "complaint") && !f->text[0])
		return form_error(req, "text", "a complaint has a text");
	return true;
}


static int form_json(struct re_printf *pf, const struct wrap_form *f)
{
	int err = re_hprintf(pf, "{\"kind\":\"%s\"", f->kind);

	if (f->product[0])
		err |= re_hprintf(pf, ",\"product\":%H", api_json_str,
				  f->product);
	if (f->quantity)
		err |= re_hprintf(pf, ",\"quantity\":%lld",
				  (long long)f->quantity);
	if (f->amount[0])
		err |= re_hprintf(pf, ",\"amount\":\"%s\"", f->amount);
	if (f->text[0])
		err |= re_hprintf(pf, ",\"text\":%H", api_json_str, f->text);
	return err | re_hprintf(pf, "}");
}


/* the acd.wrapup event's members: the request, the agent, the form */
static int wrap_event_json(struct re_printf *pf, const struct wrap_job *w)
{
	const struct store_cc_request *r = &w->r;
	int err;

	err = re_hprintf(pf, "{\"request_id\":%H,\"agent_id\":%H,"
			 "\"notes\":%H,\"form\":%H", api_json_str, w->req_id,
			 api_json_str, w->agent, api_json_str, w->notes,
			 form_json, &w->f);
	if (w->have_r)
		err |= re_hprintf(pf, ",\"customer\":%H,\"customer_name\":%H,"
				  "\"page_url\":%H,\"page_title\":%H,"
				  "\"call_id\":%H", api_json_str, r->customer,
				  api_json_str, r->customer_name,
				  api_json_str, r->page_url,
				  api_json_str, r->page_title,
				  api_json_str, r->call_id);
	return err | re_hprintf(pf, "}");
}


static int wrap_work(struct store *st, void *arg)
{
	struct wrap_job *w = arg;

	w->have_r = !store_cc_request_get(st, w->tenant, w->req_id, &w->r);
	return 0;
}


/* main thread: post the form to the business, end the wrap-up, answer */
static void wrap_done(int err, void *arg)
{
	struct wrap_job *w = arg;
	struct api_req *req = w->req;
	struct mbuf *mb = NULL;
	const char *hook;
	char *json = NULL;

	if (err == ECANCELED)
		return;

	err = re_sdprintf(&json, "%H", wrap_event_json, w);
	if (!err)
		err = webhook_tenant_post(w->tenant, "acd.wrapup", json);
	mem_deref(json);
	hook = !err ? "queued" : err == ENOENT ? "none" : "failed";
	if (err && err != ENOENT)
		log_warn(NULL, "agent=%s request=%s: wrap-up form not sent "
			 "(%m)", w->agent, w->req_id, err);

	/* EPERM: the agent was not in wrap-up (its timer ended it) */
	(void)cc_agent_status_set(w->tenant, w->agent, "wrap-done");

	if (agent_print(&mb, w->tenant, w->agent))
		api_reply_json(req, 200, "{\"request_id\":\"%s\","
			       "\"webhook\":\"%s\"}", w->req_id, hook);
	else
		api_reply_json(req, 200, "{\"request_id\":\"%s\","
			       "\"webhook\":\"%s\",\"agent\":%b}", w->req_id,
			       hook, mb->buf, mb->end);
	mem_deref(mb);
}


void api_agent_wrapup(struct api_req *req)
{
	struct wrap_job *w;
	int err;

	w = mem_zalloc(sizeof(*w), wrap_destructor);
	if (!w) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!agent_of(req, w->agent, sizeof(w->agent)) ||
	    !api_need_body(req, "send {\"notes\", \"form\"}") ||
	    !api_field_str(req, "notes", w->notes, sizeof(w->notes), false) ||
	    !form_parse(req, &w->f))
		goto out;
	str_ncpy(w->tenant, req->who.tenant_id, sizeof(w->tenant));

	err = cc_agent_wrapup(w->tenant, w->agent, w->notes, w->req_id,
			      sizeof(w->req_id));
	if (err == ENOENT) {
		api_error(req, 404, "no_request", NULL,
			  "you have no call to wrap up");
		goto out;
	}
	if (err) {
		api_error(req, err == EINVAL ? 400 : 500,
			  err == EINVAL ? "invalid_field" : "internal",
			  err == EINVAL ? "notes" : NULL,
			  "the notes were not stored");
		goto out;
	}

	/* the notes are stored: from here on the answer is 200 */
	w->req = mem_ref(req);
	if (store_submit(store_default(), wrap_work, wrap_done, w))
		wrap_done(0, w);
 out:
	mem_deref(w);
}


/* ---- history -------------------------------------------------------- */

struct history_job {
	struct api_job j;                  /* first */
	char agent[CB_ID_LEN + 1];
	uint64_t since_ms;
};


static uint64_t ms_since(uint64_t from, uint64_t to)
{
	return from && to > from ? to - from : 0;
}


static bool history_item(const struct store_cc_request *r, void *arg)
{
	struct history_job *h = arg;

	return api_job_item(&h->j, "{\"id\":%H,\"created_ms\":%llu,"
			    "\"connected_ms\":%llu,\"ended_ms\":%llu,"
			    "\"customer\":%H,\"customer_name\":%H,"
			    "\"page_title\":%H,\"page_url\":%H,"
			    "\"status\":%H,\"cause\":%H,"
			    "\"wait_ms\":%llu,\"duration_ms\":%llu,"
			    "\"notes\":%H}",
			    api_json_str, r->id,
			    (unsigned long long)r->created_ms,
			    (unsigned long long)r->connected_ms,
			    (unsigned long long)r->ended_ms,
			    api_json_str, r->customer,
			    api_json_str, r->customer_name,
			    api_json_str, r->page_title,
			    api_json_str, r->page_url,
			    api_json_str, r->status,
			    api_json_str, r->cause,
			    (unsigned long long)r->wait_ms,
			    (unsigned long long)ms_since(r->connected_ms,
							 r->ended_ms),
			    api_json_str, r->wrap_notes);
}


static int history_work(struct store *st, void *arg)
{
	struct history_job *h = arg;
	int err;

	h->j.mb = mbuf_alloc(2048);
	if (!h->j.mb)
		return ENOMEM;
	(void)mbuf_printf(h->j.mb, "{\"agent_id\":\"%s\",\"since_ms\":%llu,"
			  "\"requests\":[", h->agent,
			  (unsigned long long)h->since_ms);
	err = store_cc_request_list(st, h->j.own, h->agent, h->since_ms,
				    HISTORY_MAX, history_item, h);
	(void)mbuf_write_str(h->j.mb, "]}");
	return err;
}


static void history_done(int err, void *arg)
{
	struct history_job *h = arg;

	if (err == ECANCELED)
		return;
	if (err)
		api_store_error(h->j.req, err);
	else
		api_reply_list(h->j.req, h->j.mb);
}


void api_agent_history(struct api_req *req)
{
	char id[CB_ID_LEN + 1];
	struct history_job *h;
	uint64_t now_s = (uint64_t)time(NULL);

	if (!agent_of(req, id, sizeof(id)))
		return;
	h = api_job_alloc(req, sizeof(*h), NULL);
	if (!h)
		return;
	str_ncpy(h->agent, id, sizeof(h->agent));
	h->since_ms = (now_s - now_s % 86400) * 1000;   /* midnight UTC */
	(void)api_store_submit(req, h, history_work, history_done);
	mem_deref(h);
}
