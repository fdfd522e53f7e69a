/**
 * @file meter/meter.h  Meter internals (shared by src/meter/ only)
 *
 * A *bill* is the money side of one billed call: its tenant's settings,
 * the rated destinations of its roles (A: `to`, B: `bridge_to`), one
 * *payer* per paying account with its hold, and one *mleg* per leg of
 * the call.  The registry (bill.c) owns every bill, by call id, from its
 * authorization until its capture is written; everything runs on the
 * re_main thread and store work is handed to the store's workers with
 * copies of what it needs.
 *
 * Time is the call model's wall clock in ms (call_now_ms(), the clock of
 * the legs' answered/ended stamps, so that a charge is exactly what the
 * stamps say).  The one timer structure is the heap of heap.c: each
 * metering leg has one node (its next increment) and each payer one
 * node (its next limit decision), and a single libre timer is armed for
 * the earliest of them all.
 *
 * Ownership: a bill embeds its payers and legs (fixed arrays), so a
 * pointer to them is valid while the bill is; the bill's destructor
 * takes every node out of the heap and every list.
 */

#include <stddef.h>
#define CB_LOG_SUB CB_SUB_CORE
#include "cb_core.h"
#include "cb_call.h"
#include "cb_store.h"
#include "cb_money.h"
#include "cb_meter.h"

enum {
	METER_LEGS_MAX = 8,            /**< legs of a call's bill, forks too */
	METER_LEGS_CONF = 128,         /**< legs of a conference's bill:
					    participants and their redials;
					    the most any bill has          */
	METER_GUARD_MS = 250,          /**< a cut comes this long before the
					    increment that would not be
					    covered starts                 */
	METER_TICK_MS = 20,            /**< the heap's timer granularity:
					    a node fires at most this late */
	METER_HORIZON_MS = 86400000,   /**< a limit is looked for this far
					    ahead; beyond, looked again    */
};

/* ---- heap.c: the one timer structure ---------------------------------- */

struct mtr_node;
typedef void (mtr_fire_h)(struct mtr_node *node, uint64_t now_ms);

/** A deadline in the heap, embedded in its owner */
struct mtr_node {
	uint64_t due;                  /**< wall clock, ms                  */
	uint32_t pos;                  /**< heap slot + 1; 0: not in heap   */
	mtr_fire_h *fire;
};

int  mtr_heap_init(void);
void mtr_heap_close(void);
void mtr_node_init(struct mtr_node *n, mtr_fire_h *fire);
int  mtr_schedule(struct mtr_node *n, uint64_t due);
void mtr_cancel(struct mtr_node *n);
uint32_t mtr_count(void);
uint64_t mtr_fired(void);
void mtr_run(uint64_t now_ms);

/** The struct a node is embedded in */
#define MTR_OWNER(node, type, member)					\
	((type *)(void *)((char *)(node) - offsetof(type, member)))

/* ---- bills, payers, legs: bill.c ------------------------------------- */

/** A payer's hold while the call runs (limit.c drives it) */
enum payer_state {
	PAYER_OPEN = 0,      /**< hold open, it covers what is metered   */
	PAYER_EXTENDING,     /**< re-authorization on a store worker     */
	PAYER_ASKING,        /**< the user was asked to confirm (DTMF 1) */
	PAYER_FINAL,         /**< no more money: the call is cut at the
				  limit                                  */
	PAYER_SETTLING,      /**< the call ended: capture under way      */
	PAYER_SETTLED,       /**< captured or released                   */
	PAYER_STATE_MAX
};

enum payer_ev {
	PAYER_EV_NEAR = 0,   /**< the hold runs out within the lead      */
	PAYER_EV_EXTENDED,   /**< a re-authorization was granted         */
	PAYER_EV_REFUSED,    /**< a re-authorization was refused         */
	PAYER_EV_CONFIRM,    /**< the user said yes (DTMF 1 or the API)  */
	PAYER_EV_LIMIT,      /**< the hold is used up: now or never      */
	PAYER_EV_END,        /**< the call ended                         */
	PAYER_EV_SETTLED,    /**< the capture was written                */
	PAYER_EV_MAX
};

struct meter_bill;

