/**
 * @file api/conf_money.c  /v1/conferences: rates, payment, summary (seed 004)
 *
 *   GET  /v1/conferences/{id}/rates      the Rate button (FIG. 2): each
 *                                        participant's price per minute,
 *                                        the total per minute and the
 *                                        pre-authorization it would take
 *                                        (the quote of /v1/rates/quote)
 *   POST /v1/conferences/{id}/authorize  the payment page (FIG. 3):
 *                                        {account, method?, limit?}
 *   POST /v1/conferences/{id}/billing/confirm  "go on" (policy ask)
 *   GET  /v1/conferences/{id}/summary    the charges (FIG. 6)
 *   POST /v1/conferences/{id}/legs/{leg}/trouble  a trouble report
 *                                        (FIG. 7), as for a call's leg
 *
 * The money itself is the conference runtime's (src/conf/money.c) and
 * the meter's (src/meter/conf.c): one hold for the conference, keyed by
 * its id, so its charge rows and CDRs are those of a "call" whose id is
 * the conference's -- the summary and the trouble report are the routes
 * of billed calls (charges.c) on that id.  Every route is scoped to the
 * caller's tenant and follows the access rule of conf.c
 * (api_conf_access: a web session shows the conference's token, a
 * customer uses only its own).  The summary and the trouble report need
 * the conference in memory for that, i.e. until CONF_LINGER_MS after
 * its end, unless the caller uses an API key.
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_conf.h"
#include "cb_money.h"
#include "cb_meter.h"


/** A refusal of the meter as an HTTP error */
void api_conf_refusal(struct api_req *req, const struct meter_refusal *r)
{
	const char *code = r->code ? r->code : "unavailable";
	uint16_t scode = 503;

	if (!strcmp(code, "insufficient_funds") ||
	    !strcmp(code, "card_declined"))
		scode = 402;
	else if (!strcmp(code, "not_rated") ||
		 !strcmp(code, "unknown_account") ||
		 !strcmp(code, "unknown_method"))
		scode = 422;
	else if (!strcmp(code, "ended"))
		scode = 409;
	else if (!strcmp(code, "internal"))
		scode = 500;
	api_error(req, scode, code, r->field, r->message ? r->message :
		  "refused");
}


/** GET /v1/conferences/{id}/rates */
void api_conf_rates(struct api_req *req)
{
	char (*numv)[24];
	unsigned n = 0;

	if (!api_conf_access(req))
		return;
	numv = mem_zalloc(CONF_PARTIES_MAX * sizeof(*numv), NULL);
	if (!numv) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	if (conf_numbers(req->who.tenant_id, req->param[0], numv,
			 CONF_PARTIES_MAX, &n))
		api_error(req, 404, "not_found", NULL, "no such conference");
	else
		api_rates_quote_numbers(req, numv, n);
	mem_deref(numv);
}


/* ---- POST /v1/conferences/{id}/authorize --------------------------------- */

struct auth_job {
	struct api_req *req;              /* mem_ref'd */
};


static void auth_job_destructor(void *arg)
{
	struct auth_job *j = arg;

	mem_deref(j->req);
}


static void authorized(const struct meter_refusal *r, void *arg)
{
	struct auth_job *j = arg;

	if (r->err)
		api_conf_refusal(j->req, r);
	else
		api_conf_reply_view(j->req, 200, j->req->param[0], NULL,
				    NULL);
	mem_deref(j);
}


static bool str_opt(struct api_req *req, const char *key, bool required,
		    size_t max, const char **vp)
{
	const struct odict_entry *e = odict_lookup(req->body, key);

	*vp = NULL;
	if (!e || e->type == ODICT_NULL) {
		if (required)
			api_error(req, 400, "missing_field", key,
				  "required");
		return !required;
	}
	if (e->type != ODICT_STRING || !e->u.str[0] ||
	    strlen(e->u.str) > max) {
		api_error(req, 400, "invalid_field", key, "a non-empty "
			  "string");
		return false;
	}
	*vp = e->u.str;
	return true;
}


static bool limit_parse(struct api_req *req, int *limitp)
{
	const char *s;

	*limitp = -1;
	if (!str_opt(req, "limit", false, 16, &s))
		return false;
	for (int i = 0; s && i < MONEY_LIMIT_MAX; i++) {
		if (!strcmp(s, money_limit_name((enum money_limit)i))) {
			*limitp = i;
			return true;
		}
	}
	if (s) {
		api_error(req, 400, "invalid_field", "limit",
			  "extend, ask or cut");
		return false;
	}
	return true;
}


void api_conf_authorize(struct api_req *req)
{
	static const char *const known[] = {"account", "method", "limit"};
	const char *account, *method;
	struct auth_job *j;
	int limit, err;

	if (!api_conf_access(req))
		return;
	if (!api_need_body(req, "{account, method? (a card's id), limit?: "
			   "extend|ask|cut}") ||
	    !api_body_known(req, known, ARRAY_SIZE(known),
			    "account, method, limit") ||
	    !str_opt(req, "account", true, STORE_NAME_MAX - 1, &account) ||
	    !str_opt(req, "method", false, CB_ID_LEN, &method) ||
	    !limit_parse(req, &limit))
		return;
	j = mem_zalloc(sizeof(*j), auth_job_destructor);
	if (!j) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	j->req = mem_ref(req);
	err = conf_authorize(req->who.tenant_id, req->param[0], account,
			     method, limit, authorized, j);
	if (err == EINPROGRESS)
		return;
	mem_deref(j);
	switch (err) {

	case ENOENT:
		api_error(req, 404, "not_found", NULL, "no such conference");
		break;
	case EALREADY:
		api_error(req, 409, "ended", NULL, "the conference has ended");
		break;
	case EEXIST:
		api_error(req, 409, "already_authorized", NULL,
			  "the conference is authorized already");
		break;
	case EBUSY:
		api_error(req, 409, "conflict", NULL, "an authorization is "
			  "under way, or a participant is on a call (its "
			  "leg would not be billed)");
		break;
	case ENOTSUP:
		api_error(req, 503, "unavailable", NULL, "billing is not "
			  "available");
		break;
	default:
		api_error(req, 500, "internal", NULL, "cannot authorize");
		break;
	}
}


/** POST /v1/conferences/{id}/billing/confirm */
void api_conf_billing_confirm(struct api_req *req)
{
	int err;

	if (!api_conf_access(req))
		return;
	err = conf_billing_confirm(req->who.tenant_id, req->param[0]);
	if (err == ENOENT)
		api_error(req, 404, "not_found", NULL, "no such conference");
	else if (err == EACCES)
		api_error(req, 409, "not_billed", NULL,
			  "the conference is not billed");
	else if (err)
		api_error(req, 409, "not_asking", NULL,
			  "no billing question is waiting for an answer");
	else
		api_reply_json(req, 202, "{\"confirmed\":true}");
}


/* the bill outlives the conference in memory: an API key of the tenant
 * (not a customer's) may still read it then */
static bool bill_access(struct api_req *req)
{
	if (req->who.kind == CB_AUTH_KEY &&
	    req->who.role != CB_ROLE_CUSTOMER)
		return true;
	return api_conf_access(req);
}


/** GET /v1/conferences/{id}/summary: the charges of the conference's
 *  bill (running, then final; from the store after the conference has
 *  left memory) */
void api_conf_summary(struct api_req *req)
{
	if (!bill_access(req))
		return;
	api_call_charges(req);
}


/** POST /v1/conferences/{id}/legs/{leg}/trouble */
void api_conf_trouble(struct api_req *req)
{
	if (!bill_access(req))
		return;
	api_leg_trouble(req);
}
