/**
 * @file api/webhook.c  Status callbacks: signed, ordered, retried
 *
 * POST /v1/calls with `status_callback` registers the URL for the call
 * (webhook_call_set(), before the first leg is dialed so that its first
 * event is not missed).  Every event of the call is rendered once, with a
 * fresh event_id, into the outbox under the call id; the URL is forgotten
 * when the call ends, its queued deliveries are not.
 *
 * The outbox persists each item before it may be sent (outbox.c) and
 * reloads the pending ones at start-up; their keys come back through
 * ready_handler(), which wakes the key's lane.
 * A *lane* per call with pending items sends them one at a time, in
 * order (a lane whose oldest item is not yet ready waits, idle), with libre's asynchronous HTTP client: a 2xx acknowledges the
 * item and the next one goes; anything else (error, timeout, non-2xx) is
 * retried after webhook_backoff_ms() until api.webhook_retries retries
 * have failed, then the item is logged and dropped so the lane moves on.
 * Each attempt is signed anew (webhook_sign()) with its own timestamp.
 *
 * A call without a status_callback gets its tenant's webhook URL, if the
 * tenant has one: the first event of such a call registers the URL for
 * the call like a status_callback (a later change of the tenant's URL
 * does not split a call between two receivers).  The tenants' URLs are
 * kept here in memory, loaded from the store at start and updated by
 * webhook_tenant_set() when the API changes a tenant (src/api/tenants.c).
 *
 * Events that belong to no call (an agent's wrap-up form for the
 * business's server, seed 003 steps 612-616) go to the tenant's URL
 * through webhook_tenant_post(): the same outbox, signature and retries,
 * in a lane keyed by the tenant id, so one tenant's events arrive in the
 * order they were posted.
 */
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <re.h>
#include "api.h"

enum { URL_MAX = 256 };

struct hook {
	struct le le;
	char call_id[CB_ID_LEN + 1];
	char *url;
};

/* a tenant with a webhook URL */
struct tenant_url {
	struct le le;
	char tenant_id[CB_ID_LEN + 1];
	char *url;
};

struct lane {
	struct le le;
	char key[CB_ID_LEN + 1];
	struct http_req *req;     /* in flight, NULL otherwise */
	struct tmr tmr;           /* back-off before a retry   */
	uint64_t item_id;         /* the item in flight        */
};

static struct {
	struct http_cli *cli;     /* owned */
	struct list hooks;        /* struct hook: calls with a URL */
	struct list lanes;        /* struct lane: keys with items  */
	struct list tenants;      /* struct tenant_url             */
	char secret[128];
	uint32_t retries;
	uint32_t retry_ms;
	bool subscribed;
} wh;


static void lane_send(struct lane *l);


static void hook_destructor(void *arg)
{
	struct hook *h = arg;

	list_unlink(&h->le);
	mem_deref(h->url);
}


static void lane_destructor(void *arg)
{
	struct lane *l = arg;

	list_unlink(&l->le);
	tmr_cancel(&l->tmr);
	mem_deref(l->req);
}


static struct hook *hook_find(const char *call_id)
{
	for (struct le *le = wh.hooks.head; le; le = le->next) {
		struct hook *h = le->data;

		if (!strcmp(h->call_id, call_id))
			return h;
	}
	return NULL;
}


static void tenant_url_destructor(void *arg)
{
	struct tenant_url *tu = arg;

	list_unlink(&tu->le);
	mem_deref(tu->url);
}


static struct tenant_url *tenant_url_find(const char *tenant_id)
{
	for (struct le *le = wh.tenants.head; le; le = le->next) {
		struct tenant_url *tu = le->data;

		if (!strcmp(tu->tenant_id, tenant_id))
			return tu;
	}
	return NULL;
}


static struct lane *lane_find(const char *key)
{
	for (struct le *le = wh.lanes.head; le; le = le->next) {
		struct lane *l = le->data;

		if (!strcmp(l->key, key))
			return l;
	}
	return NULL;
}


/** An absolute http:// or https:// URL without spaces or controls */
bool webhook_url_valid(const char *url)
{
	size_t n, s;

	if (!url)
		return false;
	n = strlen(url);
	if (!strncasecmp(url, "https://", 8))
		s = 8;
	else if (!strncasecmp(url, "http://", 7))
		s = 7;
	else
		return false;
	if (n > URL_MAX || n <= s || url[s] == '/' || url[s] == ':')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c <= 0x20 || c >= 0x7f)
			return false;
	}
	return true;
}


