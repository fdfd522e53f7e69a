/**
 * @file sip/sipleg_out.c  Outbound INVITE: place a call
 *
 * sipleg_connect() sends an INVITE with our SDP offer, through the trunk's
 * route when there is one, and answers digest challenges (401/407) with
 * the trunk's credentials.  Provisional responses become RINGING (180
 * without SDP) or EARLY (18x with SDP: early media is playing).
 */
#include <string.h>
#include <re.h>
#include "sip.h"


static int auth_handler(char **username, char **password, const char *realm,
			void *arg)
{
	struct sipleg *sl = arg;
	int err;

	if (!sl->auth_user || !sl->auth_pass) {
		log_warn(sl->ctx, "challenged by realm '%s' without "
			 "credentials", realm);
		return EAUTH;
	}

	err = str_dup(username, sl->auth_user);
	err |= str_dup(password, sl->auth_pass);
	return err;
}


static void progress_handler(const struct sip_msg *msg, void *arg)
{
	struct sipleg *sl = arg;
	bool early = sipleg_sdp_has_body(msg);

	log_debug(sl->ctx, "progress %u%s", msg->scode,
		  early ? " with SDP" : "");

	if (msg->scode < 180)
		return;

	/* libre 1.1.0 gives 18x SDP to no handler: apply it here */
	if (early && sipleg_answer_handler(msg, sl))
		early = false;

	sipleg_report(sl, early ? SIPLEG_EV_EARLY : SIPLEG_EV_RINGING,
		      msg->scode, 0, false);
}


int sipleg_connect(struct sipleg **slp, const struct sipleg_target *t,
		   struct media_ep *ep, const char *ctx,
		   sipleg_ev_h *evh, void *arg)
{
	const struct cb_config *cfg = sipua_config();
	const char *routev[1];
	struct sipleg *sl = NULL;
	struct mbuf *desc = NULL;
	int err;

	if (!slp || !t || !t->uri || !t->from_uri)
		return EINVAL;

	err = sipleg_alloc(&sl, ep, ctx, evh, arg);
	if (err)
		return err;

	sl->outbound = true;
	if (t->auth_user && *t->auth_user) {
		err = str_dup(&sl->auth_user, t->auth_user);
		err |= str_dup(&sl->auth_pass, t->auth_pass ? t->auth_pass
							     : "");
		if (err)
			goto out;
	}

	err = sipleg_sdp_encode(sl, &desc, true);
	if (err)
		goto out;

	routev[0] = t->route;

	err = sipsess_connect(&sl->sess, sipua_sess_sock(), t->uri,
			      t->from_name, t->from_uri, "callbridge",
			      t->route ? routev : NULL, t->route ? 1 : 0,
			      "application/sdp", desc,
			      auth_handler, sl, false,
			      sipleg_offer_handler, sipleg_answer_handler,
			      progress_handler, sipleg_estab_handler,
			      sipleg_info_handler, NULL,
			      sipleg_close_handler, sl,
			      "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, "
			      "INFO\r\nUser-Agent: %s\r\n",
			      cfg->sip_user_agent);
	if (err) {
		log_warn(sl->ctx, "INVITE to %s failed (%m)", t->uri, err);
		goto out;
	}

	str_ncpy(sl->callid, sip_dialog_callid(sipsess_dialog(sl->sess)),
		 sizeof(sl->callid));
	log_info(sl->ctx, "INVITE %s callid=%s", t->uri, sl->callid);

 out:
	mem_deref(desc);
	if (err)
		mem_deref(sl);
	else
		*slp = sl;

	return err;
}
