/**
 * @file meter/conf.c  A conference's bill: one hold, many calls
 *
 * A conference (src/conf/, seed 004) is paid by one account through one
 * pre-authorization, but each participant is a call of its own.  So a
 * conference's bill is an ordinary bill (one payer, its legs metered by
 * increments on the one heap, the limit state machine of limit.c, the
 * settlement of settle.c) keyed by the conference id instead of a call
 * id, with room for METER_LEGS_CONF legs, and a struct mtr_conf that
 * says how it differs:
 *
 *  - every leg is role A (payer: the account) but is bound with its own
 *    number's rate, from the bill's table of rated numbers;
 *  - the hold is money_estimate() of every rated number of the
 *    conference (`basis`): authorized for the participants known at
 *    authorization, and grown by the difference when a new number is
 *    rated (meter_conf_rate, before its participant is dialed); a number
 *    whose growth is refused is not dialed;
 *  - the legs' events come from the conference (meter_conf_event), not
 *    from the call model's subscription (their calls are not the bill's);
 *  - the call to publish on, the cut, the cost events and the question
 *    of policy ask are asked of the conference (struct meter_host): the
 *    conference ends as a whole, publishes `conference.cost` with the
 *    participants' costs, and plays the question to everyone in its
 *    mixer, any of whom may answer it with DTMF 1.
 *
 * The bill settles when the conference says so (meter_call_ended()).
 * The hold's ref is `call:<conference id>`, so crash recovery settles it
 * like a call's.  Everything runs on the re_main thread; rating and holds
 * on the store's workers.
 */
#include <string.h>
#include <re.h>
#include "meter.h"

enum {
	CONF_RATES_MAX = 64,     /**< distinct rated numbers               */
	CONF_NUM_MAX = 24,       /**< "+" and up to 15 digits, NUL         */
};

struct mtr_conf {
	struct meter_host host;
	char numv[CONF_RATES_MAX][CONF_NUM_MAX];
	struct store_rate ratev[CONF_RATES_MAX];
	unsigned ratec;
	int64_t basis;           /* money_estimate() the hold is sized for */
};


static int rate_find(const struct mtr_conf *c, const char *number)
{
	for (unsigned i = 0; number && i < c->ratec; i++) {
		if (!strcmp(c->numv[i], number))
			return (int)i;
	}
	return -1;
}


static void rate_put(struct mtr_conf *c, const char *number,
		     const struct store_rate *r)
{
	if (rate_find(c, number) >= 0 || c->ratec >= CONF_RATES_MAX)
		return;
	str_ncpy(c->numv[c->ratec], number, CONF_NUM_MAX);
	c->ratev[c->ratec++] = *r;
}


static struct meter_bill *conf_bill(const char *conf_id)
{
	struct meter_bill *bill = mtr_bill_find(conf_id);

	return bill && bill->conf ? bill : NULL;
}


/* ---- what the rest of the meter asks ---------------------------------- */

struct call *mtr_conf_call(const struct meter_bill *bill, const char *leg_id)
{
	const struct meter_host *h = &bill->conf->host;

	return h->call_h ? h->call_h(leg_id, h->arg) : NULL;
}


/** The limit cut a conference's bill: the conference ends (true) */
bool mtr_conf_cut(struct meter_bill *bill)
{
	if (!bill->conf)
		return false;
	if (bill->conf->host.cut_h)
		bill->conf->host.cut_h(bill->conf->host.arg);
	return true;
}


/**
 * Policy ask on a conference: the question `wav` goes to everyone in the
 * mixer (NULL: stop it wherever it still plays); how many hear it
 */
unsigned mtr_conf_ask(struct meter_bill *bill, const char *wav)
{
	const struct meter_host *h = bill->conf ? &bill->conf->host : NULL;

	return h && h->ask_h ? h->ask_h(wav, h->arg) : 0;
}


/** The cost moved: a conference publishes it its own way (true) */
bool mtr_conf_cost(struct meter_bill *bill)
{
	if (!bill->conf)
		return false;
	if (bill->conf->host.cost_h)
		bill->conf->host.cost_h(bill->conf->host.arg);
	return true;
}


