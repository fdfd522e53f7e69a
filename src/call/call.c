/**
 * @file call/call.c  Calls: the registry, legs' home, event publication
 *
 * The module state below is the one owner of every call.  A call lives
 * from call_alloc() until its last leg has ENDED; it is then published as
 * CALL_EV_CALL_END and freed from a timer (call.keep_ended_s later, so API
 * users can read the outcome; never on the stack of the SIP or media
 * callback that ended it).
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "call.h"

struct sub {
	struct le le;
	call_event_h *h;
	void *arg;
};

static struct {
	const struct cb_config *cfg;   /* borrowed, lives in main.c */
	struct hash *calls;            /* struct call, owned         */
	struct list subs;              /* struct sub, owned          */
	uint32_t ncalls, nlegs;
	char tenant_dflt[CB_ID_LEN + 1]; /* owner of calls not made by
					    the API (inbound SIP)     */
} cm;


static uint64_t clock_ahead_ms;   /* the test clock's advance */


/*
 * Wall-clock ms for event and leg timestamps, never going backwards: the
 * host clock may be stepped or slewed, but events published in order must
 * carry ordered times (consumers sort and dedupe by them).  Everything
 * scheduled by the wall clock (callbacks, customer requests) and every
 * meter reads this clock.
 */
uint64_t call_now_ms(void)
{
	static uint64_t last;
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	now += clock_ahead_ms;
	if (now < last)
		now = last;
	last = now;
	return now;
}


/**
 * Move the wall clock of call_now_ms() forward (tests: api.debug_clock).
 * Whoever schedules by that clock must re-arm its timers afterwards.
 */
void call_clock_advance(uint64_t ms)
{
	clock_ahead_ms += ms;
}


const struct cb_config *call_config(void)
{
	return cm.cfg;
}


static void call_destructor(void *arg)
{
	struct call *call = arg;

	tmr_cancel(&call->tmr_free);
	hash_unlink(&call->he);
	list_flush(&call->legs);
	--cm.ncalls;
}


static void leg_destructor(void *arg)
{
	struct leg *leg = arg;

	tmr_cancel(&leg->tmr_ring);
	leg->mixer = mem_deref(leg->mixer);
	leg->sl = mem_deref(leg->sl);
	leg->ep = mem_deref(leg->ep);
	if (leg->on_trunk)
		trunk_release();
	list_unlink(&leg->le);
	--cm.nlegs;
}


int call_alloc(struct call **callp)
{
	struct call *call;

	if (!callp || !cm.calls)
		return EINVAL;

	call = mem_zalloc(sizeof(*call), call_destructor);
	if (!call)
		return ENOMEM;

	cb_id_new(call->id, 'c');
	str_ncpy(call->tenant, cm.tenant_dflt, sizeof(call->tenant));
	call->ts_created = call_now_ms();
	tmr_init(&call->tmr_free);
	hash_append(cm.calls, hash_joaat_str(call->id), &call->he, call);
	++cm.ncalls;

	*callp = call;
	return 0;
}


int leg_alloc(struct leg **legp, struct call *call, bool outbound)
{
	struct leg *leg;
	int err;

	if (!legp || !call || call->ended)
		return EINVAL;

	if (cm.nlegs >= cm.cfg->max_legs)
		return EOVERFLOW;

	leg = mem_zalloc(sizeof(*leg), leg_destructor);
	if (!leg)
		return ENOMEM;

	cb_id_new(leg->id, 'l');
	(void)re_snprintf(leg->ctx, sizeof(leg->ctx), "call=%s leg=%s",
			  call->id, leg->id);
	leg->call = call;
	leg->outbound = outbound;
	leg->ts_created = call_now_ms();
	tmr_init(&leg->tmr_ring);
	list_append(&call->legs, &leg->le, leg);
	++cm.nlegs;

	err = media_ep_alloc(&leg->ep, leg->ctx, leg_media_handler, leg);
	if (err) {
		log_warn(leg->ctx, "no media endpoint (%m)", err);
		mem_deref(leg);
		return err;
	}

	*legp = leg;
	return 0;
}


