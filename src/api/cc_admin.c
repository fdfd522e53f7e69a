/**
 * @file api/cc_admin.c  /v1/contact/business and /v1/contact/status
 *
 * The business side of the contact centre (seed 003, docs/acd.md): a
 * manager sets its tenant's settings as a business taking customer
 * calls (the name spoken in the announcement, the announcement, the web
 * origins its widget may be used from, business hours, hold music,
 * ACD timers, the account that pays the calls) and watches the live
 * queue and agents.  An operator or an API key acts on its own tenant;
 * an admin on its own, or on ?tenant=ID|NAME.
 *
 * PUT is a full replace: a missing field takes its default, and every
 * field is checked before anything is stored (400 with the field).  The
 * row is written on a store worker, then handed to the runtime
 * (cc_business_apply(), src/cc/) on the main thread.  A business never
 * set is answered with the defaults and "configured": false, so the
 * console can show its form.  Agents are in cc_agents.c, the hours
 * format in cc_hours.c.
 */
#include <string.h>
#include <sys/stat.h>
#include <re.h>
#include "api.h"
#include "cb_cc.h"

enum {
	ORIGINS_MAX = 16,
	RING_DEF = 20, FALLBACK_DEF = 30, WRAP_DEF = 30, NOANSWER_DEF = 3,
	POSITION_DEF = 30,
};

static const char announcement_def[] = "Please hold while we connect you "
	"to {business} customer representative.";

struct biz_job {
	struct api_job a;                 /* first: the caller */
	char tenant[STORE_NAME_MAX];      /* ?tenant=, "" = own */
	struct store_cc_business b;       /* to store, or as read */
	bool name_set;                    /* else: the tenant's name */
	bool configured;                  /* read: a row exists */
	const char *bad;                  /* worker: the field refused */
};


/**
 * ?tenant= of a manager's request into out ("" if absent); false once
 * answered (400)
 */
bool api_cc_tenant_query(struct api_req *req, char *out, size_t sz)
{
	int err = api_query_get(req, "tenant", 0, out, sz);

	if (err == ENOENT) {
		out[0] = '\0';
		return true;
	}
	if (err || !out[0]) {
		api_error(req, 400, "invalid_field", "tenant",
			  "a tenant id or name");
		return false;
	}
	return true;
}


/* ---- JSON ----------------------------------------------------------- */

static int json_origins(struct re_printf *pf, const char *s)
{
	struct pl rest, w;
	int err = re_hprintf(pf, "[");
	bool first = true;

	pl_set_str(&rest, s);
	while (!re_regex(rest.p, rest.l, "[^ ]+", &w)) {
		char o[STORE_CC_LIST_MAX];

		(void)pl_strcpy(&w, o, sizeof(o));
		err |= re_hprintf(pf, "%s%H", first ? "" : ",", api_json_str,
				  o);
		first = false;
		pl_advance(&rest, (size_t)(w.p + w.l - rest.p));
	}
	return err | re_hprintf(pf, "]");
}


static int json_time(struct re_printf *pf, uint16_t min)
{
	return re_hprintf(pf, "\"%02u:%02u\"", min / 60, min % 60);
}


static int json_hours(struct re_printf *pf, const char *s)
{
	struct cc_hours_span v[CC_HOURS_MAX];
	size_t n = ARRAY_SIZE(v);
	int err;

	if (cc_hours_parse(s, v, &n))
		n = 0;
	err = re_hprintf(pf, "[");
	for (size_t i = 0; i < n; i++) {
		err |= re_hprintf(pf, "%s{\"days\":\"%s%s%s\",\"open\":%H,"
				  "\"close\":%H}", i ? "," : "",
				  cc_hours_day(v[i].d0),
				  v[i].d1 != v[i].d0 ? "-" : "",
				  v[i].d1 != v[i].d0 ?
				  cc_hours_day(v[i].d1) : "",
				  json_time, v[i].open, json_time,
				  v[i].close);
	}
	return err | re_hprintf(pf, "]");
}


static int json_business(struct re_printf *pf, const struct biz_job *j)
{
	const struct store_cc_business *b = &j->b;

	return re_hprintf(pf, "{\"tenant_id\":%H,\"configured\":%s,"
			  "\"name\":%H,\"announcement\":%H,\"origins\":%H,"
			  "\"hours\":%H,\"open_now\":%s,\"hold_prompt\":%H,"
			  "\"ring_s\":%u,\"fallback_s\":%u,\"wrap_s\":%u,"
			  "\"max_noanswer\":%u,\"position_s\":%u,"
			  "\"billing_account\":%H,\"updated_ms\":%llu}",
			  api_json_str, b->tenant_id,
			  j->configured ? "true" : "false",
			  api_json_str, b->name, api_json_str,
			  b->announcement, json_origins, b->origins,
			  json_hours, b->hours,
			  cc_hours_open(b->hours, call_now_ms()) ?
			  "true" : "false",
			  api_json_str, b->hold_prompt, b->ring_s,
			  b->fallback_s, b->wrap_s, b->max_noanswer,
			  b->position_s, api_json_str, b->billing_account,
			  (unsigned long long)b->updated_ms);
}


