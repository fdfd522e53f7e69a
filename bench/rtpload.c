/**
 * @file bench/rtpload.c  RTP load generator for bridged calls
 *
 * Sets up N concurrent calls through a media relay, streams G.711 both ways
 * on every call and counts what comes out the other side.  The relay is
 * either callbridge itself, driven over SIP (this program is both the UAC
 * that calls callbridge and the trunk UAS that answers callbridge's
 * outbound INVITE), or rtpengine, driven over its ng control protocol
 * (offer / answer / delete), so that both relays see the same RTP load.
 * A third mode, --direct, streams socket to socket without any relay: the
 * ceiling of the generator itself.
 *
 * Media: every call has two streams (A->B and B->A) of 172-byte RTP
 * packets (12 header + 160 PCMU) every 20 ms.  A few sockets per side carry
 * all calls (sendmmsg / recvmmsg); streams are told apart by SSRC, with
 * the relay's source port as a fallback should a relay rewrite SSRCs.
 * Pacing is a 1 ms tick on CLOCK_MONOTONIC absolute deadlines
 * (clock_nanosleep); call i sends in slot i % 20 so the load is spread
 * over the 20 ms frame.  Only packets sent inside the measured window
 * (after the warm-up) carry the "measured" flag, and only those count:
 * loss = measured packets sent that never came back out of the relay.
 * Each packet also carries its send time: one later than --late-ms is
 * "late", as good as lost behind a jitter buffer.  A generator that falls
 * behind still sends every tick's packets, so the window stretches rather
 * than the load shrinking unseen: pace = planned / actual window.
 *
 * Figures of the relay process (--pid) come from /proc: CPU ticks
 * (utime + stime of all its threads) over the measured window, and VmRSS
 * before the first call and after the warm-up.  The last line printed is
 * `RESULT key=value ...` for scripts (bench/media parses it).
 *
 * Single-threaded on purpose: one core runs the generator, the other the
 * relay (see bench/media, which pins both with taskset).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	RTP_HDR    = 12,
	PKT_LEN    = RTP_HDR + 160,   /* PCMU, 20 ms at 8 kHz            */
	SLOTS      = 20,              /* 1 ms ticks per 20 ms frame       */
	BATCH      = 64,              /* messages per sendmmsg/recvmmsg   */
	MAX_SOCKS  = 256,             /* media sockets per side           */
	SIPBUF     = 65536,
	HIST_MAX   = 10000,           /* latency buckets of 100 us: 1 s  */
	SOCKBUF    = 4 * 1024 * 1024,
};

#define NS_MS  1000000ull
#define NS_S   1000000000ull

enum mode { MODE_SIP = 0, MODE_NG, MODE_DIRECT };

/** State of one leg of a call, as this program sees it */
enum leg_state {
	LEG_IDLE = 0,    /* nothing sent or received yet                */
	LEG_CALLING,     /* A: INVITE sent, no response yet             */
	LEG_EARLY,       /* A: 1xx seen; B: 200 sent, waiting for ACK   */
	LEG_UP,          /* A: 200 ACKed; B: ACK received               */
	LEG_BYE,         /* A: our BYE sent, waiting for its 200        */
	LEG_DONE,        /* ended cleanly                               */
	LEG_FAILED,      /* setup or teardown failed                    */
};

enum { SIDE_A = 0, SIDE_B = 1 };
enum { DIR_A2B = 0, DIR_B2A = 1 };

struct call {
	uint8_t a_state;
	uint8_t b_state;
	bool up;                  /* both legs up and both dst known      */
	bool a_dst_ok, b_dst_ok;
	bool a_remote_bye;        /* the relay hung up our A leg          */
	uint16_t a_code;          /* final status of our INVITE           */
	uint16_t a_txc, b_txc;    /* retransmissions so far               */
	uint64_t a_t0;            /* INVITE first sent                    */
	uint64_t a_next_tx, b_next_tx;
	uint64_t setup_ns;        /* INVITE -> 200                        */
	char a_totag[64];
	char a_target[128];       /* Contact of the 200: R-URI of ACK/BYE */
	char b_callid[128];       /* the relay's Call-ID toward the trunk */
	char *b_resp;             /* our 200 to the relay's INVITE        */
	size_t b_resp_len;
	struct sockaddr_in b_from;   /* where the relay's INVITE came from */
	struct sockaddr_in a_dst;    /* relay port that A sends to        */
	struct sockaddr_in b_dst;    /* relay port that B sends to        */
	uint16_t seq[2];
	uint32_t ts[2];
	uint64_t sent[2], recv[2];   /* measured packets, per direction   */
};

struct rl {
	enum mode mode;
	uint32_t calls;
	double cps;
	double warmup_s, duration_s;
	uint32_t socks;
	int pid;                     /* relay process measured, 0 = none  */
	bool quiet;
	char prefix[16];
	uint32_t salt;

	struct sockaddr_in relay;    /* callbridge SIP or rtpengine ng    */
	int sip_fd[2];               /* A: our UAC; B: the trunk UAS      */
	struct sockaddr_in sip_addr[2];
	int ng_fd;
	uint32_t ng_seq;

	int mfd[2][MAX_SOCKS];
	struct sockaddr_in maddr[2][MAX_SOCKS];

	struct call *cv;
	uint32_t *htab;              /* relay Call-ID -> call index + 1   */
	uint32_t hsize;
	uint32_t *portmap[2];        /* relay source port -> index + 1    */

	/* counters */
	uint32_t n_up, n_failed;
	uint64_t send_err, unknown_pkts, misrouted;
	uint64_t late_ticks, max_late_ns;
	uint64_t late_pkts;          /* measured, later than late_ns      */
	uint64_t late_ns;
	uint64_t hist[HIST_MAX + 1];
	uint64_t lat_max_ns;
	uint32_t sip_unmatched;
	uint32_t codes[7];           /* final INVITE status by class      */
};

static volatile sig_atomic_t stop_flag;

/* ---- small helpers -------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_S + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(t / NS_S);
	ts.tv_nsec = (long)(t % NS_S);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)
	       == EINTR && !stop_flag)
		;
}

static void info(const struct rl *rl, const char *fmt, ...)
{
	va_list ap;

	if (rl->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static int addr_parse(struct sockaddr_in *sa, const char *s)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t n;

	if (!colon || colon == s)
		return EINVAL;
	n = (size_t)(colon - s);
	if (n >= sizeof(host))
		return EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return EINVAL;
	return 0;
}

static int udp_open(struct sockaddr_in *bound, const char *ip, uint16_t port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd, buf = SOCKBUF;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)bound, &len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- /proc ---------------------------------------------------------- */

