/**
 * @file api/keys.c  /v1/keys: API keys of a tenant
 *
 * Admins see and manage every tenant's keys, anyone else (an operator,
 * or a key, which acts as one) its own tenant's; another tenant's key is
 * "no such key" (404).  A new key is returned whole once, in the reply
 * to its POST; afterwards only its id, name and dates are shown, never
 * the secret (the store holds a hash of it; a replay of the POST for its
 * Idempotency-Key has "key": null).  DELETE revokes: the key
 * stops working at once and stays listed as revoked; revoking a revoked
 * key answers the same (it is already what was asked).
 */
#include <time.h>
#include <sodium.h>
#include <re.h>
#include "api.h"

struct key_job {
	struct api_job a;                 /* first: the caller, the path's id */
	struct store_apikey k;            /* result */
	char tenant[STORE_NAME_MAX];      /* id or name; "" = own */
	char name[STORE_NAME_MAX];
	char key[AUTH_KEY_MAX];           /* the new key, shown once */
};


static void key_wipe(struct api_job *a)
{
	struct key_job *j = (struct key_job *)a;

	sodium_memzero(j->key, sizeof(j->key));
}


static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


/* never the hash; `prefix` is what the key starts with, to recognise it */
static int json_key(struct re_printf *pf, const struct store_apikey *k)
{
	return re_hprintf(pf, "{\"id\":%H,\"tenant_id\":%H,\"name\":%H,"
			  "\"prefix\":\"cbk_%s_\",\"active\":%s,"
			  "\"created_ms\":%llu,\"revoked_ms\":%llu}",
			  api_json_str, k->id, api_json_str, k->tenant_id,
			  api_json_str, k->name, k->id,
			  k->revoked_ms ? "false" : "true",
			  (unsigned long long)k->created_ms,
			  (unsigned long long)k->revoked_ms);
}


/* a label people read: printable ASCII */
static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < 0x20 || *s > 0x7e)
			return false;
	}
	return true;
}


/* ---- list ---------------------------------------------------------- */

static bool list_h(const struct store_apikey *k, void *arg)
{
	return api_job_item(arg, "%H", json_key, k);
}


static int list_items(struct store *st, void *arg)
{
	return store_apikey_list(st, api_job_scope(arg), list_h, arg);
}


void api_keys_list(struct api_req *req)
{
	api_job_list(req, "keys", list_items);
}


/* ---- create -------------------------------------------------------- */

/* EACCES, ENOENT: api_job_tenant() */
static int create_work(struct store *st, void *arg)
{
	struct key_job *j = arg;
	struct store_tenant t;
	int err = api_job_tenant(&j->a, st, &t, j->tenant);

	if (err)
		return err;
	return auth_key_create(st, j->key, &j->k, t.id, j->name);
}


static void create_done(int err, void *arg)
{
	struct key_job *j = arg;
	struct api_req *req = j->a.req;

	if (err == ECANCELED)
		return;
	if (err) {
		api_job_tenant_error(req, err, "you may create keys for "
				     "your own tenant only");
		return;
	}
	log_info(NULL, "key %s (%s) created in tenant %s", j->k.id,
		 j->k.name, j->k.tenant_id);
	/* an Idempotency-Key replay gets it without the key */
	api_idem_redact(req, 201, "{\"key\":null,\"api_key\":%H}",
			json_key, &j->k);
	api_reply_json(req, 201, "{\"key\":%H,\"api_key\":%H}",
		       api_json_str, j->key, json_key, &j->k);
}


void api_keys_create(struct api_req *req)
{
	struct key_job *j = api_job_alloc(req, sizeof(*j), key_wipe);

	if (!j)
		return;
	if (!api_need_body(req, "send a JSON object") ||
	    !api_field_str(req, "name", j->name, sizeof(j->name), true) ||
	    !api_field_str(req, "tenant", j->tenant, sizeof(j->tenant),
			   false))
		goto out;
	if (!name_ok(j->name)) {
		api_error(req, 400, "invalid_field", "name",
			  "1-63 printable ASCII characters");
		goto out;
	}
	(void)api_store_submit(req, j, create_work, create_done);
 out:
	mem_deref(j);
}


/* ---- revoke -------------------------------------------------------- */

/* ENOENT: no key the caller sees */
static int revoke_work(struct store *st, void *arg)
{
	struct key_job *j = arg;
	uint64_t now = now_ms();
	int err;

	err = store_apikey_find(st, &j->k, j->a.id);
	if (err)
		return err;
	if (!api_job_sees(&j->a, j->k.tenant_id))
		return ENOENT;
	if (j->k.revoked_ms)
		return 0;
	err = store_apikey_revoke(st, j->a.id, now);
	if (err == ENOENT)   /* revoked meanwhile */
		return store_apikey_find(st, &j->k, j->a.id);
	if (!err)
		j->k.revoked_ms = now;
	return err;
}


static void revoke_done(int err, void *arg)
{
	struct key_job *j = arg;
	struct api_req *req = j->a.req;

	if (err == ECANCELED)
		return;
	if (err == ENOENT) {
		api_error(req, 404, "not_found", NULL, "no such key");
		return;
	}
	if (err) {
		api_store_error(req, err);
		return;
	}
	auth_key_cache_forget(j->k.id);
	log_info(NULL, "key %s of tenant %s revoked by %s%s", j->k.id,
		 j->k.tenant_id, req->who.user_id, req->who.key_id);
	api_reply_json(req, 200, "%H", json_key, &j->k);
}


void api_keys_delete(struct api_req *req)
{
	struct key_job *j = api_job_alloc(req, sizeof(*j), key_wipe);

	if (j && api_job_path_id(&j->a, "no such key"))
		(void)api_store_submit(req, j, revoke_work, revoke_done);
	mem_deref(j);
}
