/**
 * @file api/cc_agents.c  /v1/contact/agents: a business's agents
 *
 * An agent is who the ACD rings for a customer: a name, an endpoint (a
 * softphone account of sip.user, which rings its registrations; an
 * E.164 number through the trunk, for remote or home agents; or a sip:
 * URI), up to 7 skills with levels 1-9 ({"cruises": 7}), and optionally
 * the web login (a user of the tenant with role agent) that opens the
 * agent console.  One login belongs to at most one agent (409).
 *
 * Managers only: an operator or API key sees and changes the agents of
 * its own tenant, another tenant's agent is "no such agent" (404); an
 * admin sees every tenant's and adds to ?tenant=ID|NAME.  Each change
 * is stored on a store worker, then applied to the runtime on the main
 * thread (cc_agent_apply(), cc_agent_remove(), src/cc/), and every
 * agent shown carries its live state from the runtime ("live":
 * cc_agent_print(), null if the runtime does not know it).
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_acd.h"
#include "cb_cc.h"

/* the ACD keeps one skill slot of each agent for its own id (path b) */
enum {
	SKILLS_MAX = ACD_SKILL_MAX - 1,
	SKILL_NAME_MAX = ACD_NAME_MAX - 1,
	ENDPOINT_MAX = ACD_ENDPT_MAX - 1,
	LIST_MAX = 1000,
};

/* which fields a body set (PATCH changes only those) */
enum {
	F_NAME = 1 << 0, F_ENDPOINT = 1 << 1, F_SKILLS = 1 << 2,
	F_USER = 1 << 3,
};

struct agent_row {
	struct le le;
	struct store_cc_agent a;
};

struct agent_job {
	struct api_job a;                 /* first: caller, path id */
	char tenant[STORE_NAME_MAX];      /* ?tenant=, "" = own/any */
	struct store_cc_agent in;         /* the body's fields */
	char login[STORE_NAME_MAX];       /* "login" instead of user_id */
	unsigned set;                     /* F_* of the body */
	struct store_cc_agent ag;         /* the agent, as stored */
	struct list rows;                 /* a list's agents */
	uint32_t n;
	const char *bad;                  /* worker: field refused (EINVAL) */
	const char *bad_msg;
};


static void job_wipe(struct api_job *a)
{
	struct agent_job *j = (struct agent_job *)a;

	list_flush(&j->rows);
}


/* ---- JSON ----------------------------------------------------------- */

/* "cruises:7,flights:3" as {"cruises":7,"flights":3} */
static int json_skills(struct re_printf *pf, const char *s)
{
	struct pl rest, name, lvl;
	int err = re_hprintf(pf, "{");
	bool first = true;

	pl_set_str(&rest, s);
	while (!re_regex(rest.p, rest.l, "[a-z0-9_\\-]+:[0-9]+", &name,
			 &lvl)) {
		err |= re_hprintf(pf, "%s\"%r\":%u", first ? "" : ",", &name,
				  pl_u32(&lvl));
		first = false;
		pl_advance(&rest, (size_t)(lvl.p + lvl.l - rest.p));
	}
	return err | re_hprintf(pf, "}");
}