/** Deliver the events of call_id to url from now on */
int webhook_call_set(const char *call_id, const char *url)
{
	struct hook *h;
	int err;

	if (!call_id || !webhook_url_valid(url))
		return EINVAL;

	h = hook_find(call_id);
	if (h) {
		char *copy = NULL;

		err = str_dup(&copy, url);
		if (err)
			return err;
		mem_deref(h->url);
		h->url = copy;
		return 0;
	}

	h = mem_zalloc(sizeof(*h), hook_destructor);
	if (!h)
		return ENOMEM;
	str_ncpy(h->call_id, call_id, sizeof(h->call_id));
	err = str_dup(&h->url, url);
	if (err) {
		mem_deref(h);
		return err;
	}
	list_append(&wh.hooks, &h->le, h);
	return 0;
}


/**
 * The webhook URL of a tenant's calls without a status_callback; NULL or
 * "" removes it.  Calls that have begun keep the URL they started with.
 */
int webhook_tenant_set(const char *tenant_id, const char *url)
{
	struct tenant_url *tu;

	if (!tenant_id || !*tenant_id || strlen(tenant_id) > CB_ID_LEN)
		return EINVAL;
	tu = tenant_url_find(tenant_id);
	if (!url || !*url) {
		mem_deref(tu);
		return 0;
	}
	if (!webhook_url_valid(url))
		return EINVAL;
	if (tu) {
		char *dup = NULL;

		if (str_dup(&dup, url))
			return ENOMEM;
		mem_deref(tu->url);
		tu->url = dup;
		return 0;
	}

	tu = mem_zalloc(sizeof(*tu), tenant_url_destructor);
	if (!tu)
		return ENOMEM;
	str_ncpy(tu->tenant_id, tenant_id, sizeof(tu->tenant_id));
	if (str_dup(&tu->url, url)) {
		mem_deref(tu);
		return ENOMEM;
	}
	list_append(&wh.tenants, &tu->le, tu);
	return 0;
}


static bool tenant_load_h(const struct store_tenant *t, void *arg)
{
	(void)arg;
	if (t->webhook_url[0] && webhook_tenant_set(t->id, t->webhook_url))
		log_warn(NULL, "tenant %s: webhook URL '%s' not used", t->id,
			 t->webhook_url);
	return false;
}


/* a call without its own URL: its tenant's, if the tenant has one */
static struct hook *hook_from_tenant(const struct call_event *ev)
{
	const char *tenant = ev->call ? call_tenant(ev->call) : NULL;
	struct tenant_url *tu = tenant && *tenant ? tenant_url_find(tenant)
						  : NULL;

	if (!tu || webhook_call_set(ev->call_id, tu->url))
		return NULL;
	return hook_find(ev->call_id);
}


/* the item in flight is done (delivered or given up): on to the next */
static void lane_advance(struct lane *l)
{
	(void)outbox_ack(l->item_id);
	l->item_id = 0;
	lane_send(l);
}


static void retry_handler(void *arg)
{
	lane_send(arg);
}


/* a failed attempt: retry after the back-off, or give the item up */
static void attempt_failed(struct lane *l, struct outbox_item *it, int err,
			   uint16_t scode)
{
	uint32_t delay;

	++it->attempts;
	if (it->attempts > wh.retries) {
		metrics_webhook_count(METRICS_WEBHOOK_FAILED);
		log_warn(NULL, "call=%s webhook %s to %s given up after %u "
			 "attempts (%m, status %u)", l->key, it->event_id,
			 it->url, it->attempts, err, scode);
		lane_advance(l);
		return;
	}

	metrics_webhook_count(METRICS_WEBHOOK_RETRIED);
	delay = webhook_backoff_ms(wh.retry_ms, it->attempts);
	log_info(NULL, "call=%s webhook %s to %s failed (%m, status %u), "
		 "retry %u in %u ms", l->key, it->event_id, it->url, err,
		 scode, it->attempts, delay);
	tmr_start(&l->tmr, delay, retry_handler, l);
}


