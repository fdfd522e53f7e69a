/**
 * @file api/dialpolicy.c  A tenant's policy for calls its customers ask for
 *
 * Web callbacks and click-to-call dial numbers that someone on the
 * Internet typed in.  Each tenant says, in its dial policy (table
 * dial_policy), which destination prefixes are never dialed (premium
 * numbers: "+1900 +1976" by default), whether a bare phone number may
 * identify a client (true by default), and how many requests one number
 * may make in an hour (10 by default; 0: no limit).
 *
 * Policies are kept in memory, loaded from the store at start; a tenant
 * without a row has the defaults.  PUT /v1/dial-policy stores the row
 * first and applies it once stored.
 *
 * The per-number count is a token bucket of ratelimit.c per tenant:
 * `per_number_hour` tokens, refilled at that many an hour.  The buckets
 * take a rate per second, so their clock runs 3600 times slower than the
 * wall clock: one "second" of it is an hour, and the wait it answers is
 * scaled back.  A bucket that has refilled is swept by one timer.
 */
#include <string.h>
#include <re.h>
#include "api.h"

enum {
	HOUR_SLOWDOWN = 3600,
	SWEEP_MS = 60000,
	BUCKETS_MAX = 20000,
	PER_HOUR_MAX = 100000,
	PREFIX_DIGITS_MAX = 15,
	DEFAULT_PER_HOUR = 10,
};

static const char default_blocked[] = "+1900 +1976";

struct policy {
	struct le le;                  /* in policies */
	struct store_dial_policy p;
	struct ratelimit *rl;          /* owned; NULL: no limit */
};

static struct list policies;       /* struct policy, owned */
static struct tmr sweep_tmr;


static uint64_t hour_clock(void *arg)
{
	(void)arg;
	return tmr_jiffies() / HOUR_SLOWDOWN;
}


static void policy_destructor(void *arg)
{
	struct policy *pol = arg;

	list_unlink(&pol->le);
	mem_deref(pol->rl);
}


static void defaults(struct store_dial_policy *p, const char *tenant)
{
	memset(p, 0, sizeof(*p));
	str_ncpy(p->tenant_id, tenant, sizeof(p->tenant_id));
	str_ncpy(p->blocked_prefixes, default_blocked,
		 sizeof(p->blocked_prefixes));
	p->number_id = true;
	p->per_number_hour = DEFAULT_PER_HOUR;
}


static struct policy *policy_find(const char *tenant)
{
	for (struct le *le = policies.head; le; le = le->next) {
		struct policy *pol = le->data;

		if (!strcmp(pol->p.tenant_id, tenant))
			return pol;
	}
	return NULL;
}


/* the counting buckets follow per_number_hour; a change starts afresh */
static int policy_apply(struct policy *pol, const struct store_dial_policy *p)
{
	bool fresh = !pol->rl || p->per_number_hour !=
		pol->p.per_number_hour;
	int err = 0;

	pol->p = *p;
	if (!fresh)
		return 0;
	pol->rl = mem_deref(pol->rl);
	if (p->per_number_hour)
		err = ratelimit_alloc(&pol->rl, p->per_number_hour,
				      p->per_number_hour, BUCKETS_MAX,
				      hour_clock, NULL);
	return err;
}


static struct policy *policy_add(const struct store_dial_policy *p)
{
	struct policy *pol = mem_zalloc(sizeof(*pol), policy_destructor);

	if (!pol)
		return NULL;
	if (policy_apply(pol, p)) {
		mem_deref(pol);
		return NULL;
	}
	list_append(&policies, &pol->le, pol);
	return pol;
}


/* the tenant's policy, the defaults made real on first use */
static struct policy *policy_get(const char *tenant)
{
	struct store_dial_policy p;
	struct policy *pol = policy_find(tenant);

	if (pol)
		return pol;
	defaults(&p, tenant);
	return policy_add(&p);
}


/* the next word of a space-separated list; false at its end */
static bool next_word(const char **sp, struct pl *w)
{
	const char *s = *sp;

	while (*s == ' ')
		++s;
	if (!*s)
		return false;
	w->p = s;
	while (*s && *s != ' ')
		++s;
	w->l = (size_t)(s - w->p);
	*sp = s;
	return true;
}


