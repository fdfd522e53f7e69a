/**
 * @file tests/unit/acd_retry.c  ACD: a request goes round its agents again
 *
 * A request is not offered again to an agent who let it ring out while
 * another logged-in agent that could take it has not tried it; once all
 * have, it forgets them and, retry_ms after the last ring-out, goes to
 * the longest-idle of them again.  The fixture's clock is moved by hand.
 */
#include <string.h>
#include <re.h>
#include "acd_fix.h"
#include "test.h"

int test_acd_retry_single_agent(void);
int test_acd_retry_two_agents(void);
int test_acd_retry_waits_for_untried(void);
int test_acd_retry_after_break(void);
int test_acd_retry_skill_scope(void);


/* the only agent lets it ring out: offered again after retry_ms */
int test_acd_retry_single_agent(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL;
	struct acd_req *req = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 0, 0));
	TEST_ERR(acd_fix_agent(&f, &a, "a", NULL));
	TEST_ERR(acd_req_alloc(&req, f.q, NULL, 0, NULL));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	TEST_ERR(acd_req_noanswer(req));
	ASSERT_EQ(1, acd_req_tried_count(req));

	/* not at once: the agent's phone just stopped ringing */
	ASSERT_EQ(0, acd_queue_dispatch(f.q));
	f.now += ACD_FIX_RETRY_MS - 1;
	ASSERT_EQ(0, acd_queue_dispatch(f.q));
	ASSERT_EQ(ACD_REQ_WAITING, acd_req_state(req));

	f.now += 1;
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(req) == a);
	ASSERT_EQ(0, acd_req_tried_count(req));
	ASSERT_EQ(2, f.offerc);
	ASSERT_EQ(1, acd_req_position(req));

	/* and again, as often as it rings out */
	TEST_ERR(acd_req_noanswer(req));
	f.now += ACD_FIX_RETRY_MS;
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	TEST_ERR(acd_req_answered(req));
	ASSERT_EQ(ACD_AGENT_ON_CALL, acd_agent_state(a));

 out:
	mem_deref(req);
	mem_deref(a);
	acd_fix_close(&f);
	return err;
}


/* A rings out, B is offered, B rings out: A again (longest idle) */
int test_acd_retry_two_agents(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL, *b = NULL;
	struct acd_req *req = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 0, 0));
	TEST_ERR(acd_fix_agent(&f, &a, "a", NULL));
	f.now += 10;
	TEST_ERR(acd_fix_agent(&f, &b, "b", NULL));
	TEST_ERR(acd_req_alloc(&req, f.q, NULL, 0, NULL));

	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(req) == a);
	f.now += 20000;
	TEST_ERR(acd_req_noanswer(req));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));      /* b, without a wait */
	ASSERT_TRUE(acd_req_agent(req) == b);
	f.now += 20000;
	TEST_ERR(acd_req_noanswer(req));
	ASSERT_EQ(2, acd_req_tried_count(req));

	/* both tried: round again after retry_ms, a first (idle longer) */
	ASSERT_EQ(0, acd_queue_dispatch(f.q));
	f.now += ACD_FIX_RETRY_MS;
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(req) == a);
	ASSERT_EQ(3, f.offerc);
	ASSERT_TRUE(f.offerv[2].req == req && f.offerv[2].ag == a);

	/* a rings out again: b next, at once (b has not tried this round) */
	TEST_ERR(acd_req_noanswer(req));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(req) == b);

 out:
	mem_deref(req);
	mem_deref(a);
	mem_deref(b);
	acd_fix_close(&f);
	return err;
}


/* a busy agent who has not tried it is not waited for: retry_ms after
 * its ring-out the free one that tried gets it again */
int test_acd_retry_waits_for_untried(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL, *b = NULL;
	struct acd_req *req = NULL, *busy = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 0, 0));
	TEST_ERR(acd_fix_agent(&f, &b, "b", NULL));
	TEST_ERR(acd_fix_agent(&f, &a, "a", NULL));
	TEST_ERR(acd_req_alloc(&busy, f.q, NULL, 0, NULL));
	TEST_ERR(acd_req_alloc(&req, f.q, NULL, 0, NULL));
	ASSERT_EQ(2, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(busy) == b);
	TEST_ERR(acd_req_answered(busy));            /* b on a call */
	ASSERT_TRUE(acd_req_agent(req) == a);
	TEST_ERR(acd_req_noanswer(req));

	f.now += ACD_FIX_RETRY_MS - 1;
	ASSERT_EQ(0, acd_queue_dispatch(f.q));      /* not yet */
	ASSERT_EQ(ACD_AGENT_AVAILABLE, acd_agent_state(a));
	f.now += 1;
	ASSERT_EQ(1, acd_queue_dispatch(f.q));      /* b busy: a again */
	ASSERT_TRUE(acd_req_agent(req) == a);

 out:
	mem_deref(req);
	mem_deref(busy);
	mem_deref(a);
	mem_deref(b);
	acd_fix_close(&f);
	return err;
}


/* an agent on break after max no-answers gets it again once ready */
int test_acd_retry_after_break(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL;
	struct acd_req *req = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 1, 0));
	TEST_ERR(acd_fix_agent(&f, &a, "a", NULL));
	TEST_ERR(acd_req_alloc(&req, f.q, NULL, 0, NULL));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	TEST_ERR(acd_req_noanswer(req));
	ASSERT_EQ(ACD_AGENT_BREAK, acd_agent_state(a));

	f.now += ACD_FIX_RETRY_MS;
	ASSERT_EQ(0, acd_queue_dispatch(f.q));      /* nobody available */
	TEST_ERR(acd_agent_event(a, ACD_EV_READY));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(req) == a);

 out:
	mem_deref(req);
	mem_deref(a);
	acd_fix_close(&f);
	return err;
}


/* with a skill hint, only the agents that could take it must have
 * tried it (until the fallback wait lets anyone take it) */
int test_acd_retry_skill_scope(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL, *b = NULL, *c = NULL;
	struct acd_req *req = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 0, 10 * ACD_FIX_RETRY_MS));
	TEST_ERR(acd_fix_agent(&f, &a, "a", "cruises:5"));
	TEST_ERR(acd_fix_agent(&f, &b, "b", "cruises:2"));   /* too low */
	TEST_ERR(acd_fix_agent(&f, &c, "c", NULL));
	TEST_ERR(acd_req_alloc(&req, f.q, "cruises", 3, NULL));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(req) == a);
	TEST_ERR(acd_req_noanswer(req));

	/* b and c cannot take it yet, so a is offered it again */
	f.now += ACD_FIX_RETRY_MS;
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(req) == a);
	TEST_ERR(acd_req_noanswer(req));

	/* after the fallback wait anyone may: b (idle longest), then c,
	 * not a, who has tried it this round */
	f.now += 10 * ACD_FIX_RETRY_MS;
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(req) == b);
	TEST_ERR(acd_req_noanswer(req));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(req) == c);

 out:
	mem_deref(req);
	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
	acd_fix_close(&f);
	return err;
}
