/**
 * @file money/token.c  Usage tokens (seed 001, FIG. 4)
 *
 * A paid mid-call service is used against tokens: one per session, or
 * one per started minute, per party.  Who gives them:
 *
 *  1. each party gives its own when both have enough (step 114);
 *  2. when the peer has not enough (or is nobody's account: a PSTN
 *     number), the requester is asked for both parties' (step 116);
 *  3. when the requester has not enough, its remaining tokens are used
 *     (step 120) and the missing ones are charged to its account at the
 *     service's price (step 122), from its available funds (ENOSPC when
 *     they do not cover it: then nothing is used and nothing charged).
 *
 * The decision reads balances, the store applies it only if none of them
 * moved meanwhile (EAGAIN, decided again), together with the charge, in
 * one transaction.
 */
#include <string.h>
#include <re.h>
#include "money.h"

enum { DECIDE_TRIES = 8 };
#define TOKENS_MAX INT64_C(1000000000000)


static bool service_ok(const char *service)
{
	size_t n = service ? strlen(service) : 0;

	if (!n || n >= STORE_SERVICE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = service[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}


int money_token_service_set(struct store *st, const char *tenant_id,
			    const char *service, bool per_minute,
			    int64_t price)
{
	struct store_token_service s;

	if (!st || !tenant_id || !*tenant_id || !service_ok(service))
		return EINVAL;
	if (price < 0 || price > MONEY_MAX)
		return ERANGE;
	memset(&s, 0, sizeof(s));
	str_ncpy(s.tenant_id, tenant_id, sizeof(s.tenant_id));
	str_ncpy(s.service, service, sizeof(s.service));
	s.per_minute = per_minute;
	s.price = price;
	return store_money_token_service_put(st, &s);
}


/** Tokens one party needs for a use of dur_ms (at least one) */
int64_t money_token_units(const struct store_token_service *s,
			  uint64_t dur_ms)
{
	uint64_t min;

	if (!s || !s->per_minute)
		return 1;
	min = dur_ms / 60000 + (dur_ms % 60000 != 0);
	if (!min)
		return 1;
	return min > (uint64_t)TOKENS_MAX ? TOKENS_MAX : (int64_t)min;
}


static void op_init(struct store_token_op *op, const char *tenant_id,
		    const char *service, const char *ref,
		    const char *idem_key)
{
	memset(op, 0, sizeof(*op));
	cb_id_new(op->id, 'o');
	str_ncpy(op->tenant_id, tenant_id, sizeof(op->tenant_id));
	str_ncpy(op->service, service, sizeof(op->service));
	str_ncpy(op->ref, ref ? ref : "", sizeof(op->ref));
	str_ncpy(op->idem_key, idem_key ? idem_key : "", sizeof(op->idem_key));
	op->created_ms = money_now_ms();
}


static int party_get(struct store *st, struct store_account *a,
		     const char *tenant_id, const char *account_id)
{
	int err = store_money_account_get(st, a, tenant_id, account_id);

	if (!err && !money_account_kind_ok(a->kind))
		err = EINVAL;
	return err;
}


int money_token_grant(struct store *st, const char *tenant_id,
		      const char *account_id, const char *service,
		      int64_t n, const char *idem_key)
{
	struct store_token_service s;
	struct store_token_move mv;
	struct store_token_op op;
	struct store_account a;
	int err;

	if (!st || !tenant_id || !account_id || !service_ok(service) ||
	    !money_key_ok(idem_key) || n <= 0)
		return EINVAL;
	if (n > TOKENS_MAX)
		return ERANGE;
	err = store_money_token_service_get(st, &s, tenant_id, service);
	if (!err)
		err = party_get(st, &a, tenant_id, account_id);
	if (err)
		return err;

	op_init(&op, tenant_id, service, "grant", idem_key);
	money_req_hash(op.req_hash, "grant|%s|%s|%lld", service, a.id,
		       (long long)n);
	memset(&mv, 0, sizeof(mv));
	str_ncpy(mv.account_id, a.id, sizeof(mv.account_id));
	mv.delta = n;
	mv.expect = -1;
	op.movev = &mv;
	op.movec = 1;
	return store_money_token_apply(st, &op);
}


/* one decision on the balances as read now, applied if they hold */
static int consume_once(struct store *st, struct store_token_op *op,
			const struct store_token_service *s,
			const struct store_account *req,
			const struct store_account *peer, int64_t units,
			struct money_token_use *u)
{
	struct store_token_move mv[2];
	struct store_entry ev[2];
	struct store_txn t;
	char key[STORE_IDEM_KEY_MAX];
	int64_t have = 0, peer_have = 0, need;
	int err;

	memset(mv, 0, sizeof(mv));
	memset(u, 0, sizeof(*u));
	if (peer) {
		err = store_money_token_get(st, peer->id, s->service,
					    &peer_have);
		if (err)
			return err;
	}
	err = store_money_token_get(st, req->id, s->service, &have);
	if (err)
		return err;

	if (peer && peer_have >= units) {
		u->peer_used = units;
		need = units;
	}
	else {
		need = 2 * units;
	}
	u->requester_used = have < need ? have : need;
	u->shortfall = need - u->requester_used;
	err = money_mul(&u->charged, u->shortfall, s->price);
	if (err)
		return err;

	str_ncpy(mv[0].account_id, req->id, sizeof(mv[0].account_id));
	mv[0].delta = -u->requester_used;
	mv[0].expect = have;
	op->movec = 1;
	if (peer) {
		str_ncpy(mv[1].account_id, peer->id,
			 sizeof(mv[1].account_id));
		mv[1].delta = -u->peer_used;
		mv[1].expect = peer_have;
		op->movec = 2;
	}
	op->movev = mv;
	op->txn = NULL;

	if (u->charged > 0) {
		memset(ev, 0, sizeof(ev));
		str_ncpy(ev[0].account_id, req->id, sizeof(ev[0].account_id));
		ev[0].amount = -u->charged;
		ev[0].covered = true;
		err = money_system_account(st, ev[1].account_id,
					   op->tenant_id, MONEY_ACC_REVENUE);
		if (err)
			return err;
		ev[1].amount = u->charged;
		(void)re_snprintf(key, sizeof(key), "tokens:%s", op->id);
		money_txn_init(&t, op->tenant_id, "tokens", op->ref, key);
		(void)re_snprintf(t.memo, sizeof(t.memo), "%lld x %s",
				  (long long)u->shortfall, s->service);
		money_req_hash(t.req_hash, "%s", key);
		t.entryv = ev;
		t.entryc = 2;
		op->txn = &t;
	}

	err = store_money_token_apply(st, op);
	if (err == EALREADY)   /* counts were the first request's */
		memset(u, 0, sizeof(*u));
	str_ncpy(u->op_id, op->id, sizeof(u->op_id));
	if (op->txn && !err)
		str_ncpy(u->txn_id, t.id, sizeof(u->txn_id));
	op->txn = NULL;
	op->movev = NULL;
	return err;
}


/**
 * Use `units` tokens per party of a service; peer_id NULL or "" when the
 * peer is not an account (it then has no token).
 */
int money_token_consume(struct store *st, const char *tenant_id,
			const char *service, const char *requester_id,
			const char *peer_id, int64_t units,
			const char *ref, const char *idem_key,
			struct money_token_use *u)
{
	struct store_account req, peer;
	struct store_token_service s;
	struct store_token_op op;
	bool has_peer = peer_id && *peer_id;
	int err;

	if (!st || !tenant_id || !requester_id || !u ||
	    !service_ok(service) || !money_key_ok(idem_key) || units <= 0 ||
	    (ref && strlen(ref) >= STORE_REF_MAX))
		return EINVAL;
	if (units > TOKENS_MAX / 2)
		return ERANGE;
	err = store_money_token_service_get(st, &s, tenant_id, service);
	if (!err)
		err = party_get(st, &req, tenant_id, requester_id);
	if (!err && has_peer)
		err = party_get(st, &peer, tenant_id, peer_id);
	if (!err && has_peer && !strcmp(req.id, peer.id))
		err = EINVAL;
	if (err)
		return err;

	op_init(&op, tenant_id, service, ref, idem_key);
	money_req_hash(op.req_hash, "use|%s|%s|%s|%lld|%s", service, req.id,
		       has_peer ? peer.id : "", (long long)units, op.ref);
	for (int i = 0; i < DECIDE_TRIES; i++) {
		err = consume_once(st, &op, &s, &req, has_peer ? &peer : NULL,
				   units, u);
		if (err != EAGAIN)
			break;
		cb_id_new(op.id, 'o');
	}
	return err;
}
