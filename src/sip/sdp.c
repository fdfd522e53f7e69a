/**
 * @file sip/sdp.c  SDP offer/answer for one leg
 *
 * Each sipleg has one SDP session with one audio stream that offers PCMU,
 * PCMA and telephone-event/8000 on the leg's media endpoint address.  After
 * every decode (offer or answer, initial or re-INVITE) sipleg_sdp_apply()
 * derives the media parameters -- remote address, codec, DTMF payload type,
 * direction -- and hands them to the media endpoint.  The SDP bytes
 * themselves come from the network and are parsed by libre; what we read
 * out of the result is checked here (no codec in common is EPROTO, and the
 * caller answers 488).
 */
#include <string.h>
#include <re.h>
#include "sip.h"

enum { DTMF_PT = 101 };


int sipleg_sdp_alloc(struct sipleg *sl)
{
	struct sa laddr;
	int err;

	media_ep_laddr(sl->ep, &laddr);

	err = sdp_session_alloc(&sl->sdp, &laddr);
	if (err)
		return err;

	err = sdp_media_add(&sl->sdpm, sl->sdp, "audio", sa_port(&laddr),
			    "RTP/AVP");
	err |= sdp_format_add(NULL, sl->sdpm, false, "0", "PCMU", 8000, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, sl->sdpm, false, "8", "PCMA", 8000, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, sl->sdpm, false, "101", "telephone-event",
			      8000, 1, NULL, NULL, NULL, false, "0-15");
	if (err)
		return err;

	sdp_media_set_lattr(sl->sdpm, true, "ptime", "20");
	return 0;
}


bool sipleg_sdp_has_body(const struct sip_msg *msg)
{
	return msg && msg->mb && mbuf_get_left(msg->mb) > 0 &&
	       0 == pl_strcasecmp(&msg->ctyp.type, "application") &&
	       0 == pl_strcasecmp(&msg->ctyp.subtype, "sdp");
}


int sipleg_sdp_encode(struct sipleg *sl, struct mbuf **descp, bool offer)
{
	return sdp_encode(descp, sl->sdp, offer);
}


/* first remote format we also support, in the peer's order of preference */
static const struct sdp_format *pick_codec(const struct sdp_media *m)
{
	struct le *le;

	for (le = list_head(sdp_media_format_lst(m, false)); le;
	     le = le->next) {
		const struct sdp_format *fmt = le->data;

		if (!fmt->sup)
			continue;
		if (!str_casecmp(fmt->name, "PCMU") ||
		    !str_casecmp(fmt->name, "PCMA"))
			return fmt;
	}
	return NULL;
}


/** Derive media parameters from the negotiated SDP and apply them */
int sipleg_sdp_apply(struct sipleg *sl)
{
	const struct sdp_format *codec, *te;
	struct media_params prm;
	const struct sa *raddr;

	if (sdp_media_rport(sl->sdpm) == 0)
		return EPROTO;    /* stream rejected or not offered */

	codec = pick_codec(sl->sdpm);
	if (!codec)
		return EPROTO;

	raddr = sdp_media_raddr(sl->sdpm);
	if (!sa_isset(raddr, SA_ADDR) && !sa_is_any(raddr) )
		return EPROTO;

	memset(&prm, 0, sizeof(prm));
	sa_cpy(&prm.raddr, raddr);
	sdp_media_raddr_rtcp(sl->sdpm, &prm.raddr_rtcp);
	prm.codec = !str_casecmp(codec->name, "PCMA") ? MEDIA_PCMA
						       : MEDIA_PCMU;
	te = sdp_media_rformat(sl->sdpm, "telephone-event");
	prm.dtmf_pt = te ? te->pt : -1;
	prm.dir = (enum media_dir)sdp_media_dir(sl->sdpm);

	log_debug(sl->ctx, "sdp: remote %J codec %s dtmf_pt %d dir %s",
		  &prm.raddr, codec->name, prm.dtmf_pt,
		  sdp_dir_name(sdp_media_dir(sl->sdpm)));

	return media_ep_params(sl->ep, &prm);
}
