/**
 * @file api/money_rates.c  /v1/rates: the tenant's rate table, and quotes
 *
 * PUT /v1/rates takes the table as a text/csv body (the route is marked
 * API_CSV_BODY; the format is docs/money.md's) and replaces the whole
 * table, or -- one bad line -- changes nothing and answers 422
 * invalid_csv with every error kept, each with its line number.  The body
 * must be UTF-8 text: names are shown in JSON.  GET /v1/rates exports the
 * table as CSV (Accept: text/csv or ?format=csv; it imports back to the
 * same table) or lists it as JSON.
 *
 * GET /v1/rates/quote?to=NUMBER[&to=NUMBER...] is seed 004's "Rate"
 * button: before a call, the per-minute price, connection fee, minimum
 * and increments of each destination, the tax on a minute, the total per
 * minute of the whole list, and what a hold for it would reserve.  A
 * destination without a rate is listed as not rated (code no_rate): a
 * call to it would be refused.
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_money.h"

enum { QUOTE_MAX = 50, NUMBER_MAX = 24 };   /* 50: a conference's */

struct rates_job {
	struct money_job j;
	const char *csv;                 /* borrowed: the request's body */
	size_t len;
	bool as_csv;
	char tov[QUOTE_MAX][NUMBER_MAX];
	unsigned toc;
};


/* ---- PUT /v1/rates ----------------------------------------------------- */

/* the first byte that is not UTF-8 text (or NUL), by line; 0 if none */
static unsigned utf8_bad_line(const char *p, size_t len)
{
	const uint8_t *b = (const uint8_t *)p;
	unsigned line = 1;

	for (size_t i = 0; i < len;) {
		size_t n = api_utf8_len(b + i, len - i);

		if (!n)
			return line;
		if (b[i] == '\n')
			++line;
		i += n;
	}
	return 0;
}


static int put_work(struct store *st, void *arg)
{
	struct rates_job *rj = arg;
	struct money_job *j = &rj->j;
	struct money_csv_report rep;
	char msg[sizeof(j->fail.msg)], field[24];
	size_t off = 0;
	int err;

	err = money_rates_import(st, j->tenant, rj->csv, rj->len, &rep);
	if (err != EBADMSG) {
		if (err)
			return err;
		return api_money_reply(j, 200, "{\"imported\":%zu}", rep.rows);
	}

	/* every error kept, by line; the field names the first one's */
	msg[0] = '\0';
	for (unsigned i = 0; i < rep.errc; i++) {
		int n = re_snprintf(msg + off, sizeof(msg) - off, "%sline %u: "
				    "%s", i ? "; " : "", rep.errv[i].line,
				    rep.errv[i].msg);
		if (n > 0 && off + (size_t)n < sizeof(msg))
			off += (size_t)n;
	}
	(void)re_snprintf(field, sizeof(field), "line %u",
			  rep.errc ? rep.errv[0].line : 0);
	return api_money_fail(j, 422, "invalid_csv", field,
			      "%s%s; nothing imported", msg,
			      rep.more ? "; (more errors)" : "");
}


void api_rates_put(struct api_req *req)
{
	const struct http_msg *msg = req->msg;
	struct rates_job *rj;
	unsigned bad;

	if (req->body ||
	    (mbuf_get_left(msg->mb) &&
	     !msg_ctype_cmp(&msg->ctyp, "text", "csv"))) {
		api_error(req, 415, "unsupported_media_type", NULL,
			  "send the rate table as text/csv");
		return;
	}
	if (!mbuf_get_left(msg->mb)) {
		api_error(req, 400, "missing_body", NULL,
			  "send the rate table as text/csv (docs/money.md)");
		return;
	}
	bad = utf8_bad_line((const char *)mbuf_buf(msg->mb),
			    mbuf_get_left(msg->mb));
	if (bad) {
		char m[64], f[24];

		(void)re_snprintf(m, sizeof(m), "line %u: not UTF-8 text; "
				  "nothing imported", bad);
		(void)re_snprintf(f, sizeof(f), "line %u", bad);
		api_error(req, 422, "invalid_csv", f, m);
		return;
	}

	rj = api_money_job(req, sizeof(*rj), "rate table");
	if (!rj)
		return;
	rj->csv = (const char *)mbuf_buf(msg->mb);
	rj->len = mbuf_get_left(msg->mb);
	(void)api_money_submit(rj, put_work);
	mem_deref(rj);
}


/* ---- GET /v1/rates ------------------------------------------------------ */

