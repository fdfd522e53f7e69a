/**
 * @file tests/unit/store_cc.c  The contact centre in the store
 *
 * A business, an agent and a dialing policy are upserts; a call request
 * is only replaced by a higher version.  Every get and delete names its
 * tenant and never sees another tenant's row, and a put of an id that
 * another tenant holds is refused.  Requests list newest first, for one
 * agent or the whole tenant, from a time on, at most `limit` of them.
 */
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "test.h"
#include "tmpstore.h"

int test_store_cc_business(void);
int test_store_cc_agent(void);
int test_store_cc_request(void);
int test_store_cc_request_list(void);
int test_store_cc_dial_policy(void);

/* what a listing handed to its handler */
struct seen {
	char ids[128];      /* "a,b,c": the ids, in order */
	unsigned n;
	unsigned stop_at;   /* 0 = list everything */
};


static void seen_init(struct seen *s, unsigned stop_at)
{
	memset(s, 0, sizeof(*s));
	s->stop_at = stop_at;
}


static bool seen_add(struct seen *s, const char *id)
{
	size_t len = strlen(s->ids);

	(void)re_snprintf(s->ids + len, sizeof(s->ids) - len, "%s%s",
			  len ? "," : "", id);
	++s->n;
	return s->stop_at && s->n >= s->stop_at;
}


static bool business_h(const struct store_cc_business *b, void *arg)
{
	return seen_add(arg, b->tenant_id);
}


static bool agent_h(const struct store_cc_agent *a, void *arg)
{
	return seen_add(arg, a->id);
}


static bool request_h(const struct store_cc_request *r, void *arg)
{
	return seen_add(arg, r->id);
}


static bool policy_h(const struct store_dial_policy *p, void *arg)
{
	struct store_dial_policy *v = arg;

	/* the test keeps the first two tenants' policies */
	if (!v[0].tenant_id[0])
		v[0] = *p;
	else
		v[1] = *p;
	return false;
}


static void business_fill(struct store_cc_business *b, const char *tenant,
			  const char *name, uint32_t ring_s)
{
	memset(b, 0, sizeof(*b));
	str_ncpy(b->tenant_id, tenant, sizeof(b->tenant_id));
	str_ncpy(b->name, name, sizeof(b->name));
	str_ncpy(b->announcement, "Welcome to {business}",
		 sizeof(b->announcement));
	str_ncpy(b->origins, "https://a.example https://b.example",
		 sizeof(b->origins));
	str_ncpy(b->hours, "mon-fri 09:00-17:00", sizeof(b->hours));
	str_ncpy(b->hold_prompt, "hold.wav", sizeof(b->hold_prompt));
	b->ring_s = ring_s;
	b->fallback_s = 30;
	b->wrap_s = 10;
	b->max_noanswer = 3;
	b->position_s = 20;
	str_ncpy(b->billing_account, "accA", sizeof(b->billing_account));
	b->updated_ms = 1000;
}


static int agent_put(struct store *st, const char *tenant, const char *id,
		     const char *name, uint64_t created)
{
	struct store_cc_agent a;

	memset(&a, 0, sizeof(a));
	str_ncpy(a.id, id, sizeof(a.id));
	str_ncpy(a.tenant_id, tenant, sizeof(a.tenant_id));
	str_ncpy(a.name, name, sizeof(a.name));
	str_ncpy(a.endpoint, "alice", sizeof(a.endpoint));
	str_ncpy(a.user_id, "uA", sizeof(a.user_id));
	str_ncpy(a.skills, "cruises:7,flights:3", sizeof(a.skills));
	a.created_ms = created;
	a.updated_ms = created + 1;
	return store_cc_agent_put(st, &a);
}


static void request_fill(struct store_cc_request *r, const char *tenant,
			 const char *id, uint64_t created, uint32_t ver)
{
	memset(r, 0, sizeof(*r));
	str_ncpy(r->id, id, sizeof(r->id));
	str_ncpy(r->tenant_id, tenant, sizeof(r->tenant_id));
	str_ncpy(r->source, "widget", sizeof(r->source));
	str_ncpy(r->token_hash, "ab01", sizeof(r->token_hash));
	str_ncpy(r->customer, "+15550100", sizeof(r->customer));
	str_ncpy(r->customer_name, "Carol", sizeof(r->customer_name));
	str_ncpy(r->page_url, "https://a.example/cruise?id=7",
		 sizeof(r->page_url));
	str_ncpy(r->page_title, "Caribbean cruise", sizeof(r->page_title));
	str_ncpy(r->note, "cabin upgrade", sizeof(r->note));
	str_ncpy(r->skill, "cruises", sizeof(r->skill));
	str_ncpy(r->status, "scheduled", sizeof(r->status));
	r->due_ms = created;
	r->created_ms = created;
	r->updated_ms = created;
	r->ver = ver;
}


