/**
 * @file cb_money.h  Money: amounts, rates, rating, ledger, holds, tokens
 *
 * Everything callbridge charges goes through here (docs/money.md).
 * Amounts are int64 micro-units of a currency (1 USD = 1,000,000 µUSD),
 * durations are milliseconds, tax rates are parts per million: there is
 * no floating point anywhere in this subsystem, and every sum or product
 * is overflow-checked (ERANGE).  No amount's magnitude exceeds MONEY_MAX.
 *
 * - rates: per tenant, longest-prefix match on E.164 digits; CSV import
 *   (all-or-nothing, errors numbered by line) and export;
 * - rating: the cost of a duration under a rate (increments, connection
 *   fee, minimum), taxes, the charge summary of a call or conference;
 * - ledger: accounts whose balances are derived from an append-only
 *   double-entry ledger (entries of a transaction sum to zero), with
 *   idempotency keys and a reconcile that proves balances = entries;
 * - holds: pre-authorization against available funds, capture, release;
 * - tokens: usage tokens per account and service (seed 001, FIG. 4);
 * - credits: trouble reports, at most one minute of a leg, once per leg;
 * - providers: the prepaid balance and a test card provider.
 *
 * Functions return 0 or an errno: EINVAL bad input, ERANGE out of range,
 * ENOENT unknown, ENOSPC insufficient funds, EPERM declined by a payment
 * provider, EALREADY done before by the same request (the id returned is
 * that first one's), EEXIST an idempotency key reused by another request.
 * Include after <re.h>, cb_core.h and cb_store.h.
 */

struct store;
struct cb_config;

#define MONEY_SCALE INT64_C(1000000)            /**< µ per unit       */
#define MONEY_MAX   INT64_C(100000000000000000) /**< 1e11 units       */

enum {
	MONEY_CODE_MAX = 32,      /**< provider answer: "card_declined"  */
	MONEY_CSV_ERRORS_MAX = 10,
	MONEY_RATES_MAX = 200000, /**< rows of one rate table            */
	MONEY_PPM = 1000000,
};

enum money_round {
	MONEY_ROUND_HALF_UP = 0,  /**< .5 goes away from zero            */
	MONEY_ROUND_UP,           /**< toward +infinity                  */
	MONEY_ROUND_DOWN,         /**< toward -infinity                  */
};

/** A capture above its hold (tenant setting `overcapture`) */
enum money_over {
	MONEY_OVER_CAP = 0,       /**< charge at most the hold           */
	MONEY_OVER_AVAILABLE,     /**< beyond it up to available funds   */
	MONEY_OVER_DEBT,          /**< charge it all, balance may go < 0 */
	MONEY_OVER_MAX
};

/** A hold running out during a call (tenant setting `limit`) */
enum money_limit {
	MONEY_LIMIT_EXTEND = 0,   /**< re-authorize automatically        */
	MONEY_LIMIT_ASK,          /**< ask the user (web, DTMF 1)        */
	MONEY_LIMIT_CUT,          /**< end the call at the limit         */
	MONEY_LIMIT_MAX
};

/** Why a leg is credited (seed 004, FIG. 7) */
enum money_trouble {
	MONEY_TROUBLE_NOISE = 0,
	MONEY_TROUBLE_DISCONNECTED,
	MONEY_TROUBLE_OTHER,
	MONEY_TROUBLE_MAX
};

/* ---- amounts and currencies (amount.c, currency.c) -------------------- */

int  money_parse(int64_t *vp, const char *s);
int  money_parse_pl(int64_t *vp, const struct pl *pl);
int  money_fmt(char *buf, size_t sz, int64_t v, unsigned digits);
int  money_add(int64_t *rp, int64_t a, int64_t b);
int  money_sub(int64_t *rp, int64_t a, int64_t b);
int  money_mul(int64_t *rp, int64_t a, int64_t n);
int  money_muldiv(int64_t *rp, int64_t a, int64_t b, int64_t d,
		  enum money_round rnd);
