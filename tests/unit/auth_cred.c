/**
 * @file tests/unit/auth_cred.c  Credentials: keys, passwords, sessions
 *
 * Against a real store in a temporary SQLite file: an API key verifies
 * only with its exact secret and not once revoked; passwords are Argon2id
 * strings that verify only the right password; sessions open on the right
 * password, are found by their token only, expire, and end on logout;
 * the CSRF rule needs the session's token on state-changing requests;
 * HTTP requests are authenticated from a Bearer header or the cookie.
 */
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "cb_auth.h"
#include "test.h"
#include "tmpstore.h"

int test_auth_key_verify(void);
int test_auth_password_hash(void);
int test_auth_session_expiry(void);
int test_auth_csrf(void);
int test_auth_http_request(void);
int test_auth_throttle(void);




int test_auth_key_verify(void)
{
	struct store *st = NULL;
	struct store_apikey k, got;
	char path[64], key[AUTH_KEY_MAX], bad[AUTH_KEY_MAX];
	int err;

	TEST_ERR(tmpstore_open(&st, path));
	TEST_ERR(auth_bootstrap(st, false));
	TEST_ERR(auth_key_create(st, key, &k, "default", "ci"));
	ASSERT_TRUE(!strncmp(key, "cbk_", 4));
	ASSERT_EQ(0, auth_key_verify(st, key, &got));
	ASSERT_STREQ(k.tenant_id, got.tenant_id);
	ASSERT_STREQ(auth_default_tenant(), got.tenant_id);

	/* one character of the secret changed */
	str_ncpy(bad, key, sizeof(bad));
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'A' ? 'B' : 'A';
	ASSERT_EQ(EACCES, auth_key_verify(st, bad, &got));
	ASSERT_EQ(EACCES, auth_key_verify(st, "cbk_", &got));
	ASSERT_EQ(EACCES, auth_key_verify(st, "", &got));
	ASSERT_EQ(EACCES, auth_key_verify(st, "cbk_kAAAAAAAAAAAAAAA_x", &got));

	/* no key of an unknown tenant */
	ASSERT_EQ(ENOENT, auth_key_create(st, bad, &got, "nobody", NULL));

	TEST_ERR(store_apikey_revoke(st, k.id, 1234));
	ASSERT_EQ(EACCES, auth_key_verify(st, key, &got));
	ASSERT_EQ(ENOENT, store_apikey_revoke(st, k.id, 1234));

 out:
	mem_deref(st);
	tmpstore_remove(path);
	return err;
}


int test_auth_password_hash(void)
{
	char h[STORE_PWHASH_MAX], pw[32];
	int err = 0;

	TEST_ERR(auth_password_hash(h, "correct horse"));
	ASSERT_TRUE(!strncmp(h, "$argon2id$", 10));
	ASSERT_TRUE(auth_password_verify(h, "correct horse"));
	ASSERT_TRUE(!auth_password_verify(h, "correct horsE"));
	ASSERT_TRUE(!auth_password_verify(h, ""));
	ASSERT_TRUE(!auth_password_verify("", "correct horse"));
	ASSERT_EQ(EINVAL, auth_password_hash(h, "short"));

	auth_password_generate(pw, sizeof(pw));
	ASSERT_TRUE(strlen(pw) >= 20);
 out:
	return err;
}


