/**
 * @file api/callbacks.c  Web callbacks: the state machine (seed 000)
 *
 * A client asks, over the web, to be called back (POST /v1/callbacks,
 * callbacks_create.c): it is identified by a phone number, a money
 * account of the tenant, or a user's login and password; the request
 * names the service the call delivers (play a prompt, say a text, bridge
 * to a destination) and, optionally, when (`at`).
 *
 * Each callback is a small state machine owned by this file:
 *
 *   scheduled -> dialing -> in-progress -> completed
 *       |           |  \________________-> busy | no-answer |
 *       |           |                      invalid-number | failed
 *       +-> canceled (DELETE, only while scheduled)
 *
 * Every callback is kept in memory, in the list of this file (loaded
 * from the store at start), and every change goes through cbk_set, which
 * puts it to the store with a growing version.  The row holds all that
 * placing needs: who pays (a text form of the resolved billing,
 * callbacks_billing.c, so a billed callback due after a restart is
 * authorized and billed as asked), the ring time and why it failed.
 * Finished callbacks older than store.callback_keep_days leave the store
 * (the prune job) and the list (a sweep at the same interval).  One
 * timer runs for the earliest scheduled callback; when it fires, every
 * due one is marked dialing, and placed (callbacks_place.c) once that
 * mark is stored: a restart between the two never places it twice (it
 * is failed instead).  A callback that was dialing or in progress when
 * the daemon stopped is failed at the next start.  The call's events
 * move the state on; callback.status events are published on the call.
 *
 * The list is reached only here: GET, GET list and DELETE are answered
 * by this file, the JSON is printed by callbacks_json.c.
 */
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "api.h"
#include "cb_meter.h"
#include "callbacks.h"


static const char *const state_names[CBK_STATE_MAX] = {
	"scheduled", "dialing", "in-progress", "completed", "busy",
	"no-answer", "invalid-number", "failed", "canceled",
};

static struct list cbks;          /* struct cbk, owned, oldest first */
static struct tmr due_tmr;        /* the earliest scheduled callback */
static struct tmr sweep_tmr;      /* finished ones leave, as in store */
static bool running;


static uint64_t now_ms(void)
{
	return call_now_ms();
}


static bool state_final(enum cbk_state s)
{
	return s >= CBK_COMPLETED;
}


static int state_parse(enum cbk_state *sp, const char *name)
{
	for (int i = 0; i < CBK_STATE_MAX; i++) {
		if (!strcmp(state_names[i], name)) {
			*sp = (enum cbk_state)i;
			return 0;
		}
	}
	return EINVAL;
}


static void cbk_destructor(void *arg)
{
	struct cbk *c = arg;

	list_unlink(&c->le);
	mem_deref(c->tts);
	mem_deref(c->req);
	sodium_memzero(c->token, sizeof(c->token));
}


bool cbk_running(void)
{
	return running;
}


const char *cbk_state_name(enum cbk_state s)
{
	return state_names[s];
}


static struct cbk *cbk_find(const char *id)
{
	for (struct le *le = cbks.head; le; le = le->next) {
		struct cbk *c = le->data;

		if (!strcmp(c->row.id, id))
			return c;
	}
	return NULL;
}


static struct cbk *cbk_find_call(const char *call_id)
{
	for (struct le *le = cbks.tail; le; le = le->prev) {
		struct cbk *c = le->data;

		if (c->state == CBK_DIALING || c->state == CBK_IN_PROGRESS) {
			if (!strcmp(c->row.call_id, call_id))
				return c;
		}
	}
	return NULL;
}


/** A new callback, not yet in the list (cbk_add) */
struct cbk *cbk_alloc(void)
{
	return mem_zalloc(sizeof(struct cbk), cbk_destructor);
}


/* ---- persistence ----------------------------------------------------- */

struct put_job {
	struct store_callback row;
	char id[CB_ID_LEN + 1];
	bool place;                   /* place the callback once stored */
};


static int put_work(struct store *st, void *arg)
{
	struct put_job *j = arg;

	return store_callback_put(st, &j->row);
}


static void put_done(int err, void *arg)
{
	struct put_job *j = arg;
	struct cbk *c;

	if (err == ECANCELED || !running)
		goto out;
	if (err)
		log_warn(NULL, "callback=%s not stored (%m)", j->id, err);
	c = cbk_find(j->id);
	if (j->place && c && c->state == CBK_DIALING) {
		if (err) {
			/* placing what is not stored could place it twice */
			c->state = CBK_FAILED;
			str_ncpy(c->row.state, state_names[c->state],
				 sizeof(c->row.state));
		}
		else {
			cbk_place(c);
		}
	}
 out:
	mem_deref(j);
}


static void cbk_publish(struct cbk *c)
{
	struct call *call;
	char json[160];

	if (!c->row.call_id[0])
		return;
	call = call_find(c->row.call_id);
	if (!call)
		return;
	(void)re_snprintf(json, sizeof(json), "\"callback_id\":\"%s\","
			  "\"status\":\"%s\"", c->row.id, c->row.state);
	(void)call_app_publish(call, NULL, "callback.status", json);
}


