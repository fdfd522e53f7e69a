/**
 * @file acd/acd.h  The ACD's private structures and its indexes
 *
 * Routing never scans agents.  Per tenant there is one list of every
 * available agent and, per skill, one list per level of the available
 * agents having that skill at that level.  Every list is ordered by
 * `seq`, the moment (a counter) the agent last became available, so
 * the head of a list is its longest-idle agent and entering or leaving
 * availability is O(skills).  A request with skill S at level L looks at
 * the heads of the lists L..ACD_LEVEL_MAX of S (skipping the few agents
 * it already tried) and takes the oldest: O(levels + tried) per decision.
 *
 * One owner per field: the lists belong to the tenant index (index.c),
 * the agent's state only changes in acd_agent_event() (state.c).
 */
/* the ACD logs as part of call handling */
#define CB_LOG_SUB CB_SUB_CALL
#include "cb_core.h"
#include "cb_acd.h"

struct acd_skill {
	struct le le;                          /* in tenant->skills      */
	char name[ACD_NAME_MAX];
	struct list lv[ACD_LEVEL_MAX + 1];     /* by level; [0] unused   */
};

struct acd_tenant {
	struct le le;                          /* in acd->tenants        */
	char id[ACD_NAME_MAX];
	struct list avail;                     /* every available agent  */
	struct list skills;                    /* struct acd_skill       */
};

struct acd {
	struct acd_config cfg;
	acd_clock_h *clockh;
	void *clock_arg;
	acd_offer_h *offerh;
	void *offer_arg;
	struct list tenants;                   /* struct acd_tenant      */
	struct list wraps;                     /* agents in wrap-up, by due */
	uint64_t seq;                          /* availability counter   */
	uint32_t next_uid;
};

struct agent_skill {
	struct acd_skill *skill;               /* borrowed, tenant's     */
	unsigned level;
	struct le le;                          /* in skill->lv[level]    */
};

struct acd_agent {
	struct acd *acd;                       /* ref                    */
	struct acd_tenant *tenant;             /* borrowed, acd's        */
	char id[ACD_NAME_MAX];
	char endpoint[ACD_ENDPT_MAX];
	uint32_t uid;                          /* for requests' tried set */
	enum acd_agent_state state;
	struct agent_skill skv[ACD_SKILL_MAX];
	unsigned skc;
	struct le le_avail;                    /* in tenant->avail       */
	struct le le_wrap;                     /* in acd->wraps          */
	uint64_t seq;                          /* when it became available */
	uint64_t idle_since;                   /* ms, same moment        */
	uint64_t wrap_due;                     /* ms                     */
	uint32_t noanswers;                    /* consecutive            */
	struct acd_req *req;                   /* borrowed: offered, on-call */
};

struct acd_queue {
	struct acd *acd;                       /* ref                    */
	struct acd_tenant *tenant;             /* borrowed               */
	char name[ACD_NAME_MAX];
	uint32_t fallback_ms;
	struct list reqs;                      /* by place               */
};

struct acd_req {
	struct acd_queue *q;                   /* borrowed; NULL: gone   */
	struct le le;                          /* in q->reqs             */
	enum acd_req_state state;
	struct acd_skill *skill;               /* borrowed; NULL: any    */
	unsigned level;
	uint64_t since;                        /* enqueue time, ms       */
	bool callback;
	struct acd_agent *agent;               /* borrowed, while offered */
	uint32_t triedv[ACD_TRIED_MAX];        /* agent uids, ring       */
	unsigned triedc;
	uint64_t tried_ms;                     /* last ring-out, ms      */
	void *ctx;                             /* borrowed, the caller's */
};

/* index.c */
struct acd_tenant *acd_tenant_get(struct acd *acd, const char *id);
struct acd_skill *acd_skill_get(struct acd_tenant *t, const char *name,
				bool create);
void acd_index_enter(struct acd_agent *ag);
void acd_index_leave(struct acd_agent *ag);
void acd_index_tenants_flush(struct acd *acd);

/* state.c */
void acd_agent_detach(struct acd_agent *ag);

/* route.c */
bool acd_req_tried(const struct acd_req *req, uint32_t uid);
