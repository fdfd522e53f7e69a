/**
 * @file api/callme.c  The "Call me" page's public routes (seed 000)
 *
 * web/callme.html is a business's page for its customers: they identify
 * themselves by login and password or by their phone number, choose a
 * content item, optionally a time, and are called back.  The page needs
 * no credentials, so these routes are public:
 *
 *   GET  /v1/callme/{tenant}/items   what the tenant offers: for now the
 *                                    prompts of media.prompt_dir (*.wav)
 *   POST /v1/callme                  {tenant, client: {number} | {login,
 *                                    password}, service: {play: item},
 *                                    at?}: a callback of that tenant,
 *                                    through the same path as POST
 *                                    /v1/callbacks (dial policy included)
 *   GET  /v1/callme/{id}?token=      (callbacks.c) its status, for the
 *                                    holder of the token of the reply
 *
 * What a public request may ask is narrower than the API: no account as
 * the client, no other number than the client's own, no text to speak,
 * no bridge, no billing, no status callback; an item must be one the
 * tenant offers.  Each client address (IPv6: its /64) may post
 * CALLME_PER_MIN requests a minute (a ratelimit.c table whose clock runs
 * 60 times slower, so that its rate per second is a rate per minute).
 * The tenant is looked up on a store worker first: an unknown one is 404.
 */
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <re.h>
#include "api.h"

enum {
	CALLME_PER_MIN = 10,
	CALLME_BUCKETS = 10000,
	MINUTE_SLOWDOWN = 60,
	ITEMS_MAX = 200,
	ITEM_NAME_MAX = 128,
};

static struct ratelimit *rl_ip;


static uint64_t minute_clock(void *arg)
{
	(void)arg;
	return tmr_jiffies() / MINUTE_SLOWDOWN;
}


/* an offered item: a plain *.wav name of the prompt directory */
static bool item_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n < 5 || n >= ITEM_NAME_MAX || name[0] == '.' ||
	    strcmp(name + n - 4, ".wav"))
		return false;
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		      *p == '.'))
			return false;
	}
	return true;
}


static bool tenant_ref_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= CB_ID_LEN &&
		strspn(s, "abcdefghijklmnopqrstuvwxyz"
		       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}


struct callme_job {
	struct api_req *req;                /* mem_ref'd */
	char tenant[CB_ID_LEN + 1];         /* the id, once found */
	char item[ITEM_NAME_MAX];           /* POST: the item asked for */
	struct mbuf *mb;                    /* GET items: the JSON list */
	bool offered;                       /* POST: the item is there */
};


static void job_destructor(void *arg)
{
	struct callme_job *j = arg;

	mem_deref(j->mb);
	mem_deref(j->req);
}


static int tenant_find(struct store *st, struct callme_job *j)
{
	struct store_tenant t;
	int err = store_tenant_get(st, &t, j->tenant);

	if (!err)
		str_ncpy(j->tenant, t.id, sizeof(j->tenant));
	return err;
}


static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}


/* the offered items, sorted: [{"id": "welcome.wav", "title": "welcome"}] */
static int items_print(struct mbuf *mb, const char *dir)
{
	char *namev[ITEMS_MAX];
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return 0;
	while (n < ITEMS_MAX && (de = readdir(d))) {
		if (item_name_ok(de->d_name) &&
		    str_dup(&namev[n], de->d_name) == 0)
			++n;
	}
	closedir(d);
	qsort(namev, n, sizeof(namev[0]), name_cmp);
	for (size_t i = 0; i < n; i++) {
		/* names are [A-Za-z0-9._-]: nothing to escape */
		err |= mbuf_printf(mb, "%s{\"id\":\"%s\",\"title\":\"%b\"}",
				   i ? "," : "", namev[i], namev[i],
				   strlen(namev[i]) - 4);
		mem_deref(namev[i]);
	}
	return err;
}


static int items_work(struct store *st, void *arg)
{
	struct callme_job *j = arg;
	int err = tenant_find(st, j);

	if (err)
		return err;
	j->mb = mbuf_alloc(1024);
	if (!j->mb)
		return ENOMEM;
	return items_print(j->mb, api_config()->prompt_dir);
}


static void items_done(int err, void *arg)
{
	struct callme_job *j = arg;

	if (err == ECANCELED)
		return;
	if (err == ENOENT) {
		api_error(j->req, 404, "not_found", NULL, "no such business");
		return;
	}
	if (err) {
		api_error(j->req, 503, "unavailable", NULL,
			  "store unavailable");
		return;
	}
	api_reply_json(j->req, 200, "{\"tenant\":\"%s\",\"items\":[%b]}",
		       j->tenant, j->mb->buf, j->mb->end);
}


