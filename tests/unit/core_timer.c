/**
 * @file tests/unit/core_timer.c  The timer heap that replaces libre's list
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "test.h"

int test_core_timer_order(void);
int test_core_timer_interposes_libre(void);

enum { NT = 500 };

struct fire {
	struct tmr tmr[NT];
	uint64_t due[NT];
	unsigned order[NT];
	unsigned fired;
	unsigned live;
};




struct ctx {
	struct fire *f;
	unsigned idx;
};

static struct ctx ctxs[NT];


static void tick(void *arg)
{
	struct ctx *c = arg;

	c->f->order[c->f->fired++] = c->idx;
	if (c->f->fired == c->f->live)
		re_cancel();
}


static void failsafe(void *arg)
{
	(void)arg;
	re_cancel();
}


int test_core_timer_order(void)
{
	struct fire *f = mem_zalloc(sizeof(*f), NULL);
	struct tmr guard;
	int err = 0;


	ASSERT_TRUE(f != NULL);
	tmr_init(&guard);
	srand(7);

	for (unsigned i = 0; i < NT; i++) {
		uint64_t d = (uint64_t)(rand() % 60);

		tmr_init(&f->tmr[i]);
		ctxs[i].f = f;
		ctxs[i].idx = i;
		tmr_start(&f->tmr[i], d, tick, &ctxs[i]);
		f->due[i] = f->tmr[i].jfs;
	}
	/* restart some with another delay, cancel every 5th */
	for (unsigned i = 0; i < NT; i += 7) {
		tmr_start(&f->tmr[i], 30, tick, &ctxs[i]);
		f->due[i] = f->tmr[i].jfs;
	}
	f->live = NT;
	for (unsigned i = 0; i < NT; i += 5) {
		tmr_cancel(&f->tmr[i]);
		ASSERT_TRUE(!tmr_isrunning(&f->tmr[i]));
		--f->live;
	}
	ASSERT_EQ(f->live, cb_timer_count());

	tmr_start(&guard, 5000, failsafe, NULL);
	TEST_ERR(re_main(NULL));
	tmr_cancel(&guard);

	ASSERT_EQ(f->live, f->fired);
	for (unsigned k = 0; k < f->fired; k++) {
		ASSERT_TRUE(f->order[k] % 5 != 0);
		if (k)
			ASSERT_TRUE(f->due[f->order[k - 1]] <=
				    f->due[f->order[k]]);
	}
	ASSERT_EQ(0, cb_timer_count());
 out:
	mem_deref(f);
	return err;
}


static void resp_handler(int err, const struct sip_msg *msg, void *arg)
{
	(void)err; (void)msg; (void)arg;
}


/* a SIP client transaction inside libre starts its timers on our heap */
int test_core_timer_interposes_libre(void)
{
	struct sip *sip = NULL;
	struct sip_request *req = NULL;
	struct uri route;
	struct pl pl;
	struct sa laddr;
	size_t before;
	int err;

	TEST_ERR(sip_alloc(&sip, NULL, 32, 32, 32, "t", NULL, NULL));
	TEST_ERR(sa_set_str(&laddr, "127.0.0.1", 0));
	TEST_ERR(sip_transp_add(sip, SIP_TRANSP_UDP, &laddr));

	pl_set_str(&pl, "sip:127.0.0.1:9");
	TEST_ERR(uri_decode(&route, &pl));

	before = cb_timer_count();
	TEST_ERR(sip_requestf(&req, sip, true, "OPTIONS",
			      "sip:x@127.0.0.1:9", &route, NULL, NULL,
			      resp_handler, NULL,
			      "Call-ID: t1\r\nCSeq: 1 OPTIONS\r\n"
			      "From: <sip:t@127.0.0.1>;tag=1\r\n"
			      "To: <sip:x@127.0.0.1>\r\n"
			      "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"));
	ASSERT_TRUE(cb_timer_count() > before);
 out:
	mem_deref(req);
	if (sip)
		sip_close(sip, true);
	mem_deref(sip);
	return err;
}