static bool prefix_blocked(const char *list, const char *number)
{
	struct pl w;

	while (next_word(&list, &w)) {
		if (!strncmp(number, w.p, w.l))
			return true;
	}
	return false;
}


/** A blocked destination of the tenant (nothing counted) */
bool dialpolicy_blocked(const char *tenant, const char *number)
{
	const struct policy *pol;

	if (!tenant || !number)
		return false;
	pol = policy_find(tenant);
	return prefix_blocked(pol ? pol->p.blocked_prefixes :
			      default_blocked, number);
}


/**
 * May `number` (E.164) be dialed for a customer of `tenant` now?  0: yes,
 * and the request is counted; EPERM: a blocked prefix; EAGAIN: the
 * number asked too often, *retry_s is when to try again.
 */
int dialpolicy_check(const char *tenant, const char *number,
		     uint32_t *retry_s)
{
	struct policy *pol;
	uint32_t wait;

	if (!tenant || !number)
		return EINVAL;
	if (dialpolicy_blocked(tenant, number))
		return EPERM;
	pol = policy_get(tenant);
	if (!pol || !pol->rl)
		return 0;
	wait = ratelimit_take(pol->rl, number, strlen(number));
	if (!wait)
		return 0;
	if (retry_s) {
		uint64_t s = ((uint64_t)wait * HOUR_SLOWDOWN + 999) / 1000;

		*retry_s = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
	}
	return EAGAIN;
}


/** Whether a bare phone number identifies a client of the tenant */
bool dialpolicy_number_id(const char *tenant)
{
	const struct policy *pol = tenant ? policy_find(tenant) : NULL;

	return pol ? pol->p.number_id : true;
}


/* ---- GET/PUT /v1/dial-policy ------------------------------------------ */

static int print_prefixes(struct re_printf *pf, void *arg)
{
	const char *list = arg;
	struct pl w;
	unsigned n = 0;
	int err = 0;

	while (next_word(&list, &w))
		err |= re_hprintf(pf, "%s\"%r\"", n++ ? "," : "", &w);
	return err;
}


static int print_policy(struct re_printf *pf, void *arg)
{
	const struct store_dial_policy *p = arg;

	/* prefixes are "+" and digits: nothing to escape */
	return re_hprintf(pf, "{\"blocked_prefixes\":[%H],"
			  "\"number_identification\":%s,"
			  "\"per_number_hour\":%u,\"updated_ms\":%llu}",
			  print_prefixes, p->blocked_prefixes,
			  p->number_id ? "true" : "false", p->per_number_hour,
			  (unsigned long long)p->updated_ms);
}


void api_dial_policy_get(struct api_req *req)
{
	const struct policy *pol = policy_find(req->who.tenant_id);
	struct store_dial_policy p;

	if (pol)
		p = pol->p;
	else
		defaults(&p, req->who.tenant_id);
	api_reply_json(req, 200, "%H", print_policy, &p);
}


static bool prefix_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > PREFIX_DIGITS_MAX + 1 || s[0] != '+')
		return false;
	return strspn(s + 1, "0123456789") == n - 1;
}


static bool prefixes_parse(struct api_req *req, const struct odict_entry *e,
			   char *out, size_t sz)
{
	size_t n = 0;
	bool ok = true;

	if (e->type != ODICT_ARRAY) {
		api_error(req, 400, "invalid_field", "blocked_prefixes",
			  "an array of prefixes such as \"+1900\"");
		return false;
	}
	out[0] = '\0';
	for (struct le *le = e->u.odict->lst.head; le && ok; le = le->next) {
		const struct odict_entry *x = le->data;

		if (x->type != ODICT_STRING || !prefix_valid(x->u.str)) {
			api_error(req, 400, "invalid_field",
				  "blocked_prefixes", "each a \"+\" and 1 to "
				  "15 digits");
			ok = false;
			break;
		}
		n += strlen(x->u.str) + 1;
		if (n >= sz) {
			api_error(req, 400, "invalid_field",
				  "blocked_prefixes", "too many prefixes");
			ok = false;
			break;
		}
		if (out[0])
			strcat(out, " ");
		strcat(out, x->u.str);
	}
	return ok;
}