void api_callme_items(struct api_req *req)
{
	struct callme_job *j;

	if (!tenant_ref_ok(req->param[0])) {
		api_error(req, 404, "not_found", NULL, "no such business");
		return;
	}
	j = mem_zalloc(sizeof(*j), job_destructor);
	if (!j) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	j->req = mem_ref(req);
	str_ncpy(j->tenant, req->param[0], sizeof(j->tenant));
	if (store_submit(store_default(), items_work, items_done, j))
		api_error(req, 503, "unavailable", NULL, "store unavailable");
	mem_deref(j);
}


/* ---- POST /v1/callme ----------------------------------------------------- */

static int create_work(struct store *st, void *arg)
{
	struct callme_job *j = arg;
	char path[512];
	int err = tenant_find(st, j);

	if (err)
		return err;
	(void)re_snprintf(path, sizeof(path), "%s/%s",
			  api_config()->prompt_dir, j->item);
	j->offered = access(path, R_OK) == 0;
	return 0;
}


static void create_done(int err, void *arg)
{
	struct callme_job *j = arg;

	if (err == ECANCELED)
		return;
	if (err == ENOENT) {
		api_error(j->req, 404, "unknown_business", "tenant",
			  "no such business");
		return;
	}
	if (err) {
		api_error(j->req, 503, "unavailable", NULL,
			  "store unavailable");
		return;
	}
	if (!j->offered) {
		api_error(j->req, 422, "unknown_item", "service.play",
			  "not an item this business offers");
		return;
	}
	callbacks_create(j->req, j->tenant, true);
}


/* only what a customer may ask for; false: answered */
static bool body_allowed(struct api_req *req, const char **tenantp,
			 const char **itemp)
{
	static const char *const top[] = {"tenant", "client", "service",
					  "at"};
	const struct odict_entry *t, *c, *s, *play;

	for (struct le *le = req->body->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		bool known = false;

		for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
			known |= !strcmp(e->key, top[i]);
		if (!known) {
			api_error(req, 400, "unknown_field", e->key,
				  "not allowed on this page");
			return false;
		}
	}
	t = odict_lookup(req->body, "tenant");
	if (!t || t->type != ODICT_STRING || !tenant_ref_ok(t->u.str)) {
		api_error(req, 400, t ? "invalid_field" : "missing_field",
			  "tenant", "the business's id");
		return false;
	}
	c = odict_lookup(req->body, "client");
	if (c && c->type == ODICT_OBJECT &&
	    odict_lookup(c->u.odict, "account")) {
		api_error(req, 400, "unknown_field", "client.account",
			  "not allowed on this page");
		return false;
	}
	s = odict_lookup(req->body, "service");
	play = s && s->type == ODICT_OBJECT ?
		odict_lookup(s->u.odict, "play") : NULL;
	if (!s || s->type != ODICT_OBJECT || odict_count(s->u.odict, false)
	    != 1 || !play || play->type != ODICT_STRING ||
	    !item_name_ok(play->u.str)) {
		api_error(req, 400, s ? "invalid_field" : "missing_field",
			  "service", "{play: an item of the business}");
		return false;
	}
	*tenantp = t->u.str;
	*itemp = play->u.str;
	return true;
}


void api_callme_create(struct api_req *req)
{
	const char *tenant, *item;
	struct callme_job *j;
	uint8_t key[16];
	size_t klen;
	uint32_t wait_ms;
	char hdrs[64];

	if (!rl_ip && ratelimit_alloc(&rl_ip, CALLME_PER_MIN, CALLME_PER_MIN,
				      CALLME_BUCKETS, minute_clock, NULL)) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	klen = api_addr_key(key, http_conn_peer(req->conn));
	wait_ms = klen ? ratelimit_take(rl_ip, key, klen) : 0;
	if (wait_ms) {
		uint64_t s = ((uint64_t)wait_ms * MINUTE_SLOWDOWN + 999) / 1000;

		(void)re_snprintf(hdrs, sizeof(hdrs), "Retry-After: %llu\r\n",
				  (unsigned long long)s);
		req->hdrs = hdrs;
		api_error(req, 429, "rate_limited", NULL,
			  "too many requests from this address; retry later");
		req->hdrs = NULL;
		return;
	}
	if (!req->body) {
		api_error(req, 400, "missing_body", NULL,
			  "a JSON object is required");
		return;
	}
	if (!body_allowed(req, &tenant, &item))
		return;
	j = mem_zalloc(sizeof(*j), job_destructor);
	if (!j) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	j->req = mem_ref(req);
	str_ncpy(j->tenant, tenant, sizeof(j->tenant));
	str_ncpy(j->item, item, sizeof(j->item));
	if (store_submit(store_default(), create_work, create_done, j))
		api_error(req, 503, "unavailable", NULL, "store unavailable");
	mem_deref(j);
}


void callme_close(void)
{
	rl_ip = mem_deref(rl_ip);
}