static void resp_handler(int err, const struct http_msg *msg, void *arg)
{
	struct lane *l = arg;
	struct outbox_item *it = outbox_next(l->key);
	uint16_t scode = msg ? msg->scode : 0;

	l->req = NULL;   /* libre frees it after this handler */

	if (!it || it->id != l->item_id) {
		lane_send(l);
		return;
	}

	if (!err && scode >= 200 && scode < 300) {
		metrics_webhook_count(METRICS_WEBHOOK_DELIVERED);
		log_debug(NULL, "call=%s webhook %s delivered (%u)", l->key,
			  it->event_id, scode);
		lane_advance(l);
		return;
	}

	attempt_failed(l, it, err ? err : EPROTO, scode);
}


/* send the lane's oldest item; a lane without items is freed */
static void lane_send(struct lane *l)
{
	struct outbox_item *it;
	char sig[WEBHOOK_SIG_LEN];
	size_t len;
	int err;

	for (;;) {
		it = outbox_next(l->key);
		if (!it) {
			mem_deref(l);
			return;
		}
		if (!it->ready) {
			l->item_id = 0;   /* idle until ready_handler() */
			return;
		}

		len = strlen(it->body);
		l->item_id = it->id;
		err = webhook_sign(sig, sizeof(sig), wh.secret,
				   (uint64_t)time(NULL), it->body, len);
		if (!err)
			err = http_request(&l->req, wh.cli, "POST", it->url,
					   resp_handler, NULL, l,
					   "Content-Type: application/json\r\n"
					   "User-Agent: callbridge/"
					   CB_VERSION "\r\n"
					   "X-Callbridge-Event-Id: %s\r\n"
					   "X-Callbridge-Signature: %s\r\n"
					   "Content-Length: %zu\r\n"
					   "\r\n"
					   "%b",
					   it->event_id, sig, len, it->body,
					   len);
		if (!err)
			return;
		if (err != EINVAL && err != ENOTSUP) {
			/* e.g. the connect was refused at once */
			attempt_failed(l, it, err, 0);
			return;
		}

		/* a URL libre cannot parse will not get better */
		metrics_webhook_count(METRICS_WEBHOOK_FAILED);
		log_warn(NULL, "call=%s webhook %s to %s cannot be sent "
			 "(%m), dropped", l->key, it->event_id, it->url, err);
		(void)outbox_ack(it->id);
	}
}


static void lane_kick(const char *key)
{
	struct lane *l = lane_find(key);

	if (l) {
		/* busy: it takes the new item in its turn */
		if (!l->req && !tmr_isrunning(&l->tmr))
			lane_send(l);
		return;
	}

	l = mem_zalloc(sizeof(*l), lane_destructor);
	if (!l)
		return;
	str_ncpy(l->key, key, sizeof(l->key));
	tmr_init(&l->tmr);
	list_append(&wh.lanes, &l->le, l);
	lane_send(l);
}


/* an item of key was persisted (or reloaded): its lane may go on */
static void ready_handler(const char *key, void *arg)
{
	(void)arg;
	lane_kick(key);
}


static void event_handler(const struct call_event *ev, void *arg)
{
	char event_id[CB_ID_LEN + 1];
	struct hook *h;
	char *body = NULL;
	int err;
	(void)arg;

	/* who is talking changes many times a second in a busy room: a
	 * live indicator for the WebSocket, not worth a stored delivery */
	if (!ev->call_id || ev->type == CALL_EV_TALKING)
		return;
	h = hook_find(ev->call_id);
	if (!h)
		h = hook_from_tenant(ev);
	if (!h)
		return;

	cb_id_new(event_id, 'e');
	err = re_sdprintf(&body, "{\"event_id\":\"%s\",%H}", event_id,
			  api_json_event, ev);
	if (!err)
		err = outbox_put(ev->call_id, h->url, event_id, body);
	mem_deref(body);
	if (err)
		log_warn(NULL, "call=%s webhook event lost (%m)", ev->call_id,
			 err);
	else
		lane_kick(ev->call_id);

	if (ev->type == CALL_EV_CALL_END)
		mem_deref(h);
}


/**
 * Post an event of the tenant that is not a call event to the tenant's
 * webhook URL: {"event_id", "type", "tenant_id", "ts_ms", <json's
 * members>}.  json is one JSON object ("{}" or NULL: no members), its
 * members are the caller's to have rendered correctly.  Deliveries keep
 * their order per tenant.  ENOENT: the tenant has no webhook URL.
 */
