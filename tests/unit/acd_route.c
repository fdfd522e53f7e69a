/**
 * @file tests/unit/acd_route.c  ACD routing: idle order, skills, fallback
 */
#include <string.h>
#include <re.h>
#include "acd_fix.h"
#include "test.h"

int test_acd_longest_idle(void);
int test_acd_skill_level(void);
int test_acd_fallback_after_wait(void);
int test_acd_tenant_apart(void);
int test_acd_reindex_keeps_idle_order(void);


/* offer, answer and hang up: the agent is available again at the back */
static int serve(struct acd_fix *f, struct acd_agent **got)
{
	struct acd_req *req = NULL;
	unsigned before = f->offerc;
	int err;

	err = acd_req_alloc(&req, f->q, NULL, 0, NULL);
	if (err)
		return err;
	if (acd_queue_dispatch(f->q) != 1 || f->offerc != before + 1) {
		mem_deref(req);
		return ENOENT;
	}
	*got = acd_req_agent(req);
	err = acd_req_answered(req);
	if (!err)
		err = acd_agent_event(*got, ACD_EV_HANGUP);
	mem_deref(req);
	return err;
}


int test_acd_longest_idle(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL, *b = NULL, *c = NULL, *got = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 0, 0));
	/* logged in c, then a, then b: c has waited longest */
	TEST_ERR(acd_fix_agent(&f, &c, "c", NULL));
	f.now += 10;
	TEST_ERR(acd_fix_agent(&f, &a, "a", NULL));
	f.now += 10;
	TEST_ERR(acd_fix_agent(&f, &b, "b", NULL));
	ASSERT_EQ(1000, acd_agent_idle_since(c));
	ASSERT_EQ(1020, acd_agent_idle_since(b));

	f.now += 10;
	TEST_ERR(serve(&f, &got));
	ASSERT_TRUE(got == c);
	ASSERT_EQ(1030, acd_agent_idle_since(c));   /* now the youngest */
	TEST_ERR(serve(&f, &got));
	ASSERT_TRUE(got == a);
	TEST_ERR(serve(&f, &got));
	ASSERT_TRUE(got == b);
	TEST_ERR(serve(&f, &got));
	ASSERT_TRUE(got == c);

 out:
	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
	acd_fix_close(&f);
	return err;
}


int test_acd_skill_level(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL, *b = NULL, *c = NULL;
	struct acd_req *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 0, 60000));
	TEST_ERR(acd_fix_agent(&f, &c, "c", "flights:9"));
	TEST_ERR(acd_fix_agent(&f, &a, "a", "cruises:2,flights:1"));
	TEST_ERR(acd_fix_agent(&f, &b, "b", "cruises:5"));
	ASSERT_EQ(5, acd_agent_skill_level(b, "cruises"));
	ASSERT_EQ(0, acd_agent_skill_level(c, "cruises"));

	/* cruises at 3: only b is good enough, though a waited longer */
	TEST_ERR(acd_req_alloc(&r1, f.q, "cruises", 3, NULL));
	/* cruises at 6: nobody, and no fallback yet: it waits */
	TEST_ERR(acd_req_alloc(&r2, f.q, "cruises", 6, NULL));
	/* cruises at 1: a (b is taken) */
	TEST_ERR(acd_req_alloc(&r3, f.q, "cruises", 1, NULL));
	/* flights: a is taken by now, so c */
	TEST_ERR(acd_req_alloc(&r4, f.q, "flights", 1, NULL));

	ASSERT_EQ(3, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(r1) == b);
	ASSERT_EQ(ACD_REQ_WAITING, acd_req_state(r2));
	ASSERT_TRUE(acd_req_agent(r2) == NULL);
	ASSERT_TRUE(acd_req_agent(r3) == a);
	ASSERT_TRUE(acd_req_agent(r4) == c);
	ASSERT_EQ(ACD_AGENT_OFFERED, acd_agent_state(b));

	/* raising b's level while busy: r2 goes to b once b is free */
	TEST_ERR(acd_agent_skill_set(b, "cruises", 7));
	TEST_ERR(acd_req_answered(r1));
	TEST_ERR(acd_agent_event(b, ACD_EV_HANGUP));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(r2) == b);

	/* a skill taken away is not matched any more */
	TEST_ERR(acd_req_noanswer(r4));              /* c available again */
	TEST_ERR(acd_agent_skill_set(c, "flights", 0));
	ASSERT_EQ(0, acd_agent_skill_level(c, "flights"));
	ASSERT_EQ(0, acd_queue_dispatch(f.q));

 out:
	mem_deref(r1);
	mem_deref(r2);
	mem_deref(r3);
	mem_deref(r4);
	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
	acd_fix_close(&f);
	return err;
}


int test_acd_fallback_after_wait(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL;
	struct acd_req *req = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 0, 30000));
	TEST_ERR(acd_fix_agent(&f, &a, "a", "flights:5"));
	TEST_ERR(acd_req_alloc(&req, f.q, "cruises", 1, NULL));

	ASSERT_EQ(0, acd_queue_dispatch(f.q));
	f.now += 29999;
	ASSERT_EQ(0, acd_queue_dispatch(f.q));
	ASSERT_EQ(ACD_AGENT_AVAILABLE, acd_agent_state(a));
	f.now += 1;
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(req) == a);
	ASSERT_EQ(1, f.offerc);
	ASSERT_TRUE(f.offerv[0].req == req && f.offerv[0].ag == a);

 out:
	mem_deref(req);
	mem_deref(a);
	acd_fix_close(&f);
	return err;
}


/* an agent of another tenant is never offered this tenant's requests */
int test_acd_tenant_apart(void)
{
	struct acd_fix f;
	struct acd_agent *other = NULL;
	struct acd_req *req = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 0, 0));
	TEST_ERR(acd_agent_alloc(&other, f.acd, "x", "othershop", "+1555"));
	TEST_ERR(acd_agent_event(other, ACD_EV_LOGIN));
	TEST_ERR(acd_req_alloc(&req, f.q, NULL, 0, NULL));
	ASSERT_EQ(0, acd_queue_dispatch(f.q));
	ASSERT_EQ(ACD_REQ_WAITING, acd_req_state(req));

 out:
	mem_deref(req);
	mem_deref(other);
	acd_fix_close(&f);
	return err;
}


/* changing an available agent's skills keeps its place in idle order */
int test_acd_reindex_keeps_idle_order(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL, *b = NULL;
	struct acd_req *req = NULL;
	char buf[512];
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 0, 60000));
	TEST_ERR(acd_fix_agent(&f, &a, "a", "cruises:4"));
	f.now += 10;
	TEST_ERR(acd_fix_agent(&f, &b, "b", "cruises:4"));
	/* a is re-indexed (all its lists) after b logged in: it must
	 * stay ahead of b in the cruises:4 list */
	TEST_ERR(acd_agent_skill_set(a, "flights", 2));
	ASSERT_EQ(1000, acd_agent_idle_since(a));

	TEST_ERR(acd_req_alloc(&req, f.q, "cruises", 4, NULL));
	TEST_ERR(acd_req_callback(req));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(req) == a);

	/* the queue prints its requests */
	(void)re_snprintf(buf, sizeof(buf), "%H", acd_queue_debug, f.q);
	ASSERT_TRUE(strstr(buf, "1. offered") != NULL);
	ASSERT_TRUE(strstr(buf, "skill cruises callback -> a") != NULL);

 out:
	mem_deref(req);
	mem_deref(a);
	mem_deref(b);
	acd_fix_close(&f);
	return err;
}
