/**
 * @file api/callbacks_billing.c  Web callbacks: who pays
 *
 * A callback may be billed: the request's `billing` names who pays the
 * client's leg (role A) and, for a bridge, the leg to bridge_to (role
 * B): the client's own account (payer `client`, or `collect`), or a
 * business or third party (`account`), with the tenant's limit rule or
 * its own.  On the store worker the accounts named become account ids
 * (cbk_bill_account).  The resolved form is stored with the callback as
 * a short text (cbk_bill_encode), read back at start (cbk_bill_decode),
 * so that a billed callback due after a restart is authorized by the
 * meter exactly as it was asked (callbacks_place.c).
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_money.h"
#include "cb_meter.h"
#include "callbacks.h"


/* in a callback's words: the client asked, so it is the "caller" */
const char *cbk_payer_name(enum meter_payer p)
{
	return p == METER_PAYER_CALLER ? "client" :
		p == METER_PAYER_CALLEE ? "collect" : "account";
}


static int payer_parse(enum meter_payer *pp, const char *s)
{
	if (!strcmp(s, "client"))
		*pp = METER_PAYER_CALLER;
	else if (!strcmp(s, "collect"))
		*pp = METER_PAYER_CALLEE;
	else
		return meter_payer_parse(pp, s);
	return 0;
}


static bool limit_parse(int *lp, const char *s)
{
	for (int i = 0; i < MONEY_LIMIT_MAX; i++) {
		if (!strcmp(money_limit_name((enum money_limit)i), s)) {
			*lp = i;
			return true;
		}
	}
	return false;
}


/* billing.bridge_to: {account, payer?}; without it B is paid like A */
static bool bill_b_parse(struct api_req *req, struct create *cr,
			 const struct odict_entry *e)
{
	struct cbk_bill *b = &cr->bill;
	const char *account, *payer;

	if (strcmp(cr->row.service, "bridge")) {
		api_error(req, 422, "conflicting_fields", "billing.bridge_to",
			  "billing.bridge_to needs service.bridge_to");
		return false;
	}
	if (e->type != ODICT_OBJECT) {
		api_error(req, 400, "invalid_field", "billing.bridge_to",
			  "an object: {account, payer?}");
		return false;
	}
	if (!cbk_str_member(req, e->u.odict, "account", "billing.bridge_to."
			    "account", STORE_NAME_MAX, &account) ||
	    !cbk_str_member(req, e->u.odict, "payer",
			    "billing.bridge_to.payer", 16, &payer))
		return false;
	if (!account) {
		api_error(req, 400, "missing_field",
			  "billing.bridge_to.account", "the paying account");
		return false;
	}
	b->payer[METER_ROLE_B] = b->payer[METER_ROLE_A];
	if (payer && payer_parse(&b->payer[METER_ROLE_B], payer)) {
		api_error(req, 400, "invalid_field", "billing.bridge_to.payer",
			  "client, collect or account");
		return false;
	}
	str_ncpy(b->account[METER_ROLE_B], account,
		 sizeof(b->account[METER_ROLE_B]));
	cr->bill_b_given = true;
	return true;
}


/*
 * billing: {payer?, account?, limit?, bridge_to?}.  payer `client` (the
 * default without an account) and `collect` are paid by the client's
 * account unless `account` names one; `account` (the default with one)
 * is a business or a third party.
 */
bool cbk_billing_parse(struct api_req *req, struct create *cr)
{
	const struct odict_entry *e = odict_lookup(req->body, "billing");
	const struct odict_entry *be;
	struct cbk_bill *b = &cr->bill;
	const char *account, *payer, *limit;

	b->limit = -1;
	if (!e)
		return true;
	if (e->type != ODICT_OBJECT) {
		api_error(req, 400, "invalid_field", "billing",
			  "an object: {payer?, account?, limit?, bridge_to?}");
		return false;
	}
	if (!cbk_str_member(req, e->u.odict, "account", "billing.account",
			    STORE_NAME_MAX, &account) ||
	    !cbk_str_member(req, e->u.odict, "payer", "billing.payer", 16,
			    &payer) ||
	    !cbk_str_member(req, e->u.odict, "limit", "billing.limit", 16,
			    &limit))
		return false;
	b->payer[METER_ROLE_A] = account ? METER_PAYER_ACCOUNT :
		METER_PAYER_CALLER;
	if (payer && payer_parse(&b->payer[METER_ROLE_A], payer)) {
		api_error(req, 400, "invalid_field", "billing.payer",
			  "client, collect or account");
		return false;
	}
	if (limit && !limit_parse(&b->limit, limit)) {
		api_error(req, 400, "invalid_field", "billing.limit",
			  "extend, ask or cut");
		return false;
	}
	if (account) {
		str_ncpy(b->account[METER_ROLE_A], account,
			 sizeof(b->account[METER_ROLE_A]));
	}
	else if (b->payer[METER_ROLE_A] == METER_PAYER_ACCOUNT) {
		api_error(req, 400, "missing_field", "billing.account",
			  "the paying account");
		return false;
	}
	else if (cr->kind == CLIENT_ACCOUNT) {
		cr->bill_client = true;
	}
	else {
		api_error(req, 422, "no_account", "billing.account",
			  "the client has no account: give billing.account");
		return false;
	}
	be = odict_lookup(e->u.odict, "bridge_to");
	if (be && !bill_b_parse(req, cr, be))
		return false;
	b->on = true;
	return true;
}


