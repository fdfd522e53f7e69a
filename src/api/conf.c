/**
 * @file api/conf.c  /v1/conferences: the dial-out bridge (seed 004)
 *
 * Twilio-like resources over the conference runtime (src/conf/,
 * include/cb_conf.h, docs/conference.md).  A conference is created with
 * its owner and participants, all on-hook, and an unguessable control
 * token (for the owner's web page); nothing is dialed until a PATCH of a
 * participant says {"action": "dial"}, in whatever order the owner
 * chooses.  GET shows the live status of every participant.
 *
 * Every route is scoped to the caller's tenant: another tenant's
 * conference is answered as missing (404).  Customers may use them too,
 * and a conference remembers who created it (a user's or an API key's
 * id).  The access rule (api_conf_access, docs/conference.md "Access"):
 * an API key of the tenant (server to server) may use any of its
 * conferences; a request with a web session must also show the
 * conference's control token in X-Conference-Token, and a customer only
 * sees and lists the conferences it created.  A refusal is the 404 of a
 * missing conference, so ids cannot be probed.  Input is checked completely
 * before anything changes: a refused request changes nothing.  A dial of
 * a billed conference whose number is not rated yet is answered once the
 * meter has rated it and grown the hold (party_rate); the money routes
 * are in conf_money.c.
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_conf.h"
#include "cb_meter.h"

/** The participants of a creation, borrowed from the body */
struct conf_body {
	struct conf_party_in owner;
	struct conf_party_in pv[CONF_PARTIES_MAX];
	char targets[CONF_PARTIES_MAX + 1][CONF_TARGET_MAX + 1];
	unsigned pc;
	struct conf_opts opts;
	const char *name;
};


static bool text_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}


/* a name: absent/null, or 1..CONF_NAME_MAX bytes of text */
static bool name_parse(struct api_req *req, const struct odict *o,
		       const char *field, const char **vp)
{
	const struct odict_entry *e = o ? odict_lookup(o, "name") : NULL;

	*vp = NULL;
	if (!e || e->type == ODICT_NULL)
		return true;
	if (e->type != ODICT_STRING || !e->u.str[0] ||
	    strlen(e->u.str) > CONF_NAME_MAX || !text_ok(e->u.str)) {
		api_error(req, 400, "invalid_field", field,
			  "a name: 1 to 80 characters, no control "
			  "characters");
		return false;
	}
	*vp = e->u.str;
	return true;
}


/* a softphone user's name (sip.user): letters, digits, . _ - */
static bool user_like(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 32 || !((*s >= 'a' && *s <= 'z') ||
			      (*s >= 'A' && *s <= 'Z')))
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
		      *s == '-'))
			return false;
	}
	return true;
}


/*
 * A number (normalized to E.164), a sip:/sips: URI or a softphone user's
 * name (its registered devices ring, like POST /v1/calls) into out;
 * false (answered 400 invalid_number) if it is none of them.  Only
 * numbers are rated: URIs and users cost nothing.
 */
static bool target_parse(struct api_req *req, const struct odict_entry *e,
			 const char *field, char *out, size_t sz)
{
	const char *s = e && e->type == ODICT_STRING ? e->u.str : NULL;
	struct uri uri;
	struct pl pl;

	if (s && (!strncmp(s, "sip:", 4) || !strncmp(s, "sips:", 5)) &&
	    strlen(s) < sz && text_ok(s) && !strchr(s, ' ')) {
		pl_set_str(&pl, s);
		if (!uri_decode(&uri, &pl) && pl_isset(&uri.host)) {
			str_ncpy(out, s, sz);
			return true;
		}
	}
	else if (s && strlen(s) <= 32 && call_number_like(s) &&
		 !call_number_normalize(out, sz, s)) {
		return true;
	}
	else if (s && user_like(s) && strlen(s) < sz) {
		str_ncpy(out, s, sz);
		return true;
	}
	api_error(req, 400, "invalid_number", field,
		  "a phone number (E.164 like +15551234567, or national), "
		  "a sip: URI or a softphone user's name");
	return false;
}


