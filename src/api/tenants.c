/**
 * @file api/tenants.c  /v1/tenants: the platform's businesses (admins)
 *
 * List, create, read and change tenants: the name (1-63 of A-Z a-z 0-9
 * - _ . @, unique) and the webhook URL that receives the events of the
 * tenant's calls placed without a status_callback (an http:// URL, or ""
 * for none).  The route table admits admins only.  `{id}` is a tenant id
 * or name.  The default tenant keeps its name: start-up finds it by it.
 * After a change the webhook sender's copy of the tenant's URL is
 * updated (webhook_tenant_set()), on the re_main thread.
 */
#include <string.h>
#include <re.h>
#include "api.h"

struct tenant_job {
	struct api_job a;               /* first: the caller */
	struct store_tenant t;          /* result */
	char key[STORE_NAME_MAX];       /* id or name from the path */
	char name[STORE_NAME_MAX];
	char url[STORE_URL_MAX];
	bool set_name, set_url;
};


static struct tenant_job *job_alloc(struct api_req *req)
{
	return api_job_alloc(req, sizeof(struct tenant_job), NULL);
}


static int json_tenant(struct re_printf *pf, const struct store_tenant *t)
{
	return re_hprintf(pf, "{\"id\":%H,\"name\":%H,\"webhook_url\":%H,"
			  "\"created_ms\":%llu}",
			  api_json_str, t->id, api_json_str, t->name,
			  api_json_str, t->webhook_url,
			  (unsigned long long)t->created_ms);
}


/* the body's name and webhook_url, checked; false once answered */
static bool fields_read(struct api_req *req, struct tenant_job *j,
			bool name_required)
{
	if (!api_need_body(req, "send a JSON object") ||
	    !api_field_str(req, "name", j->name, sizeof(j->name),
			   name_required) ||
	    !api_field_str(req, "webhook_url", j->url, sizeof(j->url),
			   false))
		return false;

	j->set_name = odict_lookup(req->body, "name") != NULL;
	j->set_url = odict_lookup(req->body, "webhook_url") != NULL;
	if (j->set_name && !auth_name_valid(j->name)) {
		api_error(req, 400, "invalid_field", "name",
			  "1-63 of A-Z a-z 0-9 - _ . @");
		return false;
	}
	if (j->url[0] && !webhook_url_valid(j->url)) {
		api_error(req, 400, "invalid_field", "webhook_url",
			  "an http:// URL of at most 256 characters, or \"\"");
		return false;
	}
	if (!j->set_name && !j->set_url) {
		api_error(req, 400, "missing_field", NULL,
			  "give name or webhook_url");
		return false;
	}
	return true;
}


/* ---- list ---------------------------------------------------------- */

static bool list_h(const struct store_tenant *t, void *arg)
{
	return api_job_item(arg, "%H", json_tenant, t);
}


static int list_items(struct store *st, void *arg)
{
	return store_tenant_list(st, list_h, arg);
}


void api_tenants_list(struct api_req *req)
{
	api_job_list(req, "tenants", list_items);
}


/* ---- create -------------------------------------------------------- */

static int create_work(struct store *st, void *arg)
{
	struct tenant_job *j = arg;

	return auth_tenant_create(st, &j->t, j->name, j->url);
}


static void create_done(int err, void *arg)
{
	struct tenant_job *j = arg;
	struct api_req *req = j->a.req;

	if (err == ECANCELED)
		return;
	if (err == EEXIST) {
		api_error(req, 409, "exists", "name",
			  "a tenant with this name exists");
		return;
	}
	if (err) {
		api_store_error(req, err);
		return;
	}
	(void)webhook_tenant_set(j->t.id, j->t.webhook_url);
	log_info(NULL, "tenant %s (%s) created by %s%s", j->t.id, j->t.name,
		 req->who.user_id, req->who.key_id);
	api_reply_json(req, 201, "%H", json_tenant, &j->t);
}


void api_tenants_create(struct api_req *req)
{
	struct tenant_job *j = job_alloc(req);

	if (j && fields_read(req, j, true))
		(void)api_store_submit(req, j, create_work, create_done);
	mem_deref(j);
}


/* ---- get ----------------------------------------------------------- */

static int get_work(struct store *st, void *arg)
{
	struct tenant_job *j = arg;

	return store_tenant_get(st, &j->t, j->key);
}


static void get_done(int err, void *arg)
{
	struct tenant_job *j = arg;

	if (err == ECANCELED)
		return;
	if (err == ENOENT)
		api_error(j->a.req, 404, "not_found", NULL,
			  "no such tenant");
	else if (err)
		api_store_error(j->a.req, err);
	else
		api_reply_json(j->a.req, 200, "%H", json_tenant, &j->t);
}


void api_tenants_get(struct api_req *req)
{
	struct tenant_job *j = job_alloc(req);

	if (j) {
		str_ncpy(j->key, req->param[0], sizeof(j->key));
		(void)api_store_submit(req, j, get_work, get_done);
	}
	mem_deref(j);
}


/* ---- update -------------------------------------------------------- */

/* EPERM: the default tenant would lose its name */
static int update_work(struct store *st, void *arg)
{
	struct tenant_job *j = arg;
	int err;

	err = store_tenant_get(st, &j->t, j->key);
	if (err)
		return err;
	if (j->set_name && !strcmp(j->t.name, "default") &&
	    strcmp(j->name, "default"))
		return EPERM;
	if (j->set_name)
		str_ncpy(j->t.name, j->name, sizeof(j->t.name));
	if (j->set_url)
		str_ncpy(j->t.webhook_url, j->url, sizeof(j->t.webhook_url));
	return store_tenant_update(st, &j->t);
}


static void update_done(int err, void *arg)
{
	struct tenant_job *j = arg;
	struct api_req *req = j->a.req;

	if (err == ECANCELED)
		return;
	switch (err) {

	case 0:
		(void)webhook_tenant_set(j->t.id, j->t.webhook_url);
		log_info(NULL, "tenant %s updated (name=%s webhook_url=%s)",
			 j->t.id, j->t.name, j->t.webhook_url);
		api_reply_json(req, 200, "%H", json_tenant, &j->t);
		break;
	case ENOENT:
		api_error(req, 404, "not_found", NULL, "no such tenant");
		break;
	case EEXIST:
		api_error(req, 409, "exists", "name",
			  "a tenant with this name exists");
		break;
	case EPERM:
		api_error(req, 409, "default_tenant", "name",
			  "the default tenant keeps its name");
		break;
	default:
		api_store_error(req, err);
		break;
	}
}


void api_tenants_update(struct api_req *req)
{
	struct tenant_job *j = job_alloc(req);

	if (j && fields_read(req, j, false)) {
		str_ncpy(j->key, req->param[0], sizeof(j->key));
		(void)api_store_submit(req, j, update_work, update_done);
	}
	mem_deref(j);
}
