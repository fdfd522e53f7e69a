/**
 * @file tests/unit/acd_agent.c  ACD agents: no-answer, wrap-up, status
 */
#include <string.h>
#include <re.h>
#include "acd_fix.h"
#include "test.h"

int test_acd_noanswer_next_agent(void);
int test_acd_max_noanswer_break(void);
int test_acd_wrapup_timer(void);
int test_acd_illegal_transitions(void);


int test_acd_noanswer_next_agent(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL, *b = NULL;
	struct acd_req *req = NULL, *r2 = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 0, 0));
	TEST_ERR(acd_fix_agent(&f, &a, "a", NULL));
	TEST_ERR(acd_fix_agent(&f, &b, "b", NULL));
	TEST_ERR(acd_req_alloc(&req, f.q, NULL, 0, NULL));
	TEST_ERR(acd_req_alloc(&r2, f.q, NULL, 0, NULL));

	/* two offers: req to a, r2 to b; b lets it ring out */
	ASSERT_EQ(2, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(req) == a);
	TEST_ERR(acd_req_noanswer(r2));
	ASSERT_EQ(ACD_REQ_WAITING, acd_req_state(r2));
	ASSERT_EQ(2, acd_req_position(r2));          /* kept its place */
	ASSERT_EQ(1, acd_agent_noanswers(b));
	ASSERT_EQ(ACD_AGENT_AVAILABLE, acd_agent_state(b));

	/* b is the only one free, but r2 is not offered to b again */
	ASSERT_EQ(0, acd_queue_dispatch(f.q));

	/* a lets req ring out: req goes to b, r2 to a */
	TEST_ERR(acd_req_noanswer(req));
	ASSERT_EQ(2, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(req) == b);
	ASSERT_TRUE(acd_req_agent(r2) == a);
	TEST_ERR(acd_req_answered(r2));
	ASSERT_EQ(0, acd_agent_noanswers(a));        /* consecutive only */
	ASSERT_EQ(1, acd_agent_noanswers(b));

 out:
	mem_deref(req);
	mem_deref(r2);
	mem_deref(a);
	mem_deref(b);
	acd_fix_close(&f);
	return err;
}


int test_acd_max_noanswer_break(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL;
	struct acd_req *r1 = NULL, *r2 = NULL, *r3 = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 2, 0));
	TEST_ERR(acd_fix_agent(&f, &a, "a", NULL));
	TEST_ERR(acd_req_alloc(&r1, f.q, NULL, 0, NULL));
	TEST_ERR(acd_req_alloc(&r2, f.q, NULL, 0, NULL));
	TEST_ERR(acd_req_alloc(&r3, f.q, NULL, 0, NULL));

	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	TEST_ERR(acd_req_noanswer(r1));
	ASSERT_EQ(ACD_AGENT_AVAILABLE, acd_agent_state(a));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));       /* r2: r1 tried a */
	ASSERT_TRUE(acd_req_agent(r2) == a);
	TEST_ERR(acd_req_noanswer(r2));

	/* the second ring-out in a row: on break, out of routing */
	ASSERT_EQ(ACD_AGENT_BREAK, acd_agent_state(a));
	ASSERT_EQ(0, acd_queue_dispatch(f.q));
	ASSERT_EQ(ACD_REQ_WAITING, acd_req_state(r3));

	/* back from break: count reset, takes r3 */
	TEST_ERR(acd_agent_event(a, ACD_EV_READY));
	ASSERT_EQ(0, acd_agent_noanswers(a));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(r3) == a);

 out:
	mem_deref(r1);
	mem_deref(r2);
	mem_deref(r3);
	mem_deref(a);
	acd_fix_close(&f);
	return err;
}


