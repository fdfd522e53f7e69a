/**
 * @file conf/conf.c  The conference runtime: registry, create, end, views
 *
 * The runtime of seed 004 (include/cb_conf.h, docs/conference.md).
 * Conferences live in memory, in one list: created by the API with their
 * participants on-hook, ended by the API (everyone hung up in one
 * action) or when the owner leaves if the option says so, then kept
 * CONF_LINGER_MS for the owner's last look and freed.  Nothing is
 * stored: a conference's calls do not survive a restart either.
 *
 * With announce_join, the invitation ("You are being invited to a
 * conference by <owner>...") is synthesized at creation (tts cache), so
 * it is ready when the first participant answers; if it cannot be, the
 * participants join without it.
 *
 * The control token (33 random bytes, base64url) is for the owner's web
 * page: it is shown once, in the creation's answer, and compared in
 * constant time.  The creator (a user's or an API key's id) is the API's
 * too: web sessions must show the token, customers only see their own
 * (conf_access_ok, docs/conference.md "Access").
 */
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "conf.h"
#include "cb_media.h"
#include "cb_tts.h"

static struct {
	const struct cb_config *cfg;   /* borrowed, the daemon's          */
	struct list confs;             /* struct conf, owned              */
	bool running;
} rt;


struct list *conf_list(void)
{
	return &rt.confs;
}


bool conf_running(void)
{
	return rt.running;
}


static void conf_destructor(void *arg)
{
	struct conf *cf = arg;

	tmr_cancel(&cf->tmr_linger);
	conf_money_close(cf);
	list_unlink(&cf->le);
	cf->tts = mem_deref(cf->tts);
	list_flush(&cf->parties);
	cf->mx = mem_deref(cf->mx);
}


struct conf *conf_find(const char *tenant, const char *id)
{
	struct le *le;

	if (!id)
		return NULL;
	LIST_FOREACH(&rt.confs, le) {
		struct conf *cf = le->data;

		if (!strcmp(cf->id, id) &&
		    (!tenant || !strcmp(cf->tenant, tenant)))
			return cf;
	}
	return NULL;
}


struct conf_party *conf_party_find(const struct conf *cf, const char *pid)
{
	struct le *le;

	if (!cf || !pid)
		return NULL;
	LIST_FOREACH(&cf->parties, le) {
		struct conf_party *p = le->data;

		if (!strcmp(p->id, pid))
			return p;
	}
	return NULL;
}


struct conf_party *conf_owner(const struct conf *cf)
{
	struct le *le = cf ? list_head(&cf->parties) : NULL;
	struct conf_party *p = le ? le->data : NULL;

	return p && p->owner ? p : NULL;
}


bool conf_token_ok(const char *id, const char *token)
{
	const struct conf *cf = conf_find(NULL, id);

	if (!cf || !token || strlen(token) != CONF_TOKEN_LEN)
		return false;
	return sodium_memcmp(cf->token, token, CONF_TOKEN_LEN) == 0;
}


int conf_creator_set(const char *tenant, const char *id,
		     const char *creator)
{
	struct conf *cf = conf_find(tenant, id);

	if (!cf)
		return ENOENT;
	if (!str_isset(creator) || strlen(creator) > CB_ID_LEN)
		return EINVAL;
	if (cf->creator[0])
		return EEXIST;
	str_ncpy(cf->creator, creator, sizeof(cf->creator));
	return 0;
}


bool conf_access_ok(const char *tenant, const char *id, const char *creator,
		    const char *token)
{
	const struct conf *cf = str_isset(tenant) ? conf_find(tenant, id)
		: NULL;

	if (!cf)
		return false;
	if (creator && (!cf->creator[0] || strcmp(cf->creator, creator)))
		return false;
	return !token || conf_token_ok(id, token);
}


/* ---- create -------------------------------------------------------------- */

