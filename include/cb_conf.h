/**
 * @file cb_conf.h  Conferences: a dial-out bridge driven over the API
 *
 * The runtime of seed 004 (personal web-based teleconferencing), in
 * src/conf/ (docs/conference.md).  A conference exists the moment it is
 * created -- no reservation -- and dials a participant only when told
 * (conf_party_dial), in the order its owner chooses.  Each participant
 * is one call of its own (one leg: the tenant's call, so its events go
 * to the tenant's WebSocket and webhooks); answered legs join the
 * conference's media mixer (each member hears the others, not itself).
 *
 * A participant's status, from the core's leg states and causes through
 * one mapping (conf_status_of):
 *
 *   on-hook -> dialing -> ringing -> connected -> left
 *                 |          |
 *                 +----------+-> busy | no-answer | invalid-number |
 *                                no-lines | failed | on-hook (canceled)
 *
 * Every change is published as the app event "conference.participant"
 * on the participant's call.  Money (the pre-authorization, metering of
 * every leg on one hold, the conference monitor, the summary) is
 * src/conf/money.c over the meter (cb_meter.h, meter_conf_*).
 * Everything runs on the re_main thread.  Include after cb_call.h.
 */
#include <stdbool.h>
#include <stdint.h>

struct re_printf;
struct cb_config;

/** A participant's status (names: conf_status_name) */
enum conf_status {
	CONF_ONHOOK = 0,    /**< not dialed, or dialing canceled by us   */
	CONF_DIALING,       /**< INVITE sent                             */
	CONF_RINGING,       /**< 180/183 received                        */
	CONF_CONNECTED,     /**< answered (off-hook)                     */
	CONF_BUSY,          /**< 486/600/603 and other refusals          */
	CONF_NO_ANSWER,     /**< ring timeout, 408/480 after ringing     */
	CONF_INVALID,       /**< invalid-number: 404/484/604, unroutable */
	CONF_NO_LINES,      /**< trunk/leg limit, 503, 480 before ringing */
	CONF_FAILED,        /**< transport error, internal               */
	CONF_LEFT,          /**< was connected, hung up (either side)    */
	CONF_STATUS_MAX
};

enum {
	CONF_PARTIES_MAX = 50,      /**< default and ceiling per conference */
	CONF_TOKEN_LEN = 44,        /**< control token: 33 random bytes    */
	CONF_NAME_MAX = 80,         /**< bytes of a (participant) name     */
	CONF_TARGET_MAX = 127,      /**< bytes of a number or SIP URI      */
	CONF_PID_LEN = 8,           /**< "p1".."p50", NUL not included     */
};

/** Options of a conference */
struct conf_opts {
	bool announce_join;         /**< invitation spoken on answer       */
	bool confirm_dtmf;          /**< press 1 to join (RFC 4733)        */
	bool end_when_owner_leaves;
	uint32_t max_participants;  /**< 0: CONF_PARTIES_MAX; owner counts */
	uint32_t confirm_s;         /**< 0: 20; unconfirmed are hung up    */
	uint32_t ring_timeout_s;    /**< 0: the trunk's default            */
	bool billing_required;      /**< no dial before conf_authorize()   */
};

/** A participant as the API gives it */
struct conf_party_in {
	const char *name;           /**< may be NULL                       */
	const char *target;         /**< E.164 (normalized) or sip:/sips:  */
};

/** Changes of one participant (conf_party_update); NULL/-1 = keep */
struct conf_party_change {
	const char *action;         /**< "dial", "hangup" or NULL          */
	int mute, deaf, hold;       /**< -1 keep, 0 off, 1 on              */
	const char *target;         /**< new number, only while on-hook    */
	const char *name;
};

int  conf_init(const struct cb_config *cfg);
void conf_close(void);

/*
 * Conferences of a tenant.  id: CB_ID_LEN + 1; token: CONF_TOKEN_LEN + 1.
 * Errors: EINVAL bad input, ENOENT no such conference (or another
 * tenant's), EOVERFLOW over max participants or conferences, EALREADY
 * ended, EBUSY the participant's state refuses the action, ENOMEM.
 */
int  conf_create(const char *tenant, const char *name,
		 const struct conf_party_in *owner,
		 const struct conf_party_in *pv, unsigned pc,
		 const struct conf_opts *opts, char *id, char *token);
int  conf_end(const char *tenant, const char *id);
int  conf_party_add(const char *tenant, const char *id,
		    const struct conf_party_in *in, char *pid);
int  conf_party_update(const char *tenant, const char *id, const char *pid,
		       const struct conf_party_change *ch);
int  conf_print(struct re_printf *pf, const char *tenant, const char *id);
int  conf_party_print(struct re_printf *pf, const char *tenant,
		      const char *id, const char *pid);
int  conf_list_print(struct re_printf *pf, const char *tenant,
		     const char *creator);
/*
 * Money (src/conf/money.c, docs/conference.md "Money"): one
 * pre-authorization for the conference, every participant's leg metered
 * on it.  conf_authorize: EINPROGRESS, h follows with the meter's
 * refusal (err 0: authorized).  A dial of a billed conference is EACCES
 * before the authorization, EPERM once the money is used up, EAGAIN when
 * the participant's number must be rated first: conf_party_rate (0:
 * rated already; EINPROGRESS: h follows), then the dial again.
 */
struct meter_refusal;
typedef void (conf_money_h)(const struct meter_refusal *r, void *arg);
int  conf_authorize(const char *tenant, const char *id, const char *account,
		    const char *method, int limit, conf_money_h *h,
		    void *arg);
int  conf_party_rate(const char *tenant, const char *id, const char *pid,
		     const char *target, conf_money_h *h, void *arg);
int  conf_numbers(const char *tenant, const char *id, char (*numv)[24],
		  unsigned max, unsigned *np);
int  conf_billing_confirm(const char *tenant, const char *id);

/* the web control page's check (constant time): the token is the
 * conference's own */
bool conf_token_ok(const char *id, const char *token);
/*
 * The API's access rule (docs/conference.md "Access").  The creator is
 * a user's or an API key's id, set once after conf_create (EEXIST if it
 * is set already).  conf_access_ok: the conference is the tenant's,
 * created by creator unless that is NULL, and its token is token unless
 * that is NULL (constant time).  conf_list_print: creator NULL lists
 * all of the tenant's.
 */
int  conf_creator_set(const char *tenant, const char *id,
		      const char *creator);
bool conf_access_ok(const char *tenant, const char *id, const char *creator,
		    const char *token);

/* pure helpers (status.c) */
const char *conf_status_name(enum conf_status st);
/* from the core: a leg's state and cause, whether it was answered and
 * whether we (the API) hung it up */
enum conf_status conf_status_of(enum leg_state st, enum leg_cause cause,
				bool answered, bool by_us);
