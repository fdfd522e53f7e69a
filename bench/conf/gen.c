/**
 * @file bench/conf/gen.c  Load generator: every participant of the rooms
 *
 * One thread plays all members.  Member i of n sends its k-th frame at
 * t0 + k * 20 ms + i * 20 ms / n, so the load is spread evenly over the
 * period; the thread wakes every millisecond (epoll_wait) and sends what
 * is due, then drains whatever the engine sent back.  A frame is 12 bytes
 * of RTP header and 160 bytes of PCMU: a tone of its own per member
 * (300-2750 Hz, about -20 dBFS), so the room really mixes talk.
 *
 * Receive side, per member: RFC 3550 extended sequence numbers give the
 * expected count, so loss = expected - received over the measured window
 * [t_warm, t_end).  Lateness: a packet's transit offset is its arrival
 * time minus its RTP timestamp in ns; its lateness is that offset minus
 * the smallest offset the stream has shown so far (the best case), kept
 * in a 0.1 ms histogram.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <re.h>
#include "conf.h"

enum { RTP_HDR = 12, FRAME = 160, PKT = RTP_HDR + FRAME, BATCH = 16 };

struct gmember {
	int fd;
	uint16_t seq;
	uint32_t ts, ssrc;
	uint8_t pcmu[FRAME];

	/* receiver */
	bool got;
	uint16_t max_seq;
	uint32_t cycles;
	uint32_t ts_base;
	int64_t off_min;
	uint64_t rx;
	uint64_t ext_w0, rx_w0;    /* at t_warm */
	bool w0;
};


uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}


static uint8_t ulaw(int16_t pcm)
{
	int s = pcm, sign = 0, exp = 7, mant;

	if (s < 0) {
		s = -s;
		sign = 0x80;
	}
	if (s > 32635)
		s = 32635;
	s += 0x84;
	while (exp > 0 && !(s & (0x4000 >> (7 - exp))))
		--exp;
	mant = (s >> (exp + 3)) & 0x0f;
	return (uint8_t)~(sign | (exp << 4) | mant);
}


int gen_open(struct gen *g, unsigned n)
{
	struct sockaddr_in a;

	memset(g, 0, sizeof(*g));
	g->core = -1;
	g->m = calloc(n, sizeof(*g->m));
	if (!g->m)
		return ENOMEM;
	g->n = n;
	for (unsigned i = 0; i < n; i++)
		g->m[i].fd = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	for (unsigned i = 0; i < n; i++) {
		struct gmember *m = &g->m[i];
		double f = 300.0 + 50.0 * (i % 50);

		m->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (m->fd < 0 || bind(m->fd, (void *)&a, sizeof(a)))
			return errno;
		m->ssrc = 0x10000 + i;
		m->seq = (uint16_t)(i * 977);
		m->ts = i * 7919u;
		/* f is a multiple of 50 Hz: one frame is whole periods */
		for (unsigned s = 0; s < FRAME; s++)
			m->pcmu[s] = ulaw((int16_t)(3000.0 *
					  sin(2 * M_PI * f * s / 8000.0)));
	}
	return 0;
}


int gen_addr(const struct gen *g, unsigned i, struct sa *sa)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(g->m[i].fd, (void *)&a, &len))
		return errno;
	sa_init(sa, AF_INET);
	sa_set_in(sa, ntohl(a.sin_addr.s_addr), ntohs(a.sin_port));
	return 0;
}


int gen_connect(struct gen *g, unsigned i, const struct sa *peer)
{
	if (connect(g->m[i].fd, &peer->u.sa, peer->len))
		return errno;
	return 0;
}


static void send_one(struct gen *g, struct gmember *m, bool in_window)
{
	uint8_t pkt[PKT];
	uint32_t ssrc = htonl(m->ssrc), ts;
	uint16_t seq;

	++m->seq;
	m->ts += FRAME;
	seq = htons(m->seq);
	ts = htonl(m->ts);
	pkt[0] = 0x80;
	pkt[1] = 0;                /* PT 0, PCMU */
	memcpy(pkt + 2, &seq, 2);
	memcpy(pkt + 4, &ts, 4);
	memcpy(pkt + 8, &ssrc, 4);
	memcpy(pkt + RTP_HDR, m->pcmu, FRAME);

	if (send(m->fd, pkt, sizeof(pkt), 0) != (ssize_t)sizeof(pkt)) {
		++g->send_err;
		return;
	}
	++g->sent;
	if (in_window)
		++g->sent_w;
}


static uint64_t ext_seq(const struct gmember *m)
{
	return (uint64_t)m->cycles + m->max_seq;
}


