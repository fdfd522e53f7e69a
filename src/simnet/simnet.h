/**
 * @file simnet/simnet.h  The simulated phone network (private header)
 *
 * cb-simnet plays the carrier behind callbridge's SIP trunk: it answers
 * INVITEs on loopback with real SIP (UDP, TCP) and real RTP, and what it
 * does with a call is chosen by the called number through a dial plan of
 * prefix rules.  The pieces, in the order a call meets them:
 *
 *   args.c    command line -> struct sim_config
 *   rule.c    the dial plan: built-in rules, --rule overrides, lookup
 *   ua.c      the SIP stack, listeners, OPTIONS, shutdown
 *   invite.c  a new INVITE: auth, limits, plan lookup, immediate rejects
 *   auth.c    proxy digest challenge and check
 *   call.c    one accepted call: its state machine and rule timers
 *   dialog.c  libre sipsess callbacks of a call (re-INVITE, INFO, close)
 *   sdp.c     offer/answer and codec choice
 *   media.c   the call's RTP socket: echo, generated audio, DTMF
 *   tone.c    sine tone generator with cadence, G.711 encoding
 *   clock.c   one 20 ms clock that paces every generated stream
 *   stats.c   finished-call records, call-end lines, the stats file
 *   signals.c SIGINT/SIGTERM/SIGUSR1 through a signalfd
 *
 * Everything runs on the one re_main thread.  Include after <re.h> and
 * "cb_core.h".
 */

enum {
	SIM_RULES_MAX   = 64,
	SIM_LISTEN_MAX  = 8,
	SIM_NUMBER_LEN  = 32,
	SIM_CALLID_LEN  = 128,
	SIM_DTMF_LEN    = 64,
	SIM_PTIME       = 20,    /**< ms of audio per RTP packet          */
	SIM_SRATE       = 8000,
	SIM_FRAME       = SIM_SRATE * SIM_PTIME / 1000,
};


/* ---- dial plan (rule.c) ------------------------------------------------ */

/** What the network does with a call */
enum sim_action {
	SIM_ACT_ANSWER = 0,  /**< ring (delay/early), answer, play audio    */
	SIM_ACT_BUSY,        /**< final 486 (or code=), after delay         */
	SIM_ACT_NOANSWER,    /**< 180 and nothing else until CANCEL         */
	SIM_ACT_REJECT,      /**< final code= (default 404), after delay    */
};

/** What an answered call sends back */
enum sim_audio {
	SIM_AUDIO_ECHO = 0,  /**< the caller's own packets, re-stamped      */
	SIM_AUDIO_TONE,      /**< a continuous sine tone (freq=)            */
	SIM_AUDIO_NONE,      /**< nothing                                   */
};

struct sim_rule {
	char prefix[SIM_NUMBER_LEN]; /**< digits without '+'; "" = any     */
	enum sim_action action;
	uint16_t code;        /**< final response of busy/reject          */
	uint32_t delay_ms;    /**< 180 Ringing this long before acting    */
	uint32_t early_ms;    /**< 183 + ringback this long, then 200     */
	uint32_t hangup_ms;   /**< BYE this long after the answer; 0 none */
	enum sim_audio audio;
	uint32_t freq;        /**< tone frequency in Hz                   */
};

struct sim_plan {
	struct sim_rule rulev[SIM_RULES_MAX];
	uint32_t rulec;
};

int  sim_plan_defaults(struct sim_plan *plan);
int  sim_plan_add(struct sim_plan *plan, const char *prefix,
		  const char *spec);
const struct sim_rule *sim_plan_match(const struct sim_plan *plan,
				      const char *number);
int  sim_plan_print(struct re_printf *pf, const struct sim_plan *plan);
int  sim_rule_print(struct re_printf *pf, const struct sim_rule *rule);
const char *sim_action_name(enum sim_action action);


/* ---- configuration (args.c) -------------------------------------------- */

struct sim_config {
	char listen[SIM_LISTEN_MAX][64]; /**< "udp:127.0.0.1:5080", ...   */
	uint32_t listenc;
	struct sa rtp_addr4;      /**< RTP for IPv4 offers (unset: none)  */
	struct sa rtp_addr6;      /**< RTP for IPv6 offers (unset: none)  */
	uint16_t rtp_min;
	uint16_t rtp_max;
	char auth_user[64];       /**< empty: no digest auth               */
	char auth_pass[64];
	uint32_t max_calls;       /**< 0: unlimited                        */
	char stats_path[256];     /**< empty: no stats file                */
	char log_file[256];
	enum cb_level log_level;
	struct sim_plan plan;
};