static int mb_write(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


/* the runtime's view, aside first: on failure, null */
static int json_live(struct re_printf *pf, const struct store_cc_agent *a)
{
	struct mbuf *mb = mbuf_alloc(512);
	struct re_printf mpf = {mb_write, mb};
	int err;

	if (mb && !cc_agent_print(&mpf, a->tenant_id, a->id) && mb->end)
		err = re_hprintf(pf, "%b", mb->buf, mb->end);
	else
		err = re_hprintf(pf, "null");
	mem_deref(mb);
	return err;
}


static int json_agent(struct re_printf *pf, const struct store_cc_agent *a)
{
	return re_hprintf(pf, "{\"id\":%H,\"tenant_id\":%H,\"name\":%H,"
			  "\"endpoint\":%H,\"user_id\":%H,\"skills\":%H,"
			  "\"created_ms\":%llu,\"updated_ms\":%llu,"
			  "\"live\":%H}",
			  api_json_str, a->id, api_json_str, a->tenant_id,
			  api_json_str, a->name, api_json_str, a->endpoint,
			  api_json_str, a->user_id, json_skills, a->skills,
			  (unsigned long long)a->created_ms,
			  (unsigned long long)a->updated_ms, json_live, a);
}


/* ---- reading a body ------------------------------------------------- */

static bool sip_user(const char *name)
{
	const struct cb_config *cfg = api_config();

	for (uint32_t i = 0; i < cfg->userc; i++) {
		if (!strcmp(cfg->users[i].name, name))
			return true;
	}
	return false;
}


/* a sip.user name, an E.164 number (normalized) or a sip: URI */
static bool endpoint_read(struct api_req *req, char *ep, size_t sz)
{
	const char *msg = "a softphone account (sip.user), an E.164 number "
		"or a sip: URI";
	char e164[24];

	if (!ep[0] || strlen(ep) > ENDPOINT_MAX)
		return api_field_bad(req, "endpoint", msg);
	if (sip_user(ep))
		return true;
	if (call_number_like(ep)) {
		if (call_number_normalize(e164, sizeof(e164), ep))
			return api_field_bad(req, "endpoint", msg);
		str_ncpy(ep, e164, sz);
		return true;
	}
	for (const unsigned char *p = (const unsigned char *)ep; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>' ||
		    *p == '"')
			return api_field_bad(req, "endpoint", msg);
	}
	if (!strncmp(ep, "sip:", 4) && ep[4] && ep[4] != '@')
		return true;
	return api_field_bad(req, "endpoint", msg);
}


static bool skill_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > SKILL_NAME_MAX)
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return false;
	}
	return true;
}


/* {"cruises": 7} into "cruises:7,..." */
static bool skills_read(struct api_req *req, char *out, size_t sz)
{
	const struct odict_entry *e = odict_lookup(req->body, "skills");
	const char *msg = "an object of at most 7 skills: names of 1-31 "
		"a-z 0-9 _ -, levels 1 to 9";
	struct le *le;
	size_t len = 0;

	out[0] = '\0';
	if (e->type != ODICT_OBJECT ||
	    odict_count(e->u.odict, false) > SKILLS_MAX)
		return api_field_bad(req, "skills", msg);
	LIST_FOREACH(&e->u.odict->lst, le) {
		const struct odict_entry *s = le->data;
		int n;

		if (!skill_name_ok(s->key) || s->type != ODICT_INT ||
		    s->u.integer < 1 || s->u.integer > 9)
			return api_field_bad(req, "skills", msg);
		n = re_snprintf(out + len, sz - len, "%s%s:%d",
				len ? "," : "", s->key, (int)s->u.integer);
		if (n < 0)
			return api_field_bad(req, "skills", msg);
		len += (size_t)n;
	}
	return true;
}


static bool keys_known(struct api_req *req)
{
	static const char *const known[] = {
		"name", "endpoint", "skills", "user_id", "login",
		/* what GET shows and a write ignores */
		"id", "tenant_id", "created_ms", "updated_ms", "live",
	};

	return api_body_known(req, known, ARRAY_SIZE(known),
			      "not a field of an agent");
}


