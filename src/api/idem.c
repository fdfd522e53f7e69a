/**
 * @file api/idem.c  Idempotency-Key: a retried POST never acts twice
 *
 * A POST with `Idempotency-Key: K` is looked up (per tenant, on a store
 * worker) before its handler runs.  The first time, the handler runs and
 * its reply (status below 500, and body) is stored with a hash of the
 * method, path and body.  A retry with the same key and the same request
 * gets that first reply again, marked `Idempotent-Replayed: true`,
 * without running the handler; the same key with a different request is
 * 409.  While the first request with a key is still being answered, a
 * concurrent one with the same key is 409 too (kept in memory: `pending`
 * lists the keys from lookup until their reply is stored); once answered
 * and until stored, a retry is replayed from that memory.  Records older
 * than api.idem_keep_s are forgotten (the store's prune job deletes them
 * with the same horizon).
 */
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <re.h>
#include "api.h"

struct api_idem {
	struct le le;                 /* in `pending` until freed */
	struct store_idem rec;
	struct api_req *req;          /* mem_ref'd during the lookup */
	struct store_idem found;      /* lookup result (worker) */
	uint64_t min_created_ms;      /* older records are forgotten */
	int lookup_err;
};

static struct list pending;       /* struct api_idem, borrowed */


static void idem_destructor(void *arg)
{
	struct api_idem *id = arg;

	list_unlink(&id->le);
	mem_deref(id->rec.body);
	mem_deref(id->found.body);
	mem_deref(id->req);
}


static const struct api_idem *pending_find(const struct store_idem *r)
{
	for (struct le *le = pending.head; le; le = le->next) {
		const struct api_idem *id = le->data;

		if (!strcmp(id->rec.key, r->key) &&
		    !strcmp(id->rec.tenant_id, r->tenant_id))
			return id;
	}
	return NULL;
}


/* answer a retry with the first reply, or 409 if the request differs */
static void replay(struct api_req *req, const struct store_idem *first,
		   const uint8_t req_hash[STORE_HASH_LEN])
{
	if (sodium_memcmp(first->req_hash, req_hash, STORE_HASH_LEN)) {
		api_error(req, 409, "idempotency_key_reused",
			  "Idempotency-Key", "this key was used with "
			  "a different request");
		return;
	}
	log_info(NULL, "idempotent replay key=%s", first->key);
	req->hdrs = "Idempotent-Replayed: true\r\n";
	api_reply_json(req, first->status, "%s", first->body);
	req->hdrs = NULL;
}


static void req_hash(uint8_t out[STORE_HASH_LEN], const struct http_msg *msg)
{
	crypto_generichash_state h;

	crypto_generichash_init(&h, NULL, 0, STORE_HASH_LEN);
	crypto_generichash_update(&h, (const uint8_t *)msg->met.p,
				  msg->met.l);
	crypto_generichash_update(&h, (const uint8_t *)" ", 1);
	crypto_generichash_update(&h, (const uint8_t *)msg->path.p,
				  msg->path.l);
	crypto_generichash_update(&h, (const uint8_t *)"\n", 1);
	crypto_generichash_update(&h, mbuf_buf(msg->mb),
				  mbuf_get_left(msg->mb));
	crypto_generichash_final(&h, out, STORE_HASH_LEN);
}


static int lookup_work(struct store *st, void *arg)
{
	struct api_idem *id = arg;

	return store_idem_get(st, &id->found, id->rec.tenant_id, id->rec.key,
			      id->min_created_ms);
}


static void lookup_done(int err, void *arg)
{
	struct api_idem *id = arg;
	struct api_req *req = id->req;

	if (err == ECANCELED)
		return;
	if (!err) {
		replay(req, &id->found, id->rec.req_hash);
		return;
	}
	if (err != ENOENT) {
		api_error(req, 503, "unavailable", NULL, "store unavailable");
		return;
	}

	/* first time: run the handler, which records its reply; then drop
	 * our ref on the request (no cycle through req->idem) */
	req->idem = mem_ref(id);
	api_dispatch(req);
	id->req = mem_deref(id->req);
}


void api_idem_begin(struct api_req *req)
{
	const struct http_hdr *h = http_msg_xhdr(req->msg, "Idempotency-Key");
	const struct api_idem *first;
	struct api_idem *id;
	uint64_t now, keep_ms;

	if (!h || h->val.l == 0 || h->val.l >= STORE_IDEM_KEY_MAX) {
		api_error(req, 400, "invalid_field", "Idempotency-Key",
			  "1 to 127 printable characters");
		return;
	}
	for (size_t i = 0; i < h->val.l; i++) {
		if (h->val.p[i] < 0x21 || h->val.p[i] > 0x7e) {
			api_error(req, 400, "invalid_field", "Idempotency-Key",
				  "1 to 127 printable characters");
			return;
		}
	}

	id = mem_zalloc(sizeof(*id), idem_destructor);
	if (!id) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	str_ncpy(id->rec.tenant_id, req->who.tenant_id,
		 sizeof(id->rec.tenant_id));
	(void)pl_strcpy(&h->val, id->rec.key, sizeof(id->rec.key));
	req_hash(id->rec.req_hash, req->msg);

	first = pending_find(&id->rec);
	if (first && first->rec.status) {
		/* answered, its record not yet stored: replay from memory */
		replay(req, &first->rec, id->rec.req_hash);
		goto out;
	}
	if (first) {
		api_error(req, 409, "idempotency_in_progress",
			  "Idempotency-Key", "a request with this key is "
			  "still being processed");
		goto out;
	}
	list_append(&pending, &id->le, id);

	keep_ms = (uint64_t)api_config()->idem_keep_s * 1000;
	now = (uint64_t)time(NULL) * 1000;
	id->min_created_ms = now > keep_ms ? now - keep_ms : 0;
	id->req = mem_ref(req);
	if (store_submit(store_default(), lookup_work, lookup_done, id))
		api_error(req, 503, "unavailable", NULL, "store unavailable");
 out:
	mem_deref(id);
}


static int put_work(struct store *st, void *arg)
{
	struct api_idem *id = arg;

	return store_idem_put(st, &id->rec);
}


static void put_done(int err, void *arg)
{
	struct api_idem *id = arg;

	if (err && err != ECANCELED)
		log_warn(NULL, "idempotency key=%s not stored (%m)",
			 id->rec.key, err);
}


/** From api_reply_json(): keep the first reply of a keyed POST */
void api_idem_record(struct api_req *req, uint16_t scode,
		     const uint8_t *body, size_t len)
{
	struct api_idem *id = req->idem;

	req->idem = NULL;
	if (!id)
		return;
	if (scode < 500) {
		id->rec.body = mem_zalloc(len + 1, NULL);
		if (id->rec.body) {
			memcpy(id->rec.body, body, len);
			/* from now on a retry replays it (pending_find()) */
			id->rec.status = scode;
			id->rec.created_ms = (uint64_t)time(NULL) * 1000;
			(void)store_submit(store_default(), put_work, put_done,
					   id);
		}
	}
	mem_deref(id);
}
