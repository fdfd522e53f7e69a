/**
 * @file cb_media.h  Media engine: RTP endpoints, bridge, mixer, prompts
 *
 * The media engine runs in its own thread(s) with its own clock; nothing
 * here is paced by libre's timer list.  The SIP side (the re_main thread)
 * owns `struct media_ep` handles and talks to the engine through commands;
 * the engine reports back through `media_ev_h`, which is always called on
 * the re_main thread and never after the handle is dereferenced.
 *
 * One endpoint is one leg's media: an RTP socket on an even port from the
 * configured range and an RTCP socket on the next port.  Endpoints latch
 * to the source of the first RTP packet they receive (symmetric RTP) and
 * then ignore packets from other sources until the SIP side sets new
 * parameters.  Packets are never allocated on the heap.
 *
 * Include after <re.h>.
 */

struct media_ep;
struct media_mixer;

/** Codecs the engine speaks (static RTP payload types) */
enum media_codec {
	MEDIA_PCMU = 0,        /**< G.711 µ-law, PT 0 */
	MEDIA_PCMA = 8,        /**< G.711 A-law, PT 8 */
};

/** Media direction, as negotiated in SDP (same values as enum sdp_dir) */
enum media_dir {
	MEDIA_INACTIVE = 0,
	MEDIA_RECVONLY = 1,
	MEDIA_SENDONLY = 2,
	MEDIA_SENDRECV = 3,
};

/** Built-in tones */
enum media_tone {
	MEDIA_TONE_RINGBACK = 0,  /**< 440+480 Hz, 2 s on / 4 s off       */
	MEDIA_TONE_BEEP,          /**< 1000 Hz, 200 ms                     */
	MEDIA_TONE_BUSY,          /**< 480+620 Hz, 0.5 s on / 0.5 s off    */
};

/** What the engine reports to the SIP side */
enum media_ev_type {
	MEDIA_EV_RTP_START = 0,   /**< first RTP packet latched            */
	MEDIA_EV_RTP_TIMEOUT,     /**< no RTP for timeout_ms after start   */
	MEDIA_EV_DTMF,            /**< RFC 4733 digit received (at its end) */
	MEDIA_EV_PLAY_DONE,       /**< a non-looping play/tone finished    */
	MEDIA_EV_TALKING,         /**< a mixer member started/stopped
				       talking (voice activity)            */
};

struct media_ev {
	enum media_ev_type type;
	char digit;               /**< MEDIA_EV_DTMF: 0-9 * # A-D           */
	uint32_t dur_ms;          /**< MEDIA_EV_DTMF: duration             */
	bool talking;             /**< MEDIA_EV_TALKING: the new state     */
};

/** Called on the re_main thread, never after mem_deref() of the handle */
typedef void (media_ev_h)(struct media_ep *ep, const struct media_ev *ev,
			  void *arg);

/** Engine configuration (filled by main.c from struct cb_config) */
struct media_config {
	struct sa addr;           /**< local IP for RTP sockets            */
	uint16_t port_min;        /**< even; range is [port_min, port_max] */
	uint16_t port_max;
	uint32_t timeout_ms;      /**< RTP inactivity timeout, 0 = off     */
	uint32_t quarantine_ms;   /**< a port rests this long after close  */
	uint32_t threads;         /**< media threads, >= 1                 */
};

/** Negotiated parameters for one endpoint (from SDP offer/answer) */
struct media_params {
	struct sa raddr;          /**< remote RTP address from SDP         */
	struct sa raddr_rtcp;     /**< remote RTCP, or zero for RTP port+1 */
	enum media_codec codec;   /**< codec we send and expect            */
	int dtmf_pt;              /**< telephone-event PT, -1 if none      */
	enum media_dir dir;       /**< our direction toward this peer      */
};

