/**
 * @file tests/unit/meter.c  The meter's timer heap and its limit search
 *
 * The heap fires every node in order of its deadline, once, whatever was
 * scheduled, moved or cancelled before (including by a firing node); a
 * payer's limit is the first millisecond its legs cost more than its
 * hold (checked against the cost one millisecond before, over several
 * rate shapes, fees, minimums and taxes); a leg costs its first increment
 * from the millisecond of its answer.
 */
#include <string.h>
#include <re.h>
#include "meter/meter.h"
#include "test.h"

int test_meter_heap_order(void);
int test_meter_limit_find(void);
int test_meter_charge_from_answer(void);

enum { NODES = 1000 };

struct tnode {
	struct mtr_node node;
	uint64_t want;             /* due it should fire at, 0: never */
	unsigned fired;
};

static struct {
	uint64_t last;
	unsigned fired;
	bool order_ok;
	struct tnode *v;
} hs;


static void fire(struct mtr_node *n, uint64_t now)
{
	struct tnode *t = MTR_OWNER(n, struct tnode, node);
	(void)now;

	if (n->due < hs.last)
		hs.order_ok = false;
	hs.last = n->due;
	++t->fired;
	++hs.fired;
	/* a firing node may cancel another one: the next in the array */
	if (t + 1 < hs.v + NODES && (t - hs.v) % 97 == 0 &&
	    t[1].node.pos) {
		mtr_cancel(&t[1].node);
		t[1].want = 0;
	}
}


int test_meter_heap_order(void)
{
	struct tnode *v = mem_zalloc(NODES * sizeof(*v), NULL);
	unsigned want = 0;
	int err = 0;

	ASSERT_TRUE(v != NULL);
	TEST_ERR(mtr_heap_init());
	hs.last = 0;
	hs.fired = 0;
	hs.order_ok = true;
	hs.v = v;

	for (unsigned i = 0; i < NODES; i++) {
		mtr_node_init(&v[i].node, fire);
		v[i].want = 1000 + (uint64_t)((i * 7919u) % 5003u);
		TEST_ERR(mtr_schedule(&v[i].node, v[i].want));
	}
	ASSERT_EQ(NODES, mtr_count());
	/* move every third node later, cancel every tenth */
	for (unsigned i = 0; i < NODES; i += 3) {
		v[i].want += 2000;
		TEST_ERR(mtr_schedule(&v[i].node, v[i].want));
	}
	for (unsigned i = 0; i < NODES; i += 10) {
		mtr_cancel(&v[i].node);
		v[i].want = 0;
	}
	/* nothing is due before the first deadline */
	mtr_run(999);
	ASSERT_EQ(0, hs.fired);
	mtr_run(100000);
	ASSERT_TRUE(hs.order_ok);
	ASSERT_EQ(0, mtr_count());
	for (unsigned i = 0; i < NODES; i++) {
		ASSERT_EQ(v[i].want ? 1 : 0, v[i].fired);
		want += v[i].want ? 1 : 0;
	}
	ASSERT_EQ(want, hs.fired);

 out:
	mtr_heap_close();
	mem_deref(v);
	return err;
}


static int bill_make(struct meter_bill **billp, const struct store_rate *r,
		     int64_t conf_min, uint32_t tax_ppm, int64_t amount,
		     uint64_t answered)
{
	struct store_money_tenant mt;
	struct meter_bill *bill = NULL;
	struct payer *p;
	struct mleg *l;
	int err;

	memset(&mt, 0, sizeof(mt));
	str_ncpy(mt.currency, "USD", sizeof(mt.currency));
	mt.conf_min = conf_min;
	mt.tax_ppm = tax_ppm;
	err = mtr_bill_alloc(&bill, "ctest", "ttest", &mt, MONEY_LIMIT_CUT);
	if (err)
		return err;
	p = mtr_bill_payer_add(bill, METER_PAYER_CALLER, "a", "h", amount);
	bill->rolev[METER_ROLE_A].present = true;
	bill->rolev[METER_ROLE_A].rated = true;
	bill->rolev[METER_ROLE_A].rate = *r;
	bill->rolev[METER_ROLE_A].payer = p;
	l = mtr_bill_leg_bind(bill, "l1", METER_ROLE_A, "+15550100",
			      answered);
	if (!p || !l) {
		mem_deref(bill);
		return ENOMEM;
	}
	/* answered without the timer: the stamps are what matters here */
	l->answered_ms = answered;
	*billp = bill;
	return 0;
}


