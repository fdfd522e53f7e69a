/**
 * @file cb_call.h  Call model: legs, calls, causes, events
 *
 * The call model is the one place where call state lives.  A *leg* is one
 * SIP dialog with one media endpoint (a phone, a softphone, the trunk); a
 * *call* groups the legs that belong together and bridges them.  Every
 * leg change goes through one transition function, leg_event(), which
 * refuses illegal transitions and publishes a `struct call_event` to every
 * subscriber (API, billing, HA, ...).  The SIP and media subsystems only
 * report what happened on the wire; they never set a state themselves.
 *
 * All functions run on the re_main thread.  Include after <re.h>.
 */

struct leg;
struct call;
struct media_mixer;

/** Leg states, in the order a call normally walks through them */
enum leg_state {
	LEG_NEW = 0,      /**< allocated, nothing sent or received yet     */
	LEG_CALLING,      /**< INVITE sent (out) or received (in)          */
	LEG_RINGING,      /**< 180 without media                          */
	LEG_EARLY,        /**< 18x with SDP: early media flows             */
	LEG_ANSWERED,     /**< 200 OK / ACK: talking                       */
	LEG_HELD,         /**< answered, on hold (sendonly or inactive)   */
	LEG_ENDING,       /**< BYE/CANCEL/final error under way           */
	LEG_ENDED,        /**< terminal, cause is set                     */
	LEG_STATE_MAX
};

/** What can happen to a leg (input of leg_event()) */
enum leg_ev {
	LEG_EV_DIAL = 0,  /**< INVITE sent / received                    */
	LEG_EV_RING,      /**< 180 (out) or we sent 180 (in)              */
	LEG_EV_EARLY,     /**< 183/180 with SDP                           */
	LEG_EV_ANSWER,    /**< 200 OK                                     */
	LEG_EV_HOLD,      /**< re-INVITE to sendonly/inactive              */
	LEG_EV_UNHOLD,    /**< re-INVITE back to sendrecv                 */
	LEG_EV_HANGUP,    /**< local decision to end (BYE/CANCEL/reject)   */
	LEG_EV_CLOSED,    /**< the dialog is gone (BYE, error, timeout)   */
	LEG_EV_MAX
};

/*
 * Causes: why a leg ended.  One row each: enum, name, the SIP status we
 * answer an inbound INVITE with when we end it for this cause, and the
 * documentation.  The mapping from received SIP status to cause is
 * cause_from_sip() in src/call/cause.c, next to this table's users.
 */
#define CALL_CAUSES(X)							\
	X(CAUSE_NONE,           "none",           500,			\
	  "not ended")							\
	X(CAUSE_NORMAL,         "normal",         200,			\
	  "answered, then hung up by either side (BYE)")		\
	X(CAUSE_BUSY,           "busy",           486,			\
	  "486 Busy Here or 600 Busy Everywhere")			\
	X(CAUSE_NO_ANSWER,      "no-answer",      480,			\
	  "ring timeout expired (we sent CANCEL) or 408/480 after ringing") \
	X(CAUSE_INVALID_NUMBER, "invalid-number", 404,			\
	  "404, 484, 485, 604, or a number we cannot normalise")	\
	X(CAUSE_UNAVAILABLE,    "unavailable",    503,			\
	  "480 before ringing, 503, or no lines (trunk/leg limit)")	\
	X(CAUSE_REJECTED,       "rejected",       603,			\
	  "403, 603 or another 4xx/6xx refusal")			\
	X(CAUSE_CANCELED,       "canceled",       487,			\
	  "caller hung up before answer (CANCEL / 487)")		\
	X(CAUSE_FAILED,         "failed",         500,			\
	  "transport error, 5xx, timeout, media timeout, internal")	\
	X(CAUSE_CREDIT_EXHAUSTED, "credit-exhausted", 402,		\
	  "the call's authorized amount was used up (billing limit)")

enum leg_cause {
#define X(e, n, s, d) e,
	CALL_CAUSES(X)
#undef X
	CAUSE_MAX
};

/** Kinds of event published by the call model */
enum call_evtype {
	CALL_EV_LEG_STATE = 0,  /**< a leg changed state                */
	CALL_EV_DTMF,           /**< a digit was received on a leg      */
	CALL_EV_PLAY_DONE,      /**< a prompt/tone finished on a leg    */
	CALL_EV_BRIDGED,        /**< two legs are now bridged           */
	CALL_EV_CALL_END,       /**< the last leg of a call ended       */
	CALL_EV_APP,            /**< published by a subsystem above the
				     call model (app_type, app_json)  */
	CALL_EV_TALKING,        /**< a leg in a mixer started/stopped
				     talking (voice activity)         */
};

