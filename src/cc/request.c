/**
 * @file cc/request.c  Customer call requests: create, store, schedule
 *
 * A request is made by cc_request_create() (the widget's call request
 * message, or the business server's call initiation message), stored at
 * once and then either placed (flow.c) or kept for its desired time: one
 * timer runs for the earliest scheduled request.  cc_req_set() is the
 * one place where a request's status changes: it stores the row with a
 * growing version (a put never replaces a newer row, whatever order the
 * store's workers run in) and publishes an `acd.request` event on the
 * request's call, so the WebSocket and the status webhooks see it.
 *
 * A final request stays in memory CC_LINGER_MS (the widget polls its
 * last status), then only the store has it.  At start, scheduled
 * requests are loaded back, callbacks go back into their queue in the
 * order they were made (so each keeps its place), and those that were
 * being placed are failed.  The skill's level is stored in the skill
 * column ("cruises:7"; level 1 is the bare name).
 */
#include <string.h>
#include <re.h>
#include <sodium.h>
#include "cc.h"

enum {
	LOAD_SINCE_MS = 32ull * 24 * 3600 * 1000,  /* due at most 30 days on */
	LOAD_MAX      = 100000,
	TOKEN_BYTES   = 33,                        /* 44 base64url chars */
};

static struct tmr due_tmr;


static void req_destructor(void *arg)
{
	struct cc_req *r = arg;

	list_unlink(&r->le);
	tmr_cancel(&r->tmr_pos);
	tmr_cancel(&r->tmr_offer);
	tmr_cancel(&r->tmr_linger);
	mem_deref(r->tts);
	mem_deref(r->areq);
	if (r->agent)
		r->agent->req = NULL;
}


struct cc_req *cc_req_find(const char *id)
{
	struct le *le;

	if (!id)
		return NULL;
	LIST_FOREACH(cc_reqs(), le) {
		struct cc_req *r = le->data;

		if (!strcmp(r->row.id, id))
			return r;
	}
	return NULL;
}


bool cc_request_active(const char *id)
{
	return cc_req_find(id) != NULL;
}


/* ---- persistence and events ------------------------------------------- */

static int put_work(struct store *st, void *arg)
{
	return store_cc_request_put(st, arg);
}


static void put_done(int err, void *arg)
{
	struct store_cc_request *row = arg;

	if (err && err != ECANCELED)
		log_warn(NULL, "cc request=%s not stored (%m)", row->id, err);
	mem_deref(row);
}


/** Store the request's row, with the next version */
void cc_req_store(struct cc_req *r)
{
	struct store_cc_request *row;

	r->row.updated_ms = cc_now();
	++r->row.ver;
	row = mem_zalloc(sizeof(*row), NULL);
	if (!row)
		goto fail;
	*row = r->row;
	/* the level rides in the skill column ("cruises:7"); create
	 * checked that it fits */
	(void)cc_skill_encode(row->skill, sizeof(row->skill), r->row.skill,
			      r->level);
	if (store_submit(store_default(), put_work, put_done, row)) {
		mem_deref(row);
		goto fail;
	}
	return;
 fail:
	log_warn(NULL, "cc request=%s cannot be stored", r->row.id);
}


static void publish(struct cc_req *r)
{
	char json[256];

	if (!r->call)
		return;
	(void)re_snprintf(json, sizeof(json), "\"request_id\":\"%s\","
			  "\"status\":\"%s\",\"position\":%u,"
			  "\"agent_id\":%s%s%s", r->row.id, r->row.status,
			  acd_req_position(r->areq),
			  r->row.agent_id[0] ? "\"" : "",
			  r->row.agent_id[0] ? r->row.agent_id : "null",
			  r->row.agent_id[0] ? "\"" : "");
	(void)call_app_publish(r->call, NULL, "acd.request", json);
}


/** The request's new status: stored and published */
void cc_req_set(struct cc_req *r, enum cc_status st)
{
	r->st = st;
	str_ncpy(r->row.status, cc_status_name(st), sizeof(r->row.status));
	log_info(NULL, "cc request=%s %s%s%s%s%s", r->row.id, r->row.status,
		 r->row.call_id[0] ? " call=" : "", r->row.call_id,
		 r->row.agent_id[0] ? " agent=" : "", r->row.agent_id);
	cc_req_store(r);
	publish(r);
}


static void linger_handler(void *arg)
{
	mem_deref(arg);
}


/**
 * A request reaches a final status: its queue place, its agent (freed,
 * or into wrap-up after a call) and its timers go
 */
