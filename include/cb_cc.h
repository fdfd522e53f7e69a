/**
 * @file cb_cc.h  Contact centre: click-to-call requests through the ACD
 *
 * The runtime of seed 003 (telephone support for Internet sales), in
 * src/cc/.  It owns the ACD instance (src/acd/, include/cb_acd.h), one
 * queue per business (tenant), the agents in memory, and every active
 * customer call request with its call.  The HTTP routes (src/api/cc_*.c)
 * write settings and agents to the store and then tell the runtime
 * (cc_business_apply, cc_agent_apply, cc_agent_remove); they read live
 * state through the print functions.  Everything runs on the main
 * thread.
 *
 * A request's call order (docs/acd.md):
 *
 *   scheduled -> calling -> queued <-> offered -> connected -> completed
 *      |           |          |                       (wrap-up follows)
 *      |           |          +-> callback (customer chose; keeps place)
 *      |           +-> no-answer | busy | invalid-number | failed
 *      +-> canceled           queued/offered -> abandoned (customer left)
 *
 * The customer is called first; on answer the announcement ("Please hold
 * while we connect you to <business> customer representative", espeak-ng
 * into the TTS cache) plays, then hold music with position announcements
 * while the ACD rings agents one at a time (ring_s each, next agent on
 * no answer); the agent's answer bridges the two.
 */
#include <stdbool.h>
#include <stdint.h>

struct re_printf;
struct cb_config;
struct store_cc_business;
struct store_cc_agent;
struct store_cc_request;

/** Status of a request (names: cc_status_name) */
enum cc_status {
	CC_SCHEDULED = 0,  /**< waits for its desired time               */
	CC_CALLING,        /**< the customer's phone rings               */
	CC_QUEUED,         /**< customer on hold, waiting for an agent   */
	CC_OFFERED,        /**< an agent's phone rings (screen-pop shown)*/
	CC_CONNECTED,      /**< customer and agent bridged               */
	CC_CALLBACK,       /**< customer hung up to be called back; queued */
	CC_COMPLETED,      /**< final: talked to an agent                */
	CC_NO_ANSWER,      /**< final: the customer did not answer       */
	CC_BUSY,           /**< final                                    */
	CC_INVALID_NUMBER, /**< final                                    */
	CC_FAILED,         /**< final                                    */
	CC_CANCELED,       /**< final: canceled before it was placed     */
	CC_ABANDONED,      /**< final: customer hung up while waiting    */
	CC_STATUS_MAX
};

/** A new request, as the widget or the business's server sends it */
struct cc_request_in {
	const char *tenant;        /**< the business                      */
	const char *source;        /**< "widget" or "api"                 */
	const char *customer;      /**< E.164, already normalized         */
	const char *customer_name; /**< may be NULL                       */
	const char *page_url;      /**< web page information, may be NULL */
	const char *page_title;
	const char *note;
	const char *skill;         /**< skill hint, may be NULL           */
	unsigned level;            /**< minimum level for the skill (1..9) */
	const char *agent_hint;    /**< an agent id (path b), may be NULL  */
	uint64_t due_ms;           /**< desired time, 0 = now             */
};

/* cc.c: the runtime (after store, call, tts and meter are up); cfg:
 * media.prompt_dir (hold music) */
int  cc_init(const struct cb_config *cfg);
void cc_close(void);
void cc_clock_changed(void);
const char *cc_status_name(enum cc_status st);
bool cc_status_final(enum cc_status st);

/* settings and agents, after the route stored them */
int  cc_business_apply(const struct store_cc_business *b);
int  cc_agent_apply(const struct store_cc_agent *a);
int  cc_agent_remove(const char *tenant, const char *agent_id);

/* requests.  id: CB_ID_LEN + 1; token: 44 + 1 (widget progress token,
 * random, URL-safe).  EINVAL bad input, ENOENT no such business or
 * agent, ENOMEM. */
int  cc_request_create(const struct cc_request_in *in, char *id,
		       char *token);
int  cc_request_cancel(const char *tenant, const char *id);
/* an active request (ENOENT if not in memory), as JSON */
int  cc_request_print(struct re_printf *pf, const char *tenant,
		      const char *id);
/* a request's fields (stored or live) inside its JSON object, without
 * the braces: skill, level and wait as the caller has them */
int  cc_request_fields(struct re_printf *pf,
		       const struct store_cc_request *w, const char *skill,
		       unsigned level, uint64_t wait);
/* the widget's view of an active request, if the token is its own */
int  cc_request_progress(struct re_printf *pf, const char *id,
			 const char *token);
bool cc_request_active(const char *id);

/* agents: status by name (available, break, logged-out, wrap-done) */
int  cc_agent_status_set(const char *tenant, const char *agent_id,
			 const char *status);
int  cc_agent_hangup(const char *tenant, const char *agent_id);
/* the agent's wrap-up notes on its last request, stored with it; the
 * request's id into req_id (ENOENT: the agent had none) */
int  cc_agent_wrapup(const char *tenant, const char *agent_id,
		     const char *notes, char *req_id, size_t sz);
/* the agent of a console login, "" if none: agent id into id */
int  cc_agent_of_user(const char *tenant, const char *user_id, char *id,
		      size_t sz);
/* one agent as JSON, with its current request (the screen-pop) */
int  cc_agent_print(struct re_printf *pf, const char *tenant,
		    const char *agent_id);
/* live queue and agent status of a business, as JSON */
int  cc_status_print(struct re_printf *pf, const char *tenant);
/* the business's display name and registered origins, NULL if none */
const struct store_cc_business *cc_business(const char *tenant);
/* a stored skill column ("cruises:7", "cruises" is level 1) apart, for
 * the stored rows' JSON; EINVAL if it is not one */
int  cc_skill_decode(const char *s, char *name, size_t sz, unsigned *level);