/* ---- authorization ------------------------------------------------------ */

struct cauth_job {
	char tenant_id[CB_ID_LEN + 1];
	char conf_id[CB_ID_LEN + 1];
	char account[STORE_NAME_MAX];
	char method[CB_ID_LEN + 1];
	int limit;
	char numv[CONF_RATES_MAX][CONF_NUM_MAX];
	unsigned numc;
	/* results */
	struct store_money_tenant mt;
	struct mtr_conf *c;                  /* the rated numbers */
	char account_id[CB_ID_LEN + 1];
	struct store_hold hold;
	int64_t amount;
	struct meter_refusal ref;
	meter_auth_h *h;
	void *arg;
};


static void cauth_destructor(void *arg)
{
	struct cauth_job *j = arg;

	mem_deref(j->c);
}


static int cauth_refuse(struct cauth_job *j, int err, const char *code,
			const char *field, const char *message)
{
	j->ref = (struct meter_refusal){err, code, field, message};
	return err;
}


static int cauth_work(struct store *st, void *arg)
{
	struct cauth_job *j = arg;
	struct store_account a;
	char ref[STORE_REF_MAX];
	int err;

	err = money_tenant_get(st, &j->mt, j->tenant_id);
	if (err)
		return cauth_refuse(j, err, "unavailable", NULL, "cannot read "
				    "the tenant's money settings");
	err = store_money_account_get(st, &a, j->tenant_id, j->account);
	if (!err && !money_account_kind_ok(a.kind))
		err = ENOENT;
	if (err == ENOENT)
		return cauth_refuse(j, err, "unknown_account", "account",
				    "no such account in this tenant");
	if (err)
		return cauth_refuse(j, err, "unavailable", NULL, "cannot read "
				    "the account");
	str_ncpy(j->account_id, a.id, sizeof(j->account_id));

	/* numbers without a rate are not held for: they cannot be dialed */
	for (unsigned i = 0; i < j->numc; i++) {
		struct store_rate r;

		err = money_rate_find(st, &r, j->tenant_id, j->numv[i]);
		if (err == ENOENT)
			continue;
		if (err)
			return cauth_refuse(j, err, "unavailable", NULL,
					    "cannot rate the participants");
		rate_put(j->c, j->numv[i], &r);
	}
	err = money_estimate(&j->amount, j->c->ratev, j->c->ratec, &j->mt);
	if (!err && j->amount <= 0)
		err = ERANGE;
	if (err)
		return cauth_refuse(j, err, "unavailable", NULL, "cannot "
				    "estimate the pre-authorization");
	j->c->basis = j->amount;

	(void)re_snprintf(ref, sizeof(ref), "call:%s", j->conf_id);
	err = money_hold_authorize(st, &j->hold, j->tenant_id, j->account_id,
				   j->amount, j->method[0] ? j->method : NULL,
				   ref, NULL);
	if (err == ENOSPC)
		return cauth_refuse(j, err, "insufficient_funds", "account",
				    "the account cannot cover the "
				    "pre-authorization");
	if (err == EPERM)
		return cauth_refuse(j, err, j->method[0] ? "card_declined" :
				    "insufficient_funds", j->method[0] ?
				    "method" : "account",
				    j->method[0] ? "the card was declined for "
				    "the pre-authorization" :
				    "the account cannot cover the "
				    "pre-authorization");
	if (err == ENOENT)
		return cauth_refuse(j, err, "unknown_method", "method",
				    "no such card on this account");
	if (err)
		return cauth_refuse(j, err, "unavailable", NULL, "cannot "
				    "authorize the hold");
	return 0;
}


