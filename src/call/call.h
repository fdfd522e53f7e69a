/**
 * @file call/call.h  Call model internals (shared by src/call/ only)
 *
 * A call owns its legs (list `legs`); a leg borrows its call.  The leg owns
 * its SIP half (`sl`) and its media endpoint (`ep`).  Calls live in one
 * hash by id, owned by the module state in call.c.  When the last leg of a
 * call ends, the call is scheduled for destruction on a fresh stack (never
 * inside the callback that ended it).
 */

#define CB_LOG_SUB CB_SUB_CALL
#include "cb_core.h"
#include "cb_media.h"
#include "cb_sip.h"
#include "cb_call.h"

/** The role a leg plays in its call's bridge */
enum leg_role {
	LEG_ROLE_NONE = 0,    /**< standalone (prompt, mixer member)     */
	LEG_ROLE_A,           /**< the side that was there first          */
	LEG_ROLE_B,           /**< a candidate/connected far side          */
	LEG_ROLE_FORK,        /**< one device of a user; first answer wins */
};

struct leg {
	struct le le;               /* in call->legs                      */
	struct call *call;          /* borrowed: the call owns us          */
	char id[CB_ID_LEN + 1];
	char ctx[64];               /* "call=<id> leg=<id>" for logs       */
	char peer[160];             /* remote URI (To out / From in)       */
	enum leg_state state;
	enum leg_cause cause;
	uint16_t sip_status;
	enum leg_role role;
	bool outbound;
	bool on_trunk;              /* counted in the trunk's calls        */
	bool held_by_peer;
	uint64_t ts_created, ts_answered, ts_ended;
	uint32_t ring_timeout_s;
	struct tmr tmr_ring;
	struct sipleg *sl;          /* owned                               */
	struct media_ep *ep;        /* owned                               */
	struct media_mixer *mixer;  /* mem_ref'd while a member            */
	struct media_stats last_stats; /* media counters kept after ENDED   */
};

struct call {
	struct le he;               /* in the module hash, by id           */
	char id[CB_ID_LEN + 1];
	char tenant[CB_ID_LEN + 1]; /* owner of the call (API scoping)  */
	struct list legs;           /* struct leg, owned                   */
	struct leg *a;              /* borrowed: bridge side A             */
	struct leg *b;              /* borrowed: connected side B          */
	bool bridge_pending;        /* B candidates dialing for A          */
	bool ended;
	uint64_t ts_created;
	struct tmr tmr_free;
};

/* call.c */
void call_leg_changed(struct call *call, struct leg *leg,
		      enum leg_state old);
void call_publish(const struct call_event *ev);
uint64_t call_now_ms(void);
const struct cb_config *call_config(void);

/* leg.c */
enum leg_state leg_state_next(enum leg_state st, enum leg_ev ev);
int  leg_alloc(struct leg **legp, struct call *call, bool outbound);
void leg_sip_handler(struct sipleg *sl, const struct sipleg_ev *ev,
		     void *arg);
void leg_media_handler(struct media_ep *ep, const struct media_ev *ev,
		       void *arg);

/* dial.c */
int  call_dial_contact(struct call *call, struct leg **legp,
		      const struct leg_dial *dial, const char *uri,
		      const char *route);

/* bridge.c */
void bridge_on_leg_change(struct call *call, struct leg *leg,
			  enum leg_state old);
void bridge_dtmf_info(struct call *call, struct leg *from, char digit);

/* route.c */
int  route_init(void);
void route_close(void);
void route_invite(const struct sip_msg *msg, void *arg);

/* trunk.c */
bool trunk_enabled(void);
int  trunk_take(void);
void trunk_release(void);
uint32_t trunk_active(void);

/* number.c */
int  number_normalize(char *out, size_t sz, const char *in,
		      const char *country_code);
int  number_dial_format(char *out, size_t sz, const char *e164,
			const struct cb_trunk *trunk);
bool number_like(const char *s);