/* the new state, stored; `place` places the callback once it is */
void cbk_set(struct cbk *c, enum cbk_state s, bool place)
{
	struct put_job *j;

	c->state = s;
	str_ncpy(c->row.state, state_names[s], sizeof(c->row.state));
	c->row.updated_ms = now_ms();
	++c->row.ver;
	log_info(NULL, "callback=%s %s%s%s", c->row.id, c->row.state,
		 c->row.call_id[0] ? " call=" : "", c->row.call_id);
	cbk_publish(c);

	j = mem_zalloc(sizeof(*j), NULL);
	if (!j)
		goto fail;
	j->row = c->row;
	str_ncpy(j->id, c->row.id, sizeof(j->id));
	j->place = place;
	if (store_submit(store_default(), put_work, put_done, j)) {
		mem_deref(j);
		goto fail;
	}
	return;
 fail:
	log_warn(NULL, "callback=%s cannot be stored", c->row.id);
	if (place) {
		c->state = CBK_FAILED;
		str_ncpy(c->row.state, state_names[c->state],
			 sizeof(c->row.state));
	}
}


/* ---- state ------------------------------------------------------------ */

static void schedule(void);


/* the bridge_to of a `bridge` service, else NULL */
const char *cbk_bridge_of(const struct store_callback *r)
{
	return strcmp(r->service, "bridge") ? NULL : r->arg;
}


/* the POST of a billed callback due now gets its answer */
void cbk_answer(struct cbk *c)
{
	struct api_req *req = c->req;

	if (!req)
		return;
	c->req = NULL;
	api_reply_json(req, 201, "%H", cbk_print_h, c);
	mem_deref(req);
}


/* the call ended (or was never placed): its final state, from the cause */
void cbk_end(struct cbk *c, enum leg_cause cause)
{
	enum cbk_state s;

	if (state_final(c->state)) {
		cbk_answer(c);
		return;
	}
	if (c->answered)
		s = CBK_COMPLETED;
	else if (cause == CAUSE_BUSY || cause == CAUSE_REJECTED)
		s = CBK_BUSY;
	else if (cause == CAUSE_NO_ANSWER)
		s = CBK_NO_ANSWER;
	else if (cause == CAUSE_INVALID_NUMBER)
		s = CBK_INVALID_NUMBER;
	else if (cause == CAUSE_CANCELED)
		s = CBK_CANCELED;
	else
		s = CBK_FAILED;
	cbk_set(c, s, false);
	cbk_answer(c);
}


/* why it failed before dialing: shown as its cause, and stored */
void cbk_why(struct cbk *c, const char *why)
{
	str_ncpy(c->row.cause, why, sizeof(c->row.cause));
}


/** A new callback, scheduled: into the list, and the timer re-armed */
void cbk_add(struct cbk *c)
{
	list_append(&cbks, &c->le, c);
	schedule();
}


/* ---- scheduling, events ----------------------------------------------- */

/* every due callback is marked dialing, and placed once that is stored */
static void due_handler(void *arg)
{
	uint64_t now = now_ms();
	(void)arg;

	for (struct le *le = cbks.head; le; le = le->next) {
		struct cbk *c = le->data;

		if (c->state == CBK_SCHEDULED && c->row.due_ms <= now)
			cbk_set(c, CBK_DIALING, true);
	}
	schedule();
}


static bool cbk_due(const void *item, uint64_t *due_ms)
{
	const struct cbk *c = item;

	*due_ms = c->row.due_ms;
	return c->state == CBK_SCHEDULED;
}


/* one timer: for the earliest scheduled callback */
static void schedule(void)
{
	cb_timer_earliest(&due_tmr, &cbks, now_ms(), cbk_due, due_handler);
}


static void event_handler(const struct call_event *ev, void *arg)
{
	struct cbk *c;
	(void)arg;

	if (!ev->call_id || ev->type == CALL_EV_APP)
		return;
	c = cbk_find_call(ev->call_id);
	if (!c)
		return;

	switch (ev->type) {

	case CALL_EV_LEG_STATE:
		if (ev->new_state == LEG_ANSWERED && !c->answered) {
			c->answered = true;
			cbk_set(c, CBK_IN_PROGRESS, false);
		}
		else if (ev->new_state == LEG_ENDED &&
			 c->cause == CAUSE_NONE) {
			c->cause = ev->cause;
		}
		break;

	case CALL_EV_CALL_END:
		cbk_end(c, c->cause != CAUSE_NONE ? c->cause : ev->cause);
		break;

	default:
		break;
	}
}


/* ---- GET, DELETE -------------------------------------------------------- */

static int print_list(struct re_printf *pf, void *arg)
{
	const struct api_req *req = arg;
	unsigned n = 0;
	int err = 0;

	for (struct le *le = cbks.head; le; le = le->next) {
		const struct cbk *c = le->data;

		if (strcmp(c->row.tenant_id, req->who.tenant_id))
			continue;
		err |= re_hprintf(pf, "%s", n++ ? "," : "");
		err |= cbk_print(pf, c);
	}
	return err;
}