int webhook_tenant_post(const char *tenant_id, const char *type,
			const char *json)
{
	char event_id[CB_ID_LEN + 1];
	struct tenant_url *tu;
	struct timespec ts;
	const char *mp = "";
	size_t ml = 0, n;
	char *body = NULL;
	int err;

	if (!tenant_id || !*tenant_id || strlen(tenant_id) > CB_ID_LEN ||
	    !type || !*type)
		return EINVAL;
	if (json) {
		n = strlen(json);
		if (n < 2 || json[0] != '{' || json[n - 1] != '}')
			return EINVAL;
		mp = json + 1;
		ml = n - 2;
	}
	tu = tenant_url_find(tenant_id);
	if (!tu)
		return ENOENT;

	cb_id_new(event_id, 'e');
	clock_gettime(CLOCK_REALTIME, &ts);
	err = re_sdprintf(&body, "{\"event_id\":\"%s\",\"type\":%H,"
			  "\"tenant_id\":%H,\"ts_ms\":%llu%s%b}",
			  event_id, api_json_str, type, api_json_str,
			  tenant_id, (unsigned long long)ts.tv_sec * 1000 +
			  (unsigned long long)ts.tv_nsec / 1000000,
			  ml ? "," : "", mp, ml);
	if (!err)
		err = outbox_put(tenant_id, tu->url, event_id, body);
	mem_deref(body);
	if (err) {
		log_warn(NULL, "tenant=%s webhook %s lost (%m)", tenant_id,
			 type, err);
		return err;
	}
	lane_kick(tenant_id);
	return 0;
}


/* libre's HTTP client wants a resolver: the system's name servers */
static int client_alloc(void)
{
	struct sa srvv[4];
	uint32_t n = ARRAY_SIZE(srvv);
	char domain[64] = "";
	struct dnsc *dnsc = NULL;
	int err;

	if (dns_srv_get(domain, sizeof(domain), srvv, &n) || n == 0) {
		(void)sa_set_str(&srvv[0], "127.0.0.1", 53);
		n = 1;
	}
	err = dnsc_alloc(&dnsc, NULL, srvv, n);
	if (!err)
		err = http_client_alloc(&wh.cli, dnsc);
	/* https:// receivers are verified against these CAs (tls.c) */
	if (!err)
		err = api_tls_client_ca(wh.cli, api_config()->webhook_ca);
	mem_deref(dnsc);
	return err;
}


int webhook_init(const struct cb_config *cfg)
{
	int err;

	wh.retries = cfg->webhook_retries;
	wh.retry_ms = cfg->webhook_retry_ms;
	if (cfg->webhook_secret[0]) {
		str_ncpy(wh.secret, cfg->webhook_secret, sizeof(wh.secret));
	}
	else {
		uint8_t key[32];

		randombytes_buf(key, sizeof(key));
		(void)re_snprintf(wh.secret, sizeof(wh.secret), "%w", key,
				  sizeof(key));
		sodium_memzero(key, sizeof(key));
		log_warn(NULL, "api.webhook_secret is not set: webhooks are "
			 "signed with a random key receivers cannot check");
	}

	err = client_alloc();
	if (err) {
		log_err(NULL, "webhooks: no HTTP client (%m)", err);
		return err;
	}

	/* at start, before re_main runs: a synchronous read is fine */
	err = store_tenant_list(store_default(), tenant_load_h, NULL);
	if (err)
		log_warn(NULL, "webhooks: tenants' URLs not loaded (%m)", err);

	err = call_subscribe(event_handler, NULL);
	if (err) {
		wh.cli = mem_deref(wh.cli);
		return err;
	}
	wh.subscribed = true;

	err = outbox_init(ready_handler, NULL);
	if (err)
		webhook_close();
	return err;
}


void webhook_close(void)
{
	if (wh.subscribed)
		call_unsubscribe(event_handler, NULL);
	wh.subscribed = false;

	if (outbox_count())
		log_info(NULL, "%u webhook deliveries pending at shutdown "
			 "(the persisted ones go after a restart)",
			 outbox_count());
	list_flush(&wh.lanes);
	list_flush(&wh.hooks);
	list_flush(&wh.tenants);
	outbox_flush();
	wh.cli = mem_deref(wh.cli);
	sodium_memzero(wh.secret, sizeof(wh.secret));
}
