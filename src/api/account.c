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
 */
#include <stdarg.h>
#include <string.h>
#include <re.h>
#include "api.h"


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
