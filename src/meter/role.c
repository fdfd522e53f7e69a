/**
 * @file meter/role.c  Rating a role of a live bill: a leg chosen late
 *
 * meter_authorize() rates every destination known before the call is
 * dialed.  Some are only chosen while the call runs: the contact
 * centre's agent (leg B) is picked by the ACD after the customer has
 * answered, and may be a registered user, a SIP URI or a phone number
 * reached through the trunk.  meter_role_rate() sets such a role on the
 * live bill just before its leg is dialed:
 *
 *  - a number is rated by longest prefix (`not_rated` without a rate)
 *    and the role's payer's hold is extended by money_estimate() of that
 *    rate (`insufficient_funds` if the account cannot cover it), on a
 *    store worker; the legs bound to the role from then on are metered
 *    and charged at that rate;
 *  - NULL (not a number) makes the role free again at once.
 *
 * Legs already bound keep the rate they were bound with, so a role can
 * be rated again for the next leg (the next agent).  Rating the number
 * the role already has changes nothing and needs no job.
 */
#include <string.h>
#include <re.h>
#include "meter.h"

struct role_job {
	struct meter_bill *bill;             /* mem_ref'd */
	enum meter_role role;
	char tenant_id[CB_ID_LEN + 1];
	struct store_money_tenant mt;        /* the bill's, a copy */
	char number[STORE_DIGITS_MAX + 1];
	char peer[160];
	char hold_id[CB_ID_LEN + 1];
	/* results */
	struct store_rate rate;
	int64_t add;
	struct meter_refusal ref;
	meter_auth_h *h;
	void *arg;
};


static void job_destructor(void *arg)
{
	struct role_job *j = arg;

	mem_deref(j->bill);
}


static int refuse(struct role_job *j, int err, const char *code,
		  const char *message)
{
	j->ref.err = err;
	j->ref.code = code;
	j->ref.field = j->role == METER_ROLE_A ? "to" : "bridge_to";
	j->ref.message = message;
	return err;
}


static int role_work(struct store *st, void *arg)
{
	struct role_job *j = arg;
	int err;

	err = money_rate_find(st, &j->rate, j->tenant_id, j->number);
	if (err == ENOENT)
		return refuse(j, err, "not_rated", "no rate for this "
			      "destination in the tenant's rate table");
	if (err)
		return refuse(j, err, "unavailable", "cannot rate the "
			      "destination");
	err = money_estimate(&j->add, &j->rate, 1, &j->mt);
	if (err)
		return refuse(j, err, "unavailable", "cannot estimate the "
			      "hold");
	if (!j->add)
		return 0;
	err = money_hold_extend(st, j->hold_id, j->add);
	if (err == ENOSPC || err == EPERM)
		return refuse(j, err, "insufficient_funds", "the account "
			      "cannot cover the new leg");
	if (err)
		return refuse(j, err, "unavailable", "cannot extend the hold");
	return 0;
}


static void role_done(int err, void *arg)
{
	struct role_job *j = arg;
	struct meter_bill *bill = j->bill;
	struct role *r = &bill->rolev[j->role];
	struct meter_refusal ref = j->ref;

	if (err && !ref.code)
		ref = (struct meter_refusal){err, "unavailable", NULL,
					     err == ECANCELED ?
					     "shutting down" :
					     "store unavailable"};
	if (!err) {
		r->rated = true;
		r->rate = j->rate;
		str_ncpy(r->number, j->number, sizeof(r->number));
		str_ncpy(r->peer, j->peer, sizeof(r->peer));
		r->payer->authorized += j->add;
		mtr_payer_plan(r->payer, call_now_ms());
		log_info(NULL, "call=%s role %c rated for %s: hold +%lld",
			 bill->call_id, 'A' + j->role, j->number,
			 (long long)j->add);
	}
	j->h(bill, &ref, j->arg);
}


/**
 * Set what `role` of the live bill of `call_id` dials next
 *
 * @param number  E.164 to rate, or NULL: the role is not rated (free)
 * @param peer    for the CDR (NULL: the number)
 * @param h       called on the re_main thread with the refusal (err 0:
 *                rated, the hold extended); the bill is borrowed
 *
 * @return EINPROGRESS (h will be called), 0 (done now: NULL number, or
 *         the number the role already has; h is not called), ENOENT no
 *         such bill, EINVAL bad arguments or the role has no payer or
 *         hold, or an errno of the store
 */
int meter_role_rate(const char *call_id, enum meter_role role,
		    const char *number, const char *peer, meter_auth_h *h,
		    void *arg)
{
	struct meter_bill *bill = mtr_bill_find(call_id);
	struct role_job *j;
	struct role *r;
	int err;

	if (!bill)
		return ENOENT;
	if (role >= METER_ROLE_MAX || !h)
		return EINVAL;
	r = &bill->rolev[role];
	if (!r->present || !r->payer || bill->state == BILL_SETTLING)
		return EINVAL;
	if (!number || !*number) {
		r->rated = false;
		r->number[0] = '\0';
		str_ncpy(r->peer, peer ? peer : "", sizeof(r->peer));
		return 0;
	}
	if (r->rated && !strcmp(r->number, number))
		return 0;
	if (!r->payer->hold_id[0] || strlen(number) >= sizeof(j->number) ||
	    !meter_store())
		return EINVAL;

	j = mem_zalloc(sizeof(*j), job_destructor);
	if (!j)
		return ENOMEM;
	j->bill = mem_ref(bill);
	j->role = role;
	str_ncpy(j->tenant_id, bill->tenant_id, sizeof(j->tenant_id));
	j->mt = bill->mt;
	str_ncpy(j->number, number, sizeof(j->number));
	str_ncpy(j->peer, peer && *peer ? peer : number, sizeof(j->peer));
	str_ncpy(j->hold_id, r->payer->hold_id, sizeof(j->hold_id));
	j->h = h;
	j->arg = arg;
	err = store_submit(meter_store(), role_work, role_done, j);
	mem_deref(j);
	return err ? err : EINPROGRESS;
}
