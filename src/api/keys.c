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
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <re.h>
#include "api.h"

enum { LIST_MAX = 1000 };

struct key_job {
	struct api_req *req;              /* mem_ref'd */
	struct store_apikey k;            /* result */
	bool admin;                       /* the caller is an admin */
	char own[CB_ID_LEN + 1];          /* the caller's tenant */
	char tenant[STORE_NAME_MAX];      /* id or name; "" = own */
	char name[STORE_NAME_MAX];
	char key[AUTH_KEY_MAX];           /* the new key, shown once */
	char id[CB_ID_LEN + 1];           /* delete */
	struct mbuf *mb;                  /* list, built on the worker */
	uint32_t n;
};


static void job_destructor(void *arg)
{
	struct key_job *j = arg;

	sodium_memzero(j->key, sizeof(j->key));
	mem_deref(j->mb);
	mem_deref(j->req);
}


static struct key_job *job_alloc(struct api_req *req)
{
	struct key_job *j = mem_zalloc(sizeof(*j), job_destructor);

	if (!j) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return NULL;
	}
	j->req = mem_ref(req);
	j->admin = api_is_admin(req);
	str_ncpy(j->own, req->who.tenant_id, sizeof(j->own));
	return j;
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
	struct key_job *j = arg;

	(void)mbuf_printf(j->mb, "%s%H", j->n ? "," : "", json_key, k);
	return ++j->n >= LIST_MAX;
}


static int list_work(struct store *st, void *arg)
{
	struct key_job *j = arg;
	int err;

	j->mb = mbuf_alloc(1024);
	if (!j->mb)
		return ENOMEM;
	(void)mbuf_write_str(j->mb, "{\"keys\":[");
	err = store_apikey_list(st, j->admin ? NULL : j->own, list_h, j);
	(void)mbuf_write_str(j->mb, "]}");
	return err;
}


static void list_done(int err, void *arg)
{
	struct key_job *j = arg;

	if (err == ECANCELED)
		return;
	if (err)
		api_store_error(j->req, err);
	else
		api_reply_list(j->req, j->mb);
}


void api_keys_list(struct api_req *req)
{
	struct key_job *j = job_alloc(req);

	if (j)
		(void)api_store_submit(req, j, list_work, list_done);
	mem_deref(j);
}


/* ---- create -------------------------------------------------------- */

/* EACCES: not the caller's tenant (or unknown, for a non-admin) */
static int create_work(struct store *st, void *arg)
{
	struct key_job *j = arg;
	struct store_tenant t;
	int err;

	err = store_tenant_get(st, &t, j->tenant[0] ? j->tenant : j->own);
	if (err == ENOENT && !j->admin)
		return EACCES;
	if (err)
		return err;
	if (!j->admin && strcmp(t.id, j->own))
		return EACCES;
	return auth_key_create(st, j->key, &j->k, t.id, j->name);
}


static void create_done(int err, void *arg)
{
	struct key_job *j = arg;
	struct api_req *req = j->req;

	if (err == ECANCELED)
		return;
	switch (err) {

	case 0:
		log_info(NULL, "key %s (%s) created in tenant %s", j->k.id,
			 j->k.name, j->k.tenant_id);
		/* an Idempotency-Key replay gets it without the key */
		api_idem_redact(req, 201, "{\"key\":null,\"api_key\":%H}",
				json_key, &j->k);
		api_reply_json(req, 201, "{\"key\":%H,\"api_key\":%H}",
			       api_json_str, j->key, json_key, &j->k);
		break;
	case EACCES:
		api_error(req, 403, "forbidden", "tenant",
			  "you may create keys for your own tenant only");
		break;
	case ENOENT:
		api_error(req, 422, "unknown_tenant", "tenant",
			  "no such tenant");
		break;
	default:
		api_store_error(req, err);
		break;
	}
}


void api_keys_create(struct api_req *req)
{
	struct key_job *j = job_alloc(req);

	if (!j)
		return;
	if (!req->body) {
		api_error(req, 400, "missing_body", NULL,
			  "send a JSON object");
		goto out;
	}
	if (!api_field_str(req, "name", j->name, sizeof(j->name), true) ||
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

	err = store_apikey_find(st, &j->k, j->id);
	if (err)
		return err;
	if (!j->admin && strcmp(j->k.tenant_id, j->own))
		return ENOENT;
	if (j->k.revoked_ms)
		return 0;
	err = store_apikey_revoke(st, j->id, now);
	if (err == ENOENT)   /* revoked meanwhile */
		return store_apikey_find(st, &j->k, j->id);
	if (!err)
		j->k.revoked_ms = now;
	return err;
}


static void revoke_done(int err, void *arg)
{
	struct key_job *j = arg;
	struct api_req *req = j->req;

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
	log_info(NULL, "key %s of tenant %s revoked by %s%s", j->k.id,
		 j->k.tenant_id, req->who.user_id, req->who.key_id);
	api_reply_json(req, 200, "%H", json_key, &j->k);
}


void api_keys_delete(struct api_req *req)
{
	struct key_job *j;

	if (strlen(req->param[0]) > CB_ID_LEN) {
		api_error(req, 404, "not_found", NULL, "no such key");
		return;
	}
	j = job_alloc(req);
	if (j) {
		str_ncpy(j->id, req->param[0], sizeof(j->id));
		(void)api_store_submit(req, j, revoke_work, revoke_done);
	}
	mem_deref(j);
}
