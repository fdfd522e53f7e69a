/**
 * @file tests/unit/store_accounts.c  Managing accounts in the store
 *
 * What the account routes rely on: a tenant's name and webhook URL change
 * (and a taken name is EEXIST), users and keys list per tenant or for
 * every tenant, deleting a user ends its sessions (the session look-up
 * fails as for an unknown token), an admin is refused outside the default
 * tenant, and passwords shorter than AUTH_PASSWORD_MIN are refused.
 */
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "cb_auth.h"
#include "test.h"
#include "tmpstore.h"

int test_store_accounts_tenant_update(void);
int test_store_accounts_lists(void);
int test_store_accounts_user_delete(void);


int test_store_accounts_tenant_update(void)
{
	struct store *st = NULL;
	struct store_tenant a, b, got;
	char path[64];
	int err;

	TEST_ERR(tmpstore_open(&st, path));
	TEST_ERR(auth_tenant_create(st, &a, "acme", NULL));
	TEST_ERR(auth_tenant_create(st, &b, "bravo", "http://127.0.0.1:9/b"));
	TEST_ERR(store_tenant_get(st, &got, "bravo"));
	ASSERT_STREQ("http://127.0.0.1:9/b", got.webhook_url);
	TEST_ERR(store_tenant_get(st, &got, a.id));
	ASSERT_STREQ("", got.webhook_url);

	str_ncpy(a.webhook_url, "http://127.0.0.1:9/a", sizeof(a.webhook_url));
	str_ncpy(a.name, "acme-corp", sizeof(a.name));
	TEST_ERR(store_tenant_update(st, &a));
	TEST_ERR(store_tenant_get(st, &got, "acme-corp"));
	ASSERT_STREQ(a.id, got.id);
	ASSERT_STREQ("http://127.0.0.1:9/a", got.webhook_url);
	ASSERT_EQ(ENOENT, store_tenant_get(st, &got, "acme"));

	str_ncpy(a.name, "bravo", sizeof(a.name));
	ASSERT_EQ(EEXIST, store_tenant_update(st, &a));
	str_ncpy(a.id, "tNOSUCHNOSUCHNOS", sizeof(a.id));
	str_ncpy(a.name, "ghost", sizeof(a.name));
	ASSERT_EQ(ENOENT, store_tenant_update(st, &a));
	ASSERT_EQ(EINVAL, auth_tenant_create(st, &got, "bad name", NULL));
 out:
	mem_deref(st);
	tmpstore_remove(path);
	return err;
}


static bool user_count_h(const struct store_user *u, void *arg)
{
	(void)u;
	++*(unsigned *)arg;
	return false;
}


static bool key_count_h(const struct store_apikey *k, void *arg)
{
	(void)k;
	++*(unsigned *)arg;
	return false;
}


int test_store_accounts_lists(void)
{
	struct store *st = NULL;
	struct store_tenant a, b;
	struct store_user u;
	struct store_apikey k;
	char path[64], key[AUTH_KEY_MAX];
	unsigned n;
	int err;

	TEST_ERR(tmpstore_open(&st, path));
	TEST_ERR(auth_bootstrap(st, false));
	TEST_ERR(auth_tenant_create(st, &a, "acme", NULL));
	TEST_ERR(auth_tenant_create(st, &b, "bravo", NULL));
	TEST_ERR(auth_user_create(st, &u, "acme", "ann", CB_ROLE_OPERATOR,
				  "ann-pass-phrase"));
	TEST_ERR(auth_user_create(st, &u, "bravo", "bob", CB_ROLE_AGENT,
				  "bob-pass-phrase"));
	TEST_ERR(auth_user_create(st, &u, "bravo", "bea", CB_ROLE_CUSTOMER,
				  "bea-pass-phrase"));
	TEST_ERR(auth_key_create(st, key, &k, "acme", "ci"));
	TEST_ERR(auth_key_create(st, key, &k, "bravo", "ci"));

	n = 0;
	TEST_ERR(store_user_list(st, a.id, user_count_h, &n));
	ASSERT_EQ(1, n);
	n = 0;
	TEST_ERR(store_user_list(st, b.id, user_count_h, &n));
	ASSERT_EQ(2, n);
	n = 0;
	TEST_ERR(store_user_list(st, NULL, user_count_h, &n));
	ASSERT_EQ(3, n);
	n = 0;
	TEST_ERR(store_apikey_list(st, a.id, key_count_h, &n));
	ASSERT_EQ(1, n);
	n = 0;
	TEST_ERR(store_apikey_list(st, NULL, key_count_h, &n));
	ASSERT_EQ(2, n);

	/* admins belong to the default tenant; passwords have a minimum */
	ASSERT_EQ(EPERM, auth_user_create(st, &u, "acme", "eve",
					  CB_ROLE_ADMIN, "eve-pass-phrase"));
	TEST_ERR(auth_user_create(st, &u, "default", "eve", CB_ROLE_ADMIN,
				  "eve-pass-phrase"));
	ASSERT_EQ(EINVAL, auth_user_create(st, &u, "acme", "tim",
					   CB_ROLE_AGENT, "123456789"));
 out:
	mem_deref(st);
	tmpstore_remove(path);
	return err;
}


int test_store_accounts_user_delete(void)
{
	struct store *st = NULL;
	struct store_session s;
	struct store_user u, u2;
	char path[64], tok[AUTH_TOKEN_MAX];
	int err;

	TEST_ERR(tmpstore_open(&st, path));
	TEST_ERR(auth_bootstrap(st, false));
	TEST_ERR(auth_user_create(st, &u, "default", "ann", CB_ROLE_OPERATOR,
				  "ann-pass-phrase"));
	TEST_ERR(auth_login(st, "ann", "ann-pass-phrase", tok, &s, &u2, 60));
	TEST_ERR(auth_session_verify(st, tok, &s, &u2));

	TEST_ERR(store_user_delete(st, u.id));
	ASSERT_EQ(EACCES, auth_session_verify(st, tok, &s, &u2));
	ASSERT_EQ(ENOENT, store_session_find(st, &s, s.token_hash, 0));
	ASSERT_EQ(ENOENT, store_user_delete(st, u.id));
	ASSERT_EQ(EACCES, auth_login(st, "ann", "ann-pass-phrase", tok, &s,
				     &u2, 60));
 out:
	mem_deref(st);
	tmpstore_remove(path);
	return err;
}