static void business_defaults(struct store_cc_business *b)
{
	memset(b, 0, sizeof(*b));
	str_ncpy(b->announcement, announcement_def, sizeof(b->announcement));
	b->ring_s = RING_DEF;
	b->fallback_s = FALLBACK_DEF;
	b->wrap_s = WRAP_DEF;
	b->max_noanswer = NOANSWER_DEF;
	b->position_s = POSITION_DEF;
}


/* ---- GET ------------------------------------------------------------ */

static int get_work(struct store *st, void *arg)
{
	struct biz_job *j = arg;
	struct store_tenant t;
	int err = api_job_tenant(&j->a, st, &t, j->tenant);

	if (err)
		return err;
	err = store_cc_business_get(st, t.id, &j->b);
	if (err == ENOENT) {
		business_defaults(&j->b);
		str_ncpy(j->b.tenant_id, t.id, sizeof(j->b.tenant_id));
		str_ncpy(j->b.name, t.name, sizeof(j->b.name));
		return 0;
	}
	j->configured = !err;
	return err;
}


/* a look-up of the tenant done: false if canceled or answered (error) */
static bool tenant_found(int err, struct api_req *req)
{
	if (err == ECANCELED)
		return false;
	if (err) {
		api_job_tenant_error(req, err, "you may see your own tenant "
				     "only");
		return false;
	}
	return true;
}


static void get_done(int err, void *arg)
{
	struct biz_job *j = arg;

	if (tenant_found(err, j->a.req))
		api_reply_json(j->a.req, 200, "%H", json_business, j);
}


void api_cc_business_get(struct api_req *req)
{
	struct biz_job *j = api_job_alloc(req, sizeof(*j), NULL);

	if (j && api_cc_tenant_query(req, j->tenant, sizeof(j->tenant)))
		(void)api_store_submit(req, j, get_work, get_done);
	mem_deref(j);
}


/* ---- PUT: reading and checking the body ----------------------------- */

/* printable text without control characters */
static bool text_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
	}
	return true;
}


static bool field_u32(struct api_req *req, const char *key, uint32_t *vp,
		      uint32_t min, uint32_t max)
{
	const struct odict_entry *e = odict_lookup(req->body, key);
	char msg[64];

	if (!e)
		return true;
	if (e->type != ODICT_INT || e->u.integer < min ||
	    e->u.integer > max) {
		(void)re_snprintf(msg, sizeof(msg), "an integer from %u to %u",
				  min, max);
		return api_field_bad(req, key, msg);
	}
	*vp = (uint32_t)e->u.integer;
	return true;
}


/* "https://shop.example" or "http://127.0.0.1:8000", lower-cased */
static bool origin_ok(char *o)
{
	char *p, *host;
	size_t n = 0;

	for (p = o; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	if (!strncmp(o, "https://", 8))
		host = o + 8;
	else if (!strncmp(o, "http://", 7))
		host = o + 7;
	else
		return false;
	for (p = host; *p && *p != ':'; p++, n++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '.'))
			return false;
	}
	if (!n || host[0] == '.' || host[0] == '-' || p[-1] == '.')
		return false;
	if (*p == ':') {
		unsigned port = 0;

		if (!p[1] || strlen(p + 1) > 5)
			return false;
		for (++p; *p; p++) {
			if (*p < '0' || *p > '9')
				return false;
			port = port * 10 + (unsigned)(*p - '0');
		}
		if (port < 1 || port > 65535)
			return false;
	}
	return true;
}


static bool origins_read(struct api_req *req, struct store_cc_business *b)
{
	const struct odict_entry *e = odict_lookup(req->body, "origins");
	const char *msg = "an array of at most 16 origins "
		"scheme://host[:port] (http or https, no path)";
	struct le *le;
	size_t len = 0;

	if (!e)
		return true;
	if (e->type != ODICT_ARRAY || odict_count(e->u.odict, false) >
	    ORIGINS_MAX)
		return api_field_bad(req, "origins", msg);
	LIST_FOREACH(&e->u.odict->lst, le) {
		const struct odict_entry *o = le->data;
		char v[300];
		size_t n;

		if (o->type != ODICT_STRING || strlen(o->u.str) >= sizeof(v))
			return api_field_bad(req, "origins", msg);
		str_ncpy(v, o->u.str, sizeof(v));
		if (!origin_ok(v))
			return api_field_bad(req, "origins", msg);
		n = strlen(v);
		if (len + n + 2 > sizeof(b->origins))
			return api_field_bad(req, "origins",
					     "too long altogether");
		if (len)
			b->origins[len++] = ' ';
		memcpy(b->origins + len, v, n + 1);
		len += n;
	}
	return true;
}


