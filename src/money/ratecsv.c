/**
 * @file money/ratecsv.c  Rate tables as CSV: import (all or nothing), export
 *
 *     prefix,name,per_min,connect_fee,min_charge,first_s,next_s
 *     1,United States,0.012,0,0,60,6
 *     44,"United Kingdom, mobile",0.09,0.01,0.05,1,1
 *
 * Amounts are decimal currency units (at most six decimals), increments
 * whole seconds.  Blank lines and lines starting with '#' are skipped;
 * the first other line must be that header.  Fields may be quoted, with
 * "" for a quote, but not span lines.  Every row is checked and every
 * error is reported with its line number (the first ten are kept); one
 * error and nothing is imported.  A valid file replaces the tenant's
 * whole table in one store transaction.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "money.h"

enum { COLS = 7, FIELD_MAX = 128 };

static const char header[] =
	"prefix,name,per_min,connect_fee,min_charge,first_s,next_s";

struct parser {
	struct money_csv_report *rep;
	struct store_rate *v;      /* mem array of cap rows */
	unsigned *linev;           /* line of each row      */
	size_t n, cap;
};


static void csv_error(struct money_csv_report *rep, unsigned line,
		      const char *fmt, ...)
{
	va_list ap;

	if (rep->errc >= MONEY_CSV_ERRORS_MAX) {
		rep->more = true;
		return;
	}
	rep->errv[rep->errc].line = line;
	va_start(ap, fmt);
	(void)re_vsnprintf(rep->errv[rep->errc].msg,
			   sizeof(rep->errv[0].msg), fmt, ap);
	va_end(ap);
	rep->errc++;
}


/* split one line (no newline) into fields; a message on error */
static const char *split(const char *p, const char *end,
			 char f[COLS][FIELD_MAX], unsigned *nfp)
{
	unsigned nf = 0;

	for (;;) {
		size_t l = 0;

		if (nf >= COLS)
			return "more than 7 fields";
		if (p < end && *p == '"') {
			for (++p;; ++p) {
				if (p >= end)
					return "unterminated quote";
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"')
						++p;
					else
						break;
				}
				if (l + 1 >= FIELD_MAX)
					return "field too long";
				f[nf][l++] = *p;
			}
			++p;
			if (p < end && *p != ',')
				return "text after a closing quote";
		}
		else {
			for (; p < end && *p != ','; ++p) {
				if (*p == '"')
					return "quote in an unquoted field";
				if (l + 1 >= FIELD_MAX)
					return "field too long";
				f[nf][l++] = *p;
			}
		}
		f[nf++][l] = '\0';
		if (p >= end)
			break;
		++p;   /* the comma */
	}
	*nfp = nf;
	return NULL;
}


static int seconds_parse(uint32_t *vp, const char *s)
{
	uint32_t v = 0;

	if (!*s)
		return EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000)
			return EINVAL;
		v = v * 10 + (uint32_t)(*s - '0');
	}
	*vp = v;
	return 0;
}


static bool amount_field(struct money_csv_report *rep, unsigned line,
			 const char *name, const char *s, int64_t *vp)
{
	int err = money_parse(vp, s);

	if (err == EINVAL)
		csv_error(rep, line, "%s: '%s' is not a decimal amount", name,
			  s);
	else if (err)
		csv_error(rep, line, "%s: '%s' has more than 6 decimals or is "
			  "too large", name, s);
	else if (*vp < 0)
		csv_error(rep, line, "%s: negative amount", name);
	return !err && *vp >= 0;
}


static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n >= STORE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}
	return true;
}


static void *grow(void *p, size_t sz)
{
	return p ? mem_realloc(p, sz) : mem_alloc(sz, NULL);
}


static void row_parse(struct parser *ps, unsigned line,
		      char f[COLS][FIELD_MAX])
{
	struct money_csv_report *rep = ps->rep;
	struct store_rate r;
	const char *pfx = f[0][0] == '+' ? f[0] + 1 : f[0];
	char d[STORE_DIGITS_MAX];

	memset(&r, 0, sizeof(r));
	if (strlen(pfx) >= sizeof(r.prefix) || money_number_digits(d, pfx))
		csv_error(rep, line, "prefix: '%s' is not 1-15 digits of an "
			  "E.164 number", f[0]);
	else
		str_ncpy(r.prefix, pfx, sizeof(r.prefix));
	if (!name_ok(f[1]))
		csv_error(rep, line, "name: at most 63 printable characters");
	else
		str_ncpy(r.name, f[1], sizeof(r.name));
	(void)amount_field(rep, line, "per_min", f[2], &r.per_min);
	(void)amount_field(rep, line, "connect_fee", f[3], &r.connect_fee);
	(void)amount_field(rep, line, "min_charge", f[4], &r.min_charge);
	if (seconds_parse(&r.first_s, f[5]) || r.first_s < 1 ||
	    r.first_s > 3600)
		csv_error(rep, line, "first_s: whole seconds, 1 to 3600");
	if (seconds_parse(&r.next_s, f[6]) || r.next_s < 1 ||
	    r.next_s > 3600)
		csv_error(rep, line, "next_s: whole seconds, 1 to 3600");

	if (rep->errc)
		return;   /* once wrong, rows are only checked */
	if (ps->n >= ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		void *v = grow(ps->v, cap * sizeof(*ps->v));
		void *l = v ? grow(ps->linev, cap * sizeof(unsigned)) : NULL;

		if (v)
			ps->v = v;
		if (!v || !l) {
			csv_error(rep, line, "out of memory");
			return;
		}
		ps->linev = l;
		ps->cap = cap;
	}
	ps->linev[ps->n] = line;
	ps->v[ps->n++] = r;
}


