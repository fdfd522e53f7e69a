/**
 * @file api/outbox.c  Webhook deliveries not yet acknowledged
 *
 * The outbox is the queue between the call model and the webhook sender:
 * outbox_put() appends a signed-to-be body under a key (the call id),
 * outbox_next() is the oldest pending item of a key, outbox_ack() removes
 * an item once it was delivered or given up.  Items of one key are kept
 * in the order they were put, which is the order they are delivered in.
 *
 * This implementation keeps the queue in memory, so a restart loses what
 * is pending; the interface is the one a store-backed outbox (restart-
 * safe) will implement.
 */
#include <string.h>
#include <re.h>
#include "api.h"

enum { OUTBOX_MAX = 100000 };  /* beyond it new events are refused */

static struct {
	struct list items;      /* struct outbox_item, oldest first */
	uint32_t n;             /* items in the list */
	uint64_t last_id;
} ob;


static void item_destructor(void *arg)
{
	struct outbox_item *it = arg;

	if (list_contains(&ob.items, &it->le))
		--ob.n;
	list_unlink(&it->le);
	mem_deref(it->url);
	mem_deref(it->body);
}


/** Queue one delivery of `body` to `url`, after the key's earlier ones */
int outbox_put(const char *key, const char *url, const char *event_id,
	       const char *body)
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
		err = ENOMEM;
		goto out;
	}
	str_ncpy(it->key, key, sizeof(it->key));
	str_ncpy(it->event_id, event_id, sizeof(it->event_id));
	it->id = ++ob.last_id;
	list_append(&ob.items, &it->le, it);
	++ob.n;
	it = NULL;

 out:
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
	for (struct le *le = ob.items.head; le; le = le->next) {
		struct outbox_item *it = le->data;

		if (it->id == id) {
			mem_deref(it);
			return 0;
		}
	}
	return ENOENT;
}


uint32_t outbox_count(void)
{
	return ob.n;
}


void outbox_flush(void)
{
	list_flush(&ob.items);   /* unlinks before the destructors run */
	ob.n = 0;
}
