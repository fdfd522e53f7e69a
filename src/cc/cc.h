/**
 * @file cc/cc.h  The contact-centre runtime's private structures
 *
 * One struct cc_biz per business (tenant) holds that business's own ACD
 * instance (struct acd: wrap-up time and max no-answer are per business,
 * and the ACD's configuration is per instance), its one queue and its
 * agents.  Requests live in one list, from creation until a while after
 * their end (CC_LINGER_MS, for the widget's last progress poll).
 *
 * One owner per state: a request's status only changes in req_set()
 * (request.c), which stores and publishes it; an agent's status only in
 * acd_agent_event() (the ACD).  Calls are placed and followed in flow.c
 * (customer leg, agent leg, prompts) and offer.c (the ACD's offers).
 * Everything runs on the re_main thread.
 */
#define CB_LOG_SUB CB_SUB_CALL
#include "cb_core.h"
#include "cb_call.h"
#include "cb_store.h"
#include "cb_acd.h"
#include "cb_cc.h"

enum {
	CC_LINGER_MS  = 600000,  /**< a final request stays in memory     */
	CC_TICK_MS    = 500,     /**< ACD tick: wrap-ups and fallbacks    */
	CC_RETRY_MS   = 3000,    /**< all agents rang out: again after     */
	CC_TOKEN_LEN  = 44,      /**< widget token: 33 random bytes, b64url */
	CC_SKILLS_MAX = 7,       /**< ACD_SKILL_MAX minus the agent's own */
};

/** What the customer leg is hearing (what a PLAY_DONE ends) */
enum cc_media {
	CC_MEDIA_NONE = 0,
	CC_MEDIA_ANNOUNCE,   /**< the business's announcement            */
	CC_MEDIA_HOLD,       /**< hold music, looped                     */
	CC_MEDIA_POSITION,   /**< "You are number N in the queue"        */
	CC_MEDIA_BYE,        /**< "We will call you back", then hang up  */
};

/** Which leg a call_dial() in progress makes (events during it) */
enum cc_dialing {
	CC_DIAL_NONE = 0,
	CC_DIAL_CUSTOMER,
	CC_DIAL_AGENT,
};

struct cc_biz {
	struct le le;                  /* in rt.bizs                     */
	struct store_cc_business row;
	bool configured;               /* cc_business_apply() was called */
	struct acd *acd;               /* owned: this business's ACD     */
	struct acd_queue *q;           /* owned: its one queue           */
	struct list agents;            /* struct cc_agent, owned         */
	bool dispatching;              /* inside acd_queue_dispatch()    */
};

struct cc_agent {
	struct le le;                  /* in biz->agents                 */
	struct cc_biz *biz;            /* borrowed                       */
	struct store_cc_agent row;
	struct acd_agent *ag;          /* owned                          */
	struct cc_req *req;            /* borrowed: offered or connected */
	bool removed;                  /* goes when its call ends        */
	char last_req[CB_ID_LEN + 1];  /* for wrap-up notes              */
	uint64_t wrap_until_j;         /* jiffies its wrap-up ends       */
};

struct cc_req {
	struct le le;                  /* in rt.reqs                     */
	struct cc_biz *biz;            /* borrowed (bizs live until close) */
	struct store_cc_request row;
	enum cc_status st;
	struct acd_req *areq;          /* owned, while in the queue      */
	struct cc_agent *agent;        /* borrowed, offered or connected */
	struct call *call;             /* borrowed, until CALL_END       */
	struct leg *cust;              /* borrowed, until it ends        */
	struct leg *agl;               /* borrowed, until it ends        */
	enum cc_dialing dialing;
	enum cc_media media;
	bool agent_answered;           /* callback call: agent picked up */
	bool billed;
	unsigned level;                /* of the skill hint, 1..9        */
	uint64_t queued_j;             /* jiffies when it was queued     */
	uint32_t announcements;        /* positions spoken so far        */
	uint32_t announced_pos;        /* the last position spoken       */
	uint32_t pos_pending;          /* the position being synthesized */
	struct tts_req *tts;           /* owned, a synthesis we wait for */
	char ann[512];                 /* the announcement's WAV         */
	struct tmr tmr_pos;            /* position announcements         */
	struct tmr tmr_offer;          /* ring the offered agent         */
	struct tmr tmr_linger;         /* a final request goes           */
};

/* cc.c */
const struct cb_config *cc_config(void);
struct list *cc_reqs(void);
struct cc_biz *cc_biz_find(const char *tenant);
int  cc_biz_get(struct cc_biz **bizp, const char *tenant);
struct cc_agent *cc_agent_find(const struct cc_biz *biz, const char *id);
void cc_dispatch(struct cc_biz *biz);
uint64_t cc_now(void);
bool cc_running(void);

/* agent.c */
void cc_agent_release(struct cc_agent *a, bool hangup);

/* request.c */
struct cc_req *cc_req_find(const char *id);
void cc_req_set(struct cc_req *r, enum cc_status st);
void cc_req_end(struct cc_req *r, enum cc_status st, const char *cause);
void cc_req_store(struct cc_req *r);
void cc_req_schedule(void);
int  cc_req_load(struct cc_biz *biz);

/* flow.c */
void cc_flow_start(struct cc_req *r);
void cc_flow_place(struct cc_req *r, bool agent_first);
void cc_flow_event(const struct call_event *ev, void *arg);
void cc_flow_hold(struct cc_req *r);
int  cc_flow_requeue(struct cc_req *r);
int  cc_flow_dial(struct cc_req *r, enum cc_dialing which);
int  cc_flow_agent(struct cc_req *r);

/* offer.c */
void cc_offer_handler(struct acd_req *areq, struct acd_agent *ag, void *arg);
void cc_offer_noanswer(struct cc_req *r);

/* text.c: pure helpers */
int  cc_skills_parse(const char *s, char namev[][ACD_NAME_MAX],
		     unsigned *levelv, unsigned max, unsigned *countp);
bool cc_skill_valid(const char *name);
int  cc_skill_encode(char *buf, size_t sz, const char *skill, unsigned level);
int  cc_announcement(char *buf, size_t sz, const char *text,
		     const char *business);
int  cc_position_text(char *buf, size_t sz, uint32_t position);
int  cc_progress_text(char *buf, size_t sz, enum cc_status st,
		      uint32_t position);
int  cc_json_str(struct re_printf *pf, const char *s);
enum cc_status cc_status_parse(const char *name);
