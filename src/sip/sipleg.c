/**
 * @file sip/sipleg.c  One INVITE dialog: handlers and in-dialog commands
 *
 * The sipleg turns libre's sipsess callbacks into `struct sipleg_ev` for
 * its owner and carries out the owner's commands (ring, answer, end, hold,
 * INFO).  Invariant: after SIPLEG_EV_CLOSED has been reported, or after the
 * owner called sipleg_end(), no further event is reported -- the owner may
 * free the sipleg from inside its event handler.
 */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include "sip.h"


static void sipleg_destructor(void *arg)
{
	struct sipleg *sl = arg;

	sipleg_pending_unlink(sl);
	/* mem_deref(sess) is the hangup: BYE, CANCEL or a final 4xx */
	sl->sess = mem_deref(sl->sess);
	sl->sdp = mem_deref(sl->sdp);
	sl->invite = mem_deref(sl->invite);
	sl->auth_user = mem_deref(sl->auth_user);
	sl->auth_pass = mem_deref(sl->auth_pass);
}


int sipleg_alloc(struct sipleg **slp, struct media_ep *ep, const char *ctx,
		 sipleg_ev_h *evh, void *arg)
{
	struct sipleg *sl;
	int err;

	if (!slp || !ep || !evh)
		return EINVAL;

	sl = mem_zalloc(sizeof(*sl), sipleg_destructor);
	if (!sl)
		return ENOMEM;

	sl->ep = ep;
	sl->evh = evh;
	sl->arg = arg;
	str_ncpy(sl->ctx, ctx ? ctx : "", sizeof(sl->ctx));

	err = sipleg_sdp_alloc(sl);
	if (err)
		mem_deref(sl);
	else
		*slp = sl;

	return err;
}


void sipleg_report(struct sipleg *sl, enum sipleg_evtype type,
		   uint16_t status, int err, bool by_peer)
{
	struct sipleg_ev ev;

	if (sl->closed)
		return;
	if (type == SIPLEG_EV_CLOSED)
		sl->closed = true;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.status = status;
	ev.err = err;
	ev.by_peer = by_peer;
	sl->evh(sl, &ev, sl->arg);
}


/* re-INVITE from the peer: hold, unhold or a new address */
int sipleg_offer_handler(struct mbuf **descp, const struct sip_msg *msg,
			 void *arg)
{
	struct sipleg *sl = arg;
	enum sdp_dir rdir;
	bool held;
	int err;

	if (!sipleg_sdp_has_body(msg)) {
		/* offer-less re-INVITE: we offer, the ACK answers */
		return sipleg_sdp_encode(sl, descp, true);
	}

	err = sdp_decode(sl->sdp, msg->mb, true);
	if (err) {
		log_warn(sl->ctx, "re-INVITE: bad SDP (%m)", err);
		return err;
	}

	err = sipleg_sdp_apply(sl);
	if (err)
		return err;

	err = sipleg_sdp_encode(sl, descp, false);
	if (err)
		return err;

	/* libre keeps rdir from our side: the peer's sendonly is RECVONLY */
	rdir = sdp_media_rdir(sl->sdpm);
	held = rdir == SDP_RECVONLY || rdir == SDP_INACTIVE ||
	       sa_is_any(sdp_media_raddr(sl->sdpm));
	if (held != sl->held_remote) {
		sl->held_remote = held;
		log_info(sl->ctx, "peer %s", held ? "holds" : "resumes");
		sipleg_report(sl, held ? SIPLEG_EV_HOLD : SIPLEG_EV_UNHOLD,
			      0, 0, true);
	}
	return 0;
}


/* SDP answer in a 18x/200 to our INVITE, or in an ACK to our offer */
int sipleg_answer_handler(const struct sip_msg *msg, void *arg)
{
	struct sipleg *sl = arg;
	int err;

	if (!sipleg_sdp_has_body(msg))
		return 0;

	err = sdp_decode(sl->sdp, msg->mb, false);
	if (err) {
		log_warn(sl->ctx, "bad SDP answer (%m)", err);
		return err;
	}

	err = sipleg_sdp_apply(sl);
	if (err)
		log_warn(sl->ctx, "SDP answer unusable (%m)", err);

	return err;
}


void sipleg_estab_handler(const struct sip_msg *msg, void *arg)
{
	struct sipleg *sl = arg;
	(void)msg;

	if (sl->answered)
		return;
	sl->answered = true;
	sipleg_report(sl, SIPLEG_EV_ANSWERED, 200, 0, false);
}


/**
 * The digit of an INFO body: "Signal=5" (application/dtmf-relay) or "5"
 * (application/dtmf); 0 if there is none
 */
char sipleg_info_digit(const struct sip_msg *msg)
{
	struct pl sig;
	const char *p = (const char *)mbuf_buf(msg->mb);
	size_t n = mbuf_get_left(msg->mb);
	struct pl body = {p, n};

	if (!pl_strcasecmp(&msg->ctyp.subtype, "dtmf-relay")) {
		if (re_regex(body.p, body.l,
			     "Signal[ \t]*=[ \t]*[0-9*#A-Da-d]1", NULL, NULL,
			     &sig))
			return 0;
		return (char)toupper((unsigned char)sig.p[0]);
	}
	if (!pl_strcasecmp(&msg->ctyp.subtype, "dtmf")) {
		if (n < 1 || !strchr("0123456789*#ABCDabcd", p[0]))
			return 0;
		return (char)toupper((unsigned char)p[0]);
	}
	return 0;
}


