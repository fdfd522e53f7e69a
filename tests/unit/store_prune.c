/**
 * @file tests/unit/store_prune.c  What expires leaves the store
 *
 * The prune operations delete finished webhook deliveries done before the
 * cut-off, idempotency records created before it and sessions expired at
 * it; pending deliveries, recent rows and live sessions stay, and a
 * limited prune goes in batches.  The daemon's prune job (store_init())
 * does the same by itself on a store worker right after start-up.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "test.h"
#include "tmpstore.h"

int test_store_prune(void);
int test_store_prune_batches(void);
int test_store_prune_job(void);

enum { OLD = 1000, CUT = 5000, RECENT = 9000 };


static int outbox_put(struct store *st, const char *ev)
{
	struct store_outbox o;

	memset(&o, 0, sizeof(o));
	str_ncpy(o.key, "cA", sizeof(o.key));
	str_ncpy(o.event_id, ev, sizeof(o.event_id));
	o.url = "http://127.0.0.1:9/hook";
	o.body = "{}";
	o.created_ms = OLD;
	return store_outbox_put(st, &o);
}


static int idem_put(struct store *st, const char *key, uint64_t created)
{
	struct store_idem r;

	memset(&r, 0, sizeof(r));
	str_ncpy(r.tenant_id, "tA", sizeof(r.tenant_id));
	str_ncpy(r.key, key, sizeof(r.key));
	r.status = 201;
	r.body = "{}";
	r.created_ms = created;
	return store_idem_put(st, &r);
}


static bool idem_there(struct store *st, const char *key)
{
	struct store_idem got;
	int e;

	memset(&got, 0, sizeof(got));
	e = store_idem_get(st, &got, "tA", key, 0);
	mem_deref(got.body);
	return e == 0;
}


static int session_put(struct store *st, uint8_t tag, uint64_t expires)
{
	struct store_session s;

	memset(&s, 0, sizeof(s));
	memset(s.token_hash, tag, sizeof(s.token_hash));
	str_ncpy(s.user_id, "uAAAAAAAAAAAAAAA", sizeof(s.user_id));
	str_ncpy(s.csrf, "x", sizeof(s.csrf));
	s.created_ms = 0;    /* so that creating one sweeps nothing */
	s.expires_ms = expires;
	return store_session_create(st, &s);
}


static bool session_there(struct store *st, uint8_t tag)
{
	struct store_session s;
	uint8_t h[STORE_HASH_LEN];

	memset(h, tag, sizeof(h));
	return store_session_find(st, &s, h, 0) == 0;
}


static bool pending_h(const struct store_outbox *o, void *arg)
{
	str_ncpy(arg, o->event_id, CB_ID_LEN + 1);
	return false;
}


/*
 * e-old: done at `old`; e-new: done at `recent`; e-wait: pending (and
 * put long ago); idempotency records k-old, k-new created then; session 1
 * expired at `old`, session 2 lives an hour past `recent`
 */
static int fill(struct store *st, uint64_t old, uint64_t recent)
{
	struct store_tenant t;
	struct store_user u;
	int err;

	memset(&t, 0, sizeof(t));
	str_ncpy(t.id, "tAAAAAAAAAAAAAAA", sizeof(t.id));
	str_ncpy(t.name, "acme", sizeof(t.name));
	memset(&u, 0, sizeof(u));
	str_ncpy(u.id, "uAAAAAAAAAAAAAAA", sizeof(u.id));
	str_ncpy(u.tenant_id, t.id, sizeof(u.tenant_id));
	str_ncpy(u.login, "olga", sizeof(u.login));
	str_ncpy(u.role, "operator", sizeof(u.role));
	str_ncpy(u.pwhash, "x", sizeof(u.pwhash));

	err = store_tenant_create(st, &t);
	err = err ? err : store_user_create(st, &u);
	err = err ? err : outbox_put(st, "e-old");
	err = err ? err : outbox_put(st, "e-new");
	err = err ? err : outbox_put(st, "e-wait");
	err = err ? err : store_outbox_ack(st, "e-old", old);
	err = err ? err : store_outbox_ack(st, "e-new", recent);
	err = err ? err : idem_put(st, "k-old", old);
	err = err ? err : idem_put(st, "k-new", recent);
	err = err ? err : session_put(st, 1, old);
	err = err ? err : session_put(st, 2, recent + 3600000);
	return err;
}


/* what fill() put, after a prune between old and recent: the old rows
 * went, no other */
static int check_pruned(struct store *st)
{
	char pending[CB_ID_LEN + 1] = "";
	int err = 0;

	/* the pending delivery is still there, and it is the only one */
	TEST_ERR(store_outbox_list_pending(st, pending_h, pending));
	ASSERT_STREQ("e-wait", pending);

	/* a done row keeps its event_id taken; a pruned one frees it */
	ASSERT_EQ(EEXIST, outbox_put(st, "e-new"));
	ASSERT_EQ(EEXIST, outbox_put(st, "e-wait"));
	TEST_ERR(outbox_put(st, "e-old"));

	ASSERT_TRUE(!idem_there(st, "k-old"));
	ASSERT_TRUE(idem_there(st, "k-new"));
	ASSERT_TRUE(!session_there(st, 1));
	ASSERT_TRUE(session_there(st, 2));
 out:
	return err;
}


