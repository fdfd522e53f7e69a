/**
 * @file api/outbox.c  Webhook deliveries not yet acknowledged
 *
 * The outbox is the queue between the call model and the webhook sender:
 * outbox_put() appends a body under a key (the call id), outbox_next() is
 * the oldest pending item of a key, outbox_ack() removes an item once it
 * was delivered or given up.  Items of one key are kept in the order they
 * were put, which is the order they are delivered in.
 *
 * The queue in memory is the fast path; the daemon's store keeps a copy
 * so that a restart (even kill -9) loses no pending delivery.  Each item
 * is written by a store worker (the event loop never waits) and becomes
 * *ready* (may be sent) only when that write has completed, so nothing is
 * sent that a crash could forget; an ack marks the stored copy done, also
 * on a worker.  A crash between a delivery and its ack makes the item be
 * sent again after the restart, with the same event_id: receivers dedupe.
 * Writes on several workers may complete out of order, so the stored
 * order is the item id (`ord`), which keeps increasing across restarts:
 * it starts above the reloaded ids and the wall clock in microseconds.
 * outbox_init() reloads the pending items of the store, in their order.
 * Without a store, or if the write fails, items are ready at once and
 * live in memory only.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "api.h"

enum { OUTBOX_MAX = 100000 };  /* beyond it new events are refused */

static struct {
	struct list items;      /* struct outbox_item, oldest first */
	uint32_t n;             /* items in the list */
	uint64_t last_id;
	outbox_ready_h *readyh;
	void *arg;
} ob;

/* a write of one item, handed to a store worker */
struct put_job {
	struct store_outbox o;   /* url, body point into the refs below */
	char *url;               /* mem_ref'd */
	char *body;              /* mem_ref'd */
	uint64_t item_id;
};

struct ack_job {
	char event_id[CB_ID_LEN + 1];
	uint64_t now_ms;
};


static uint64_t now_ms(void)
{
	return (uint64_t)time(NULL) * 1000;
}


static void item_destructor(void *arg)
{
	struct outbox_item *it = arg;

	if (list_contains(&ob.items, &it->le))
		--ob.n;
	list_unlink(&it->le);
	mem_deref(it->url);
	mem_deref(it->body);
}


static struct outbox_item *item_find(uint64_t id)
{
	for (struct le *le = ob.items.head; le; le = le->next) {
		struct outbox_item *it = le->data;

		if (it->id == id)
			return it;
	}
	return NULL;
}


static void put_job_destructor(void *arg)
{
	struct put_job *j = arg;

	mem_deref(j->url);
	mem_deref(j->body);
}


static int put_work(struct store *st, void *arg)
{
	struct put_job *j = arg;

	return store_outbox_put(st, &j->o);
}


/* re_main thread: the item is on disk (or cannot be): it may go now */
static void put_done(int err, void *arg)
{
	struct put_job *j = arg;
	struct outbox_item *it = item_find(j->item_id);

	if (!it)
		return;   /* flushed at shutdown */
	if (err)
		log_warn(NULL, "call=%s webhook %s not persisted (%m): a "
			 "restart would lose it", it->key, it->event_id, err);
	it->stored = !err;
	it->ready = true;
	if (ob.readyh)
		ob.readyh(it->key, ob.arg);
}


static int persist(struct outbox_item *it)
{
	struct store *st = store_default();
	struct put_job *j;
	int err;

	if (!st) {
		it->ready = true;
		return 0;
	}

	j = mem_zalloc(sizeof(*j), put_job_destructor);
	if (!j)
		return ENOMEM;
	j->url = mem_ref(it->url);
	j->body = mem_ref(it->body);
	j->item_id = it->id;
	str_ncpy(j->o.key, it->key, sizeof(j->o.key));
	str_ncpy(j->o.event_id, it->event_id, sizeof(j->o.event_id));
	j->o.url = j->url;
	j->o.body = j->body;
	j->o.ord = it->id;
	j->o.created_ms = now_ms();

	err = store_submit(st, put_work, put_done, j);
	mem_deref(j);
	return err;
}


static int ack_work(struct store *st, void *arg)
{
	struct ack_job *j = arg;

	return store_outbox_ack(st, j->event_id, j->now_ms);
}


static void ack_done(int err, void *arg)
{
	struct ack_job *j = arg;

	if (err && err != ECANCELED)
		log_warn(NULL, "webhook %s: done not recorded (%m): it may "
			 "be sent again after a restart", j->event_id, err);
}


static void unpersist(const struct outbox_item *it)
{
	struct store *st = store_default();
	struct ack_job *j;

	if (!st || !it->stored)
		return;
	j = mem_zalloc(sizeof(*j), NULL);
	if (!j)
		return;
	str_ncpy(j->event_id, it->event_id, sizeof(j->event_id));
	j->now_ms = now_ms();
	(void)store_submit(st, ack_work, ack_done, j);
	mem_deref(j);
}