/* the body's fields into j->in, j->set; create: name, endpoint needed */
static bool body_read(struct api_req *req, struct agent_job *j,
		      bool create)
{
	struct store_cc_agent *in = &j->in;
	const struct odict *b;

	if (!api_need_body(req, "send the agent as a JSON object") ||
	    !keys_known(req) ||
	    !api_field_str(req, "name", in->name, sizeof(in->name), create) ||
	    !api_field_str(req, "endpoint", in->endpoint,
			   sizeof(in->endpoint), create) ||
	    !api_field_str(req, "user_id", in->user_id, sizeof(in->user_id),
			   false) ||
	    !api_field_str(req, "login", j->login, sizeof(j->login), false))
		return false;

	b = req->body;
	if (odict_lookup(b, "name")) {
		j->set |= F_NAME;
		for (const unsigned char *p = (unsigned char *)in->name; *p;
		     p++) {
			if (*p < 0x20 || *p == 0x7f)
				return api_field_bad(req, "name",
						     "1 to 80 characters");
		}
		if (!in->name[0])
			return api_field_bad(req, "name", "1 to 80 characters");
	}
	if (odict_lookup(b, "endpoint")) {
		j->set |= F_ENDPOINT;
		if (!endpoint_read(req, in->endpoint, sizeof(in->endpoint)))
			return false;
	}
	if (odict_lookup(b, "skills")) {
		j->set |= F_SKILLS;
		if (!skills_read(req, in->skills, sizeof(in->skills)))
			return false;
	}
	if (odict_lookup(b, "user_id") && odict_lookup(b, "login"))
		return api_field_bad(req, "login",
				     "give user_id or login, not both");
	if (odict_lookup(b, "user_id") || odict_lookup(b, "login"))
		j->set |= F_USER;
	return true;
}


/* ---- worker: the agent's login -------------------------------------- */

struct login_find {
	const char *user_id;
	const char *self;
	bool taken;
};


static bool taken_h(const struct store_cc_agent *a, void *arg)
{
	struct login_find *f = arg;

	if (!strcmp(a->user_id, f->user_id) && strcmp(a->id, f->self))
		f->taken = true;
	return f->taken;
}


static int fail(struct agent_job *j, const char *field, const char *msg)
{
	j->bad = field;
	j->bad_msg = msg;
	return EINVAL;
}


/*
 * j->ag's login from the body (user_id or login): a user of its tenant
 * with the role agent, no other agent's.  EINVAL (j->bad), EEXIST.
 */
static int user_check(struct store *st, struct agent_job *j)
{
	const char *field = j->login[0] ? "login" : "user_id";
	struct login_find f;
	struct store_user u;
	int err;

	if (!(j->set & F_USER))
		return 0;
	if (!j->login[0] && !j->in.user_id[0]) {
		j->ag.user_id[0] = '\0';
		return 0;
	}
	if (j->login[0])
		err = store_user_find_login(st, &u, j->login);
	else
		err = store_user_get(st, &u, j->in.user_id);
	if (err == ENOENT || (!err && strcmp(u.tenant_id, j->ag.tenant_id)))
		return fail(j, field, "no such user in the agent's tenant");
	if (err)
		return err;
	if (strcmp(u.role, auth_role_name(CB_ROLE_AGENT)))
		return fail(j, field, "the user's role must be agent");

	f.user_id = u.id;
	f.self = j->ag.id;
	f.taken = false;
	err = store_cc_agent_list(st, j->ag.tenant_id, taken_h, &f);
	if (err)
		return err;
	if (f.taken)
		return EEXIST;
	str_ncpy(j->ag.user_id, u.id, sizeof(j->ag.user_id));
	return 0;
}


static void body_apply(struct agent_job *j)
{
	if (j->set & F_NAME)
		str_ncpy(j->ag.name, j->in.name, sizeof(j->ag.name));
	if (j->set & F_ENDPOINT)
		str_ncpy(j->ag.endpoint, j->in.endpoint,
			 sizeof(j->ag.endpoint));
	if (j->set & F_SKILLS)
		str_ncpy(j->ag.skills, j->in.skills, sizeof(j->ag.skills));
}


/* ---- worker: finding the path's agent ------------------------------- */

static bool find_h(const struct store_cc_agent *a, void *arg)
{
	struct agent_job *j = arg;

	if (strcmp(a->id, j->a.id))
		return false;
	j->ag = *a;
	j->n = 1;
	return true;
}


