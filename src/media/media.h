/**
 * @file media/media.h  Media engine internals (private to src/media/)
 *
 * Two sides share these structures.  The main side (the re_main thread)
 * owns the public handles (`struct media_ep`, `struct media_mixer`) and
 * the port pool; it never touches packet state.  Each worker thread owns
 * an epoll set, a 20 ms timerfd clock, a command queue and the endpoint
 * states (`struct mep`) attached to it; it is the only writer of all
 * per-packet state.  The two talk only through:
 *
 *   main -> worker  `media_cmd_push()`: a mutex-protected ring + an eventfd;
 *   worker -> main  `media_ev_post()`: a mutex-protected ring + one
 *                   libre mqueue message to wake the re_main loop;
 *   stats           relaxed atomics, single writer (the owning worker).
 *
 * Every field that more than one thread can see carries `RO` (written
 * before the other thread can see the object, never after) or `LOCK:`
 * (how it is protected).  Everything else belongs to the thread named in
 * the struct's comment.
 *
 * An endpoint belongs to exactly one worker at a time (`mep.owner`).  A
 * bridge or a mixer needs its endpoints on the same worker, so the main
 * side moves an endpoint with DETACH (old worker) + ATTACH (new worker);
 * a worker that meets a command for an endpoint it does not own yet
 * leaves it at the head of its queue and retries on the next tick.
 */
#include <stdatomic.h>
#include <pthread.h>
#include <string.h>
#include <netinet/in.h>

enum {
	MEDIA_SRATE      = 8000,
	MEDIA_PTIME      = 20,                 /**< ms per tick and frame */
	MEDIA_FRAME      = 160,                /**< samples per frame     */
	MEDIA_RTP_HDR    = 12,
	MEDIA_PKT_MAX    = 1500,               /**< larger is dropped     */
	MEDIA_RX_BATCH   = 16,                 /**< recvmmsg vector       */
	MEDIA_CTX_MAX    = 80,
	MEDIA_RTCP_MS    = 5000,
	MEDIA_DTMF_QLEN  = 24,               /**< digits queued to send  */
	MEDIA_EVQ_LEN    = 8192,
	MEDIA_TICKS_MAX  = 4,                  /**< catch-up after a stall */
};

/** Direction bits of enum media_dir */
#define MEDIA_DIR_RECV 1u
#define MEDIA_DIR_SEND 2u

/** A socket address wide enough for IPv6 whatever HAVE_INET6 says */
struct maddr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u;
	socklen_t len;
};

struct media_wk;
struct mplay;
struct mmix;
struct mmember;

/* ---- per-endpoint state (worker side) -------------------------------- */

/** Outgoing RTP stream: one SSRC/seq/timestamp space whatever the source */
struct mtx {
	uint32_t ssrc;
	uint16_t seq;          /**< last sequence number sent             */
	uint32_t ts;           /**< last timestamp sent                   */
	uint64_t last_ms;      /**< media clock at the last send, 0 never */
	uint8_t mode;          /**< enum media_tx_mode: last feeder       */
	uint32_t src_ssrc;     /**< relayed input stream (MTX_RELAY)      */
	uint16_t seq_off;      /**< out = in + off, for the relayed stream */
	uint32_t ts_off;
	uint32_t pkts, octets; /**< for RTCP SR                           */
	bool sent_rtcp_iv;     /**< sent RTP since the last RTCP report   */
};

enum media_tx_mode {
	MTX_NONE = 0,
	MTX_GEN,               /**< generated here (prompt, tone, mixer)  */
	MTX_RELAY,             /**< forwarded from an input stream        */
};

/** Incoming RTP stream statistics (RFC 3550 A.1, simplified) */
struct mrx {
	bool init;
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles;
	uint32_t base_seq;
	uint32_t received;
	uint64_t lost_prev;    /**< lost in earlier streams/restarts      */
	uint32_t exp_prior, rcv_prior;   /**< for RTCP fraction lost       */
	uint32_t transit;
	uint32_t jitter;       /**< RFC 3550 jitter, ts units << 4        */
	uint32_t lsr;          /**< middle NTP bits of the last SR        */
	uint64_t lsr_ms;       /**< when it arrived                       */
};