int test_auth_session_expiry(void)
{
	struct store *st = NULL;
	struct store_session s, s2;
	struct store_user u, u2;
	char path[64], tok[AUTH_TOKEN_MAX], tok2[AUTH_TOKEN_MAX];
	int err;

	TEST_ERR(tmpstore_open(&st, path));
	TEST_ERR(auth_bootstrap(st, false));
	TEST_ERR(auth_user_create(st, &u, "default", "ann", CB_ROLE_AGENT,
				  "ann-password"));
	ASSERT_EQ(EEXIST, auth_user_create(st, &u2, "default", "ann",
					   CB_ROLE_AGENT, "ann-password"));

	ASSERT_EQ(EACCES, auth_login(st, "ann", "wrong-pass", tok, &s, &u2,
				     60));
	ASSERT_EQ(EACCES, auth_login(st, "nobody", "ann-password", tok, &s,
				     &u2, 60));
	TEST_ERR(auth_login(st, "ann", "ann-password", tok, &s, &u2, 60));
	ASSERT_STREQ(u.id, u2.id);
	ASSERT_STREQ("agent", u2.role);
	ASSERT_TRUE(strlen(tok) >= 43);     /* 256 bits in base64url */
	ASSERT_TRUE(strlen(s.csrf) >= 43);

	TEST_ERR(auth_session_verify(st, tok, &s2, &u2));
	ASSERT_STREQ(s.csrf, s2.csrf);
	ASSERT_EQ(EACCES, auth_session_verify(st, "forged", &s2, &u2));

	/* the same session seen from after its expiry */
	ASSERT_EQ(ENOENT, store_session_find(st, &s2, s.token_hash,
					     s.expires_ms + 1));
	TEST_ERR(store_session_find(st, &s2, s.token_hash,
				    s.expires_ms - 1));

	/* a 1 s session made 2 s in the past: refused */
	s2 = s;
	s2.token_hash[0] ^= 0xff;
	s2.created_ms -= 2000;
	s2.expires_ms = s2.created_ms + 1000;
	TEST_ERR(store_session_create(st, &s2));
	ASSERT_EQ(ENOENT, store_session_find(st, &s2, s2.token_hash,
					     s.created_ms));

	TEST_ERR(auth_login(st, "ann", "ann-password", tok2, &s2, &u2, 60));
	ASSERT_TRUE(strcmp(tok, tok2) != 0);
	TEST_ERR(auth_logout(st, tok));
	ASSERT_EQ(EACCES, auth_session_verify(st, tok, &s2, &u2));
	TEST_ERR(auth_session_verify(st, tok2, &s2, &u2));

 out:
	mem_deref(st);
	tmpstore_remove(path);
	return err;
}


static int msg_make(struct http_msg **msgp, const char *text)
{
	struct mbuf *mb = mbuf_alloc(512);
	int err;

	if (!mb)
		return ENOMEM;
	err = mbuf_write_str(mb, text);
	mb->pos = 0;
	if (!err)
		err = http_msg_decode(msgp, mb, true);
	mem_deref(mb);
	return err;
}


int test_auth_csrf(void)
{
	struct cb_principal p;
	struct http_msg *post = NULL, *good = NULL, *get = NULL;
	int err;

	memset(&p, 0, sizeof(p));
	str_ncpy(p.csrf, "tok123", sizeof(p.csrf));

	TEST_ERR(msg_make(&post, "POST /v1/calls HTTP/1.1\r\n"
			  "Content-Length: 0\r\n\r\n"));
	TEST_ERR(msg_make(&good, "DELETE /v1/calls/x HTTP/1.1\r\n"
			  "X-CSRF-Token: tok123\r\n"
			  "Content-Length: 0\r\n\r\n"));
	TEST_ERR(msg_make(&get, "GET /v1/calls HTTP/1.1\r\n"
			  "Content-Length: 0\r\n\r\n"));

	/* API keys are never sent by a browser on its own: no token */
	p.kind = CB_AUTH_KEY;
	ASSERT_TRUE(auth_csrf_ok(post, &p));

	p.kind = CB_AUTH_SESSION;
	ASSERT_TRUE(!auth_csrf_ok(post, &p));
	ASSERT_TRUE(auth_csrf_ok(good, &p));
	ASSERT_TRUE(auth_csrf_ok(get, &p));
	str_ncpy(p.csrf, "tok124", sizeof(p.csrf));
	ASSERT_TRUE(!auth_csrf_ok(good, &p));
	str_ncpy(p.csrf, "tok12", sizeof(p.csrf));
	ASSERT_TRUE(!auth_csrf_ok(good, &p));

 out:
	mem_deref(post);
	mem_deref(good);
	mem_deref(get);
	return err;
}


