/**
 * @file cc/agent.c  Agents of the contact centre: settings and status
 *
 * An agent is a row of the store (the routes keep it) and, here, an ACD
 * agent of its business's ACD with its skills.  Every agent also has the
 * skill "@<agent id>" at level 1: a request that names an agent (entry
 * path b, the business's server chose the representative) asks for that
 * skill, so the ACD routes it to that agent, or to any agent once the
 * business's fallback wait has passed.  That leaves CC_SKILLS_MAX skills
 * for the business's own.
 *
 * Status (available, break, logged-out, wrap-done) is kept in memory
 * only: every agent starts logged out.  The ACD's acd_agent_event() is
 * the one writer; this file maps the console's words onto its events
 * and refuses what is illegal with EPERM.
 */
#include <string.h>
#include <re.h>
#include "cc.h"

struct wrap_job {
	char tenant[CB_ID_LEN + 1];
	char id[CB_ID_LEN + 1];
	char notes[STORE_CC_TEXT_MAX];
};


static void agent_destructor(void *arg)
{
	struct cc_agent *a = arg;

	list_unlink(&a->le);
	if (a->req)
		a->req->agent = NULL;
	mem_deref(a->ag);
}


static int skills_set(struct cc_agent *a, const char *skills)
{
	char namev[CC_SKILLS_MAX][ACD_NAME_MAX];
	char oldv[CC_SKILLS_MAX][ACD_NAME_MAX];
	unsigned levelv[CC_SKILLS_MAX], oldlv[CC_SKILLS_MAX];
	unsigned n = 0, oldn = 0;
	int err;

	err = cc_skills_parse(skills, namev, levelv, CC_SKILLS_MAX, &n);
	if (err)
		return err;
	/* the old skills the new string does not have go */
	if (!cc_skills_parse(a->row.skills, oldv, oldlv, CC_SKILLS_MAX,
			     &oldn)) {
		for (unsigned i = 0; i < oldn; i++)
			(void)acd_agent_skill_set(a->ag, oldv[i], 0);
	}
	for (unsigned i = 0; i < n; i++) {
		err = acd_agent_skill_set(a->ag, namev[i], levelv[i]);
		if (err)
			return err;
	}
	return 0;
}


/** Check a skills string without applying it */
static bool skills_ok(const char *skills)
{
	char namev[CC_SKILLS_MAX][ACD_NAME_MAX];
	unsigned levelv[CC_SKILLS_MAX], n;

	return !cc_skills_parse(skills, namev, levelv, CC_SKILLS_MAX, &n);
}


int cc_agent_apply(const struct store_cc_agent *in)
{
	char own[ACD_NAME_MAX];
	struct cc_biz *biz;
	struct cc_agent *a;
	int err;

	if (!in || !str_isset(in->id) || strlen(in->id) > CB_ID_LEN ||
	    !str_isset(in->endpoint) ||
	    strlen(in->endpoint) >= ACD_ENDPT_MAX || !skills_ok(in->skills))
		return EINVAL;
	err = cc_biz_get(&biz, in->tenant_id);
	if (err)
		return err;

	a = cc_agent_find(biz, in->id);
	if (a) {
		err = skills_set(a, in->skills);
		if (!err)
			a->row = *in;
		return err;
	}

	a = mem_zalloc(sizeof(*a), agent_destructor);
	if (!a)
		return ENOMEM;
	a->biz = biz;
	err = acd_agent_alloc(&a->ag, biz->acd, in->id, in->tenant_id,
			      in->endpoint);
	if (err)
		goto out;
	(void)re_snprintf(own, sizeof(own), "@%s", in->id);
	err = acd_agent_skill_set(a->ag, own, 1);
	if (!err)
		err = skills_set(a, in->skills);
	if (err)
		goto out;
	a->row = *in;
	list_append(&biz->agents, &a->le, a);
	log_info(NULL, "cc agent=%s of %s at %s, skills \"%s\"", in->id,
		 in->tenant_id, in->endpoint, in->skills);
	return 0;
 out:
	mem_deref(a);
	return err;
}


int cc_agent_remove(const char *tenant, const char *agent_id)
{
	struct cc_agent *a = cc_agent_find(cc_biz_find(tenant), agent_id);

	if (!a)
		return ENOENT;
	if (a->req) {
		/* offered or on a call: it goes when that ends */
		a->removed = true;
		return 0;
	}
	mem_deref(a);
	return 0;
}


/**
 * The agent's request ended (the call is over, or the offer went away):
 * a removed agent goes now
 */
void cc_agent_release(struct cc_agent *a, bool hangup)
{
	if (!a)
		return;
	if (a->req)
		str_ncpy(a->last_req, a->req->row.id, sizeof(a->last_req));
	a->req = NULL;
	if (hangup) {
		(void)acd_agent_event(a->ag, ACD_EV_HANGUP);
		a->wrap_until_j = tmr_jiffies() + a->biz->row.wrap_s * 1000;
	}
	if (a->removed)
		mem_deref(a);
}


