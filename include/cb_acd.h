/**
 * @file cb_acd.h  Automatic call distribution: agents, queues, routing
 *
 * The ACD core as a library (docs/acd.md).  It knows no calls and no
 * HTTP: callers tell it what happened (an agent logged in, an offer was
 * answered or not, a call ended) and it decides who gets the next
 * waiting request, through the offer handler given to acd_alloc().
 *
 * Time comes only from the clock handler given to acd_alloc(), so tests
 * drive wrap-up timers and fallback waits without sleeping; acd_tick()
 * expires what is due at the clock's current time.
 *
 * Ownership: the caller owns agents, queues and requests (mem_deref);
 * each holds a reference on its acd, and a destructor takes its object
 * out of every index.  Everything runs on the main thread.
 */

struct acd;
struct acd_agent;
struct acd_queue;
struct acd_req;

enum {
	ACD_LEVEL_MAX  = 9,    /**< skill levels are 1..ACD_LEVEL_MAX     */
	ACD_SKILL_MAX  = 8,    /**< skills per agent                      */
	ACD_NAME_MAX   = 32,   /**< skill names, tenant and agent ids     */
	ACD_ENDPT_MAX  = 128,  /**< agent endpoint: user or number        */
	ACD_TRIED_MAX  = 16,   /**< agents remembered per request         */
};

/** Agent status */
enum acd_agent_state {
	ACD_AGENT_LOGGED_OUT = 0, /**< not taking calls                   */
	ACD_AGENT_AVAILABLE,      /**< idle, in the routing indexes        */
	ACD_AGENT_OFFERED,        /**< a request is ringing the agent      */
	ACD_AGENT_ON_CALL,        /**< talking to a customer               */
	ACD_AGENT_WRAP_UP,        /**< after a call, until the timer ends  */
	ACD_AGENT_BREAK,          /**< away, by choice or by no-answers    */
};

/** What can happen to an agent; acd_agent_event() refuses the rest */
enum acd_agent_ev {
	ACD_EV_LOGIN = 0,  /**< logged-out -> available                  */
	ACD_EV_LOGOUT,     /**< available/wrap-up/break -> logged-out    */
	ACD_EV_OFFER,      /**< available -> offered (routing only)      */
	ACD_EV_ANSWER,     /**< offered -> on-call                       */
	ACD_EV_NOANSWER,   /**< offered -> available, or break at max    */
	ACD_EV_CANCEL,     /**< offered -> available (request went away) */
	ACD_EV_HANGUP,     /**< on-call -> wrap-up (available if no wrap)*/
	ACD_EV_WRAP_DONE,  /**< wrap-up -> available (timer or agent)    */
	ACD_EV_BREAK,      /**< available/wrap-up -> break               */
	ACD_EV_READY,      /**< break -> available                       */
};

/** Request status */
enum acd_req_state {
	ACD_REQ_WAITING = 0, /**< in its queue, routable                  */
	ACD_REQ_OFFERED,     /**< offered to an agent, keeps its place    */
	ACD_REQ_CONNECTED,   /**< the agent answered; out of the queue    */
	ACD_REQ_GONE,        /**< removed (abandoned) or queue closed     */
};

/** Clock: monotonic milliseconds */
typedef uint64_t (acd_clock_h)(void *arg);
/**
 * An agent was chosen for a request; both are now OFFERED.  The handler
 * may free this request (its agent is then free again) but must not
 * free other requests of the queue or dispatch from inside.
 */
typedef void (acd_offer_h)(struct acd_req *req, struct acd_agent *ag,
			   void *arg);

struct acd_config {
	uint32_t wrap_ms;      /**< wrap-up time after a call (0: none)   */
	uint32_t max_noanswer; /**< consecutive no-answers -> break (0: off)*/
	uint32_t lookahead;    /**< waiting requests examined per dispatch */
	uint32_t retry_ms;     /**< all tried: offer again after this wait */
};

/* acd.c */
int  acd_alloc(struct acd **acdp, const struct acd_config *cfg,
	       acd_clock_h *clockh, void *clock_arg,
	       acd_offer_h *offerh, void *offer_arg);
int  acd_config_set(struct acd *acd, const struct acd_config *cfg);
uint64_t acd_now(const struct acd *acd);
int  acd_tick(struct acd *acd);
int  acd_debug(struct re_printf *pf, const struct acd *acd);

/* agent.c */
int  acd_agent_alloc(struct acd_agent **agp, struct acd *acd,
		     const char *id, const char *tenant, const char *endpoint);
int  acd_agent_skill_set(struct acd_agent *ag, const char *skill,
			 unsigned level);
unsigned acd_agent_skill_level(const struct acd_agent *ag,
			       const char *skill);
const char *acd_agent_id(const struct acd_agent *ag);
const char *acd_agent_endpoint(const struct acd_agent *ag);
uint64_t acd_agent_idle_since(const struct acd_agent *ag);
uint32_t acd_agent_noanswers(const struct acd_agent *ag);
struct acd_req *acd_agent_req(const struct acd_agent *ag);
int  acd_agent_debug(struct re_printf *pf, const struct acd_agent *ag);

/* state.c */
int  acd_agent_event(struct acd_agent *ag, enum acd_agent_ev ev);
enum acd_agent_state acd_agent_state(const struct acd_agent *ag);
const char *acd_agent_state_name(enum acd_agent_state st);
const char *acd_agent_ev_name(enum acd_agent_ev ev);

/* queue.c */
int  acd_queue_alloc(struct acd_queue **qp, struct acd *acd,
		     const char *tenant, const char *name,
		     uint32_t fallback_ms);
void acd_queue_fallback_set(struct acd_queue *q, uint32_t fallback_ms);
uint32_t acd_queue_count(const struct acd_queue *q);
int  acd_queue_debug(struct re_printf *pf, const struct acd_queue *q);
int  acd_req_alloc(struct acd_req **reqp, struct acd_queue *q,
		   const char *skill, unsigned level, void *ctx);
int  acd_req_callback(struct acd_req *req);
bool acd_req_is_callback(const struct acd_req *req);
uint32_t acd_req_position(const struct acd_req *req);
enum acd_req_state acd_req_state(const struct acd_req *req);
uint64_t acd_req_since(const struct acd_req *req);
struct acd_agent *acd_req_agent(const struct acd_req *req);
void *acd_req_ctx(const struct acd_req *req);

/* route.c */
unsigned acd_queue_dispatch(struct acd_queue *q);
int  acd_req_answered(struct acd_req *req);
int  acd_req_noanswer(struct acd_req *req);
void acd_req_tried_clear(struct acd_req *req);
uint32_t acd_req_tried_count(const struct acd_req *req);
