/**
 * @file tests/unit/media_peer.h  Helpers for the media engine tests
 *
 * A `struct tpeer` is a plain UDP socket on loopback that plays a remote
 * RTP phone: it sends hand-made RTP to an endpoint and records what the
 * engine sends to it (listening on the re_main loop).  twait() runs the
 * re_main loop until a condition holds or a deadline passes: the tests
 * never sleep to synchronise.
 */

enum { TPEER_PL_MAX = 1500 };

struct tpeer {
	int fd;
	struct sa addr;            /**< where it listens                  */
	uint32_t rx;               /**< RTP packets received              */
	uint32_t rx_bad;           /**< datagrams that were not RTP       */
	uint32_t rx_pt[128];
	uint32_t ssrc;             /**< SSRC of the last packet           */
	uint32_t ssrc_changes;
	uint16_t seq;              /**< seq of the last packet            */
	uint32_t seq_breaks;       /**< seq != previous + 1               */
	uint32_t markers;
	uint8_t last[TPEER_PL_MAX];  /**< last payload                   */
	size_t last_len;
	uint8_t last_pt;
	struct sa src;             /**< source of the last packet         */
	/* telephone-event packets (any PT >= 96) */
	uint32_t ev_pkts, ev_ends, ev_markers;
	uint32_t ev_ts;
	uint16_t ev_dur;
	uint8_t ev_code;
	/* audio level: first sample of the last audio payload, decoded */
	int16_t level;
	uint8_t audio_pt;          /**< PT to decode `level` with         */
	uint32_t level_hits;       /**< packets whose level ~= want_level */
	int16_t want_level;
};

struct tev {
	uint32_t n[4];             /**< per enum media_ev_type            */
	char digits[32];
	uint32_t ndigits;
	uint32_t dur_ms;
};

struct tstream {
	struct tpeer *p;
	struct sa dst;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts, ssrc;
	uint8_t byte;              /**< payload byte                      */
	uint32_t left;             /**< packets still to send             */
	struct tmr tmr;
};

int  tpeer_open(struct tpeer *p, const char *ip);
void tpeer_close(struct tpeer *p);
int  tpeer_send(struct tpeer *p, const struct sa *dst, uint8_t pt,
		uint16_t seq, uint32_t ts, uint32_t ssrc, bool marker,
		const uint8_t *pl, size_t len);
int  tpeer_send_raw(struct tpeer *p, const struct sa *dst,
		    const void *buf, size_t len);
int  twait(bool (*cond)(void *arg), void *arg, uint32_t ms);
void tmedia_cfg(struct media_config *cfg, const char *ip,
		uint32_t threads);
void tev_h(struct media_ep *ep, const struct media_ev *ev, void *arg);
void tstream_start(struct tstream *s, struct tpeer *p,
		   const struct sa *dst, uint8_t pt, uint8_t byte,
		   uint32_t count);
void tstream_stop(struct tstream *s);
int  twav_write(const char *path, uint32_t srate, uint16_t channels,
		uint32_t samples, double freq, int16_t amp);
bool tcond_rx(void *arg);     /* arg: struct tcount */

/** Condition "*n >= want" for twait() */
struct tcount {
	const uint32_t *n;
	uint32_t want;
};

/** Condition "a counter of media_ep_stats() >= want" for twait() */
enum tstat_field {
	TSTAT_RX = 0,
	TSTAT_TX,
	TSTAT_STRAYS,
	TSTAT_JUNK,
	TSTAT_DTMF,
	TSTAT_RTCP_RX,
	TSTAT_RTCP_TX,
};

struct tstat {
	const struct media_ep *ep;
	enum tstat_field field;
	uint64_t want;
};

uint64_t tstat_get(const struct media_ep *ep, enum tstat_field field);
bool tcond_stat(void *arg);
int  tparams(struct media_ep *ep, const struct sa *raddr,
	     enum media_codec codec, int dtmf_pt, enum media_dir dir);