/** Counters, readable at any time from the re_main thread */
struct media_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t rx_lost;         /**< from RTP sequence gaps              */
	uint64_t rx_strays;       /**< dropped: wrong source after latch   */
	uint32_t rx_dtmf;         /**< telephone-events received           */
	bool latched;
	/* added by the media engine */
	uint64_t rx_junk;         /**< dropped: not RTP, bad header/PT     */
	uint64_t tx_errors;       /**< sends the kernel refused            */
	uint64_t rtcp_rx, rtcp_tx;/**< RTCP compound packets               */
	uint32_t jitter_us;       /**< RFC 3550 interarrival jitter        */
	uint32_t rtt_ms;          /**< from RTCP LSR/DLSR, 0 if unknown    */
	int32_t peer_lost;        /**< cumulative loss the peer reports    */
};

/**
 * The engine's counters since it started, every endpoint included (also
 * those closed since); each only grows.  Read on the re_main thread.
 */
struct media_totals {
	uint64_t rx_packets, rx_bytes;  /**< RTP accepted (latched source) */
	uint64_t tx_packets, tx_bytes;  /**< RTP sent                      */
	uint64_t rx_lost;         /**< sequence gaps (highest per stream)  */
	uint64_t rx_dropped;      /**< not RTP, wrong PT or wrong source   */
	uint32_t endpoints;       /**< open now                            */
};

int  media_init(const struct media_config *cfg);
void media_close(void);
int  media_debug(struct re_printf *pf, void *unused);
void media_totals_get(struct media_totals *t);

/* endpoints; mem_deref(ep) closes it and releases the port */
int  media_ep_alloc(struct media_ep **epp, const char *ctx,
		    media_ev_h *evh, void *arg);
void media_ep_laddr(const struct media_ep *ep, struct sa *rtp);
int  media_ep_params(struct media_ep *ep, const struct media_params *prm);
int  media_ep_stats(const struct media_ep *ep, struct media_stats *st);
int  media_ep_debug(struct re_printf *pf, const struct media_ep *ep);

/*
 * What the endpoint sends; each replaces the previous source.  Bridge,
 * echo and mixer membership are the endpoint's base source (one at a
 * time).  A play or tone overrides the base while it runs; when it ends
 * (PLAY_DONE) or media_ep_stop() stops it, the base source resumes.
 * Setting a new base cancels a running play/tone (no PLAY_DONE then).
 * media_ep_stop() ends play, tone and echo; unbridge/mixer_remove end the
 * others.  DTMF sending suspends the audio source while the digit lasts;
 * it needs a negotiated telephone-event PT (else ENOTSUP).  RTP_START is
 * reported on the first latched packet and again when RTP resumes after
 * RTP_TIMEOUT; the timeout is not armed while dir has no receive part.
 */
int  media_ep_bridge(struct media_ep *a, struct media_ep *b);
int  media_ep_unbridge(struct media_ep *ep);
int  media_ep_play(struct media_ep *ep, const char *wav_path, bool loop);
int  media_ep_tone(struct media_ep *ep, enum media_tone tone, bool loop);
int  media_ep_echo(struct media_ep *ep, bool on);
int  media_ep_stop(struct media_ep *ep);
int  media_ep_dtmf_send(struct media_ep *ep, char digit, uint32_t dur_ms);

/* N-party mixer: each member hears the sum of the others */
int  media_mixer_alloc(struct media_mixer **mxp, const char *ctx);
int  media_mixer_add(struct media_mixer *mx, struct media_ep *ep);
int  media_mixer_remove(struct media_mixer *mx, struct media_ep *ep);
int  media_mixer_count(const struct media_mixer *mx);
int  media_ep_mute(struct media_ep *ep, bool mute);
int  media_ep_deaf(struct media_ep *ep, bool deaf);

/* G.711 with the -32768 overflow of librem's tables fixed by clamping */
uint8_t media_pcm2ulaw(int16_t s);
uint8_t media_pcm2alaw(int16_t s);
int16_t media_ulaw2pcm(uint8_t u);
int16_t media_alaw2pcm(uint8_t a);
