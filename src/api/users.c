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

enum { GENERATED_LEN = 24 };

struct user_job {
	struct api_job a;                 /* first: the caller, the path's id */
	struct store_user u;              /* result */
	char tenant[STORE_NAME_MAX];      /* id or name; "" = own */
	char login[STORE_NAME_MAX];
	enum cb_role role;
	char password[AUTH_PASSWORD_MAX];
	bool generated;
};


static void user_wipe(struct api_job *a)
{
	struct user_job *j = (struct user_job *)a;

	sodium_memzero(j->password, sizeof(j->password));
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
	return api_job_item(arg, "%H", json_user, u);
}


static int list_items(struct store *st, void *arg)
{
	return store_user_list(st, api_job_scope(arg), list_h, arg);
}


void api_users_list(struct api_req *req)
{
	api_job_list(req, "users", list_items);
}


/* ---- create -------------------------------------------------------- */

/*
 * EACCES, ENOENT: api_job_tenant(); EPERM: an admin outside the default
 * tenant; EEXIST: login taken.
 */
static int create_work(struct store *st, void *arg)
{
	struct user_job *j = arg;
	struct store_tenant t;
	int err = api_job_tenant(&j->a, st, &t, j->tenant);

	if (err)
		return err;
	return auth_user_create(st, &j->u, t.id, j->login, j->role,
				j->password);
}


static void create_done(int err, void *arg)
{
	struct user_job *j = arg;
	struct api_req *req = j->a.req;

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
	case EPERM:
		api_error(req, 422, "invalid_role", "role",
			  "admins are users of the default tenant");
		break;
	case EEXIST:
		api_error(req, 409, "exists", "login",
			  "this login is taken");
		break;
	default:
		api_job_tenant_error(req, err, "you may add users to your "
				     "own tenant only");
		break;
	}
}


/* login, role, password, tenant: false once answered */
static bool create_read(struct api_req *req, struct user_job *j)
{
	char role[STORE_ROLE_MAX], msg[64];
	size_t pwlen;

	if (!api_need_body(req, "send a JSON object") ||
	    !api_field_str(req, "login", j->login, sizeof(j->login), true) ||
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
	if (j->role == CB_ROLE_ADMIN && !j->a.admin) {
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
	struct user_job *j = api_job_alloc(req, sizeof(*j), user_wipe);

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

	err = store_user_get(st, &j->u, j->a.id);
	if (err)
		return err;
	if (!api_job_sees(&j->a, j->u.tenant_id))
		return ENOENT;
	if (!j->a.admin &&
	    !strcmp(j->u.role, auth_role_name(CB_ROLE_ADMIN)))
		return EACCES;
	return store_user_delete(st, j->a.id);
}


static void delete_done(int err, void *arg)
{
	struct user_job *j = arg;
	struct api_req *req = j->a.req;

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

	if (!strcmp(req->param[0], req->who.user_id)) {
		api_error(req, 409, "self", NULL,
			  "you cannot delete your own user");
		return;
	}
	j = api_job_alloc(req, sizeof(*j), user_wipe);
	if (j && api_job_path_id(&j->a, "no such user"))
		(void)api_store_submit(req, j, delete_work, delete_done);
	mem_deref(j);
}