/* ---- the stored form --------------------------------------------------- */

/*
 * The stored form of a resolved billing (row.billing), so that a billed
 * callback placed after a restart is authorized as it was asked:
 * "payer=P;account=ID;b_payer=P;b_account=ID[;limit=L]" with the payer
 * names of the API (client, collect, account) and account ids, which
 * hold neither ';' nor '='.  "" is an unbilled callback.
 */
void cbk_bill_encode(char *buf, size_t sz, const struct cbk_bill *b)
{
	buf[0] = '\0';
	if (!b->on)
		return;
	(void)re_snprintf(buf, sz, "payer=%s;account=%s;b_payer=%s;"
			  "b_account=%s%s%s",
			  cbk_payer_name(b->payer[METER_ROLE_A]),
			  b->account[METER_ROLE_A],
			  cbk_payer_name(b->payer[METER_ROLE_B]),
			  b->account[METER_ROLE_B],
			  b->limit >= 0 ? ";limit=" : "",
			  b->limit >= 0 ?
			  money_limit_name((enum money_limit)b->limit) : "");
}


/* one "key=value" of the stored form into b; EINVAL if it is not one */
static int bill_member(struct cbk_bill *b, const struct pl *key,
		       const struct pl *val)
{
	char v[STORE_NAME_MAX];
	int role = METER_ROLE_A;
	struct pl k = *key;

	if (!val->l || val->l >= sizeof(v))
		return EINVAL;
	(void)pl_strcpy(val, v, sizeof(v));
	if (!pl_strcmp(&k, "limit"))
		return limit_parse(&b->limit, v) ? 0 : EINVAL;
	if (k.l > 2 && !memcmp(k.p, "b_", 2)) {
		role = METER_ROLE_B;
		pl_advance(&k, 2);
	}
	if (!pl_strcmp(&k, "payer"))
		return payer_parse(&b->payer[role], v) ? EINVAL : 0;
	if (!pl_strcmp(&k, "account")) {
		str_ncpy(b->account[role], v, sizeof(b->account[role]));
		return 0;
	}
	return EINVAL;
}


/* the stored form back; EINVAL if it is not one (b then unbilled) */
int cbk_bill_decode(struct cbk_bill *b, const char *s)
{
	int err = 0;

	memset(b, 0, sizeof(*b));
	b->limit = -1;
	if (!*s)
		return 0;
	while (*s && !err) {
		const char *end = strchr(s, ';');
		const char *eq;
		struct pl key, val;

		if (!end)
			end = s + strlen(s);
		eq = memchr(s, '=', (size_t)(end - s));
		if (!eq || eq == s) {
			err = EINVAL;
			break;
		}
		key.p = s;
		key.l = (size_t)(eq - s);
		val.p = eq + 1;
		val.l = (size_t)(end - eq - 1);
		err = bill_member(b, &key, &val);
		s = *end ? end + 1 : end;
	}
	if (!err && (!b->account[METER_ROLE_A][0] ||
		     !b->account[METER_ROLE_B][0]))
		err = EINVAL;
	if (err) {
		memset(b, 0, sizeof(*b));
		b->limit = -1;
		return err;
	}
	b->on = true;
	return 0;
}


/* a billing account of the tenant, by id or name, into its id */
int cbk_bill_account(struct store *st, struct create *cr, int role,
		     const char *field)
{
	struct store_account a;
	char *acc = cr->bill.account[role];
	int err;

	err = store_money_account_get(st, &a, cr->row.tenant_id, acc);
	if (err == ENOENT)
		cr->bad_field = field;
	if (!err)
		str_ncpy(acc, a.id, sizeof(cr->bill.account[role]));
	return err;
}