void sipleg_info_handler(struct sip *sip, const struct sip_msg *msg,
			 void *arg)
{
	struct sipleg *sl = arg;
	struct sipleg_ev ev;
	char digit = 0;

	if (!pl_strcasecmp(&msg->ctyp.type, "application"))
		digit = sipleg_info_digit(msg);

	if (!digit) {
		(void)sip_treply(NULL, sip, msg, 415, "Unsupported Media Type");
		return;
	}

	(void)sip_treply(NULL, sip, msg, 200, "OK");
	log_info(sl->ctx, "INFO dtmf digit=%c", digit);

	if (sl->closed)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = SIPLEG_EV_DTMF;
	ev.digit = digit;
	sl->evh(sl, &ev, sl->arg);
}


void sipleg_close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct sipleg *sl = arg;
	uint16_t status = 0;
	bool by_peer = false;

	if (msg && !msg->req)
		status = msg->scode;
	else if (msg && msg->req)
		by_peer = true;    /* BYE or CANCEL from the peer */
	else if (err == ECONNRESET)
		by_peer = true;

	log_info(sl->ctx, "dialog closed: %s%u err=%m",
		 by_peer ? "by peer " : "", status, err);

	sipleg_report(sl, SIPLEG_EV_CLOSED, status, err, by_peer);
}


/* ---- commands ---------------------------------------------------------- */

int sipleg_ring(struct sipleg *sl, bool early_media)
{
	struct mbuf *desc = NULL;
	int err;

	if (!sl || sl->outbound || sl->answered || sl->closed)
		return EINVAL;

	if (!early_media) {
		if (!sl->sess)
			return sipleg_session_open(sl, 180, NULL);
		return sipsess_progress(sl->sess, 180, "Ringing", NULL, NULL);
	}

	if (sl->early_sent)
		return 0;

	err = sipleg_sdp_encode(sl, &desc, !sl->have_offer);
	if (err)
		return err;

	if (!sl->sess)
		err = sipleg_session_open(sl, 183, desc);
	else
		err = sipsess_progress(sl->sess, 183, "Session Progress", desc,
				       NULL);
	if (!err)
		sl->early_sent = true;
	mem_deref(desc);
	return err;
}


int sipleg_answer(struct sipleg *sl)
{
	struct mbuf *desc = NULL;
	int err;

	if (!sl || sl->outbound || sl->closed)
		return EINVAL;
	if (sl->answered)
		return 0;

	err = sipleg_sdp_encode(sl, &desc, !sl->have_offer);
	if (err)
		return err;

	if (!sl->sess)
		err = sipleg_session_open(sl, 200, desc);
	else
		err = sipsess_answer(sl->sess, 200, "OK", desc, NULL);
	mem_deref(desc);
	return err;
}


/**
 * End the dialog: BYE if answered, CANCEL if an outbound leg is still
 * ringing, or a final `scode` to an inbound INVITE.  No event follows.
 */
int sipleg_end(struct sipleg *sl, uint16_t scode)
{
	if (!sl)
		return EINVAL;

	if (!sl->sess) {
		/* inbound INVITE still pending: its final reply */
		if (!sl->closed && !sl->outbound && sl->invite && scode >= 300)
			(void)sip_treply(NULL, sipua_stack(), sl->invite,
					 scode, sip_reason(scode));
		sl->closed = true;
		sipleg_pending_unlink(sl);
		return 0;
	}
	sl->closed = true;

	if (!sl->outbound && !sl->answered && scode >= 300)
		(void)sipsess_reject(sl->sess, scode, sip_reason(scode), NULL);

	sl->sess = mem_deref(sl->sess);
	return 0;
}


int sipleg_hold(struct sipleg *sl, bool hold)
{
	struct mbuf *desc = NULL;
	int err;

	if (!sl || !sl->sess || !sl->answered)
		return EINVAL;
	if (hold == sl->held_local)
		return 0;

	sdp_media_set_ldir(sl->sdpm, hold ? SDP_SENDONLY : SDP_SENDRECV);
	err = sipleg_sdp_encode(sl, &desc, true);
	if (err)
		return err;

	err = sipsess_modify(sl->sess, desc);
	mem_deref(desc);
	if (err)
		return err;

	sl->held_local = hold;
	log_info(sl->ctx, "re-INVITE sent: %s", hold ? "hold" : "unhold");
	return 0;
}


int sipleg_info_dtmf(struct sipleg *sl, char digit)
{
	struct mbuf *mb;
	int err;

	if (!sl || !sl->sess || !sl->answered)
		return EINVAL;

	mb = mbuf_alloc(32);
	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb, "Signal=%c\r\nDuration=160\r\n", digit);
	mb->pos = 0;
	if (!err)
		err = sipsess_info(sl->sess, "application/dtmf-relay", mb,
				   NULL, NULL);
	mem_deref(mb);
	return err;
}


const char *sipleg_callid(const struct sipleg *sl)
{
	return sl ? sl->callid : NULL;
}
