/**
 * @file bench/rtpload/ng.c  Calls through rtpengine, driven over ng
 *
 * In ng mode no SIP is sent: for call i we send rtpengine "offer" with
 * A's SDP (the reply says where B sends), then "answer" with B's SDP (the
 * reply says where A sends), and "delete" at teardown.  Each transaction
 * waits for its reply, matched by cookie, up to 1 s and is tried 4 times;
 * setups are started at --cps on absolute deadlines.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "rtpload.h"

/**
 * One ng transaction: command on call idx, with an SDP or not.  On
 * success the SDP of the reply (if any) is parsed into *sa.
 */
static int ng_call(struct rl *rl, const char *cmd, uint32_t idx,
		   const char *sdp, struct sockaddr_in *sa)
{
	static char req[8192], rsp[SIPBUF];
	char cookie[32], cid[64], ft[32], tt[32];
	size_t len;
	int try, err = 0;

	snprintf(cookie, sizeof(cookie), "rl%x_%u", rl->salt, ++rl->ng_seq);
	snprintf(cid, sizeof(cid), "rl%08x-%u", rl->salt, idx);
	snprintf(ft, sizeof(ft), "rla%u", idx);
	snprintf(tt, sizeof(tt), "rlb%u", idx);
	len = (size_t)snprintf(req, sizeof(req), "%s d", cookie);
	/* keys in bencode order */
	err |= rl_bk_put(req, sizeof(req), &len, "call-id");
	err |= rl_bk_put(req, sizeof(req), &len, cid);
	err |= rl_bk_put(req, sizeof(req), &len, "command");
	err |= rl_bk_put(req, sizeof(req), &len, cmd);
	err |= rl_bk_put(req, sizeof(req), &len, "from-tag");
	err |= rl_bk_put(req, sizeof(req), &len, ft);
	if (sdp) {
		err |= rl_bk_put(req, sizeof(req), &len, "sdp");
		err |= rl_bk_put(req, sizeof(req), &len, sdp);
	}
	if (!strcmp(cmd, "answer")) {
		err |= rl_bk_put(req, sizeof(req), &len, "to-tag");
		err |= rl_bk_put(req, sizeof(req), &len, tt);
	}
	if (err || len + 2 > sizeof(req))
		return ENOSPC;
	req[len++] = 'e';

	for (try = 0; try < 4; try++) {
		uint64_t until = rl_now() + 1000 * NS_MS;

		(void)sendto(rl->ng_fd, req, len, 0,
			     (struct sockaddr *)&rl->relay,
			     sizeof(rl->relay));
		while (rl_now() < until) {
			struct pollfd pfd = { .fd = rl->ng_fd,
					      .events = POLLIN };
			const char *v, *end;
			size_t cl = strlen(cookie), vl;
			ssize_t n;

			if (poll(&pfd, 1, 100) <= 0)
				continue;
			n = recv(rl->ng_fd, rsp, sizeof(rsp) - 1, 0);
			if (n <= (ssize_t)cl || memcmp(rsp, cookie, cl) ||
			    rsp[cl] != ' ')
				continue;   /* a late reply to an older try */
			end = rsp + n;
			if (!rl_bk_dict_str(rsp + cl + 1, end, "result", &v,
					    &vl) ||
			       vl != 2 || memcmp(v, "ok", 2)) {
				if (rl_bk_dict_str(rsp + cl + 1, end,
						   "error-reason", &v, &vl))
					rl_info(rl, "ng %s: %.*s\n", cmd,
						(int)vl, v);
				return EPROTO;
			}
			if (sa) {
				if (!rl_bk_dict_str(rsp + cl + 1, end, "sdp",
						    &v, &vl) ||
				    !rl_sdp_media(v, vl, sa))
					return EPROTO;
			}
			return 0;
		}
	}
	return ETIMEDOUT;
}

void rl_ng_setup(struct rl *rl)
{
	uint64_t start = rl_now();
	char sdp[1024];
	uint32_t i;

	for (i = 0; i < rl->calls && !rl_stopped(); i++) {
		struct call *c = &rl->cv[i];
		int k = rl_call_sock(rl, i);

		rl_sleep_until(start + (uint64_t)(i / rl->cps * 1e9));
		c->a_t0 = rl_now();
		/* offer carries A's SDP; the reply is what B sends to */
		rl_sdp_make(sdp, sizeof(sdp), i, &rl->maddr[SIDE_A][k]);
		if (ng_call(rl, "offer", i, sdp, &c->b_dst)) {
			rl_call_fail(rl, c, 500);
			continue;
		}
		rl_sdp_make(sdp, sizeof(sdp), i, &rl->maddr[SIDE_B][k]);
		if (ng_call(rl, "answer", i, sdp, &c->a_dst)) {
			rl_call_fail(rl, c, 500);
			continue;
		}
		c->setup_ns = rl_now() - c->a_t0;
		c->a_dst_ok = c->b_dst_ok = true;
		c->a_state = c->b_state = LEG_UP;
		rl_call_check_up(rl, c);
	}
}

void rl_ng_teardown(struct rl *rl)
{
	uint32_t i;

	for (i = 0; i < rl->calls; i++) {
		struct call *c = &rl->cv[i];

		if (c->a_state != LEG_UP)
			continue;
		c->a_state = c->b_state =
			ng_call(rl, "delete", i, NULL, NULL) ?
			LEG_FAILED : LEG_DONE;
	}
}
