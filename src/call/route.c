/**
 * @file call/route.c  Where an inbound INVITE goes
 *
 * In order, for the user part of the Request-URI:
 *   1. an application hook whose prefix matches (conference rooms, ACD
 *      queues, service numbers -- registered by later subsystems);
 *   2. a registered softphone user: every live contact rings in parallel,
 *      the first to answer wins, the others are CANCELed;
 *   3. a phone number, through the trunk -- only for callers we trust
 *      (sip.trusted) or who authenticate with digest (407 challenge),
 *      since an open route to a paid trunk is toll fraud waiting to happen;
 *   4. anything else: 404.
 */
#include <string.h>
#include <re.h>
#include "call.h"

struct hook {
	struct le le;
	char prefix[32];
	call_route_h *h;
	void *arg;
};

static struct list hooks;   /* struct hook, owned */


int call_route_add(const char *prefix, call_route_h *h, void *arg)
{
	struct hook *hk;

	if (!prefix || !h || strlen(prefix) >= sizeof(hk->prefix))
		return EINVAL;
	hk = mem_zalloc(sizeof(*hk), NULL);
	if (!hk)
		return ENOMEM;
	str_ncpy(hk->prefix, prefix, sizeof(hk->prefix));
	hk->h = h;
	hk->arg = arg;
	list_append(&hooks, &hk->le, hk);
	return 0;
}


void call_route_remove(call_route_h *h, void *arg)
{
	struct le *le = hooks.head;

	while (le) {
		struct hook *hk = le->data;

		le = le->next;
		if (hk->h == h && hk->arg == arg) {
			list_unlink(&hk->le);
			mem_deref(hk);
		}
	}
}


struct fork_ctx {
	struct call *call;
	struct leg *a;
	struct leg_dial dial;
	unsigned n;
};


static bool fork_handler(const char *uri, const struct sa *src,
			 enum sip_transp tp,
			 void *arg)
{
	struct fork_ctx *fc = arg;
	char route[96];
	struct leg *b = NULL;

	(void)re_snprintf(route, sizeof(route), "sip:%J;transport=%s;lr",
			  src, tp == SIP_TRANSP_TCP ? "tcp" : "udp");
	if (call_dial_contact(fc->call, &b, &fc->dial, uri, route) || !b)
		return false;
	(void)call_bridge(fc->call, fc->a, b);
	++fc->n;
	return false;
}


static bool exists_handler(const char *uri, const struct sa *src,
			   enum sip_transp tp, void *arg)
{
	(void)uri; (void)src; (void)tp; (void)arg;
	return true;
}


/* the inbound leg A, pending (100 sent) and in state CALLING */
static int leg_a_take(struct call *call, struct leg **ap,
		      const struct sip_msg *msg)
{
	struct leg *a;
	int err;

	err = leg_alloc(&a, call, false);
	if (err)
		return err;

	(void)re_snprintf(a->peer, sizeof(a->peer), "%r", &msg->from.auri);

	err = sipleg_accept(&a->sl, msg, a->ep, a->ctx, leg_sip_handler, a);
	if (err) {
		mem_deref(a);
		return err;
	}

	log_info(a->ctx, "INVITE from %s to %r callid=%r src=%J", a->peer,
		 &msg->uri.user, &msg->callid, &msg->src);

	*ap = a;
	return leg_event(a, LEG_EV_DIAL, CAUSE_NONE, 0);
}


static uint16_t take_error_status(int err)
{
	switch (err) {
	case EPROTO:    return 488;
	case EBADMSG:   return 400;
	case EOVERFLOW: return 503;
	default:        return 500;
	}
}


void route_invite(const struct sip_msg *msg, void *arg)
{
	const struct cb_config *cfg = call_config();
	char user[64], caller[64];
	struct fork_ctx fc;
	struct call *call = NULL;
	struct leg *a = NULL, *b = NULL;
	bool trunk = false;
	int err;
	(void)arg;

	if (pl_isset(&msg->maxfwd) && pl_u32(&msg->maxfwd) == 0) {
		(void)sipua_reject(msg, 483, "Too Many Hops");
		return;
	}
	if (call_leg_count() + 2 > cfg->max_legs) {
		(void)sipua_reject(msg, 503, NULL);
		return;
	}
	if (msg->uri.user.l == 0 || msg->uri.user.l >= sizeof(user)) {
		(void)sipua_reject(msg, 404, NULL);
		return;
	}
	(void)pl_strcpy(&msg->uri.user, user, sizeof(user));
	if (msg->from.uri.user.l < sizeof(caller))
		(void)pl_strcpy(&msg->from.uri.user, caller, sizeof(caller));
	else
		str_ncpy(caller, "anonymous", sizeof(caller));

	/* 1. application hooks */
	for (struct le *le = hooks.head; le; le = le->next) {
		struct hook *hk = le->data;

		if (strncmp(user, hk->prefix, strlen(hk->prefix)))
			continue;
		if (call_alloc(&call))
			break;
		err = leg_a_take(call, &a, msg);
		if (err) {
			(void)sipua_reject(msg, take_error_status(err), NULL);
			mem_deref(call);
			return;
		}
		if (0 == hk->h(call, a, user, hk->arg))
			return;
		(void)leg_hangup(a, CAUSE_INVALID_NUMBER);
		return;
	}

	/* 3. numbers need a trusted or authenticated caller */
	if (number_like(user) && trunk_enabled()) {
		char auser[64];

		if (!sipua_trusted(&msg->src)) {
			err = sipua_authenticate(msg, auser, sizeof(auser));
			if (err) {
				(void)sipua_auth_reject(msg, err);
				return;
			}
			str_ncpy(caller, auser, sizeof(caller));
		}
		trunk = true;
	}

	err = call_alloc(&call);
	if (err) {
		(void)sipua_reject(msg, 500, NULL);
		return;
	}

	memset(&fc, 0, sizeof(fc));
	fc.call = call;
	fc.dial.from_user = caller;

	if (trunk) {
		err = leg_a_take(call, &a, msg);
		if (err)
			goto refuse;
		fc.dial.to = user;
		err = call_dial(call, &b, &fc.dial);
		if (!err && b)
			(void)call_bridge(call, a, b);
		else
			(void)leg_hangup(a, CAUSE_FAILED);
		return;
	}

	/* 2. registered users: fork to every contact */
	err = sipua_lookup(user, exists_handler, NULL);
	if (err == ENOENT) {
		/* 4. unknown destination */
		mem_deref(call);
		(void)sipua_reject(msg, 404, NULL);
		return;
	}

	err = leg_a_take(call, &a, msg);
	if (err)
		goto refuse;
	fc.a = a;
	(void)sipua_lookup(user, fork_handler, &fc);
	if (!fc.n)
		(void)leg_hangup(a, CAUSE_UNAVAILABLE);
	return;

 refuse:
	log_info(NULL, "INVITE callid=%r refused (%m)", &msg->callid, err);
	(void)sipua_reject(msg, take_error_status(err), NULL);
	mem_deref(call);
}


int route_init(void)
{
	sipua_set_invite_h(route_invite, NULL);
	return 0;
}


void route_close(void)
{
	sipua_set_invite_h(NULL, NULL);
	list_flush(&hooks);
}
