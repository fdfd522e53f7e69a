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
 * caller answers 488), and the connection lines, which libre lets through
 * when they do not parse, are checked on the raw body before it
 * (sipleg_sdp_check(), EBADMSG, answered 400).  The pure parts --
 * sipleg_sdp_session(), sipleg_sdp_check(), sipleg_sdp_params() -- need
 * no leg, so that tests/fuzz/fuzz_sip.c drives them directly.
 */
#include <string.h>
#include <re.h>
#include "sip.h"

enum { DTMF_PT = 101 };


/** Our SDP session: one audio stream, PCMU, PCMA, telephone-event */
int sipleg_sdp_session(struct sdp_session **sessp, struct sdp_media **mp,
		       const struct sa *laddr)
{
	struct sdp_session *sess = NULL;
	struct sdp_media *m = NULL;
	int err;

	err = sdp_session_alloc(&sess, laddr);
	if (err)
		return err;

	err = sdp_media_add(&m, sess, "audio", sa_port(laddr), "RTP/AVP");
	if (err)
		goto out;
	err  = sdp_format_add(NULL, m, false, "0", "PCMU", 8000, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, m, false, "8", "PCMA", 8000, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, m, false, "101", "telephone-event",
			      8000, 1, NULL, NULL, NULL, false, "0-15");
	if (err)
		goto out;

	err = sdp_media_set_lattr(m, true, "ptime", "20");

 out:
	if (err) {
		mem_deref(sess);
	}
	else {
		*sessp = sess;
		*mp = m;
	}
	return err;
}


int sipleg_sdp_alloc(struct sipleg *sl)
{
	struct sa laddr;

	media_ep_laddr(sl->ep, &laddr);

	return sipleg_sdp_session(&sl->sdp, &sl->sdpm, &laddr);
}


/* "c=IN IP4 192.0.2.1": an IP literal of the family the line names */
static bool conn_line_ok(const struct pl *line)
{
	struct pl fam, addr;
	struct sa sa;

	if (re_regex(line->p, line->l, "c=IN[ ]+IP[46]1[ ]+[^ /]+",
		     NULL, &fam, NULL, &addr))
		return false;
	if (sa_set(&sa, &addr, 0))
		return false;
	return sa_af(&sa) == (fam.p[0] == '4' ? AF_INET : AF_INET6);
}


/* "m=audio 49170 RTP/AVP 0": a port libre would otherwise wrap to 16 bits */
static bool media_line_ok(const struct pl *line)
{
	struct pl port;

	if (re_regex(line->p, line->l, "m=[^ ]+ [0-9]+", NULL, &port))
		return false;
	return port.l <= 5 && pl_u32(&port) <= 65535;
}


/**
 * Check the connection and media lines of a raw SDP body.  libre leaves
 * the remote address at 0.0.0.0 when c= is missing or does not parse,
 * which reads as "on hold", and cuts m= ports to 16 bits; so we look
 * first: every c= line must hold an IP literal (we do not resolve names),
 * every m= section must have an address, its own or the session's, and a
 * port that fits.  EBADMSG if not.
 */
int sipleg_sdp_check(const struct pl *sdp)
{
	struct pl rest = *sdp;
	bool sess_c = false, in_media = false, media_c = false;

	while (rest.l) {
		const char *nl = pl_strchr(&rest, '\n');
		struct pl line = {rest.p, nl ? (size_t)(nl - rest.p) : rest.l};

		pl_advance(&rest, nl ? line.l + 1 : line.l);
		if (line.l && line.p[line.l - 1] == '\r')
			--line.l;
		if (line.l < 2 || line.p[1] != '=')
			continue;

		switch (line.p[0]) {

		case 'm':
			if (!media_line_ok(&line))
				return EBADMSG;
			if (in_media && !media_c && !sess_c)
				return EBADMSG;
			in_media = true;
			media_c = false;
			break;

		case 'c':
			if (!conn_line_ok(&line))
				return EBADMSG;
			if (in_media)
				media_c = true;
			else
				sess_c = true;
			break;

		default:
			break;
		}
	}

	return (in_media && !media_c && !sess_c) ? EBADMSG : 0;
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


/*
 * The G.711 codec a remote format stands for, or -1.  A static payload
 * type may come without a=rtpmap (RFC 3551): then libre leaves the name
 * unset and the number says it.
 */
static int fmt_codec(const struct sdp_format *fmt)
{
	if (fmt->name)
		return !str_casecmp(fmt->name, "PCMU") ? MEDIA_PCMU :
		       !str_casecmp(fmt->name, "PCMA") ? MEDIA_PCMA : -1;
	if (fmt->pt == MEDIA_PCMU || fmt->pt == MEDIA_PCMA)
		return fmt->pt;
	return -1;
}


/* first remote format we also support, in the peer's order of preference */
static const struct sdp_format *pick_codec(const struct sdp_media *m)
{
	struct le *le;

	for (le = list_head(sdp_media_format_lst(m, false)); le;
	     le = le->next) {
		const struct sdp_format *fmt = le->data;

		if (fmt->sup && fmt_codec(fmt) >= 0)
			return fmt;
	}
	return NULL;
}


/**
 * Media parameters from a negotiated audio stream: EPROTO if the stream
 * was rejected or has no codec we support.
 */
int sipleg_sdp_params(const struct sdp_media *m, struct media_params *prm)
{
	const struct sdp_format *codec, *te;
	const struct sa *raddr;

	if (sdp_media_rport(m) == 0)
		return EPROTO;    /* stream rejected or not offered */

	codec = pick_codec(m);
	if (!codec)
		return EPROTO;

	raddr = sdp_media_raddr(m);
	if (!sa_isset(raddr, SA_ADDR) && !sa_is_any(raddr))
		return EPROTO;

	memset(prm, 0, sizeof(*prm));
	sa_cpy(&prm->raddr, raddr);
	sdp_media_raddr_rtcp(m, &prm->raddr_rtcp);
	prm->codec = (enum media_codec)fmt_codec(codec);
	te = sdp_media_rformat(m, "telephone-event");
	prm->dtmf_pt = te ? te->pt : -1;
	prm->dir = (enum media_dir)sdp_media_dir(m);
	return 0;
}


/** Derive media parameters from the negotiated SDP and apply them */
int sipleg_sdp_apply(struct sipleg *sl)
{
	struct media_params prm;
	int err;

	err = sipleg_sdp_params(sl->sdpm, &prm);
	if (err)
		return err;

	log_debug(sl->ctx, "sdp: remote %J codec %s dtmf_pt %d dir %s",
		  &prm.raddr, prm.codec == MEDIA_PCMA ? "PCMA" : "PCMU",
		  prm.dtmf_pt, sdp_dir_name(sdp_media_dir(sl->sdpm)));

	return media_ep_params(sl->ep, &prm);
}
