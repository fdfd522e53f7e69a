/**
 * @file money/account.c  Tenants' money settings and accounts
 *
 * A tenant without settings bills in the first currency of
 * `money.currencies`, without tax, minimum, credit or hold bounds, and
 * caps captures at their hold.  A tenant's currency cannot change once it
 * has accounts (every entry of a transaction is in one currency).
 *
 * Accounts are customers' and businesses' (created by the operator, with
 * an optional credit limit) and the tenant's system accounts, created on
 * first use and named `sys:<name>`: revenue, tax, promo (what credits
 * and write-offs cost) and funding.<provider> (money that came in from
 * outside: top-ups, card captures).  ':' is not allowed in other names,
 * so a customer can never be taken for a system account.
 */
#include <string.h>
#include <re.h>
#include "money.h"

static const char *over_names[MONEY_OVER_MAX] = {
	[MONEY_OVER_CAP] = "cap",
	[MONEY_OVER_AVAILABLE] = "available",
	[MONEY_OVER_DEBT] = "debt",
};

static const char *limit_names[MONEY_LIMIT_MAX] = {
	[MONEY_LIMIT_EXTEND] = "extend",
	[MONEY_LIMIT_ASK] = "ask",
	[MONEY_LIMIT_CUT] = "cut",
};


const char *money_over_name(enum money_over o)
{
	return o < MONEY_OVER_MAX ? over_names[o] : "?";
}


const char *money_limit_name(enum money_limit l)
{
	return l < MONEY_LIMIT_MAX ? limit_names[l] : "?";
}


int money_tenant_get(struct store *st, struct store_money_tenant *mt,
		     const char *tenant_id)
{
	int err;

	if (!st || !mt || !tenant_id || !*tenant_id)
		return EINVAL;
	err = store_money_tenant_get(st, mt, tenant_id);
	if (err != ENOENT)
		return err;

	memset(mt, 0, sizeof(*mt));
	str_ncpy(mt->tenant_id, tenant_id, sizeof(mt->tenant_id));
	str_ncpy(mt->currency, money_currency_first(), sizeof(mt->currency));
	mt->overcapture = MONEY_OVER_CAP;
	mt->limit_policy = MONEY_LIMIT_EXTEND;
	mt->typical_s = MONEY_DEFAULT_TYPICAL_S;
	return 0;
}


static int amount_setting(int64_t *vp, const char *val)
{
	int64_t v;
	int err = money_parse(&v, val);

	if (!err && v < 0)
		err = ERANGE;
	if (!err)
		*vp = v;
	return err;
}


static int name_index(const char **names, size_t n, const char *val)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(names[i], val))
			return (int)i;
	}
	return -1;
}


/** One `key=value` of `admin money tenant set`; ENOENT: unknown key */
int money_tenant_setting(struct store_money_tenant *mt, const char *key,
			 const char *val)
{
	int i;

	if (!mt || !key || !val)
		return EINVAL;
	if (!strcmp(key, "currency")) {
		if (!money_currency_ok(val))
			return EINVAL;
		str_ncpy(mt->currency, val, sizeof(mt->currency));
		return 0;
	}
	if (!strcmp(key, "tax"))
		return money_ppm_parse(&mt->tax_ppm, val);
	if (!strcmp(key, "conf_min"))
		return amount_setting(&mt->conf_min, val);
	if (!strcmp(key, "hold_min"))
		return amount_setting(&mt->hold_min, val);
	if (!strcmp(key, "hold_max"))
		return amount_setting(&mt->hold_max, val);
	if (!strcmp(key, "allow_credit")) {
		if (!strcmp(val, "yes") || !strcmp(val, "no")) {
			mt->allow_credit = !strcmp(val, "yes");
			return 0;
		}
		return EINVAL;
	}
	if (!strcmp(key, "overcapture")) {
		i = name_index(over_names, MONEY_OVER_MAX, val);
		if (i < 0)
			return EINVAL;
		mt->overcapture = (uint8_t)i;
		return 0;
	}
	if (!strcmp(key, "limit")) {
		i = name_index(limit_names, MONEY_LIMIT_MAX, val);
		if (i < 0)
			return EINVAL;
		mt->limit_policy = (uint8_t)i;
		return 0;
	}
	if (!strcmp(key, "typical_s")) {
		uint32_t v = 0;

		/* whole seconds, 1 to a day */
		for (const char *p = val; *p; p++) {
			if (*p < '0' || *p > '9' || v > 86400)
				return ERANGE;
			v = v * 10 + (uint32_t)(*p - '0');
		}
		if (!v || v > 86400)
			return ERANGE;
		mt->typical_s = v;
		return 0;
	}
	return ENOENT;
}


