/**
 * @file simnet/sdp.c  SDP offer/answer for one call
 *
 * The network speaks G.711 only: PCMU and PCMA, plus RFC 4733
 * telephone-event.  libre's SDP session does the matching (after an
 * offer it renames our formats to the caller's payload types and orders
 * them like the offer); on top of that we answer with exactly one audio
 * codec, the first one of the offer that we support, by clearing the
 * `sup` flag of the other before encoding.  libre re-computes `sup` on
 * every decode, so a re-INVITE chooses again from scratch.
 */
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "simnet.h"


/** A session with one audio line offering PCMU, PCMA, telephone-event */
int sim_sdp_alloc(struct sdp_session **sdpp, struct sdp_media **smp)
{
	struct sdp_session *sdp = NULL;
	struct sdp_media *sm = NULL;
	struct sa any;
	int err;

	if (!sdpp || !smp)
		return EINVAL;

	/* the real address is set once the RTP socket is bound */
	sa_init(&any, AF_INET);
	err = sdp_session_alloc(&sdp, &any);
	if (err)
		goto out;

	err = sdp_media_add(&sm, sdp, sdp_media_audio, 0, sdp_proto_rtpavp);
	if (err)
		goto out;

	err  = sdp_format_add(NULL, sm, false, "0", "PCMU", SIM_SRATE, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, sm, false, "8", "PCMA", SIM_SRATE, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, sm, false, "101", telev_rtpfmt,
			      SIM_SRATE, 1, NULL, NULL, NULL, false, "0-15");
	if (err)
		goto out;

	sdp_media_set_lattr(sm, true, sdp_attr_ptime, "%u", SIM_PTIME);

 out:
	if (err)
		mem_deref(sdp);
	else {
		*sdpp = sdp;
		*smp = sm;
	}

	return err;
}


/**
 * After sdp_decode(): pick the first G.711 format of the remote list
 * that libre marked as supported, and keep only it in our answer.
 * Returns ENOTSUP when the peer offers neither PCMU nor PCMA.
 */
int sim_sdp_choose(struct sdp_media *sm, bool *ulawp, int *ptp,
		   int *tev_ptp)
{
	struct sdp_format *pcmu, *pcma, *chosen = NULL;
	const struct sdp_format *tev;
	struct le *le;

	if (!sm || !ulawp || !ptp || !tev_ptp)
		return EINVAL;

	pcmu = sdp_media_format(sm, true, NULL, -1, "PCMU", SIM_SRATE, 1);
	pcma = sdp_media_format(sm, true, NULL, -1, "PCMA", SIM_SRATE, 1);
	if (!pcmu || !pcma)
		return EINVAL;

	LIST_FOREACH(sdp_media_format_lst(sm, false), le) {
		const struct sdp_format *rf = le->data;

		if (!rf->sup)
			continue;
		if (sdp_format_cmp(pcmu, rf))
			chosen = pcmu;
		else if (sdp_format_cmp(pcma, rf))
			chosen = pcma;
		if (chosen) {
			*ptp = rf->pt;
			break;
		}
	}

	if (!chosen || !sdp_media_rport(sm))
		return ENOTSUP;

	if (chosen == pcmu)
		pcma->sup = false;
	else
		pcmu->sup = false;

	*ulawp = chosen == pcmu;

	tev = sdp_media_rformat(sm, telev_rtpfmt);
	*tev_ptp = tev ? tev->pt : -1;

	return 0;
}