static int status_event(enum acd_agent_ev *evp, enum acd_agent_state st,
			const char *want)
{
	if (!strcmp(want, "available")) {
		switch (st) {
		case ACD_AGENT_LOGGED_OUT: *evp = ACD_EV_LOGIN; return 0;
		case ACD_AGENT_BREAK:      *evp = ACD_EV_READY; return 0;
		case ACD_AGENT_WRAP_UP:    *evp = ACD_EV_WRAP_DONE; return 0;
		case ACD_AGENT_AVAILABLE:  return EALREADY;
		default:                   return EPERM;
		}
	}
	if (!strcmp(want, "break")) {
		switch (st) {
		case ACD_AGENT_AVAILABLE:
		case ACD_AGENT_WRAP_UP:    *evp = ACD_EV_BREAK; return 0;
		case ACD_AGENT_BREAK:      return EALREADY;
		default:                   return EPERM;
		}
	}
	if (!strcmp(want, "logged-out")) {
		switch (st) {
		case ACD_AGENT_AVAILABLE:
		case ACD_AGENT_WRAP_UP:
		case ACD_AGENT_BREAK:      *evp = ACD_EV_LOGOUT; return 0;
		case ACD_AGENT_LOGGED_OUT: return EALREADY;
		default:                   return EPERM;
		}
	}
	if (!strcmp(want, "wrap-done")) {
		if (st != ACD_AGENT_WRAP_UP)
			return EPERM;
		*evp = ACD_EV_WRAP_DONE;
		return 0;
	}
	return EINVAL;
}


int cc_agent_status_set(const char *tenant, const char *agent_id,
			const char *status)
{
	struct cc_agent *a = cc_agent_find(cc_biz_find(tenant), agent_id);
	enum acd_agent_ev ev;
	int err;

	if (!status)
		return EINVAL;
	if (!a || a->removed)
		return ENOENT;
	err = status_event(&ev, acd_agent_state(a->ag), status);
	if (err == EALREADY)
		return 0;
	if (err)
		return err;
	err = acd_agent_event(a->ag, ev);
	if (err)
		return err;
	log_info(NULL, "cc agent=%s %s", a->row.id,
		 acd_agent_state_name(acd_agent_state(a->ag)));
	if (acd_agent_state(a->ag) == ACD_AGENT_AVAILABLE)
		cc_dispatch(a->biz);
	return 0;
}


int cc_agent_hangup(const char *tenant, const char *agent_id)
{
	struct cc_agent *a = cc_agent_find(cc_biz_find(tenant), agent_id);

	if (!a)
		return ENOENT;
	if (!a->req || !a->req->agl)
		return ENOENT;
	return leg_hangup(a->req->agl, CAUSE_NORMAL);
}


static int wrap_work(struct store *st, void *arg)
{
	struct wrap_job *j = arg;
	struct store_cc_request r;
	int err;

	err = store_cc_request_get(st, j->tenant, j->id, &r);
	if (err)
		return err;
	str_ncpy(r.wrap_notes, j->notes, sizeof(r.wrap_notes));
	r.updated_ms = cc_now();
	++r.ver;
	return store_cc_request_put(st, &r);
}


static void wrap_done(int err, void *arg)
{
	struct wrap_job *j = arg;

	if (err && err != ECANCELED)
		log_warn(NULL, "cc request=%s wrap-up notes not stored (%m)",
			 j->id, err);
	mem_deref(j);
}


int cc_agent_wrapup(const char *tenant, const char *agent_id,
		    const char *notes, char *req_id, size_t sz)
{
	struct cc_agent *a = cc_agent_find(cc_biz_find(tenant), agent_id);
	struct wrap_job *j;
	struct cc_req *r;
	const char *id;

	if (!notes || strlen(notes) >= STORE_CC_TEXT_MAX)
		return EINVAL;
	if (!a)
		return ENOENT;
	/* the request on the line, else the last one */
	id = a->req ? a->req->row.id : a->last_req;
	if (!*id)
		return ENOENT;
	if (req_id)
		str_ncpy(req_id, id, sz);
	r = cc_req_find(id);
	if (r) {
		str_ncpy(r->row.wrap_notes, notes, sizeof(r->row.wrap_notes));
		cc_req_store(r);
		return 0;
	}
	j = mem_zalloc(sizeof(*j), NULL);
	if (!j)
		return ENOMEM;
	str_ncpy(j->tenant, tenant, sizeof(j->tenant));
	str_ncpy(j->id, id, sizeof(j->id));
	str_ncpy(j->notes, notes, sizeof(j->notes));
	if (store_submit(store_default(), wrap_work, wrap_done, j)) {
		mem_deref(j);
		return ENOMEM;
	}
	return 0;
}


int cc_agent_of_user(const char *tenant, const char *user_id, char *id,
		     size_t sz)
{
	const struct cc_biz *biz = cc_biz_find(tenant);
	struct le *le;

	if (!id || !sz || !user_id)
		return EINVAL;
	id[0] = '\0';
	if (!biz || !*user_id)
		return 0;
	LIST_FOREACH(&biz->agents, le) {
		const struct cc_agent *a = le->data;

		if (!a->removed && !strcmp(a->row.user_id, user_id)) {
			str_ncpy(id, a->row.id, sz);
			break;
		}
	}
	return 0;
}
