/**
 * @file tests/unit/money_prop.c  Randomized: the ledger under many operations
 *
 * Thousands of random top-ups, holds (several open at once on one
 * account, like parallel calls), extensions, captures above and below
 * their hold, releases, credits and covered transfers, interleaved over a
 * few accounts, are checked step by step against a simple model: every
 * refusal for lack of funds is exactly where the model has too little
 * available, every capture charges what the policy says, every balance
 * and hold total equals the model's, and no available balance ever goes
 * below zero (the credit limit counts when the tenant allows it) unless
 * the policy is `debt`.  At the end reconcile must pass.  The seeds are
 * fixed: a failure prints its seed and step and replays the same way.
 */
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "cb_money.h"
#include "test.h"
#include "money_fix.h"

int test_money_prop_available(void);
int test_money_prop_cap(void);
int test_money_prop_debt(void);

enum { ACCOUNTS = 4, HOLDS_MAX = 8, STEPS = 2000 };

struct maccount {
	char id[CB_ID_LEN + 1];
	int64_t balance, limit;
	struct {
		char id[CB_ID_LEN + 1];
		int64_t amount;
	} holdv[HOLDS_MAX];
	unsigned holdc;
};

struct model {
	struct mfix f;
	uint64_t rng;
	enum money_over policy;
	bool credit;
	uint32_t tax_ppm;
	struct maccount av[ACCOUNTS];
	unsigned legs;
	unsigned refused, captures, over;
};


static uint64_t rnd(struct model *m)
{
	/* xorshift64*: reproducible from the seed */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * UINT64_C(2685821657736338717);
}


static int64_t rnd_amount(struct model *m)
{
	switch (rnd(m) % 4) {
	case 0:  return (int64_t)(rnd(m) % 100) + 1;          /* µ      */
	case 1:  return (int64_t)(rnd(m) % 2000 + 1) * 10000; /* cents  */
	default: return (int64_t)(rnd(m) % 8000000) + 1;      /* mixed  */
	}
}


static int64_t held(const struct maccount *a)
{
	int64_t h = 0;

	for (unsigned i = 0; i < a->holdc; i++)
		h += a->holdv[i].amount;
	return h;
}


static int64_t avail(const struct model *m, const struct maccount *a)
{
	return a->balance - held(a) + (m->credit ? a->limit : 0);
}


static void hold_drop(struct maccount *a, unsigned i)
{
	a->holdv[i] = a->holdv[--a->holdc];
}


static int op_topup(struct model *m, struct maccount *a)
{
	int64_t amount = rnd_amount(m);
	int err = money_topup(m->f.st, m->f.tenant, a->id, amount, NULL, NULL,
			      NULL);

	if (!err)
		a->balance += amount;
	return err;
}


static int op_hold(struct model *m, struct maccount *a)
{
	int64_t amount = rnd_amount(m);
	bool fits = avail(m, a) >= amount;
	struct store_hold h;
	int err;

	if (a->holdc >= HOLDS_MAX)
		return 0;
	err = money_hold_authorize(m->f.st, &h, m->f.tenant, a->id, amount,
				   NULL, "prop", NULL);
	if (err == ENOSPC && !fits) {
		m->refused++;
		return 0;
	}
	if (err || !fits)
		return err ? err : EPROTO;   /* the model said no */
	str_ncpy(a->holdv[a->holdc].id, h.id, CB_ID_LEN + 1);
	a->holdv[a->holdc++].amount = amount;
	return 0;
}


static int op_extend(struct model *m, struct maccount *a)
{
	int64_t add = rnd_amount(m);
	bool fits = avail(m, a) >= add;
	unsigned i;
	int err;

	if (!a->holdc)
		return 0;
	i = (unsigned)(rnd(m) % a->holdc);
	err = money_hold_extend(m->f.st, a->holdv[i].id, add);
	if (err == ENOSPC && !fits)
		return 0;
	if (err || !fits)
		return err ? err : EPROTO;
	a->holdv[i].amount += add;
	return 0;
}


static int op_capture(struct model *m, struct maccount *a)
{
	struct money_capture c;
	int64_t amount, net, tax, total, want, limit;
	unsigned i;
	int err;

	if (!a->holdc)
		return 0;
	i = (unsigned)(rnd(m) % a->holdc);
	amount = a->holdv[i].amount;
	/* mostly within the hold, sometimes (a call that ran on) above */
	net = (int64_t)(rnd(m) % (uint64_t)(amount + amount / 2 + 1));
	err = money_tax(&tax, net, m->tax_ppm);
	if (err)
		return err;
	total = net + tax;

	limit = avail(m, a) + amount;    /* this hold is in avail */
	if (total <= amount || m->policy == MONEY_OVER_DEBT)
		want = total;
	else if (m->policy == MONEY_OVER_CAP)
		want = amount;
	else
		want = limit > amount ? (limit < total ? limit : total)
			: amount;

	err = money_hold_capture(m->f.st, a->holdv[i].id, net, tax, &c);
	if (err)
		return err;
	if (c.charged != want || c.written_off != total - want) {
		re_fprintf(stderr, "  capture: hold %lld total %lld avail "
			   "%lld: charged %lld, model %lld\n",
			   (long long)amount, (long long)total,
			   (long long)avail(m, a), (long long)c.charged,
			   (long long)want);
		return EPROTO;
	}
	m->captures++;
	m->over += total > amount;
	a->balance -= want;
	hold_drop(a, i);
	return 0;
}


static int op_release(struct model *m, struct maccount *a)
{
	unsigned i;
	int err;

	if (!a->holdc)
		return 0;
	i = (unsigned)(rnd(m) % a->holdc);
	err = money_hold_release(m->f.st, a->holdv[i].id);
	if (!err)
		hold_drop(a, i);
	return err;
}