/** RFC 4733 receive state: one event at a time */
struct media_dtmf_rx {
	bool active;           /**< an event with this ts is open         */
	bool ended;            /**< ... and was reported                  */
	uint32_t ts;
	uint8_t code;
	uint16_t dur;
};

/** RFC 4733 send state and a small queue of digits to send */
struct media_dtmf_tx {
	bool active;
	uint8_t code;
	uint32_t ts;           /**< event timestamp                       */
	uint32_t dur;          /**< duration sent so far, samples         */
	uint32_t total;        /**< wanted duration, samples              */
	uint8_t ends;          /**< end packets sent (3 in all)           */
	uint8_t gap;           /**< ticks to wait before the next digit   */
	struct {
		char digit;
		uint16_t dur_ms;
	} q[MEDIA_DTMF_QLEN];
	uint8_t qh, qn;
};

/** A generated tone: up to two sines with an on/off cadence */
struct mtone {
	uint32_t ph1, ph2, inc1, inc2;   /**< 32-bit phase accumulators    */
	int16_t amp;
	uint32_t on_ms, off_ms, pos_ms;
	bool loop;
};

/** What the endpoint sends when nothing overrides it */
enum mbase {
	MBASE_NONE = 0,
	MBASE_BRIDGE,          /**< what `peer` receives                  */
	MBASE_ECHO,            /**< what it receives itself               */
	MBASE_MIXER,           /**< the mix of the other members          */
};

/** What temporarily overrides the base (then the base resumes) */
enum mover {
	MOVER_NONE = 0,
	MOVER_PLAY,
	MOVER_TONE,
};

/** Counters: LOCK: relaxed atomics, written only by the owning worker */
struct mstats {
	_Atomic uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	_Atomic uint64_t rx_lost, rx_strays, rx_junk, tx_errors;
	_Atomic uint64_t rtcp_rx, rtcp_tx;
	_Atomic uint32_t rx_dtmf, jitter_us, rtt_ms;
	_Atomic int32_t peer_lost;
	_Atomic bool latched;
};

/**
 * Engine-wide counters of one worker, summed by media_totals_get(): they
 * count where the packet was handled, so they outlive every endpoint.
 * LOCK: relaxed atomics, written only by the worker that owns them.
 */
struct mtotals {
	_Atomic uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	_Atomic uint64_t rx_lost, rx_dropped;
};

/** Negotiated parameters in the worker's form */
struct mprm {
	bool set;
	struct maddr raddr;        /**< zero len: no SDP destination      */
	struct maddr raddr_rtcp;
	uint8_t codec;             /**< RTP payload type 0 or 8           */
	int16_t dtmf_pt;           /**< -1 none                           */
	uint8_t dir;               /**< MEDIA_DIR_* bits                  */
};

/** One endpoint.  Allocated by the main side, freed by its worker. */
struct mep {
	/* RO after media_ep_alloc() */
	int fd_rtp, fd_rtcp;
	uint32_t slot, gen;
	struct maddr laddr;        /**< our RTP address                   */
	char ctx[MEDIA_CTX_MAX];

	/* LOCK: atomic; the worker that owns this state, NULL in transit */
	_Atomic(struct media_wk *) owner;
	/* LOCK: atomic, stored before owner is cleared: the last hop
	 * (ATTACH number) released; ATTACH hop n waits for n - 1 */
	_Atomic uint32_t released;
	struct mstats st;          /* LOCK: see struct mstats */

