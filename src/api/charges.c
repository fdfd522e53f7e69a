/**
 * @file api/charges.c  What billed calls cost: charges, CDRs, credits
 *
 *   GET  /v1/calls/{id}/charges           the charge summary (seed 004,
 *                                         FIG. 6): per leg number,
 *                                         duration, billed duration,
 *                                         charge; per payer subtotal,
 *                                         minimum adjustment, rounding,
 *                                         tax, total, charged
 *   POST /v1/calls/{id}/billing/confirm   "go on" for limit policy ask
 *   POST /v1/calls/{id}/legs/{leg}/trouble  a trouble report (FIG. 7):
 *                                         at most one minute of the leg
 *                                         credited, once per leg
 *   GET  /v1/cdrs?after=SEQ&limit=N       the tenant's finished CDRs
 *
 * A running (or settling) call answers from the meter, a finished one
 * from the store: the same rows (store_cdr, store_charge), rendered by
 * one function, so the summary reads the same before and after the call
 * leaves memory.  Store work runs on the store's workers.  Amounts are
 * decimal strings in the tenant's currency.
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_money.h"
#include "cb_meter.h"

enum {
	ROWS_MAX = 130,     /* a conference's bill: up to 128 legs */
	CDRS_PAGE = 100,
	CDRS_PAGE_MAX = 1000,
	TROUBLE_TEXT_MAX = 500,
};

struct rows {
	struct store_cdr *cv;           /* mem array */
	size_t cc;
	struct store_charge *hv;        /* mem array */
	size_t hc;
};

struct charge_job {
	struct api_req *req;            /* mem_ref'd */
	char tenant[CB_ID_LEN + 1];     /* "" for an admin: any tenant */
	char call_id[CB_ID_LEN + 1];
	char leg_id[CB_ID_LEN + 1];
	struct rows r;
	/* trouble */
	enum money_trouble why;
	int64_t credited;
	const char *code;               /* error code decided on the worker */
	struct store_cdr cdr;
	/* cdrs */
	uint64_t after;
	uint32_t limit;
	struct mbuf *mb;                /* the page, built on the worker */
	unsigned digits;
	char currency[STORE_CUR_LEN + 1];
};


static void job_destructor(void *arg)
{
	struct charge_job *j = arg;

	mem_deref(j->r.cv);
	mem_deref(j->r.hv);
	mem_deref(j->mb);
	mem_deref(j->req);
}


static struct charge_job *job_alloc(struct api_req *req)
{
	struct charge_job *j = mem_zalloc(sizeof(*j), job_destructor);

	if (!j) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return NULL;
	}
	j->req = mem_ref(req);
	if (!api_is_admin(req))
		str_ncpy(j->tenant, req->who.tenant_id, sizeof(j->tenant));
	str_ncpy(j->call_id, req->param[0], sizeof(j->call_id));
	str_ncpy(j->leg_id, req->param[1], sizeof(j->leg_id));
	return j;
}


/* ---- rendering --------------------------------------------------------- */

struct amt {
	int64_t v;
	unsigned digits;
};


static int print_amount(struct re_printf *pf, const struct amt *a)
{
	char buf[40];

	if (money_fmt(buf, sizeof(buf), a->v, a->digits))
		return re_hprintf(pf, "null");
	return re_hprintf(pf, "\"%s\"", buf);
}


static const char *state_name(uint8_t st)
{
	switch (st) {

	case STORE_CDR_OPEN:      return "open";
	case STORE_CDR_FINAL:     return "final";
	case STORE_CDR_RECOVERED: return "recovered";
	default:                  return "?";
	}
}


struct cdr_at {
	const struct store_cdr *c;
	unsigned digits;
};


static int json_rate(struct re_printf *pf, const struct cdr_at *ca)
{
	const struct store_rate *r = &ca->c->rate;
	struct amt pm = {r->per_min, ca->digits};
	struct amt fee = {r->connect_fee, ca->digits};
	struct amt min = {r->min_charge, ca->digits};

	if (!ca->c->rated)
		return re_hprintf(pf, "null");
	return re_hprintf(pf, "{\"prefix\":\"%s\",\"name\":%H,\"per_min\":%H,"
			  "\"connect_fee\":%H,\"min_charge\":%H,"
			  "\"increments\":\"%u/%u\"}", r->prefix,
			  api_json_str, r->name, print_amount, &pm,
			  print_amount, &fee, print_amount, &min, r->first_s,
			  r->next_s);
}


