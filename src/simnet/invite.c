/**
 * @file simnet/invite.c  A new INVITE: admit it, refuse it, or start a call
 *
 * The session socket's connection handler.  In order: an INVITE whose
 * Call-ID and CSeq belong to a live call is a retransmission and is
 * dropped (libre calls us again for those until the session exists; the
 * same Call-ID with another CSeq gets 482); during shutdown
 * every INVITE gets 503; with --auth the digest credentials are checked
 * (auth.c answers 407/403 itself); then 100 Trying, the --max-calls limit
 * (503), the dial-plan lookup on the Request-URI's user part, and the
 * refusals that need no session (busy/reject without delay).  Everything
 * else becomes a call, which first answers the SDP offer (488 when there
 * is no codec in common) and then acts on its rule.
 *
 * Every refused INVITE leaves a record, like a call that ended, except
 * the 407 challenges, which are part of placing the call.
 */
#include <string.h>
#include <re.h>
#define CB_LOG_SUB CB_SUB_SIM
#include "cb_core.h"
#include "simnet.h"


static const struct {
	uint16_t code;
	const char *reason;
} reasons[] = {
	{100, "Trying"},
	{180, "Ringing"},
	{183, "Session Progress"},
	{200, "OK"},
	{400, "Bad Request"},
	{403, "Forbidden"},
	{404, "Not Found"},
	{407, "Proxy Authentication Required"},
	{408, "Request Timeout"},
	{410, "Gone"},
	{480, "Temporarily Unavailable"},
	{482, "Loop Detected"},
	{484, "Address Incomplete"},
	{486, "Busy Here"},
	{487, "Request Terminated"},
	{488, "Not Acceptable Here"},
	{500, "Server Internal Error"},
	{502, "Bad Gateway"},
	{503, "Service Unavailable"},
	{504, "Server Time-out"},
	{600, "Busy Everywhere"},
	{603, "Decline"},
	{604, "Does Not Exist Anywhere"},
	{606, "Not Acceptable"},
};


const char *sim_reason(uint16_t scode)
{
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++) {
		if (reasons[i].code == scode)
			return reasons[i].reason;
	}

	switch (scode / 100) {
	case 1:  return "Progress";
	case 2:  return "OK";
	case 3:  return "Redirect";
	case 4:  return "Request Failure";
	case 5:  return "Server Failure";
	default: return "Global Failure";
	}
}


/* the user part of the Request-URI, without user parameters */
static void number_get(char *dst, size_t sz, const struct sip_msg *msg)
{
	struct pl user = msg->uri.user;
	const char *semi = pl_strchr(&user, ';');

	if (semi)
		user.l = semi - user.p;
	if (user.l >= sz)
		user.l = sz - 1;

	dst[0] = '\0';
	(void)pl_strcpy(&user, dst, sz);
}


/** Refuse an INVITE with a final response and record it as a call */
void simnet_reject(struct simnet *sn, const struct sip_msg *msg,
		   const char *number, uint16_t code, const char *cause)
{
	struct sim_record rec;
	int err;

	err = sip_treply(NULL, sn->sip, msg, code, sim_reason(code));
	if (err)
		log_warn(NULL, "cannot send %u to INVITE: %m", code, err);

	memset(&rec, 0, sizeof(rec));
	str_ncpy(rec.number, number, sizeof(rec.number));
	(void)pl_strcpy(&msg->callid, rec.callid, sizeof(rec.callid));
	rec.transport = msg->tp == SIP_TRANSP_TCP ? "tcp" : "udp";
	rec.cause = cause;
	rec.code = code;

	sim_stats_add(sn->stats, &rec);
}


void simnet_conn_handler(const struct sip_msg *msg, void *arg)
{
	struct simnet *sn = arg;
	const struct sim_config *cfg = sn->cfg;
	char number[SIM_NUMBER_LEN];
	const struct sim_rule *rule;
	struct sim_call *call;
	int err;

	call = sim_call_find(&sn->calls, &msg->callid);
	if (call && call->invite->cseq.num == msg->cseq.num) {
		log_debug(call->ctx, "INVITE retransmission dropped");
		return;
	}
	if (call) {
		/* a second INVITE outside the dialog of a live call */
		log_warn(call->ctx, "INVITE with the Call-ID of a live call");
		(void)sip_treply(NULL, sn->sip, msg, 482, sim_reason(482));
		return;
	}

	number_get(number, sizeof(number), msg);

	if (sn->closing) {
		simnet_reject(sn, msg, number, 503, "shutdown");
		return;
	}

	if (cfg->auth_user[0] && !sim_auth_check(sn, msg, number))
		return;

	(void)sip_reply(sn->sip, msg, 100, "Trying");

	if (cfg->max_calls && list_count(&sn->calls) >= cfg->max_calls) {
		simnet_reject(sn, msg, number, 503, "limit");
		return;
	}

	rule = sim_plan_match(&cfg->plan, number);
	if (!rule) {
		simnet_reject(sn, msg, number, 404, "reject");
		return;
	}

	if ((rule->action == SIM_ACT_BUSY || rule->action == SIM_ACT_REJECT)
	    && !rule->delay_ms) {
		simnet_reject(sn, msg, number, rule->code,
			      sim_action_name(rule->action));
		return;
	}

	err = sim_call_alloc(&call, sn, msg, rule, number);
	if (err) {
		log_info(NULL, "INVITE for %s refused: %m", number, err);
		if (err == ENOTSUP)
			simnet_reject(sn, msg, number, 488, "codec");
		else if (err == EPROTO)
			simnet_reject(sn, msg, number, 488, "sdp");
		else
			simnet_reject(sn, msg, number, 500, "error");
		return;
	}

	log_info(call->ctx, "INVITE over %s: %H", call->rec.transport,
		 sim_rule_print, rule);

	/* on failure the call has already ended itself with cause=error */
	(void)sim_call_start(call);
}