/** utime + stime of every thread of pid, in clock ticks; 0 if gone */
static uint64_t proc_ticks(int pid)
{
	char path[64], buf[2048], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;
	int i;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');   /* comm may hold spaces */
	if (!p)
		return 0;
	/*
	 * after ')': field 3 is state; utime is field 14, stime 15.  Each
	 * step lands on the blank before field i.
	 */
	for (i = 3; i <= 14 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu %llu", &ut, &st) != 2)
		return 0;
	return ut + st;
}

static long proc_rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6)) {
			kib = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kib;
}

static double self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* ---- SIP parsing ---------------------------------------------------- */

/** A parsed SIP message: pointers into the receive buffer */
struct msg {
	const char *buf;
	size_t len;
	bool is_req;
	char method[16];
	const char *ruri; size_t ruri_len;
	int code;
	const char *hdrs; size_t hdrs_len;   /* after the start line     */
	const char *body; size_t body_len;
};

static int msg_parse(struct msg *m, const char *buf, size_t len)
{
	const char *eol, *sp, *end = buf + len, *sep;

	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->len = len;
	eol = memmem(buf, len, "\r\n", 2);
	if (!eol)
		return EPROTO;
	if (len > 8 && !memcmp(buf, "SIP/2.0 ", 8)) {
		m->code = atoi(buf + 8);
		if (m->code < 100 || m->code > 699)
			return EPROTO;
	}
	else {
		sp = memchr(buf, ' ', (size_t)(eol - buf));
		if (!sp || (size_t)(sp - buf) >= sizeof(m->method))
			return EPROTO;
		memcpy(m->method, buf, (size_t)(sp - buf));
		m->method[sp - buf] = '\0';
		m->is_req = true;
		m->ruri = sp + 1;
		sp = memchr(m->ruri, ' ', (size_t)(eol - m->ruri));
		if (!sp)
			return EPROTO;
		m->ruri_len = (size_t)(sp - m->ruri);
	}
	m->hdrs = eol + 2;
	sep = memmem(m->hdrs, (size_t)(end - m->hdrs), "\r\n\r\n", 4);
	if (!sep) {
		m->hdrs_len = (size_t)(end - m->hdrs);
		return 0;
	}
	m->hdrs_len = (size_t)(sep + 2 - m->hdrs);
	m->body = sep + 4;
	m->body_len = (size_t)(end - m->body);
	return 0;
}

/**
 * Next header line named name (or its compact form) at or after *pos.
 * Returns the value (leading blanks skipped) and its length; *pos moves
 * past the line.  Continuation lines are not supported (nobody here
 * folds).
 */
static const char *hdr_next(const struct msg *m, const char **pos,
			    const char *name, const char *compact,
			    size_t *vlen)
{
	const char *p = *pos ? *pos : m->hdrs;
	const char *end = m->hdrs + m->hdrs_len;
	size_t nl = strlen(name), cl = compact ? strlen(compact) : 0;

	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		const char *colon, *v;
		size_t n;

		if (!eol)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		*pos = eol + 2;
		if (colon) {
			n = (size_t)(colon - p);
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if ((n == nl && !strncasecmp(p, name, nl)) ||
			    (cl && n == cl && !strncasecmp(p, compact, cl))) {
				v = colon + 1;
				while (v < eol && (*v == ' ' || *v == '\t'))
					v++;
				*vlen = (size_t)(eol - v);
				return v;
			}
		}
		p = eol + 2;
	}
	return NULL;
}

static const char *hdr_get(const struct msg *m, const char *name,
			   const char *compact, size_t *vlen)
{
	const char *pos = NULL;

	return hdr_next(m, &pos, name, compact, vlen);
}

/** Copy a header value into a NUL-terminated buffer; false if absent */
static bool hdr_copy(const struct msg *m, const char *name,
		     const char *compact, char *out, size_t outsz)
{
	size_t n;
	const char *v = hdr_get(m, name, compact, &n);

	if (!v || n >= outsz)
		return false;
	memcpy(out, v, n);
	out[n] = '\0';
	return true;
}

/** ";tag=" parameter of a From/To value */
static bool tag_get(const char *v, size_t n, char *out, size_t outsz)
{
	const char *p = v, *end = v + n, *e;

	while (p < end) {
		p = memchr(p, ';', (size_t)(end - p));
		if (!p)
			return false;
		p++;
		while (p < end && *p == ' ')
			p++;
		if ((size_t)(end - p) > 4 && !strncasecmp(p, "tag=", 4)) {
			p += 4;
			e = p;
			while (e < end && *e != ';' && *e != ' ' && *e != '>')
				e++;
			if ((size_t)(e - p) >= outsz)
				return false;
			memcpy(out, p, (size_t)(e - p));
			out[e - p] = '\0';
			return true;
		}
	}
	return false;
}

/** The URI inside <...> of a Contact value, or the bare URI */
static bool uri_get(const char *v, size_t n, char *out, size_t outsz)
{
	const char *lt = memchr(v, '<', n), *gt;

	if (lt) {
		gt = memchr(lt, '>', (size_t)(v + n - lt));
		if (!gt)
			return false;
		v = lt + 1;
		n = (size_t)(gt - v);
	}
	else {
		const char *semi = memchr(v, ';', n);

		if (semi)
			n = (size_t)(semi - v);
	}
	if (n >= outsz)
		return false;
	memcpy(out, v, n);
	out[n] = '\0';
	return true;
}

/** c= address and m=audio port of an SDP body */
static bool sdp_media(const char *body, size_t len, struct sockaddr_in *sa)
{
	const char *p = body, *end = body + len;
	char ip[64] = "";
	unsigned port = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		char line[256];

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		/* media-level c= comes after m= and wins over the session's */
		if (!strncmp(line, "c=IN IP4 ", 9))
			sscanf(line + 9, "%63[0-9.]", ip);
		else if (!strncmp(line, "m=audio ", 8) && !port)
			port = (unsigned)strtoul(line + 8, NULL, 10);
		p = eol ? eol + 1 : end;
	}
	if (!port || port > 65535 || !ip[0])
		return false;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1;
}