/** One CDR as JSON (a %H handler) */
static int json_cdr(struct re_printf *pf, const struct cdr_at *ca)
{
	const struct store_cdr *c = ca->c;
	struct amt cost = {c->cost, ca->digits};
	struct amt credit = {c->credited, ca->digits};

	return re_hprintf(pf, "{\"seq\":%llu,\"leg_id\":\"%s\","
			  "\"call_id\":\"%s\",\"peer\":%H,\"payer\":\"%s\","
			  "\"account\":\"%s\",\"hold_id\":\"%s\","
			  "\"rated\":%s,\"rate\":%H,\"created_ms\":%llu,"
			  "\"answered_ms\":%llu,\"ended_ms\":%llu,"
			  "\"cause\":%H,\"duration_ms\":%llu,"
			  "\"billed_s\":%llu,\"charge\":%H,\"state\":\"%s\","
			  "\"trouble\":%H%s,\"credited\":%H}",
			  (unsigned long long)c->seq, c->leg_id, c->call_id,
			  api_json_str, c->peer, c->payer, c->account_id,
			  c->hold_id, c->rated ? "true" : "false", json_rate,
			  ca, (unsigned long long)c->created_ms,
			  (unsigned long long)c->answered_ms,
			  (unsigned long long)c->ended_ms, api_json_str,
			  c->cause, (unsigned long long)c->duration_ms,
			  (unsigned long long)c->billed_s, print_amount, &cost,
			  state_name(c->state), api_json_str,
			  c->trouble[0] ? c->trouble : NULL,
			  c->trouble[0] ? "" : "null", print_amount, &credit);
}


struct charge_at {
	const struct store_charge *h;
	unsigned digits;
};


static int json_charge(struct re_printf *pf, const struct charge_at *ha)
{
	const struct store_charge *h = ha->h;
	unsigned d = ha->digits;
	struct amt auth = {h->authorized, d}, sub = {h->subtotal, d};
	struct amt adj = {h->min_adjust, d}, rnd = {h->rounding, d};
	struct amt net = {h->net, d}, tax = {h->tax, d}, tot = {h->total, d};
	struct amt chg = {h->charged, d}, off = {h->written_off, d};

	return re_hprintf(pf, "{\"account\":\"%s\",\"payer\":\"%s\","
			  "\"hold_id\":\"%s\",\"authorized\":%H,"
			  "\"subtotal\":%H,\"min_adjust\":%H,\"rounding\":%H,"
			  "\"net\":%H,\"tax\":%H,\"total\":%H,\"charged\":%H,"
			  "\"written_off\":%H,\"txn_id\":%H%s,"
			  "\"state\":\"%s\"}",
			  h->account_id, h->payer, h->hold_id,
			  print_amount, &auth, print_amount, &sub,
			  print_amount, &adj, print_amount, &rnd,
			  print_amount, &net, print_amount, &tax,
			  print_amount, &tot, print_amount, &chg,
			  print_amount, &off, api_json_str,
			  h->txn_id[0] ? h->txn_id : NULL,
			  h->txn_id[0] ? "" : "null", state_name(h->state));
}


struct summary_at {
	const char *call_id;
	const struct rows *r;
};


