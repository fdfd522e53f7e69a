/**
 * @file call/bridge.c  B2BUA behaviour: what one leg's change does to the
 *                      other legs of its call
 *
 * A call bridges side A (the caller, or the first leg the API placed) with
 * one of its B candidates (one outbound leg, or one per contact of a
 * forked user).  The rules, in one place:
 *   - B rings            -> A hears ringing (180) if A is an inbound call;
 *   - B has early media  -> A gets 183 with SDP, media bridged early;
 *   - B answers          -> media bridged, A answered, other B's CANCELed;
 *   - B fails            -> when no candidate is left, A ends with B's
 *                           cause (an inbound A is refused with its SIP
 *                           status, e.g. 486 for busy);
 *   - either side ends   -> the other side is hung up;
 *   - either side holds  -> the hold is passed on by re-INVITE;
 *   - one device of a user answers (LEG_ROLE_FORK, no A yet: an API call
 *     to a user) -> the user's other devices are CANCELed.
 */
#include <string.h>
#include <re.h>
#include "call.h"


static bool alive(const struct leg *leg)
{
	return leg && leg->state != LEG_ENDED && leg->state != LEG_ENDING;
}


static bool talking(const struct leg *leg)
{
	return leg && (leg->state == LEG_ANSWERED || leg->state == LEG_HELD);
}


static unsigned b_alive(const struct call *call)
{
	unsigned n = 0;

	for (struct le *le = call->legs.head; le; le = le->next) {
		const struct leg *leg = le->data;

		if (leg->role == LEG_ROLE_B && alive(leg))
			++n;
	}
	return n;
}


static void b_cancel_others(struct call *call, struct leg *winner)
{
	struct le *le = call->legs.head;

	while (le) {
		struct leg *leg = le->data;

		le = le->next;
		if (leg != winner && leg->role == LEG_ROLE_B && alive(leg))
			(void)leg_hangup(leg, CAUSE_CANCELED);
	}
}


static void media_connect(struct call *call, struct leg *a, struct leg *b)
{
	struct call_event ev;
	int err;

	if (!a->ep || !b->ep)
		return;
	err = media_ep_bridge(a->ep, b->ep);
	if (err) {
		log_warn(a->ctx, "media bridge with %s failed (%m)", b->id,
			 err);
		return;
	}

	memset(&ev, 0, sizeof(ev));
	ev.type = CALL_EV_BRIDGED;
	ev.call = call;
	ev.leg = b;
	ev.new_state = ev.old_state = b->state;
	call_publish(&ev);
}


static void on_b_change(struct call *call, struct leg *b,
			enum leg_state old)
{
	struct leg *a = call->a;
	(void)old;

	switch (b->state) {

	case LEG_RINGING:
		if (alive(a) && !a->outbound && a->state == LEG_CALLING) {
			if (!leg_ring(a))
				(void)leg_event(a, LEG_EV_RING, CAUSE_NONE, 0);
		}
		break;

	case LEG_EARLY:
		if (!alive(a))
			break;
		if (!a->outbound && !talking(a)) {
			if (!sipleg_ring(a->sl, true))
				(void)leg_event(a, LEG_EV_EARLY, CAUSE_NONE,
						0);
		}
		media_connect(call, a, b);
		break;

	case LEG_ANSWERED:
		if (old == LEG_HELD) {
			if (b == call->b && talking(a))
				(void)leg_hold(a, false);
			break;
		}
		if (call->b || !alive(a))
			break;
		call->b = b;
		call->bridge_pending = false;
		b_cancel_others(call, b);
		media_connect(call, a, b);
		if (!a->outbound)
			(void)leg_answer(a);
		break;

	case LEG_HELD:
		if (b == call->b && talking(a))
			(void)leg_hold(a, true);
		break;

	case LEG_ENDED:
		if (b == call->b) {
			if (alive(a))
				(void)leg_hangup(a, CAUSE_NORMAL);
		}
		else if (!call->b && alive(a) && !b_alive(call)) {
			/* last candidate gone: A inherits its cause */
			(void)leg_hangup(a, b->cause);
		}
		break;

	default:
		break;
	}
}


static void on_a_change(struct call *call, struct leg *a,
			enum leg_state old)
{
	struct le *le;

	switch (a->state) {

	case LEG_HELD:
		if (talking(call->b))
			(void)leg_hold(call->b, true);
		break;

	case LEG_ANSWERED:
		if (old == LEG_HELD && talking(call->b))
			(void)leg_hold(call->b, false);
		break;

	case LEG_ENDED:
		le = call->legs.head;
		while (le) {
			struct leg *b = le->data;

			le = le->next;
			if (b->role != LEG_ROLE_B || !alive(b))
				continue;
			(void)leg_hangup(b, talking(b) ? CAUSE_NORMAL
						       : CAUSE_CANCELED);
		}
		break;

	default:
		break;
	}
}


/* a user's device answered: its siblings stop ringing */
static void on_fork_change(struct call *call, struct leg *leg)
{
	struct le *le;

	if (leg->state != LEG_ANSWERED)
		return;

	leg->role = LEG_ROLE_NONE;
	le = call->legs.head;
	while (le) {
		struct leg *other = le->data;

		le = le->next;
		if (other->role == LEG_ROLE_FORK && alive(other)) {
			other->role = LEG_ROLE_NONE;
			(void)leg_hangup(other, CAUSE_CANCELED);
		}
	}
}


void bridge_on_leg_change(struct call *call, struct leg *leg,
			  enum leg_state old)
{
	if (leg->role == LEG_ROLE_FORK)
		on_fork_change(call, leg);
	else if (leg->role == LEG_ROLE_A)
		on_a_change(call, leg, old);
	else if (leg->role == LEG_ROLE_B && call->a)
		on_b_change(call, leg, old);
}


/**
 * Make `b` a candidate to be bridged with `a` (several candidates may
 * race; the first to answer wins).  If both already talk, the media is
 * bridged at once.
 */
int call_bridge(struct call *call, struct leg *a, struct leg *b)
{
	if (!call || !a || !b || a == b || a->call != call || b->call != call)
		return EINVAL;
	if (call->a && call->a != a)
		return EALREADY;

	call->a = a;
	a->role = LEG_ROLE_A;
	b->role = LEG_ROLE_B;

	if (!alive(b)) {
		if (!call->b && alive(a) && !b_alive(call))
			(void)leg_hangup(a, b->cause);
		return 0;
	}

	if (talking(a) && talking(b)) {
		call->b = b;
		media_connect(call, a, b);
	}
	else if (b->state == LEG_EARLY && alive(a)) {
		media_connect(call, a, b);
	}
	else {
		call->bridge_pending = true;
	}
	return 0;
}


int call_unbridge(struct call *call)
{
	if (!call || !call->a)
		return EINVAL;
	if (call->a->ep)
		(void)media_ep_unbridge(call->a->ep);
	if (call->b) {
		call->b->role = LEG_ROLE_NONE;
		call->b = NULL;
	}
	call->a->role = LEG_ROLE_NONE;
	call->a = NULL;
	return 0;
}


/**
 * A digit that arrived out of band (SIP INFO) on one side of a bridge is
 * sent on to the other side in band (RFC 4733); in-band telephone-events
 * are relayed by the media engine itself.
 */
void bridge_dtmf_info(struct call *call, struct leg *from, char digit)
{
	struct leg *to = NULL;

	if (from == call->a)
		to = call->b;
	else if (from == call->b)
		to = call->a;

	if (talking(to) && to->ep)
		(void)media_ep_dtmf_send(to->ep, digit, 100);
}