static void cauth_done(int err, void *arg)
{
	struct cauth_job *j = arg;
	struct meter_bill *bill = NULL;
	struct meter_refusal r = j->ref;
	enum money_limit policy;

	if (err == ECANCELED)
		r = (struct meter_refusal){err, "unavailable", NULL,
					   "shutting down"};
	else if (err && !r.code)
		r = (struct meter_refusal){err, "unavailable", NULL,
					   "store unavailable"};
	if (err)
		goto out;

	policy = j->limit >= 0 ? (enum money_limit)j->limit
		: (enum money_limit)j->mt.limit_policy;
	if (mtr_bill_alloc_n(&bill, j->conf_id, j->tenant_id, &j->mt, policy,
			     METER_LEGS_CONF) ||
	    !mtr_bill_payer_add(bill, METER_PAYER_ACCOUNT, j->account_id,
				j->hold.id, j->amount)) {
		bill = mem_deref(bill);
		(void)money_hold_release(meter_store(), j->hold.id);
		r = (struct meter_refusal){ENOMEM, "internal", NULL,
					   "out of memory"};
		goto out;
	}
	bill->rolev[METER_ROLE_A].present = true;
	bill->rolev[METER_ROLE_A].payer = &bill->payerv[0];
	bill->conf = j->c;
	j->c = NULL;
	log_info(NULL, "conf=%s authorized: hold %s of %lld on %s, policy %s",
		 j->conf_id, j->hold.id, (long long)j->amount, j->account_id,
		 money_limit_name(policy));
 out:
	j->h(bill, &r, j->arg);
}


/**
 * Pre-authorize a conference: rate its participants' numbers and hold
 * money_estimate() of them on the account (or its card); h(bill,
 * refusal) on the re_main thread, bill the caller's (meter_conf_start or
 * meter_bill_abort) when r->err is 0.
 */
int meter_conf_authorize(const struct meter_conf_spec *spec,
			 meter_auth_h *h, void *arg)
{
	struct cauth_job *j;
	int err;

	if (!spec || !h || !spec->tenant_id || !spec->conf_id ||
	    !spec->account || spec->limit >= MONEY_LIMIT_MAX ||
	    (spec->numc && !spec->numv) || spec->numc > CONF_RATES_MAX)
		return EINVAL;
	if (!meter_store())
		return ENOTSUP;
	j = mem_zalloc(sizeof(*j), cauth_destructor);
	if (!j)
		return ENOMEM;
	j->c = mem_zalloc(sizeof(*j->c), NULL);
	if (!j->c) {
		mem_deref(j);
		return ENOMEM;
	}
	str_ncpy(j->tenant_id, spec->tenant_id, sizeof(j->tenant_id));
	str_ncpy(j->conf_id, spec->conf_id, sizeof(j->conf_id));
	str_ncpy(j->account, spec->account, sizeof(j->account));
	str_ncpy(j->method, spec->method ? spec->method : "",
		 sizeof(j->method));
	j->limit = spec->limit;
	for (unsigned i = 0; i < spec->numc; i++)
		str_ncpy(j->numv[j->numc++], spec->numv[i], CONF_NUM_MAX);
	j->h = h;
	j->arg = arg;
	err = store_submit(meter_store(), cauth_work, cauth_done, j);
	mem_deref(j);
	return err;
}


/** Start metering an authorized conference (takes the caller's ref) */
int meter_conf_start(struct meter_bill *bill, const struct meter_host *host)
{
	if (!bill || !bill->conf || !host) {
		mem_deref(bill);
		return EINVAL;
	}
	bill->conf->host = *host;
	return meter_bill_start(bill);
}


/** The conference goes: the bill (settling) asks nothing of it again */
void meter_conf_detach(const char *conf_id)
{
	struct meter_bill *bill = conf_bill(conf_id);

	if (bill)
		memset(&bill->conf->host, 0, sizeof(bill->conf->host));
}


/* ---- dialing a participant --------------------------------------------- */

/**
 * May a participant with `number` (NULL: not a number, free) be dialed
 * now?  0 yes; EAGAIN its number must be rated first (meter_conf_rate);
 * ENOSPC no room for another leg; EPERM the money is used up; ENOENT no
 * such bill.
 */
int meter_conf_can_dial(const char *conf_id, const char *number)
{
	const struct meter_bill *bill = conf_bill(conf_id);

	if (!bill)
		return ENOENT;
	if (bill->state != BILL_LIVE || bill->payerc < 1 ||
	    bill->payerv[0].state >= PAYER_FINAL)
		return EPERM;
	if (bill->legc >= bill->legn)
		return ENOSPC;
	if (number && rate_find(bill->conf, number) < 0)
		return EAGAIN;
	return 0;
}


