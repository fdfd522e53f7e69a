/**
 * @file api/money_common.c  What the money routes share: jobs, amounts, errors
 *
 * Every money route (money_rates.c, money_tenant.c, money_accounts.c,
 * money_ledger.c, money_cards.c, money_holds.c, money_tokens.c) acts on
 * the caller's own tenant.  It reads and checks its request on the
 * re_main thread, then runs the money library (src/money/, synchronous
 * on the store) on a store worker through api_store_submit().  The
 * worker builds the whole reply in the job -- or says why it failed --
 * and one completion, money_done(), answers: the reply, the error the
 * worker chose, or the one mapping of the library's errnos (ENOENT 404,
 * ENOSPC 402 insufficient_funds, EPERM 402 card_declined, EEXIST 409 for
 * an idempotency key used by another request, ...).
 *
 * Amounts travel as decimal strings ("12.50", at most six decimals) next
 * to a "currency" member.  A JSON number where an amount is expected is
 * 400 invalid_field: a client's binary fraction never becomes money.  The
 * Idempotency-Key of a POST (the HTTP layer answers replays, idem.c) is
 * also handed to the ledger, so that a retry after a crash between the
 * posting and the recording of the reply still posts once.
 */
#include <stdarg.h>
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_money.h"


static void job_destructor(void *arg)
{
	struct money_job *j = arg;

	if (j->dtor)
		j->dtor(j);
	mem_deref(j->mb);
	mem_deref(j->req);
}


/**
 * A job of `size` bytes (a route's struct starting with struct
 * money_job) for the caller's tenant; NULL once answered (500).
 */
void *api_money_job(struct api_req *req, size_t size, const char *what)
{
	const struct http_hdr *h;
	struct money_job *j;

	j = size >= sizeof(*j) ? mem_zalloc(size, job_destructor) : NULL;
	if (!j) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return NULL;
	}
	j->req = mem_ref(req);
	j->what = what;
	j->status = 200;
	str_ncpy(j->tenant, req->who.tenant_id, sizeof(j->tenant));

	/* checked by idem.c: 1-127 printable characters */
	h = http_msg_xhdr(req->msg, "Idempotency-Key");
	if (h && !pl_strcmp(&req->msg->met, "POST") &&
	    h->val.l < sizeof(j->key))
		(void)pl_strcpy(&h->val, j->key, sizeof(j->key));
	return j;
}


/* ---- the answer ------------------------------------------------------ */

/* the library's errnos as the API answers them (ENOENT: error_map()) */
static const struct {
	int err;
	uint16_t status;
	const char *code, *field, *msg;
} errors[] = {
	{ENOSPC, 402, "insufficient_funds", NULL,
	 "the account's available funds do not cover this"},
	{EPERM, 402, "card_declined", NULL,
	 "the payment method was declined"},
	{EEXIST, 409, "idempotency_key_reused", "Idempotency-Key",
	 "this key was used with a different request"},
	{API_ECURRENCY, 422, "currency_mismatch", "currency",
	 "not the currency of the account"},
	{ERANGE, 422, "out_of_range", NULL,
	 "an amount or a balance would be out of range"},
	{ENOTSUP, 422, "unsupported_method", "method",
	 "this payment method's provider is not available"},
	{EINVAL, 422, "invalid", NULL, "the request cannot be applied"},
};


static void error_map(struct money_job *j, int err)
{
	char msg[80];

	if (err == ENOENT) {
		(void)re_snprintf(msg, sizeof(msg), "no such %s", j->what);
		api_error(j->req, 404, "not_found", NULL, msg);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(errors); i++) {
		if (errors[i].err == err) {
			api_error(j->req, errors[i].status, errors[i].code,
				  errors[i].field, errors[i].msg);
			return;
		}
	}
	api_store_error(j->req, err);
}


/* a reply that is not JSON (a CSV export): no idempotency record, GET */
static void reply_raw(struct money_job *j)
{
	struct api_req *req = j->req;

	req->replied = true;
	metrics_http_count(j->status);
	(void)http_reply(req->conn, j->status, "OK",
			 "Content-Type: %s\r\n"
			 "Content-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n"
			 "\r\n"
			 "%b",
			 j->ctype, j->mb->end, j->mb->buf, j->mb->end);
}