static size_t sdp_make(char *out, size_t outsz, uint32_t id,
		       const struct sockaddr_in *sa)
{
	char ip[INET_ADDRSTRLEN];
	int n;

	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
	n = snprintf(out, outsz,
		     "v=0\r\n"
		     "o=rtpload %u 1 IN IP4 %s\r\n"
		     "s=-\r\n"
		     "c=IN IP4 %s\r\n"
		     "t=0 0\r\n"
		     "m=audio %u RTP/AVP 0\r\n"
		     "a=rtpmap:0 PCMU/8000\r\n"
		     "a=ptime:20\r\n"
		     "a=sendrecv\r\n",
		     id, ip, ip, ntohs(sa->sin_port));
	return n > 0 && (size_t)n < outsz ? (size_t)n : 0;
}

/* ---- call table ----------------------------------------------------- */

static uint32_t fnv(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static void htab_put(struct rl *rl, const char *key, uint32_t idx)
{
	uint32_t h = fnv(key) & (rl->hsize - 1);

	while (rl->htab[h])
		h = (h + 1) & (rl->hsize - 1);
	rl->htab[h] = idx + 1;
}

static struct call *htab_get(struct rl *rl, const char *key)
{
	uint32_t h = fnv(key) & (rl->hsize - 1);

	while (rl->htab[h]) {
		struct call *c = &rl->cv[rl->htab[h] - 1];

		if (!strcmp(c->b_callid, key))
			return c;
		h = (h + 1) & (rl->hsize - 1);
	}
	return NULL;
}

static uint32_t call_idx(const struct rl *rl, const struct call *c)
{
	return (uint32_t)(c - rl->cv);
}

static int call_sock(const struct rl *rl, uint32_t idx)
{
	return (int)(idx % rl->socks);
}

/** Mark a call up once both legs are up and both destinations known */
static void call_check_up(struct rl *rl, struct call *c)
{
	if (c->up || c->a_state != LEG_UP || c->b_state != LEG_UP ||
	    !c->a_dst_ok || !c->b_dst_ok)
		return;
	c->up = true;
	rl->n_up++;
	rl->portmap[SIDE_B][ntohs(c->b_dst.sin_port)] = call_idx(rl, c) + 1;
	rl->portmap[SIDE_A][ntohs(c->a_dst.sin_port)] = call_idx(rl, c) + 1;
}

static void call_fail(struct rl *rl, struct call *c, uint16_t code)
{
	if (c->a_state == LEG_FAILED)
		return;
	c->a_state = LEG_FAILED;
	c->a_code = code;
	rl->n_failed++;
}

/* ---- SIP: A leg (we are the UAC calling the relay) ------------------ */

static void sip_send(struct rl *rl, int side, const char *buf, size_t len,
		     const struct sockaddr_in *dst)
{
	(void)sendto(rl->sip_fd[side], buf, len, 0,
		     (const struct sockaddr *)dst, sizeof(*dst));
}

static void a_request(struct rl *rl, struct call *c, const char *method,
		      const char *branch_sfx, uint32_t cseq, bool with_sdp)
{
	char buf[4096], sdp[1024], ip[INET_ADDRSTRLEN], rip[INET_ADDRSTRLEN];
	char ruri[160], totag[96] = "";
	uint32_t i = call_idx(rl, c);
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
		sdplen = sdp_make(sdp, sizeof(sdp), i,
				  &rl->maddr[SIDE_A][call_sock(rl, i)]);
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
		sip_send(rl, SIDE_A, buf, (size_t)n, &rl->relay);
}

static void a_invite(struct rl *rl, struct call *c, uint64_t now)
{
	if (c->a_state == LEG_IDLE) {
		c->a_state = LEG_CALLING;
		c->a_t0 = now;
	}
	a_request(rl, c, "INVITE", "i", 1, true);
	c->a_next_tx = now + (500 * NS_MS << (c->a_txc < 3 ? c->a_txc : 3));
}

static void a_bye(struct rl *rl, struct call *c, uint64_t now)
{
	c->a_state = LEG_BYE;
	a_request(rl, c, "BYE", "b", 2, false);
	c->a_next_tx = now + (500 * NS_MS << (c->a_txc < 3 ? c->a_txc : 3));
}

/** The call a response on our UAC socket belongs to (our Call-ID) */
static struct call *a_find(struct rl *rl, const struct msg *m)
{
	char cid[128], pfx[32];
	unsigned long idx;
	size_t pl;

	if (!hdr_copy(m, "Call-ID", "i", cid, sizeof(cid)))
		return NULL;
	pl = (size_t)snprintf(pfx, sizeof(pfx), "rl%08x-", rl->salt);
	if (strncmp(cid, pfx, pl))
		return NULL;
	idx = strtoul(cid + pl, NULL, 10);
	return idx < rl->calls ? &rl->cv[idx] : NULL;
}

static void a_response(struct rl *rl, const struct msg *m)
{
	struct call *c = a_find(rl, m);
	char cseq[64], contact[256];
	const char *v;
	size_t n;

	if (!c || !hdr_copy(m, "CSeq", NULL, cseq, sizeof(cseq))) {
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
	v = hdr_get(m, "To", "t", &n);
	if (v && !c->a_totag[0])
		(void)tag_get(v, n, c->a_totag, sizeof(c->a_totag));
	if (m->code >= 300) {
		c->a_code = (uint16_t)m->code;
		a_request(rl, c, "ACK", "i", 1, false);
		if (c->a_state == LEG_CALLING || c->a_state == LEG_EARLY) {
			rl->codes[m->code / 100]++;
			call_fail(rl, c, (uint16_t)m->code);
		}
		return;
	}
	v = hdr_get(m, "Contact", "m", &n);
	if (v && !c->a_target[0] &&
	    uri_get(v, n, contact, sizeof(contact)) &&
	    strlen(contact) < sizeof(c->a_target))
		strcpy(c->a_target, contact);
	a_request(rl, c, "ACK", "a", 1, false);
	if (c->a_state != LEG_CALLING && c->a_state != LEG_EARLY)
		return;   /* a retransmitted 200: ACK again, nothing else */
	rl->codes[2]++;
	c->a_code = (uint16_t)m->code;
	c->setup_ns = now_ns() - c->a_t0;
	if (m->body_len && sdp_media(m->body, m->body_len, &c->a_dst))
		c->a_dst_ok = true;
	c->a_state = LEG_UP;
	c->a_txc = 0;
	call_check_up(rl, c);
}

/* ---- SIP: B leg (we are the trunk answering the relay) -------------- */

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
	while ((v = hdr_next(m, &pos, "Via", "v", &vl)))
		PUT("Via: %.*s\r\n", (int)vl, v);
	v = hdr_get(m, "From", "f", &n);
	if (v)
		PUT("From: %.*s\r\n", (int)n, v);
	v = hdr_get(m, "To", "t", &n);
	if (v) {
		char tag[128];

		if (code > 100 && !tag_get(v, n, tag, sizeof(tag)))
			PUT("To: %.*s;tag=rlb%u\r\n", (int)n, v, idx);
		else
			PUT("To: %.*s\r\n", (int)n, v);
	}
	v = hdr_get(m, "Call-ID", "i", &n);
	if (v)
		PUT("Call-ID: %.*s\r\n", (int)n, v);
	v = hdr_get(m, "CSeq", NULL, &n);
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
static void sip_reply(struct rl *rl, int side, const struct msg *m, int code,
		      const char *reason, uint32_t idx,
		      const struct sockaddr_in *to)
{
	char buf[4096];
	size_t n = b_reply_make(rl, m, code, reason, idx, NULL, buf,
				sizeof(buf));

	if (n)
		sip_send(rl, side, buf, n, to);
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

static void b_invite(struct rl *rl, const struct msg *m,
		     const struct sockaddr_in *from)
{
	char cid[128], sdp[1024], buf[4096];
	struct call *c;
	uint32_t idx;
	size_t n;

	if (!hdr_copy(m, "Call-ID", "i", cid, sizeof(cid)))
		return;
	c = htab_get(rl, cid);
	if (c) {   /* retransmission: repeat what we last said */
		if (c->b_resp)
			sip_send(rl, SIDE_B, c->b_resp, c->b_resp_len, from);
		return;
	}
	if (!b_ruri_idx(rl, m, &idx) || rl->cv[idx].b_callid[0]) {
		rl->sip_unmatched++;
		sip_reply(rl, SIDE_B, m, 404, "Not Found", 0, from);
		return;
	}
	c = &rl->cv[idx];
	if (strlen(cid) >= sizeof(c->b_callid))
		return;
	strcpy(c->b_callid, cid);
	htab_put(rl, cid, idx);
	c->b_from = *from;
	if (m->body_len && sdp_media(m->body, m->body_len, &c->b_dst))
		c->b_dst_ok = true;
	sip_reply(rl, SIDE_B, m, 100, "Trying", idx, from);
	sip_reply(rl, SIDE_B, m, 180, "Ringing", idx, from);
	if (!sdp_make(sdp, sizeof(sdp), idx,
		      &rl->maddr[SIDE_B][call_sock(rl, idx)]))
		return;
	n = b_reply_make(rl, m, 200, "OK", idx, sdp, buf, sizeof(buf));
	c->b_resp = malloc(n);
	if (!n || !c->b_resp)
		return;
	memcpy(c->b_resp, buf, n);
	c->b_resp_len = n;
	sip_send(rl, SIDE_B, buf, n, from);
	c->b_state = LEG_EARLY;
	c->b_next_tx = now_ns() + 500 * NS_MS;
}

/** Requests arriving on either SIP socket */
static void sip_request(struct rl *rl, int side, const struct msg *m,
			const struct sockaddr_in *from)
{
	char cid[128];
	struct call *c = NULL;

	if (side == SIDE_B && !strcmp(m->method, "INVITE")) {
		b_invite(rl, m, from);
		return;
	}
	if (hdr_copy(m, "Call-ID", "i", cid, sizeof(cid)))
		c = side == SIDE_B ? htab_get(rl, cid) : a_find(rl, m);
	if (!strcmp(m->method, "ACK")) {
		if (c && side == SIDE_B && c->b_state == LEG_EARLY) {
			c->b_state = LEG_UP;
			call_check_up(rl, c);
		}
		return;
	}
	if (!strcmp(m->method, "BYE")) {
		if (!c) {
			sip_reply(rl, side, m, 481, "No Such Call", 0, from);
			return;
		}
		if (side == SIDE_B) {
			c->b_state = LEG_DONE;
		}
		else if (c->a_state != LEG_DONE) {
			c->a_remote_bye = true;
			c->a_state = LEG_DONE;
		}
		sip_reply(rl, side, m, 200, "OK", call_idx(rl, c), from);
		return;
	}
	if (!strcmp(m->method, "OPTIONS") || !strcmp(m->method, "CANCEL")) {
		sip_reply(rl, side, m, 200, "OK", 0, from);
		return;
	}
	sip_reply(rl, side, m, 501, "Not Implemented", 0, from);
}

/** Read every datagram waiting on both SIP sockets */
static void sip_drain(struct rl *rl)
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
			if (msg_parse(&m, buf, (size_t)n))
				continue;
			if (m.is_req)
				sip_request(rl, side, &m, &from);
			else if (side == SIDE_A)
				a_response(rl, &m);
		}
	}
}

