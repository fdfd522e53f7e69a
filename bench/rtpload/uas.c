/**
 * @file bench/rtpload/uas.c  B leg: our trunk answering the relay
 *
 * The relay's outbound INVITE reaches our trunk socket; the last 7 digits
 * of its Request-URI user part name the call.  We answer 100, 180 and a
 * 200 with our SDP at once, remember the relay's Call-ID in the call
 * table, and keep the 200 to repeat it for a retransmitted INVITE and
 * until the ACK comes (rl_sip_timers() in sip.c).  An INVITE for an
 * unknown or already used number gets 404.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "rtpload.h"

/**
 * A response to the request m, Via/From/Call-ID/CSeq copied, our To tag
 * added for anything but 100.  Returns its length, 0 if it does not fit.
 */
static size_t b_reply_make(struct rl *rl, const struct msg *m, int code,
			   const char *reason, uint32_t idx, const char *sdp,
			   char *out, size_t outsz)
{
	const char *pos = NULL, *v;
	char ip[INET_ADDRSTRLEN];
	size_t n, len = 0, vl;
	int w;

#define PUT(...) do {							\
		w = snprintf(out + len, outsz - len, __VA_ARGS__);	\
		if (w < 0 || (size_t)w >= outsz - len)			\
			return 0;					\
		len += (size_t)w;					\
	} while (0)

	inet_ntop(AF_INET, &rl->sip_addr[SIDE_B].sin_addr, ip, sizeof(ip));
	PUT("SIP/2.0 %d %s\r\n", code, reason);
	while ((v = rl_hdr_next(m, &pos, "Via", "v", &vl)))
		PUT("Via: %.*s\r\n", (int)vl, v);
	v = rl_hdr_get(m, "From", "f", &n);
	if (v)
		PUT("From: %.*s\r\n", (int)n, v);
	v = rl_hdr_get(m, "To", "t", &n);
	if (v) {
		char tag[128];

		if (code > 100 && !rl_tag_get(v, n, tag, sizeof(tag)))
			PUT("To: %.*s;tag=rlb%u\r\n", (int)n, v, idx);
		else
			PUT("To: %.*s\r\n", (int)n, v);
	}
	v = rl_hdr_get(m, "Call-ID", "i", &n);
	if (v)
		PUT("Call-ID: %.*s\r\n", (int)n, v);
	v = rl_hdr_get(m, "CSeq", NULL, &n);
	if (v)
		PUT("CSeq: %.*s\r\n", (int)n, v);
	if (code > 100 && code < 300 && !strcmp(m->method, "INVITE"))
		PUT("Contact: <sip:trunk@%s:%u>\r\n", ip,
		    ntohs(rl->sip_addr[SIDE_B].sin_port));
	if (sdp)
		PUT("Content-Type: application/sdp\r\n");
	PUT("Content-Length: %zu\r\n\r\n%s", sdp ? strlen(sdp) : 0,
	    sdp ? sdp : "");
#undef PUT
	return len;
}

/** A response without body, sent from the socket the request came in on */
void rl_sip_reply(struct rl *rl, int side, const struct msg *m, int code,
		  const char *reason, uint32_t idx,
		  const struct sockaddr_in *to)
{
	char buf[4096];
	size_t n = b_reply_make(rl, m, code, reason, idx, NULL, buf,
				sizeof(buf));

	if (n)
		rl_sip_send(rl, side, buf, n, to);
}

/** Index encoded in the last 7 digits of the Request-URI user part */
static bool b_ruri_idx(const struct rl *rl, const struct msg *m,
		       uint32_t *idx)
{
	const char *p = m->ruri, *end = m->ruri + m->ruri_len, *at;
	uint32_t v = 0, digits = 0;

	if (m->ruri_len > 4 && !strncasecmp(p, "sip:", 4))
		p += 4;
	at = memchr(p, '@', (size_t)(end - p));
	if (!at)
		return false;
	for (end = at; end > p && end[-1] >= '0' && end[-1] <= '9' &&
	     digits < 7; end--, digits++)
		;
	if (digits < 7)
		return false;
	for (; end < at; end++)
		v = v * 10 + (uint32_t)(*end - '0');
	if (v >= rl->calls)
		return false;
	*idx = v;
	return true;
}

void rl_uas_invite(struct rl *rl, const struct msg *m,
		   const struct sockaddr_in *from)
{
	char cid[128], sdp[1024], buf[4096];
	struct call *c;
	uint32_t idx;
	size_t n;

	if (!rl_hdr_copy(m, "Call-ID", "i", cid, sizeof(cid)))
		return;
	c = rl_htab_get(rl, cid);
	if (c) {   /* retransmission: repeat what we last said */
		if (c->b_resp)
			rl_sip_send(rl, SIDE_B, c->b_resp, c->b_resp_len,
				    from);
		return;
	}
	if (!b_ruri_idx(rl, m, &idx) || rl->cv[idx].b_callid[0]) {
		rl->sip_unmatched++;
		rl_sip_reply(rl, SIDE_B, m, 404, "Not Found", 0, from);
		return;
	}
	c = &rl->cv[idx];
	if (strlen(cid) >= sizeof(c->b_callid))
		return;
	strcpy(c->b_callid, cid);
	rl_htab_put(rl, cid, idx);
	c->b_from = *from;
	if (m->body_len && rl_sdp_media(m->body, m->body_len, &c->b_dst))
		c->b_dst_ok = true;
	rl_sip_reply(rl, SIDE_B, m, 100, "Trying", idx, from);
	rl_sip_reply(rl, SIDE_B, m, 180, "Ringing", idx, from);
	if (!rl_sdp_make(sdp, sizeof(sdp), idx,
			 &rl->maddr[SIDE_B][rl_call_sock(rl, idx)]))
		return;
	n = b_reply_make(rl, m, 200, "OK", idx, sdp, buf, sizeof(buf));
	c->b_resp = malloc(n);
	if (!n || !c->b_resp)
		return;
	memcpy(c->b_resp, buf, n);
	c->b_resp_len = n;
	rl_sip_send(rl, SIDE_B, buf, n, from);
	c->b_state = LEG_EARLY;
	c->b_next_tx = rl_now() + 500 * NS_MS;
}