/*
 * Events are delivered to every subscriber in the order they were
 * published.  A handler may cause new events (the API dials leg B when
 * leg A answers): those are queued and delivered after the current one
 * has reached every subscriber, so no subscriber sees "B calling" before
 * "A answered".  Queued events borrow the same call and leg objects,
 * which live at least until the outermost publication returns.
 */
enum { EVQ_MAX = 256 };

static struct {
	struct call_event q[EVQ_MAX];
	unsigned head, n;
	bool busy;
} evq;


static void deliver(const struct call_event *ev)
{
	struct le *le = list_head(&cm.subs);

	while (le) {
		struct sub *s = le->data;

		le = le->next;   /* a handler may unsubscribe itself */
		s->h(ev, s->arg);
	}
}


/*
 * A queued application event outlives its publisher's strings: it
 * carries copies (mem strings, freed once delivered).
 */
static int app_keep(struct call_event *ev)
{
	char *type = NULL, *json = NULL;

	if (ev->type != CALL_EV_APP)
		return 0;
	if (str_dup(&type, ev->app_type) ||
	    str_dup(&json, ev->app_json ? ev->app_json : "")) {
		mem_deref(type);
		return ENOMEM;
	}
	ev->app_type = type;
	ev->app_json = json;
	return 0;
}


void call_publish(const struct call_event *ev0)
{
	struct call_event ev = *ev0;

	if (ev.call && !ev.call_id)
		ev.call_id = ev.call->id;
	if (ev.leg && !ev.leg_id)
		ev.leg_id = ev.leg->id;
	if (!ev.ts_ms)
		ev.ts_ms = call_now_ms();

	if (evq.busy) {
		if (evq.n < EVQ_MAX && app_keep(&ev) == 0) {
			evq.q[(evq.head + evq.n++) % EVQ_MAX] = ev;
			return;
		}
		log_warn(NULL, "event queue full: delivering out of order");
		deliver(&ev);
		return;
	}

	evq.busy = true;
	deliver(&ev);
	while (evq.n) {
		struct call_event next = evq.q[evq.head];

		evq.head = (evq.head + 1) % EVQ_MAX;
		--evq.n;
		deliver(&next);
		if (next.type == CALL_EV_APP) {
			mem_deref((void *)next.app_type);
			mem_deref((void *)next.app_json);
		}
	}
	evq.busy = false;
}


static void free_handler(void *arg)
{
	struct call *call = arg;

	log_debug(NULL, "call=%s freed", call->id);
	mem_deref(call);
}


static bool all_ended(const struct call *call)
{
	for (struct le *le = call->legs.head; le; le = le->next) {
		const struct leg *leg = le->data;

		if (leg->state != LEG_ENDED)
			return false;
	}
	return true;
}


/** Called by leg_event() after every transition */
void call_leg_changed(struct call *call, struct leg *leg,
		      enum leg_state old)
{
	struct call_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = CALL_EV_LEG_STATE;
	ev.call = call;
	ev.leg = leg;
	ev.old_state = old;
	ev.new_state = leg->state;
	ev.cause = leg->cause;
	ev.sip_status = leg->sip_status;
	call_publish(&ev);

	bridge_on_leg_change(call, leg, old);

	if (call->ended || !all_ended(call))
		return;

	call->ended = true;
	memset(&ev, 0, sizeof(ev));
	ev.type = CALL_EV_CALL_END;
	ev.call = call;
	ev.cause = leg->cause;
	call_publish(&ev);

	log_info(NULL, "call=%s ended", call->id);
	tmr_start(&call->tmr_free, cm.cfg->keep_ended_s * 1000ULL, free_handler,
		  call);
}


/**
 * Publish an event of a subsystem above the call model (the meter's
 * `call.cost`) to every subscriber, in order with the call's own events.
 * json is the event's JSON members without braces; both strings are
 * copied if the event has to wait for the one being delivered.
 */
int call_app_publish(struct call *call, const struct leg *leg,
		     const char *type, const char *json)
{
	struct call_event ev;

	if (!call || !type)
		return EINVAL;
	memset(&ev, 0, sizeof(ev));
	ev.type = CALL_EV_APP;
	ev.call = call;
	ev.leg = leg;
	ev.app_type = type;
	ev.app_json = json ? json : "";
	if (leg)
		ev.new_state = ev.old_state = leg->state;
	call_publish(&ev);
	return 0;
}