static void said_invitation(int err, const char *path, bool cached,
			    void *arg)
{
	struct conf *cf = arg;
	(void)cached;

	if (err || !path)
		log_warn(NULL, "conf=%s invitation not synthesized (%m): "
			 "participants join without it", cf->id, err);
	else
		str_ncpy(cf->ann, path, sizeof(cf->ann));
	cf->tts = mem_deref(cf->tts);
}


static void invitation_start(struct conf *cf)
{
	const struct conf_party *o = conf_owner(cf);
	char text[CONF_NAME_MAX + 128];

	if (conf_invitation(text, sizeof(text), o && o->name[0] ? o->name
			    : cf->name, cf->opts.confirm_dtmf) ||
	    tts_text_problem(text) ||
	    tts_say(&cf->tts, text, NULL, said_invitation, cf)) {
		cf->tts = NULL;
		log_warn(NULL, "conf=%s invitation cannot be spoken", cf->id);
	}
}


static unsigned count_tenant(const char *tenant)
{
	unsigned n = 0;
	struct le *le;

	LIST_FOREACH(&rt.confs, le) {
		const struct conf *cf = le->data;

		n += !cf->ended && !strcmp(cf->tenant, tenant);
	}
	return n;
}


static int opts_check(struct conf_opts *o, unsigned parties)
{
	if (!o->max_participants)
		o->max_participants = CONF_PARTIES_MAX;
	if (o->max_participants < 2 || o->max_participants > CONF_PARTIES_MAX)
		return EINVAL;
	if (!o->confirm_s)
		o->confirm_s = CONF_CONFIRM_S;
	if (o->confirm_s > 300 || o->ring_timeout_s > 300)
		return EINVAL;
	return parties > o->max_participants ? EOVERFLOW : 0;
}


int conf_create(const char *tenant, const char *name,
		const struct conf_party_in *owner,
		const struct conf_party_in *pv, unsigned pc,
		const struct conf_opts *opts, char *id, char *token)
{
	uint8_t raw[33];
	struct conf_party *p;
	struct conf *cf;
	int err;

	if (!rt.running)
		return ESHUTDOWN;
	if (!str_isset(tenant) || strlen(tenant) > CB_ID_LEN || !owner ||
	    (pc && !pv) || !id || !token ||
	    (name && strlen(name) > CONF_NAME_MAX))
		return EINVAL;
	if (list_count(&rt.confs) >= CONF_MAX ||
	    count_tenant(tenant) >= CONF_MAX / 10)
		return EOVERFLOW;

	cf = mem_zalloc(sizeof(*cf), conf_destructor);
	if (!cf)
		return ENOMEM;
	list_init(&cf->parties);
	tmr_init(&cf->tmr_linger);
	tmr_init(&cf->tmr_cut);
	cf->opts = opts ? *opts : (struct conf_opts){0};
	err = opts_check(&cf->opts, pc + 1);
	if (err)
		goto out;
	cb_id_new(cf->id, 'f');
	str_ncpy(cf->tenant, tenant, sizeof(cf->tenant));
	str_ncpy(cf->name, name ? name : "", sizeof(cf->name));
	cf->created_ms = call_now_ms();
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(cf->token, sizeof(cf->token), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));

	err = media_mixer_alloc(&cf->mx, cf->id);
	if (err)
		goto out;
	err = conf_party_alloc(&p, cf, owner, true);
	for (unsigned i = 0; !err && i < pc; i++)
		err = conf_party_alloc(&p, cf, &pv[i], false);
	if (err)
		goto out;

	list_append(&rt.confs, &cf->le, cf);
	if (cf->opts.announce_join)
		invitation_start(cf);
	str_ncpy(id, cf->id, CB_ID_LEN + 1);
	str_ncpy(token, cf->token, CONF_TOKEN_LEN + 1);
	log_info(NULL, "conf=%s tenant=%s created: %u participants, max %u",
		 cf->id, tenant, list_count(&cf->parties),
		 cf->opts.max_participants);
	return 0;
 out:
	mem_deref(cf);
	return err;
}