/* another tenant's callback is "no such callback" */
static struct cbk *find_own(struct api_req *req)
{
	struct cbk *c = cbk_find(req->param[0]);

	if (c && strcmp(c->row.tenant_id, req->who.tenant_id))
		c = NULL;
	if (!c)
		api_error(req, 404, "not_found", NULL, "no such callback");
	return c;
}


void api_callbacks_get(struct api_req *req)
{
	struct cbk *c = find_own(req);

	if (c)
		api_reply_json(req, 200, "%H", cbk_print_h, c);
}


/** GET /v1/callme/{id}?token=T: the page's view; a wrong token is 404 */
void api_callme_get(struct api_req *req)
{
	char token[CALLME_TOKEN_LEN + 2];
	struct cbk *c = cbk_find(req->param[0]);

	if (api_query_get(req, "token", 0, token, sizeof(token)) ||
	    strlen(token) != CALLME_TOKEN_LEN || !c || !c->token[0] ||
	    sodium_memcmp(token, c->token, CALLME_TOKEN_LEN)) {
		api_error(req, 404, "not_found", NULL, "no such callback");
		return;
	}
	api_reply_json(req, 200, "%H", cbk_print_public_h, c);
}


void api_callbacks_list(struct api_req *req)
{
	api_reply_json(req, 200, "{\"callbacks\":[%H]}", print_list, req);
}


void api_callbacks_delete(struct api_req *req)
{
	struct cbk *c = find_own(req);

	if (!c)
		return;
	if (c->state != CBK_SCHEDULED) {
		api_error(req, 409, "already_placed", NULL,
			  "the callback was placed or has ended");
		return;
	}
	cbk_set(c, CBK_CANCELED, false);
	schedule();
	api_reply_json(req, 200, "%H", cbk_print_h, c);
}


/* ---- subsystem ---------------------------------------------------------- */

/*
 * Finished callbacks last changed more than store.callback_keep_days ago
 * leave the list, by the rule of the store's prune job (which deletes
 * their rows; none while it is off).
 */
static bool cbk_expired(const struct cbk *c, uint64_t now)
{
	const struct cb_config *cfg = api_config();
	uint64_t keep;

	if (!cfg || !cfg->prune_interval_s || !state_final(c->state))
		return false;
	keep = (uint64_t)cfg->callback_keep_days * 86400000;
	return now > keep && c->row.updated_ms < now - keep;
}


static void sweep_handler(void *arg)
{
	uint64_t now = now_ms();
	struct le *le = cbks.head;
	(void)arg;

	while (le) {
		struct cbk *c = le->data;

		le = le->next;
		if (!cbk_expired(c, now))
			continue;
		/* an authorization still out holds a ref of its own */
		list_unlink(&c->le);
		mem_deref(c);
	}
	tmr_start(&sweep_tmr, (uint64_t)api_config()->prune_interval_s * 1000,
		  sweep_handler, NULL);
}


static bool load_handler(const struct store_callback *row, void *arg)
{
	struct cbk *c;
	enum cbk_state s;
	(void)arg;

	if (state_parse(&s, row->state))
		return false;
	c = cbk_alloc();
	if (!c)
		return true;
	c->row = *row;
	c->state = s;
	if (cbk_bill_decode(&c->bill, row->billing)) {
		/* placed unbilled, it would be paid by no one */
		log_warn(NULL, "callback=%s: billing not understood: %s",
			 row->id, row->billing);
		if (s == CBK_SCHEDULED) {
			/* failed below with what was being placed */
			c->state = CBK_DIALING;
			cbk_why(c, "not-authorized");
		}
	}
	list_append(&cbks, &c->le, c);
	return false;
}


int callbacks_init(void)
{
	struct store *st = store_default();
	const struct cb_config *cfg = api_config();
	int err;

	list_init(&cbks);
	tmr_init(&due_tmr);
	tmr_init(&sweep_tmr);
	running = true;
	if (st) {
		err = store_callback_list(st, load_handler, NULL);
		if (err) {
			log_warn(NULL, "callbacks not loaded (%m)", err);
			callbacks_close();
			return err;
		}
	}
	/* what was being placed when the daemon stopped is lost */
	for (struct le *le = cbks.head; le; le = le->next) {
		struct cbk *c = le->data;

		if (c->state == CBK_DIALING || c->state == CBK_IN_PROGRESS)
			cbk_set(c, CBK_FAILED, false);
	}
	err = call_subscribe(event_handler, NULL);
	if (err) {
		callbacks_close();
		return err;
	}
	if (cfg && cfg->prune_interval_s)
		sweep_handler(NULL);
	schedule();
	return 0;
}


/** The wall clock moved (api.debug_clock): re-arm the due timer */
void callbacks_clock_changed(void)
{
	if (running)
		schedule();
}


void callbacks_close(void)
{
	callme_close();
	running = false;
	call_unsubscribe(event_handler, NULL);
	tmr_cancel(&due_tmr);
	tmr_cancel(&sweep_tmr);
	list_flush(&cbks);
}
