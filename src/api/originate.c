/**
 * @file api/originate.c  API-originated calls: what happens on answer
 *
 * POST /v1/calls places leg A (several legs when `to` is a user with
 * several devices: the first to answer is A).  When A answers, the
 * request's plan runs: bridge_to dials leg B (A hears ringback meanwhile,
 * or B's early media) and bridges them; play streams a prompt to A and,
 * with hangup_after, hangs up when it has finished.  A plan lives until
 * its leg A or its call ends.  A status callback URL is registered with
 * the webhook sender before the first leg is dialed.
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_media.h"

struct plan {
	struct le le;
	struct call *call;         /* borrowed; valid until CALL_END   */
	char call_id[CB_ID_LEN + 1];
	char leg_a[CB_ID_LEN + 1]; /* empty until a leg answers        */
	char *bridge_to;
	char *play;
	char *from;
	bool hangup_after;
};

static struct list plans;      /* struct plan, owned */


static void plan_destructor(void *arg)
{
	struct plan *p = arg;

	list_unlink(&p->le);
	mem_deref(p->bridge_to);
	mem_deref(p->play);
	mem_deref(p->from);
}


static struct plan *plan_find(const char *call_id)
{
	for (struct le *le = plans.head; le; le = le->next) {
		struct plan *p = le->data;

		if (!strcmp(p->call_id, call_id))
			return p;
	}
	return NULL;
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
		(void)call_bridge(p->call, a, b);
	}
	else if (p->play) {
		if (leg_play(a, p->play, false))
			(void)leg_hangup(a, CAUSE_FAILED);
	}
}


static void event_handler(const struct call_event *ev, void *arg)
{
	struct plan *p;
	bool is_a;
	(void)arg;

	if (!ev->call_id)
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


int orig_start(struct call **callp, const struct leg_dial *dial,
	       const char *bridge_to, const char *play, bool hangup_after,
	       const char *status_callback, const char *tenant)
{
	char cid[CB_ID_LEN + 1];
	struct call *call = NULL;
	struct leg *a = NULL;
	struct plan *p;
	int err;

	p = mem_zalloc(sizeof(*p), plan_destructor);
	if (!p)
		return ENOMEM;

	p->hangup_after = hangup_after;
	if ((bridge_to && str_dup(&p->bridge_to, bridge_to)) ||
	    (play && str_dup(&p->play, play)) ||
	    (dial->from_user && str_dup(&p->from, dial->from_user))) {
		err = ENOMEM;
		goto out;
	}

	err = call_alloc(&call);
	if (err)
		goto out;
	/* the owner is known before the first event is published */
	if (tenant)
		(void)call_tenant_set(call, tenant);
	p->call = call;
	str_ncpy(p->call_id, call_id(call), sizeof(p->call_id));
	list_append(&plans, &p->le, p);

	/* before dialing: the first leg's first event is the callback's */
	if (status_callback) {
		err = webhook_call_set(p->call_id, status_callback);
		if (err) {
			mem_deref(call);
			call = NULL;
			goto out;
		}
	}

	str_ncpy(cid, p->call_id, sizeof(cid));
	err = call_dial(call, &a, dial);
	/* a synchronous CALL_END may have freed the plan already */
	p = plan_find(cid);
	if (err || !a) {
		(void)call_hangup(call, CAUSE_FAILED);
		p = plan_find(cid);
		mem_deref(call);
		call = NULL;
		err = err ? err : ENOENT;
		goto out;
	}
	p = NULL;   /* the list owns it until its call or leg A ends */

	*callp = call;

 out:
	mem_deref(p);
	return err;
}


int orig_init(void)
{
	return call_subscribe(event_handler, NULL);
}


void orig_close(void)
{
	call_unsubscribe(event_handler, NULL);
	list_flush(&plans);
}
