/**
 * @file bench/rtpload/uac.c  A leg: our UAC calling the relay
 *
 * Call i sends INVITE to PREFIX + 7 digits of i at the relay, with
 * Call-ID "rl<salt>-<i>", so that any response names its call without a
 * lookup.  The first 2xx is ACKed, its Contact becomes the Request-URI of
 * ACK and BYE, and its SDP tells where A's media goes; a retransmitted 2xx
 * is only ACKed again.  A final error is ACKed and fails the call once.
 * Retransmissions (doubling from 500 ms, capped at 4 s) are driven by
 * rl_sip_timers() in sip.c.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rtpload.h"

/** One request of call c's A dialog, sent to the relay */
static void a_request(struct rl *rl, struct call *c, const char *method,
		      const char *branch_sfx, uint32_t cseq, bool with_sdp)
{
	char buf[4096], sdp[1024], ip[INET_ADDRSTRLEN], rip[INET_ADDRSTRLEN];
	char ruri[160], totag[96] = "";
	uint32_t i = rl_call_idx(rl, c);
	size_t sdplen = 0;
	int n;

	inet_ntop(AF_INET, &rl->sip_addr[SIDE_A].sin_addr, ip, sizeof(ip));
	inet_ntop(AF_INET, &rl->relay.sin_addr, rip, sizeof(rip));
	if (c->a_target[0] && strcmp(method, "INVITE") &&
	    !(strcmp(method, "ACK") == 0 && c->a_code >= 300))
		snprintf(ruri, sizeof(ruri), "%s", c->a_target);
	else
		snprintf(ruri, sizeof(ruri), "sip:%s%07u@%s:%u", rl->prefix,
			 i, rip, ntohs(rl->relay.sin_port));
	if (c->a_totag[0])
		snprintf(totag, sizeof(totag), ";tag=%s", c->a_totag);
	if (with_sdp)
		sdplen = rl_sdp_make(sdp, sizeof(sdp), i,
				     &rl->maddr[SIDE_A][rl_call_sock(rl, i)]);
	n = snprintf(buf, sizeof(buf),
		     "%s %s SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-rl%08x-%u-%s;"
		     "rport\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: <sip:rtpload@%s>;tag=rla%u\r\n"
		     "To: <sip:%s%07u@%s>%s\r\n"
		     "Call-ID: rl%08x-%u@%s\r\n"
		     "CSeq: %u %s\r\n"
		     "Contact: <sip:rtpload@%s:%u>\r\n"
		     "User-Agent: rtpload\r\n"
		     "%s"
		     "Content-Length: %zu\r\n\r\n%s",
		     method, ruri, ip, ntohs(rl->sip_addr[SIDE_A].sin_port),
		     rl->salt, i, branch_sfx, ip, i, rl->prefix, i, rip,
		     totag, rl->salt, i, ip, cseq, method, ip,
		     ntohs(rl->sip_addr[SIDE_A].sin_port),
		     with_sdp ? "Content-Type: application/sdp\r\n" : "",
		     sdplen, with_sdp ? sdp : "");
	if (n > 0 && (size_t)n < sizeof(buf))
		rl_sip_send(rl, SIDE_A, buf, (size_t)n, &rl->relay);
}

void rl_uac_invite(struct rl *rl, struct call *c, uint64_t now)
{
	if (c->a_state == LEG_IDLE) {
		c->a_state = LEG_CALLING;
		c->a_t0 = now;
	}
	a_request(rl, c, "INVITE", "i", 1, true);
	c->a_next_tx = now + (500 * NS_MS << (c->a_txc < 3 ? c->a_txc : 3));
}

void rl_uac_bye(struct rl *rl, struct call *c, uint64_t now)
{
	c->a_state = LEG_BYE;
	a_request(rl, c, "BYE", "b", 2, false);
	c->a_next_tx = now + (500 * NS_MS << (c->a_txc < 3 ? c->a_txc : 3));
}

/** The call a response on our UAC socket belongs to (our Call-ID) */
struct call *rl_uac_find(struct rl *rl, const struct msg *m)
{
	char cid[128], pfx[32];
	unsigned long idx;
	size_t pl;

	if (!rl_hdr_copy(m, "Call-ID", "i", cid, sizeof(cid)))
		return NULL;
	pl = (size_t)snprintf(pfx, sizeof(pfx), "rl%08x-", rl->salt);
	if (strncmp(cid, pfx, pl))
		return NULL;
	idx = strtoul(cid + pl, NULL, 10);
	return idx < rl->calls ? &rl->cv[idx] : NULL;
}

void rl_uac_response(struct rl *rl, const struct msg *m)
{
	struct call *c = rl_uac_find(rl, m);
	char cseq[64], contact[256];
	const char *v;
	size_t n;

	if (!c || !rl_hdr_copy(m, "CSeq", NULL, cseq, sizeof(cseq))) {
		rl->sip_unmatched++;
		return;
	}
	if (strstr(cseq, "BYE")) {
		if (c->a_state == LEG_BYE && m->code >= 200)
			c->a_state = (m->code < 300 || m->code == 481) ?
				LEG_DONE : LEG_FAILED;
		return;
	}
	if (!strstr(cseq, "INVITE"))
		return;
	if (m->code < 200) {
		if (c->a_state == LEG_CALLING)
			c->a_state = LEG_EARLY;
		return;
	}
	v = rl_hdr_get(m, "To", "t", &n);
	if (v && !c->a_totag[0])
		(void)rl_tag_get(v, n, c->a_totag, sizeof(c->a_totag));
	if (m->code >= 300) {
		c->a_code = (uint16_t)m->code;
		a_request(rl, c, "ACK", "i", 1, false);
		if (c->a_state == LEG_CALLING || c->a_state == LEG_EARLY) {
			rl->codes[m->code / 100]++;
			rl_call_fail(rl, c, (uint16_t)m->code);
		}
		return;
	}
	v = rl_hdr_get(m, "Contact", "m", &n);
	if (v && !c->a_target[0] &&
	    rl_uri_get(v, n, contact, sizeof(contact)) &&
	    strlen(contact) < sizeof(c->a_target))
		strcpy(c->a_target, contact);
	a_request(rl, c, "ACK", "a", 1, false);
	if (c->a_state != LEG_CALLING && c->a_state != LEG_EARLY)
		return;   /* a retransmitted 200: ACK again, nothing else */
	rl->codes[2]++;
	c->a_code = (uint16_t)m->code;
	c->setup_ns = rl_now() - c->a_t0;
	if (m->body_len && rl_sdp_media(m->body, m->body_len, &c->a_dst))
		c->a_dst_ok = true;
	c->a_state = LEG_UP;
	c->a_txc = 0;
	rl_call_check_up(rl, c);
}