/** The charge summary of a call from its rows (a %H handler) */
static int json_summary(struct re_printf *pf, const struct summary_at *sa)
{
	const struct rows *r = sa->r;
	const char *cur = r->hc ? r->hv[0].currency : "";
	unsigned d = money_currency_digits(cur);
	struct amt sub = {0, d}, adj = {0, d}, rnd = {0, d}, tax = {0, d};
	struct amt tot = {0, d}, chg = {0, d};
	bool final = true;
	int err;

	for (size_t i = 0; i < r->hc; i++) {
		sub.v += r->hv[i].subtotal;
		adj.v += r->hv[i].min_adjust;
		rnd.v += r->hv[i].rounding;
		tax.v += r->hv[i].tax;
		tot.v += r->hv[i].total;
		chg.v += r->hv[i].charged;
		final &= r->hv[i].state != STORE_CDR_OPEN;
	}
	for (size_t i = 0; i < r->cc; i++)
		final &= r->cv[i].state != STORE_CDR_OPEN;

	err = re_hprintf(pf, "{\"call_id\":\"%s\",\"currency\":\"%s\","
			 "\"final\":%s,\"legs\":[", sa->call_id, cur,
			 final ? "true" : "false");
	for (size_t i = 0; i < r->cc; i++) {
		struct cdr_at ca = {&r->cv[i], d};

		err |= re_hprintf(pf, "%s%H", i ? "," : "", json_cdr, &ca);
	}
	err |= re_hprintf(pf, "],\"charges\":[");
	for (size_t i = 0; i < r->hc; i++) {
		struct charge_at ha = {&r->hv[i], d};

		err |= re_hprintf(pf, "%s%H", i ? "," : "", json_charge, &ha);
	}
	err |= re_hprintf(pf, "],\"subtotal\":%H,\"min_adjust\":%H,"
			  "\"rounding\":%H,\"tax\":%H,\"total\":%H,"
			  "\"charged\":%H}", print_amount, &sub,
			  print_amount, &adj, print_amount, &rnd,
			  print_amount, &tax, print_amount, &tot,
			  print_amount, &chg);
	return err;
}


/* ---- GET /v1/calls/{id}/charges ---------------------------------------- */

static bool cdr_collect(const struct store_cdr *c, void *arg)
{
	struct rows *r = arg;

	if (r->cc >= ROWS_MAX)
		return true;
	r->cv[r->cc++] = *c;
	return false;
}


static bool charge_collect(const struct store_charge *h, void *arg)
{
	struct rows *r = arg;

	if (r->hc >= ROWS_MAX)
		return true;
	r->hv[r->hc++] = *h;
	return false;
}


static int charges_work(struct store *st, void *arg)
{
	struct charge_job *j = arg;
	int err;

	j->r.cv = mem_zalloc(ROWS_MAX * sizeof(*j->r.cv), NULL);
	j->r.hv = mem_zalloc(ROWS_MAX * sizeof(*j->r.hv), NULL);
	if (!j->r.cv || !j->r.hv)
		return ENOMEM;
	err = store_charge_list_call(st, j->tenant, j->call_id,
				     charge_collect, &j->r);
	if (!err)
		err = store_cdr_list_call(st, j->tenant, j->call_id,
					  cdr_collect, &j->r);
	return err;
}


static void summary_reply(struct api_req *req, const char *call_id,
			  const struct rows *r)
{
	struct summary_at sa = {call_id, r};

	api_reply_json(req, 200, "%H", json_summary, &sa);
}


static void charges_done(int err, void *arg)
{
	struct charge_job *j = arg;

	if (err)
		api_store_error(j->req, err);
	else if (!j->r.hc && !j->r.cc)
		api_error(j->req, 404, "not_found", NULL,
			  "no such billed call");
	else
		summary_reply(j->req, j->call_id, &j->r);
}


/* a call the meter still holds: its rows now (ENOENT: ask the store) */
static int charges_live(struct api_req *req)
{
	struct rows r;
	int err;

	memset(&r, 0, sizeof(r));
	err = meter_summary(req->param[0], &r.cv, &r.cc, &r.hv, &r.hc);
	if (err)
		return err;
	if (r.hc && !api_sees_tenant(req, r.hv[0].tenant_id))
		err = ENOENT;
	else
		summary_reply(req, req->param[0], &r);
	mem_deref(r.cv);
	mem_deref(r.hv);
	return err;
}


void api_call_charges(struct api_req *req)
{
	struct charge_job *j;

	if (!charges_live(req))
		return;
	j = job_alloc(req);
	if (!j)
		return;
	(void)api_store_submit(req, j, charges_work, charges_done);
	mem_deref(j);
}


/* ---- POST /v1/calls/{id}/billing/confirm ------------------------------- */