/* the path's agent into j->ag, if the caller sees it (else ENOENT) */
static int agent_load(struct store *st, struct agent_job *j)
{
	struct store_tenant t;
	int err;

	if (j->tenant[0] || !j->a.admin) {
		err = api_job_tenant(&j->a, st, &t, j->tenant);
		if (err == EACCES)
			return ENOENT;
		if (err)
			return err;
		return store_cc_agent_get(st, t.id, j->a.id, &j->ag);
	}
	/* an admin without ?tenant=: any tenant's */
	err = store_cc_agent_list(st, NULL, find_h, j);
	if (err)
		return err;
	return j->n ? 0 : ENOENT;
}


/* ---- completion ----------------------------------------------------- */

static void done_reply(int err, struct agent_job *j, uint16_t scode,
		       const char *verb)
{
	struct api_req *req = j->a.req;

	switch (err) {

	case 0:
		log_info(NULL, "agent %s (%s) of %s %s by %s%s", j->ag.id,
			 j->ag.name, j->ag.tenant_id, verb, req->who.user_id,
			 req->who.key_id);
		api_reply_json(req, scode, "{%s\"agent\":%H}",
			       strcmp(verb, "deleted") ? "" :
			       "\"deleted\":true,", json_agent, &j->ag);
		break;
	case EINVAL:
		(void)api_field_bad(req, j->bad ? j->bad : "agent",
				    j->bad_msg ? j->bad_msg : "invalid");
		break;
	case ENOENT:
		api_error(req, 404, "not_found", NULL, "no such agent");
		break;
	case EEXIST:
		api_error(req, 409, "exists", j->login[0] ? "login" :
			  "user_id", "this login is another agent's");
		break;
	default:
		api_job_tenant_error(req, err, "you may add agents to your "
				     "own tenant only");
		break;
	}
}


static void apply_log(int err, const struct store_cc_agent *a)
{
	if (err)
		log_warn(NULL, "agent %s stored, not applied: %m", a->id,
			 err);
}


/* ---- create --------------------------------------------------------- */

static int create_work(struct store *st, void *arg)
{
	struct agent_job *j = arg;
	struct store_tenant t;
	int err = api_job_tenant(&j->a, st, &t, j->tenant);

	if (err)
		return err;
	str_ncpy(j->ag.tenant_id, t.id, sizeof(j->ag.tenant_id));
	cb_id_new(j->ag.id, 'g');
	body_apply(j);
	err = user_check(st, j);
	if (err)
		return err;
	return store_cc_agent_put(st, &j->ag);
}


static void create_done(int err, void *arg)
{
	struct agent_job *j = arg;

	if (err == ECANCELED)
		return;
	if (!err)
		apply_log(cc_agent_apply(&j->ag), &j->ag);
	done_reply(err, j, 201, "created");
}


void api_cc_agents_create(struct api_req *req)
{
	struct agent_job *j = api_job_alloc(req, sizeof(*j), job_wipe);

	if (j && api_cc_tenant_query(req, j->tenant, sizeof(j->tenant)) &&
	    body_read(req, j, true)) {
		j->ag.created_ms = j->ag.updated_ms = call_now_ms();
		(void)api_store_submit(req, j, create_work, create_done);
	}
	mem_deref(j);
}


/* ---- get, update, delete -------------------------------------------- */

static int get_work(struct store *st, void *arg)
{
	return agent_load(st, arg);
}


static void get_done(int err, void *arg)
{
	struct agent_job *j = arg;

	if (err == ECANCELED)
		return;
	if (err)
		done_reply(err, j, 200, "");
	else
		api_reply_json(j->a.req, 200, "{\"agent\":%H}", json_agent,
			       &j->ag);
}


static int update_work(struct store *st, void *arg)
{
	struct agent_job *j = arg;
	uint64_t now = j->ag.updated_ms;
	int err = agent_load(st, j);

	if (err)
		return err;
	body_apply(j);
	err = user_check(st, j);
	if (err)
		return err;
	j->ag.updated_ms = now;
	return store_cc_agent_put(st, &j->ag);
}