int call_hangup(struct call *call, enum leg_cause cause)
{
	struct le *le;

	if (!call)
		return EINVAL;

	le = call->legs.head;
	while (le) {
		struct leg *leg = le->data;

		le = le->next;
		(void)leg_hangup(leg, cause);
	}
	return 0;
}


int call_subscribe(call_event_h *h, void *arg)
{
	struct sub *s;

	if (!h)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), NULL);
	if (!s)
		return ENOMEM;
	s->h = h;
	s->arg = arg;
	list_append(&cm.subs, &s->le, s);
	return 0;
}


void call_unsubscribe(call_event_h *h, void *arg)
{
	for (struct le *le = cm.subs.head; le; le = le->next) {
		struct sub *s = le->data;

		if (s->h == h && s->arg == arg) {
			list_unlink(&s->le);
			mem_deref(s);
			return;
		}
	}
}


static bool id_cmp(struct le *le, void *arg)
{
	const struct call *call = le->data;

	return 0 == strcmp(call->id, arg);
}


struct call *call_find(const char *id)
{
	if (!id || !cm.calls)
		return NULL;
	return list_ledata(hash_lookup(cm.calls, hash_joaat_str(id), id_cmp,
				       (void *)id));
}


struct apply_ctx {
	bool (*h)(struct call *call, void *arg);
	void *arg;
};


static bool apply_handler(struct le *le, void *arg)
{
	struct apply_ctx *ctx = arg;

	return ctx->h(le->data, ctx->arg);
}


int call_list_apply(bool (*h)(struct call *call, void *arg), void *arg)
{
	struct apply_ctx ctx = {h, arg};

	if (!h)
		return EINVAL;
	(void)hash_apply(cm.calls, apply_handler, &ctx);
	return 0;
}


uint32_t call_count(void)
{
	return cm.ncalls;
}


uint32_t call_leg_count(void)
{
	return cm.nlegs;
}


const char *call_id(const struct call *call)
{
	return call ? call->id : NULL;
}


/** The tenant a call belongs to (the API scopes every request by it) */
int call_tenant_set(struct call *call, const char *tenant_id)
{
	if (!call || !tenant_id || strlen(tenant_id) > CB_ID_LEN)
		return EINVAL;
	str_ncpy(call->tenant, tenant_id, sizeof(call->tenant));
	return 0;
}


const char *call_tenant(const struct call *call)
{
	return call ? call->tenant : NULL;
}


/** The tenant of calls that no API request made (inbound SIP calls) */
void call_tenant_default_set(const char *tenant_id)
{
	str_ncpy(cm.tenant_dflt, tenant_id ? tenant_id : "",
		 sizeof(cm.tenant_dflt));
}


struct leg *call_leg(const struct call *call, unsigned idx)
{
	struct le *le;

	if (!call)
		return NULL;
	for (le = call->legs.head; le && idx; le = le->next)
		--idx;
	return le ? le->data : NULL;
}


int call_debug(struct re_printf *pf, const struct call *call)
{
	int err;

	if (!call)
		return 0;
	err = re_hprintf(pf, "call %s legs=%u%s\n", call->id,
			 list_count(&call->legs), call->ended ? " ended" : "");
	for (struct le *le = call->legs.head; le; le = le->next)
		err |= leg_debug(pf, le->data);
	return err;
}


static bool debug_handler(struct le *le, void *arg)
{
	(void)call_debug(arg, le->data);
	return false;
}


int call_list_debug(struct re_printf *pf, void *unused)
{
	(void)unused;
	(void)re_hprintf(pf, "calls=%u legs=%u trunk=%u\n", cm.ncalls,
			 cm.nlegs, trunk_active());
	(void)hash_apply(cm.calls, debug_handler, pf);
	return 0;
}


int call_init(const struct cb_config *cfg)
{
	int err;

	if (!cfg)
		return EINVAL;

	cm.cfg = cfg;
	err = hash_alloc(&cm.calls, 4096);
	if (err)
		return err;

	return route_init();
}


void call_close(void)
{
	route_close();
	if (cm.calls) {
		hash_flush(cm.calls);
		cm.calls = mem_deref(cm.calls);
	}
	list_flush(&cm.subs);
}
