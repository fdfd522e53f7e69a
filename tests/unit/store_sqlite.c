/**
 * @file tests/unit/store_sqlite.c  The store on SQLite: schema, rows, async
 *
 * A fresh file is created and migrated (the migration is recorded and not
 * applied twice on reopen), domain rows round-trip and survive a reopen,
 * uniqueness is EEXIST, a finished call keeps its legs, idempotency
 * records respect the caller's horizon, and work submitted to the worker
 * threads completes on the re_main thread.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "test.h"
#include "tmpstore.h"

int test_store_migrate(void);
int test_store_tenants(void);
int test_store_call_save(void);
int test_store_idem(void);
int test_store_async(void);




int test_store_migrate(void)
{
	struct store *st = NULL;
	struct store_tenant t;
	char path[64];
	unsigned v = 0, v0;
	int err;

	TEST_ERR(tmpstore_open(&st, path));
	TEST_ERR(store_version(st, &v));
	ASSERT_TRUE(v >= 3);    /* every migration, whatever their number */
	v0 = v;
	ASSERT_STREQ("sqlite", store_backend(st));
	TEST_ERR(store_ping(st));

	memset(&t, 0, sizeof(t));
	str_ncpy(t.id, "tAAAAAAAAAAAAAAA", sizeof(t.id));
	str_ncpy(t.name, "acme", sizeof(t.name));
	t.created_ms = 42;
	TEST_ERR(store_tenant_create(st, &t));
	st = mem_deref(st);

	/* reopen: same version, data kept */
	TEST_ERR(store_open(&st, path));
	TEST_ERR(store_version(st, &v));
	ASSERT_EQ(v0, v);
	TEST_ERR(store_tenant_get(st, &t, "acme"));
	ASSERT_EQ(42, t.created_ms);

	ASSERT_EQ(ENOTSUP, store_open(&st, "postgres://db/cb"));
 out:
	mem_deref(st);
	tmpstore_remove(path);
	return err;
}


static bool count_h(const struct store_tenant *t, void *arg)
{
	(void)t;
	++*(unsigned *)arg;
	return false;
}


int test_store_tenants(void)
{
	struct store *st = NULL;
	struct store_tenant t, got;
	struct store_apikey k, kg;
	char path[64];
	unsigned n = 0;
	int err;

	TEST_ERR(tmpstore_open(&st, path));
	memset(&t, 0, sizeof(t));
	str_ncpy(t.id, "tBBBBBBBBBBBBBBB", sizeof(t.id));
	str_ncpy(t.name, "b", sizeof(t.name));
	TEST_ERR(store_tenant_create(st, &t));
	ASSERT_EQ(EEXIST, store_tenant_create(st, &t));
	str_ncpy(t.id, "tCCCCCCCCCCCCCCC", sizeof(t.id));
	ASSERT_EQ(EEXIST, store_tenant_create(st, &t));   /* same name */
	str_ncpy(t.name, "c", sizeof(t.name));
	TEST_ERR(store_tenant_create(st, &t));

	TEST_ERR(store_tenant_get(st, &got, "tBBBBBBBBBBBBBBB"));
	ASSERT_STREQ("b", got.name);
	ASSERT_EQ(ENOENT, store_tenant_get(st, &got, "nobody"));
	TEST_ERR(store_tenant_list(st, count_h, &n));
	ASSERT_EQ(2, n);

	/* keys of an unknown tenant are refused (foreign key) */
	memset(&k, 0, sizeof(k));
	str_ncpy(k.id, "kAAAAAAAAAAAAAAA", sizeof(k.id));
	str_ncpy(k.tenant_id, "tZZZZZZZZZZZZZZZ", sizeof(k.tenant_id));
	ASSERT_EQ(EEXIST, store_apikey_create(st, &k));
	str_ncpy(k.tenant_id, "tCCCCCCCCCCCCCCC", sizeof(k.tenant_id));
	k.hash[0] = 7;
	TEST_ERR(store_apikey_create(st, &k));
	TEST_ERR(store_apikey_find(st, &kg, k.id));
	ASSERT_EQ(7, kg.hash[0]);
	ASSERT_EQ(0, kg.revoked_ms);
 out:
	mem_deref(st);
	tmpstore_remove(path);
	return err;
}


