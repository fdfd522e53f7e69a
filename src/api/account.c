/**
 * @file api/account.c  What the account routes share: fields, scope, jobs
 *
 * /v1/tenants, /v1/users and /v1/keys (tenants.c, users.c, keys.c) read
 * their bodies with one bounded string reader, decide with one rule whose
 * objects a principal sees (an admin: every tenant's; anyone else: its
 * own tenant's, and another tenant's object is answered as missing), and
 * run their store work on a worker (store_submit(): Argon2id hashing and
 * SQLite never run on the event loop) with one mapping of store errors.
 * A reply built on a worker (a list) is a mbuf handed back to re_main.
 *
 * Their jobs start with struct api_job: the caller as the worker needs
 * it (admin or not, its tenant), the id of the path, and the list a
 * worker prints.  A list route gives only its member name and the
 * function that prints its items (api_job_list()).
 */
#include <stdarg.h>
#include <string.h>
#include <re.h>
#include "api.h"

enum { LIST_MAX = 1000 };


/**
 * A string member of the body into out (at most sz-1 bytes).  Absent:
 * out is "" and the answer is true unless required (400 missing_field).
 * Not a string, or too long: 400 invalid_field.  Content is the caller's
 * to check.
 */
bool api_field_str(struct api_req *req, const char *key, char *out,
		   size_t sz, bool required)
{
	const struct odict_entry *e = req->body ? odict_lookup(req->body, key)
						: NULL;
	char msg[80];

	out[0] = '\0';
	if (!e) {
		if (!required)
			return true;
		api_error(req, 400, "missing_field", key,
			  "this field is required");
		return false;
	}
	if (e->type != ODICT_STRING || strlen(e->u.str) >= sz) {
		(void)re_snprintf(msg, sizeof(msg), "must be a string of at "
				  "most %zu characters", sz - 1);
		api_error(req, 400, "invalid_field", key, msg);
		return false;
	}
	str_ncpy(out, e->u.str, sz);
	return true;
}


/** A platform admin (a user of the default tenant with the role admin) */
bool api_is_admin(const struct api_req *req)
{
	return req->who.role == CB_ROLE_ADMIN;
}


/** May the principal see objects of tenant_id? */
bool api_sees_tenant(const struct api_req *req, const char *tenant_id)
{
	if (api_is_admin(req))
		return true;
	return tenant_id && req->who.tenant_id[0] &&
		!strcmp(tenant_id, req->who.tenant_id);
}


/**
 * Run work(store, job) on a store worker, then done(err, job) on re_main.
 * job must be a mem object holding a ref on req; if the store refuses
 * the job, the request is answered 503 here and the error returned.
 */
int api_store_submit(struct api_req *req, void *job, store_work_h *work,
		     store_done_h *done)
{
	int err = store_submit(store_default(), work, done, job);

	if (err)
		api_error(req, 503, "unavailable", NULL, "store unavailable");
	return err;
}


/** Answer a store error no handler expected */
void api_store_error(struct api_req *req, int err)
{
	if (err == ENOMEM)
		api_error(req, 500, "internal", NULL, "out of memory");
	else
		api_error(req, 503, "unavailable", NULL, "store unavailable");
}


/**
 * The reply about to be sent holds a secret shown once (a new key, a
 * generated password): for a POST with an Idempotency-Key, record this
 * reply instead, without the secret, for the replays.  Nothing is
 * recorded if it cannot be built (a retry then acts again).
 */
void api_idem_redact(struct api_req *req, uint16_t scode,
		     const char *fmt, ...)
{
	struct mbuf *mb;
	va_list ap;

	if (!req->idem)
		return;
	mb = mbuf_alloc(256);
	if (!mb) {
		req->idem = mem_deref(req->idem);
		return;
	}
	va_start(ap, fmt);
	if (mbuf_vprintf(mb, fmt, ap))
		req->idem = mem_deref(req->idem);
	else
		api_idem_record(req, scode, mb->buf, mb->end);
	va_end(ap);
	mem_deref(mb);
}


/** Answer 200 with a JSON document built on a worker (NULL: 500) */
void api_reply_list(struct api_req *req, struct mbuf *mb)
{
	if (!mb) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	api_reply_json(req, 200, "%b", mb->buf, mb->end);
}


/** Answer 400 missing_body with msg unless the request has a JSON body */
bool api_need_body(struct api_req *req, const char *msg)
{
	if (req->body)
		return true;
	api_error(req, 400, "missing_body", NULL, msg);
	return false;
}


/** Answer 400 invalid_field for field with msg; false, to return it */
bool api_field_bad(struct api_req *req, const char *field, const char *msg)
{
	api_error(req, 400, "invalid_field", field, msg);
	return false;
}


/**
 * Answer 400 unknown_field with msg for the first member of the body
 * that is none of known[0..n-1]; true if there is none
 */