static void rx_one(struct gen *g, struct gmember *m, const uint8_t *p,
		   size_t len, uint64_t t, bool in_window)
{
	uint16_t seq;
	uint32_t ts;
	int64_t off;

	if (len < RTP_HDR || (p[0] & 0xc0) != 0x80)
		return;
	seq = (uint16_t)(p[2] << 8 | p[3]);
	ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
		(uint32_t)p[6] << 8 | p[7];

	if (!m->got) {
		m->got = true;
		m->max_seq = seq;
		m->ts_base = ts;
		m->off_min = INT64_MAX;
	}
	else {
		uint16_t d = (uint16_t)(seq - m->max_seq);

		if (d && d < 0x8000) {
			if (seq < m->max_seq)
				m->cycles += 65536;
			m->max_seq = seq;
		}
	}
	++m->rx;

	off = (int64_t)t - (int64_t)(int32_t)(ts - m->ts_base) * 125000;
	if (off < m->off_min)
		m->off_min = off;
	if (in_window) {
		uint64_t late = (uint64_t)(off - m->off_min) / 100000;

		if (late >= 1000)
			++g->late100_w;
		++g->late[late < GEN_LATE_BUCKETS ? late
			  : GEN_LATE_BUCKETS - 1];
	}
}


static void drain(struct gen *g, struct gmember *m, bool in_window)
{
	static uint8_t buf[BATCH][1500];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	int r;

	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}

	do {
		uint64_t t;

		r = recvmmsg(m->fd, msg, BATCH, MSG_DONTWAIT, NULL);
		if (r <= 0)
			return;
		t = now_ns();
		for (int i = 0; i < r; i++)
			rx_one(g, m, buf[i], msg[i].msg_len, t, in_window);
	} while (r == BATCH);
}


static void window_mark(struct gen *g, bool end)
{
	for (unsigned i = 0; i < g->n; i++) {
		struct gmember *m = &g->m[i];

		if (!end) {
			m->w0 = m->got;
			m->ext_w0 = ext_seq(m);
			m->rx_w0 = m->rx;
			continue;
		}
		if (!m->got)
			continue;
		if (!m->w0) {
			/* first packet inside the window: count from it */
			m->ext_w0 = 0;
			m->rx_w0 = 0;
			g->exp_w += 1;
		}
		g->exp_w += ext_seq(m) - m->ext_w0;
		g->rx_w += m->rx - m->rx_w0;
	}
}


static void *gen_main(void *arg)
{
	struct gen *g = arg;
	struct epoll_event ev[256];
	uint64_t k = 0, slot = GEN_PERIOD_NS / g->n;
	bool warm_done = false, end_done = false;
	struct timespec cpu;
	int epfd;

	if (g->core >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(g->core, &set);
		(void)pthread_setaffinity_np(pthread_self(), sizeof(set),
					     &set);
	}
	(void)pthread_setname_np(pthread_self(), "conf-gen");
	if (g->rt) {
		struct sched_param sp = {.sched_priority = 1};

		(void)pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	}

	epfd = epoll_create1(EPOLL_CLOEXEC);
	for (unsigned i = 0; i < g->n; i++) {
		struct epoll_event e = {.events = EPOLLIN,
					.data.u32 = i};

		(void)epoll_ctl(epfd, EPOLL_CTL_ADD, g->m[i].fd, &e);
	}

	for (;;) {
		uint64_t t = now_ns();
		bool in_window = warm_done && !end_done;
		int n;

		if (!warm_done && t >= g->t_warm) {
			window_mark(g, false);
			warm_done = true;
			in_window = true;
		}
		if (!end_done && t >= g->t_end) {
			window_mark(g, true);
			end_done = true;
			in_window = false;
		}
		if (t >= g->t_stop)
			break;

		while (t < g->t_end) {
			uint64_t due = g->t0 + (k / g->n) * GEN_PERIOD_NS
				+ (k % g->n) * slot;

			if (due > t)
				break;
			if (t - due > g->behind_max_ns)
				g->behind_max_ns = t - due;
			if (in_window && t - due > 10000000)
				++g->sent_late_w;
			send_one(g, &g->m[k % g->n], in_window);
			++k;
		}

		n = epoll_wait(epfd, ev, 256, 1);
		for (int i = 0; i < n; i++)
			drain(g, &g->m[ev[i].data.u32], in_window);
	}

	close(epfd);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	g->cpu_s = (double)cpu.tv_sec + cpu.tv_nsec / 1e9;
	return NULL;
}


int gen_start(struct gen *g)
{
	return pthread_create(&g->thr, NULL, gen_main, g);
}


void gen_join(struct gen *g)
{
	(void)pthread_join(g->thr, NULL);
}


void gen_close(struct gen *g)
{
	for (unsigned i = 0; g->m && i < g->n; i++)
		if (g->m[i].fd >= 0)
			close(g->m[i].fd);
	free(g->m);
	g->m = NULL;
}


/** The pct-th percentile of lateness in the window, ms */
double gen_late_pct_ms(const struct gen *g, double pct)
{
	uint64_t tot = 0, acc = 0;

	for (unsigned i = 0; i < GEN_LATE_BUCKETS; i++)
		tot += g->late[i];
	if (!tot)
		return 0;
	for (unsigned i = 0; i < GEN_LATE_BUCKETS; i++) {
		acc += g->late[i];
		if (acc * 100.0 >= pct * (double)tot)
			return (i + 1) / 10.0;
	}
	return GEN_LATE_BUCKETS / 10.0;
}