static const char *span_str(const struct odict *o, const char *key)
{
	const struct odict_entry *e = odict_lookup(o, key);

	return e && e->type == ODICT_STRING ? e->u.str : NULL;
}


static bool hours_read(struct api_req *req, struct store_cc_business *b)
{
	const struct odict_entry *e = odict_lookup(req->body, "hours");
	const char *msg = "an array of at most 14 {\"days\": \"mon-fri\", "
		"\"open\": \"09:00\", \"close\": \"17:00\"} (UTC, close "
		"after open)";
	struct le *le;
	size_t len = 0;

	if (!e)
		return true;
	if (e->type != ODICT_ARRAY ||
	    odict_count(e->u.odict, false) > CC_HOURS_MAX)
		return api_field_bad(req, "hours", msg);
	LIST_FOREACH(&e->u.odict->lst, le) {
		const struct odict_entry *s = le->data;
		struct cc_hours_span sp;
		const char *days, *open, *close;
		int n;

		if (s->type != ODICT_OBJECT)
			return api_field_bad(req, "hours", msg);
		days = span_str(s->u.odict, "days");
		open = span_str(s->u.odict, "open");
		close = span_str(s->u.odict, "close");
		if (!days || !open || !close ||
		    odict_count(s->u.odict, false) != 3 ||
		    cc_hours_days(days, &sp.d0, &sp.d1) ||
		    cc_hours_time(open, &sp.open, false) ||
		    cc_hours_time(close, &sp.close, true) ||
		    sp.close <= sp.open)
			return api_field_bad(req, "hours", msg);
		n = re_snprintf(b->hours + len, sizeof(b->hours) - len,
				"%s%H", len ? ";" : "", cc_hours_span_print,
				&sp);
		if (n < 0)
			return api_field_bad(req, "hours", msg);
		len += (size_t)n;
	}
	return true;
}


/* a file of media.prompt_dir: a plain name, and the file exists */
static bool prompt_read(struct api_req *req, struct store_cc_business *b)
{
	char path[512];
	struct stat sb;

	if (!api_field_str(req, "hold_prompt", b->hold_prompt,
			   sizeof(b->hold_prompt), false))
		return false;
	if (!b->hold_prompt[0])
		return true;
	for (const char *p = b->hold_prompt; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		      *p == '.'))
			return api_field_bad(req, "hold_prompt", "a file name "
					     "of the prompt directory");
	}
	(void)re_snprintf(path, sizeof(path), "%s/%s",
			  api_config()->prompt_dir, b->hold_prompt);
	if (b->hold_prompt[0] == '.' || stat(path, &sb) ||
	    !S_ISREG(sb.st_mode))
		return api_field_bad(req, "hold_prompt", "no such file in "
				     "the prompt directory");
	return true;
}


static bool keys_known(struct api_req *req)
{
	static const char *const known[] = {
		"name", "announcement", "origins", "hours", "hold_prompt",
		"ring_s", "fallback_s", "wrap_s", "max_noanswer",
		"position_s", "billing_account",
		/* what GET shows and PUT ignores */
		"tenant_id", "configured", "open_now", "updated_ms",
	};

	return api_body_known(req, known, ARRAY_SIZE(known),
			      "not a setting of the business");
}


static bool put_read(struct api_req *req, struct biz_job *j)
{
	struct store_cc_business *b = &j->b;

	business_defaults(b);
	if (!api_need_body(req, "send the settings as a JSON object") ||
	    !keys_known(req) ||
	    !api_field_str(req, "name", b->name, sizeof(b->name), false) ||
	    !api_field_str(req, "announcement", b->announcement,
			   sizeof(b->announcement), false) ||
	    !api_field_str(req, "billing_account", b->billing_account,
			   sizeof(b->billing_account), false))
		return false;

	j->name_set = odict_lookup(req->body, "name") != NULL;
	if (j->name_set && (!b->name[0] || !text_ok(b->name)))
		return api_field_bad(req, "name", "1 to 80 characters");
	if (!b->announcement[0])
		str_ncpy(b->announcement, announcement_def,
			 sizeof(b->announcement));
	if (!text_ok(b->announcement))
		return api_field_bad(req, "announcement", "text without "
				     "control characters, at most 512");

	if (!origins_read(req, b) || !hours_read(req, b) ||
	    !prompt_read(req, b) ||
	    !field_u32(req, "ring_s", &b->ring_s, 5, 120) ||
	    !field_u32(req, "fallback_s", &b->fallback_s, 0, 3600) ||
	    !field_u32(req, "wrap_s", &b->wrap_s, 0, 600) ||
	    !field_u32(req, "max_noanswer", &b->max_noanswer, 0, 10) ||
	    !field_u32(req, "position_s", &b->position_s, 0, 600))
		return false;
	if (b->position_s && b->position_s < 10)
		return api_field_bad(req, "position_s", "0 (off) or 10 to 600");
	b->updated_ms = call_now_ms();
	return true;
}


