/**
 * @file money/cli.c  `callbridge admin money ...`: rates, accounts, ledger
 *
 * The operator's view of money, working on the store directly like the
 * rest of `admin`.  Amounts are typed and printed as decimal currency
 * units ("12.50"), never as floating point.  A top-up takes an optional
 * idempotency key: run twice with the same key, it posts once.  Exit
 * status: 0 done, 1 refused or failed (the reason on stderr), 2 usage.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "money.h"
#include "cb_auth.h"

enum { CSV_FILE_MAX = 64 * 1024 * 1024 };

struct mcmd {
	const char *obj, *verb;    /* verb NULL: one-word command */
	int min, max;              /* arguments after the words   */
	int (*h)(struct store *st, const char *tenant_id, char *argv[],
		 int argc);
	const char *usage;
};


static void amount_print(char *buf, size_t sz, int64_t v, const char *cur)
{
	if (money_fmt(buf, sz, v, money_currency_digits(cur)))
		str_ncpy(buf, "?", sz);
}


static int amount_arg(int64_t *vp, const char *s, const char *what)
{
	int err = money_parse(vp, s);

	if (err == ERANGE)
		re_fprintf(stderr, "%s: '%s': at most 6 decimals and "
			   "100000000000\n", what, s);
	else if (err)
		re_fprintf(stderr, "%s: '%s' is not a decimal amount\n",
			   what, s);
	return err;
}


static void why(int err, const char *what)
{
	const char *s;

	switch (err) {
	case ENOENT:   s = "not found"; break;
	case ENOSPC:   s = "insufficient funds"; break;
	case EPERM:    s = "declined"; break;
	case EEXIST:   s = "exists, or key used by another request"; break;
	case ERANGE:   s = "amount out of range"; break;
	case EINVAL:   s = "invalid"; break;
	case EBUSY:    s = "in use"; break;
	default:       s = NULL; break;
	}
	if (s)
		re_fprintf(stderr, "%s: %s\n", what, s);
	else
		re_fprintf(stderr, "%s: %m\n", what, err);
}


/* ---- tenant settings --------------------------------------------------- */

static int tenant_show(struct store *st, const char *tid, char *argv[],
		       int argc)
{
	struct store_money_tenant mt;
	char cm[48], hmin[48], hmax[48], tax[32];
	int err;
	(void)argv;
	(void)argc;

	err = money_tenant_get(st, &mt, tid);
	if (err)
		return err;
	amount_print(cm, sizeof(cm), mt.conf_min, mt.currency);
	amount_print(hmin, sizeof(hmin), mt.hold_min, mt.currency);
	amount_print(hmax, sizeof(hmax), mt.hold_max, mt.currency);
	(void)money_ppm_fmt(tax, sizeof(tax), mt.tax_ppm);
	(void)re_printf("currency\t%s\ntax\t%s\nconf_min\t%s\n"
			"allow_credit\t%s\novercapture\t%s\nlimit\t%s\n"
			"typical_s\t%u\nhold_min\t%s\nhold_max\t%s\n",
			mt.currency, tax, cm, mt.allow_credit ? "yes" : "no",
			money_over_name(mt.overcapture),
			money_limit_name(mt.limit_policy), mt.typical_s,
			hmin, hmax);
	return 0;
}


static int tenant_set(struct store *st, const char *tid, char *argv[],
		      int argc)
{
	struct store_money_tenant mt;
	int err;

	err = money_tenant_get(st, &mt, tid);
	for (int i = 0; i < argc && !err; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			re_fprintf(stderr, "'%s': KEY=VALUE\n", argv[i]);
			return EINVAL;
		}
		*eq = '\0';
		err = money_tenant_setting(&mt, argv[i], eq + 1);
		if (err == ENOENT)
			re_fprintf(stderr, "unknown setting '%s'\n", argv[i]);
		else if (err)
			re_fprintf(stderr, "%s: bad value '%s'\n", argv[i],
				   eq + 1);
	}
	if (!err)
		err = money_tenant_set(st, &mt);
	if (err == EBUSY)
		re_fprintf(stderr, "currency: the tenant has accounts in "
			   "another currency\n");
	return err ? err : tenant_show(st, tid, NULL, 0);
}


/* ---- rates ------------------------------------------------------------- */

static int file_read(struct mbuf **mbp, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	struct mbuf *mb;
	uint8_t buf[8192];
	size_t n;
	int err = 0;

	if (!f)
		return errno;
	mb = mbuf_alloc(sizeof(buf));
	if (!mb)
		err = ENOMEM;
	while (!err && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (mb->end + n > CSV_FILE_MAX)
			err = EFBIG;
		else
			err = mbuf_write_mem(mb, buf, n);
	}
	if (!err && ferror(f))
		err = EIO;
	if (f != stdin)
		fclose(f);
	if (err)
		mem_deref(mb);
	else
		*mbp = mb;
	return err;
}