int  money_round_minor(int64_t *rp, int64_t v, unsigned digits);
int  money_ppm_parse(uint32_t *ppmp, const char *percent);
int  money_ppm_fmt(char *buf, size_t sz, uint32_t ppm);

int  money_currencies_set(const char *list);
bool money_currency_ok(const char *code);
unsigned money_currency_digits(const char *code);
int  money_config_apply(const struct cb_config *cfg);

/* ---- rates (rate.c, ratecsv.c) ---------------------------------------- */

/** Errors of a CSV import, each with its line number */
struct money_csv_report {
	size_t rows;                       /**< rate rows read            */
	unsigned errc;                     /**< errors kept in errv       */
	bool more;                         /**< further errors not kept   */
	struct {
		unsigned line;
		char msg[96];
	} errv[MONEY_CSV_ERRORS_MAX];
};

int  money_number_digits(char digits[STORE_DIGITS_MAX], const char *number);
int  money_rate_check(const struct store_rate *r);
int  money_rate_find(struct store *st, struct store_rate *r,
		     const char *tenant_id, const char *number);
int  money_rates_csv_parse(struct store_rate **vp, size_t *np,
			   const char *csv, size_t len,
			   struct money_csv_report *rep);
int  money_rates_import(struct store *st, const char *tenant_id,
			const char *csv, size_t len,
			struct money_csv_report *rep);
int  money_rates_export(struct re_printf *pf, struct store *st,
			const char *tenant_id);

/* ---- rating (rating.c) ------------------------------------------------- */

/** One billed leg of a charge summary */
struct money_leg_charge {
	char number[STORE_DIGITS_MAX];
	uint64_t dur_ms;          /**< answered to ended                 */
	uint64_t billed_s;        /**< after increments                  */
	int64_t cost;             /**< fee + usage, at least the minimum */
};

/** A call's or conference's charges, as seed 004's FIG. 6 shows them */
struct money_summary {
	int64_t subtotal;         /**< sum of the legs' costs            */
	int64_t min_adjust;       /**< up to the conference minimum      */
	int64_t rounding;         /**< to the currency's minor unit      */
	int64_t net;              /**< subtotal + min_adjust + rounding  */
	int64_t tax;
	int64_t total;            /**< net + tax                         */
};

uint64_t money_billed_s(const struct store_rate *r, uint64_t dur_ms);
int  money_leg_cost(int64_t *costp, const struct store_rate *r,
		    uint64_t dur_ms);
int  money_leg_rate(struct money_leg_charge *lc, const struct store_rate *r,
		    uint64_t dur_ms);
int  money_tax(int64_t *taxp, int64_t net, uint32_t tax_ppm);
int  money_summary_make(struct money_summary *s,
			const struct money_leg_charge *legv, size_t legc,
			int64_t conf_min, uint32_t tax_ppm, unsigned digits);
int  money_estimate(int64_t *amountp, const struct store_rate *ratev,
		    size_t n, const struct store_money_tenant *mt);

/* ---- ledger (ledger.c, account.c) ------------------------------------- */

int  money_tenant_get(struct store *st, struct store_money_tenant *mt,
		      const char *tenant_id);
int  money_tenant_set(struct store *st, const struct store_money_tenant *mt);
int  money_tenant_setting(struct store_money_tenant *mt, const char *key,
			  const char *val);
const char *money_over_name(enum money_over o);
const char *money_limit_name(enum money_limit l);
bool money_account_kind_ok(const char *kind);
int  money_account_create(struct store *st, struct store_account *a,
			  const char *tenant_id, const char *kind,
			  const char *name, int64_t credit_limit);
int  money_system_account(struct store *st, char id[CB_ID_LEN + 1],
			  const char *tenant_id, const char *name);
int  money_post(struct store *st, struct store_txn *t);
int  money_topup(struct store *st, const char *tenant_id,
		 const char *account_id, int64_t amount,
		 const char *method_id, const char *idem_key,
		 char txn_id[CB_ID_LEN + 1]);
