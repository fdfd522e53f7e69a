/**
 * @file sip/sipleg_in.c  Inbound INVITE: take the call
 *
 * The INVITE has been answered with a stateless 100 Trying and routed by
 * the call model.  sipleg_accept() decodes the offer (488 if no codec in
 * common) and keeps the INVITE *pending*: no dialog exists until the far
 * side progresses, so the caller sees exactly what the callee does (180,
 * 183 with early media, 200) and never a made-up provisional response.
 *
 * While pending, two things libre would otherwise get wrong are ours:
 *   - a retransmitted INVITE is recognised by Call-ID and From tag and
 *     only answered with another 100 (sipleg_pending_retransmit());
 *   - a CANCEL is matched here (libre matches CANCELs only against
 *     accepted sessions): 200 to the CANCEL, 487 to the INVITE, and the
 *     leg is reported closed by the peer (sipleg_pending_cancel()).
 * The first ring/answer creates the libre session and ends pending.
 */
#include <string.h>
#include <re.h>
#include "sip.h"

static struct hash *pending;   /* struct sipleg by Call-ID, borrowed */


static bool pending_cmp(struct le *le, void *arg)
{
	const struct sipleg *sl = le->data;
	const struct sip_msg *msg = arg;

	return 0 == pl_strcmp(&msg->callid, sl->callid) &&
	       0 == pl_cmp(&msg->from.tag, &sl->invite->from.tag);
}


static struct sipleg *pending_find(const struct sip_msg *msg)
{
	if (!pending)
		return NULL;
	return list_ledata(hash_lookup(pending, hash_joaat_pl(&msg->callid),
				       pending_cmp, (void *)msg));
}


void sipleg_pending_unlink(struct sipleg *sl)
{
	hash_unlink(&sl->he);
}


/** A retransmitted INVITE of a pending leg: true if it was one */
bool sipleg_pending_retransmit(const struct sip_msg *msg)
{
	return pending_find(msg) != NULL;
}


/** CANCEL of a pending INVITE: true if it matched one */
bool sipleg_pending_cancel(const struct sip_msg *msg)
{
	struct sipleg *sl = pending_find(msg);

	if (!sl)
		return false;

	(void)sip_reply(sipua_stack(), msg, 200, "OK");
	(void)sip_treply(NULL, sipua_stack(), sl->invite, 487,
			 "Request Terminated");
	hash_unlink(&sl->he);
	log_info(sl->ctx, "CANCEL before answer");
	sipleg_report(sl, SIPLEG_EV_CLOSED, 0, ECONNRESET, true);
	return true;
}


int sipleg_pending_init(void)
{
	return hash_alloc(&pending, 4096);
}


void sipleg_pending_close(void)
{
	if (pending)
		hash_clear(pending);
	pending = mem_deref(pending);
}


int sipleg_accept(struct sipleg **slp, const struct sip_msg *msg,
		  struct media_ep *ep, const char *ctx,
		  sipleg_ev_h *evh, void *arg)
{
	struct sipleg *sl = NULL;
	int err;

	if (!slp || !msg || !pending)
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

	hash_append(pending, hash_joaat_pl(&msg->callid), &sl->he, sl);

 out:
	if (err)
		mem_deref(sl);
	else
		*slp = sl;

	return err;
}


/**
 * Create the libre session with the first response the caller sees
 * (180, 183 with SDP, or 200 with SDP).
 */
int sipleg_session_open(struct sipleg *sl, uint16_t scode,
			struct mbuf *desc)
{
	const struct cb_config *cfg = sipua_config();
	int err;

	err = sipsess_accept(&sl->sess, sipua_sess_sock(), sl->invite, scode,
			     sip_reason(scode), "callbridge",
			     "application/sdp", desc, NULL, NULL, false,
			     sipleg_offer_handler, sipleg_answer_handler,
			     sipleg_estab_handler, sipleg_info_handler, NULL,
			     sipleg_close_handler, sl,
			     "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, "
			     "INFO\r\nServer: %s\r\n", cfg->sip_user_agent);
	if (err) {
		log_warn(sl->ctx, "cannot answer INVITE with %u (%m)", scode,
			 err);
		return err;
	}

	hash_unlink(&sl->he);
	sl->accepted = true;
	return 0;
}
