/**
 * @file meter/auth.c  Authorizing a billed call before it is dialed
 *
 * One store job per call, before anything is dialed: the tenant's money
 * settings, the rate of each destination that is a number (longest
 * prefix; a number without a rate is refused, `not_rated`), the paying
 * accounts (each role's, one payer per distinct account), and a hold per
 * payer for money_estimate() of its rated legs (typical length x rates,
 * at least the minimum, plus tax, within the tenant's bounds).  When one
 * hold is refused for want of funds, those already granted are released
 * and the call is refused (`insufficient_funds`, 402): nothing is
 * dialed.  Destinations that are not numbers (SIP URIs, registered
 * users) are not rated and cost nothing; a call must have at least one
 * rated destination to be billed.
 *
 * The worker fills the job; the bill is built on the re_main thread from
 * it, and handed to the caller, who starts the call with it.
 */
#include <string.h>
#include <re.h>
#include "meter.h"

struct auth_role {
	bool present, rated;
	char number[STORE_DIGITS_MAX + 1];
	char peer[160];
	char account[STORE_NAME_MAX];
	enum meter_payer payer;
	struct store_rate rate;
	int payer_idx;                  /* result: index in payerv */
};

struct auth_payer {
	char account_id[CB_ID_LEN + 1];
	enum meter_payer kind;
	int64_t amount;
	struct store_hold hold;
};

struct auth_job {
	char tenant_id[CB_ID_LEN + 1];
	char call_id[CB_ID_LEN + 1];
	int limit;
	struct auth_role rolev[METER_ROLE_MAX];
	/* results */
	struct store_money_tenant mt;
	struct auth_payer payerv[METER_ROLE_MAX];
	unsigned payerc;
	struct meter_refusal ref;
	meter_auth_h *h;
	void *arg;
};

static const char *role_field[METER_ROLE_MAX] = {"to", "bridge_to"};
static const char *account_field[METER_ROLE_MAX] = {
	"billing.account", "billing.bridge_to.account"
};


static int refuse(struct auth_job *j, int err, const char *code,
		  const char *field, const char *message)
{
	j->ref.err = err;
	j->ref.code = code;
	j->ref.field = field;
	j->ref.message = message;
	return err;
}


static int rate_roles(struct store *st, struct auth_job *j)
{
	bool any = false;

	for (int i = 0; i < METER_ROLE_MAX; i++) {
		struct auth_role *r = &j->rolev[i];
		int err;

		if (!r->present || !r->number[0])
			continue;
		err = money_rate_find(st, &r->rate, j->tenant_id, r->number);
		if (err == ENOENT)
			return refuse(j, err, "not_rated", role_field[i],
				      "no rate for this destination in the "
				      "tenant's rate table");
		if (err)
			return refuse(j, err, "unavailable", NULL,
				      "cannot rate the destination");
		r->rated = true;
		any = true;
	}
	if (!any)
		return refuse(j, ENOENT, "not_rated", role_field[0],
			      "a billed call needs a phone number to rate");
	return 0;
}


/* one payer per distinct account, in the order of the roles */
static int find_payers(struct store *st, struct auth_job *j)
{
	for (int i = 0; i < METER_ROLE_MAX; i++) {
		struct auth_role *r = &j->rolev[i];
		struct store_account a;
		unsigned k;
		int err;

		if (!r->present)
			continue;
		err = store_money_account_get(st, &a, j->tenant_id,
					      r->account);
		if (!err && !money_account_kind_ok(a.kind))
			err = ENOENT;
		if (err == ENOENT)
			return refuse(j, err, "unknown_account",
				      account_field[i],
				      "no such account in this tenant");
		if (err)
			return refuse(j, err, "unavailable", NULL,
				      "cannot read the account");
		for (k = 0; k < j->payerc; k++) {
			if (!strcmp(j->payerv[k].account_id, a.id))
				break;
		}
		if (k == j->payerc) {
			str_ncpy(j->payerv[k].account_id, a.id,
				 sizeof(j->payerv[k].account_id));
			j->payerv[k].kind = r->payer;
			++j->payerc;
		}
		r->payer_idx = (int)k;
	}
	return 0;
}


static int estimate(struct auth_job *j, unsigned k)
{
	struct store_rate ratev[METER_ROLE_MAX];
	size_t n = 0;

	for (int i = 0; i < METER_ROLE_MAX; i++) {
		const struct auth_role *r = &j->rolev[i];

		if (r->present && r->rated && r->payer_idx == (int)k)
			ratev[n++] = r->rate;
	}
	j->payerv[k].amount = 0;
	if (!n)
		return 0;     /* it pays for nothing: no hold */
	return money_estimate(&j->payerv[k].amount, ratev, n, &j->mt);
}


static void release_all(struct store *st, struct auth_job *j)
{
	for (unsigned k = 0; k < j->payerc; k++) {
		if (j->payerv[k].hold.id[0])
			(void)money_hold_release(st, j->payerv[k].hold.id);
	}
}


static const char *payer_field(const struct auth_job *j, unsigned k)
{
	for (int i = 0; i < METER_ROLE_MAX; i++) {
		if (j->rolev[i].present && j->rolev[i].payer_idx == (int)k)
			return account_field[i];
	}
	return account_field[0];
}