/* ---- PUT: storing and applying -------------------------------------- */

static int put_work(struct store *st, void *arg)
{
	struct biz_job *j = arg;
	struct store_tenant t;
	struct store_account acc;
	int err = api_job_tenant(&j->a, st, &t, j->tenant);

	if (err)
		return err;
	str_ncpy(j->b.tenant_id, t.id, sizeof(j->b.tenant_id));
	if (!j->name_set)
		str_ncpy(j->b.name, t.name, sizeof(j->b.name));
	if (j->b.billing_account[0]) {
		err = store_money_account_get(st, &acc, t.id,
					      j->b.billing_account);
		if (err == ENOENT || (!err && strcmp(acc.tenant_id, t.id))) {
			j->bad = "billing_account";
			return EINVAL;
		}
		if (err)
			return err;
		str_ncpy(j->b.billing_account, acc.id,
			 sizeof(j->b.billing_account));
	}
	return store_cc_business_put(st, &j->b);
}


static void put_done(int err, void *arg)
{
	struct biz_job *j = arg;
	struct api_req *req = j->a.req;

	if (err == ECANCELED)
		return;
	if (err == EINVAL && j->bad) {
		(void)api_field_bad(req, j->bad,
				    "no such money account of the tenant");
		return;
	}
	if (err) {
		api_job_tenant_error(req, err, "you may set your own tenant "
				     "only");
		return;
	}
	j->configured = true;
	err = cc_business_apply(&j->b);
	if (err)
		log_warn(NULL, "business %s stored, not applied: %m",
			 j->b.tenant_id, err);
	log_info(NULL, "business %s (%s) set by %s%s", j->b.tenant_id,
		 j->b.name, req->who.user_id, req->who.key_id);
	api_reply_json(req, 200, "%H", json_business, j);
}


void api_cc_business_put(struct api_req *req)
{
	struct biz_job *j = api_job_alloc(req, sizeof(*j), NULL);

	if (j && api_cc_tenant_query(req, j->tenant, sizeof(j->tenant)) &&
	    put_read(req, j))
		(void)api_store_submit(req, j, put_work, put_done);
	mem_deref(j);
}


/* ---- live status ---------------------------------------------------- */

static int tenant_work(struct store *st, void *arg)
{
	struct biz_job *j = arg;
	struct store_tenant t;
	int err = api_job_tenant(&j->a, st, &t, j->tenant);

	if (!err)
		str_ncpy(j->b.tenant_id, t.id, sizeof(j->b.tenant_id));
	return err;
}


/* printed aside first: a failure half-way sends no broken JSON */
static void status_reply(struct api_req *req, const char *tenant)
{
	struct mbuf *mb = mbuf_alloc(1024);
	int err = mb ? mbuf_printf(mb, "%H", cc_status_print, tenant)
		     : ENOMEM;

	/* a business the runtime does not know yet: nothing live */
	if (err == ENOENT) {
		mb->pos = mb->end = 0;
		err = mbuf_write_str(mb, "{\"queue_length\":0,\"waiting\":[],"
				     "\"agents\":[]}");
	}
	if (err)
		api_error(req, 500, "internal", NULL, "status unavailable");
	else
		api_reply_list(req, mb);
	mem_deref(mb);
}


static void status_done(int err, void *arg)
{
	struct biz_job *j = arg;

	if (tenant_found(err, j->a.req))
		status_reply(j->a.req, j->b.tenant_id);
}


void api_cc_status(struct api_req *req)
{
	struct biz_job *j;

	/* the own tenant needs no store look-up */
	if (!req->msg->prm.l) {
		status_reply(req, req->who.tenant_id);
		return;
	}
	j = api_job_alloc(req, sizeof(*j), NULL);
	if (j && api_cc_tenant_query(req, j->tenant, sizeof(j->tenant)))
		(void)api_store_submit(req, j, tenant_work, status_done);
	mem_deref(j);
}