	/* owning worker only, from here on */
	struct le le;              /**< in wk->eps, handoff or grave      */
	bool attached;             /**< in wk->eps and its epoll set      */
	uint32_t hop;              /**< number of the ATTACH that got it  */
	bool paused;               /**< sockets muted in epoll: commands
				        for it wait behind a move        */
	struct mprm prm;
	struct maddr latch, latch_rtcp;
	bool latched, latched_rtcp;
	bool started;              /**< RTP_START was reported            */
	bool timed_out;            /**< RTP_TIMEOUT was reported          */
	uint64_t last_rx_ms;
	uint64_t rtcp_next_ms;
	struct mrx rx;
	uint64_t lost_peak;        /**< highest st.rx_lost added to totals */
	struct mtx tx;
	struct media_dtmf_rx drx;
	struct media_dtmf_tx dtx;
	enum mbase base;
	struct mep *peer;          /**< MBASE_BRIDGE, borrowed            */
	struct mmember *mb;        /**< MBASE_MIXER, owned by the mixer   */
	enum mover over;
	struct mplay *play;        /**< MOVER_PLAY, owned                 */
	struct mtone tone;         /**< MOVER_TONE                        */
	bool mute, deaf;
};

/* ---- mixer (worker side) --------------------------------------------- */

/** One member's view of one mixing tick (pure arithmetic, see mix.c) */
struct mix_io {
	const int16_t *in;     /**< frame heard from it, NULL if none      */
	bool mute;             /**< its audio is not added                 */
	bool deaf;             /**< it hears silence                       */
	int16_t *out;          /**< what it hears                          */
};

/** Voice activity of a member (see vad.c); the owning worker only */
enum {
	MEDIA_VAD_LEVEL     = 300,  /**< mean |sample| of a loud frame   */
	MEDIA_VAD_ON_FRAMES = 2,    /**< loud frames in a row: talking   */
	MEDIA_VAD_OFF_MS    = 300,  /**< quiet this long: not talking    */
	MEDIA_VAD_GAP_MS    = 60,   /**< loud frames further apart are
					 not "in a row"                  */
};

struct mvad {
	uint64_t loud_ms;      /**< media clock of the last loud frame     */
	uint8_t run;           /**< loud frames in a row, up to ON_FRAMES  */
	bool talking;
};

/** A member's frame queue (see mix.c): depth, and ticks per shed check */
enum { MEDIA_MIX_DEPTH = 4, MEDIA_MIX_SHED_TICKS = 50 };

struct mmember {
	struct le le;          /**< in mmix.members                        */
	struct mep *ep;        /**< borrowed                               */
	struct mmix *mx;       /**< borrowed                               */
	uint8_t qhead, qlen;   /**< waiting frames: q[qhead], ...          */
	uint8_t qmin;          /**< fewest left after a tick this period   */
	uint8_t qticks;        /**< ticks in this period                   */
	int16_t q[MEDIA_MIX_DEPTH][MEDIA_FRAME];
	int16_t out[MEDIA_FRAME];
	struct mvad vad;       /**< is it talking (vad.c)                  */
};

/**
 * What one mixer did, for bench/conf: frames and the time of each tick
 * (two clock reads per mixer per tick).  The histogram is log-linear:
 * 8 buckets per power of two of nanoseconds (media_mix_bucket()).
 * LOCK: relaxed atomics, written only by the owning worker.
 */
enum { MEDIA_MIX_HIST = 256 };
struct mmix_stats {
	_Atomic uint64_t ticks;       /**< ticks with at least one member */
	_Atomic uint64_t mixed;       /**< ticks that mixed (>= 3 members) */
	_Atomic uint64_t frames;      /**< member frames mixed            */
	_Atomic uint64_t missing;     /**< member-ticks without a frame   */
	_Atomic uint64_t overwritten; /**< frames dropped before a tick   */
	_Atomic uint64_t tick_ns;     /**< sum of tick times              */
	_Atomic uint32_t hist[MEDIA_MIX_HIST];
};

struct mmix {
	char ctx[MEDIA_CTX_MAX];   /* RO */
	struct mmix_stats st;      /* LOCK: see struct mmix_stats */
	/* owning worker only */
	struct le le;              /**< in wk->mixers                      */
	struct list members;
	uint32_t n;
	struct mix_io *io;         /**< scratch, n entries                 */
	size_t iocap;
};