static bool count_h(const struct store_account *a, void *arg)
{
	(void)a;
	++*(unsigned *)arg;
	return true;
}


int money_tenant_set(struct store *st, const struct store_money_tenant *mt)
{
	struct store_money_tenant old;
	unsigned n = 0;
	int err;

	if (!st || !mt || !mt->tenant_id[0])
		return EINVAL;
	if (!money_currency_ok(mt->currency) || mt->tax_ppm > MONEY_PPM ||
	    mt->overcapture >= MONEY_OVER_MAX ||
	    mt->limit_policy >= MONEY_LIMIT_MAX || !mt->typical_s)
		return EINVAL;
	if (mt->conf_min < 0 || mt->conf_min > MONEY_MAX ||
	    mt->hold_min < 0 || mt->hold_min > MONEY_MAX ||
	    mt->hold_max < 0 || mt->hold_max > MONEY_MAX ||
	    (mt->hold_max && mt->hold_max < mt->hold_min))
		return ERANGE;

	err = money_tenant_get(st, &old, mt->tenant_id);
	if (err)
		return err;
	if (strcmp(old.currency, mt->currency)) {
		err = store_money_account_list(st, mt->tenant_id, count_h, &n);
		if (err)
			return err;
		if (n)
			return EBUSY;
	}
	return store_money_tenant_put(st, mt);
}


static bool name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n >= STORE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("-_.@+", c)))
			return false;
	}
	return true;
}


bool money_account_kind_ok(const char *kind)
{
	return kind && (!strcmp(kind, "customer") ||
			!strcmp(kind, "business"));
}


static int account_add(struct store *st, struct store_account *a,
		       const char *tenant_id, const char *kind,
		       const char *name, int64_t credit_limit)
{
	struct store_money_tenant mt;
	int err;

	err = money_tenant_get(st, &mt, tenant_id);
	if (err)
		return err;
	memset(a, 0, sizeof(*a));
	cb_id_new(a->id, 'a');
	str_ncpy(a->tenant_id, tenant_id, sizeof(a->tenant_id));
	str_ncpy(a->kind, kind, sizeof(a->kind));
	str_ncpy(a->name, name, sizeof(a->name));
	str_ncpy(a->currency, mt.currency, sizeof(a->currency));
	a->credit_limit = credit_limit;
	a->created_ms = money_now_ms();
	return store_money_account_create(st, a);
}


/** A customer's or business's account, in the tenant's currency */
int money_account_create(struct store *st, struct store_account *a,
			 const char *tenant_id, const char *kind,
			 const char *name, int64_t credit_limit)
{
	if (!st || !a || !tenant_id || !*tenant_id)
		return EINVAL;
	if (!money_account_kind_ok(kind) || !name_ok(name))
		return EINVAL;
	if (credit_limit < 0 || credit_limit > MONEY_MAX)
		return ERANGE;
	return account_add(st, a, tenant_id, kind, name, credit_limit);
}


/** The id of system account `sys:<name>` of a tenant, made if missing */
int money_system_account(struct store *st, char id[CB_ID_LEN + 1],
			 const char *tenant_id, const char *name)
{
	struct store_account a;
	char full[STORE_NAME_MAX], kind[STORE_KIND_MAX];
	int err;

	if (!st || !id || !tenant_id || !name)
		return EINVAL;
	(void)re_snprintf(full, sizeof(full), "sys:%s", name);
	str_ncpy(kind, name, sizeof(kind));
	kind[strcspn(kind, ".")] = '\0';

	err = store_money_account_get(st, &a, tenant_id, full);
	if (err == ENOENT) {
		err = account_add(st, &a, tenant_id, kind, full, 0);
		if (err == EEXIST)   /* made meanwhile */
			err = store_money_account_get(st, &a, tenant_id,
						      full);
	}
	if (!err)
		str_ncpy(id, a.id, CB_ID_LEN + 1);
	return err;
}


int money_funding_account(struct store *st, char id[CB_ID_LEN + 1],
			  const char *tenant_id, const char *provider)
{
	char name[STORE_NAME_MAX];

	(void)re_snprintf(name, sizeof(name), MONEY_ACC_FUNDING "%s",
			  provider);
	return money_system_account(st, id, tenant_id, name);
}