void cc_req_end(struct cc_req *r, enum cc_status st, const char *cause)
{
	struct cc_agent *a = r->agent;
	bool on_call;

	if (cc_status_final(r->st))
		return;
	on_call = a && acd_agent_state(a->ag) == ACD_AGENT_ON_CALL;
	tmr_cancel(&r->tmr_pos);
	tmr_cancel(&r->tmr_offer);
	r->tts = mem_deref(r->tts);
	/* an offered agent is free again (ACD cancel) */
	r->areq = mem_deref(r->areq);
	r->agent = NULL;
	cc_agent_release(a, on_call);
	if (cause)
		str_ncpy(r->row.cause, cause, sizeof(r->row.cause));
	r->row.ended_ms = cc_now();
	cc_req_set(r, st);
	tmr_start(&r->tmr_linger, CC_LINGER_MS, linger_handler, r);
	if (st == CC_CANCELED)
		cc_req_schedule();
}


/* ---- scheduling ------------------------------------------------------- */

static void due_handler(void *arg)
{
	uint64_t now = cc_now();
	struct le *le;
	(void)arg;

	le = list_head(cc_reqs());
	while (le) {
		struct cc_req *r = le->data;

		le = le->next;
		if (r->st == CC_SCHEDULED && r->row.due_ms <= now)
			cc_flow_start(r);
	}
	cc_req_schedule();
}


static bool req_due(const void *item, uint64_t *due_ms)
{
	const struct cc_req *r = item;

	*due_ms = r->row.due_ms;
	return r->st == CC_SCHEDULED;
}


/** One timer, for the earliest scheduled request */
void cc_req_schedule(void)
{
	if (!cc_running()) {
		tmr_cancel(&due_tmr);
		return;
	}
	cb_timer_earliest(&due_tmr, cc_reqs(), cc_now(), req_due, due_handler);
}


static struct cc_req *req_new(struct cc_biz *biz)
{
	struct cc_req *r = mem_zalloc(sizeof(*r), req_destructor);

	if (!r)
		return NULL;
	r->biz = biz;
	tmr_init(&r->tmr_pos);
	tmr_init(&r->tmr_offer);
	tmr_init(&r->tmr_linger);
	list_append(cc_reqs(), &r->le, r);
	return r;
}


/* ---- create, cancel ------------------------------------------------------ */

