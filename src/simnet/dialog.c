/**
 * @file simnet/dialog.c  In-dialog requests of a call (libre callbacks)
 *
 * The handlers given to sipsess_accept(): they translate what the caller
 * does inside the dialog into media changes and call events.  A
 * re-INVITE is a new offer (hold: sendonly is answered recvonly and
 * inactive inactive, and the echo stops until a sendrecv offer); an
 * offer we cannot speak gets 488 and leaves the call as it was.  INFO is
 * answered 200, and a DTMF digit in it (application/dtmf-relay or
 * application/dtmf) is recorded like an RFC 4733 one.  The close handler
 * maps libre's reason to an event: ECONNRESET is the caller's CANCEL
 * before the answer and its BYE after, ETIMEDOUT a 200 never ACKed.
 */
#include <string.h>
#include <re.h>
#define CB_LOG_SUB CB_SUB_SIM
#include "cb_core.h"
#include "simnet.h"



int sim_dialog_offer(struct mbuf **descp, const struct sip_msg *msg,
		     void *arg)
{
	struct sim_call *call = arg;
	bool held = sim_media_held(call->media);
	int err;

	/* without a body the caller wants our offer; it answers in ACK */
	if (mbuf_get_left(msg->mb)) {
		err = sim_media_offer(call->media, msg->mb);
		if (err) {
			log_warn(call->ctx, "re-INVITE refused: %m", err);
			return err;
		}
	}

	err = sim_media_desc(call->media, descp);
	if (err)
		return err;

	if (held != sim_media_held(call->media))
		log_info(call->ctx, "%s", held ? "resumed" : "held");

	return 0;
}


int sim_dialog_answer(const struct sip_msg *msg, void *arg)
{
	struct sim_call *call = arg;
	int err;

	err = sim_media_answer(call->media, msg->mb);
	if (err)
		log_warn(call->ctx, "SDP answer in ACK refused: %m", err);

	return err;
}


void sim_dialog_estab(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)sim_call_event(arg, SIM_EV_ACK);
}


static bool info_is(const struct sip_msg *msg, const char *subtype)
{
	return 0 == pl_strcasecmp(&msg->ctyp.type, "application") &&
		0 == pl_strcasecmp(&msg->ctyp.subtype, subtype);
}


void sim_dialog_info(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	struct sim_call *call = arg;
	const char *body = (const char *)mbuf_buf(msg->mb);
	size_t len = mbuf_get_left(msg->mb);
	struct pl sig = PL_INIT;

	(void)sip_reply(sip, msg, 200, "OK");

	if (info_is(msg, "dtmf-relay"))
		(void)re_regex(body, len, "Signal=[ \t]*[0-9*#A-Da-d]1",
			       NULL, &sig);
	else if (info_is(msg, "dtmf"))
		(void)re_regex(body, len, "[0-9*#A-Da-d]1", &sig);

	if (sig.l == 1)
		sim_call_dtmf(sig.p[0], call);
}


void sim_call_dtmf(char digit, void *arg)
{
	struct sim_call *call = arg;
	char ctx[sizeof(call->ctx) + 16];
	size_t n = strlen(call->rec.dtmf);

	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');

	if (n + 1 < sizeof(call->rec.dtmf)) {
		call->rec.dtmf[n] = digit;
		call->rec.dtmf[n + 1] = '\0';
	}

	(void)re_snprintf(ctx, sizeof(ctx), "digit=%c %s", digit, call->ctx);
	log_info(ctx, "dtmf");
}


void sim_dialog_close(int err, const struct sip_msg *msg, void *arg)
{
	struct sim_call *call = arg;
	bool answered = call->state == SIM_CALL_ANSWERED ||
		call->state == SIM_CALL_ESTABLISHED;
	enum sim_call_ev ev;
	(void)msg;

	switch (err) {

	case 0:
	case ECONNRESET:
		ev = answered ? SIM_EV_BYE : SIM_EV_CANCEL;
		break;

	case ETIMEDOUT:
		ev = SIM_EV_TIMEOUT;
		break;

	default:
		log_warn(call->ctx, "session closed: %m", err);
		ev = SIM_EV_ERROR;
		break;
	}

	(void)sim_call_event(call, ev);
}