int test_auth_http_request(void)
{
	struct store *st = NULL;
	struct cb_config cfg;
	struct store_apikey k;
	struct store_session s;
	struct store_user u;
	struct cb_principal p;
	struct http_msg *msg = NULL;
	char path[64], key[AUTH_KEY_MAX], tok[AUTH_TOKEN_MAX], txt[512];
	int err;

	TEST_ERR(tmpstore_open(&st, path));
	TEST_ERR(cb_config_defaults(&cfg));
	TEST_ERR(auth_init(&cfg, st));
	TEST_ERR(auth_key_create(st, key, &k, "default", NULL));
	TEST_ERR(auth_user_create(st, &u, "default", "op", CB_ROLE_OPERATOR,
				  "op-password"));
	TEST_ERR(auth_login(st, "op", "op-password", tok, &s, &u, 60));

	(void)re_snprintf(txt, sizeof(txt), "GET /v1/me HTTP/1.1\r\n"
			  "Authorization: Bearer %s\r\n\r\n", key);
	TEST_ERR(msg_make(&msg, txt));
	TEST_ERR(auth_http_request(msg, &p));
	ASSERT_EQ(CB_AUTH_KEY, p.kind);
	ASSERT_STREQ(k.id, p.key_id);
	ASSERT_STREQ(auth_default_tenant(), p.tenant_id);
	msg = mem_deref(msg);

	(void)re_snprintf(txt, sizeof(txt), "GET /v1/me HTTP/1.1\r\n"
			  "Cookie: a=b; cb_session=%s; c=d\r\n\r\n", tok);
	TEST_ERR(msg_make(&msg, txt));
	TEST_ERR(auth_http_request(msg, &p));
	ASSERT_EQ(CB_AUTH_SESSION, p.kind);
	ASSERT_EQ(CB_ROLE_OPERATOR, p.role);
	ASSERT_STREQ(u.id, p.user_id);
	ASSERT_STREQ(s.csrf, p.csrf);
	msg = mem_deref(msg);

	TEST_ERR(msg_make(&msg, "GET /v1/me HTTP/1.1\r\n"
			  "Authorization: Basic Zm9vOmJhcg==\r\n\r\n"));
	ASSERT_EQ(EACCES, auth_http_request(msg, &p));
	msg = mem_deref(msg);
	TEST_ERR(msg_make(&msg, "GET /v1/me HTTP/1.1\r\n"
			  "Cookie: cb_session=nope\r\n\r\n"));
	ASSERT_EQ(EACCES, auth_http_request(msg, &p));
	msg = mem_deref(msg);
	TEST_ERR(msg_make(&msg, "GET /v1/me HTTP/1.1\r\n\r\n"));
	ASSERT_EQ(EACCES, auth_http_request(msg, &p));

 out:
	mem_deref(msg);
	auth_close();
	mem_deref(st);
	tmpstore_remove(path);
	return err;
}


int test_auth_throttle(void)
{
	struct sa a1, a2;
	int err = 0;

	sa_set_str(&a1, "127.0.0.1", 1000);
	sa_set_str(&a2, "127.0.0.2", 1000);
	auth_throttle_config(3, 30);

	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, auth_throttle_check("eve", &a1));
		auth_throttle_fail("eve", &a1);
	}
	ASSERT_EQ(0, auth_throttle_check("eve", &a1));
	auth_throttle_fail("eve", &a1);
	/* locked: the login from any address, the address for any login */
	ASSERT_TRUE(auth_throttle_check("eve", &a2) >= 29);
	ASSERT_TRUE(auth_throttle_check("bob", &a1) >= 29);
	ASSERT_EQ(0, auth_throttle_check("bob", &a2));
	/* a further failure doubles the lock */
	auth_throttle_fail("eve", &a2);
	ASSERT_TRUE(auth_throttle_check("eve", &a2) >= 59);

	auth_throttle_ok("eve", &a2);
	ASSERT_EQ(0, auth_throttle_check("eve", &a2));
 out:
	auth_throttle_close();
	auth_throttle_config(5, 30);
	return err;
}