static int token_make(char *token, char *hash_hex)
{
	uint8_t raw[TOKEN_BYTES], h[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(token, CC_TOKEN_LEN + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (crypto_generichash(h, sizeof(h), (const uint8_t *)token,
			       strlen(token), NULL, 0))
		return EPROTO;
	sodium_bin2hex(hash_hex, 65, h, sizeof(h));
	return 0;
}


/* a string field: NULL is "", too long is EINVAL */
static int copy(char *dst, size_t sz, const char *src)
{
	if (!src)
		src = "";
	if (strlen(src) >= sz)
		return EINVAL;
	str_ncpy(dst, src, sz);
	return 0;
}


int cc_request_create(const struct cc_request_in *in, char *id,
		      char *token)
{
	struct store_cc_request row;
	uint64_t now = cc_now();
	struct cc_biz *biz;
	struct cc_req *r;
	int err;

	if (!in || !id || !in->customer || !in->tenant)
		return EINVAL;
	if (!cc_running())
		return ESHUTDOWN;
	biz = cc_biz_find(in->tenant);
	if (!biz || !biz->configured)
		return ENOENT;
	memset(&row, 0, sizeof(row));
	if (!call_number_like(in->customer) ||
	    call_number_normalize(row.customer, sizeof(row.customer),
				  in->customer))
		return EINVAL;
	if (in->skill && *in->skill && !cc_skill_valid(in->skill))
		return EINVAL;
	if (in->level > ACD_LEVEL_MAX)
		return EINVAL;
	if (in->skill && *in->skill &&
	    cc_skill_encode(row.skill, sizeof(row.skill), in->skill,
			    in->level))
		return EINVAL;
	if (in->agent_hint && *in->agent_hint &&
	    !cc_agent_find(biz, in->agent_hint))
		return ENOENT;
	err  = copy(row.tenant_id, sizeof(row.tenant_id), in->tenant);
	err |= copy(row.source, sizeof(row.source),
		    in->source ? in->source : "api");
	err |= copy(row.customer_name, sizeof(row.customer_name),
		    in->customer_name);
	err |= copy(row.page_url, sizeof(row.page_url), in->page_url);
	err |= copy(row.page_title, sizeof(row.page_title), in->page_title);
	err |= copy(row.note, sizeof(row.note), in->note);
	err |= copy(row.skill, sizeof(row.skill), in->skill);
	err |= copy(row.agent_hint, sizeof(row.agent_hint), in->agent_hint);
	if (err)
		return EINVAL;

	cb_id_new(row.id, 'q');
	if (token)
		token[0] = '\0';
	if (token && !strcmp(row.source, "widget")) {
		err = token_make(token, row.token_hash);
		if (err)
			return err;
	}
	row.created_ms = now;
	/* the desired time, 0: none (as soon as possible) */
	row.due_ms = in->due_ms > now ? in->due_ms : 0;

	r = req_new(biz);
	if (!r)
		return ENOMEM;
	r->row = row;
	r->level = in->level ? in->level : 1;
	str_ncpy(id, row.id, CB_ID_LEN + 1);
	log_info(NULL, "cc request=%s for %s: customer %s, skill \"%s\"%s%s",
		 row.id, row.tenant_id, row.customer, row.skill,
		 row.agent_hint[0] ? ", agent " : "", row.agent_hint);
	if (in->due_ms > now) {
		cc_req_set(r, CC_SCHEDULED);
		cc_req_schedule();
	}
	else {
		cc_flow_start(r);
	}
	return 0;
}


int cc_request_cancel(const char *tenant, const char *id)
{
	struct cc_req *r = cc_req_find(id);

	if (!r || !tenant || strcmp(r->row.tenant_id, tenant))
		return ENOENT;
	if (r->st != CC_SCHEDULED)
		return EPERM;
	cc_req_end(r, CC_CANCELED, "canceled");
	return 0;
}


/* ---- start-up ------------------------------------------------------------ */

struct load_ctx {
	struct cc_biz *biz;
	struct list lost;             /* struct lost_row: to be failed */
	struct list back;             /* struct cc_req: callbacks, newest
					 first as the store lists them */
};

struct lost_row {
	struct le le;
	struct store_cc_request row;
};


/* a request back from the store; the skill's level from its column */
static struct cc_req *req_reload(struct cc_biz *biz,
				 const struct store_cc_request *row,
				 enum cc_status st)
{
	struct cc_req *r = req_new(biz);
	unsigned level = 1;

	if (!r)
		return NULL;
	r->row = *row;
	r->st = st;
	if (cc_skill_decode(row->skill, r->row.skill, sizeof(r->row.skill),
			    &level)) {
		log_warn(NULL, "cc request=%s: skill \"%s\" not understood, "
			 "none asked", row->id, row->skill);
		r->row.skill[0] = '\0';
	}
	r->level = level;
	return r;
}


static bool load_handler(const struct store_cc_request *row, void *arg)
{
	struct load_ctx *lc = arg;
	enum cc_status st = cc_status_parse(row->status);
	struct lost_row *lr;
	struct cc_req *r;

	if (cc_req_find(row->id))
		return false;
	if (st == CC_SCHEDULED) {
		(void)req_reload(lc->biz, row, st);
		return false;
	}
	if (st == CC_CALLBACK) {
		/* queued in created order once all are read */
		r = req_reload(lc->biz, row, st);
		if (r) {
			list_unlink(&r->le);
			list_prepend(&lc->back, &r->le, r);
		}
		return false;
	}
	if (st >= CC_STATUS_MAX || cc_status_final(st))
		return false;
	/* it was being placed when the daemon stopped: it is lost */
	lr = mem_zalloc(sizeof(*lr), NULL);
	if (!lr)
		return true;
	lr->row = *row;
	list_append(&lc->lost, &lr->le, lr);
	return false;
}


/*
 * The callbacks go back into the business's queue, oldest first, so
 * each keeps its place; they ring an agent first when their turn comes
 */
static void requeue_callbacks(struct load_ctx *lc)
{
	struct le *le;

	while ((le = list_head(&lc->back))) {
		struct cc_req *r = le->data;

		list_unlink(&r->le);
		list_append(cc_reqs(), &r->le, r);
		if (cc_flow_requeue(r)) {
			log_warn(NULL, "cc request=%s not queued again",
				 r->row.id);
			cc_req_end(r, CC_FAILED, "restart");
			continue;
		}
		log_info(NULL, "cc request=%s callback queued again at %u",
			 r->row.id, acd_req_position(r->areq));
	}
}


/** The business's scheduled and callback requests, back from the store */
int cc_req_load(struct cc_biz *biz)
{
	uint64_t now = cc_now();
	struct load_ctx lc;
	struct le *le;
	int err;

	lc.biz = biz;
	list_init(&lc.lost);
	list_init(&lc.back);
	err = store_cc_request_list(store_default(), biz->row.tenant_id,
				    NULL, now > LOAD_SINCE_MS ?
				    now - LOAD_SINCE_MS : 0, LOAD_MAX,
				    load_handler, &lc);
	/* newest first in the list: prepending made it oldest first */
	requeue_callbacks(&lc);
	LIST_FOREACH(&lc.lost, le) {
		struct lost_row *lr = le->data;
		struct store_cc_request *f = &lr->row;

		str_ncpy(f->status, cc_status_name(CC_FAILED),
			 sizeof(f->status));
		str_ncpy(f->cause, "restart", sizeof(f->cause));
		f->ended_ms = f->updated_ms = now;
		++f->ver;
		if (store_cc_request_put(store_default(), f))
			log_warn(NULL, "cc request=%s not failed", f->id);
		else
			log_info(NULL, "cc request=%s failed (restart)",
				 f->id);
	}
	list_flush(&lc.lost);
	return err;
}