struct crate_job {
	struct meter_bill *bill;             /* mem_ref'd */
	char tenant_id[CB_ID_LEN + 1];
	struct store_money_tenant mt;
	char number[CONF_NUM_MAX];
	char hold_id[CB_ID_LEN + 1];
	struct store_rate ratev[CONF_RATES_MAX + 1];
	unsigned ratec;
	int64_t basis, est, add;
	bool card;
	struct meter_refusal ref;
	meter_auth_h *h;
	void *arg;
};


static void crate_destructor(void *arg)
{
	struct crate_job *j = arg;

	mem_deref(j->bill);
}


static int crate_refuse(struct crate_job *j, int err, const char *code,
			const char *message)
{
	j->ref = (struct meter_refusal){err, code, "number", message};
	return err;
}


static int crate_work(struct store *st, void *arg)
{
	struct crate_job *j = arg;
	int err;

	err = money_rate_find(st, &j->ratev[j->ratec], j->tenant_id,
			      j->number);
	if (err == ENOENT)
		return crate_refuse(j, err, "not_rated", "no rate for this "
				    "number in the tenant's rate table");
	if (err)
		return crate_refuse(j, err, "unavailable", "cannot rate the "
				    "number");
	err = money_estimate(&j->est, j->ratev, j->ratec + 1, &j->mt);
	if (err)
		return crate_refuse(j, err, "unavailable", "cannot estimate "
				    "the hold");
	j->add = j->est > j->basis ? j->est - j->basis : 0;
	if (!j->add)
		return 0;
	err = money_hold_extend(st, j->hold_id, j->add);
	if (err == ENOSPC || err == EPERM)
		return crate_refuse(j, err, j->card && err == EPERM ?
				    "card_declined" : "insufficient_funds",
				    "the pre-authorization cannot grow to "
				    "cover this participant");
	if (err)
		return crate_refuse(j, err, "unavailable", "cannot extend the "
				    "hold");
	return 0;
}


static void crate_done(int err, void *arg)
{
	struct crate_job *j = arg;
	struct meter_bill *bill = j->bill;
	struct meter_refusal ref = j->ref;

	if (err && !ref.code)
		ref = (struct meter_refusal){err, "unavailable", NULL,
					     err == ECANCELED ?
					     "shutting down" :
					     "store unavailable"};
	if (!err && bill->conf) {
		struct payer *p = &bill->payerv[0];

		rate_put(bill->conf, j->number, &j->ratev[j->ratec]);
		if (j->est > bill->conf->basis)
			bill->conf->basis = j->est;
		p->authorized += j->add;
		if (bill->state == BILL_LIVE)
			mtr_payer_plan(p, call_now_ms());
		log_info(NULL, "conf=%s %s rated: hold +%lld", bill->call_id,
			 j->number, (long long)j->add);
	}
	j->h(bill, &ref, j->arg);
}


/**
 * Rate `number` for a participant about to be dialed, growing the hold
 * to money_estimate() of all the conference's rated numbers.
 *
 * @return EINPROGRESS (h follows, err 0: rated), 0 (rated already: h is
 *         not called), ENOENT no such bill, EINVAL, or the store's errno
 */
int meter_conf_rate(const char *conf_id, const char *number,
		    meter_auth_h *h, void *arg)
{
	struct meter_bill *bill = conf_bill(conf_id);
	struct crate_job *j;
	int err;

	if (!bill)
		return ENOENT;
	if (!number || !h || strlen(number) >= CONF_NUM_MAX ||
	    bill->payerc < 1 || !meter_store())
		return EINVAL;
	if (rate_find(bill->conf, number) >= 0)
		return 0;
	if (bill->conf->ratec >= CONF_RATES_MAX)
		return ENOSPC;
	j = mem_zalloc(sizeof(*j), crate_destructor);
	if (!j)
		return ENOMEM;
	j->bill = mem_ref(bill);
	str_ncpy(j->tenant_id, bill->tenant_id, sizeof(j->tenant_id));
	j->mt = bill->mt;
	str_ncpy(j->number, number, sizeof(j->number));
	str_ncpy(j->hold_id, bill->payerv[0].hold_id, sizeof(j->hold_id));
	memcpy(j->ratev, bill->conf->ratev,
	       bill->conf->ratec * sizeof(j->ratev[0]));
	j->ratec = bill->conf->ratec;
	j->basis = bill->conf->basis;
	j->h = h;
	j->arg = arg;
	err = store_submit(meter_store(), crate_work, crate_done, j);
	mem_deref(j);
	return err ? err : EINPROGRESS;
}