/* {name?, number} of a participant */
static bool party_parse(struct api_req *req, const struct odict_entry *e,
			const char *field, struct conf_party_in *in,
			char *target)
{
	char f[48];

	if (!e || e->type != ODICT_OBJECT) {
		api_error(req, 400, "invalid_field", field,
			  "{name?, number}: number is a phone number or a "
			  "sip: URI");
		return false;
	}
	(void)re_snprintf(f, sizeof(f), "%s.name", field);
	if (!name_parse(req, e->u.odict, f, &in->name))
		return false;
	(void)re_snprintf(f, sizeof(f), "%s.number", field);
	if (!target_parse(req, odict_lookup(e->u.odict, "number"), f, target,
			  CONF_TARGET_MAX + 1))
		return false;
	in->target = target;
	return true;
}


static bool bool_opt(struct api_req *req, const struct odict *o,
		     const char *key, const char *field, bool *vp)
{
	const struct odict_entry *e = odict_lookup(o, key);

	if (!e || e->type == ODICT_NULL)
		return true;
	if (e->type != ODICT_BOOL) {
		api_error(req, 400, "invalid_field", field, "true or false");
		return false;
	}
	*vp = e->u.boolean;
	return true;
}


static bool uint_opt(struct api_req *req, const struct odict *o,
		     const char *key, const char *field, uint32_t lo,
		     uint32_t hi, uint32_t *vp)
{
	const struct odict_entry *e = odict_lookup(o, key);
	char msg[64];

	if (!e || e->type == ODICT_NULL)
		return true;
	if (e->type != ODICT_INT || e->u.integer < lo || e->u.integer > hi) {
		(void)re_snprintf(msg, sizeof(msg), "an integer from %u to "
				  "%u", lo, hi);
		api_error(req, 400, "invalid_field", field, msg);
		return false;
	}
	*vp = (uint32_t)e->u.integer;
	return true;
}


static bool opts_parse(struct api_req *req, struct conf_opts *o)
{
	const struct odict_entry *e = odict_lookup(req->body, "options");
	const struct odict *od;

	memset(o, 0, sizeof(*o));
	if (!e || e->type == ODICT_NULL)
		return true;
	if (e->type != ODICT_OBJECT) {
		api_error(req, 400, "invalid_field", "options",
			  "{announce_join?, confirm_dtmf?, "
			  "end_when_owner_leaves?, max_participants?, "
			  "confirm_s?, ring_timeout_s?}");
		return false;
	}
	od = e->u.odict;
	return bool_opt(req, od, "announce_join", "options.announce_join",
			&o->announce_join) &&
		bool_opt(req, od, "confirm_dtmf", "options.confirm_dtmf",
			 &o->confirm_dtmf) &&
		bool_opt(req, od, "end_when_owner_leaves",
			 "options.end_when_owner_leaves",
			 &o->end_when_owner_leaves) &&
		uint_opt(req, od, "max_participants",
			 "options.max_participants", 2, CONF_PARTIES_MAX,
			 &o->max_participants) &&
		uint_opt(req, od, "confirm_s", "options.confirm_s", 3, 300,
			 &o->confirm_s) &&
		uint_opt(req, od, "ring_timeout_s", "options.ring_timeout_s",
			 1, 300, &o->ring_timeout_s) &&
		bool_opt(req, od, "billing_required",
			 "options.billing_required", &o->billing_required);
}


static bool body_parse(struct api_req *req, struct conf_body *b)
{
	const struct odict_entry *e;
	const struct le *le;
	char f[32];

	if (!name_parse(req, req->body, "name", &b->name) ||
	    !party_parse(req, odict_lookup(req->body, "owner"), "owner",
			 &b->owner, b->targets[0]) ||
	    !opts_parse(req, &b->opts))
		return false;

	e = odict_lookup(req->body, "participants");
	if (!e || e->type == ODICT_NULL)
		return true;
	if (e->type != ODICT_ARRAY) {
		api_error(req, 400, "invalid_field", "participants",
			  "an array of {name?, number}");
		return false;
	}
	LIST_FOREACH(&e->u.odict->lst, le) {
		const struct odict_entry *pe = le->data;

		if (b->pc + 1 >= (b->opts.max_participants ?
				  b->opts.max_participants :
				  CONF_PARTIES_MAX)) {
			api_error(req, 422, "too_many_participants",
				  "participants", "more participants than "
				  "max_participants (the owner counts)");
			return false;
		}
		(void)re_snprintf(f, sizeof(f), "participants[%u]", b->pc);
		if (!party_parse(req, pe, f, &b->pv[b->pc],
				 b->targets[b->pc + 1]))
			return false;
		++b->pc;
	}
	return true;
}


