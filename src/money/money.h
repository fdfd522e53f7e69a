/**
 * @file money/money.h  Money subsystem internals
 *
 * What the files of src/money/ share and nobody else needs: the names of
 * the tenant's system accounts, the payment providers' private entry
 * points, and the default money settings of a tenant.
 */

#define CB_LOG_SUB CB_SUB_CORE
#include "cb_core.h"
#include "cb_store.h"
#include "cb_money.h"

/* the system accounts of a tenant, created on first use */
#define MONEY_ACC_REVENUE  "revenue"
#define MONEY_ACC_TAX      "tax"
#define MONEY_ACC_PROMO    "promo"
#define MONEY_ACC_FUNDING  "funding."   /* + provider name */

/* the default settings of a tenant (no row in the store) */
enum {
	MONEY_DEFAULT_TYPICAL_S = 600,     /* 10 minutes              */
};

/* provider.c */
extern const struct money_provider money_prepaid_provider;

/* card.c */
extern const struct money_provider money_testcard_provider;

/* ledger.c */
int  money_funding_account(struct store *st, char id[CB_ID_LEN + 1],
			   const char *tenant_id, const char *provider);
void money_txn_init(struct store_txn *t, const char *tenant_id,
		    const char *kind, const char *ref,
		    const char *idem_key);

/* currency.c */
const char *money_currency_first(void);

/* ledger.c: NULL or "" (none), else 1..127 printable characters */
bool money_key_ok(const char *key);