static int rates_import(struct store *st, const char *tid, char *argv[],
			int argc)
{
	struct money_csv_report rep;
	struct mbuf *mb = NULL;
	int err;
	(void)argc;

	err = file_read(&mb, argv[0]);
	if (err) {
		re_fprintf(stderr, "%s: %m\n", argv[0], err);
		return err;
	}
	err = money_rates_import(st, tid, (const char *)mb->buf, mb->end,
				 &rep);
	if (err == EBADMSG) {
		for (unsigned i = 0; i < rep.errc; i++)
			re_fprintf(stderr, "%s:%u: %s\n", argv[0],
				   rep.errv[i].line, rep.errv[i].msg);
		if (rep.more)
			re_fprintf(stderr, "(more errors)\n");
		re_fprintf(stderr, "nothing imported\n");
	}
	else if (!err) {
		(void)re_printf("%zu rates imported\n", rep.rows);
	}
	mem_deref(mb);
	return err;
}


static int stdout_h(const char *p, size_t size, void *arg)
{
	(void)arg;
	return fwrite(p, 1, size, stdout) == size ? 0 : EIO;
}


static int rates_export(struct store *st, const char *tid, char *argv[],
			int argc)
{
	struct re_printf pf = {stdout_h, NULL};
	(void)argv;
	(void)argc;

	return money_rates_export(&pf, st, tid);
}


static int quote(struct store *st, const char *tid, char *argv[], int argc)
{
	struct store_money_tenant mt;
	struct store_rate rv[32];
	char pm[48], cf[48], mc[48], est[48];
	int64_t amount;
	int n = 0, err;

	err = money_tenant_get(st, &mt, tid);
	if (err)
		return err;
	if (argc > (int)ARRAY_SIZE(rv)) {
		re_fprintf(stderr, "at most %zu numbers\n", ARRAY_SIZE(rv));
		return EINVAL;
	}
	for (int i = 0; i < argc; i++) {
		err = money_rate_find(st, &rv[n], tid, argv[i]);
		if (err == EINVAL) {
			re_fprintf(stderr, "%s: not an E.164 number\n",
				   argv[i]);
			return err;
		}
		if (err == ENOENT) {
			re_fprintf(stderr, "%s: no rate\n", argv[i]);
			return err;
		}
		if (err)
			return err;
		amount_print(pm, sizeof(pm), rv[n].per_min, mt.currency);
		amount_print(cf, sizeof(cf), rv[n].connect_fee, mt.currency);
		amount_print(mc, sizeof(mc), rv[n].min_charge, mt.currency);
		(void)re_printf("%s\t%s\t%s\t%s/min\tconnect %s\tminimum %s"
				"\t%u/%u\n", argv[i], rv[n].prefix,
				rv[n].name, pm, cf, mc, rv[n].first_s,
				rv[n].next_s);
		++n;
	}
	err = money_estimate(&amount, rv, (size_t)n, &mt);
	if (!err) {
		amount_print(est, sizeof(est), amount, mt.currency);
		(void)re_printf("hold\t%s %s\t(%u s each, tax included)\n",
				est, mt.currency, mt.typical_s);
	}
	return err;
}


/* ---- accounts ---------------------------------------------------------- */

static int account_create(struct store *st, const char *tid, char *argv[],
			  int argc)
{
	struct store_account a;
	int64_t limit = 0;
	int err;

	if (argc > 2 && amount_arg(&limit, argv[2], "credit limit"))
		return EINVAL;
	err = money_account_create(st, &a, tid, argc > 1 ? argv[1]
				   : "customer", argv[0], limit);
	if (err == EINVAL)
		re_fprintf(stderr, "names: 1-63 of A-Z a-z 0-9 - _ . @ +; "
			   "kinds: customer, business\n");
	else if (err == EEXIST)
		re_fprintf(stderr, "account '%s' exists\n", argv[0]);
	else if (!err)
		(void)re_printf("%s\t%s\t%s\t%s\n", a.id, a.name, a.kind,
				a.currency);
	return err;
}


static bool account_print(const struct store_account *a, void *arg)
{
	char bal[48], held[48], lim[48];
	(void)arg;

	amount_print(bal, sizeof(bal), a->balance, a->currency);
	amount_print(held, sizeof(held), a->held, a->currency);
	amount_print(lim, sizeof(lim), a->credit_limit, a->currency);
	(void)re_printf("%s\t%s\t%s\t%s %s\theld %s\tcredit limit %s\n",
			a->id, a->name, a->kind, bal, a->currency, held, lim);
	return false;
}