/* ---- end --------------------------------------------------------------- */

static void linger_handler(void *arg)
{
	struct conf *cf = arg;

	log_debug(NULL, "conf=%s freed", cf->id);
	mem_deref(cf);
}


/** The conference ends: everyone is hung up, in one action */
void conf_finish(struct conf *cf)
{
	struct le *le;

	if (!cf || cf->ended)
		return;
	cf->ended = true;
	cf->ended_ms = call_now_ms();
	cf->tts = mem_deref(cf->tts);
	LIST_FOREACH(&cf->parties, le)
		(void)conf_party_hangup(le->data, "conference-ended");
	log_info(NULL, "conf=%s ended", cf->id);
	tmr_start(&cf->tmr_linger, CONF_LINGER_MS, linger_handler, cf);
	conf_money_call_ended(cf);    /* settles once every call is gone */
}


int conf_end(const char *tenant, const char *id)
{
	struct conf *cf = conf_find(tenant, id);

	if (!cf)
		return ENOENT;
	if (cf->ended)
		return EALREADY;
	conf_finish(cf);
	return 0;
}


/* ---- participants ------------------------------------------------------- */

int conf_party_add(const char *tenant, const char *id,
		   const struct conf_party_in *in, char *pid)
{
	struct conf *cf = conf_find(tenant, id);
	struct conf_party *p;
	int err;

	if (!cf)
		return ENOENT;
	if (cf->ended)
		return EALREADY;
	if (list_count(&cf->parties) >= cf->opts.max_participants)
		return EOVERFLOW;
	err = conf_party_alloc(&p, cf, in, false);
	if (err)
		return err;
	if (pid)
		str_ncpy(pid, p->id, CONF_PID_LEN + 1);
	return 0;
}


static int party_change(struct conf_party *p,
			const struct conf_party_change *ch)
{
	bool live = conf_party_live(p);
	int err = 0;

	/* refusals first: nothing changes then */
	if (ch->target && live)
		return EBUSY;
	if (ch->action && !strcmp(ch->action, "dial") &&
	    (live || p->cf->ended))
		return p->cf->ended ? EALREADY : EBUSY;
	if (ch->action && !strcmp(ch->action, "hangup") && !live)
		return EBUSY;
	if (ch->hold >= 0 && (!p->leg || p->st != CONF_CONNECTED))
		return EBUSY;
	if (ch->action && !strcmp(ch->action, "dial")) {
		err = conf_money_can_dial(p, ch->target ? ch->target
					  : p->target);
		if (err)
			return err;
	}

	if (ch->name)
		str_ncpy(p->name, ch->name, sizeof(p->name));
	if (ch->target)
		str_ncpy(p->target, ch->target, sizeof(p->target));
	if (ch->mute >= 0)
		p->muted = ch->mute;
	if (ch->deaf >= 0)
		p->deaf = ch->deaf;
	if (ch->hold >= 0 && (bool)ch->hold != p->held) {
		err = leg_hold(p->leg, ch->hold);
		if (!err)
			p->held = ch->hold;
	}
	conf_party_media(p);
	if (!err && ch->action && !strcmp(ch->action, "dial"))
		err = conf_party_dial(p);
	else if (!err && ch->action && !strcmp(ch->action, "hangup"))
		err = conf_party_hangup(p, "hangup");
	if (!err && (ch->mute >= 0 || ch->deaf >= 0 || ch->hold >= 0) &&
	    !ch->action)
		conf_party_set(p, p->st);   /* the flags are news too */
	return err;
}


int conf_party_update(const char *tenant, const char *id, const char *pid,
		      const struct conf_party_change *ch)
{
	struct conf *cf = conf_find(tenant, id);
	struct conf_party *p = conf_party_find(cf, pid);

	if (!p || !ch)
		return ENOENT;
	if (ch->action && strcmp(ch->action, "dial") &&
	    strcmp(ch->action, "hangup"))
		return EINVAL;
	return party_change(p, ch);
}