static int request_put(struct store *st, const char *tenant, const char *id,
		       const char *agent, uint64_t created)
{
	struct store_cc_request r;

	request_fill(&r, tenant, id, created, 1);
	str_ncpy(r.agent_id, agent, sizeof(r.agent_id));
	return store_cc_request_put(st, &r);
}


static int business_list(struct store *st, struct seen *s,
			 unsigned stop_at)
{
	seen_init(s, stop_at);
	return store_cc_business_list(st, business_h, s);
}


static int agent_list(struct store *st, const char *tenant,
		      struct seen *s, unsigned stop_at)
{
	seen_init(s, stop_at);
	return store_cc_agent_list(st, tenant, agent_h, s);
}


static int request_list(struct store *st, const char *tenant,
			const char *agent, uint64_t since, uint32_t limit,
			struct seen *s, unsigned stop_at)
{
	seen_init(s, stop_at);
	return store_cc_request_list(st, tenant, agent, since, limit,
				     request_h, s);
}


static int business_test(struct store *st)
{
	struct store_cc_business b, got;
	struct seen s;
	int err = 0;

	ASSERT_EQ(ENOENT, store_cc_business_get(st, "tA", &got));

	business_fill(&b, "tA", "Acme Cruises", 15);
	TEST_ERR(store_cc_business_put(st, &b));
	business_fill(&b, "tB", "Bravo Flights", 25);
	TEST_ERR(store_cc_business_put(st, &b));

	memset(&got, 0, sizeof(got));
	TEST_ERR(store_cc_business_get(st, "tA", &got));
	ASSERT_STREQ("tA", got.tenant_id);
	ASSERT_STREQ("Acme Cruises", got.name);
	ASSERT_STREQ("Welcome to {business}", got.announcement);
	ASSERT_STREQ("https://a.example https://b.example", got.origins);
	ASSERT_STREQ("mon-fri 09:00-17:00", got.hours);
	ASSERT_STREQ("hold.wav", got.hold_prompt);
	ASSERT_EQ(15, got.ring_s);
	ASSERT_EQ(30, got.fallback_s);
	ASSERT_EQ(10, got.wrap_s);
	ASSERT_EQ(3, got.max_noanswer);
	ASSERT_EQ(20, got.position_s);
	ASSERT_STREQ("accA", got.billing_account);
	ASSERT_EQ(1000, got.updated_ms);

	/* a second put replaces the row: still one per tenant */
	business_fill(&b, "tA", "Acme Cruises Ltd", 40);
	b.hours[0] = '\0';
	b.updated_ms = 2000;
	TEST_ERR(store_cc_business_put(st, &b));
	TEST_ERR(store_cc_business_get(st, "tA", &got));
	ASSERT_STREQ("Acme Cruises Ltd", got.name);
	ASSERT_STREQ("", got.hours);
	ASSERT_EQ(40, got.ring_s);
	ASSERT_EQ(2000, got.updated_ms);
	TEST_ERR(store_cc_business_get(st, "tB", &got));
	ASSERT_STREQ("Bravo Flights", got.name);

	TEST_ERR(business_list(st, &s, 0));
	ASSERT_STREQ("tA,tB", s.ids);
	TEST_ERR(business_list(st, &s, 1));
	ASSERT_STREQ("tA", s.ids);

	/* bad arguments change nothing */
	b.tenant_id[0] = '\0';
	ASSERT_EQ(EINVAL, store_cc_business_put(st, &b));
	ASSERT_EQ(EINVAL, store_cc_business_put(st, NULL));
	ASSERT_EQ(EINVAL, store_cc_business_get(st, "", &got));
	ASSERT_EQ(EINVAL, store_cc_business_get(NULL, "tA", &got));
	ASSERT_EQ(EINVAL, store_cc_business_list(st, NULL, NULL));
 out:
	return err;
}