static bool over(const struct payer *p, uint64_t t)
{
	struct money_summary s;

	return mtr_payer_summary_at(p, t, &s) || s.total > p->authorized;
}


int test_meter_limit_find(void)
{
	static const struct {
		int64_t per_min, fee, min, conf_min;
		uint32_t first, next, tax_ppm;
		int64_t amount;
	} tv[] = {
		{600000, 0, 0, 0, 1, 1, 0, 500000},             /* 0.60/min   */
		{6000000, 0, 0, 0, 1, 1, 0, 500000},            /* 0.10/s     */
		{600000, 20000, 0, 0, 3, 2, 82500, 1000000},    /* fee, tax   */
		{120000, 0, 0, 0, 60, 6, 0, 1000000},           /* 60/6       */
		{300000, 0, 50000, 100000, 30, 6, 200000, 400000}, /* mins   */
		{0, 10000, 0, 0, 60, 60, 0, 5000000},           /* never over */
	};
	const uint64_t t0 = 1700000000000ULL;
	struct meter_bill *bill = NULL;
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(tv); i++) {
		struct store_rate r;
		uint64_t lim;

		memset(&r, 0, sizeof(r));
		r.per_min = tv[i].per_min;
		r.connect_fee = tv[i].fee;
		r.min_charge = tv[i].min;
		r.first_s = tv[i].first;
		r.next_s = tv[i].next;
		TEST_ERR(bill_make(&bill, &r, tv[i].conf_min, tv[i].tax_ppm,
				   tv[i].amount, t0));
		lim = mtr_payer_limit_find(&bill->payerv[0], t0);
		if (!tv[i].per_min) {
			ASSERT_EQ(0, lim);
		}
		else {
			ASSERT_TRUE(lim > t0);
			ASSERT_TRUE(over(&bill->payerv[0], lim));
			ASSERT_TRUE(!over(&bill->payerv[0], lim - 1));
			/* the hold runs out where an increment starts */
			ASSERT_EQ(1, (lim - t0) % 1000);
		}
		/* once the leg ended, nothing more is spent */
		bill->legv[0].ended_ms = t0 + 1000;
		ASSERT_EQ(0, mtr_payer_limit_find(&bill->payerv[0], t0 + 2000));
		bill = mem_deref(bill);
	}

 out:
	mem_deref(bill);
	return err;
}


int test_meter_charge_from_answer(void)
{
	const uint64_t t0 = 1700000000000ULL;
	struct money_leg_charge lc;
	struct meter_bill *bill = NULL;
	struct store_rate r;
	int err = 0;

	memset(&r, 0, sizeof(r));
	r.per_min = 600000;
	r.connect_fee = 20000;
	r.first_s = 3;
	r.next_s = 2;
	TEST_ERR(bill_make(&bill, &r, 0, 0, 10000000, t0));

	/* running: the first increment is started at the answer */
	TEST_ERR(mtr_mleg_charge_at(&bill->legv[0], t0, &lc));
	ASSERT_EQ(3, lc.billed_s);
	ASSERT_EQ(50000, lc.cost);
	TEST_ERR(mtr_mleg_charge_at(&bill->legv[0], t0 + 3000, &lc));
	ASSERT_EQ(3, lc.billed_s);
	TEST_ERR(mtr_mleg_charge_at(&bill->legv[0], t0 + 3001, &lc));
	ASSERT_EQ(5, lc.billed_s);
	ASSERT_EQ(70000, lc.cost);

	/* ended: what the stamps say, whatever the time asked */
	bill->legv[0].ended_ms = t0 + 4500;
	TEST_ERR(mtr_mleg_charge_at(&bill->legv[0], t0 + 60000, &lc));
	ASSERT_EQ(5, lc.billed_s);
	/* answered and ended in one millisecond: nothing */
	bill->legv[0].ended_ms = t0;
	TEST_ERR(mtr_mleg_charge_at(&bill->legv[0], t0 + 60000, &lc));
	ASSERT_EQ(0, lc.cost);

 out:
	mem_deref(bill);
	return err;
}