struct payer {
	struct meter_bill *bill;       /* borrowed: the bill owns us        */
	struct mtr_node node;          /* the next limit decision           */
	struct le dle;                 /* in persist.c's list while dirty   */
	unsigned idx;
	enum meter_payer kind;
	enum payer_state state;
	char account_id[CB_ID_LEN + 1];
	char hold_id[CB_ID_LEN + 1];
	int64_t authorized;            /* the hold, extensions included     */
	int64_t step;                  /* one re-authorization: the first   */
	int64_t persisted;             /* metered value last stored         */
	uint64_t limit_ms;             /* first ms the hold does not cover;
					  0: none within the horizon        */
	struct money_capture cap;      /* what the capture did              */
	bool captured;
};

struct mleg {
	struct meter_bill *bill;       /* borrowed: the bill owns us        */
	struct mtr_node node;          /* its next increment                */
	struct le cle;                 /* in persist.c's open-CDR list      */
	struct payer *payer;           /* borrowed, in bill->payerv         */
	enum meter_role role;
	unsigned idx;                  /* order in the call                 */
	char id[CB_ID_LEN + 1];
	char peer[160];
	bool rated;
	struct store_rate rate;
	uint64_t created_ms, answered_ms, ended_ms;
	uint64_t billed_s;             /* at the last increment / the end   */
	int64_t cost;
	char cause[24];
};

/** One role of the call (A: to, B: bridge_to) as authorized */
struct role {
	bool present;
	bool rated;
	char number[STORE_DIGITS_MAX + 1];
	char peer[160];
	struct store_rate rate;
	struct payer *payer;           /* borrowed, in bill->payerv         */
};

enum bill_state {
	BILL_AUTHORIZED = 0, /**< holds open, the call not dialed yet     */
	BILL_LIVE,           /**< the call runs                           */
	BILL_SETTLING,       /**< the call ended, capture under way       */
};

struct meter_bill {
	struct le he;                  /* in the registry, by call id       */
	struct le dle;                 /* in publish.c's list while dirty   */
	char call_id[CB_ID_LEN + 1];
	char tenant_id[CB_ID_LEN + 1];
	enum bill_state state;
	struct store_money_tenant mt;
	unsigned digits;               /* minor unit of the currency        */
	enum money_limit policy;
	struct role rolev[METER_ROLE_MAX];
	struct payer payerv[METER_ROLE_MAX];
	unsigned payerc;
	unsigned legc;
	unsigned legn;                 /* room in legv                      */
	bool registered;
	/* ask.c: the question put to the user */
	struct tts_req *tts;
	char ask_leg[CB_ID_LEN + 1];
	bool prompt_playing;
	/* conf.c: a conference's bill (NULL: a call's) */
	struct mtr_conf *conf;         /* owned                             */
	struct mleg legv[];            /* legn of them                      */
};

int  mtr_bill_alloc(struct meter_bill **billp, const char *call_id,
		    const char *tenant_id, const struct store_money_tenant *mt,
		    enum money_limit policy);
int  mtr_bill_alloc_n(struct meter_bill **billp, const char *call_id,
		      const char *tenant_id,
		      const struct store_money_tenant *mt,
		      enum money_limit policy, unsigned legs);
struct call *mtr_bill_call(const struct meter_bill *bill,
			   const char *leg_id);
struct payer *mtr_bill_payer_add(struct meter_bill *bill,
				 enum meter_payer kind,
				 const char *account_id, const char *hold_id,
				 int64_t amount);
int  mtr_bill_register(struct meter_bill *bill);
void mtr_bill_unregister(struct meter_bill *bill);
struct meter_bill *mtr_bill_find(const char *call_id);
struct mleg *mtr_bill_leg_find(struct meter_bill *bill, const char *leg_id);
struct mleg *mtr_bill_leg_bind(struct meter_bill *bill, const char *leg_id,
			       enum meter_role role, const char *peer,
			       uint64_t created_ms);
int  mtr_bill_apply(bool (*h)(struct meter_bill *bill, void *arg), void *arg);
uint32_t mtr_bill_count(void);
int  mtr_bill_registry_init(void);
void mtr_bill_registry_close(void);
const char *mtr_payer_state_name(enum payer_state st);