int test_store_call_save(void)
{
	struct store *st = NULL;
	struct store_call c, got;
	struct store_leg legs[2];
	char path[64];
	int err;

	memset(&got, 0, sizeof(got));
	TEST_ERR(tmpstore_open(&st, path));
	memset(&c, 0, sizeof(c));
	memset(legs, 0, sizeof(legs));
	str_ncpy(c.id, "cAAAAAAAAAAAAAAA", sizeof(c.id));
	str_ncpy(c.tenant_id, "tX", sizeof(c.tenant_id));
	c.created_ms = 1000;
	c.ended_ms = 5000;
	str_ncpy(legs[0].id, "l1", sizeof(legs[0].id));
	str_ncpy(legs[0].cause, "normal", sizeof(legs[0].cause));
	legs[0].rtp_rx = 250;
	str_ncpy(legs[1].id, "l2", sizeof(legs[1].id));
	str_ncpy(legs[1].cause, "busy", sizeof(legs[1].cause));
	legs[1].sip_status = 486;
	legs[1].outbound = true;
	c.legv = legs;
	c.legc = 2;
	TEST_ERR(store_call_save(st, &c));
	TEST_ERR(store_call_save(st, &c));     /* saving again replaces */

	TEST_ERR(store_call_get(st, &got, c.id));
	ASSERT_EQ(2, got.legc);
	ASSERT_STREQ("tX", got.tenant_id);
	ASSERT_EQ(5000, got.ended_ms);
	ASSERT_STREQ("l1", got.legv[0].id);
	ASSERT_EQ(250, got.legv[0].rtp_rx);
	ASSERT_STREQ("busy", got.legv[1].cause);
	ASSERT_EQ(486, got.legv[1].sip_status);
	ASSERT_TRUE(got.legv[1].outbound);
	ASSERT_EQ(ENOENT, store_call_get(st, &c, "cNONE"));
 out:
	mem_deref(got.legv);
	mem_deref(st);
	tmpstore_remove(path);
	return err;
}


int test_store_idem(void)
{
	struct store *st = NULL;
	struct store_idem r, got;
	char path[64];
	int err;

	memset(&got, 0, sizeof(got));
	TEST_ERR(tmpstore_open(&st, path));
	memset(&r, 0, sizeof(r));
	str_ncpy(r.tenant_id, "tA", sizeof(r.tenant_id));
	str_ncpy(r.key, "order-1", sizeof(r.key));
	r.req_hash[0] = 9;
	r.status = 201;
	r.body = "{\"id\":\"c1\"}";
	r.created_ms = 10000;
	TEST_ERR(store_idem_put(st, &r));

	TEST_ERR(store_idem_get(st, &got, "tA", "order-1", 5000));
	ASSERT_EQ(201, got.status);
	ASSERT_EQ(9, got.req_hash[0]);
	ASSERT_STREQ("{\"id\":\"c1\"}", got.body);
	got.body = mem_deref(got.body);

	/* another tenant's key of the same name is another record */
	ASSERT_EQ(ENOENT, store_idem_get(st, &got, "tB", "order-1", 0));
	/* older than the horizon: forgotten */
	ASSERT_EQ(ENOENT, store_idem_get(st, &got, "tA", "order-1", 10001));
 out:
	mem_deref(got.body);
	mem_deref(st);
	tmpstore_remove(path);
	return err;
}


struct async_ctx {
	unsigned done;
	unsigned version;
	int err;
	bool worker_ran;
};


static int async_work(struct store *st, void *arg)
{
	struct async_ctx *ac = arg;

	ac->worker_ran = true;
	return store_version(st, &ac->version);
}


static void async_done(int err, void *arg)
{
	struct async_ctx *ac = arg;

	ac->err |= err;
	if (++ac->done == 20)
		re_cancel();
}


static void timeout_h(void *arg)
{
	(void)arg;
	re_cancel();
}


int test_store_async(void)
{
	struct store *st = NULL;
	struct store_stats stats;
	struct async_ctx *ac;
	struct tmr tmr;
	char path[64];
	unsigned v = 0;
	int err;

	tmr_init(&tmr);
	ac = mem_zalloc(sizeof(*ac), NULL);
	if (!ac)
		return ENOMEM;
	TEST_ERR(tmpstore_open(&st, path));
	TEST_ERR(store_version(st, &v));
	TEST_ERR(store_async_start(st, 2));

	for (int i = 0; i < 20; i++)
		TEST_ERR(store_submit(st, async_work, async_done, ac));
	tmr_start(&tmr, 5000, timeout_h, NULL);
	(void)re_main(NULL);

	ASSERT_EQ(20, ac->done);
	ASSERT_EQ(0, ac->err);
	ASSERT_EQ(v, ac->version);     /* the workers see the same file */
	store_stats_get(st, &stats);
	ASSERT_EQ(20, stats.jobs);
	ASSERT_EQ(0, stats.queued);

	/* closing with queued work completes it as ECANCELED, leak-free */
	for (int i = 0; i < 5; i++)
		TEST_ERR(store_submit(st, async_work, NULL, ac));
 out:
	tmr_cancel(&tmr);
	mem_deref(st);
	mem_deref(ac);
	tmpstore_remove(path);
	return err;
}