static int op_credit(struct model *m, struct maccount *a)
{
	struct store_rate r;
	char leg[32];
	int64_t amount = 0, cost = rnd_amount(m);
	bool again = m->legs && rnd(m) % 4 == 0;
	int err;

	memset(&r, 0, sizeof(r));
	r.per_min = rnd_amount(m);
	(void)re_snprintf(leg, sizeof(leg), "leg-%u-%s",
			  again ? (unsigned)(rnd(m) % m->legs) : m->legs++,
			  a->id);
	err = money_credit_leg(m->f.st, m->f.tenant, a->id, leg, &r, cost,
			       MONEY_TROUBLE_NOISE, &amount);
	if (err == EALREADY || err == ENOENT)
		return 0;   /* credited before (or another account's leg) */
	if (err)
		return err;
	if (amount > r.per_min || amount > cost)
		return EPROTO;
	a->balance += amount;
	return 0;
}


static int op_transfer(struct model *m, struct maccount *a,
		       struct maccount *b)
{
	struct store_entry ev[2];
	struct store_txn t;
	int64_t amount = rnd_amount(m);
	bool fits = avail(m, a) >= amount;
	int err;

	if (a == b)
		return 0;
	memset(ev, 0, sizeof(ev));
	memset(&t, 0, sizeof(t));
	str_ncpy(ev[0].account_id, a->id, sizeof(ev[0].account_id));
	ev[0].amount = -amount;
	ev[0].covered = true;
	str_ncpy(ev[1].account_id, b->id, sizeof(ev[1].account_id));
	ev[1].amount = amount;
	str_ncpy(t.tenant_id, m->f.tenant, sizeof(t.tenant_id));
	str_ncpy(t.kind, "transfer", sizeof(t.kind));
	t.entryv = ev;
	t.entryc = 2;
	err = money_post(m->f.st, &t);
	if (err == ENOSPC && !fits)
		return 0;
	if (err || !fits)
		return err ? err : EPROTO;
	a->balance -= amount;
	b->balance += amount;
	return 0;
}


/* the store agrees with the model; nobody is below zero available */
static int state_check(struct model *m)
{
	for (unsigned i = 0; i < ACCOUNTS; i++) {
		struct maccount *a = &m->av[i];
		int64_t bal, h;
		int err = mfix_balance(&m->f, a->id, &bal, &h);

		if (err)
			return err;
		if (bal != a->balance || h != held(a)) {
			re_fprintf(stderr, "  account %u: store %lld/%lld, "
				   "model %lld/%lld\n", i, (long long)bal,
				   (long long)h, (long long)a->balance,
				   (long long)held(a));
			return EPROTO;
		}
		if (m->policy != MONEY_OVER_DEBT && avail(m, a) < 0) {
			re_fprintf(stderr, "  account %u: available %lld\n",
				   i, (long long)avail(m, a));
			return EPROTO;
		}
	}
	return 0;
}


static int run(enum money_over policy, bool credit, uint64_t seed)
{
	struct store_money_recon r;
	struct model *m;
	int err, step = 0;

	m = mem_zalloc(sizeof(*m), NULL);
	if (!m)
		return ENOMEM;
	m->rng = seed;
	m->policy = policy;
	m->credit = credit;
	m->tax_ppm = 82500;

	err = mfix_open(&m->f);
	if (!err)
		err = mfix_settings(&m->f, "tax", "8.25");
	if (!err)
		err = mfix_settings(&m->f, "overcapture",
				    money_over_name(policy));
	if (!err)
		err = mfix_settings(&m->f, "allow_credit",
				    credit ? "yes" : "no");
	for (unsigned i = 0; i < ACCOUNTS && !err; i++) {
		char name[16];

		(void)re_snprintf(name, sizeof(name), "acct%u", i);
		m->av[i].limit = i % 2 ? U(5) : 0;
		err = mfix_account(&m->f, m->av[i].id, name, 0,
				   m->av[i].limit);
	}

	for (step = 0; step < STEPS && !err; step++) {
		struct maccount *a = &m->av[rnd(m) % ACCOUNTS];
		struct maccount *b = &m->av[rnd(m) % ACCOUNTS];

		switch (rnd(m) % 10) {
		case 0: case 1: err = op_topup(m, a); break;
		case 2: case 3: err = op_hold(m, a); break;
		case 4:         err = op_extend(m, a); break;
		case 5: case 6: err = op_capture(m, a); break;
		case 7:         err = op_release(m, a); break;
		case 8:         err = op_credit(m, a); break;
		default:        err = op_transfer(m, a, b); break;
		}
		if (!err)
			err = state_check(m);
	}
	if (!err)
		err = money_reconcile(m->f.st, m->f.tenant, &r);
	if (!err && (r.total || !m->refused || !m->captures || !m->over))
		err = EPROTO;   /* the run must have exercised each path */
	if (err)
		re_fprintf(stderr, "  policy %s credit %d seed %llu: step %d: "
			   "%m (refused %u, captures %u, over %u)\n",
			   money_over_name(policy), credit,
			   (unsigned long long)seed, step, err, m->refused,
			   m->captures, m->over);
	mfix_close(&m->f);
	mem_deref(m);
	return err;
}


int test_money_prop_available(void)
{
	int err = run(MONEY_OVER_AVAILABLE, true, 0x5eed0001);

	return err ? err : run(MONEY_OVER_AVAILABLE, false, 0x5eed0002);
}


int test_money_prop_cap(void)
{
	int err = run(MONEY_OVER_CAP, false, 0x5eed0003);

	return err ? err : run(MONEY_OVER_CAP, true, 0x5eed0004);
}


int test_money_prop_debt(void)
{
	return run(MONEY_OVER_DEBT, false, 0x5eed0005);
}