void api_call_billing_confirm(struct api_req *req)
{
	struct call *call = call_find(req->param[0]);
	int err;

	if (!call || !api_owns(req, call)) {
		api_error(req, 404, "not_found", NULL, "no such call");
		return;
	}
	err = meter_confirm(req->param[0]);
	if (err == ENOENT)
		api_error(req, 409, "not_billed", NULL,
			  "the call is not billed");
	else if (err)
		api_error(req, 409, "not_asking", NULL,
			  "no billing question is waiting for an answer");
	else
		api_reply_json(req, 202, "{\"confirmed\":true}");
}


/* ---- POST /v1/calls/{id}/legs/{leg}/trouble ----------------------------- */

static int trouble_work(struct store *st, void *arg)
{
	struct charge_job *j = arg;
	struct store_money_tenant mt;
	int err;

	err = store_cdr_get(st, &j->cdr, j->tenant, j->leg_id);
	if (!err && strcmp(j->cdr.call_id, j->call_id))
		err = ENOENT;
	if (err)
		return err;
	if (j->cdr.state == STORE_CDR_OPEN) {
		j->code = "not_finished";
		return 0;
	}
	err = money_tenant_get(st, &mt, j->cdr.tenant_id);
	if (err)
		return err;
	j->digits = money_currency_digits(mt.currency);
	str_ncpy(j->currency, mt.currency, sizeof(j->currency));
	err = money_credit_leg(st, j->cdr.tenant_id, j->cdr.account_id,
			       j->cdr.leg_id, &j->cdr.rate,
			       j->cdr.rated ? j->cdr.cost : 0, j->why,
			       &j->credited);
	if (err == EALREADY) {
		j->code = "already_credited";
		return 0;
	}
	if (err == ENODATA) {
		j->code = "nothing_to_credit";
		return 0;
	}
	if (!err)
		err = store_cdr_trouble_set(st, j->cdr.tenant_id,
					    j->cdr.leg_id,
					    money_trouble_name(j->why));
	return err;
}


static void trouble_done(int err, void *arg)
{
	struct charge_job *j = arg;
	struct amt credit = {j->credited, j->digits};

	if (err == ENOENT)
		api_error(j->req, 404, "not_found", NULL,
			  "no such leg of a billed call");
	else if (err)
		api_store_error(j->req, err);
	else if (j->code && !strcmp(j->code, "not_finished"))
		api_error(j->req, 409, j->code, NULL,
			  "the leg has not finished");
	else if (j->code && !strcmp(j->code, "already_credited"))
		api_error(j->req, 409, j->code, NULL,
			  "this leg was credited before");
	else if (j->code)
		api_error(j->req, 422, j->code, NULL,
			  "the leg cost nothing");
	else
		api_reply_json(j->req, 201, "{\"leg_id\":\"%s\","
			       "\"kind\":\"%s\",\"account\":\"%s\","
			       "\"credited\":%H,\"currency\":\"%s\"}",
			       j->leg_id, money_trouble_name(j->why),
			       j->cdr.account_id, print_amount, &credit,
			       j->currency);
}


void api_leg_trouble(struct api_req *req)
{
	const struct odict_entry *k, *t;
	struct charge_job *j;
	struct call *call;
	enum money_trouble why;

	k = req->body ? odict_lookup(req->body, "kind") : NULL;
	t = req->body ? odict_lookup(req->body, "text") : NULL;
	if (!k) {
		api_error(req, 400, "missing_field", "kind",
			  "noise, disconnected or other");
		return;
	}
	if (k->type != ODICT_STRING || money_trouble_parse(&why, k->u.str)) {
		api_error(req, 400, "invalid_field", "kind",
			  "noise, disconnected or other");
		return;
	}
	if (t && (t->type != ODICT_STRING ||
		  strlen(t->u.str) > TROUBLE_TEXT_MAX)) {
		api_error(req, 400, "invalid_field", "text",
			  "a string of at most 500 characters");
		return;
	}
	/* a leg of a call still metered (and ours) has not finished */
	call = call_find(req->param[0]);
	if (meter_billed(req->param[0]) && call && api_owns(req, call)) {
		api_error(req, 409, "not_finished", NULL,
			  "the call has not finished");
		return;
	}
	j = job_alloc(req);
	if (!j)
		return;
	j->why = why;
	if (t)
		log_info(NULL, "call=%s leg=%s trouble %s: %zu characters of "
			 "text", j->call_id, j->leg_id, k->u.str,
			 strlen(t->u.str));
	(void)api_store_submit(req, j, trouble_work, trouble_done);
	mem_deref(j);
}


