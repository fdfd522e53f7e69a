/**
 * @file cc/cc.c  The contact-centre runtime: businesses, the ACD tick
 *
 * The runtime of seed 003 (include/cb_cc.h, docs/acd.md "Runtime").
 * Each business (tenant) has its own ACD instance, because wrap-up time
 * and max no-answer are settings of the business and an ACD's
 * configuration is per instance; each ACD has one queue, the business's.
 * One libre timer (CC_TICK_MS) ticks every ACD (wrap-ups that are due)
 * and dispatches every queue that holds requests, so a request whose
 * skill fallback wait has passed finds any free agent.
 *
 * At start the businesses and agents are loaded from the store
 * (synchronously, before re_main runs; agents start logged out: status
 * lives in memory only), scheduled requests are put back on the due
 * timer and requests that were being placed when the daemon stopped are
 * failed (cause "restart").
 */
#include <string.h>
#include <re.h>
#include "cc.h"

static struct {
	const struct cb_config *cfg;   /* borrowed, the daemon's          */
	struct list bizs;              /* struct cc_biz, owned            */
	struct list reqs;              /* struct cc_req, owned            */
	struct tmr tick;
	bool running;
} rt;


static uint64_t acd_clock(void *arg)
{
	(void)arg;
	return tmr_jiffies();
}


const struct cb_config *cc_config(void)
{
	return rt.cfg;
}


struct list *cc_reqs(void)
{
	return &rt.reqs;
}


/** The wall clock of requests (ms since epoch) */
uint64_t cc_now(void)
{
	return call_now_ms();
}


static void biz_destructor(void *arg)
{
	struct cc_biz *biz = arg;

	list_unlink(&biz->le);
	list_flush(&biz->agents);
	mem_deref(biz->q);
	mem_deref(biz->acd);
}


struct cc_biz *cc_biz_find(const char *tenant)
{
	struct le *le;

	if (!tenant)
		return NULL;
	LIST_FOREACH(&rt.bizs, le) {
		struct cc_biz *biz = le->data;

		if (!strcmp(biz->row.tenant_id, tenant))
			return biz;
	}
	return NULL;
}


static void acd_cfg_of(struct acd_config *c,
		       const struct store_cc_business *b)
{
	memset(c, 0, sizeof(*c));
	c->wrap_ms = b->wrap_s * 1000;
	c->max_noanswer = b->max_noanswer;
	c->retry_ms = CC_RETRY_MS;
}


/** The tenant's runtime entry, made (not configured) if missing */
int cc_biz_get(struct cc_biz **bizp, const char *tenant)
{
	struct acd_config acfg;
	struct cc_biz *biz;
	int err;

	if (!rt.running)
		return ESHUTDOWN;
	if (!str_isset(tenant) || strlen(tenant) > CB_ID_LEN)
		return EINVAL;
	biz = cc_biz_find(tenant);
	if (biz) {
		*bizp = biz;
		return 0;
	}
	biz = mem_zalloc(sizeof(*biz), biz_destructor);
	if (!biz)
		return ENOMEM;
	str_ncpy(biz->row.tenant_id, tenant, sizeof(biz->row.tenant_id));
	biz->row.ring_s = 20;
	acd_cfg_of(&acfg, &biz->row);
	err = acd_alloc(&biz->acd, &acfg, acd_clock, NULL, cc_offer_handler,
			biz);
	if (!err)
		err = acd_queue_alloc(&biz->q, biz->acd, tenant, "main", 0);
	if (err) {
		mem_deref(biz);
		return err;
	}
	list_append(&rt.bizs, &biz->le, biz);
	*bizp = biz;
	return 0;
}


int cc_business_apply(const struct store_cc_business *b)
{
	struct acd_config acfg;
	struct cc_biz *biz;
	int err;

	if (!b)
		return EINVAL;
	err = cc_biz_get(&biz, b->tenant_id);
	if (err)
		return err;
	biz->row = *b;
	biz->configured = true;
	acd_cfg_of(&acfg, b);
	(void)acd_config_set(biz->acd, &acfg);
	acd_queue_fallback_set(biz->q, b->fallback_s * 1000);
	log_info(NULL, "cc business=%s \"%s\": ring %us, fallback %us, "
		 "wrap %us, max no-answer %u", b->tenant_id, b->name,
		 b->ring_s, b->fallback_s, b->wrap_s, b->max_noanswer);
	cc_dispatch(biz);
	return 0;
}