int test_store_prune(void)
{
	struct store *st = NULL;
	char path[64];
	uint32_t n = 99;
	int err;

	TEST_ERR(tmpstore_open(&st, path));
	TEST_ERR(fill(st, OLD, RECENT));

	/* nothing is old enough yet: nothing goes */
	TEST_ERR(store_outbox_prune(st, OLD, 0, &n));
	ASSERT_EQ(0, n);
	TEST_ERR(store_idem_prune(st, OLD, 0, &n));
	ASSERT_EQ(0, n);
	TEST_ERR(store_session_prune(st, OLD - 1, 0, &n));
	ASSERT_EQ(0, n);

	TEST_ERR(store_outbox_prune(st, CUT, 0, &n));
	ASSERT_EQ(1, n);
	TEST_ERR(store_idem_prune(st, CUT, 0, &n));
	ASSERT_EQ(1, n);
	TEST_ERR(store_session_prune(st, CUT, 0, &n));
	ASSERT_EQ(1, n);
	TEST_ERR(check_pruned(st));

	/* a second prune finds nothing more */
	TEST_ERR(store_outbox_prune(st, CUT, 0, &n));
	ASSERT_EQ(0, n);
	ASSERT_EQ(EINVAL, store_outbox_prune(st, CUT, 0, NULL));
	ASSERT_EQ(EINVAL, store_idem_prune(NULL, CUT, 0, &n));
 out:
	mem_deref(st);
	tmpstore_remove(path);
	return err;
}


int test_store_prune_batches(void)
{
	struct store *st = NULL;
	char path[64], ev[16];
	uint32_t n = 0;
	int err;

	TEST_ERR(tmpstore_open(&st, path));
	for (int i = 0; i < 5; i++) {
		(void)re_snprintf(ev, sizeof(ev), "e%d", i);
		TEST_ERR(outbox_put(st, ev));
		TEST_ERR(store_outbox_ack(st, ev, OLD));
		(void)re_snprintf(ev, sizeof(ev), "k%d", i);
		TEST_ERR(idem_put(st, ev, OLD));
	}

	TEST_ERR(store_outbox_prune(st, CUT, 2, &n));
	ASSERT_EQ(2, n);
	TEST_ERR(store_outbox_prune(st, CUT, 2, &n));
	ASSERT_EQ(2, n);
	TEST_ERR(store_outbox_prune(st, CUT, 2, &n));
	ASSERT_EQ(1, n);
	TEST_ERR(store_outbox_prune(st, CUT, 2, &n));
	ASSERT_EQ(0, n);

	TEST_ERR(store_idem_prune(st, CUT, 3, &n));
	ASSERT_EQ(3, n);
	TEST_ERR(store_idem_prune(st, CUT, 3, &n));
	ASSERT_EQ(2, n);
 out:
	mem_deref(st);
	tmpstore_remove(path);
	return err;
}


/* ---- the daemon's job ----------------------------------------------- */

struct poll_ctx {
	struct tmr tmr;
	bool pruned;
};


static int poll_work(struct store *st, void *arg)
{
	struct poll_ctx *pc = arg;

	pc->pruned = !idem_there(st, "k-old") && !session_there(st, 1);
	return 0;
}


static void poll_h(void *arg);


static void poll_done(int err, void *arg)
{
	struct poll_ctx *pc = arg;

	if (err || pc->pruned)
		re_cancel();
	else
		tmr_start(&pc->tmr, 10, poll_h, pc);
}


static void poll_h(void *arg)
{
	if (store_submit(store_default(), poll_work, poll_done, arg))
		re_cancel();
}


static void timeout_h(void *arg)
{
	(void)arg;
	re_cancel();
}


static uint64_t wall_ms(void)
{
	return (uint64_t)time(NULL) * 1000;
}


int test_store_prune_job(void)
{
	const uint64_t hour = 3600000;
	struct cb_config *cfg;
	struct store *st = NULL;
	struct poll_ctx *pc;
	struct tmr tmo;
	char path[64] = "";
	int err;

	tmr_init(&tmo);
	cfg = mem_zalloc(sizeof(*cfg), NULL);
	pc = mem_zalloc(sizeof(*pc), NULL);
	if (!cfg || !pc) {
		err = ENOMEM;
		goto out;
	}
	tmr_init(&pc->tmr);

	/* done, created or expired two hours ago, and now (sessions: an
	 * hour from now); the job keeps an hour */
	TEST_ERR(tmpstore_open(&st, path));
	TEST_ERR(fill(st, wall_ms() - 2 * hour, wall_ms()));
	st = mem_deref(st);

	TEST_ERR(cb_config_defaults(cfg));
	str_ncpy(cfg->store_path, path, sizeof(cfg->store_path));
	cfg->store_workers = 1;
	cfg->outbox_keep_s = 3600;
	cfg->idem_keep_s = 3600;
	cfg->prune_interval_s = 3600;

	/* nothing but start-up: the first run goes by itself */
	TEST_ERR(store_init(cfg));
	tmr_start(&pc->tmr, 10, poll_h, pc);
	tmr_start(&tmo, 5000, timeout_h, NULL);
	(void)re_main(NULL);
	ASSERT_TRUE(pc->pruned);
	TEST_ERR(check_pruned(store_default()));
 out:
	tmr_cancel(&tmo);
	if (pc)
		tmr_cancel(&pc->tmr);
	store_close();
	mem_deref(st);
	mem_deref(pc);
	mem_deref(cfg);
	if (path[0])
		tmpstore_remove(path);
	return err;
}