struct put_job {
	struct api_req *req;           /* mem_ref'd */
	struct store_dial_policy p;
};


static void put_job_destructor(void *arg)
{
	struct put_job *j = arg;

	mem_deref(j->req);
}


static int put_work(struct store *st, void *arg)
{
	struct put_job *j = arg;

	return store_dial_policy_put(st, &j->p);
}


static void put_done(int err, void *arg)
{
	struct put_job *j = arg;
	struct policy *pol;

	if (err == ECANCELED)
		return;
	if (err) {
		api_error(j->req, 503, "unavailable", NULL,
			  "store unavailable");
		return;
	}
	pol = policy_find(j->p.tenant_id);
	if (pol ? policy_apply(pol, &j->p) != 0 : !policy_add(&j->p)) {
		api_error(j->req, 500, "internal", NULL, "out of memory");
		return;
	}
	api_reply_json(j->req, 200, "%H", print_policy, &j->p);
}


void api_dial_policy_put(struct api_req *req)
{
	const struct odict_entry *bp, *ni, *ph;
	const struct policy *pol;
	struct put_job *j;

	if (!req->body) {
		api_error(req, 400, "missing_body", NULL,
			  "a JSON object is required");
		return;
	}
	j = mem_zalloc(sizeof(*j), put_job_destructor);
	if (!j) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	/* what is not given stays as it is */
	pol = policy_find(req->who.tenant_id);
	if (pol)
		j->p = pol->p;
	else
		defaults(&j->p, req->who.tenant_id);

	bp = odict_lookup(req->body, "blocked_prefixes");
	ni = odict_lookup(req->body, "number_identification");
	ph = odict_lookup(req->body, "per_number_hour");
	if (bp && !prefixes_parse(req, bp, j->p.blocked_prefixes,
				  sizeof(j->p.blocked_prefixes)))
		goto out;
	if (ni) {
		if (ni->type != ODICT_BOOL) {
			api_error(req, 400, "invalid_field",
				  "number_identification", "true or false");
			goto out;
		}
		j->p.number_id = ni->u.boolean;
	}
	if (ph) {
		if (ph->type != ODICT_INT || ph->u.integer < 0 ||
		    ph->u.integer > PER_HOUR_MAX) {
			api_error(req, 400, "invalid_field", "per_number_hour",
				  "an integer from 0 (no limit) to 100000");
			goto out;
		}
		j->p.per_number_hour = (uint32_t)ph->u.integer;
	}
	j->p.updated_ms = call_now_ms();
	j->req = mem_ref(req);
	if (store_submit(store_default(), put_work, put_done, j))
		api_error(req, 503, "unavailable", NULL, "store unavailable");
 out:
	mem_deref(j);
}


/* ---- subsystem ----------------------------------------------------------- */

static bool load_handler(const struct store_dial_policy *p, void *arg)
{
	(void)arg;

	if (!policy_add(p))
		log_warn(NULL, "dial policy of tenant %s not loaded",
			 p->tenant_id);
	return false;
}


static void sweep_handler(void *arg)
{
	(void)arg;

	for (struct le *le = policies.head; le; le = le->next) {
		struct policy *pol = le->data;

		(void)ratelimit_sweep(pol->rl);
	}
	tmr_start(&sweep_tmr, SWEEP_MS, sweep_handler, NULL);
}


int dialpolicy_init(void)
{
	struct store *st = store_default();
	int err;

	list_init(&policies);
	tmr_init(&sweep_tmr);
	if (st) {
		err = store_dial_policy_list(st, load_handler, NULL);
		if (err) {
			log_warn(NULL, "dial policies not loaded (%m)", err);
			dialpolicy_close();
			return err;
		}
	}
	tmr_start(&sweep_tmr, SWEEP_MS, sweep_handler, NULL);
	return 0;
}


void dialpolicy_close(void)
{
	tmr_cancel(&sweep_tmr);
	list_flush(&policies);
}