/* ---- views ------------------------------------------------------------- */

static int opts_json(struct re_printf *pf, const struct conf_opts *o)
{
	return re_hprintf(pf, "{\"announce_join\":%s,\"confirm_dtmf\":%s,"
			  "\"end_when_owner_leaves\":%s,"
			  "\"max_participants\":%u,\"confirm_s\":%u,"
			  "\"ring_timeout_s\":%u,\"billing_required\":%s}",
			  o->announce_join ? "true" : "false",
			  o->confirm_dtmf ? "true" : "false",
			  o->end_when_owner_leaves ? "true" : "false",
			  o->max_participants, o->confirm_s,
			  o->ring_timeout_s,
			  o->billing_required ? "true" : "false");
}


static int conf_json(struct re_printf *pf, const struct conf *cf)
{
	const struct conf_party *o = conf_owner(cf);
	struct le *le;
	unsigned connected = 0;
	int err;

	LIST_FOREACH(&cf->parties, le) {
		const struct conf_party *p = le->data;

		connected += p->stage == CONF_STAGE_IN;
	}
	err = re_hprintf(pf, "{\"id\":\"%s\",\"name\":%H,\"status\":\"%s\","
			 "\"owner\":%H,\"created_ms\":%llu,\"ended_ms\":",
			 cf->id, conf_json_str, cf->name,
			 cf->ended ? "ended" : "active", conf_json_str,
			 o ? o->id : NULL, cf->created_ms);
	err |= cf->ended ? re_hprintf(pf, "%llu", cf->ended_ms)
			 : re_hprintf(pf, "null");
	err |= re_hprintf(pf, ",\"in_conference\":%u,\"options\":%H,"
			  "\"talking_supported\":true,\"cost\":%H,"
			  "\"billing\":%H,\"participants\":[", connected,
			  opts_json, &cf->opts, conf_money_cost_json, cf,
			  conf_money_json, cf);
	LIST_FOREACH(&cf->parties, le) {
		err |= re_hprintf(pf, "%s%H", le == cf->parties.head ? "" : ",",
				  conf_party_json, le->data);
	}
	err |= re_hprintf(pf, "]}");
	return err;
}


int conf_print(struct re_printf *pf, const char *tenant, const char *id)
{
	const struct conf *cf = conf_find(tenant, id);

	return cf ? conf_json(pf, cf) : ENOENT;
}


int conf_party_print(struct re_printf *pf, const char *tenant,
		     const char *id, const char *pid)
{
	const struct conf_party *p = conf_party_find(conf_find(tenant, id),
						     pid);

	return p ? conf_party_json(pf, p) : ENOENT;
}


int conf_list_print(struct re_printf *pf, const char *tenant,
		    const char *creator)
{
	bool first = true;
	struct le *le;
	int err;

	err = re_hprintf(pf, "{\"conferences\":[");
	LIST_FOREACH(&rt.confs, le) {
		const struct conf *cf = le->data;

		if ((tenant && strcmp(cf->tenant, tenant)) ||
		    (creator && strcmp(cf->creator, creator)))
			continue;
		err |= re_hprintf(pf, "%s%H", first ? "" : ",", conf_json,
				  cf);
		first = false;
	}
	err |= re_hprintf(pf, "]}");
	return err;
}


/* ---- subsystem ---------------------------------------------------------- */

int conf_init(const struct cb_config *cfg)
{
	int err;

	if (!cfg)
		return EINVAL;
	memset(&rt, 0, sizeof(rt));
	rt.cfg = cfg;
	list_init(&rt.confs);
	err = call_subscribe(conf_party_event, NULL);
	if (err)
		return err;
	rt.running = true;
	return 0;
}


void conf_close(void)
{
	if (!rt.cfg)
		return;
	rt.running = false;
	call_unsubscribe(conf_party_event, NULL);
	list_flush(&rt.confs);
	rt.cfg = NULL;
}