bool api_body_known(struct api_req *req, const char *const *known,
		    size_t n, const char *msg)
{
	struct le *le;

	LIST_FOREACH(&req->body->lst, le) {
		const struct odict_entry *e = le->data;
		bool ok = false;

		for (size_t i = 0; i < n && !ok; i++)
			ok = !strcmp(e->key, known[i]);
		if (!ok) {
			api_error(req, 400, "unknown_field", e->key, msg);
			return false;
		}
	}
	return true;
}


/* ---- jobs of the account routes ------------------------------------ */

static void job_destructor(void *arg)
{
	struct api_job *j = arg;

	if (j->dtor)
		j->dtor(j);
	mem_deref(j->mb);
	mem_deref(j->req);
}


/**
 * A job of `size` bytes (a route's struct starting with struct api_job)
 * for the caller; dtor (or NULL) wipes the route's own fields.  NULL
 * once answered (500).
 */
void *api_job_alloc(struct api_req *req, size_t size, api_job_dtor_h *dtor)
{
	struct api_job *j;

	j = size >= sizeof(*j) ? mem_zalloc(size, job_destructor) : NULL;
	if (!j) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return NULL;
	}
	j->req = mem_ref(req);
	j->dtor = dtor;
	j->admin = api_is_admin(req);
	str_ncpy(j->own, req->who.tenant_id, sizeof(j->own));
	return j;
}


/** The path's id into j->id; false once answered (404 `missing`) */
bool api_job_path_id(struct api_job *j, const char *missing)
{
	const char *id = j->req->param[0];

	if (strlen(id) > CB_ID_LEN) {
		api_error(j->req, 404, "not_found", NULL, missing);
		return false;
	}
	str_ncpy(j->id, id, sizeof(j->id));
	return true;
}


/** The tenant whose objects the caller lists: NULL (every one) or its own */
const char *api_job_scope(const struct api_job *j)
{
	return j->admin ? NULL : j->own;
}


/** Worker: may the caller see objects of tenant_id? */
bool api_job_sees(const struct api_job *j, const char *tenant_id)
{
	return j->admin || !strcmp(tenant_id, j->own);
}


/**
 * Worker: the tenant a new object of the caller goes to, into t: `want`
 * (an id or name) or, if "", the caller's own.  EACCES: one the caller
 * may not add to (for a non-admin, an unknown one too: existence is not
 * told); ENOENT: no such tenant.
 */
int api_job_tenant(const struct api_job *j, struct store *st,
		   struct store_tenant *t, const char *want)
{
	int err = store_tenant_get(st, t, want[0] ? want : j->own);

	if (err == ENOENT && !j->admin)
		return EACCES;
	if (err)
		return err;
	return api_job_sees(j, t->id) ? 0 : EACCES;
}


/**
 * Answer an error of work that used api_job_tenant() (forbidden: the
 * 403's message); any other error is the store's.
 */
void api_job_tenant_error(struct api_req *req, int err,
			  const char *forbidden)
{
	if (err == EACCES)
		api_error(req, 403, "forbidden", "tenant", forbidden);
	else if (err == ENOENT)
		api_error(req, 422, "unknown_tenant", "tenant",
			  "no such tenant");
	else
		api_store_error(req, err);
}


/* ---- lists ---------------------------------------------------------- */

/** Worker: print one item of a list; true once the list is full */
bool api_job_item(struct api_job *j, const char *fmt, ...)
{
	va_list ap;

	if (j->n)
		(void)mbuf_write_u8(j->mb, ',');
	va_start(ap, fmt);
	(void)mbuf_vprintf(j->mb, fmt, ap);
	va_end(ap);
	return ++j->n >= LIST_MAX;
}


static int list_work(struct store *st, void *arg)
{
	struct api_job *j = arg;
	int err;

	j->mb = mbuf_alloc(1024);
	if (!j->mb)
		return ENOMEM;
	(void)mbuf_printf(j->mb, "{\"%s\":[", j->list);
	err = j->items(st, j);
	(void)mbuf_write_str(j->mb, "]}");
	return err;
}


static void list_done(int err, void *arg)
{
	struct api_job *j = arg;

	if (err == ECANCELED)
		return;
	if (err)
		api_store_error(j->req, err);
	else
		api_reply_list(j->req, j->mb);
}


/**
 * Answer {"<member>":[...]}: items(store, job) runs on a worker and
 * prints the items the caller sees with api_job_item() (at most 1000).
 */
void api_job_list(struct api_req *req, const char *member,
		  store_work_h *items)
{
	struct api_job *j = api_job_alloc(req, sizeof(*j), NULL);

	if (j) {
		j->list = member;
		j->items = items;
		(void)api_store_submit(req, j, list_work, list_done);
	}
	mem_deref(j);
}
