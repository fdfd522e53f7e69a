/**
 * @file call/dial.c  Originate an outbound leg
 *
 * call_dial() turns a destination into a SIP target and starts the leg:
 *   - a sip:/sips: URI is called directly;
 *   - a phone number is normalised to E.164, formatted for the trunk and
 *     sent through it (digest credentials answered on 401/407);
 *   - a registered user name rings every live contact of the user at
 *     once (LEG_ROLE_FORK: the first to answer wins, the others are
 *     CANCELed by bridge.c); the first leg is returned.
 * A destination that cannot be reached still yields a leg, which ends at
 * once with its cause (invalid-number, unavailable), so that API users see
 * one uniform outcome for every leg.
 */
#include <string.h>
#include <re.h>
#include "call.h"

struct fork_ctx {
	struct call *call;
	const struct leg_dial *dial;
	struct leg *first;
};


/* every live contact of the user rings; bridge.c lets the first win */
static bool fork_handler(const char *uri, const struct sa *src,
			 enum sip_transp tp, void *arg)
{
	struct fork_ctx *fc = arg;
	char route[96];
	struct leg *leg = NULL;

	(void)re_snprintf(route, sizeof(route), "sip:%J;transport=%s;lr",
			  src, tp == SIP_TRANSP_TCP ? "tcp" : "udp");
	if (call_dial_contact(fc->call, &leg, fc->dial, uri, route) || !leg)
		return false;
	if (leg->state != LEG_ENDED)
		leg->role = LEG_ROLE_FORK;
	if (!fc->first)
		fc->first = leg;
	return false;
}


/* what every outbound leg shares: ring timeout, From, the leg's peer */
static void target_init(struct sipleg_target *t, struct leg *leg,
			const struct leg_dial *dial, char *from, size_t fromsz)
{
	const struct cb_config *cfg = call_config();

	leg->ring_timeout_s = dial->ring_timeout_s ? dial->ring_timeout_s
						   : cfg->ring_timeout_s;
	(void)re_snprintf(from, fromsz, "sip:%s@%s",
			  dial->from_user && *dial->from_user
			  ? dial->from_user : "anonymous", cfg->sip_domain);
	memset(t, 0, sizeof(*t));
	t->from_uri = from;
	t->from_name = dial->from_name;
}


static void ring_timeout(void *arg)
{
	struct leg *leg = arg;

	log_info(leg->ctx, "ring timeout after %us", leg->ring_timeout_s);
	(void)leg_hangup(leg, CAUSE_NO_ANSWER);
}


/* end a leg that never left the building */
static int dial_fail(struct leg *leg, enum leg_cause cause)
{
	(void)leg_event(leg, LEG_EV_HANGUP, cause, 0);
	return 0;
}


static int dial_start(struct leg *leg, const struct sipleg_target *t)
{
	int err;

	err = sipleg_connect(&leg->sl, t, leg->ep, leg->ctx, leg_sip_handler,
			     leg);
	if (err)
		return dial_fail(leg, CAUSE_FAILED);

	tmr_start(&leg->tmr_ring, leg->ring_timeout_s * 1000ULL,
		  ring_timeout, leg);
	return leg_event(leg, LEG_EV_DIAL, CAUSE_NONE, 0);
}


int call_dial_contact(struct call *call, struct leg **legp,
		      const struct leg_dial *dial, const char *uri,
		      const char *route)
{
	struct sipleg_target t;
	char from[160];
	struct leg *leg;
	int err;

	err = leg_alloc(&leg, call, true);
	if (err)
		return err;

	str_ncpy(leg->peer, uri, sizeof(leg->peer));
	target_init(&t, leg, dial, from, sizeof(from));
	t.uri = uri;
	t.route = route;

	if (legp)
		*legp = leg;
	return dial_start(leg, &t);
}


static int dial_number(struct call *call, struct leg **legp,
		       const struct leg_dial *dial)
{
	const struct cb_config *cfg = call_config();
	char e164[24], num[48], uri[200], from[160];
	struct sipleg_target t;
	struct leg *leg;
	int err;

	err = leg_alloc(&leg, call, true);
	if (err)
		return err;
	if (legp)
		*legp = leg;

	target_init(&t, leg, dial, from, sizeof(from));
	str_ncpy(leg->peer, dial->to, sizeof(leg->peer));

	if (number_normalize(e164, sizeof(e164), dial->to,
			     cfg->trunk.country_code)) {
		log_info(leg->ctx, "invalid number '%s'", dial->to);
		return dial_fail(leg, CAUSE_INVALID_NUMBER);
	}
	str_ncpy(leg->peer, e164, sizeof(leg->peer));

	if (!trunk_enabled()) {
		log_warn(leg->ctx, "no trunk configured for %s", e164);
		return dial_fail(leg, CAUSE_UNAVAILABLE);
	}
	if (trunk_take()) {
		log_warn(leg->ctx, "trunk: no free line (max %u)",
			 cfg->trunk.max_calls);
		return dial_fail(leg, CAUSE_UNAVAILABLE);
	}
	leg->on_trunk = true;

	err = number_dial_format(num, sizeof(num), e164, &cfg->trunk);
	if (err)
		return dial_fail(leg, CAUSE_INVALID_NUMBER);

	(void)re_snprintf(uri, sizeof(uri), "sip:%s@%s:%u%s", num,
			  cfg->trunk.host, cfg->trunk.port,
			  strcmp(cfg->trunk.transport, "tcp")
			  ? "" : ";transport=tcp");
	t.uri = uri;
	t.auth_user = cfg->trunk.username;
	t.auth_pass = cfg->trunk.password;

	return dial_start(leg, &t);
}


int call_dial(struct call *call, struct leg **legp,
	      const struct leg_dial *dial)
{
	struct fork_ctx fc;
	struct uri uri;
	struct pl pl;

	if (!call || !dial || !dial->to || !*dial->to)
		return EINVAL;

	if (!strncmp(dial->to, "sip:", 4) || !strncmp(dial->to, "sips:", 5)) {
		pl_set_str(&pl, dial->to);
		if (uri_decode(&uri, &pl) || !pl_isset(&uri.host))
			return EINVAL;
		return call_dial_contact(call, legp, dial, dial->to, NULL);
	}

	if (number_like(dial->to))
		return dial_number(call, legp, dial);

	memset(&fc, 0, sizeof(fc));
	fc.call = call;
	fc.dial = dial;
	(void)sipua_lookup(dial->to, fork_handler, &fc);
	if (!fc.first)
		return ENOENT;
	if (legp)
		*legp = fc.first;
	return 0;
}
