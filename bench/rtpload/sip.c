/**
 * @file bench/rtpload/sip.c  SIP transport, dispatch and pacing
 *
 * Both SIP sockets (A: our UAC, B: the trunk UAS) are read without
 * blocking and every datagram goes to uac.c or uas.c.  Requests other
 * than the relay's INVITE are handled here: ACK completes the B leg, BYE
 * ends either leg (a BYE on A means the relay hung up on us, which the
 * report counts), anything else is answered minimally.  Setup and
 * teardown are paced at --cps, and give up 15 s after the last call was
 * due, so a relay that stops answering cannot hang the run.
 */

#include <arpa/inet.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include "rtpload.h"

void rl_sip_send(struct rl *rl, int side, const char *buf, size_t len,
		 const struct sockaddr_in *dst)
{
	(void)sendto(rl->sip_fd[side], buf, len, 0,
		     (const struct sockaddr *)dst, sizeof(*dst));
}

/** Requests arriving on either SIP socket */
static void sip_request(struct rl *rl, int side, const struct msg *m,
			const struct sockaddr_in *from)
{
	char cid[128];
	struct call *c = NULL;

	if (side == SIDE_B && !strcmp(m->method, "INVITE")) {
		rl_uas_invite(rl, m, from);
		return;
	}
	if (rl_hdr_copy(m, "Call-ID", "i", cid, sizeof(cid)))
		c = side == SIDE_B ? rl_htab_get(rl, cid) : rl_uac_find(rl, m);
	if (!strcmp(m->method, "ACK")) {
		if (c && side == SIDE_B && c->b_state == LEG_EARLY) {
			c->b_state = LEG_UP;
			rl_call_check_up(rl, c);
		}
		return;
	}
	if (!strcmp(m->method, "BYE")) {
		if (!c) {
			rl_sip_reply(rl, side, m, 481, "No Such Call", 0,
				     from);
			return;
		}
		if (side == SIDE_B) {
			c->b_state = LEG_DONE;
		}
		else if (c->a_state != LEG_DONE) {
			c->a_remote_bye = true;
			c->a_state = LEG_DONE;
		}
		rl_sip_reply(rl, side, m, 200, "OK", rl_call_idx(rl, c), from);
		return;
	}
	if (!strcmp(m->method, "OPTIONS") || !strcmp(m->method, "CANCEL")) {
		rl_sip_reply(rl, side, m, 200, "OK", 0, from);
		return;
	}
	rl_sip_reply(rl, side, m, 501, "Not Implemented", 0, from);
}

/** Read every datagram waiting on both SIP sockets */
void rl_sip_drain(struct rl *rl)
{
	static char buf[SIPBUF];
	int side;

	for (side = 0; side < 2; side++) {
		for (;;) {
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			struct msg m;
			ssize_t n;

			n = recvfrom(rl->sip_fd[side], buf, sizeof(buf) - 1,
				     MSG_DONTWAIT, (struct sockaddr *)&from,
				     &fl);
			if (n <= 0)
				break;
			buf[n] = '\0';
			if (rl_msg_parse(&m, buf, (size_t)n))
				continue;
			if (m.is_req)
				sip_request(rl, side, &m, &from);
			else if (side == SIDE_A)
				rl_uac_response(rl, &m);
		}
	}
}

/** Retransmit what is due: our INVITEs and BYEs, our 200s to the relay */
void rl_sip_timers(struct rl *rl, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < rl->calls; i++) {
		struct call *c = &rl->cv[i];

		if ((c->a_state == LEG_CALLING || c->a_state == LEG_BYE) &&
		    now >= c->a_next_tx) {
			if (c->a_txc >= 6) {   /* ~ 16 s: timer B / F */
				if (c->a_state == LEG_CALLING) {
					rl->codes[0]++;
					rl_call_fail(rl, c, 408);
				}
				else {
					c->a_state = LEG_FAILED;
				}
				continue;
			}
			c->a_txc++;
			if (c->a_state == LEG_CALLING)
				rl_uac_invite(rl, c, now);
			else
				rl_uac_bye(rl, c, now);
		}
		if (c->b_state == LEG_EARLY && c->b_resp &&
		    now >= c->b_next_tx && c->b_txc < 6) {
			c->b_txc++;
			rl_sip_send(rl, SIDE_B, c->b_resp, c->b_resp_len,
				    &c->b_from);
			c->b_next_tx = now +
				(500 * NS_MS << (c->b_txc < 3 ? c->b_txc : 3));
		}
	}
}

static void sip_wait(struct rl *rl, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = rl->sip_fd[0], .events = POLLIN },
		{ .fd = rl->sip_fd[1], .events = POLLIN },
	};

	if (poll(pfd, 2, timeout_ms) > 0)
		rl_sip_drain(rl);
}

void rl_sip_setup(struct rl *rl)
{
	uint64_t start = rl_now(), last_tmr = 0, deadline, now;
	uint32_t next = 0;

	deadline = start + (uint64_t)(rl->calls / rl->cps * 1e9) + 15 * NS_S;
	while (!rl_stopped()) {
		now = rl_now();
		while (next < rl->calls &&
		       now >= start + (uint64_t)(next / rl->cps * 1e9))
			rl_uac_invite(rl, &rl->cv[next++], now);
		if (now - last_tmr > 20 * NS_MS) {
			rl_sip_timers(rl, now);
			last_tmr = now;
		}
		if (next == rl->calls && rl->n_up + rl->n_failed >= rl->calls)
			break;
		if (now > deadline)
			break;
		sip_wait(rl, 2);
	}
}

void rl_sip_teardown(struct rl *rl)
{
	uint64_t start = rl_now(), last_tmr = 0, deadline, now;
	uint32_t next = 0, i, open;

	deadline = start + (uint64_t)(rl->calls / rl->cps * 1e9) + 15 * NS_S;
	while (rl_now() < deadline) {
		now = rl_now();
		while (next < rl->calls &&
		       now >= start + (uint64_t)(next / rl->cps * 1e9)) {
			struct call *c = &rl->cv[next++];

			if (c->a_state == LEG_UP) {
				c->a_txc = 0;
				rl_uac_bye(rl, c, now);
			}
		}
		if (now - last_tmr > 20 * NS_MS) {
			rl_sip_timers(rl, now);
			last_tmr = now;
			for (i = 0, open = 0; i < rl->calls; i++) {
				const struct call *c = &rl->cv[i];

				if (c->a_state == LEG_BYE ||
				    c->b_state == LEG_UP ||
				    c->b_state == LEG_EARLY)
					open++;
			}
			if (next == rl->calls && !open)
				break;
		}
		sip_wait(rl, 2);
	}
}
