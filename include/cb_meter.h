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

/* a call being metered */
bool meter_billed(const char *call_id);
int  meter_confirm(const char *call_id);
int  meter_json(struct re_printf *pf, const struct call *call);
int  meter_summary(const char *call_id, struct store_cdr **cdrvp,
		   size_t *cdrcp, struct store_charge **chvp, size_t *chcp);