/* ---- commands (main -> worker) --------------------------------------- */

enum media_cmd_type {
	MCMD_ATTACH = 0,       /**< take ownership (also: open)            */
	MCMD_DETACH,           /**< give it up (moving to another worker)  */
	MCMD_CLOSE,            /**< close sockets, free the state          */
	MCMD_PARAMS,
	MCMD_BRIDGE,
	MCMD_UNBRIDGE,
	MCMD_PLAY,
	MCMD_TONE,
	MCMD_ECHO,
	MCMD_STOP,
	MCMD_DTMF,
	MCMD_MUTE,
	MCMD_DEAF,
	MCMD_MIX_OPEN,
	MCMD_MIX_CLOSE,
	MCMD_MIX_ADD,
	MCMD_MIX_REMOVE,
	MCMD_QUIT,
};

struct mcmd {
	enum media_cmd_type type;
	uint32_t hop;          /**< MCMD_ATTACH: 1 at alloc, +1 per move  */
	struct mep *ep, *ep2;
	struct mmix *mx;
	union {
		struct mprm prm;
		struct mplay *play;
		struct mmember *mb;
		struct {
			enum media_tone tone;
			bool loop;
		} tone;
		struct {
			char digit;
			uint32_t dur_ms;
		} dtmf;
		bool on;
	} u;
};

/* ---- worker ---------------------------------------------------------- */

struct media_wk {
	/* RO after media_wk_start() */
	unsigned id;
	int epfd, evfd, tfd;
	pthread_t thread;
	bool running;

	/* LOCK: qlock */
	pthread_mutex_t qlock;
	struct mcmd *q;
	size_t qcap, qhead, qlen;

	_Atomic uint32_t nep;      /* LOCK: atomic; endpoints attached    */
	uint32_t load;             /* main thread only: endpoints sent here */

	/* 64 bytes apart: the main thread's writes of `load` stay off the
	 * cache line the worker writes per packet */
	uint8_t pad_tot[64];
	struct mtotals tot;        /* LOCK: see struct mtotals            */

	/* worker thread only */
	struct list eps;           /**< struct mep                         */
	struct list mixers;        /**< struct mmix                        */
	struct list handoff;       /**< detached this round, released after */
	struct list grave;         /**< closed this round, freed after it  */
	uint64_t now;              /**< media clock, ms                    */
	uint64_t now_ns;
	bool quit;
	bool deferred;             /**< queue head waits for an owner      */
	uint32_t npaused;          /**< endpoints with paused sockets      */
	uint32_t rnd;
	struct mmsghdr rxmsg[MEDIA_RX_BATCH];
	struct iovec rxiov[MEDIA_RX_BATCH];
	struct maddr rxsrc[MEDIA_RX_BATCH];
	uint8_t rxbuf[MEDIA_RX_BATCH][MEDIA_PKT_MAX];
	uint8_t txbuf[MEDIA_RTP_HDR + 2 * MEDIA_FRAME];
	int16_t pcm[2 * MEDIA_FRAME];
};

/* ---- public handles (main thread only) ------------------------------ */

struct media_ep {
	struct mep *m;             /**< NULL once media_close() ran       */
	struct media_wk *wk;       /**< where its commands go             */
	media_ev_h *evh;
	void *arg;
	uint32_t slot, gen;
	uint32_t hops;             /**< ATTACH commands issued            */
	struct sa laddr;
	struct mprm prm;           /**< last parameters sent              */
	struct media_ep *peer;     /**< bridge peer, borrowed             */
	struct media_mixer *mx;    /**< mixer it is in, borrowed          */
	struct le mxle;            /**< in mx->eps                        */
};

struct media_mixer {
	struct mmix *m;            /**< NULL once media_close() ran       */
	struct media_wk *wk;
	struct list eps;           /**< struct media_ep, borrowed         */
	struct le le;              /**< in the engine's mixer list        */
};