int test_acd_wrapup_timer(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL;
	struct acd_req *r1 = NULL, *r2 = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 5000, 0, 0));
	TEST_ERR(acd_fix_agent(&f, &a, "a", NULL));
	TEST_ERR(acd_req_alloc(&r1, f.q, NULL, 0, NULL));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	TEST_ERR(acd_req_answered(r1));
	ASSERT_EQ(ACD_AGENT_ON_CALL, acd_agent_state(a));
	f.now += 60000;
	TEST_ERR(acd_agent_event(a, ACD_EV_HANGUP));
	ASSERT_EQ(ACD_AGENT_WRAP_UP, acd_agent_state(a));

	TEST_ERR(acd_req_alloc(&r2, f.q, NULL, 0, NULL));
	f.now += 4999;
	ASSERT_EQ(0, acd_tick(f.acd));
	ASSERT_EQ(0, acd_queue_dispatch(f.q));
	ASSERT_EQ(ACD_AGENT_WRAP_UP, acd_agent_state(a));

	f.now += 1;
	ASSERT_EQ(1, acd_tick(f.acd));
	ASSERT_EQ(ACD_AGENT_AVAILABLE, acd_agent_state(a));
	ASSERT_EQ(f.now, acd_agent_idle_since(a));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(r2) == a);

	/* an agent may end wrap-up early; the timer then finds nothing */
	TEST_ERR(acd_req_answered(r2));
	TEST_ERR(acd_agent_event(a, ACD_EV_HANGUP));
	TEST_ERR(acd_agent_event(a, ACD_EV_WRAP_DONE));
	f.now += 5000;
	ASSERT_EQ(0, acd_tick(f.acd));
	ASSERT_EQ(ACD_AGENT_AVAILABLE, acd_agent_state(a));

 out:
	mem_deref(r1);
	mem_deref(r2);
	mem_deref(a);
	acd_fix_close(&f);
	return err;
}


int test_acd_illegal_transitions(void)
{
	static const enum acd_agent_ev out_bad[] = {
		ACD_EV_OFFER, ACD_EV_ANSWER, ACD_EV_NOANSWER, ACD_EV_CANCEL,
		ACD_EV_HANGUP, ACD_EV_WRAP_DONE, ACD_EV_BREAK, ACD_EV_READY,
		ACD_EV_LOGOUT,
	};
	struct acd_fix f;
	struct acd_agent *a = NULL;
	struct acd_req *req = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 1000, 0, 0));
	TEST_ERR(acd_agent_alloc(&a, f.acd, "a", "shop", "+15550100"));
	for (size_t i = 0; i < ARRAY_SIZE(out_bad); i++)
		ASSERT_EQ(EPERM, acd_agent_event(a, out_bad[i]));
	ASSERT_EQ(ACD_AGENT_LOGGED_OUT, acd_agent_state(a));

	TEST_ERR(acd_agent_event(a, ACD_EV_LOGIN));
	ASSERT_EQ(EPERM, acd_agent_event(a, ACD_EV_LOGIN));
	ASSERT_EQ(EPERM, acd_agent_event(a, ACD_EV_ANSWER));
	ASSERT_EQ(EPERM, acd_agent_event(a, ACD_EV_HANGUP));
	ASSERT_EQ(EPERM, acd_agent_event(a, ACD_EV_READY));

	/* a waiting request cannot be answered or ring out */
	TEST_ERR(acd_req_alloc(&req, f.q, NULL, 0, NULL));
	TEST_ERR(acd_agent_event(a, ACD_EV_BREAK));
	ASSERT_EQ(EPERM, acd_req_answered(req));
	ASSERT_EQ(EPERM, acd_req_noanswer(req));
	ASSERT_EQ(EPERM, acd_agent_event(a, ACD_EV_OFFER));
	ASSERT_EQ(0, acd_queue_dispatch(f.q));
	TEST_ERR(acd_agent_event(a, ACD_EV_READY));

	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_EQ(EPERM, acd_agent_event(a, ACD_EV_LOGOUT));
	ASSERT_EQ(EPERM, acd_agent_event(a, ACD_EV_BREAK));
	TEST_ERR(acd_req_answered(req));
	ASSERT_EQ(EPERM, acd_agent_event(a, ACD_EV_LOGOUT));
	ASSERT_EQ(EPERM, acd_agent_event(a, ACD_EV_BREAK));
	ASSERT_EQ(EPERM, acd_agent_event(a, ACD_EV_NOANSWER));
	ASSERT_EQ(EPERM, acd_req_answered(req));     /* connected */
	TEST_ERR(acd_agent_event(a, ACD_EV_HANGUP));
	ASSERT_EQ(EPERM, acd_agent_event(a, ACD_EV_HANGUP));
	TEST_ERR(acd_agent_event(a, ACD_EV_LOGOUT));  /* from wrap-up */
	ASSERT_EQ(ACD_AGENT_LOGGED_OUT, acd_agent_state(a));
	ASSERT_EQ(0, acd_tick(f.acd));

	ASSERT_STREQ("wrap-up", acd_agent_state_name(ACD_AGENT_WRAP_UP));

 out:
	mem_deref(req);
	mem_deref(a);
	acd_fix_close(&f);
	return err;
}
