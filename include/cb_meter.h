/**
 * @file cb_meter.h  Live metering of billed calls
 *
 * A call made with `billing` (POST /v1/calls) is authorized before it is
 * dialed: its destinations are rated from the tenant's rate table, and a
 * hold is put on each paying account (the estimate of money_estimate()).
 * From then on the meter owns the call's money: each billed leg is
 * metered from its answer by its rate's increments on one timer heap for
 * every leg, the running cost is published as `call.cost` events and
 * persisted on the holds, the tenant's limit policy runs when a hold is
 * about to be used up (re-authorize, ask the user, or cut the call), and
 * when the call ends the holds are captured and the CDRs and charge
 * summary are written (docs/money.md, "Metering").
 *
 * Everything here runs on the re_main thread; store work goes to the
 * store's workers.  Include after <re.h>, cb_core.h, cb_call.h and
 * cb_store.h.
 */

struct meter_bill;
struct call;
struct leg;

/** Who pays a leg (what its CDR says; the money comes from `account`) */
enum meter_payer {
	METER_PAYER_CALLER = 0,   /**< the calling party's account        */
	METER_PAYER_CALLEE,       /**< the called party's (collect)       */
	METER_PAYER_ACCOUNT,      /**< a third party, a business          */
	METER_PAYER_MAX
};

/** The legs of an API call: `to` (A) and `bridge_to` (B) */
enum meter_role {
	METER_ROLE_A = 0,
	METER_ROLE_B,
	METER_ROLE_MAX
};

/** Who pays one role's legs; number NULL: not a number, not rated */
struct meter_role_spec {
	bool present;             /**< the call has this role             */
	const char *number;       /**< E.164, or NULL (SIP URI, user)     */
	const char *peer;         /**< what is dialed, for the CDR        */
	const char *account;      /**< account id or name of the tenant   */
	enum meter_payer payer;
};

/** What to authorize for a call */
struct meter_spec {
	const char *tenant_id;
	const char *call_id;
	struct meter_role_spec rolev[METER_ROLE_MAX];
	int limit;                /**< enum money_limit, or -1: tenant's  */
};

/** Why an authorization failed, for the API's error */
struct meter_refusal {
	int err;                  /**< 0: authorized                      */
	const char *code;         /**< insufficient_funds, not_rated, ... */
	const char *field;        /**< billing.account, to, bridge_to     */
	const char *message;
};

typedef void (meter_auth_h)(struct meter_bill *bill,
			    const struct meter_refusal *r, void *arg);

int  meter_init(const struct cb_config *cfg, struct store *st);
void meter_close(void);
int  meter_recover(struct store *st, unsigned *settledp);

const char *meter_payer_name(enum meter_payer p);
int  meter_payer_parse(enum meter_payer *pp, const char *s);

/* authorization (a store job), then the bill follows its call */
int  meter_authorize(const struct meter_spec *spec, meter_auth_h *h,
		     void *arg);
int  meter_bill_start(struct meter_bill *bill);
void meter_bill_abort(struct meter_bill *bill);
int  meter_leg_add(const char *call_id, const struct leg *leg,
		   enum meter_role role);
/* a role chosen while the call runs (an ACD's agent): rate its number
 * (NULL: free) and extend its payer's hold before its leg is dialed;
 * EINPROGRESS: h follows (src/meter/role.c) */
int  meter_role_rate(const char *call_id, enum meter_role role,
		     const char *number, const char *peer, meter_auth_h *h,
		     void *arg);
int  meter_call_ended(const char *call_id);

/*
 * A conference's bill (src/meter/conf.c, docs/conference.md "Money"):
 * one hold for the whole conference, keyed by the conference id (the
 * CDRs' and charges' call_id), its legs coming from the participants'
 * own calls.  The conference passes their events on (meter_conf_event)
 * and is asked for what the meter does to a call otherwise: the call to
 * publish on and to find a leg in, the cut, the cost events.
 */
struct meter_host {
	struct call *(*call_h)(const char *leg_id, void *arg); /* NULL id:
					any live call of the conference   */
	void (*cut_h)(void *arg);     /**< the hold is used up: end it    */
	void (*cost_h)(void *arg);    /**< the running cost moved         */
	/** policy ask: play wav (NULL: stop it) to everyone in the
	 *  mixer; how many hear it */
	unsigned (*ask_h)(const char *wav, void *arg);
	void *arg;
};

/** What to pre-authorize for a conference */
struct meter_conf_spec {
	const char *tenant_id;
	const char *conf_id;
	const char *account;          /**< id or name: who pays           */
	const char *method;           /**< a card's id, NULL: the balance */
	const char *const *numv;      /**< E.164 of the participants      */
	unsigned numc;
	int limit;                    /**< enum money_limit, -1: tenant's */
};

/** A conference's money now (meter_conf_money) */
struct meter_conf_money {
	char currency[8];
	unsigned digits;
	char account_id[CB_ID_LEN + 1];
	char hold_id[CB_ID_LEN + 1];
	const char *policy, *state;   /**< static names                   */
	int64_t authorized, cost, total;
	uint64_t limit_ms;            /**< 0: not within the horizon      */
};

int  meter_conf_authorize(const struct meter_conf_spec *spec,
			  meter_auth_h *h, void *arg);
int  meter_conf_start(struct meter_bill *bill, const struct meter_host *host);
void meter_conf_detach(const char *conf_id);
int  meter_conf_can_dial(const char *conf_id, const char *number);
int  meter_conf_rate(const char *conf_id, const char *number,
		     meter_auth_h *h, void *arg);
int  meter_conf_leg_add(const char *conf_id, const struct leg *leg,
			const char *number);
void meter_conf_event(const char *conf_id, const struct call_event *ev);
int  meter_conf_money(const char *conf_id, struct meter_conf_money *m);
int  meter_conf_leg_cost(const char *conf_id, const char *leg_id,
			 uint64_t *billed_sp, int64_t *costp);
int  meter_conf_rate_of(const char *conf_id, const char *number,
			int64_t *per_minp);

/* a call being metered */
bool meter_billed(const char *call_id);
int  meter_confirm(const char *call_id);
int  meter_json(struct re_printf *pf, const struct call *call);
int  meter_summary(const char *call_id, struct store_cdr **cdrvp,
		   size_t *cdrcp, struct store_charge **chvp, size_t *chcp);