/* ---- replies ------------------------------------------------------------ */

static int mb_write(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


/* the runtime's view: a conference, or one participant if pid */
void api_conf_reply_view(struct api_req *req, uint16_t scode, const char *id,
		       const char *pid, const char *token)
{
	struct mbuf *mb = mbuf_alloc(1024);
	struct re_printf pf = {mb_write, mb};
	int err;

	if (!mb) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	if (token)
		(void)mbuf_printf(mb, "{\"token\":\"%s\",\"conference\":",
				  token);
	err = pid ? conf_party_print(&pf, req->who.tenant_id, id, pid)
		  : conf_print(&pf, req->who.tenant_id, id);
	if (token)
		(void)mbuf_printf(mb, "}");
	if (err == ENOENT)
		api_error(req, 404, "not_found", NULL, pid ?
			  "no such participant in this conference" :
			  "no such conference");
	else if (err)
		api_error(req, 500, "internal", NULL, "cannot print");
	else
		api_reply_json(req, scode, "%b", mb->buf, mb->end);
	mem_deref(mb);
}


void api_conf_runtime_error(struct api_req *req, int err)
{
	switch (err) {

	case EACCES:
		api_error(req, 402, "payment_required", NULL,
			  "the conference must be pre-authorized first: "
			  "POST /v1/conferences/{id}/authorize");
		break;
	case EPERM:
		api_error(req, 402, "credit_exhausted", NULL,
			  "the pre-authorized amount is used up");
		break;
	case ENOENT:
		api_error(req, 404, "not_found", NULL, "no such conference "
			  "or participant");
		break;
	case EALREADY:
		api_error(req, 409, "ended", NULL,
			  "the conference has ended");
		break;
	case EBUSY:
		api_error(req, 409, "conflict", NULL, "not in this "
			  "participant's status: dial and number while "
			  "on-hook (or ended), hang up and hold while on a "
			  "call");
		break;
	case EOVERFLOW:
		api_error(req, 422, "too_many_participants", NULL,
			  "the conference (or the tenant) is full");
		break;
	case EINVAL:
		api_error(req, 400, "invalid_request", NULL,
			  "invalid conference options");
		break;
	case ESHUTDOWN:
		api_error(req, 503, "unavailable", NULL, "shutting down");
		break;
	default:
		api_error(req, 500, "internal", NULL, "conference error");
		break;
	}
}


/* ---- access ------------------------------------------------------------- */

/* whose conferences a principal may see: NULL all of the tenant's, or
 * the creator id of a customer's own */
static const char *who_creator(const struct cb_principal *who)
{
	if (who->role != CB_ROLE_CUSTOMER)
		return NULL;
	return who->kind == CB_AUTH_KEY ? who->key_id : who->user_id;
}


/**
 * May the caller use the conference req->param[0]?  If not, it is
 * answered 404 not_found -- missing, another tenant's, another
 * customer's, or a web session without the conference's token in
 * X-Conference-Token (compared in constant time): all alike.
 */
bool api_conf_access(struct api_req *req)
{
	char token[CONF_TOKEN_LEN + 1] = "";
	const struct http_hdr *h;
	bool ok;

	if (req->who.kind == CB_AUTH_KEY) {
		ok = conf_access_ok(req->who.tenant_id, req->param[0],
				    who_creator(&req->who), NULL);
	}
	else {
		h = http_msg_xhdr(req->msg, "X-Conference-Token");
		if (h && h->val.l == CONF_TOKEN_LEN)
			(void)pl_strcpy(&h->val, token, sizeof(token));
		ok = req->who.kind == CB_AUTH_SESSION &&
			conf_access_ok(req->who.tenant_id, req->param[0],
				       who_creator(&req->who), token);
	}
	if (!ok)
		api_error(req, 404, "not_found", NULL, "no such conference");
	return ok;
}


/* ---- routes -------------------------------------------------------------- */

/** POST /v1/conferences */
void api_conf_create(struct api_req *req)
{
	char id[CB_ID_LEN + 1] = "", token[CONF_TOKEN_LEN + 1];
	struct conf_body *b;
	int err;

	if (!api_need_body(req, "{owner: {name?, number}, participants?, "
			   "options?, name?}"))
		return;
	b = mem_zalloc(sizeof(*b), NULL);
	if (!b) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!body_parse(req, b))
		goto out;
	err = conf_create(req->who.tenant_id, b->name, &b->owner, b->pv,
			  b->pc, &b->opts, id, token);
	if (!err)
		err = conf_creator_set(req->who.tenant_id, id,
				       req->who.kind == CB_AUTH_KEY ?
				       req->who.key_id : req->who.user_id);
	if (err) {
		if (id[0])               /* created, but nobody's */
			(void)conf_end(req->who.tenant_id, id);
		api_conf_runtime_error(req, err);
		goto out;
	}
	api_conf_reply_view(req, 201, id, NULL, token);
 out:
	mem_deref(b);
}