/* ---- parsed RTP header ----------------------------------------------- */

struct mrtp {
	bool marker;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts, ssrc;
	size_t hlen;           /**< header incl. CSRC + extension          */
	size_t plen;           /**< payload without padding                */
	size_t len;            /**< whole datagram                         */
};

/* engine.c (main side unless noted) */
const struct media_config *media_cfg(void);
struct media_wk *media_wk_pick(void);
struct media_wk *media_wk_get(unsigned i);
unsigned media_wk_count(void);
uint32_t media_gen_next(void);
void media_tab_set(uint32_t slot, struct media_ep *ep);
void media_mixer_register(struct media_mixer *mx);
bool media_running(void);
int  media_ep_move(struct media_ep *ep, struct media_wk *wk);
void media_ep_base_drop(struct media_ep *ep);
void media_ev_post(const struct mep *m, enum media_ev_type type,
		   char digit, uint32_t dur_ms);       /* any thread */
void media_ev_talking(const struct mep *m, bool on); /* any thread */
uint64_t media_clock_ms(void);                         /* any thread */
uint64_t media_clock_ns(void);                         /* any thread */

/* worker.c */
int  media_wk_start(struct media_wk **wkp, unsigned id);
void media_wk_stop(struct media_wk *wk);
int  media_wk_watch(struct media_wk *wk, struct mep *m);
void media_wk_unwatch(struct media_wk *wk, struct mep *m);
void media_wk_reap(struct media_wk *wk);
void media_wk_pause(struct media_wk *wk, struct mep *m, bool pause);
void media_wk_resume_all(struct media_wk *wk);
uint32_t media_wk_rand(struct media_wk *wk);

/* cmd.c */
int  media_cmd_push(struct media_wk *wk, const struct mcmd *c);
void media_cmd_run(struct media_wk *wk);
void media_cmd_discard(struct mcmd *c);

/* port.c (main side) */
int  media_ports_init(const struct media_config *cfg);
void media_ports_close(void);
int  media_port_alloc(uint32_t *slotp, int *fd_rtp, int *fd_rtcp,
		      struct sa *laddr);
void media_port_release(uint32_t slot);
uint32_t media_port_slots(void);
int  media_ports_debug(struct re_printf *pf, void *unused);

/* mep.c (worker side) */
void media_mep_attach(struct media_wk *wk, struct mep *m, uint32_t hop);
void media_mep_detach(struct media_wk *wk, struct mep *m);
void media_mep_close(struct media_wk *wk, struct mep *m);
void media_mep_params(struct media_wk *wk, struct mep *m,
		      const struct mprm *p);
void media_mep_base_clear(struct mep *m);
void media_mep_over_set(struct mep *m, enum mover over, struct mplay *play);
void media_mep_tick(struct media_wk *wk, struct mep *m);
bool media_mep_can_send(const struct mep *m);
bool media_mep_base_may_send(const struct mep *m);
const struct maddr *media_mep_dst(const struct mep *m);

/* rtp.c (worker side) */
int  media_rtp_parse(struct mrtp *h, const uint8_t *p, size_t len);
void media_rtp_recv(struct media_wk *wk, struct mep *m);
void media_rtp_rx_seq(struct mep *m, const struct mrtp *h, uint64_t now_ns);

/* tx.c (worker side) */
void media_tx_init(struct mtx *tx, uint32_t rnd1, uint32_t rnd2);
void media_tx_stamp_gen(struct mtx *tx, uint64_t now, uint32_t samples,
		   uint16_t *seq, uint32_t *ts, bool *marker);
void media_tx_stamp_relay(struct mtx *tx, uint64_t now, const struct mrtp *h,
		     uint16_t *seq, uint32_t *ts, bool *marker);
int  media_tx_send(struct media_wk *wk, struct mep *m, const uint8_t *buf,
		   size_t len);