struct dup_key {
	const char *prefix;
	unsigned line;
};


static int key_cmp(const void *a, const void *b)
{
	const struct dup_key *x = a, *y = b;
	int c = strcmp(x->prefix, y->prefix);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}


static void duplicates_check(struct parser *ps)
{
	struct dup_key *kv;

	if (ps->n < 2)
		return;
	kv = mem_alloc(ps->n * sizeof(*kv), NULL);
	if (!kv) {
		csv_error(ps->rep, 0, "out of memory");
		return;
	}
	for (size_t i = 0; i < ps->n; i++) {
		kv[i].prefix = ps->v[i].prefix;
		kv[i].line = ps->linev[i];
	}
	qsort(kv, ps->n, sizeof(*kv), key_cmp);
	for (size_t i = 1; i < ps->n; i++) {
		if (!strcmp(kv[i - 1].prefix, kv[i].prefix))
			csv_error(ps->rep, kv[i].line, "prefix %s repeats "
				  "line %u", kv[i].prefix, kv[i - 1].line);
	}
	mem_deref(kv);
}


/**
 * Parse a whole CSV rate table.  0: *vp is a mem array of *np rows;
 * EBADMSG: rep lists the errors and nothing is returned.
 */
int money_rates_csv_parse(struct store_rate **vp, size_t *np,
			  const char *csv, size_t len,
			  struct money_csv_report *rep)
{
	struct parser ps = {.rep = rep};
	char (*f)[FIELD_MAX] = NULL;
	const char *p = csv, *end = csv + len;
	bool have_header = false;
	unsigned line = 0;

	if (!vp || !np || !rep || (!csv && len))
		return EINVAL;
	memset(rep, 0, sizeof(*rep));
	f = mem_zalloc(COLS * FIELD_MAX, NULL);
	if (!f)
		return ENOMEM;

	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		const char *le = e ? e : end;
		const char *msg;
		unsigned nf = 0;

		++line;
		if (le > p && le[-1] == '\r')
			--le;
		if (memchr(p, '\0', (size_t)(le - p))) {
			csv_error(rep, line, "NUL byte");
		}
		else if (le == p || *p == '#') {
			/* blank or comment */
		}
		else if (!have_header) {
			if ((size_t)(le - p) != sizeof(header) - 1 ||
			    memcmp(p, header, sizeof(header) - 1))
				csv_error(rep, line, "header must be '%s'",
					  header);
			have_header = true;
		}
		else if ((msg = split(p, le, f, &nf)) != NULL) {
			csv_error(rep, line, "%s", msg);
		}
		else if (nf != COLS) {
			csv_error(rep, line, "%u fields, want %u", nf, COLS);
		}
		else if (rep->rows >= MONEY_RATES_MAX) {
			csv_error(rep, line, "more than %u rates",
				  MONEY_RATES_MAX);
			break;
		}
		else {
			rep->rows++;
			row_parse(&ps, line, f);
		}
		p = e ? e + 1 : end;
	}
	if (!have_header)
		csv_error(rep, line ? line : 1, "header must be '%s'", header);
	if (!rep->errc)
		duplicates_check(&ps);

	mem_deref(f);
	mem_deref(ps.linev);
	if (rep->errc) {
		mem_deref(ps.v);
		return EBADMSG;
	}
	*vp = ps.v;
	*np = ps.n;
	return 0;
}


int money_rates_import(struct store *st, const char *tenant_id,
		       const char *csv, size_t len,
		       struct money_csv_report *rep)
{
	struct store_rate *v = NULL;
	size_t n = 0;
	int err;

	if (!st || !tenant_id)
		return EINVAL;
	err = money_rates_csv_parse(&v, &n, csv, len, rep);
	if (err)
		return err;
	err = store_money_rates_replace(st, tenant_id, v, n);
	if (!err)
		log_info(NULL, "money: tenant %s: %zu rates imported",
			 tenant_id, n);
	mem_deref(v);
	return err;
}


/* ---- export ------------------------------------------------------------ */

struct export_ctx {
	struct re_printf *pf;
	int err;
};


static int name_print(struct re_printf *pf, const char *s)
{
	int err = 0;

	if (!strpbrk(s, ",\"") && s[0] != ' ' &&
	    (!s[0] || s[strlen(s) - 1] != ' '))
		return re_hprintf(pf, "%s", s);
	err |= re_hprintf(pf, "\"");
	for (; *s && !err; s++)
		err |= re_hprintf(pf, *s == '"' ? "\"\"" : "%c", *s);
	return err | re_hprintf(pf, "\"");
}


static bool rate_print(const struct store_rate *r, void *arg)
{
	struct export_ctx *x = arg;
	char pm[48], cf[48], mc[48];

	if (money_fmt(pm, sizeof(pm), r->per_min, 0) ||
	    money_fmt(cf, sizeof(cf), r->connect_fee, 0) ||
	    money_fmt(mc, sizeof(mc), r->min_charge, 0)) {
		x->err = ERANGE;
		return true;
	}
	x->err |= re_hprintf(x->pf, "%s,", r->prefix);
	x->err |= name_print(x->pf, r->name);
	x->err |= re_hprintf(x->pf, ",%s,%s,%s,%u,%u\n", pm, cf, mc,
			     r->first_s, r->next_s);
	return x->err != 0;
}


int money_rates_export(struct re_printf *pf, struct store *st,
		       const char *tenant_id)
{
	struct export_ctx x = {.pf = pf};
	int err;

	if (!pf || !st || !tenant_id)
		return EINVAL;
	err = re_hprintf(pf, "%s\n", header);
	if (err)
		return err;
	err = store_money_rate_list(st, tenant_id, rate_print, &x);
	return err ? err : x.err;
}