/** GET /v1/conferences: the tenant's conferences in memory (a
 *  customer's: its own) */
void api_conf_list(struct api_req *req)
{
	struct mbuf *mb = mbuf_alloc(1024);
	struct re_printf pf = {mb_write, mb};

	if (!mb || conf_list_print(&pf, req->who.tenant_id,
				   who_creator(&req->who))) {
		api_error(req, 500, "internal", NULL, "cannot print");
		mem_deref(mb);
		return;
	}
	api_reply_json(req, 200, "%b", mb->buf, mb->end);
	mem_deref(mb);
}


/** GET /v1/conferences/{id} */
void api_conf_get(struct api_req *req)
{
	if (!api_conf_access(req))
		return;
	api_conf_reply_view(req, 200, req->param[0], NULL, NULL);
}


/** DELETE /v1/conferences/{id}, POST /v1/conferences/{id}/end */
void api_conf_end(struct api_req *req)
{
	int err;

	if (!api_conf_access(req))
		return;
	err = conf_end(req->who.tenant_id, req->param[0]);
	if (err && err != EALREADY) {
		api_conf_runtime_error(req, err);
		return;
	}
	api_conf_reply_view(req, 200, req->param[0], NULL, NULL);
}


/** POST /v1/conferences/{id}/participants {name?, number} */
void api_conf_party_add(struct api_req *req)
{
	char target[CONF_TARGET_MAX + 1], pid[CONF_PID_LEN + 1];
	struct conf_party_in in;
	struct odict_entry e;
	int err;

	if (!api_conf_access(req))
		return;
	if (!api_need_body(req, "{name?, number}"))
		return;
	memset(&in, 0, sizeof(in));
	memset(&e, 0, sizeof(e));
	e.type = ODICT_OBJECT;
	e.u.odict = req->body;
	if (!party_parse(req, &e, "participant", &in, target))
		return;
	err = conf_party_add(req->who.tenant_id, req->param[0], &in, pid);
	if (err) {
		api_conf_runtime_error(req, err);
		return;
	}
	api_conf_reply_view(req, 201, req->param[0], pid, NULL);
}


static bool tri_parse(struct api_req *req, const char *key, int *vp)
{
	bool v = false;
	const struct odict_entry *e = odict_lookup(req->body, key);

	*vp = -1;
	if (!e || e->type == ODICT_NULL)
		return true;
	if (!bool_opt(req, req->body, key, key, &v))
		return false;
	*vp = v;
	return true;
}


/* a dial of a billed conference whose number is not rated yet: rate it
 * (the hold grows), then the same PATCH again */
