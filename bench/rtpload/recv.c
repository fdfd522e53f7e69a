/**
 * @file bench/rtpload/recv.c  Receiving and accounting the RTP load
 *
 * Whatever the relay forwards is read with recvmmsg from every media
 * socket until it is empty.  A packet's SSRC names its call and
 * direction; should a relay rewrite SSRCs, the relay's source port does
 * (rl_call_check_up() fills that map).  A packet arriving on the wrong
 * side is "misrouted", one we cannot place "unknown".  Measured packets
 * add to the call's received count and to the latency histogram (100 us
 * buckets); one later than --late-ms is "late", as good as lost behind a
 * jitter buffer.
 */

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include "rtpload.h"

static void media_account(struct rl *rl, int side, const uint8_t *p,
			  size_t len, const struct sockaddr_in *from,
			  uint64_t now)
{
	uint32_t ssrc, v, idx;
	int dir;
	uint64_t t, lat;

	if (len < RTP_HDR + 9 || (p[0] & 0xc0) != 0x80) {
		rl->unknown_pkts++;
		return;
	}
	ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
	       (uint32_t)p[10] << 8 | p[11];
	v = ssrc ^ rl->salt;
	idx = v >> 1;
	dir = (int)(v & 1);
	if (idx >= rl->calls) {
		/* a relay that rewrote the SSRC: its source port names it */
		idx = rl->portmap[side][ntohs(from->sin_port)];
		if (!idx) {
			rl->unknown_pkts++;
			return;
		}
		idx--;
		dir = side == SIDE_B ? DIR_A2B : DIR_B2A;
	}
	if ((dir == DIR_A2B) != (side == SIDE_B)) {
		rl->misrouted++;
		return;
	}
	if (!p[RTP_HDR + 8])
		return;
	rl->cv[idx].recv[dir]++;
	memcpy(&t, p + RTP_HDR, sizeof(t));
	lat = now > t ? now - t : 0;
	if (lat > rl->lat_max_ns)
		rl->lat_max_ns = lat;
	if (lat > rl->late_ns)
		rl->late_pkts++;
	lat /= 100000;
	rl->hist[lat < HIST_MAX ? lat : HIST_MAX]++;
}

void rl_rtp_recv(struct rl *rl)
{
	static uint8_t buf[BATCH][2048];
	static struct sockaddr_in from[BATCH];
	static struct mmsghdr mm[BATCH];
	static struct iovec iov[BATCH];
	uint64_t now = rl_now();
	uint32_t k;
	int side, j, r;

	for (j = 0; j < BATCH; j++) {
		iov[j].iov_base = buf[j];
		iov[j].iov_len = sizeof(buf[j]);
		mm[j].msg_hdr.msg_iov = &iov[j];
		mm[j].msg_hdr.msg_iovlen = 1;
	}
	for (side = 0; side < 2; side++) {
		for (k = 0; k < rl->socks; k++) {
			do {
				for (j = 0; j < BATCH; j++) {
					mm[j].msg_hdr.msg_name = &from[j];
					mm[j].msg_hdr.msg_namelen =
						sizeof(from[j]);
				}
				r = recvmmsg(rl->mfd[side][k], mm, BATCH,
					     MSG_DONTWAIT, NULL);
				for (j = 0; j < r; j++)
					media_account(rl, side, buf[j],
						      mm[j].msg_len, &from[j],
						      now);
			} while (r == BATCH);
		}
	}
}
