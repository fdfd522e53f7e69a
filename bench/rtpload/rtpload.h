/**
 * @file bench/rtpload/rtpload.h  Load generator internals (private)
 *
 * One `struct rl` holds the whole run: options, sockets, the call table
 * and the counters.  It is created in main.c and handed to every
 * operation; nothing else is shared between files but the stop flag
 * behind rl_stopped() (clock.c), which only the signal handler sets.
 * The program is single-threaded, so no field needs a lock.
 *
 * Call i is known everywhere by its index: it dials PREFIX + 7 digits
 * of i, its Call-ID toward the relay is "rl<salt>-<i>", and the SSRC of
 * its stream in direction d is salt ^ (i << 1 | d).
 */
#ifndef RTPLOAD_H
#define RTPLOAD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

struct batch;

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
	struct batch *batches;       /* [side * socks + k], see rtp.c     */

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

/** Figures of one measured window */
struct window {
	uint64_t t0, t1;
	uint64_t tgt0, tgt1;
	double self0, self1;
	long rss0, rss1;
};

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

/* main.c */
void rl_info(const struct rl *rl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* clock.c */
uint64_t rl_now(void);
void rl_sleep_until(uint64_t t);
void rl_signals_init(void);
bool rl_stopped(void);
void rl_stop_clear(void);

/* sock.c */
int rl_addr_parse(struct sockaddr_in *sa, const char *s);
void rl_sockets_init(struct rl *rl);
int rl_sockets_open(struct rl *rl, const char *mip, uint16_t trunk_port,
		    uint16_t uac_port);
void rl_sockets_close(struct rl *rl);

/* proc.c */
uint64_t rl_proc_ticks(int pid);
long rl_proc_rss_kib(int pid);
double rl_self_cpu_s(void);

/* call.c */
int rl_calls_alloc(struct rl *rl);
void rl_calls_free(struct rl *rl);
void rl_htab_put(struct rl *rl, const char *key, uint32_t idx);
struct call *rl_htab_get(struct rl *rl, const char *key);
uint32_t rl_call_idx(const struct rl *rl, const struct call *c);
int rl_call_sock(const struct rl *rl, uint32_t idx);
void rl_call_check_up(struct rl *rl, struct call *c);
void rl_call_fail(struct rl *rl, struct call *c, uint16_t code);
void rl_direct_setup(struct rl *rl);
void rl_direct_teardown(struct rl *rl);

/* sipmsg.c */
int rl_msg_parse(struct msg *m, const char *buf, size_t len);
const char *rl_hdr_next(const struct msg *m, const char **pos,
			const char *name, const char *compact, size_t *vlen);
const char *rl_hdr_get(const struct msg *m, const char *name,
		       const char *compact, size_t *vlen);
bool rl_hdr_copy(const struct msg *m, const char *name,
		 const char *compact, char *out, size_t outsz);
bool rl_tag_get(const char *v, size_t n, char *out, size_t outsz);
bool rl_uri_get(const char *v, size_t n, char *out, size_t outsz);

/* sdp.c */
bool rl_sdp_media(const char *body, size_t len, struct sockaddr_in *sa);
size_t rl_sdp_make(char *out, size_t outsz, uint32_t id,
		   const struct sockaddr_in *sa);

/* uac.c */
void rl_uac_invite(struct rl *rl, struct call *c, uint64_t now);
void rl_uac_bye(struct rl *rl, struct call *c, uint64_t now);
struct call *rl_uac_find(struct rl *rl, const struct msg *m);
void rl_uac_response(struct rl *rl, const struct msg *m);

/* uas.c */
void rl_sip_reply(struct rl *rl, int side, const struct msg *m, int code,
		  const char *reason, uint32_t idx,
		  const struct sockaddr_in *to);
void rl_uas_invite(struct rl *rl, const struct msg *m,
		   const struct sockaddr_in *from);

/* sip.c */
void rl_sip_send(struct rl *rl, int side, const char *buf, size_t len,
		 const struct sockaddr_in *dst);
void rl_sip_drain(struct rl *rl);
void rl_sip_timers(struct rl *rl, uint64_t now);
void rl_sip_setup(struct rl *rl);
void rl_sip_teardown(struct rl *rl);

/* bencode.c */
bool rl_bk_dict_str(const char *p, const char *end, const char *key,
		    const char **val, size_t *vlen);
int rl_bk_put(char *out, size_t outsz, size_t *len, const char *s);

/* ng.c */
void rl_ng_setup(struct rl *rl);
void rl_ng_teardown(struct rl *rl);

/* rtp.c */
int rl_rtp_alloc(struct rl *rl);
void rl_rtp_free(struct rl *rl);
void rl_rtp_send_slot(struct rl *rl, uint32_t slot, bool measured);

/* recv.c */
void rl_rtp_recv(struct rl *rl);

/* stream.c */
void rl_stream_run(struct rl *rl, struct window *w);

/* report.c */
void rl_report(struct rl *rl, const struct window *w, long rss_before);

#endif