struct rate_job {
	struct api_req *req;                 /* mem_ref'd: owns the body */
	struct conf_party_change ch;
	char target[CONF_TARGET_MAX + 1];
};


static void rate_job_destructor(void *arg)
{
	struct rate_job *j = arg;

	mem_deref(j->req);
}


static void party_rated(const struct meter_refusal *r, void *arg)
{
	struct rate_job *j = arg;
	struct api_req *req = j->req;
	int err;

	if (r->err) {
		api_conf_refusal(req, r);
		goto out;
	}
	err = conf_party_update(req->who.tenant_id, req->param[0],
				req->param[1], &j->ch);
	if (err)
		api_conf_runtime_error(req, err == EAGAIN ? EIO : err);
	else
		api_conf_reply_view(req, 200, req->param[0], req->param[1],
				    NULL);
 out:
	mem_deref(j);
}


static void party_rate(struct api_req *req,
		       const struct conf_party_change *ch)
{
	struct rate_job *j = mem_zalloc(sizeof(*j), rate_job_destructor);
	int err;

	if (!j) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	j->req = mem_ref(req);
	j->ch = *ch;
	if (ch->target) {
		str_ncpy(j->target, ch->target, sizeof(j->target));
		j->ch.target = j->target;
	}
	err = conf_party_rate(req->who.tenant_id, req->param[0],
			      req->param[1], j->ch.target, party_rated, j);
	if (err == EINPROGRESS)
		return;
	if (!err) {                  /* rated meanwhile: dial now */
		struct meter_refusal ok = {0, NULL, NULL, NULL};

		party_rated(&ok, j);
		return;
	}
	api_conf_runtime_error(req, err);
	mem_deref(j);
}


/** PATCH /v1/conferences/{id}/participants/{p} */
void api_conf_party_update(struct api_req *req)
{
	char target[CONF_TARGET_MAX + 1];
	struct conf_party_change ch;
	const struct odict_entry *e;
	int err;

	if (!api_conf_access(req))
		return;
	if (!api_need_body(req, "{action?: dial|hangup, mute?, deaf?, "
			   "hold?, number?, name?}"))
		return;
	memset(&ch, 0, sizeof(ch));
	e = odict_lookup(req->body, "action");
	if (e && e->type != ODICT_NULL) {
		if (e->type != ODICT_STRING || (strcmp(e->u.str, "dial") &&
						strcmp(e->u.str, "hangup"))) {
			api_error(req, 400, "invalid_field", "action",
				  "\"dial\" or \"hangup\"");
			return;
		}
		ch.action = e->u.str;
	}
	if (!tri_parse(req, "mute", &ch.mute) ||
	    !tri_parse(req, "deaf", &ch.deaf) ||
	    !tri_parse(req, "hold", &ch.hold) ||
	    !name_parse(req, req->body, "name", &ch.name))
		return;
	e = odict_lookup(req->body, "number");
	if (e && e->type != ODICT_NULL) {
		if (!target_parse(req, e, "number", target, sizeof(target)))
			return;
		ch.target = target;
	}
	err = conf_party_update(req->who.tenant_id, req->param[0],
				req->param[1], &ch);
	if (err == EAGAIN) {
		party_rate(req, &ch);
		return;
	}
	if (err) {
		api_conf_runtime_error(req, err);
		return;
	}
	api_conf_reply_view(req, 200, req->param[0], req->param[1], NULL);
}


/** DELETE /v1/conferences/{id}/participants/{p}: hang up one */
void api_conf_party_hangup(struct api_req *req)
{
	struct conf_party_change ch;
	int err;

	if (!api_conf_access(req))
		return;
	memset(&ch, 0, sizeof(ch));
	ch.mute = ch.deaf = ch.hold = -1;
	ch.action = "hangup";
	err = conf_party_update(req->who.tenant_id, req->param[0],
				req->param[1], &ch);
	if (err) {
		api_conf_runtime_error(req, err);
		return;
	}
	api_conf_reply_view(req, 200, req->param[0], req->param[1], NULL);
}
