/**
 * @file api/originate.c  API-originated calls: what happens on answer
 *
 * POST /v1/calls places leg A (several legs when `to` is a user with
 * several devices: the first to answer is A).  When A answers, the
 * request's plan runs: bridge_to dials leg B (A hears ringback meanwhile,
 * or B's early media) and bridges them; play streams a prompt to A (a
 * file of media.prompt_dir, or a `say` text already synthesized into the
 * tts cache by api/say.c) and, with hangup_after, hangs up when it has
 * finished; a prompt that cannot be played ends A with cause failed.
 * A plan lives until its leg A or its call ends.  A status callback URL
 * is registered with the webhook sender before the first leg is dialed.
 *
 * A billed call is made in two steps: orig_prepare() makes the call and
 * its plan without dialing (the call id is the hold's reference), the
 * meter authorizes it on a store worker, then orig_dial() hands the bill
 * to the meter and dials; a refused call is dropped with orig_abort()
 * and nothing was dialed.  Every leg the plan dials is told to the meter
 * with its role (A: `to`, B: `bridge_to`).
 *
 * Plans are found by call id in a hash: every call event of every call
 * looks its plan up.
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_media.h"
#include "cb_meter.h"

struct plan {
	struct le he;              /* in plans, by call id              */
	struct call *call;         /* borrowed; valid until CALL_END   */
	char call_id[CB_ID_LEN + 1];
	char leg_a[CB_ID_LEN + 1]; /* empty until a leg answers        */
	char *bridge_to;
	char *play;
	char *from;
	bool hangup_after;
	bool billed;               /* the meter wants its legs         */
};

static struct hash *plans;     /* struct plan, owned */


static void plan_destructor(void *arg)
{
	struct plan *p = arg;

	hash_unlink(&p->he);
	mem_deref(p->bridge_to);
	mem_deref(p->play);
	mem_deref(p->from);
}


static bool id_cmp(struct le *le, void *arg)
{
	const struct plan *p = le->data;

	return 0 == strcmp(p->call_id, arg);
}


static struct plan *plan_find(const char *call_id)
{
	if (!plans || !call_id)
		return NULL;
	return list_ledata(hash_lookup(plans, hash_joaat_str(call_id), id_cmp,
				       (void *)call_id));
}


static void plan_run(struct plan *p, struct leg *a)
{
	if (p->bridge_to) {
		struct leg_dial dial;
		struct leg *b = NULL;

		memset(&dial, 0, sizeof(dial));
		dial.to = p->bridge_to;
		dial.from_user = p->from;
		(void)leg_tone(a, MEDIA_TONE_RINGBACK, true);
		if (call_dial(p->call, &b, &dial) || !b) {
			(void)leg_hangup(a, CAUSE_INVALID_NUMBER);
			return;
		}
		if (p->billed)
			(void)meter_leg_add(p->call_id, b, METER_ROLE_B);
		(void)call_bridge(p->call, a, b);
	}
	else if (p->play) {
		int err = leg_play(a, p->play, false);

		/* e.g. a spoken text's cache file removed while ringing */
		if (err) {
			log_warn(NULL, "call=%s cannot play %s (%m): "
				 "hanging up", p->call_id, p->play, err);
			(void)leg_hangup(a, CAUSE_FAILED);
		}
	}
}


static void event_handler(const struct call_event *ev, void *arg)
{
	struct plan *p;
	bool is_a;
	(void)arg;

	if (!ev->call_id || ev->type == CALL_EV_APP)
		return;
	p = plan_find(ev->call_id);
	if (!p)
		return;
	is_a = ev->leg_id && !strcmp(p->leg_a, ev->leg_id);

	switch (ev->type) {

	case CALL_EV_LEG_STATE:
		if (ev->new_state == LEG_ANSWERED && !p->leg_a[0]) {
			str_ncpy(p->leg_a, ev->leg_id, sizeof(p->leg_a));
			plan_run(p, (struct leg *)ev->leg);
		}
		else if (ev->new_state == LEG_ENDED && is_a) {
			mem_deref(p);
		}
		break;

	case CALL_EV_PLAY_DONE:
		if (is_a && p->play && p->hangup_after)
			(void)leg_hangup((struct leg *)ev->leg, CAUSE_NORMAL);
		break;

	case CALL_EV_CALL_END:
		mem_deref(p);
		break;

	default:
		break;
	}
}