static void update_done(int err, void *arg)
{
	struct agent_job *j = arg;

	if (err == ECANCELED)
		return;
	if (!err)
		apply_log(cc_agent_apply(&j->ag), &j->ag);
	done_reply(err, j, 200, "changed");
}


static int delete_work(struct store *st, void *arg)
{
	struct agent_job *j = arg;
	int err = agent_load(st, j);

	if (err)
		return err;
	return store_cc_agent_delete(st, j->ag.tenant_id, j->ag.id);
}


static void delete_done(int err, void *arg)
{
	struct agent_job *j = arg;

	if (err == ECANCELED)
		return;
	if (!err) {
		err = cc_agent_remove(j->ag.tenant_id, j->ag.id);
		if (err && err != ENOENT)
			log_warn(NULL, "agent %s deleted, still in the "
				 "runtime: %m", j->ag.id, err);
		err = 0;
	}
	done_reply(err, j, 200, "deleted");
}


static struct agent_job *path_job(struct api_req *req)
{
	struct agent_job *j = api_job_alloc(req, sizeof(*j), job_wipe);

	if (j && api_job_path_id(&j->a, "no such agent") &&
	    api_cc_tenant_query(req, j->tenant, sizeof(j->tenant)))
		return j;
	return mem_deref(j);
}


void api_cc_agents_get(struct api_req *req)
{
	struct agent_job *j = path_job(req);

	if (j)
		(void)api_store_submit(req, j, get_work, get_done);
	mem_deref(j);
}


void api_cc_agents_update(struct api_req *req)
{
	struct agent_job *j = path_job(req);

	if (j && body_read(req, j, false)) {
		j->ag.updated_ms = call_now_ms();
		(void)api_store_submit(req, j, update_work, update_done);
	}
	mem_deref(j);
}


void api_cc_agents_delete(struct api_req *req)
{
	struct agent_job *j = path_job(req);

	if (j)
		(void)api_store_submit(req, j, delete_work, delete_done);
	mem_deref(j);
}


/* ---- list ----------------------------------------------------------- */

static bool list_h(const struct store_cc_agent *a, void *arg)
{
	struct agent_job *j = arg;
	struct agent_row *r = mem_zalloc(sizeof(*r), NULL);

	if (!r)
		return true;
	r->a = *a;
	list_append(&j->rows, &r->le, r);
	return ++j->n >= LIST_MAX;
}


static int list_work(struct store *st, void *arg)
{
	struct agent_job *j = arg;
	struct store_tenant t;
	const char *scope = NULL;
	int err;

	if (j->tenant[0] || !j->a.admin) {
		err = api_job_tenant(&j->a, st, &t, j->tenant);
		if (err)
			return err;
		scope = t.id;
	}
	return store_cc_agent_list(st, scope, list_h, j);
}


static int json_rows(struct re_printf *pf, const struct list *rows)
{
	struct le *le;
	int err = 0;

	LIST_FOREACH(rows, le) {
		const struct agent_row *r = le->data;

		err |= re_hprintf(pf, "%s%H", le == rows->head ? "" : ",",
				  json_agent, &r->a);
	}
	return err;
}


static void list_done(int err, void *arg)
{
	struct agent_job *j = arg;

	if (err == ECANCELED)
		return;
	if (err)
		api_job_tenant_error(j->a.req, err, "you may see your own "
				     "tenant only");
	else
		api_reply_json(j->a.req, 200, "{\"agents\":[%H]}", json_rows,
			       &j->rows);
}


void api_cc_agents_list(struct api_req *req)
{
	struct agent_job *j = api_job_alloc(req, sizeof(*j), job_wipe);

	if (j && api_cc_tenant_query(req, j->tenant, sizeof(j->tenant)))
		(void)api_store_submit(req, j, list_work, list_done);
	mem_deref(j);
}