int test_store_cc_business(void)
{
	return tmpstore_run(business_test);
}


static int agent_test(struct store *st)
{
	struct store_cc_agent got;
	struct seen s;
	int err = 0;

	TEST_ERR(agent_put(st, "tA", "ag1", "Alice", 100));
	TEST_ERR(agent_put(st, "tA", "ag2", "Bob", 200));
	TEST_ERR(agent_put(st, "tB", "ag3", "Carol", 150));

	memset(&got, 0, sizeof(got));
	TEST_ERR(store_cc_agent_get(st, "tA", "ag1", &got));
	ASSERT_STREQ("ag1", got.id);
	ASSERT_STREQ("tA", got.tenant_id);
	ASSERT_STREQ("Alice", got.name);
	ASSERT_STREQ("alice", got.endpoint);
	ASSERT_STREQ("uA", got.user_id);
	ASSERT_STREQ("cruises:7,flights:3", got.skills);
	ASSERT_EQ(100, got.created_ms);
	ASSERT_EQ(101, got.updated_ms);

	/* an update keeps the creation time */
	TEST_ERR(agent_put(st, "tA", "ag1", "Alice Smith", 900));
	TEST_ERR(store_cc_agent_get(st, "tA", "ag1", &got));
	ASSERT_STREQ("Alice Smith", got.name);
	ASSERT_EQ(100, got.created_ms);
	ASSERT_EQ(901, got.updated_ms);

	/* tenants do not see, change or remove each other's agents */
	ASSERT_EQ(ENOENT, store_cc_agent_get(st, "tB", "ag1", &got));
	ASSERT_EQ(EEXIST, agent_put(st, "tB", "ag1", "Mallory", 1000));
	ASSERT_EQ(ENOENT, store_cc_agent_delete(st, "tB", "ag1"));
	TEST_ERR(store_cc_agent_get(st, "tA", "ag1", &got));
	ASSERT_STREQ("Alice Smith", got.name);
	ASSERT_STREQ("tA", got.tenant_id);

	/* one tenant's, oldest first; every tenant's with NULL */
	TEST_ERR(agent_list(st, "tA", &s, 0));
	ASSERT_STREQ("ag1,ag2", s.ids);
	TEST_ERR(agent_list(st, NULL, &s, 0));
	ASSERT_STREQ("ag1,ag3,ag2", s.ids);
	TEST_ERR(agent_list(st, NULL, &s, 1));
	ASSERT_STREQ("ag1", s.ids);

	/* delete: once, then ENOENT */
	TEST_ERR(store_cc_agent_delete(st, "tA", "ag1"));
	ASSERT_EQ(ENOENT, store_cc_agent_delete(st, "tA", "ag1"));
	ASSERT_EQ(ENOENT, store_cc_agent_get(st, "tA", "ag1", &got));
	TEST_ERR(agent_list(st, "tA", &s, 0));
	ASSERT_STREQ("ag2", s.ids);

	ASSERT_EQ(EINVAL, agent_put(st, "", "ag9", "X", 1));
	ASSERT_EQ(EINVAL, agent_put(st, "tA", "", "X", 1));
	ASSERT_EQ(EINVAL, store_cc_agent_get(st, "tA", NULL, &got));
	ASSERT_EQ(EINVAL, store_cc_agent_delete(st, NULL, "ag2"));
	ASSERT_EQ(EINVAL, agent_list(st, "", &s, 0));
 out:
	return err;
}


int test_store_cc_agent(void)
{
	return tmpstore_run(agent_test);
}


