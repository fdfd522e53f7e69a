/**
 * @file bench/rtpload/rtp.c  Sending the RTP load
 *
 * Every call has two streams (A->B and B->A) of 172-byte RTP packets
 * (12 header + 160 PCMU) every 20 ms.  A few sockets per side carry all
 * calls; the packets of one tick are queued per socket and sent with
 * sendmmsg, BATCH at a time.  Call i sends in slot i % 20 of the 20 ms
 * frame so the load is spread over it.  The payload starts with the send
 * time (CLOCK_MONOTONIC ns, host order) and a "measured" byte: only
 * packets sent inside the measured window count (recv.c).  The SSRC
 * names the call and direction: salt ^ (i << 1 | dir).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "rtpload.h"

/** Outgoing packets of one socket, waiting for one sendmmsg */
struct batch {
	unsigned n;
	uint32_t who[BATCH];              /* call index                */
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	uint8_t pkt[BATCH][PKT_LEN];
};

/** rl->batches: one per media socket, iovecs pointing at their packets */
int rl_rtp_alloc(struct rl *rl)
{
	uint32_t k, j;

	rl->batches = calloc(2 * rl->socks, sizeof(*rl->batches));
	if (!rl->batches)
		return ENOMEM;
	for (k = 0; k < 2 * rl->socks; k++) {
		for (j = 0; j < BATCH; j++) {
			struct batch *b = &rl->batches[k];

			b->iov[j].iov_base = b->pkt[j];
			b->iov[j].iov_len = PKT_LEN;
			memset(b->pkt[j] + RTP_HDR, 0xff, PKT_LEN - RTP_HDR);
			b->mm[j].msg_hdr.msg_iov = &b->iov[j];
			b->mm[j].msg_hdr.msg_iovlen = 1;
			b->mm[j].msg_hdr.msg_namelen =
				sizeof(struct sockaddr_in);
		}
	}
	return 0;
}

void rl_rtp_free(struct rl *rl)
{
	free(rl->batches);
	rl->batches = NULL;
}

static void batch_flush(struct rl *rl, int side, uint32_t k, int dir)
{
	struct batch *b = &rl->batches[side * rl->socks + k];
	unsigned done = 0, j;

	while (done < b->n) {
		int r = sendmmsg(rl->mfd[side][k], b->mm + done,
				 b->n - done, 0);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			rl->send_err += b->n - done;
			break;
		}
		for (j = done; j < done + (unsigned)r; j++)
			if (b->pkt[j][RTP_HDR + 8])
				rl->cv[b->who[j]].sent[dir]++;
		done += (unsigned)r;
	}
	b->n = 0;
}

static void pkt_fill(uint8_t *p, uint32_t ssrc, uint16_t seq, uint32_t ts,
		     uint64_t t, bool measured)
{
	p[0] = 0x80;
	p[1] = 0;          /* PCMU */
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	memcpy(p + RTP_HDR, &t, sizeof(t));
	p[RTP_HDR + 8] = measured;
}

/** Send one frame on both streams of every call in slot */
void rl_rtp_send_slot(struct rl *rl, uint32_t slot, bool measured)
{
	uint64_t t = rl_now();
	uint32_t i, k;
	int dir;

	for (dir = 0; dir < 2; dir++) {
		int side = dir == DIR_A2B ? SIDE_A : SIDE_B;

		for (i = slot; i < rl->calls; i += SLOTS) {
			struct call *c = &rl->cv[i];
			struct batch *b;

			if (!c->up)
				continue;
			k = (uint32_t)rl_call_sock(rl, i);
			b = &rl->batches[side * rl->socks + k];
			pkt_fill(b->pkt[b->n],
				 rl->salt ^ (i << 1 | (uint32_t)dir),
				 c->seq[dir]++, c->ts[dir], t, measured);
			c->ts[dir] += 160;
			b->mm[b->n].msg_hdr.msg_name =
				dir == DIR_A2B ? &c->a_dst : &c->b_dst;
			b->who[b->n] = i;
			if (++b->n == BATCH)
				batch_flush(rl, side, k, dir);
		}
		for (k = 0; k < rl->socks; k++)
			if (rl->batches[side * rl->socks + k].n)
				batch_flush(rl, side, k, dir);
	}
}