/* ---- cost.c: what a leg, a payer, a bill costs at a given time ------- */

int  mtr_mleg_charge_at(const struct mleg *l, uint64_t t,
			struct money_leg_charge *lc);
int  mtr_payer_summary_at(const struct payer *p, uint64_t t,
			  struct money_summary *s);
int  mtr_bill_cost_at(const struct meter_bill *bill, uint64_t t,
		      int64_t *costp, int64_t *totalp,
		      struct money_leg_charge *lcv);
uint64_t mtr_payer_limit_find(const struct payer *p, uint64_t now);

/* ---- leg.c: metering a leg by its increments ------------------------- */

void mtr_mleg_fire(struct mtr_node *n, uint64_t now);
void mtr_mleg_answer(struct mleg *l, uint64_t answered_ms);
void mtr_mleg_end(struct mleg *l, uint64_t ended_ms, const char *cause);

/* ---- limit.c: the payer's state machine ------------------------------ */

void mtr_payer_fire(struct mtr_node *n, uint64_t now);
int  mtr_payer_event(struct payer *p, enum payer_ev ev);
void mtr_payer_plan(struct payer *p, uint64_t now);
void mtr_bill_cut(struct meter_bill *bill);
const char *mtr_payer_ev_name(enum payer_ev ev);

/* ---- ask.c: the question to the user --------------------------------- */

int  mtr_ask_start(struct payer *p);
void mtr_ask_stop(struct meter_bill *bill);
void mtr_ask_dtmf(struct meter_bill *bill, const char *leg_id, char digit);
void mtr_ask_play_done(struct meter_bill *bill, const char *leg_id);

/* ---- publish.c: call.cost and billing.limit events ------------------- */

void mtr_publish_dirty(struct meter_bill *bill);
void mtr_publish_now(struct meter_bill *bill);
void mtr_publish_forget(struct meter_bill *bill);
void mtr_publish_limit(struct payer *p, const char *what);
uint64_t mtr_publish_count(void);
int  mtr_publish_init(uint32_t interval_ms);
void mtr_publish_close(void);

/* ---- render.c: the billing JSON of GET /v1/calls/{id} and events ------ */

int  mtr_render_bill(struct re_printf *pf, const struct meter_bill *bill);
int  mtr_render_cost(struct re_printf *pf, const struct meter_bill *bill);

/* ---- persist.c: running costs and open CDRs to the store ------------- */

void mtr_persist_payer(struct payer *p);
void mtr_persist_open_cdr(struct mleg *l);
void mtr_persist_forget(struct meter_bill *bill);
void mtr_persist_stats(uint64_t *batchesp, uint64_t *pointsp);
int  mtr_persist_init(struct store *st, uint32_t interval_ms);
void mtr_persist_close(void);

/* ---- summary.c: CDR and charge rows of a bill ----------------------- */

int  mtr_summary_rows(const struct meter_bill *bill, uint64_t now,
		      enum store_cdr_state state, struct store_cdr **cdrvp,
		      size_t *cdrcp, struct store_charge **chvp, size_t *chcp);
void mtr_summary_cdr(const struct mleg *l, uint64_t now,
		     enum store_cdr_state state, struct store_cdr *c);

/* ---- settle.c: the end of a billed call ----------------------------- */

void mtr_settle_bill(struct meter_bill *bill);
int  mtr_settle_all_now(void);

/* ---- extend.c: re-authorization on a worker ------------------------- */

int  mtr_extend_start(struct payer *p);

/* ---- conf.c: a conference's bill ----------------------------------- */

bool mtr_conf_cut(struct meter_bill *bill);
struct call *mtr_conf_call(const struct meter_bill *bill, const char *leg_id);
bool mtr_conf_cost(struct meter_bill *bill);
unsigned mtr_conf_ask(struct meter_bill *bill, const char *wav);

/* ---- meter.c: configuration and the store ---------------------------- */

struct store *meter_store(void);
void mtr_event(struct meter_bill *bill, const struct call_event *ev);
uint32_t meter_lead_ms(void);
const char *meter_ask_text(void);
