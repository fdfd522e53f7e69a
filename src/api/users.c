/**
 * @file api/users.c  /v1/users: who may sign in to the web pages
 *
 * Admins see and manage the users of every tenant; an operator those of
 * its own tenant, except admins (it may neither create nor delete one),
 * and another tenant's user is "no such user" (404).  A new user gets
 * the password given (AUTH_PASSWORD_MIN-127 characters) or a generated
 * one, returned once in the reply (a replay of the POST for its
 * Idempotency-Key has "password": null); only its Argon2id hash is
 * kept, and the hashing runs on a store worker.  Admins are users of the default
 * tenant (422 elsewhere).  Nobody deletes their own user (409); deleting
 * a user ends its sessions (the store deletes them with it).
 */
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "api.h"

enum { LIST_MAX = 1000, GENERATED_LEN = 24 };

struct user_job {
	struct api_req *req;              /* mem_ref'd */
	struct store_user u;              /* result */
	bool admin;                       /* the caller is an admin */
	char own[CB_ID_LEN + 1];          /* the caller's tenant */
	char tenant[STORE_NAME_MAX];      /* id or name; "" = own */
	char login[STORE_NAME_MAX];
	enum cb_role role;
	char password[AUTH_PASSWORD_MAX];
	bool generated;
	char id[CB_ID_LEN + 1];           /* delete */
	struct mbuf *mb;                  /* list, built on the worker */
	uint32_t n;
};


static void job_destructor(void *arg)
{
	struct user_job *j = arg;

	sodium_memzero(j->password, sizeof(j->password));
	mem_deref(j->mb);
	mem_deref(j->req);
}


static struct user_job *job_alloc(struct api_req *req)
{
	struct user_job *j = mem_zalloc(sizeof(*j), job_destructor);

	if (!j) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return NULL;
	}
	j->req = mem_ref(req);
	j->admin = api_is_admin(req);
	str_ncpy(j->own, req->who.tenant_id, sizeof(j->own));
	return j;
}


/* the password hash stays in the store */
static int json_user(struct re_printf *pf, const struct store_user *u)
{
	return re_hprintf(pf, "{\"id\":%H,\"tenant_id\":%H,\"login\":%H,"
			  "\"role\":%H,\"created_ms\":%llu}",
			  api_json_str, u->id, api_json_str, u->tenant_id,
			  api_json_str, u->login, api_json_str, u->role,
			  (unsigned long long)u->created_ms);
}


/* ---- list ---------------------------------------------------------- */

static bool list_h(const struct store_user *u, void *arg)
{
	struct user_job *j = arg;

	(void)mbuf_printf(j->mb, "%s%H", j->n ? "," : "", json_user, u);
	return ++j->n >= LIST_MAX;
}


static int list_work(struct store *st, void *arg)
{
	struct user_job *j = arg;
	int err;

	j->mb = mbuf_alloc(1024);
	if (!j->mb)
		return ENOMEM;
	(void)mbuf_write_str(j->mb, "{\"users\":[");
	err = store_user_list(st, j->admin ? NULL : j->own, list_h, j);
	(void)mbuf_write_str(j->mb, "]}");
	return err;
}


static void list_done(int err, void *arg)
{
	struct user_job *j = arg;

	if (err == ECANCELED)
		return;
	if (err)
		api_store_error(j->req, err);
	else
		api_reply_list(j->req, j->mb);
}


void api_users_list(struct api_req *req)
{
	struct user_job *j = job_alloc(req);

	if (j)
		(void)api_store_submit(req, j, list_work, list_done);
	mem_deref(j);
}


/* ---- create -------------------------------------------------------- */

/*
 * EACCES: a tenant the caller may not add users to (for a non-admin,
 * unknown tenants too: existence is not told); ENOENT: no such tenant;
 * EPERM: an admin outside the default tenant; EEXIST: login taken.
 */
static int create_work(struct store *st, void *arg)
{
	struct user_job *j = arg;
	struct store_tenant t;
	int err;

	err = store_tenant_get(st, &t, j->tenant[0] ? j->tenant : j->own);
	if (err == ENOENT && !j->admin)
		return EACCES;
	if (err)
		return err;
	if (!j->admin && strcmp(t.id, j->own))
		return EACCES;
	return auth_user_create(st, &j->u, t.id, j->login, j->role,
				j->password);
}


