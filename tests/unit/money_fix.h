/**
 * @file tests/unit/money_fix.h  A throw-away store with a money tenant
 */

struct mfix {
	struct store *st;
	char path[64];
	char tenant[CB_ID_LEN + 1];
};

int  mfix_open(struct mfix *f);
void mfix_close(struct mfix *f);
int  mfix_account(struct mfix *f, char id[CB_ID_LEN + 1], const char *name,
		  int64_t topup, int64_t credit_limit);
int  mfix_settings(struct mfix *f, const char *key, const char *val);
int  mfix_balance(struct mfix *f, const char *account, int64_t *balp,
		  int64_t *heldp);
int  mfix_recon(struct mfix *f);

#define U(units) ((int64_t)(units) * MONEY_SCALE)