static int mbuf_pf(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


struct list_ctx {
	struct money_job *j;
	unsigned n;
	int err;
};


/* a rate, and the currency its amounts are in */
struct rate_view {
	const struct store_rate *r;
	const char *cur;
};


static int json_rate(struct re_printf *pf, const struct rate_view *v)
{
	const struct store_rate *r = v->r;
	const char *cur = v->cur;

	return re_hprintf(pf, "{\"prefix\":%H,\"name\":%H,\"per_min\":%H,"
			  "\"connect_fee\":%H,\"min_charge\":%H,"
			  "\"first_s\":%u,\"next_s\":%u}",
			  api_json_str, r->prefix, api_json_str, r->name,
			  api_json_amount,
			  &(struct api_amount){r->per_min, cur},
			  api_json_amount,
			  &(struct api_amount){r->connect_fee, cur},
			  api_json_amount,
			  &(struct api_amount){r->min_charge, cur},
			  r->first_s, r->next_s);
}


static bool list_h(const struct store_rate *r, void *arg)
{
	struct list_ctx *x = arg;
	struct re_printf pf = {mbuf_pf, x->j->mb};

	x->err |= re_hprintf(&pf, "%s", x->n++ ? "," : "");
	x->err |= json_rate(&pf, &(struct rate_view){r, x->j->mt.currency});
	return x->err != 0;
}


static int get_work(struct store *st, void *arg)
{
	struct rates_job *rj = arg;
	struct money_job *j = &rj->j;
	struct list_ctx x = {.j = j};
	struct re_printf pf;
	int err;

	err = api_money_load(j, st);
	if (!err)
		err = api_money_reply(j, 200, "%s", rj->as_csv ? "" :
				      "{\"currency\":\"");
	if (err)
		return err;
	pf.vph = mbuf_pf;
	pf.arg = j->mb;
	if (rj->as_csv) {
		j->ctype = "text/csv; charset=utf-8";
		return money_rates_export(&pf, st, j->tenant);
	}
	err = api_money_reply(j, 200, "%s\",\"rates\":[", j->mt.currency);
	if (!err)
		err = store_money_rate_list(st, j->tenant, list_h, &x);
	if (!err)
		err = x.err ? ENOMEM : api_money_reply(j, 200, "]}");
	return err;
}


/* CSV if asked for by Accept: text/csv or ?format=csv */
static bool wants_csv(const struct api_req *req)
{
	const struct http_hdr *h = http_msg_hdr(req->msg, HTTP_HDR_ACCEPT);
	char fmt[8];

	if (!api_query_get(req, "format", 0, fmt, sizeof(fmt)))
		return !strcmp(fmt, "csv");
	return h && memmem(h->val.p, h->val.l, "text/csv", 8) != NULL;
}


void api_rates_get(struct api_req *req)
{
	struct rates_job *rj = api_money_job(req, sizeof(*rj), "rate table");

	if (!rj)
		return;
	rj->as_csv = wants_csv(req);
	(void)api_money_submit(rj, get_work);
	mem_deref(rj);
}


/* ---- GET /v1/rates/quote ------------------------------------------------ */

struct quote_sum {
	int64_t per_min, connect_fee;
	struct store_rate ratev[QUOTE_MAX];
	size_t n;                        /* rated destinations */
};


/* one destination of the quote, rated or not */
static int quote_one(struct money_job *j, struct store *st,
		     const char *to, struct quote_sum *sum)
{
	const char *cur = j->mt.currency;
	struct store_rate *r = &sum->ratev[sum->n];
	int64_t tax, with;
	int err;

	err = money_rate_find(st, r, j->tenant, to);
	if (err == ENOENT)
		return api_money_reply(j, 200, "{\"to\":%H,\"rated\":false,"
				       "\"code\":\"no_rate\",\"message\":"
				       "\"no rate for this destination: a "
				       "call to it is refused\"}",
				       api_json_str, to);
	if (!err)
		err = money_tax(&tax, r->per_min, j->mt.tax_ppm);
	if (!err)
		err = money_add(&with, r->per_min, tax);
	if (!err)
		err = money_add(&sum->per_min, sum->per_min, r->per_min);
	if (!err)
		err = money_add(&sum->connect_fee, sum->connect_fee,
				r->connect_fee);
	if (err)
		return err;
	sum->n++;
	return api_money_reply(j, 200, "{\"to\":%H,\"rated\":true,"
			       "\"rate\":%H,\"tax_per_min\":%H,"
			       "\"per_min_with_tax\":%H}",
			       api_json_str, to, json_rate,
			       &(struct rate_view){r, cur},
			       api_json_amount,
			       &(struct api_amount){tax, cur},
			       api_json_amount,
			       &(struct api_amount){with, cur});
}


static int quote_work(struct store *st, void *arg)
{
	struct rates_job *rj = arg;
	struct money_job *j = &rj->j;
	struct quote_sum *sum;
	const char *cur;
	char taxr[32];
	int64_t tax = 0, with = 0, hold = 0;
	int err;

	err = api_money_load(j, st);
	if (err)
		return err;
	cur = j->mt.currency;
	sum = mem_zalloc(sizeof(*sum), NULL);
	if (!sum)
		return ENOMEM;
	err = api_money_reply(j, 200, "{\"currency\":\"%s\",\"quotes\":[",
			      cur);
	for (unsigned i = 0; i < rj->toc && !err; i++) {
		if (i)
			err = api_money_reply(j, 200, ",");
		if (!err)
			err = quote_one(j, st, rj->tov[i], sum);
	}
	if (!err)
		err = money_tax(&tax, sum->per_min, j->mt.tax_ppm);
	if (!err)
		err = money_add(&with, sum->per_min, tax);
	/* a hold needs every destination rated */
	if (!err && sum->n == rj->toc)
		err = money_estimate(&hold, sum->ratev, sum->n, &j->mt);
	if (!err)
		err = money_ppm_fmt(taxr, sizeof(taxr), j->mt.tax_ppm);
	if (!err)
		err = api_money_reply(j, 200, "],\"all_rated\":%s,"
				      "\"tax_rate\":\"%s\",\"per_min\":%H,"
				      "\"tax_per_min\":%H,"
				      "\"per_min_with_tax\":%H,"
				      "\"connect_fees\":%H,\"conf_min\":%H,"
				      "\"hold\":",
				      sum->n == rj->toc ? "true" : "false",
				      taxr,
				      api_json_amount,
				      &(struct api_amount){sum->per_min, cur},
				      api_json_amount,
				      &(struct api_amount){tax, cur},
				      api_json_amount,
				      &(struct api_amount){with, cur},
				      api_json_amount,
				      &(struct api_amount){sum->connect_fee,
							   cur},
				      api_json_amount,
				      &(struct api_amount){j->mt.conf_min,
							   cur});
	if (!err && sum->n == rj->toc)
		err = api_money_reply(j, 200, "%H,\"hold_basis_s\":%u}",
				      api_json_amount,
				      &(struct api_amount){hold, cur},
				      j->mt.typical_s);
	else if (!err)
		err = api_money_reply(j, 200, "null,\"hold_basis_s\":%u}",
				      j->mt.typical_s);
	mem_deref(sum);
	return err;
}


/* ?to=NUMBER, 1 to 32 times, E.164 ('+' as it is, or %2B) */
static bool quote_read(struct api_req *req, struct rates_job *rj)
{
	char digits[STORE_DIGITS_MAX], to[NUMBER_MAX];

	for (unsigned i = 0; ; i++) {
		int err = api_query_get(req, "to", i, to, sizeof(to));

		if (err == ENOENT)
			break;
		if (rj->toc >= 32) {
			api_error(req, 400, "invalid_field", "to",
				  "at most 32 destinations");
			return false;
		}
		if (err || money_number_digits(digits, to)) {
			api_error(req, 400, "invalid_field", "to",
				  "an E.164 number: +, then 1-15 digits");
			return false;
		}
		str_ncpy(rj->tov[rj->toc++], to, sizeof(rj->tov[0]));
	}
	if (!rj->toc) {
		api_error(req, 400, "missing_field", "to",
			  "give ?to=NUMBER, once per destination");
		return false;
	}
	return true;
}


/** The quote of a conference's participants (GET .../rates): numbers
 *  E.164 already, at most CONF_PARTIES_MAX */
void api_rates_quote_numbers(struct api_req *req, char (*numv)[24],
			     unsigned n)
{
	struct rates_job *rj = api_money_job(req, sizeof(*rj), "rate table");

	if (!rj)
		return;
	for (unsigned i = 0; i < n && rj->toc < QUOTE_MAX; i++)
		str_ncpy(rj->tov[rj->toc++], numv[i], sizeof(rj->tov[0]));
	(void)api_money_submit(rj, quote_work);
	mem_deref(rj);
}


void api_rates_quote(struct api_req *req)
{
	struct rates_job *rj = api_money_job(req, sizeof(*rj), "rate table");

	if (!rj)
		return;
	if (quote_read(req, rj))
		(void)api_money_submit(rj, quote_work);
	mem_deref(rj);
}