int  sim_args_parse(struct sim_config *cfg, int argc, char *argv[],
		    bool *donep);


/* ---- tone generator (tone.c) ------------------------------------------- */

struct sim_tone {
	double phase[2];
	double step[2];       /**< radians per sample, 0 = unused        */
	double amp;
	uint32_t on_smp;      /**< cadence in samples; off 0 = steady    */
	uint32_t off_smp;
	uint32_t pos;         /**< sample position within the cadence    */
};

void sim_tone_init(struct sim_tone *tone, uint32_t f1, uint32_t f2,
		   uint32_t on_ms, uint32_t off_ms);
void sim_tone_g711(struct sim_tone *tone, uint8_t *dst, size_t n,
		   bool ulaw);
uint8_t sim_g711_encode(int16_t s, bool ulaw);


/* ---- media clock (clock.c) --------------------------------------------- */

struct sim_clock;
typedef void (sim_tick_h)(void *arg);

int  sim_clock_alloc(struct sim_clock **clockp, sim_tick_h *tickh);
void sim_clock_add(struct sim_clock *clock, struct le *le, void *arg);
void sim_clock_remove(struct sim_clock *clock, struct le *le);


/* ---- media (media.c, sdp.c) -------------------------------------------- */

enum sim_media_mode {
	SIM_MEDIA_OFF = 0,   /**< send nothing                             */
	SIM_MEDIA_ECHO,      /**< send back what the caller sends          */
	SIM_MEDIA_TONE,      /**< steady tone                               */
	SIM_MEDIA_RINGBACK,  /**< 440+480 Hz, 2 s on 4 s off               */
};

struct sim_media;
typedef void (sim_dtmf_h)(char digit, void *arg);

int  sim_media_alloc(struct sim_media **mp, const struct sim_config *cfg,
		     struct sim_clock *clock, sim_dtmf_h *dtmfh, void *arg);
int  sim_media_offer(struct sim_media *m, struct mbuf *offer);
int  sim_media_answer(struct sim_media *m, struct mbuf *answer);
int  sim_media_desc(struct sim_media *m, struct mbuf **descp);
void sim_media_set_mode(struct sim_media *m, enum sim_media_mode mode,
			uint32_t freq);
void sim_media_start(struct sim_media *m);
void sim_media_tick(void *arg);
bool sim_media_held(const struct sim_media *m);
const char *sim_media_codec(const struct sim_media *m);
void sim_media_counters(const struct sim_media *m, uint32_t *rxp,
			uint32_t *txp);

/* sdp.c: used by media.c only */
int  sim_sdp_alloc(struct sdp_session **sdpp, struct sdp_media **smp);
int  sim_sdp_choose(struct sdp_media *sm, bool *ulawp, int *ptp,
		    int *tev_ptp);


/* ---- finished calls (stats.c) ------------------------------------------ */

/** What is known about a call when it ends */
struct sim_record {
	struct le le;
	char number[SIM_NUMBER_LEN];
	char callid[SIM_CALLID_LEN];
	char dtmf[SIM_DTMF_LEN];
	char codec[8];
	const char *transport;
	const char *cause;     /**< static string                          */
	uint16_t code;         /**< final response sent to the INVITE      */
	uint64_t duration_ms;  /**< from 200 OK to the end; 0 unanswered   */
	uint32_t rtp_rx;
	uint32_t rtp_tx;
};

struct sim_stats;

int  sim_stats_alloc(struct sim_stats **statsp, const char *path);
void sim_stats_add(struct sim_stats *stats, const struct sim_record *rec);
void sim_stats_flush(struct sim_stats *stats);
void sim_stats_dump(struct sim_stats *stats);
void sim_record_log_active(const struct sim_record *rec);
int  sim_record_logfmt(struct re_printf *pf, const struct sim_record *rec);
int  sim_logfmt_str(struct re_printf *pf, const char *s);


/* ---- the network (ua.c, invite.c, auth.c) ------------------------------ */

/** The simulated network: one SIP stack, its calls and their records */
struct simnet {
	const struct sim_config *cfg;   /* borrowed, outlives us        */
	struct sip *sip;
	struct sipsess_sock *sock;
	struct sip_lsnr *lsnr;          /* OPTIONS                       */
	struct sim_clock *clock;
	struct sim_stats *stats;
	struct list calls;              /* struct sim_call, live         */
	struct list endedl;             /* struct sim_call, to be freed  */
	struct tmr tmr_reap;
	struct tmr tmr_exit;            /* shutdown deadline             */
	bool closing;                   /* refuse new calls              */
	bool sip_closing;               /* sip_close() took our ref      */
	bool sip_exited;                /* ... and the exit handler
					   gave it back                  */
};