const struct store_cc_business *cc_business(const char *tenant)
{
	const struct cc_biz *biz = cc_biz_find(tenant);

	return biz && biz->configured ? &biz->row : NULL;
}


struct cc_agent *cc_agent_find(const struct cc_biz *biz, const char *id)
{
	struct le *le;

	if (!biz || !id)
		return NULL;
	LIST_FOREACH(&biz->agents, le) {
		struct cc_agent *a = le->data;

		if (!strcmp(a->row.id, id))
			return a;
	}
	return NULL;
}


/*
 * Offer waiting requests to free agents.  The offer handler only arms a
 * timer (offer.c), so nothing re-enters the ACD from inside; the flag
 * guards the rule anyway.
 */
void cc_dispatch(struct cc_biz *biz)
{
	if (!biz || biz->dispatching || !acd_queue_count(biz->q))
		return;
	biz->dispatching = true;
	(void)acd_queue_dispatch(biz->q);
	biz->dispatching = false;
}


static void tick_handler(void *arg)
{
	struct le *le;
	(void)arg;

	LIST_FOREACH(&rt.bizs, le) {
		struct cc_biz *biz = le->data;

		(void)acd_tick(biz->acd);
		cc_dispatch(biz);
	}
	tmr_start(&rt.tick, CC_TICK_MS, tick_handler, NULL);
}


/* ---- start-up ----------------------------------------------------------- */

static bool load_business(const struct store_cc_business *b, void *arg)
{
	int *errp = arg;

	*errp = cc_business_apply(b);
	return *errp != 0;
}


static bool load_agent(const struct store_cc_agent *a, void *arg)
{
	int err = cc_agent_apply(a);
	(void)arg;

	/* one bad row does not stop the others */
	if (err)
		log_warn(NULL, "cc agent=%s not loaded (%m)", a->id, err);
	return false;
}


static int load(struct store *st)
{
	struct le *le;
	int err = 0, herr = 0;

	err = store_cc_business_list(st, load_business, &herr);
	if (!err)
		err = herr;
	if (!err)
		err = store_cc_agent_list(st, NULL, load_agent, NULL);
	LIST_FOREACH(&rt.bizs, le) {
		if (err)
			break;
		err = cc_req_load(le->data);
	}
	return err;
}


int cc_init(const struct cb_config *cfg)
{
	struct store *st = store_default();
	int err;

	if (!cfg)
		return EINVAL;
	memset(&rt, 0, sizeof(rt));
	rt.cfg = cfg;
	list_init(&rt.bizs);
	list_init(&rt.reqs);
	tmr_init(&rt.tick);
	rt.running = true;
	if (st) {
		err = load(st);
		if (err) {
			log_warn(NULL, "contact centre not loaded (%m)", err);
			cc_close();
			return err;
		}
	}
	err = call_subscribe(cc_flow_event, NULL);
	if (err) {
		cc_close();
		return err;
	}
	cc_req_schedule();
	tmr_start(&rt.tick, CC_TICK_MS, tick_handler, NULL);
	log_info(NULL, "contact centre: %u businesses, %u requests",
		 list_count(&rt.bizs), list_count(&rt.reqs));
	return 0;
}


void cc_close(void)
{
	if (!rt.cfg)
		return;
	rt.running = false;
	call_unsubscribe(cc_flow_event, NULL);
	tmr_cancel(&rt.tick);
	cc_req_schedule();
	/* requests first: they hold places in the queues */
	list_flush(&rt.reqs);
	list_flush(&rt.bizs);
	rt.cfg = NULL;
}


/** The wall clock moved (api.debug_clock): re-arm the due timer */
void cc_clock_changed(void)
{
	if (rt.running)
		cc_req_schedule();
}


bool cc_running(void)
{
	return rt.running;
}