void media_tx_send_pcm(struct media_wk *wk, struct mep *m, const int16_t *pcm);
void media_tx_relay(struct media_wk *wk, struct mep *out,
		    const struct mep *in, uint8_t *pkt, const struct mrtp *h,
		    bool dtmf);
void media_rtp_hdr(uint8_t *p, bool marker, uint8_t pt, uint16_t seq,
		   uint32_t ts, uint32_t ssrc);

/* g711.c */
void media_g711_init(void);
void media_g711_transcode(uint8_t *p, size_t n, uint8_t from_pt);
void media_g711_encode(uint8_t *dst, const int16_t *src, size_t n,
		       uint8_t pt);
void media_g711_decode(int16_t *dst, const uint8_t *src, size_t n,
		       uint8_t pt);
uint8_t media_g711_silence(uint8_t pt);

/* dtmf.c (worker side, plus the pure codec helpers) */
int  media_dtmf_code(char digit);
char media_dtmf_digit(int code);
int  media_dtmf_encode(uint8_t *p, size_t size, uint8_t code, bool end,
		       uint8_t volume, uint16_t dur);
int  media_dtmf_decode(const uint8_t *p, size_t len, uint8_t *code,
		       bool *end, uint16_t *dur);
void media_dtmf_recv(struct mep *m, const struct mrtp *h, const uint8_t *pl);
void media_dtmf_queue(struct mep *m, char digit, uint32_t dur_ms);
bool media_dtmf_tick(struct media_wk *wk, struct mep *m);

/* play.c */
void media_play_init(void);
int  media_play_open(struct mplay **pp, const char *path, bool loop);
int  media_play_frame(struct mplay *p, int16_t *out, bool *last);
void media_decimate2(int16_t *out, const int16_t *in, size_t outc,
		     int16_t *hist);

/* tone.c */
void media_tone_init(void);
int  media_tone_setup(struct mtone *t, enum media_tone tone, bool loop);
bool media_tone_frame(struct mtone *t, int16_t *out);

/* mix.c */
bool media_mix(struct mix_io *v, size_t n, size_t samples);
unsigned media_mix_bucket(uint64_t ns);
int16_t *media_mix_push(struct mmix *mx, struct mmember *mb);
void media_mix_pop(struct mmix *mx, struct mmember *mb);
uint64_t media_mix_bucket_ns(unsigned b);
void media_mix_tick(struct media_wk *wk, struct mmix *mx);
void media_mix_rx(struct media_wk *wk, struct mep *m, uint8_t *pkt,
	     const struct mrtp *h);
int  media_mix_add(struct mmix *mx, struct mep *m, struct mmember *mb);
void media_mix_remove(struct mep *m);
void media_mix_close(struct mmix *mx);

/* vad.c (worker side, pure) */
uint32_t media_vad_level(const int16_t *pcm);
bool media_vad_frame(struct mvad *v, uint32_t level, uint64_t now_ms);
bool media_vad_idle(struct mvad *v, uint64_t now_ms);

/* rtcp.c (worker side) */
void media_rtcp_recv(struct media_wk *wk, struct mep *m);
void media_rtcp_send(struct media_wk *wk, struct mep *m);
int  media_rtcp_parse(struct mep *m, const uint8_t *p, size_t len,
		      uint64_t now);

/* stats helpers: the owning worker is the only writer */
static inline void mst_add64(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c,
			      memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline void mst_add32(_Atomic uint32_t *c, uint32_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c,
			      memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline bool media_maddr_eq(const struct maddr *a,
				  const struct maddr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;

	if (a->u.sa.sa_family == AF_INET)
		return a->u.in.sin_port == b->u.in.sin_port &&
			a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr;

	if (a->u.sa.sa_family == AF_INET6)
		return a->u.in6.sin6_port == b->u.in6.sin6_port &&
			!memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr,
				sizeof(a->u.in6.sin6_addr));

	return false;
}


static inline uint16_t media_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t media_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
		((uint32_t)p[2] << 8) | p[3];
}

static inline void media_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void media_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