int  simnet_alloc(struct simnet **snp, const struct sim_config *cfg);
void simnet_shutdown(struct simnet *sn);
void simnet_dump(struct simnet *sn);
void simnet_reap(void *arg);
void simnet_conn_handler(const struct sip_msg *msg, void *arg);
void simnet_reject(struct simnet *sn, const struct sip_msg *msg,
		   const char *number, uint16_t code, const char *cause);
bool sim_auth_check(struct simnet *sn, const struct sip_msg *msg,
		    const char *number);
const char *sim_reason(uint16_t scode);


/* ---- calls (call.c, dialog.c) ------------------------------------------ */

/** Call states; every change goes through sim_call_event() */
enum sim_call_state {
	SIM_CALL_NEW = 0,      /**< INVITE taken, nothing sent yet        */
	SIM_CALL_RINGING,      /**< 180 sent, waiting for the rule timer  */
	SIM_CALL_EARLY,        /**< 183 with SDP sent, ringback playing   */
	SIM_CALL_ANSWERED,     /**< 200 sent, waiting for the ACK         */
	SIM_CALL_ESTABLISHED,  /**< ACK received, media flowing           */
	SIM_CALL_ENDED,        /**< record written; waits to be freed     */
};

/** Call events; each one that ends a call names its cause */
enum sim_call_ev {
	SIM_EV_RING = 0,   /**< send 180                                  */
	SIM_EV_EARLY,      /**< send 183 with SDP, play ringback          */
	SIM_EV_ANSWER,     /**< send 200 with SDP                         */
	SIM_EV_REJECT,     /**< send the rule's final code                */
	SIM_EV_ACK,        /**< the caller confirmed the 200              */
	SIM_EV_HANGUP,     /**< the rule's hangup timer: send BYE         */
	SIM_EV_BYE,        /**< the caller hung up                        */
	SIM_EV_CANCEL,     /**< the caller cancelled before the answer    */
	SIM_EV_TIMEOUT,    /**< no ACK for our 200                        */
	SIM_EV_ERROR,      /**< SIP/transport failure                     */
	SIM_EV_SHUTDOWN,   /**< cb-simnet is stopping                     */
};

struct sim_call {
	struct le le;                   /* in simnet calls or endedl    */
	struct simnet *sn;              /* borrowed                     */
	const struct sim_rule *rule;    /* borrowed from the config     */
	struct sipsess *sess;
	struct sim_media *media;
	struct tmr tmr_rule;            /* delay/early -> answer/reject */
	struct tmr tmr_hangup;
	const struct sip_msg *invite;   /* until the session exists     */
	enum sim_call_state state;
	struct sim_record rec;
	uint64_t answered_at;           /* tmr_jiffies() of the 200     */
	char ctx[SIM_NUMBER_LEN + SIM_CALLID_LEN + 32];
};

int  sim_call_alloc(struct sim_call **callp, struct simnet *sn,
		    const struct sip_msg *msg, const struct sim_rule *rule,
		    const char *number);
int  sim_call_start(struct sim_call *call);
int  sim_call_event(struct sim_call *call, enum sim_call_ev ev);
struct sim_call *sim_call_find(const struct list *calls,
			       const struct pl *callid);
void sim_call_snapshot(const struct sim_call *call, struct sim_record *rec);
const char *sim_call_state_name(enum sim_call_state state);
const char *sim_call_ev_name(enum sim_call_ev ev);

/* dialog.c: the sipsess handlers given to sipsess_accept() */
int  sim_dialog_offer(struct mbuf **descp, const struct sip_msg *msg,
		      void *arg);
int  sim_dialog_answer(const struct sip_msg *msg, void *arg);
void sim_dialog_estab(const struct sip_msg *msg, void *arg);
void sim_dialog_info(struct sip *sip, const struct sip_msg *msg,
		     void *arg);
void sim_dialog_close(int err, const struct sip_msg *msg, void *arg);
void sim_call_dtmf(char digit, void *arg);


/* ---- signals (signals.c) ----------------------------------------------- */

typedef void (sim_signal_h)(int signo, void *arg);

int  sim_signals_init(sim_signal_h *sigh, void *arg);
void sim_signals_close(void);