/** One event, valid only during the handler call */
struct call_event {
	enum call_evtype type;
	const char *call_id;
	const char *leg_id;         /**< NULL for call-wide events        */
	enum leg_state old_state, new_state;
	enum leg_cause cause;
	uint16_t sip_status;        /**< last final SIP status, 0 if none */
	char digit;                 /**< CALL_EV_DTMF                     */
	bool talking;               /**< CALL_EV_TALKING: the new state   */
	uint64_t ts_ms;             /**< wall clock, ms since epoch       */
	const char *app_type;       /**< CALL_EV_APP: "call.cost", ...    */
	const char *app_json;       /**< CALL_EV_APP: JSON members, no
					 braces ("" for none)             */
	const struct leg *leg;      /**< borrowed                         */
	const struct call *call;    /**< borrowed                         */
};

typedef void (call_event_h)(const struct call_event *ev, void *arg);

/**
 * Inbound routing hook: an application (conference room, ACD queue,
 * service number) claims an inbound leg whose destination user matches
 * `prefix`.  Return 0 if it took the leg (it must answer or hang up),
 * ENOENT to let the next hook or the default routing try.
 */
typedef int (call_route_h)(struct call *call, struct leg *leg,
			   const char *user, void *arg);

/** Options for an outbound leg */
struct leg_dial {
	const char *to;             /**< E.164 number, or sip:/sips: URI  */
	const char *from_user;      /**< caller id user (default anonymous) */
	const char *from_name;      /**< display name, may be NULL        */
	uint32_t ring_timeout_s;    /**< 0 = config default               */
};

/** A snapshot of a leg, for the API and CDRs */
struct leg_info {
	const char *id;
	const char *peer;           /**< remote URI or E.164 number       */
	bool outbound;
	enum leg_state state;
	enum leg_cause cause;
	uint16_t sip_status;
	uint64_t ts_created, ts_answered, ts_ended;   /**< ms, 0 = not yet */
	uint64_t rtp_rx, rtp_tx, rtp_lost;
};

/* subsystem */
int  call_init(const struct cb_config *cfg);
void call_close(void);
int  call_subscribe(call_event_h *h, void *arg);
void call_unsubscribe(call_event_h *h, void *arg);
int  call_route_add(const char *prefix, call_route_h *h, void *arg);
void call_route_remove(call_route_h *h, void *arg);
uint32_t call_count(void);
uint32_t call_leg_count(void);
struct call *call_find(const char *id);
int  call_list_apply(bool (*h)(struct call *call, void *arg), void *arg);
int  call_debug(struct re_printf *pf, const struct call *call);
int  call_list_debug(struct re_printf *pf, void *unused);

/* calls */
int  call_alloc(struct call **callp);
int  call_dial(struct call *call, struct leg **legp,
	       const struct leg_dial *dial);
int  call_bridge(struct call *call, struct leg *a, struct leg *b);
int  call_unbridge(struct call *call);
int  call_hangup(struct call *call, enum leg_cause cause);
int  call_app_publish(struct call *call, const struct leg *leg,
		      const char *type, const char *json);
const char *call_id(const struct call *call);
int  call_tenant_set(struct call *call, const char *tenant_id);
const char *call_tenant(const struct call *call);
/* the wall clock of leg stamps and events (ms, never goes backwards) */
uint64_t call_now_ms(void);
void call_clock_advance(uint64_t ms);
void call_tenant_default_set(const char *tenant_id);
struct leg *call_leg(const struct call *call, unsigned idx);

/* legs */
int  leg_event(struct leg *leg, enum leg_ev ev, enum leg_cause cause,
	       uint16_t sip_status);
int  leg_answer(struct leg *leg);
int  leg_ring(struct leg *leg);
int  leg_hangup(struct leg *leg, enum leg_cause cause);
int  leg_hold(struct leg *leg, bool hold);
int  leg_play(struct leg *leg, const char *wav_path, bool loop);
int  leg_tone(struct leg *leg, int tone, bool loop);
int  leg_stop(struct leg *leg);
int  leg_dtmf_send(struct leg *leg, const char *digits);
int  leg_mixer_join(struct leg *leg, struct media_mixer *mx);
int  leg_mixer_leave(struct leg *leg);
int  leg_mute(struct leg *leg, bool mute);
int  leg_deaf(struct leg *leg, bool deaf);
const char *leg_id(const struct leg *leg);
enum leg_state leg_state(const struct leg *leg);
enum leg_cause leg_cause(const struct leg *leg);
struct call *leg_call(const struct leg *leg);
int  leg_debug(struct re_printf *pf, const struct leg *leg);
void leg_info(const struct leg *leg, struct leg_info *info);

/* numbers: E.164 with the trunk's country code for national ones */
int  call_number_normalize(char *out, size_t sz, const char *in);
bool call_number_like(const char *s);

/* names and mappings */
const char *leg_state_name(enum leg_state st);
const char *leg_ev_name(enum leg_ev ev);
const char *cause_name(enum leg_cause cause);
const char *cause_doc(enum leg_cause cause);
uint16_t    cause_sip_status(enum leg_cause cause);
enum leg_cause cause_from_sip(uint16_t scode, bool ringing);
int  cause_doc_print(struct re_printf *pf, void *unused);