/** A participant's leg was dialed: metered at its number's rate */
int meter_conf_leg_add(const char *conf_id, const struct leg *leg,
		       const char *number)
{
	struct meter_bill *bill = conf_bill(conf_id);
	struct role *r;
	struct leg_info li;
	struct mleg *l;
	int k;

	if (!bill)
		return ENOENT;
	if (!leg)
		return EINVAL;
	k = number ? rate_find(bill->conf, number) : -1;
	if (number && k < 0)
		return EAGAIN;
	r = &bill->rolev[METER_ROLE_A];
	r->rated = k >= 0;
	if (k >= 0) {
		r->rate = bill->conf->ratev[k];
		str_ncpy(r->number, number, sizeof(r->number));
	}
	leg_info(leg, &li);
	l = mtr_bill_leg_bind(bill, li.id, METER_ROLE_A, li.peer,
			      li.ts_created);
	if (!l)
		return ENOSPC;
	if (li.ts_answered)
		mtr_mleg_answer(l, li.ts_answered);
	if (li.ts_ended)
		mtr_mleg_end(l, li.ts_ended, cause_name(li.cause));
	return 0;
}


/** A participant's call event, passed on by the conference */
void meter_conf_event(const char *conf_id, const struct call_event *ev)
{
	struct meter_bill *bill = conf_bill(conf_id);

	if (bill && ev && ev->type != CALL_EV_CALL_END)
		mtr_event(bill, ev);
}


/* ---- what it costs -------------------------------------------------- */

int meter_conf_money(const char *conf_id, struct meter_conf_money *m)
{
	const struct meter_bill *bill = conf_bill(conf_id);
	const struct payer *p;

	if (!bill || !m || bill->payerc < 1)
		return ENOENT;
	p = &bill->payerv[0];
	memset(m, 0, sizeof(*m));
	str_ncpy(m->currency, bill->mt.currency, sizeof(m->currency));
	m->digits = bill->digits;
	str_ncpy(m->account_id, p->account_id, sizeof(m->account_id));
	str_ncpy(m->hold_id, p->hold_id, sizeof(m->hold_id));
	m->policy = money_limit_name(bill->policy);
	m->state = mtr_payer_state_name(p->state);
	m->authorized = p->authorized;
	m->limit_ms = p->limit_ms;
	return mtr_bill_cost_at(bill, call_now_ms(), &m->cost, &m->total,
				NULL);
}


int meter_conf_leg_cost(const char *conf_id, const char *leg_id,
			uint64_t *billed_sp, int64_t *costp)
{
	struct meter_bill *bill = conf_bill(conf_id);
	const struct mleg *l = mtr_bill_leg_find(bill, leg_id);
	struct money_leg_charge lc;
	int err;

	if (!l)
		return ENOENT;
	err = mtr_mleg_charge_at(l, call_now_ms(), &lc);
	if (err)
		return err;
	if (billed_sp)
		*billed_sp = lc.billed_s;
	if (costp)
		*costp = lc.cost;
	return 0;
}


/** The per-minute price of a rated number of the conference */
int meter_conf_rate_of(const char *conf_id, const char *number,
		       int64_t *per_minp)
{
	const struct meter_bill *bill = conf_bill(conf_id);
	int k = bill ? rate_find(bill->conf, number) : -1;

	if (k < 0)
		return ENOENT;
	if (per_minp)
		*per_minp = bill->conf->ratev[k].per_min;
	return 0;
}