static int auth_work(struct store *st, void *arg)
{
	struct auth_job *j = arg;
	char ref[STORE_REF_MAX];
	int err;

	err = money_tenant_get(st, &j->mt, j->tenant_id);
	if (err)
		return refuse(j, err, "unavailable", NULL,
			      "cannot read the tenant's money settings");
	err = rate_roles(st, j);
	if (!err)
		err = find_payers(st, j);
	if (err)
		return err;

	(void)re_snprintf(ref, sizeof(ref), "call:%s", j->call_id);
	for (unsigned k = 0; k < j->payerc; k++) {
		struct auth_payer *p = &j->payerv[k];

		err = estimate(j, k);
		if (err) {
			release_all(st, j);
			return refuse(j, err, "unavailable", NULL,
				      "cannot estimate the hold");
		}
		if (!p->amount)
			continue;
		err = money_hold_authorize(st, &p->hold, j->tenant_id,
					   p->account_id, p->amount, NULL, ref,
					   NULL);
		if (err) {
			memset(&p->hold, 0, sizeof(p->hold));
			release_all(st, j);
			if (err == ENOSPC || err == EPERM)
				return refuse(j, err, "insufficient_funds",
					      payer_field(j, k),
					      "the account cannot cover the "
					      "pre-authorization");
			return refuse(j, err, "unavailable", NULL,
				      "cannot authorize the hold");
		}
	}
	return 0;
}


static int bill_make(struct meter_bill **billp, const struct auth_job *j)
{
	enum money_limit policy = j->limit >= 0 ? (enum money_limit)j->limit
		: (enum money_limit)j->mt.limit_policy;
	struct meter_bill *bill = NULL;
	int err;

	err = mtr_bill_alloc(&bill, j->call_id, j->tenant_id, &j->mt, policy);
	if (err)
		return err;
	for (unsigned k = 0; k < j->payerc; k++) {
		const struct auth_payer *p = &j->payerv[k];

		(void)mtr_bill_payer_add(bill, p->kind, p->account_id,
					 p->hold.id, p->amount);
	}
	for (int i = 0; i < METER_ROLE_MAX; i++) {
		const struct auth_role *r = &j->rolev[i];
		struct role *br = &bill->rolev[i];

		if (!r->present)
			continue;
		br->present = true;
		br->rated = r->rated;
		str_ncpy(br->number, r->number, sizeof(br->number));
		str_ncpy(br->peer, r->peer, sizeof(br->peer));
		br->rate = r->rate;
		br->payer = &bill->payerv[r->payer_idx];
	}
	*billp = bill;
	return 0;
}


static void auth_done(int err, void *arg)
{
	struct auth_job *j = arg;
	struct meter_bill *bill = NULL;
	struct meter_refusal r = j->ref;

	if (err == ECANCELED)
		r = (struct meter_refusal){err, "unavailable", NULL,
					   "shutting down"};
	else if (!err && bill_make(&bill, j)) {
		release_all(meter_store(), j);
		r = (struct meter_refusal){ENOMEM, "internal", NULL,
					   "out of memory"};
	}
	else if (err && !r.code) {
		r = (struct meter_refusal){err, "unavailable", NULL,
					   "store unavailable"};
	}
	if (!err && bill)
		log_info(NULL, "call=%s authorized: %u payer(s), policy %s",
			 j->call_id, bill->payerc,
			 money_limit_name(bill->policy));
	j->h(bill, &r, j->arg);
}


/**
 * Rate and authorize spec's call on a store worker; h(bill, refusal)
 * runs on the re_main thread: bill (the caller's ref) when r->err is 0.
 */
int meter_authorize(const struct meter_spec *spec, meter_auth_h *h,
		    void *arg)
{
	struct auth_job *j;
	int err;

	if (!spec || !h || !spec->tenant_id || !spec->call_id ||
	    !spec->rolev[METER_ROLE_A].present ||
	    spec->limit >= MONEY_LIMIT_MAX)
		return EINVAL;
	if (!meter_store())
		return ENOTSUP;
	j = mem_zalloc(sizeof(*j), NULL);
	if (!j)
		return ENOMEM;
	str_ncpy(j->tenant_id, spec->tenant_id, sizeof(j->tenant_id));
	str_ncpy(j->call_id, spec->call_id, sizeof(j->call_id));
	j->limit = spec->limit;
	for (int i = 0; i < METER_ROLE_MAX; i++) {
		const struct meter_role_spec *rs = &spec->rolev[i];
		struct auth_role *r = &j->rolev[i];

		if (!rs->present)
			continue;
		if (!rs->account || rs->payer >= METER_PAYER_MAX) {
			mem_deref(j);
			return EINVAL;
		}
		r->present = true;
		str_ncpy(r->number, rs->number ? rs->number : "",
			 sizeof(r->number));
		str_ncpy(r->peer, rs->peer ? rs->peer : r->number,
			 sizeof(r->peer));
		str_ncpy(r->account, rs->account, sizeof(r->account));
		r->payer = rs->payer;
	}
	j->h = h;
	j->arg = arg;
	err = store_submit(meter_store(), auth_work, auth_done, j);
	mem_deref(j);
	return err;
}


/**
 * The call will not be dialed after all: its holds are released (a job)
 * and the bill goes.
 */
static int abort_work(struct store *st, void *arg)
{
	struct meter_bill *bill = arg;

	for (unsigned k = 0; k < bill->payerc; k++) {
		if (bill->payerv[k].hold_id[0])
			(void)money_hold_release(st, bill->payerv[k].hold_id);
	}
	return 0;
}


void meter_bill_abort(struct meter_bill *bill)
{
	if (!bill)
		return;
	if (meter_store() &&
	    store_submit(meter_store(), abort_work, NULL, bill))
		(void)abort_work(meter_store(), bill);
	mem_deref(bill);
}
