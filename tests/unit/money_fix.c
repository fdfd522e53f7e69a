/**
 * @file tests/unit/money_fix.c  A throw-away store with a money tenant
 *
 * Each money test gets its own SQLite file with one tenant ("acme", in
 * USD, default settings), helpers to open funded accounts, and a
 * reconcile that must pass.
 */
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "cb_money.h"
#include "tmpstore.h"
#include "money_fix.h"


int mfix_open(struct mfix *f)
{
	struct store_tenant t;
	int err;

	memset(f, 0, sizeof(*f));
	err = money_currencies_set("USD,EUR,JPY,KWD");
	if (!err)
		err = money_card_rules_set("");
	if (!err)
		err = tmpstore_open(&f->st, f->path);
	if (err)
		return err;
	memset(&t, 0, sizeof(t));
	cb_id_new(t.id, 't');
	str_ncpy(t.name, "acme", sizeof(t.name));
	t.created_ms = 1;
	err = store_tenant_create(f->st, &t);
	if (!err)
		str_ncpy(f->tenant, t.id, sizeof(f->tenant));
	return err;
}


void mfix_close(struct mfix *f)
{
	f->st = mem_deref(f->st);
	if (f->path[0])
		tmpstore_remove(f->path);
	f->path[0] = '\0';
}


int mfix_account(struct mfix *f, char id[CB_ID_LEN + 1], const char *name,
		 int64_t topup, int64_t credit_limit)
{
	struct store_account a;
	int err;

	err = money_account_create(f->st, &a, f->tenant, "customer", name,
				   credit_limit);
	if (err)
		return err;
	str_ncpy(id, a.id, CB_ID_LEN + 1);
	if (topup > 0)
		err = money_topup(f->st, f->tenant, a.id, topup, NULL, NULL,
				  NULL);
	return err;
}


int mfix_settings(struct mfix *f, const char *key, const char *val)
{
	struct store_money_tenant mt;
	int err;

	err = money_tenant_get(f->st, &mt, f->tenant);
	if (!err)
		err = money_tenant_setting(&mt, key, val);
	if (!err)
		err = money_tenant_set(f->st, &mt);
	return err;
}


int mfix_balance(struct mfix *f, const char *account, int64_t *balp,
		 int64_t *heldp)
{
	struct store_account a;
	int err;

	err = store_money_account_get(f->st, &a, f->tenant, account);
	if (err)
		return err;
	if (balp)
		*balp = a.balance;
	if (heldp)
		*heldp = a.held;
	return 0;
}


int mfix_recon(struct mfix *f)
{
	struct store_money_recon r;

	return money_reconcile(f->st, f->tenant, &r);
}