static int request_test(struct store *st)
{
	struct store_cc_request r, got;
	int err = 0;

	ASSERT_EQ(ENOENT, store_cc_request_get(st, "tA", "rq1", &got));

	request_fill(&r, "tA", "rq1", 5000, 1);
	TEST_ERR(store_cc_request_put(st, &r));
	memset(&got, 0, sizeof(got));
	TEST_ERR(store_cc_request_get(st, "tA", "rq1", &got));
	ASSERT_STREQ("rq1", got.id);
	ASSERT_STREQ("tA", got.tenant_id);
	ASSERT_STREQ("widget", got.source);
	ASSERT_STREQ("ab01", got.token_hash);
	ASSERT_STREQ("+15550100", got.customer);
	ASSERT_STREQ("Carol", got.customer_name);
	ASSERT_STREQ("https://a.example/cruise?id=7", got.page_url);
	ASSERT_STREQ("Caribbean cruise", got.page_title);
	ASSERT_STREQ("cabin upgrade", got.note);
	ASSERT_STREQ("cruises", got.skill);
	ASSERT_STREQ("scheduled", got.status);
	ASSERT_STREQ("", got.agent_id);
	ASSERT_EQ(5000, got.due_ms);
	ASSERT_EQ(5000, got.created_ms);
	ASSERT_EQ(1, got.ver);

	/* version 3 lands before version 2: 2 is stale and ignored */
	request_fill(&r, "tA", "rq1", 5000, 3);
	str_ncpy(r.status, "completed", sizeof(r.status));
	str_ncpy(r.cause, "normal", sizeof(r.cause));
	str_ncpy(r.agent_id, "ag1", sizeof(r.agent_id));
	str_ncpy(r.call_id, "call1", sizeof(r.call_id));
	str_ncpy(r.wrap_notes, "booked", sizeof(r.wrap_notes));
	r.answered_ms = 6000;
	r.connected_ms = 6500;
	r.ended_ms = 9000;
	r.wait_ms = 500;
	r.updated_ms = 9000;
	TEST_ERR(store_cc_request_put(st, &r));

	request_fill(&r, "tA", "rq1", 5000, 2);
	str_ncpy(r.status, "ringing", sizeof(r.status));
	TEST_ERR(store_cc_request_put(st, &r));
	request_fill(&r, "tA", "rq1", 5000, 3);   /* same ver: no change */
	str_ncpy(r.status, "failed", sizeof(r.status));
	TEST_ERR(store_cc_request_put(st, &r));

	TEST_ERR(store_cc_request_get(st, "tA", "rq1", &got));
	ASSERT_STREQ("completed", got.status);
	ASSERT_STREQ("normal", got.cause);
	ASSERT_STREQ("ag1", got.agent_id);
	ASSERT_STREQ("call1", got.call_id);
	ASSERT_STREQ("booked", got.wrap_notes);
	ASSERT_EQ(6000, got.answered_ms);
	ASSERT_EQ(6500, got.connected_ms);
	ASSERT_EQ(9000, got.ended_ms);
	ASSERT_EQ(500, got.wait_ms);
	ASSERT_EQ(9000, got.updated_ms);
	ASSERT_EQ(3, got.ver);

	/* the creation time and tenant of a request never change */
	request_fill(&r, "tA", "rq1", 7777, 4);
	TEST_ERR(store_cc_request_put(st, &r));
	TEST_ERR(store_cc_request_get(st, "tA", "rq1", &got));
	ASSERT_EQ(4, got.ver);
	ASSERT_EQ(5000, got.created_ms);
	ASSERT_EQ(7777, got.due_ms);

	/* another tenant neither reads nor overwrites it */
	ASSERT_EQ(ENOENT, store_cc_request_get(st, "tB", "rq1", &got));
	request_fill(&r, "tB", "rq1", 5000, 99);
	ASSERT_EQ(EEXIST, store_cc_request_put(st, &r));
	TEST_ERR(store_cc_request_get(st, "tA", "rq1", &got));
	ASSERT_EQ(4, got.ver);
	ASSERT_STREQ("tA", got.tenant_id);

	r.id[0] = '\0';
	ASSERT_EQ(EINVAL, store_cc_request_put(st, &r));
	ASSERT_EQ(EINVAL, store_cc_request_put(st, NULL));
	ASSERT_EQ(EINVAL, store_cc_request_get(st, "", "rq1", &got));
	ASSERT_EQ(EINVAL, store_cc_request_get(st, "tA", "rq1", NULL));
 out:
	return err;
}


int test_store_cc_request(void)
{
	return tmpstore_run(request_test);
}


