/**
 * @file tests/unit/acd_queue.c  ACD queues: places, callbacks, teardown
 */
#include <string.h>
#include <re.h>
#include "acd_fix.h"
#include "test.h"

int test_acd_positions_update(void);
int test_acd_callback_keeps_place(void);
int test_acd_teardown_while_offered(void);


int test_acd_positions_update(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL;
	struct acd_req *rv[5] = {NULL};
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 0, 0));
	for (int i = 0; i < 5; i++) {
		f.now += 100;
		TEST_ERR(acd_req_alloc(&rv[i], f.q, NULL, 0, NULL));
		ASSERT_EQ(i + 1, acd_req_position(rv[i]));
	}
	ASSERT_EQ(1300, acd_req_since(rv[2]));
	ASSERT_EQ(5, acd_queue_count(f.q));

	/* the second one hangs up: those behind move up */
	rv[1] = mem_deref(rv[1]);
	ASSERT_EQ(1, acd_req_position(rv[0]));
	ASSERT_EQ(2, acd_req_position(rv[2]));
	ASSERT_EQ(4, acd_req_position(rv[4]));

	/* the head is offered: still first; connected: it leaves */
	TEST_ERR(acd_fix_agent(&f, &a, "a", NULL));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_EQ(1, acd_req_position(rv[0]));
	ASSERT_EQ(2, acd_req_position(rv[2]));
	TEST_ERR(acd_req_answered(rv[0]));
	ASSERT_EQ(ACD_REQ_CONNECTED, acd_req_state(rv[0]));
	ASSERT_EQ(0, acd_req_position(rv[0]));
	ASSERT_EQ(1, acd_req_position(rv[2]));
	ASSERT_EQ(2, acd_req_position(rv[3]));
	ASSERT_EQ(3, acd_req_position(rv[4]));
	ASSERT_EQ(3, acd_queue_count(f.q));

 out:
	for (int i = 0; i < 5; i++)
		mem_deref(rv[i]);
	mem_deref(a);
	acd_fix_close(&f);
	return err;
}


int test_acd_callback_keeps_place(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL;
	struct acd_req *r1 = NULL, *r2 = NULL, *r3 = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 0, 0));
	TEST_ERR(acd_req_alloc(&r1, f.q, NULL, 0, NULL));
	TEST_ERR(acd_req_alloc(&r2, f.q, NULL, 0, NULL));
	TEST_ERR(acd_req_alloc(&r3, f.q, NULL, 0, NULL));

	/* r2's customer would rather be called back than hold */
	f.now += 120000;
	TEST_ERR(acd_req_callback(r2));
	ASSERT_TRUE(acd_req_is_callback(r2));
	ASSERT_TRUE(!acd_req_is_callback(r3));
	ASSERT_EQ(2, acd_req_position(r2));
	ASSERT_EQ(1000, acd_req_since(r2));

	/* r1 gives up; r2 is next, ahead of r3 who held on the line */
	r1 = mem_deref(r1);
	ASSERT_EQ(1, acd_req_position(r2));
	ASSERT_EQ(2, acd_req_position(r3));
	TEST_ERR(acd_fix_agent(&f, &a, "a", NULL));
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(f.offerv[0].req == r2);
	ASSERT_TRUE(acd_req_is_callback(f.offerv[0].req));
	ASSERT_EQ(ACD_REQ_WAITING, acd_req_state(r3));

	/* a callback no longer queued cannot be made one */
	TEST_ERR(acd_req_answered(r2));
	ASSERT_EQ(EPERM, acd_req_callback(r2));

 out:
	mem_deref(r1);
	mem_deref(r2);
	mem_deref(r3);
	mem_deref(a);
	acd_fix_close(&f);
	return err;
}


/* whichever goes first while ringing, the other is left consistent */
int test_acd_teardown_while_offered(void)
{
	struct acd_fix f;
	struct acd_agent *a = NULL, *b = NULL;
	struct acd_req *r1 = NULL, *r2 = NULL;
	int err;

	TEST_ERR(acd_fix_init(&f, 0, 0, 0));
	TEST_ERR(acd_fix_agent(&f, &a, "a", NULL));
	TEST_ERR(acd_fix_agent(&f, &b, "b", NULL));
	TEST_ERR(acd_req_alloc(&r1, f.q, NULL, 0, NULL));
	TEST_ERR(acd_req_alloc(&r2, f.q, NULL, 0, NULL));
	ASSERT_EQ(2, acd_queue_dispatch(f.q));

	/* the customer hangs up while a rings: a is free, not penalised */
	r1 = mem_deref(r1);
	ASSERT_EQ(ACD_AGENT_AVAILABLE, acd_agent_state(a));
	ASSERT_TRUE(acd_agent_req(a) == NULL);
	ASSERT_EQ(0, acd_agent_noanswers(a));

	/* b goes away while ringing: r2 waits again, first in line */
	b = mem_deref(b);
	ASSERT_EQ(ACD_REQ_WAITING, acd_req_state(r2));
	ASSERT_TRUE(acd_req_agent(r2) == NULL);
	ASSERT_EQ(1, acd_queue_dispatch(f.q));
	ASSERT_TRUE(acd_req_agent(r2) == a);

	/* the queue closes under an offered request */
	f.q = mem_deref(f.q);
	ASSERT_EQ(ACD_REQ_GONE, acd_req_state(r2));
	ASSERT_EQ(ACD_AGENT_AVAILABLE, acd_agent_state(a));
	ASSERT_EQ(0, acd_req_position(r2));

 out:
	mem_deref(r1);
	mem_deref(r2);
	mem_deref(a);
	mem_deref(b);
	acd_fix_close(&f);
	return err;
}