static int item_add(struct outbox_item **itp, const char *key,
		    const char *url, const char *event_id, const char *body)
{
	struct outbox_item *it;
	int err;

	if (!key || !url || !event_id || !body ||
	    strlen(key) > CB_ID_LEN || strlen(event_id) > CB_ID_LEN)
		return EINVAL;
	if (ob.n >= OUTBOX_MAX)
		return EOVERFLOW;

	it = mem_zalloc(sizeof(*it), item_destructor);
	if (!it)
		return ENOMEM;

	err = str_dup(&it->url, url);
	err |= str_dup(&it->body, body);
	if (err) {
		mem_deref(it);
		return ENOMEM;
	}
	str_ncpy(it->key, key, sizeof(it->key));
	str_ncpy(it->event_id, event_id, sizeof(it->event_id));
	it->id = ++ob.last_id;
	list_append(&ob.items, &it->le, it);
	++ob.n;
	*itp = it;
	return 0;
}


/**
 * Queue one delivery of `body` to `url`, after the key's earlier ones.
 * It becomes ready once persisted (the ready handler is told the key).
 */
int outbox_put(const char *key, const char *url, const char *event_id,
	       const char *body)
{
	struct outbox_item *it;
	int err;

	err = item_add(&it, key, url, event_id, body);
	if (err)
		return err;

	err = persist(it);
	if (err)
		mem_deref(it);
	return err;
}


/** The oldest pending item of `key`, NULL if none (borrowed) */
struct outbox_item *outbox_next(const char *key)
{
	for (struct le *le = ob.items.head; le; le = le->next) {
		struct outbox_item *it = le->data;

		if (!strcmp(it->key, key))
			return it;
	}
	return NULL;
}


/** Remove a delivered (or abandoned) item: ENOENT if unknown */
int outbox_ack(uint64_t id)
{
	struct outbox_item *it = item_find(id);

	if (!it)
		return ENOENT;
	unpersist(it);
	mem_deref(it);
	return 0;
}


uint32_t outbox_count(void)
{
	return ob.n;
}


static bool load_handler(const struct store_outbox *o, void *arg)
{
	struct outbox_item *it;
	uint32_t *np = arg;
	int err;

	err = item_add(&it, o->key, o->url, o->event_id, o->body);
	if (err) {
		log_warn(NULL, "call=%s webhook %s not reloaded (%m)",
			 o->key, o->event_id, err);
		return err == EOVERFLOW;   /* the rest waits for a restart */
	}
	it->id = o->ord;
	if (o->ord > ob.last_id)
		ob.last_id = o->ord;
	it->stored = true;
	it->ready = true;
	++*np;
	return false;
}


/* tell the ready handler every key, from a copy: it may ack items */
static int announce(uint32_t n)
{
	char (*keyv)[CB_ID_LEN + 1];
	uint32_t i = 0;

	if (!n || !ob.readyh)
		return 0;
	keyv = mem_zalloc(n * sizeof(*keyv), NULL);
	if (!keyv)
		return ENOMEM;
	for (struct le *le = ob.items.head; le && i < n; le = le->next) {
		const struct outbox_item *it = le->data;

		if (!i || strcmp(keyv[i - 1], it->key))
			str_ncpy(keyv[i++], it->key, sizeof(keyv[0]));
	}
	for (uint32_t k = 0; k < i; k++)
		ob.readyh(keyv[k], ob.arg);
	mem_deref(keyv);
	return 0;
}


/**
 * Start the outbox: h is told the key of each item that becomes ready.
 * The pending items of the daemon's store are reloaded (a synchronous
 * read, at start-up) and announced.
 */
int outbox_init(outbox_ready_h *h, void *arg)
{
	struct store *st = store_default();
	struct timespec ts;
	uint32_t n = 0;
	int err;

	ob.readyh = h;
	ob.arg = arg;
	if (!st)
		return 0;

	err = store_outbox_list_pending(st, load_handler, &n);
	clock_gettime(CLOCK_REALTIME, &ts);
	ob.last_id = max(ob.last_id, (uint64_t)ts.tv_sec * 1000000 +
			 (uint64_t)ts.tv_nsec / 1000);
	if (err) {
		log_err(NULL, "webhook outbox: cannot reload (%m)", err);
		return err;
	}
	if (n)
		log_info(NULL, "webhook outbox: %u pending deliveries "
			 "reloaded", n);

	return announce(n);
}


/** Forget the items in memory; the stored ones stay pending */
void outbox_flush(void)
{
	list_flush(&ob.items);   /* unlinks before the destructors run */
	ob.n = 0;
	ob.readyh = NULL;
	ob.arg = NULL;
}