int  money_reconcile(struct store *st, const char *tenant_id,
		     struct store_money_recon *r);
void money_req_hash(uint8_t hash[STORE_HASH_LEN], const char *fmt, ...);
uint64_t money_now_ms(void);

/* ---- holds (hold.c) ---------------------------------------------------- */

/** What a capture charged */
struct money_capture {
	int64_t total;            /**< net + tax asked for               */
	int64_t charged;          /**< taken from the payer              */
	int64_t written_off;      /**< total - charged (policy)          */
	char txn_id[CB_ID_LEN + 1];
};

int  money_hold_authorize(struct store *st, struct store_hold *h,
			  const char *tenant_id, const char *account_id,
			  int64_t amount, const char *method_id,
			  const char *ref, const char *idem_key);
int  money_hold_extend(struct store *st, const char *hold_id, int64_t add);
int  money_hold_meter(struct store *st, const char *hold_id,
		      int64_t metered);
int  money_hold_capture(struct store *st, const char *hold_id, int64_t net,
			int64_t tax, struct money_capture *res);
int  money_hold_release(struct store *st, const char *hold_id);
int  money_hold_recover(struct store *st, const char *tenant_id,
			unsigned *settledp);

/* ---- usage tokens (token.c) -------------------------------------------- */

/** Who gave how many tokens, and what was charged for missing ones */
struct money_token_use {
	int64_t requester_used;
	int64_t peer_used;
	int64_t shortfall;        /**< tokens missing, charged          */
	int64_t charged;          /**< shortfall x the service's price  */
	char op_id[CB_ID_LEN + 1];
	char txn_id[CB_ID_LEN + 1];
};

int  money_token_service_set(struct store *st, const char *tenant_id,
			     const char *service, bool per_minute,
			     int64_t price);
int64_t money_token_units(const struct store_token_service *s,
			  uint64_t dur_ms);
int  money_token_grant(struct store *st, const char *tenant_id,
		       const char *account_id, const char *service,
		       int64_t n, const char *idem_key);
int  money_token_consume(struct store *st, const char *tenant_id,
			 const char *service, const char *requester_id,
			 const char *peer_id, int64_t units,
			 const char *ref, const char *idem_key,
			 struct money_token_use *u);

/* ---- trouble-report credits (credit.c) --------------------------------- */

int  money_trouble_parse(enum money_trouble *tp, const char *s);
const char *money_trouble_name(enum money_trouble t);
int  money_credit_leg(struct store *st, const char *tenant_id,
		      const char *account_id, const char *leg_id,
		      const struct store_rate *rate, int64_t leg_cost,
		      enum money_trouble why, int64_t *amountp);

/* ---- payment providers (provider.c, card.c) ---------------------------- */

/** Card details as typed; never stored, never logged */
struct money_card {
	const char *number;
	const char *cvv;
	unsigned exp_month, exp_year;
};

/** A way to pay: authorize, capture, cancel; codes say why not */
struct money_provider {
	const char *name;
	bool on_balance;          /**< holds reserve the account balance */
	int (*authorize)(const struct store_method *m, int64_t amount,
			 char code[MONEY_CODE_MAX]);
	int (*capture)(const struct store_method *m, int64_t amount,
		       char code[MONEY_CODE_MAX]);
	int (*cancel)(const struct store_method *m, int64_t amount);
};

const struct money_provider *money_provider_get(const char *name);
bool money_luhn_ok(const char *digits);
int  money_card_check(const struct money_card *c, unsigned year,
		      unsigned month, char brand[STORE_KIND_MAX],
		      char last4[5], char code[MONEY_CODE_MAX]);
int  money_card_rules_set(const char *rules);
int  money_card_add(struct store *st, struct store_method *m,
		    const char *tenant_id, const char *account_id,
		    const struct money_card *card, char code[MONEY_CODE_MAX]);

/* ---- command line (cli.c) ---------------------------------------------- */

int  money_cli_main(const struct cb_config *cfg, int argc, char *argv[]);