static int account_list(struct store *st, const char *tid, char *argv[],
			int argc)
{
	(void)argv;
	(void)argc;
	return store_money_account_list(st, tid, account_print, NULL);
}


static int account_balance(struct store *st, const char *tid,
			   char *argv[], int argc)
{
	struct store_account a;
	int err;
	(void)argc;

	err = store_money_account_get(st, &a, tid, argv[0]);
	if (!err)
		(void)account_print(&a, NULL);
	return err;
}


static int account_topup(struct store *st, const char *tid, char *argv[],
			 int argc)
{
	char txn[CB_ID_LEN + 1] = "";
	int64_t amount;
	int err;

	if (amount_arg(&amount, argv[1], "amount"))
		return EINVAL;
	err = money_topup(st, tid, argv[0], amount, NULL,
			  argc > 2 ? argv[2] : NULL, txn);
	if (err == EALREADY) {
		(void)re_printf("%s\t(already posted with this key)\n", txn);
		err = 0;
	}
	else if (!err) {
		(void)re_printf("%s\n", txn);
	}
	return err ? err : account_balance(st, tid, argv, 1);
}


struct stmt_ctx {
	const char *currency;
};


static bool stmt_print(const struct store_stmt_line *l, void *arg)
{
	const struct stmt_ctx *x = arg;
	char amt[48], bal[48], when[32];
	time_t t = (time_t)(l->created_ms / 1000);
	struct tm tm;

	amount_print(amt, sizeof(amt), l->amount, x->currency);
	amount_print(bal, sizeof(bal), l->balance, x->currency);
	(void)gmtime_r(&t, &tm);
	if (!strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		when[0] = '\0';
	(void)re_printf("%llu\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			(unsigned long long)l->seq, when, l->txn_id, l->kind,
			amt, bal, l->ref, l->memo);
	return false;
}


static int account_statement(struct store *st, const char *tid,
			     char *argv[], int argc)
{
	struct store_account a;
	struct stmt_ctx x;
	int err;
	(void)argc;

	err = store_money_account_get(st, &a, tid, argv[0]);
	if (err)
		return err;
	x.currency = a.currency;
	(void)re_printf("seq\ttime\ttxn\tkind\tamount\tbalance\tref\tmemo\n");
	return store_money_statement(st, a.id, 0, 0, stmt_print, &x);
}


/* ---- tokens and holds -------------------------------------------------- */

static int token_service(struct store *st, const char *tid, char *argv[],
			 int argc)
{
	int64_t price;
	bool per_minute = !strcmp(argv[1], "minute");
	(void)argc;

	if (!per_minute && strcmp(argv[1], "session")) {
		re_fprintf(stderr, "unit: session or minute\n");
		return EINVAL;
	}
	if (amount_arg(&price, argv[2], "price"))
		return EINVAL;
	return money_token_service_set(st, tid, argv[0], per_minute, price);
}


static int token_grant(struct store *st, const char *tid, char *argv[],
		       int argc)
{
	int64_t n = 0, have = 0;
	struct store_account a;
	int err;

	if (amount_arg(&n, argv[2], "tokens") || n % MONEY_SCALE) {
		re_fprintf(stderr, "tokens: a whole number\n");
		return EINVAL;
	}
	err = money_token_grant(st, tid, argv[0], argv[1], n / MONEY_SCALE,
				argc > 3 ? argv[3] : NULL);
	if (err == EALREADY)
		err = 0;
	if (!err)
		err = store_money_account_get(st, &a, tid, argv[0]);
	if (!err)
		err = store_money_token_get(st, a.id, argv[1], &have);
	if (!err)
		(void)re_printf("%s\t%s\t%lld\n", a.id, argv[1],
				(long long)have);
	return err;
}


static bool hold_print(const struct store_hold *h, void *arg)
{
	const char *cur = arg;
	char amt[48], met[48];

	amount_print(amt, sizeof(amt), h->amount, cur);
	amount_print(met, sizeof(met), h->metered, cur);
	(void)re_printf("%s\t%s\t%s %s\tmetered %s\t%s\t%s\n", h->id,
			h->account_id, amt, cur, met,
			h->method_id[0] ? h->method_id : "balance", h->ref);
	return false;
}


static int hold_list(struct store *st, const char *tid, char *argv[],
		     int argc)
{
	struct store_money_tenant mt;
	int err;
	(void)argv;
	(void)argc;

	err = money_tenant_get(st, &mt, tid);
	if (err)
		return err;
	return store_money_hold_list_open(st, tid, hold_print, mt.currency);
}


static int reconcile(struct store *st, const char *tid, char *argv[],
		     int argc)
{
	struct store_money_recon r;
	int err;
	(void)argv;
	(void)argc;

	err = money_reconcile(st, tid, &r);
	if (err && err != EBADMSG)
		return err;
	(void)re_printf("accounts %llu, transactions %llu, entries %llu, "
			"open holds %llu, token balances %llu\n"
			"unbalanced transactions %llu, balances differing "
			"%llu, token balances differing %llu, holds %llu, "
			"sum of entries %lld\n%s\n",
			(unsigned long long)r.accounts,
			(unsigned long long)r.txns,
			(unsigned long long)r.entries,
			(unsigned long long)r.holds_open,
			(unsigned long long)r.token_balances,
			(unsigned long long)r.bad_txns,
			(unsigned long long)r.bad_balances,
			(unsigned long long)r.bad_tokens,
			(unsigned long long)r.bad_holds, (long long)r.total,
			err ? "reconcile FAILED" : "reconcile ok");
	return err;
}


static const struct mcmd cmds[] = {
	{"tenant", "show", 0, 0, tenant_show, "tenant show TENANT"},
	{"tenant", "set", 1, 9, tenant_set, "tenant set TENANT KEY=VALUE... "
	 "(currency tax conf_min allow_credit overcapture limit typical_s "
	 "hold_min hold_max)"},
	{"rates", "import", 1, 1, rates_import,
	 "rates import TENANT FILE|-   (replaces the table; see "
	 "docs/money.md)"},
	{"rates", "export", 0, 0, rates_export, "rates export TENANT"},
	{"quote", NULL, 1, 32, quote, "quote TENANT NUMBER..."},
	{"account", "create", 1, 3, account_create,
	 "account create TENANT NAME [customer|business] [CREDIT_LIMIT]"},
	{"account", "list", 0, 0, account_list, "account list TENANT"},
	{"account", "balance", 1, 1, account_balance,
	 "account balance TENANT ACCOUNT"},
	{"account", "topup", 2, 3, account_topup,
	 "account topup TENANT ACCOUNT AMOUNT [IDEMPOTENCY_KEY]"},
	{"account", "statement", 1, 1, account_statement,
	 "account statement TENANT ACCOUNT"},
	{"token", "service", 3, 3, token_service,
	 "token service TENANT SERVICE session|minute PRICE"},
	{"token", "grant", 3, 4, token_grant,
	 "token grant TENANT ACCOUNT SERVICE N [IDEMPOTENCY_KEY]"},
	{"hold", "list", 0, 0, hold_list, "hold list TENANT"},
	{"reconcile", NULL, 0, 0, reconcile, "reconcile TENANT|all"},
};


static void usage(void)
{
	re_fprintf(stderr, "usage: callbridge [--config FILE] admin money "
		   "COMMAND\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		re_fprintf(stderr, "  money %s\n", cmds[i].usage);
	re_fprintf(stderr, "amounts are decimal currency units (12.50); "
		   "TENANT is a tenant id or name\n");
}


/** argv[0] is "money"; returns the process exit status */
int money_cli_main(const struct cb_config *cfg, int argc, char *argv[])
{
	const struct mcmd *c = NULL;
	struct store_tenant t;
	struct store *st = NULL;
	const char *tid = NULL;
	int words = 0, err;

	for (size_t i = 0; i < ARRAY_SIZE(cmds) && argc > 1; i++) {
		int w = cmds[i].verb ? 2 : 1;

		if (argc <= w || strcmp(cmds[i].obj, argv[1]) ||
		    (cmds[i].verb && strcmp(cmds[i].verb, argv[2])))
			continue;
		c = &cmds[i];
		words = w;
		break;
	}
	/* after the words: TENANT, then the command's arguments */
	if (!c || argc - 1 - words - 1 < c->min ||
	    argc - 1 - words - 1 > c->max) {
		usage();
		return 2;
	}
	if (money_config_apply(cfg))
		return 1;

	err = store_open(&st, cfg->store_path);
	if (err) {
		re_fprintf(stderr, "store %s: %m\n", cfg->store_path, err);
		return 1;
	}
	err = auth_bootstrap(st, false);
	if (err)
		goto out;
	if (c->h != reconcile || strcmp(argv[1 + words], "all")) {
		err = store_tenant_get(st, &t, argv[1 + words]);
		if (err) {
			re_fprintf(stderr, "no tenant '%s'\n",
				   argv[1 + words]);
			goto out;
		}
		tid = t.id;
	}
	err = c->h(st, tid, argv + 2 + words, argc - 2 - words);
	if (err) {
		char what[40];

		(void)re_snprintf(what, sizeof(what), "money %s%s%s", c->obj,
				  c->verb ? " " : "", c->verb ? c->verb : "");
		why(err, what);
	}
 out:
	mem_deref(st);
	return err ? 1 : 0;
}