/**
 * Make the call and its plan, dial nothing yet: orig_dial() or
 * orig_abort() follows.
 */
int orig_prepare(struct call **callp, const char *from,
		 const char *bridge_to, const char *play, bool hangup_after,
		 const char *tenant)
{
	struct call *call = NULL;
	struct plan *p;
	int err;

	if (!callp || !plans)
		return EINVAL;
	p = mem_zalloc(sizeof(*p), plan_destructor);
	if (!p)
		return ENOMEM;

	p->hangup_after = hangup_after;
	if ((bridge_to && str_dup(&p->bridge_to, bridge_to)) ||
	    (play && str_dup(&p->play, play)) ||
	    (from && str_dup(&p->from, from))) {
		mem_deref(p);
		return ENOMEM;
	}

	err = call_alloc(&call);
	if (err) {
		mem_deref(p);
		return err;
	}
	/* the owner is known before the first event is published */
	if (tenant)
		(void)call_tenant_set(call, tenant);
	p->call = call;
	str_ncpy(p->call_id, call_id(call), sizeof(p->call_id));
	hash_append(plans, hash_joaat_str(p->call_id), &p->he, p);

	*callp = call;
	return 0;
}


/** A prepared call that will not be dialed: it and its plan go */
void orig_abort(struct call *call)
{
	if (!call)
		return;
	mem_deref(plan_find(call_id(call)));
	mem_deref(call);
}


/**
 * Dial leg A of a prepared call.  With a bill (which this takes), the
 * meter follows the call from now on.  On error the call is gone.
 */
int orig_dial(struct call *call, const struct leg_dial *dial,
	      const char *status_callback, struct meter_bill *bill)
{
	char cid[CB_ID_LEN + 1];
	struct plan *p;
	struct leg *a = NULL;
	int err;

	if (!call || !dial) {
		meter_bill_abort(bill);
		return EINVAL;
	}
	str_ncpy(cid, call_id(call), sizeof(cid));
	p = plan_find(cid);

	/* before dialing: the first leg's first event is the callback's */
	if (status_callback) {
		err = webhook_call_set(cid, status_callback);
		if (err) {
			meter_bill_abort(bill);
			orig_abort(call);
			return err;
		}
	}
	if (bill) {
		if (p)
			p->billed = true;
		err = meter_bill_start(bill);
		if (err) {
			orig_abort(call);
			return err;
		}
	}

	err = call_dial(call, &a, dial);
	if (!err && a && bill)
		(void)meter_leg_add(cid, a, METER_ROLE_A);
	if (err || !a) {
		/* a synchronous CALL_END may have freed the plan already */
		(void)call_hangup(call, CAUSE_FAILED);
		mem_deref(plan_find(cid));
		/* no leg, no CALL_END: the meter lets the holds go now */
		if (bill)
			(void)meter_call_ended(cid);
		mem_deref(call);
		return err ? err : ENOENT;
	}
	return 0;
}


int orig_start(struct call **callp, const struct leg_dial *dial,
	       const char *bridge_to, const char *play, bool hangup_after,
	       const char *status_callback, const char *tenant)
{
	struct call *call = NULL;
	int err;

	if (!callp || !dial)
		return EINVAL;
	err = orig_prepare(&call, dial->from_user, bridge_to, play,
			   hangup_after, tenant);
	if (!err)
		err = orig_dial(call, dial, status_callback, NULL);
	if (!err)
		*callp = call;
	return err;
}


int orig_init(void)
{
	int err = hash_alloc(&plans, 1024);

	if (!err)
		err = call_subscribe(event_handler, NULL);
	if (err)
		plans = mem_deref(plans);
	return err;
}


static bool plan_drop(struct le *le, void *arg)
{
	(void)arg;
	mem_deref(le->data);
	return false;
}


void orig_close(void)
{
	call_unsubscribe(event_handler, NULL);
	if (plans)
		(void)hash_apply(plans, plan_drop, NULL);
	plans = mem_deref(plans);
}