static void create_done(int err, void *arg)
{
	struct user_job *j = arg;
	struct api_req *req = j->req;

	if (err == ECANCELED)
		return;
	switch (err) {

	case 0:
		log_info(NULL, "user %s (%s, %s) created in tenant %s",
			 j->u.id, j->u.login, j->u.role, j->u.tenant_id);
		/* a generated password is shown here, once: an
		 * Idempotency-Key replay gets null */
		api_idem_redact(req, 201, "{\"user\":%H%s}", json_user,
				&j->u, j->generated ? ",\"password\":null" : "");
		api_reply_json(req, 201, "{\"user\":%H%s%H}", json_user,
			       &j->u, j->generated ? ",\"password\":" : "",
			       api_json_str, j->generated ? j->password
			       : NULL);
		break;
	case EACCES:
		api_error(req, 403, "forbidden", "tenant",
			  "you may add users to your own tenant only");
		break;
	case ENOENT:
		api_error(req, 422, "unknown_tenant", "tenant",
			  "no such tenant");
		break;
	case EPERM:
		api_error(req, 422, "invalid_role", "role",
			  "admins are users of the default tenant");
		break;
	case EEXIST:
		api_error(req, 409, "exists", "login",
			  "this login is taken");
		break;
	default:
		api_store_error(req, err);
		break;
	}
}


/* login, role, password, tenant: false once answered */
static bool create_read(struct api_req *req, struct user_job *j)
{
	char role[STORE_ROLE_MAX], msg[64];
	size_t pwlen;

	if (!req->body) {
		api_error(req, 400, "missing_body", NULL,
			  "send a JSON object");
		return false;
	}
	if (!api_field_str(req, "login", j->login, sizeof(j->login), true) ||
	    !api_field_str(req, "role", role, sizeof(role), true) ||
	    !api_field_str(req, "password", j->password,
			   sizeof(j->password), false) ||
	    !api_field_str(req, "tenant", j->tenant, sizeof(j->tenant),
			   false))
		return false;

	if (!auth_name_valid(j->login)) {
		api_error(req, 400, "invalid_field", "login",
			  "1-63 of A-Z a-z 0-9 - _ . @");
		return false;
	}
	if (auth_role_parse(&j->role, role)) {
		api_error(req, 400, "invalid_field", "role",
			  "admin, operator, agent or customer");
		return false;
	}
	if (j->role == CB_ROLE_ADMIN && !j->admin) {
		api_error(req, 403, "forbidden", "role",
			  "only an admin may create an admin");
		return false;
	}

	pwlen = strlen(j->password);
	if (odict_lookup(req->body, "password") &&
	    (pwlen < AUTH_PASSWORD_MIN || pwlen >= AUTH_PASSWORD_MAX)) {
		(void)re_snprintf(msg, sizeof(msg), "at least %d and at "
				  "most %d characters", AUTH_PASSWORD_MIN,
				  AUTH_PASSWORD_MAX - 1);
		api_error(req, 400, "invalid_field", "password", msg);
		return false;
	}
	if (!pwlen) {
		auth_password_generate(j->password, GENERATED_LEN + 1);
		j->generated = true;
	}
	return true;
}


void api_users_create(struct api_req *req)
{
	struct user_job *j = job_alloc(req);

	if (j && create_read(req, j))
		(void)api_store_submit(req, j, create_work, create_done);
	mem_deref(j);
}


/* ---- delete -------------------------------------------------------- */

/* ENOENT: none the caller sees; EACCES: an admin, for a non-admin */
static int delete_work(struct store *st, void *arg)
{
	struct user_job *j = arg;
	int err;

	err = store_user_get(st, &j->u, j->id);
	if (err)
		return err;
	if (!j->admin && strcmp(j->u.tenant_id, j->own))
		return ENOENT;
	if (!j->admin && !strcmp(j->u.role, auth_role_name(CB_ROLE_ADMIN)))
		return EACCES;
	return store_user_delete(st, j->id);
}


static void delete_done(int err, void *arg)
{
	struct user_job *j = arg;
	struct api_req *req = j->req;

	if (err == ECANCELED)
		return;
	switch (err) {

	case 0:
		log_info(NULL, "user %s (%s) deleted by %s%s", j->u.id,
			 j->u.login, req->who.user_id, req->who.key_id);
		api_reply_json(req, 200, "{\"deleted\":true,\"user\":%H}",
			       json_user, &j->u);
		break;
	case ENOENT:
		api_error(req, 404, "not_found", NULL, "no such user");
		break;
	case EACCES:
		api_error(req, 403, "forbidden", NULL,
			  "only an admin may delete an admin");
		break;
	default:
		api_store_error(req, err);
		break;
	}
}


void api_users_delete(struct api_req *req)
{
	struct user_job *j;

	if (strlen(req->param[0]) > CB_ID_LEN) {
		api_error(req, 404, "not_found", NULL, "no such user");
		return;
	}
	if (!strcmp(req->param[0], req->who.user_id)) {
		api_error(req, 409, "self", NULL,
			  "you cannot delete your own user");
		return;
	}
	j = job_alloc(req);
	if (j) {
		str_ncpy(j->id, req->param[0], sizeof(j->id));
		(void)api_store_submit(req, j, delete_work, delete_done);
	}
	mem_deref(j);
}