/* ---- GET /v1/cdrs ------------------------------------------------------ */

struct page {
	struct mbuf *mb;
	unsigned digits;
	uint32_t n;
	uint64_t last;
};


static bool page_add(const struct store_cdr *c, void *arg)
{
	struct page *pg = arg;
	struct cdr_at ca = {c, pg->digits};

	(void)mbuf_printf(pg->mb, "%s%H", pg->n++ ? "," : "", json_cdr, &ca);
	pg->last = c->seq;
	return false;
}


static int cdrs_work(struct store *st, void *arg)
{
	struct charge_job *j = arg;
	struct store_money_tenant mt;
	struct page pg = {0};
	int err;

	err = money_tenant_get(st, &mt, j->tenant);
	if (err)
		return err;
	pg.mb = mbuf_alloc(4096);
	if (!pg.mb)
		return ENOMEM;
	pg.digits = money_currency_digits(mt.currency);
	err = mbuf_printf(pg.mb, "{\"currency\":\"%s\",\"cdrs\":[",
			  mt.currency);
	if (!err)
		err = store_cdr_list(st, j->tenant, j->after, j->limit,
				     page_add, &pg);
	/* a full page may have more behind it: its last seq is the cursor */
	if (!err && pg.n == j->limit)
		err = mbuf_printf(pg.mb, "],\"next\":%llu}",
				  (unsigned long long)pg.last);
	else if (!err)
		err = mbuf_printf(pg.mb, "],\"next\":null}");
	if (err)
		pg.mb = mem_deref(pg.mb);
	j->mb = pg.mb;
	return err;
}


static void cdrs_done(int err, void *arg)
{
	struct charge_job *j = arg;

	if (err)
		api_store_error(j->req, err);
	else
		api_reply_list(j->req, j->mb);
}


/* ?after=SEQ&limit=N; false (400 sent) if a value is not a number */
static bool page_args(struct api_req *req, uint64_t *afterp,
		      uint32_t *limitp)
{
	struct pl rest = req->msg->prm, key, val;

	*afterp = 0;
	*limitp = CDRS_PAGE;
	if (rest.l && rest.p[0] == '?')
		pl_advance(&rest, 1);
	while (rest.l) {
		const char *amp = pl_strchr(&rest, '&');
		struct pl kv = {rest.p, amp ? (size_t)(amp - rest.p)
					    : rest.l};
		const char *eq = pl_strchr(&kv, '=');

		if (eq) {
			key.p = kv.p;
			key.l = (size_t)(eq - kv.p);
			val.p = eq + 1;
			val.l = kv.l - key.l - 1;
			if (!pl_strcmp(&key, "after")) {
				if (!val.l || val.l > 19 ||
				    re_regex(val.p, val.l, "[0-9]+", NULL)) {
					api_error(req, 400, "invalid_field",
						  "after", "a cursor (next)");
					return false;
				}
				*afterp = pl_u64(&val);
			}
			else if (!pl_strcmp(&key, "limit")) {
				uint32_t n = pl_u32(&val);

				if (!val.l || val.l > 4 || !n ||
				    n > CDRS_PAGE_MAX ||
				    re_regex(val.p, val.l, "[0-9]+", NULL)) {
					api_error(req, 400, "invalid_field",
						  "limit", "1 to 1000");
					return false;
				}
				*limitp = n;
			}
		}
		if (!amp)
			break;
		pl_advance(&rest, kv.l + 1);
	}
	return true;
}


void api_cdrs_list(struct api_req *req)
{
	struct charge_job *j;
	uint64_t after;
	uint32_t limit;

	if (!page_args(req, &after, &limit))
		return;
	j = job_alloc(req);
	if (!j)
		return;
	/* a tenant's records: an admin's are its own tenant's */
	str_ncpy(j->tenant, req->who.tenant_id, sizeof(j->tenant));
	j->after = after;
	j->limit = limit;
	(void)api_store_submit(req, j, cdrs_work, cdrs_done);
	mem_deref(j);
}
