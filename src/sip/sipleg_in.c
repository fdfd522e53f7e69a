/**
 * @file sip/sipleg_in.c  Inbound INVITE: take the call
 *
 * The INVITE has already been answered with a stateless 100 Trying and
 * routed by the call model.  sipleg_accept() decodes the offer (488 if no
 * codec in common), then creates the early dialog at once with a
 * "183 Session Progress" without SDP: libre matches a CANCEL only against
 * an accepted session, so a caller who hangs up while we are still
 * dialing out is seen.  Ringing, early media and the answer follow as the
 * far side progresses.
 */
#include <string.h>
#include <re.h>
#include "sip.h"


int sipleg_accept(struct sipleg **slp, const struct sip_msg *msg,
		  struct media_ep *ep, const char *ctx,
		  sipleg_ev_h *evh, void *arg)
{
	const struct cb_config *cfg = sipua_config();
	struct sipleg *sl = NULL;
	int err;

	if (!slp || !msg)
		return EINVAL;

	err = sipleg_alloc(&sl, ep, ctx, evh, arg);
	if (err)
		return err;

	sl->invite = mem_ref((void *)msg);
	(void)pl_strcpy(&msg->callid, sl->callid, sizeof(sl->callid));

	if (sipleg_sdp_has_body(msg)) {
		err = sdp_decode(sl->sdp, msg->mb, true);
		if (err) {
			log_warn(sl->ctx, "INVITE: malformed SDP (%m)", err);
			err = EBADMSG;
			goto out;
		}
		err = sipleg_sdp_apply(sl);
		if (err) {
			log_info(sl->ctx, "INVITE: no usable audio/codec");
			err = EPROTO;
			goto out;
		}
		sl->have_offer = true;
	}

	err = sipsess_accept(&sl->sess, sipua_sess_sock(), msg, 183,
			     "Session Progress", "callbridge",
			     "application/sdp", NULL, NULL, NULL, false,
			     sipleg_offer_handler, sipleg_answer_handler,
			     sipleg_estab_handler, sipleg_info_handler, NULL,
			     sipleg_close_handler, sl,
			     "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, "
			     "INFO\r\nServer: %s\r\n", cfg->sip_user_agent);
	if (err)
		goto out;

	sl->accepted = true;

 out:
	if (err)
		mem_deref(sl);
	else
		*slp = sl;

	return err;
}