/** Retransmit what is due: our INVITEs and BYEs, our 200s to the relay */
static void sip_timers(struct rl *rl, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < rl->calls; i++) {
		struct call *c = &rl->cv[i];

		if ((c->a_state == LEG_CALLING || c->a_state == LEG_BYE) &&
		    now >= c->a_next_tx) {
			if (c->a_txc >= 6) {   /* ~ 16 s: timer B / F */
				if (c->a_state == LEG_CALLING) {
					rl->codes[0]++;
					call_fail(rl, c, 408);
				}
				else {
					c->a_state = LEG_FAILED;
				}
				continue;
			}
			c->a_txc++;
			if (c->a_state == LEG_CALLING)
				a_invite(rl, c, now);
			else
				a_bye(rl, c, now);
		}
		if (c->b_state == LEG_EARLY && c->b_resp &&
		    now >= c->b_next_tx && c->b_txc < 6) {
			c->b_txc++;
			sip_send(rl, SIDE_B, c->b_resp, c->b_resp_len,
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
		sip_drain(rl);
}

static void sip_setup(struct rl *rl)
{
	uint64_t start = now_ns(), last_tmr = 0, deadline, now;
	uint32_t next = 0;

	deadline = start + (uint64_t)(rl->calls / rl->cps * 1e9) + 15 * NS_S;
	while (!stop_flag) {
		now = now_ns();
		while (next < rl->calls &&
		       now >= start + (uint64_t)(next / rl->cps * 1e9))
			a_invite(rl, &rl->cv[next++], now);
		if (now - last_tmr > 20 * NS_MS) {
			sip_timers(rl, now);
			last_tmr = now;
		}
		if (next == rl->calls && rl->n_up + rl->n_failed >= rl->calls)
			break;
		if (now > deadline)
			break;
		sip_wait(rl, 2);
	}
}

static void sip_teardown(struct rl *rl)
{
	uint64_t start = now_ns(), last_tmr = 0, deadline, now;
	uint32_t next = 0, i, open;

	deadline = start + (uint64_t)(rl->calls / rl->cps * 1e9) + 15 * NS_S;
	while (now_ns() < deadline) {
		now = now_ns();
		while (next < rl->calls &&
		       now >= start + (uint64_t)(next / rl->cps * 1e9)) {
			struct call *c = &rl->cv[next++];

			if (c->a_state == LEG_UP) {
				c->a_txc = 0;
				a_bye(rl, c, now);
			}
		}
		if (now - last_tmr > 20 * NS_MS) {
			sip_timers(rl, now);
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

/* ---- ng control protocol (rtpengine) -------------------------------- */

/** Skip one bencoded value; NULL if malformed */
static const char *bk_skip(const char *p, const char *end)
{
	if (p >= end)
		return NULL;
	if (*p >= '0' && *p <= '9') {
		unsigned long n = strtoul(p, (char **)&p, 10);

		if (p >= end || *p != ':' || (size_t)(end - p - 1) < n)
			return NULL;
		return p + 1 + n;
	}
	if (*p == 'i') {
		const char *e = memchr(p, 'e', (size_t)(end - p));

		return e ? e + 1 : NULL;
	}
	if (*p == 'l' || *p == 'd') {
		p++;
		while (p && p < end && *p != 'e')
			p = bk_skip(p, end);
		return p && p < end ? p + 1 : NULL;
	}
	return NULL;
}

/** The string value of key in the top-level dict at p */
static bool bk_dict_str(const char *p, const char *end, const char *key,
			const char **val, size_t *vlen)
{
	size_t kl = strlen(key);

	if (p >= end || *p++ != 'd')
		return false;
	while (p && p < end && *p != 'e') {
		unsigned long n = strtoul(p, (char **)&p, 10);
		const char *k, *v;

		if (p >= end || *p != ':' || (size_t)(end - p - 1) < n)
			return false;
		k = p + 1;
		v = k + n;
		if (n == kl && !memcmp(k, key, kl) && v < end &&
		    *v >= '0' && *v <= '9') {
			unsigned long m = strtoul(v, (char **)&v, 10);

			if (v >= end || *v != ':' ||
			    (size_t)(end - v - 1) < m)
				return false;
			*val = v + 1;
			*vlen = m;
			return true;
		}
		p = bk_skip(v, end);
	}
	return false;
}

static int bk_put(char *out, size_t outsz, size_t *len, const char *s)
{
	int w = snprintf(out + *len, outsz - *len, "%zu:%s", strlen(s), s);

	if (w < 0 || (size_t)w >= outsz - *len)
		return ENOSPC;
	*len += (size_t)w;
	return 0;
}

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
	err |= bk_put(req, sizeof(req), &len, "call-id");
	err |= bk_put(req, sizeof(req), &len, cid);
	err |= bk_put(req, sizeof(req), &len, "command");
	err |= bk_put(req, sizeof(req), &len, cmd);
	err |= bk_put(req, sizeof(req), &len, "from-tag");
	err |= bk_put(req, sizeof(req), &len, ft);
	if (sdp) {
		err |= bk_put(req, sizeof(req), &len, "sdp");
		err |= bk_put(req, sizeof(req), &len, sdp);
	}
	if (!strcmp(cmd, "answer")) {
		err |= bk_put(req, sizeof(req), &len, "to-tag");
		err |= bk_put(req, sizeof(req), &len, tt);
	}
	if (err || len + 2 > sizeof(req))
		return ENOSPC;
	req[len++] = 'e';

	for (try = 0; try < 4; try++) {
		uint64_t until = now_ns() + 1000 * NS_MS;

		(void)sendto(rl->ng_fd, req, len, 0,
			     (struct sockaddr *)&rl->relay,
			     sizeof(rl->relay));
		while (now_ns() < until) {
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
			if (!bk_dict_str(rsp + cl + 1, end, "result", &v,
					 &vl) ||
			    vl != 2 || memcmp(v, "ok", 2)) {
				if (bk_dict_str(rsp + cl + 1, end,
						"error-reason", &v, &vl))
					info(rl, "ng %s: %.*s\n", cmd,
					     (int)vl, v);
				return EPROTO;
			}
			if (sa) {
				if (!bk_dict_str(rsp + cl + 1, end, "sdp", &v,
						 &vl) || !sdp_media(v, vl, sa))
					return EPROTO;
			}
			return 0;
		}
	}
	return ETIMEDOUT;
}

static void ng_setup(struct rl *rl)
{
	uint64_t start = now_ns();
	char sdp[1024];
	uint32_t i;

	for (i = 0; i < rl->calls && !stop_flag; i++) {
		struct call *c = &rl->cv[i];
		int k = call_sock(rl, i);

		sleep_until(start + (uint64_t)(i / rl->cps * 1e9));
		c->a_t0 = now_ns();
		/* offer carries A's SDP; the reply is what B sends to */
		sdp_make(sdp, sizeof(sdp), i, &rl->maddr[SIDE_A][k]);
		if (ng_call(rl, "offer", i, sdp, &c->b_dst)) {
			call_fail(rl, c, 500);
			continue;
		}
		sdp_make(sdp, sizeof(sdp), i, &rl->maddr[SIDE_B][k]);
		if (ng_call(rl, "answer", i, sdp, &c->a_dst)) {
			call_fail(rl, c, 500);
			continue;
		}
		c->setup_ns = now_ns() - c->a_t0;
		c->a_dst_ok = c->b_dst_ok = true;
		c->a_state = c->b_state = LEG_UP;
		call_check_up(rl, c);
	}
}

static void ng_teardown(struct rl *rl)
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

static void direct_setup(struct rl *rl)
{
	uint32_t i;

	for (i = 0; i < rl->calls; i++) {
		struct call *c = &rl->cv[i];
		int k = call_sock(rl, i);

		c->a_dst = rl->maddr[SIDE_B][k];
		c->b_dst = rl->maddr[SIDE_A][k];
		c->a_dst_ok = c->b_dst_ok = true;
		c->a_state = c->b_state = LEG_UP;
		call_check_up(rl, c);
	}
}

/* ---- media ---------------------------------------------------------- */

/** Outgoing packets of one socket, waiting for one sendmmsg */
struct batch {
	unsigned n;
	uint32_t who[BATCH];              /* call index                */
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	uint8_t pkt[BATCH][PKT_LEN];
};

static struct batch *batches;        /* [side * socks + k]          */

static void batch_flush(struct rl *rl, int side, uint32_t k, int dir)
{
	struct batch *b = &batches[side * rl->socks + k];
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
static void media_send_slot(struct rl *rl, uint32_t slot, bool measured)
{
	uint64_t t = now_ns();
	uint32_t i, k;
	int dir;

	for (dir = 0; dir < 2; dir++) {
		int side = dir == DIR_A2B ? SIDE_A : SIDE_B;

		for (i = slot; i < rl->calls; i += SLOTS) {
			struct call *c = &rl->cv[i];
			struct batch *b;

			if (!c->up)
				continue;
			k = (uint32_t)call_sock(rl, i);
			b = &batches[side * rl->socks + k];
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
			if (batches[side * rl->socks + k].n)
				batch_flush(rl, side, k, dir);
	}
}

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

static void media_recv(struct rl *rl)
{
	static uint8_t buf[BATCH][2048];
	static struct sockaddr_in from[BATCH];
	static struct mmsghdr mm[BATCH];
	static struct iovec iov[BATCH];
	uint64_t now = now_ns();
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

/** Figures of one measured window */
struct window {
	uint64_t t0, t1;
	uint64_t tgt0, tgt1;
	double self0, self1;
	long rss0, rss1;
};

static void media_run(struct rl *rl, struct window *w)
{
	uint64_t warm = (uint64_t)(rl->warmup_s * 1000);
	uint64_t total = warm + (uint64_t)(rl->duration_s * 1000);
	uint64_t t0 = now_ns() + 5 * NS_MS, tick, now, deadline;

	for (tick = 0; tick < total && !stop_flag; tick++) {
		deadline = t0 + tick * NS_MS;
		sleep_until(deadline);
		now = now_ns();
		if (now > deadline + 2 * NS_MS)
			rl->late_ticks++;
		if (now > deadline && now - deadline > rl->max_late_ns)
			rl->max_late_ns = now - deadline;
		if (tick == warm) {
			w->t0 = now;
			w->tgt0 = proc_ticks(rl->pid);
			w->self0 = self_cpu_s();
			w->rss1 = proc_rss_kib(rl->pid);
		}
		media_send_slot(rl, (uint32_t)(tick % SLOTS), tick >= warm);
		media_recv(rl);
		if (rl->mode == MODE_SIP) {
			sip_drain(rl);
			if (tick % 50 == 0)
				sip_timers(rl, now);
		}
	}
	w->t1 = now_ns();
	w->tgt1 = proc_ticks(rl->pid);
	w->self1 = self_cpu_s();
	/* in flight at the end of the window: let it arrive */
	for (tick = 0; tick < 300; tick++) {
		sleep_until(now_ns() + NS_MS);
		media_recv(rl);
	}
}

/* ---- report --------------------------------------------------------- */

static double hist_pct(const struct rl *rl, double q)
{
	uint64_t n = 0, acc = 0;
	unsigned i;

	for (i = 0; i <= HIST_MAX; i++)
		n += rl->hist[i];
	if (!n)
		return 0;
	for (i = 0; i <= HIST_MAX; i++) {
		acc += rl->hist[i];
		if ((double)acc >= q * (double)n)
			return (i + 1) * 0.1;
	}
	return HIST_MAX * 0.1;
}

static void report(struct rl *rl, const struct window *w, long rss_before)
{
	static const char *mname[] = { "sip", "rtpengine", "direct" };
	uint64_t sent[2] = {0, 0}, recv[2] = {0, 0};
	uint64_t setup_sum = 0, setup_max = 0;
	uint32_t i, ended = 0, remote_bye = 0, nset = 0;
	double win = (double)(w->t1 - w->t0) / 1e9, hz = sysconf(_SC_CLK_TCK);
	double tgt_s = 0;
	double self_s = w->self1 - w->self0, loss[3], fwd, late_pct, pace;
	double rss_call = 0, cpu_pct, us_pkt;

	for (i = 0; i < rl->calls; i++) {
		const struct call *c = &rl->cv[i];
		int d;

		for (d = 0; d < 2; d++) {
			sent[d] += c->sent[d];
			recv[d] += c->recv[d] < c->sent[d] ?
				c->recv[d] : c->sent[d];
		}
		if (c->up && c->a_state == LEG_DONE &&
		    c->b_state == LEG_DONE && !c->a_remote_bye)
			ended++;
		remote_bye += c->a_remote_bye;
		if (c->setup_ns) {
			nset++;
			setup_sum += c->setup_ns;
			if (c->setup_ns > setup_max)
				setup_max = c->setup_ns;
		}
	}
	for (i = 0; i < 2; i++)
		loss[i] = sent[i] ? 100.0 * (double)(sent[i] - recv[i]) /
			(double)sent[i] : 0;
	loss[2] = sent[0] + sent[1] ? 100.0 * (double)(sent[0] + sent[1] -
		recv[0] - recv[1]) / (double)(sent[0] + sent[1]) : 0;
	fwd = (double)(recv[0] + recv[1]);
	late_pct = sent[0] + sent[1] ? 100.0 * (double)rl->late_pkts /
		(double)(sent[0] + sent[1]) : 0;
	/* the window stretches when the generator cannot keep time */
	pace = win > 0 ? 100.0 * rl->duration_s / win : 0;
	/* a relay that died in the window reads 0 ticks: report -1 */
	if (w->tgt1 < w->tgt0) {
		cpu_pct = us_pkt = -1;
	}
	else {
		tgt_s = (double)(w->tgt1 - w->tgt0) / hz;
		cpu_pct = 100 * tgt_s / win;
		us_pkt = fwd ? tgt_s * 1e6 / fwd : 0;
	}
	if (rl->n_up && rss_before > 0 && w->rss1 > 0)
		rss_call = (double)(w->rss1 - rss_before) / rl->n_up;

	if (!rl->quiet) {
		printf("calls %u up %u failed %u (setup avg %.1f ms, "
		       "max %.1f ms)\n", rl->calls, rl->n_up, rl->n_failed,
		       nset ? setup_sum / 1e6 / nset : 0, setup_max / 1e6);
		printf("A->B sent %llu received %llu loss %.4f %%\n",
		       (unsigned long long)sent[0],
		       (unsigned long long)recv[0], loss[0]);
		printf("B->A sent %llu received %llu loss %.4f %%\n",
		       (unsigned long long)sent[1],
		       (unsigned long long)recv[1], loss[1]);
		printf("latency p50 %.1f ms p99 %.1f ms max %.1f ms "
		       "(1 ms tick); later than %.0f ms: %llu (%.4f %%)\n",
		       hist_pct(rl, 0.5), hist_pct(rl, 0.99),
		       rl->lat_max_ns / 1e6, rl->late_ns / 1e6,
		       (unsigned long long)rl->late_pkts, late_pct);
		if (rl->pid)
			printf("relay pid %d: CPU %.1f %%, %.2f us per "
			       "forwarded packet, RSS %ld -> %ld KiB "
			       "(%.1f KiB per call)\n", rl->pid,
			       cpu_pct, us_pkt, rss_before,
			       w->rss1, rss_call);
		printf("generator CPU %.1f %%, pace %.1f %%, late ticks %llu "
		       "(max %.2f ms), send errors %llu\n",
		       100 * self_s / win, pace,
		       (unsigned long long)rl->late_ticks,
		       rl->max_late_ns / 1e6,
		       (unsigned long long)rl->send_err);
		printf("ended cleanly %u, hung up by relay %u, unknown "
		       "packets %llu, misrouted %llu\n", ended, remote_bye,
		       (unsigned long long)rl->unknown_pkts,
		       (unsigned long long)rl->misrouted);
	}
	printf("RESULT mode=%s calls=%u up=%u failed=%u ended=%u "
	       "remote_bye=%u a2b_sent=%llu a2b_recv=%llu b2a_sent=%llu "
	       "b2a_recv=%llu loss_pct=%.4f late_pkts=%llu late_pct=%.4f "
	       "voice_loss_pct=%.4f pace_pct=%.1f window_s=%.3f "
	       "relay_cpu_pct=%.2f relay_us_per_pkt=%.3f rss_before_kib=%ld "
	       "rss_after_kib=%ld rss_kib_per_call=%.2f gen_cpu_pct=%.2f "
	       "late_ticks=%llu "
	       "max_late_ms=%.2f send_err=%llu unknown=%llu misrouted=%llu "
	       "lat_p50_ms=%.1f lat_p99_ms=%.1f lat_max_ms=%.2f "
	       "setup_avg_ms=%.2f setup_max_ms=%.2f\n",
	       mname[rl->mode], rl->calls, rl->n_up, rl->n_failed, ended,
	       remote_bye, (unsigned long long)sent[0],
	       (unsigned long long)recv[0], (unsigned long long)sent[1],
	       (unsigned long long)recv[1], loss[2],
	       (unsigned long long)rl->late_pkts, late_pct,
	       loss[2] + late_pct, pace, win,
	       cpu_pct, us_pkt, rss_before,
	       w->rss1, rss_call, 100 * self_s / win,
	       (unsigned long long)rl->late_ticks, rl->max_late_ns / 1e6,
	       (unsigned long long)rl->send_err,
	       (unsigned long long)rl->unknown_pkts,
	       (unsigned long long)rl->misrouted, hist_pct(rl, 0.5),
	       hist_pct(rl, 0.99), rl->lat_max_ns / 1e6,
	       nset ? setup_sum / 1e6 / nset : 0, setup_max / 1e6);
	fflush(stdout);
}

/* ---- main ----------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
"usage: rtpload (--sip HOST:PORT | --rtpengine HOST:PORT | --direct)\n"
"               [options]\n"
"  --sip HOST:PORT        call the relay over SIP (callbridge)\n"
"  --trunk-port PORT      our trunk UAS port the relay calls (7090)\n"
"  --uac-port PORT        our UAC port (0: any)\n"
"  --rtpengine HOST:PORT  drive rtpengine over ng (offer/answer/delete)\n"
"  --direct               no relay: the generator's own ceiling\n"
"  --calls N              concurrent calls (100)\n"
"  --cps R                call setups (and teardowns) per second (200)\n"
"  --warmup S             seconds of media before measuring (1)\n"
"  --duration S           seconds measured (5)\n"
"  --socks K              media sockets per side (4)\n"
"  --late-ms MS           a packet later than this counts as late (100)\n"
"  --pid PID              relay process to measure in /proc\n"
"  --prefix +CC           number prefix; call i dials PREFIX + 7 digits\n"
"                         of i (+1555)\n"
"  --media-ip IP          address of our media sockets (127.0.0.1)\n"
"  --quiet                only the RESULT line\n");
}

static int sockets_open(struct rl *rl, const char *mip, uint16_t trunk_port,
			uint16_t uac_port)
{
	uint32_t k;
	int side;

	for (side = 0; side < 2; side++) {
		for (k = 0; k < rl->socks; k++) {
			rl->mfd[side][k] = udp_open(&rl->maddr[side][k], mip,
						    0);
			if (rl->mfd[side][k] < 0)
				return errno;
		}
	}
	rl->sip_fd[0] = rl->sip_fd[1] = rl->ng_fd = -1;
	if (rl->mode == MODE_SIP) {
		rl->sip_fd[SIDE_A] = udp_open(&rl->sip_addr[SIDE_A], mip,
					      uac_port);
		rl->sip_fd[SIDE_B] = udp_open(&rl->sip_addr[SIDE_B], mip,
					      trunk_port);
		if (rl->sip_fd[SIDE_A] < 0 || rl->sip_fd[SIDE_B] < 0)
			return errno;
	}
	if (rl->mode == MODE_NG) {
		struct sockaddr_in sa;

		rl->ng_fd = udp_open(&sa, mip, 0);
		if (rl->ng_fd < 0)
			return errno;
	}
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"sip", 1, NULL, 's'}, {"trunk-port", 1, NULL, 't'},
		{"uac-port", 1, NULL, 'u'}, {"rtpengine", 1, NULL, 'r'},
		{"direct", 0, NULL, 'D'}, {"calls", 1, NULL, 'n'},
		{"cps", 1, NULL, 'c'}, {"warmup", 1, NULL, 'w'},
		{"duration", 1, NULL, 'd'}, {"socks", 1, NULL, 'k'},
		{"pid", 1, NULL, 'p'}, {"prefix", 1, NULL, 'P'},
		{"media-ip", 1, NULL, 'm'}, {"quiet", 0, NULL, 'q'},
		{"late-ms", 1, NULL, 'L'}, {"help", 0, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	static struct rl rl0;
	struct rl *rl = &rl0;
	struct window w;
	const char *relay = NULL, *mip = "127.0.0.1";
	uint16_t trunk_port = 7090, uac_port = 0;
	long rss_before;
	int o, mode = -1, err;
	uint32_t k, j;

	memset(&w, 0, sizeof(w));
	rl->calls = 100;
	rl->cps = 200;
	rl->warmup_s = 1;
	rl->duration_s = 5;
	rl->socks = 4;
	rl->late_ns = 100 * NS_MS;
	strcpy(rl->prefix, "+1555");
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': mode = MODE_SIP; relay = optarg; break;
		case 'r': mode = MODE_NG; relay = optarg; break;
		case 'D': mode = MODE_DIRECT; break;
		case 't': trunk_port = (uint16_t)atoi(optarg); break;
		case 'u': uac_port = (uint16_t)atoi(optarg); break;
		case 'n': rl->calls = (uint32_t)atoi(optarg); break;
		case 'c': rl->cps = atof(optarg); break;
		case 'w': rl->warmup_s = atof(optarg); break;
		case 'd': rl->duration_s = atof(optarg); break;
		case 'k': rl->socks = (uint32_t)atoi(optarg); break;
		case 'p': rl->pid = atoi(optarg); break;
		case 'P': snprintf(rl->prefix, sizeof(rl->prefix), "%s",
				   optarg); break;
		case 'm': mip = optarg; break;
		case 'q': rl->quiet = true; break;
		case 'L': rl->late_ns = (uint64_t)(atof(optarg) * 1e6);
			  break;
		default: usage(); return 2;
		}
	}
	if (mode < 0 || rl->calls < 1 || rl->calls > 9999999 ||
	    rl->cps <= 0 || rl->socks < 1 || rl->socks > MAX_SOCKS ||
	    rl->duration_s <= 0 || rl->warmup_s < 0 ||
	    (relay && addr_parse(&rl->relay, relay))) {
		usage();
		return 2;
	}
	rl->mode = (enum mode)mode;
	rl->salt = ((uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL))
		   & 0xfff00000u;   /* low 20 bits: (index << 1) | dir */
	if (rl->calls >= (1u << 19)) {
		fprintf(stderr, "rtpload: at most %u calls\n", 1u << 19);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	rl->cv = calloc(rl->calls, sizeof(*rl->cv));
	for (rl->hsize = 1024; rl->hsize < rl->calls * 4; rl->hsize <<= 1)
		;
	rl->htab = calloc(rl->hsize, sizeof(*rl->htab));
	rl->portmap[0] = calloc(65536, sizeof(uint32_t));
	rl->portmap[1] = calloc(65536, sizeof(uint32_t));
	batches = calloc(2 * rl->socks, sizeof(*batches));
	if (!rl->cv || !rl->htab || !rl->portmap[0] || !rl->portmap[1] ||
	    !batches) {
		fprintf(stderr, "rtpload: out of memory\n");
		return 1;
	}
	for (k = 0; k < 2 * rl->socks; k++) {
		for (j = 0; j < BATCH; j++) {
			struct batch *b = &batches[k];

			b->iov[j].iov_base = b->pkt[j];
			b->iov[j].iov_len = PKT_LEN;
			memset(b->pkt[j] + RTP_HDR, 0xff, PKT_LEN - RTP_HDR);
			b->mm[j].msg_hdr.msg_iov = &b->iov[j];
			b->mm[j].msg_hdr.msg_iovlen = 1;
			b->mm[j].msg_hdr.msg_namelen =
				sizeof(struct sockaddr_in);
		}
	}
	err = sockets_open(rl, mip, trunk_port, uac_port);
	if (err) {
		fprintf(stderr, "rtpload: sockets: %s\n", strerror(err));
		return 1;
	}

	rss_before = proc_rss_kib(rl->pid);
	info(rl, "rtpload: setting up %u calls at %.0f/s\n", rl->calls,
	     rl->cps);
	if (rl->mode == MODE_SIP)
		sip_setup(rl);
	else if (rl->mode == MODE_NG)
		ng_setup(rl);
	else
		direct_setup(rl);
	info(rl, "rtpload: %u up, %u failed; streaming %.0f+%.0f s\n",
	     rl->n_up, rl->n_failed, rl->warmup_s, rl->duration_s);
	stop_flag = 0;   /* a signal during setup still gets us a teardown */
	media_run(rl, &w);
	stop_flag = 0;
	info(rl, "rtpload: tearing down\n");
	if (rl->mode == MODE_SIP)
		sip_teardown(rl);
	else if (rl->mode == MODE_NG)
		ng_teardown(rl);
	else
		for (j = 0; j < rl->calls; j++)
			rl->cv[j].a_state = rl->cv[j].b_state = LEG_DONE;
	report(rl, &w, rss_before);

	for (j = 0; j < rl->calls; j++)
		free(rl->cv[j].b_resp);
	for (k = 0; k < rl->socks; k++) {
		close(rl->mfd[0][k]);
		close(rl->mfd[1][k]);
	}
	if (rl->sip_fd[0] >= 0)
		close(rl->sip_fd[0]);
	if (rl->sip_fd[1] >= 0)
		close(rl->sip_fd[1]);
	if (rl->ng_fd >= 0)
		close(rl->ng_fd);
	free(batches);
	free(rl->portmap[0]);
	free(rl->portmap[1]);
	free(rl->htab);
	free(rl->cv);
	return 0;
}