static void money_done(int err, void *arg)
{
	struct money_job *j = arg;
	struct api_req *req = j->req;

	if (err == ECANCELED)
		return;
	if (j->fail.status)
		api_error(req, j->fail.status, j->fail.code,
			  j->fail.field[0] ? j->fail.field : NULL,
			  j->fail.msg);
	else if (err)
		error_map(j, err);
	else if (!j->mb)
		api_error(req, 500, "internal", NULL, "out of memory");
	else if (j->ctype)
		reply_raw(j);
	else
		api_reply_json(req, j->status, "%b", j->mb->buf, j->mb->end);
}


/** Run work(store, job) on a store worker; the job's reply answers */
int api_money_submit(void *job, store_work_h *work)
{
	struct money_job *j = job;

	return api_store_submit(j->req, j, work, money_done);
}


static int reply_v(struct money_job *j, const char *fmt, va_list ap)
{
	if (!j->mb) {
		j->mb = mbuf_alloc(512);
		if (!j->mb)
			return ENOMEM;
	}
	return mbuf_vprintf(j->mb, fmt, ap);
}


/** Worker: the success reply (appended to what is there) */
int api_money_reply(struct money_job *j, uint16_t status,
		    const char *fmt, ...)
{
	va_list ap;
	int err;

	j->status = status;
	va_start(ap, fmt);
	err = reply_v(j, fmt, ap);
	va_end(ap);
	return err;
}


/**
 * Worker: answer this error instead of mapping the errno (code: a static
 * string; field: NULL for none).  Returns EPROTO, for the work to return.
 */
int api_money_fail(struct money_job *j, uint16_t status, const char *code,
		   const char *field, const char *fmt, ...)
{
	va_list ap;

	j->fail.status = status;
	j->fail.code = code;
	str_ncpy(j->fail.field, field ? field : "", sizeof(j->fail.field));
	va_start(ap, fmt);
	(void)re_vsnprintf(j->fail.msg, sizeof(j->fail.msg), fmt, ap);
	va_end(ap);
	return EPROTO;
}


/* ---- on the worker: the tenant and its accounts ---------------------- */

/** Worker: the tenant's money settings into j->mt */
int api_money_load(struct money_job *j, struct store *st)
{
	return money_tenant_get(st, &j->mt, j->tenant);
}


/**
 * Worker: an account of the caller's tenant (by id or name; another
 * tenant's is ENOENT, like a missing one), in the currency the body
 * named if it named one.
 */
int api_money_account(struct money_job *j, struct store *st,
		      struct store_account *a, const char *id)
{
	int err = store_money_account_get(st, a, j->tenant, id);

	if (err)
		return err;
	if (j->cur[0] && strcmp(j->cur, a->currency))
		return api_money_fail(j, 422, "currency_mismatch", "currency",
				      "the account is in %s", a->currency);
	return 0;
}


/**
 * Worker: the tenant's settings into j->mt and an account of it that
 * takes payments (a customer's or a business's; else 422 not_payable,
 * naming field, saying msg).
 */
int api_money_payable(struct money_job *j, struct store *st,
		      struct store_account *a, const char *id,
		      const char *field, const char *msg)
{
	int err = api_money_load(j, st);

	if (!err)
		err = api_money_account(j, st, a, id);
	if (err)
		return err;
	if (!money_account_kind_ok(a->kind))
		return api_money_fail(j, 422, "not_payable", field, "%s", msg);
	return 0;
}


/**
 * Worker: the answer of a payment into or out of an account that is
 * there (money_topup(), money_hold_authorize()): EALREADY is a replay
 * of the same request (*replay, 0); ENOENT, the method is unknown.
 */
int api_money_posted(struct money_job *j, int err, bool *replay)
{
	*replay = err == EALREADY;
	if (err == ENOENT)
		return api_money_fail(j, 422, "unknown_method", "method",
				      "no such payment method on this "
				      "account");
	return *replay ? 0 : err;
}


/**
 * Worker: one item of the list the reply holds, after a "," but for the
 * first; true (stop listing) once printing failed.
 */
bool api_money_item(struct money_job *j, const char *fmt, ...)
{
	va_list ap;

	if (j->items++)
		j->item_err = api_money_reply(j, j->status, ",");
	if (!j->item_err) {
		va_start(ap, fmt);
		j->item_err = reply_v(j, fmt, ap);
		va_end(ap);
	}
	return j->item_err != 0;
}


/** Worker: close the list (err: of listing it) and the reply, "]}" */
int api_money_list_end(struct money_job *j, int err)
{
	if (!err)
		err = j->item_err;
	return err ? err : api_money_reply(j, 200, "]}");
}