static int request_list_test(struct store *st)
{
	struct seen s;
	int err = 0;

	/* written out of creation order */
	TEST_ERR(request_put(st, "tA", "r2", "ag1", 2000));
	TEST_ERR(request_put(st, "tA", "r1", "", 1000));
	TEST_ERR(request_put(st, "tA", "r4", "ag1", 4000));
	TEST_ERR(request_put(st, "tA", "r3", "ag2", 3000));
	TEST_ERR(request_put(st, "tB", "r5", "ag1", 5000));

	/* newest first, the tenant's only */
	TEST_ERR(request_list(st, "tA", NULL, 0, 100, &s, 0));
	ASSERT_STREQ("r4,r3,r2,r1", s.ids);

	/* at most `limit` */
	TEST_ERR(request_list(st, "tA", NULL, 0, 2, &s, 0));
	ASSERT_STREQ("r4,r3", s.ids);

	/* created at or after since_ms */
	TEST_ERR(request_list(st, "tA", NULL, 2000, 100, &s, 0));
	ASSERT_STREQ("r4,r3,r2", s.ids);

	/* one agent's */
	TEST_ERR(request_list(st, "tA", "ag1", 0, 100, &s, 0));
	ASSERT_STREQ("r4,r2", s.ids);
	TEST_ERR(request_list(st, "tA", "ag1", 3000, 100, &s, 0));
	ASSERT_STREQ("r4", s.ids);
	TEST_ERR(request_list(st, "tB", "ag1", 0, 100, &s, 0));
	ASSERT_STREQ("r5", s.ids);
	TEST_ERR(request_list(st, "tC", NULL, 0, 100, &s, 0));
	ASSERT_EQ(0, s.n);

	/* the handler can stop the listing */
	TEST_ERR(request_list(st, "tA", NULL, 0, 100, &s, 1));
	ASSERT_STREQ("r4", s.ids);

	ASSERT_EQ(EINVAL, request_list(st, NULL, NULL, 0, 100, &s, 0));
	ASSERT_EQ(EINVAL, request_list(st, "tA", "", 0, 100, &s, 0));
	ASSERT_EQ(EINVAL, request_list(st, "tA", NULL, 0, 0, &s, 0));
	ASSERT_EQ(EINVAL, store_cc_request_list(st, "tA", NULL, 0, 10,
						NULL, NULL));
 out:
	return err;
}


int test_store_cc_request_list(void)
{
	return tmpstore_run(request_list_test);
}


static int dial_policy_test(struct store *st)
{
	struct store_dial_policy p, v[2];
	int err = 0;

	memset(v, 0, sizeof(v));
	TEST_ERR(store_dial_policy_list(st, policy_h, v));
	ASSERT_STREQ("", v[0].tenant_id);

	memset(&p, 0, sizeof(p));
	str_ncpy(p.tenant_id, "tB", sizeof(p.tenant_id));
	str_ncpy(p.blocked_prefixes, "+1900 +1976",
		 sizeof(p.blocked_prefixes));
	p.number_id = true;
	p.per_number_hour = 5;
	p.updated_ms = 100;
	TEST_ERR(store_dial_policy_put(st, &p));
	str_ncpy(p.tenant_id, "tA", sizeof(p.tenant_id));
	str_ncpy(p.blocked_prefixes, "+44", sizeof(p.blocked_prefixes));
	p.number_id = false;
	p.per_number_hour = 0;
	TEST_ERR(store_dial_policy_put(st, &p));

	/* a second put for tB replaces its policy */
	str_ncpy(p.tenant_id, "tB", sizeof(p.tenant_id));
	str_ncpy(p.blocked_prefixes, "+1900", sizeof(p.blocked_prefixes));
	p.number_id = true;
	p.per_number_hour = 7;
	p.updated_ms = 200;
	TEST_ERR(store_dial_policy_put(st, &p));

	memset(v, 0, sizeof(v));
	TEST_ERR(store_dial_policy_list(st, policy_h, v));
	ASSERT_STREQ("tA", v[0].tenant_id);
	ASSERT_STREQ("+44", v[0].blocked_prefixes);
	ASSERT_TRUE(!v[0].number_id);
	ASSERT_EQ(0, v[0].per_number_hour);
	ASSERT_STREQ("tB", v[1].tenant_id);
	ASSERT_STREQ("+1900", v[1].blocked_prefixes);
	ASSERT_TRUE(v[1].number_id);
	ASSERT_EQ(7, v[1].per_number_hour);
	ASSERT_EQ(200, v[1].updated_ms);

	p.tenant_id[0] = '\0';
	ASSERT_EQ(EINVAL, store_dial_policy_put(st, &p));
	ASSERT_EQ(EINVAL, store_dial_policy_list(st, NULL, NULL));
 out:
	return err;
}


int test_store_cc_dial_policy(void)
{
	return tmpstore_run(dial_policy_test);
}
