/**
 * @file money/ledger.c  The ledger: posting, top-ups, reconcile
 *
 * Every movement of money is one transaction of two or more entries that
 * sum to zero, posted in one store transaction with its idempotency key:
 * a retry with the same key and the same request posts nothing and
 * answers EALREADY with the first transaction's id; the same key with
 * another request is EEXIST.  A request's identity is a BLAKE2b hash of
 * its canonical description (money_req_hash()).
 *
 * Sign convention: an entry credits (+) or debits (-) an account; a
 * customer's positive balance is money it may spend.  A top-up moves
 * money from the provider's funding account (which goes negative: money
 * that came in from outside) to the customer's.
 */
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <re.h>
#include "money.h"

enum { ENTRIES_MAX = 8 };


uint64_t money_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


void money_req_hash(uint8_t hash[STORE_HASH_LEN], const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = re_vsdprintf(&s, fmt, ap);
	va_end(ap);
	if (err) {
		/* cannot describe the request: a hash nothing else has */
		randombytes_buf(hash, STORE_HASH_LEN);
		return;
	}
	crypto_generichash(hash, STORE_HASH_LEN, (const uint8_t *)s,
			   strlen(s), NULL, 0);
	mem_deref(s);
}


bool money_key_ok(const char *key)
{
	size_t n;

	if (!key || !*key)
		return true;
	n = strlen(key);
	if (n >= STORE_IDEM_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)key[i] <= 0x20 || key[i] == 0x7f)
			return false;
	}
	return true;
}


void money_txn_init(struct store_txn *t, const char *tenant_id,
		    const char *kind, const char *ref, const char *idem_key)
{
	memset(t, 0, sizeof(*t));
	cb_id_new(t->id, 'x');
	str_ncpy(t->tenant_id, tenant_id, sizeof(t->tenant_id));
	str_ncpy(t->kind, kind, sizeof(t->kind));
	str_ncpy(t->ref, ref ? ref : "", sizeof(t->ref));
	str_ncpy(t->idem_key, idem_key ? idem_key : "", sizeof(t->idem_key));
	t->created_ms = money_now_ms();
}


static bool hash_is_zero(const uint8_t *h)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < STORE_HASH_LEN; i++)
		acc |= h[i];
	return acc == 0;
}


/* the request a transaction stands for, when the caller gave none */
static void txn_hash(struct store_txn *t)
{
	char desc[ENTRIES_MAX * 48];
	size_t off = 0;

	for (size_t i = 0; i < t->entryc; i++) {
		int n = re_snprintf(desc + off, sizeof(desc) - off, "%s:%lld;",
				    t->entryv[i].account_id,
				    (long long)t->entryv[i].amount);
		if (n > 0)
			off += (size_t)n;
	}
	money_req_hash(t->req_hash, "%s|%s|%s|%s", t->kind, t->ref, t->memo,
		       desc);
}


/**
 * Post a transaction: 2..8 entries, none zero, each within MONEY_MAX,
 * summing to zero.  Sets id and created_ms when empty.
 */
int money_post(struct store *st, struct store_txn *t)
{
	int64_t sum = 0;
	int err;

	if (!st || !t || !t->tenant_id[0] || !t->kind[0] || !t->entryv ||
	    t->entryc < 2 || t->entryc > ENTRIES_MAX ||
	    !money_key_ok(t->idem_key))
		return EINVAL;
	for (size_t i = 0; i < t->entryc; i++) {
		if (!t->entryv[i].amount)
			return EINVAL;
		err = money_add(&sum, sum, t->entryv[i].amount);
		if (err)
			return err;
	}
	if (sum)
		return EINVAL;

	if (!t->id[0])
		cb_id_new(t->id, 'x');
	if (!t->created_ms)
		t->created_ms = money_now_ms();
	if (t->idem_key[0] && hash_is_zero(t->req_hash))
		txn_hash(t);
	return store_money_txn_post(st, t);
}


/**
 * Money in: `amount` onto a customer's or business's account, from a
 * payment method (charged now) or, without one, as a prepaid top-up the
 * operator received.  EPERM: the provider declined.
 */
int money_topup(struct store *st, const char *tenant_id,
		const char *account_id, int64_t amount,
		const char *method_id, const char *idem_key,
		char txn_id[CB_ID_LEN + 1])
{
	const struct money_provider *prov = &money_prepaid_provider;
	struct store_entry ev[2];
	struct store_account a;
	struct store_method m;
	struct store_txn t;
	char code[MONEY_CODE_MAX] = "";
	int err;

	if (!st || !tenant_id || !account_id || !money_key_ok(idem_key))
		return EINVAL;
	if (amount <= 0)
		return EINVAL;
	if (amount > MONEY_MAX)
		return ERANGE;
	err = store_money_account_get(st, &a, tenant_id, account_id);
	if (err)
		return err;
	if (!money_account_kind_ok(a.kind))
		return EINVAL;

	memset(&m, 0, sizeof(m));
	if (method_id && *method_id) {
		err = store_money_method_get(st, &m, method_id);
		if (!err && strcmp(m.account_id, a.id))
			err = ENOENT;
		if (err)
			return err;
		prov = money_provider_get(m.provider);
		if (!prov)
			return ENOTSUP;
	}

	money_txn_init(&t, tenant_id, "topup", m.id, idem_key);
	money_req_hash(t.req_hash, "topup|%s|%lld|%s", a.id,
		       (long long)amount, m.id);
	memset(ev, 0, sizeof(ev));
	err = money_funding_account(st, ev[0].account_id, tenant_id,
				    prov->name);
	if (err)
		return err;
	ev[0].amount = -amount;
	str_ncpy(ev[1].account_id, a.id, sizeof(ev[1].account_id));
	ev[1].amount = amount;
	t.entryv = ev;
	t.entryc = 2;
	t.durable = !prov->on_balance;   /* a card was charged */

	err = prov->capture(&m, amount, code);
	if (err) {
		log_info(NULL, "money: top-up of %s declined by %s: %s", a.id,
			 prov->name, code);
		return err;
	}
	err = money_post(st, &t);
	if ((!err || err == EALREADY) && txn_id)
		str_ncpy(txn_id, t.id, CB_ID_LEN + 1);
	return err;
}


/** 0: the ledger balances and every cached balance equals its entries */
int money_reconcile(struct store *st, const char *tenant_id,
		    struct store_money_recon *r)
{
	int err;

	if (!st || !r)
		return EINVAL;
	err = store_money_reconcile(st, tenant_id, r);
	if (err)
		return err;
	if (r->bad_txns || r->bad_balances || r->bad_tokens ||
	    r->bad_holds || r->total) {
		log_err(NULL, "money: reconcile failed: %llu unbalanced "
			"transactions, %llu balances, %llu token balances, "
			"%llu holds differ (first %s), total %lld",
			(unsigned long long)r->bad_txns,
			(unsigned long long)r->bad_balances,
			(unsigned long long)r->bad_tokens,
			(unsigned long long)r->bad_holds, r->first_bad,
			(long long)r->total);
		return EBADMSG;
	}
	return 0;
}