/* ---- reading the request (re_main) ----------------------------------- */

/**
 * An amount member of the body: a decimal string, more than zero (or at
 * least zero with zero_ok).  Absent: true and *vp untouched, unless
 * required (400 missing_field).  Anything else: 400 invalid_field.
 */
bool api_money_amount(struct api_req *req, const char *key, int64_t *vp,
		      bool required, bool zero_ok)
{
	const struct odict_entry *e = req->body ? odict_lookup(req->body, key)
						: NULL;
	int64_t v;
	int err;

	if (!e) {
		if (required)
			api_error(req, 400, "missing_field", key,
				  "this field is required");
		return !required;
	}
	if (e->type != ODICT_STRING) {
		api_error(req, 400, "invalid_field", key, "an amount is a "
			  "decimal string such as \"12.50\", not a number");
		return false;
	}
	err = money_parse(&v, e->u.str);
	if (err == ERANGE) {
		api_error(req, 400, "invalid_field", key, "at most 6 decimals "
			  "and 100000000000");
		return false;
	}
	if (err) {
		api_error(req, 400, "invalid_field", key, "not a decimal "
			  "amount such as \"12.50\"");
		return false;
	}
	if (v < 0 || (!v && !zero_ok)) {
		api_error(req, 400, "invalid_field", key, zero_ok ?
			  "must not be negative" : "must be more than 0");
		return false;
	}
	*vp = v;
	return true;
}


/** The body's optional "currency": one this server accepts (422) */
bool api_money_currency(struct api_req *req, struct money_job *j)
{
	if (!api_field_str(req, "currency", j->cur, sizeof(j->cur),
			   false))
		return false;
	if (j->cur[0] && !money_currency_ok(j->cur)) {
		api_error(req, 422, "unknown_currency", "currency",
			  "not a currency of money.currencies");
		return false;
	}
	return true;
}


/** An id member of the body: 1-47 of A-Z a-z 0-9 - _ (400 otherwise) */
bool api_money_id(struct api_req *req, const char *key, char *out,
		  size_t sz, bool required)
{
	if (!api_field_str(req, key, out, sz, required))
		return false;
	for (const char *p = out; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')) {
			api_error(req, 400, "invalid_field", key,
				  "an id: letters, digits, - and _");
			return false;
		}
	}
	return true;
}


static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}


/* percent-decode; '+' stays '+' (an E.164 number, not a space) */
static int query_decode(const struct pl *v, char *out, size_t sz)
{
	size_t n = 0;

	for (size_t i = 0; i < v->l; i++) {
		int c = (unsigned char)v->p[i];

		if (c == '%') {
			int hi = i + 2 < v->l ? hexval(v->p[i + 1]) : -1;
			int lo = hi >= 0 ? hexval(v->p[i + 2]) : -1;

			if (lo < 0)
				return EINVAL;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c < 0x20 || c > 0x7e)
			return EINVAL;
		if (n + 1 >= sz)
			return ERANGE;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}


/**
 * The nth (from 0) value of query parameter `name`, decoded into out:
 * 0, ENOENT (no such parameter), EINVAL (bad encoding, a control or
 * non-ASCII character) or ERANGE (longer than sz - 1).
 */
int api_query_get(const struct api_req *req, const char *name,
		  unsigned nth, char *out, size_t sz)
{
	struct pl rest = req->msg->prm;
	size_t nl = strlen(name);

	if (rest.l && rest.p[0] == '?')
		pl_advance(&rest, 1);
	while (rest.l) {
		const char *amp = pl_strchr(&rest, '&');
		struct pl kv = {rest.p, amp ? (size_t)(amp - rest.p) : rest.l};

		if (kv.l > nl && kv.p[nl] == '=' &&
		    !memcmp(kv.p, name, nl) && !nth--) {
			struct pl v = {kv.p + nl + 1, kv.l - nl - 1};

			return query_decode(&v, out, sz);
		}
		if (!amp)
			break;
		pl_advance(&rest, kv.l + 1);
	}
	return ENOENT;
}


/** "12.50" (a JSON string) */
int api_json_amount(struct re_printf *pf, const struct api_amount *a)
{
	char buf[48];

	if (money_fmt(buf, sizeof(buf), a->v,
		      money_currency_digits(a->cur)))
		return EINVAL;
	return re_hprintf(pf, "\"%s\"", buf);
}
