/**
 * @file tests/unit/sip_registrar.c  Registrar over real SIP on loopback
 *
 * Two libre SIP stacks in this process on 127.0.0.1 with ephemeral
 * ports: the server runs the registrar, the client registers with
 * libre's own registration client (sipreg, digest handled by libre) or
 * sends hand-made REGISTERs whose digest this file computes itself
 * (RFC 2617), to reach every reply the registrar can give.  Each step
 * runs re_main() until a response or change handler calls re_cancel();
 * a timer is only a deadline that fails the test.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "sip/registrar.h"
#include "test.h"

int test_sip_registrar_register(void);
int test_sip_registrar_wrong_password(void);
int test_sip_registrar_clamp(void);
int test_sip_registrar_too_brief(void);
int test_sip_registrar_devices_tcp(void);
int test_sip_registrar_expiry(void);
int test_sip_registrar_digest(void);
int test_sip_registrar_malformed(void);
int test_sip_registrar_contacts(void);

#define DOMAIN "test.local"

enum { DEADLINE_MS = 5000 };

struct fixture {
	struct cb_config cfg;
	struct sip *srv;
	struct sip *cli;
	char ruri[64];               /* sip:127.0.0.1:<server port>       */
	uint16_t srv_tcp_port;
	uint16_t cli_port;           /* client's UDP port                 */
	struct tmr deadline;
	bool timed_out;

	/* sipreg */
	int reg_err;
	uint16_t reg_scode;
	char realm[64];
	uint32_t changes;
	bool wait_change;            /* change handler ends the run       */
	char change_user[64];
	uint32_t change_contacts;

	/* hand-made requests */
	char callid[32];
	char from_tag[16];
	uint32_t cseq;
	char nonce[128];
	uint32_t nc;
	uint16_t scode;
	char reason[64];
	char www_auth[512];
	uint32_t min_expires;
	uint32_t contactc;
	char contacts[4096];
};

static struct fixture fx;
static uint32_t rx_423;            /* 423s seen by the client stack */


/* ---- plumbing -------------------------------------------------------- */

static void deadline_handler(void *arg)
{
	struct fixture *f = arg;

	f->timed_out = true;
	re_cancel();
}


static int run(struct fixture *f)
{
	f->timed_out = false;
	tmr_start(&f->deadline, DEADLINE_MS, deadline_handler, f);
	(void)re_main(NULL);
	tmr_cancel(&f->deadline);
	return f->timed_out ? ETIMEDOUT : 0;
}


static void change_handler(const char *user, uint32_t contacts, void *arg)
{
	struct fixture *f = arg;

	++f->changes;
	str_ncpy(f->change_user, user, sizeof(f->change_user));
	f->change_contacts = contacts;
	if (f->wait_change)
		re_cancel();
}


static void trace_handler(bool tx, enum sip_transp tp, const struct sa *src,
			  const struct sa *dst, const uint8_t *pkt, size_t len,
			  void *arg)
{
	(void)tp;
	(void)src;
	(void)dst;
	(void)arg;

	if (!tx && len > 11 && !memcmp(pkt, "SIP/2.0 423", 11))
		++rx_423;
}


static int stack_alloc(struct sip **sipp, uint16_t *portp,
		       uint16_t *tcp_portp)
{
	struct sa laddr, dst;
	int err;

	err = sip_alloc(sipp, NULL, 32, 32, 32, "cb-test", NULL, NULL);
	if (err)
		return err;
	(void)sa_set_str(&laddr, "127.0.0.1", 0);
	err = sip_transp_add(*sipp, SIP_TRANSP_UDP, &laddr);
	if (!err)
		err = sip_transp_add(*sipp, SIP_TRANSP_TCP, &laddr);
	if (err)
		return err;
	(void)sa_set_str(&dst, "127.0.0.1", 5060);
	err = sip_transp_laddr(*sipp, &laddr, SIP_TRANSP_UDP, &dst);
	if (!err && portp)
		*portp = sa_port(&laddr);
	if (!err)
		err = sip_transp_laddr(*sipp, &laddr, SIP_TRANSP_TCP, &dst);
	if (!err && tcp_portp)
		*tcp_portp = sa_port(&laddr);
	return err;
}


static int fixture_init(struct fixture *f, uint32_t min, uint32_t max)
{
	uint16_t port = 0;
	char v[16];
	int err;

	memset(f, 0, sizeof(*f));
	tmr_init(&f->deadline);
	str_ncpy(f->from_tag, "7a1c", sizeof(f->from_tag));
	err = cb_config_defaults(&f->cfg);
	if (err)
		return err;
	err  = cb_config_set(&f->cfg, "sip.domain", DOMAIN);
	err |= cb_config_set(&f->cfg, "sip.user", "alice s3cret");
	err |= cb_config_set(&f->cfg, "sip.user", "bob hunter2");
	(void)re_snprintf(v, sizeof(v), "%u", min);
	err |= cb_config_set(&f->cfg, "sip.reg_min_expires", v);
	(void)re_snprintf(v, sizeof(v), "%u", max);
	err |= cb_config_set(&f->cfg, "sip.reg_max_expires", v);
	if (err)
		return EINVAL;

	err = stack_alloc(&f->srv, &port, &f->srv_tcp_port);
	if (err)
		return err;
	(void)re_snprintf(f->ruri, sizeof(f->ruri), "sip:127.0.0.1:%u",
			  port);
	err = registrar_init(f->srv, &f->cfg);
	if (err)
		return err;
	registrar_set_change_h(change_handler, f);

	err = stack_alloc(&f->cli, &f->cli_port, NULL);
	if (err)
		return err;
	rx_423 = 0;
	sip_set_trace_handler(f->cli, trace_handler);
	return 0;
}


static void fixture_close(struct fixture *f)
{
	registrar_close();
	if (f->cli)
		sip_close(f->cli, true);
	if (f->srv)
		sip_close(f->srv, true);
	f->cli = mem_deref(f->cli);
	f->srv = mem_deref(f->srv);
}


/* ---- libre's registration client ------------------------------------- */

static const char *auth_pass = "s3cret";

static int auth_handler(char **user, char **pass, const char *realm,
			void *arg)
{
	struct fixture *f = arg;
	int err;

	str_ncpy(f->realm, realm, sizeof(f->realm));
	err = str_dup(user, "alice");
	if (!err)
		err = str_dup(pass, auth_pass);
	return err;
}


static void reg_resp_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct fixture *f = arg;

	f->reg_err = err;
	f->reg_scode = msg ? msg->scode : 0;
	re_cancel();
}


static int client_register(struct fixture *f, struct sipreg **regp,
			   bool tcp, const char *cuser, uint32_t expires)
{
	char ruri[96];
	int err;

	if (tcp)
		(void)re_snprintf(ruri, sizeof(ruri),
				  "sip:127.0.0.1:%u;transport=tcp",
				  f->srv_tcp_port);
	else
		str_ncpy(ruri, f->ruri, sizeof(ruri));
	f->reg_scode = 0;
	f->reg_err = 0;
	err = sipreg_register(regp, f->cli, ruri, "sip:alice@" DOMAIN, NULL,
			      "sip:alice@" DOMAIN, expires, cuser, NULL, 0, 0,
			      auth_handler, f, false, reg_resp_handler, f,
			      NULL, NULL);
	if (err)
		return err;
	return run(f);
}


struct found {
	char uri[128];
	struct sa src;
	enum sip_transp tp;
	uint32_t n;
};


static bool contact_h(const char *uri, const struct sa *src,
		      enum sip_transp tp, void *arg)
{
	struct found *fd = arg;

	if (!fd->n++) {
		str_ncpy(fd->uri, uri, sizeof(fd->uri));
		fd->src = *src;
		fd->tp = tp;
	}
	return false;
}


/* ---- hand-made REGISTERs --------------------------------------------- */

static void raw_resp_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct fixture *f = arg;
	const struct sip_hdr *h;
	struct mbuf *mb;

	f->scode = (err || !msg) ? 0 : msg->scode;
	f->www_auth[0] = f->reason[0] = f->contacts[0] = '\0';
	f->min_expires = f->contactc = 0;
	if (msg) {
		(void)pl_strcpy(&msg->reason, f->reason, sizeof(f->reason));
		h = sip_msg_hdr(msg, SIP_HDR_WWW_AUTHENTICATE);
		if (h)
			(void)pl_strcpy(&h->val, f->www_auth,
					sizeof(f->www_auth));
		h = sip_msg_hdr(msg, SIP_HDR_MIN_EXPIRES);
		if (h)
			f->min_expires = pl_u32(&h->val);
		f->contactc = sip_msg_hdr_count(msg, SIP_HDR_CONTACT);
		mb = mbuf_alloc(512);
		if (mb) {
			for (struct le *le = msg->hdrl.head; le;
			     le = le->next) {
				const struct sip_hdr *hd = le->data;

				if (hd->id == SIP_HDR_CONTACT)
					(void)mbuf_printf(mb, "%r\n",
							  &hd->val);
			}
			(void)mbuf_write_u8(mb, 0);
			str_ncpy(f->contacts, (char *)mb->buf,
				 sizeof(f->contacts));
			mem_deref(mb);
		}
	}
	re_cancel();
}


/* Authorization header for the current nonce, computed here (RFC 2617) */
static int auth_print(char *buf, size_t sz, const struct fixture *f,
		      const char *user, const char *pass, uint32_t nc)
{
	uint8_t ha1[MD5_SIZE], ha2[MD5_SIZE], resp[MD5_SIZE];
	int err;

	err  = md5_printf(ha1, "%s:%s:%s", user, DOMAIN, pass);
	err |= md5_printf(ha2, "REGISTER:%s", f->ruri);
	err |= md5_printf(resp, "%w:%s:%08x:0a4f113b:auth:%w", ha1,
			  sizeof(ha1), f->nonce, nc, ha2, sizeof(ha2));
	if (err)
		return err;
	if (re_snprintf(buf, sz, "Authorization: Digest username=\"%s\", "
			"realm=\"" DOMAIN "\", nonce=\"%s\", uri=\"%s\", "
			"response=\"%w\", algorithm=MD5, qop=auth, "
			"nc=%08x, cnonce=\"0a4f113b\"\r\n", user, f->nonce,
			f->ruri, resp, sizeof(resp), nc) < 0)
		return ENOMEM;
	return 0;
}


/* send one REGISTER; auth_hdr and extra are complete header lines */
static int raw_send(struct fixture *f, const char *to_user,
		    const char *auth_hdr, const char *extra)
{
	int err;

	f->scode = 0;
	err = sip_requestf(NULL, f->cli, true, "REGISTER", f->ruri, NULL,
			   NULL, NULL, raw_resp_handler, f,
			   "To: <sip:%s@" DOMAIN ">\r\n"
			   "From: <sip:%s@" DOMAIN ">;tag=%s\r\n"
			   "Call-ID: %s\r\n"
			   "CSeq: %u REGISTER\r\n"
			   "%s%s"
			   "Content-Length: 0\r\n\r\n",
			   to_user, to_user, f->from_tag, f->callid, ++f->cseq,
			   auth_hdr ? auth_hdr : "", extra ? extra : "");
	if (err)
		return err;
	return run(f);
}


/* get a fresh nonce from a 401 */
static int raw_challenge(struct fixture *f)
{
	struct httpauth_digest_chall ch;
	struct pl pl;
	int err;

	err = raw_send(f, "alice", NULL, "Contact: <sip:x@127.0.0.1>\r\n");
	if (err)
		return err;
	if (f->scode != 401)
		return EPROTO;
	pl_set_str(&pl, f->www_auth);
	err = httpauth_digest_challenge_decode(&ch, &pl);
	if (err)
		return err;
	(void)pl_strcpy(&ch.nonce, f->nonce, sizeof(f->nonce));
	f->nc = 0;
	return 0;
}


/* REGISTER as alice with good credentials and the next nc */
static int raw_auth(struct fixture *f, const char *fmt, ...)
{
	char auth[512], extra[8192];
	va_list ap;
	int err;

	err = auth_print(auth, sizeof(auth), f, "alice", "s3cret", ++f->nc);
	if (err)
		return err;
	va_start(ap, fmt);
	err = re_vsnprintf(extra, sizeof(extra), fmt, ap) < 0 ? ENOMEM : 0;
	va_end(ap);
	if (err)
		return err;
	return raw_send(f, "alice", auth, extra);
}


static uint32_t lookup_count(const char *user)
{
	struct found fd = {.n = 0};

	(void)registrar_lookup(user, contact_h, &fd);
	return fd.n;
}


/* ---- tests: libre's client ------------------------------------------- */

int test_sip_registrar_register(void)
{
	struct fixture *f = &fx;
	struct sipreg *reg = NULL;
	struct found fd = {.n = 0};
	char want[64];
	int err;

	TEST_ERR(fixture_init(f, 60, 3600));
	auth_pass = "s3cret";
	ASSERT_EQ(ENOENT, registrar_lookup("alice", contact_h, &fd));

	TEST_ERR(client_register(f, &reg, false, "alice", 600));
	ASSERT_EQ(0, f->reg_err);
	ASSERT_EQ(200, f->reg_scode);
	ASSERT_STREQ(DOMAIN, f->realm);
	ASSERT_TRUE(sipreg_registered(reg));
	ASSERT_EQ(600, sipreg_proxy_expires(reg));
	ASSERT_EQ(1, registrar_count());

	TEST_ERR(registrar_lookup("alice", contact_h, &fd));
	ASSERT_EQ(1, fd.n);
	(void)re_snprintf(want, sizeof(want), "sip:alice@127.0.0.1:%u",
			  f->cli_port);
	ASSERT_STREQ(want, fd.uri);
	ASSERT_EQ(f->cli_port, sa_port(&fd.src));
	ASSERT_EQ(SIP_TRANSP_UDP, fd.tp);
	ASSERT_EQ(ENOENT, registrar_lookup("bob", contact_h, &fd));

	/* unregister: libre sends expires=0 when the sipreg goes away */
	f->changes = 0;
	f->wait_change = true;
	reg = mem_deref(reg);
	TEST_ERR(run(f));
	ASSERT_EQ(1, f->changes);
	ASSERT_STREQ("alice", f->change_user);
	ASSERT_EQ(0, f->change_contacts);
	ASSERT_EQ(ENOENT, registrar_lookup("alice", contact_h, &fd));
	ASSERT_EQ(0, registrar_count());
 out:
	mem_deref(reg);
	fixture_close(f);
	return err;
}


int test_sip_registrar_wrong_password(void)
{
	struct fixture *f = &fx;
	struct sipreg *reg = NULL;
	int err;

	TEST_ERR(fixture_init(f, 60, 3600));
	auth_pass = "wrong";
	err = client_register(f, &reg, false, "alice", 600);
	auth_pass = "s3cret";
	TEST_ERR(err);
	ASSERT_EQ(401, f->reg_scode);
	ASSERT_TRUE(!sipreg_registered(reg));
	ASSERT_EQ(0, registrar_count());
	ASSERT_EQ(0, lookup_count("alice"));
 out:
	auth_pass = "s3cret";
	mem_deref(reg);
	fixture_close(f);
	return err;
}


int test_sip_registrar_clamp(void)
{
	struct fixture *f = &fx;
	struct sipreg *reg = NULL;
	int err;

	TEST_ERR(fixture_init(f, 60, 900));
	TEST_ERR(client_register(f, &reg, false, "alice", 86400));
	ASSERT_EQ(200, f->reg_scode);
	ASSERT_EQ(900, sipreg_proxy_expires(reg));
	ASSERT_EQ(1, lookup_count("alice"));
 out:
	mem_deref(reg);
	fixture_close(f);
	return err;
}


int test_sip_registrar_too_brief(void)
{
	struct fixture *f = &fx;
	struct sipreg *reg = NULL;
	int err;

	/* libre retries a 423 with the Min-Expires it was given */
	TEST_ERR(fixture_init(f, 120, 3600));
	TEST_ERR(client_register(f, &reg, false, "alice", 30));
	ASSERT_EQ(1, rx_423);
	ASSERT_EQ(200, f->reg_scode);
	ASSERT_EQ(120, sipreg_proxy_expires(reg));
	ASSERT_EQ(1, lookup_count("alice"));
 out:
	mem_deref(reg);
	fixture_close(f);
	return err;
}


int test_sip_registrar_devices_tcp(void)
{
	struct fixture *f = &fx;
	struct sipreg *r1 = NULL, *r2 = NULL;
	struct found fd = {.n = 0};
	int err;

	TEST_ERR(fixture_init(f, 60, 3600));
	TEST_ERR(client_register(f, &r1, false, "desk", 600));
	ASSERT_EQ(200, f->reg_scode);
	TEST_ERR(client_register(f, &r2, true, "mobile", 600));
	ASSERT_EQ(200, f->reg_scode);
	ASSERT_EQ(2, registrar_count());

	TEST_ERR(registrar_lookup("alice", contact_h, &fd));
	ASSERT_EQ(2, fd.n);
	ASSERT_TRUE(!strncmp(fd.uri, "sip:desk@", 9));
	ASSERT_EQ(SIP_TRANSP_UDP, fd.tp);

	/* the first binding stays; the second came over TCP */
	r1 = mem_deref(r1);
	f->changes = 0;
	f->wait_change = true;
	TEST_ERR(run(f));
	ASSERT_EQ(1, f->change_contacts);
	memset(&fd, 0, sizeof(fd));
	TEST_ERR(registrar_lookup("alice", contact_h, &fd));
	ASSERT_EQ(1, fd.n);
	ASSERT_TRUE(!strncmp(fd.uri, "sip:mobile@", 11));
	ASSERT_TRUE(strstr(fd.uri, ";transport=tcp") != NULL);
	ASSERT_EQ(SIP_TRANSP_TCP, fd.tp);
	ASSERT_TRUE(sa_port(&fd.src) != 0);
 out:
	mem_deref(r1);
	mem_deref(r2);
	fixture_close(f);
	return err;
}


int test_sip_registrar_expiry(void)
{
	struct fixture *f = &fx;
	struct sipreg *reg = NULL;
	int err;

	TEST_ERR(fixture_init(f, 60, 3600));
	TEST_ERR(client_register(f, &reg, false, "alice", 60));
	ASSERT_EQ(200, f->reg_scode);
	ASSERT_EQ(1, registrar_count());

	/* 61 s later the sweep drops the binding */
	registrar_clock_skew(61000);
	ASSERT_EQ(0, lookup_count("alice"));
	f->changes = 0;
	f->wait_change = true;
	TEST_ERR(run(f));
	ASSERT_EQ(1, f->changes);
	ASSERT_EQ(0, f->change_contacts);
	ASSERT_EQ(0, registrar_count());
 out:
	mem_deref(reg);
	fixture_close(f);
	return err;
}


/* ---- tests: hand-made requests --------------------------------------- */

int test_sip_registrar_digest(void)
{
	struct fixture *f = &fx;
	char auth[512];
	int err;

	TEST_ERR(fixture_init(f, 60, 3600));
	str_ncpy(f->callid, "digest-1", sizeof(f->callid));

	TEST_ERR(raw_challenge(f));
	ASSERT_TRUE(!strncmp(f->www_auth, "Digest realm=\"" DOMAIN "\"",
			     14 + sizeof(DOMAIN)));
	ASSERT_TRUE(strstr(f->www_auth, "algorithm=MD5") != NULL);
	ASSERT_TRUE(strstr(f->www_auth, "qop=\"auth\"") != NULL);
	ASSERT_TRUE(strstr(f->www_auth, "stale") == NULL);
	ASSERT_EQ(56, strlen(f->nonce));

	/* good credentials, nc 1 */
	TEST_ERR(auth_print(auth, sizeof(auth), f, "alice", "s3cret", 1));
	TEST_ERR(raw_send(f, "alice", auth,
			  "Contact: <sip:a@127.0.0.1:5999>\r\n"));
	ASSERT_EQ(200, f->scode);
	ASSERT_EQ(1, f->contactc);
	ASSERT_TRUE(strstr(f->contacts, "<sip:a@127.0.0.1:5999>;expires=3600")
		    != NULL);

	/* the same response again (nc 1) is a replay */
	TEST_ERR(raw_send(f, "alice", auth,
			  "Contact: <sip:b@127.0.0.1:5999>\r\n"));
	ASSERT_EQ(401, f->scode);
	ASSERT_TRUE(strstr(f->www_auth, "stale=true") != NULL);
	ASSERT_EQ(1, lookup_count("alice"));

	/* nc 2 on the same nonce is fine */
	TEST_ERR(auth_print(auth, sizeof(auth), f, "alice", "s3cret", 2));
	TEST_ERR(raw_send(f, "alice", auth,
			  "Contact: <sip:b@127.0.0.1:5999>\r\n"));
	ASSERT_EQ(200, f->scode);
	ASSERT_EQ(2, lookup_count("alice"));

	/* wrong password: plain re-challenge, nothing registered */
	TEST_ERR(auth_print(auth, sizeof(auth), f, "alice", "guess", 3));
	TEST_ERR(raw_send(f, "alice", auth,
			  "Contact: <sip:c@127.0.0.1:5999>\r\n"));
	ASSERT_EQ(401, f->scode);
	ASSERT_TRUE(strstr(f->www_auth, "stale") == NULL);

	/* unknown user */
	TEST_ERR(auth_print(auth, sizeof(auth), f, "mallory", "x", 4));
	TEST_ERR(raw_send(f, "mallory", auth,
			  "Contact: <sip:c@127.0.0.1:5999>\r\n"));
	ASSERT_EQ(401, f->scode);

	/* bob's good credentials cannot register alice */
	TEST_ERR(auth_print(auth, sizeof(auth), f, "bob", "hunter2", 5));
	TEST_ERR(raw_send(f, "alice", auth,
			  "Contact: <sip:c@127.0.0.1:5999>\r\n"));
	ASSERT_EQ(403, f->scode);
	ASSERT_EQ(2, lookup_count("alice"));
	ASSERT_EQ(0, lookup_count("bob"));

	/* garbage credentials */
	TEST_ERR(raw_send(f, "alice", "Authorization: Digest nonsense\r\n",
			  "Contact: <sip:c@127.0.0.1:5999>\r\n"));
	ASSERT_EQ(400, f->scode);

	/* a forged nonce with a valid digest for it: stale */
	str_ncpy(f->nonce, "00000001" "aaaaaaaaaaaaaaaa"
		 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", sizeof(f->nonce));
	TEST_ERR(auth_print(auth, sizeof(auth), f, "alice", "s3cret", 1));
	TEST_ERR(raw_send(f, "alice", auth,
			  "Contact: <sip:c@127.0.0.1:5999>\r\n"));
	ASSERT_EQ(401, f->scode);
	ASSERT_TRUE(strstr(f->www_auth, "stale=true") != NULL);

	/* a real nonce past its 300 s: stale, then a new one works */
	TEST_ERR(raw_challenge(f));
	registrar_clock_skew(301000);
	TEST_ERR(raw_auth(f, "Contact: <sip:c@127.0.0.1:5999>\r\n"));
	ASSERT_EQ(401, f->scode);
	ASSERT_TRUE(strstr(f->www_auth, "stale=true") != NULL);
	TEST_ERR(raw_challenge(f));
	TEST_ERR(raw_auth(f, "Contact: <sip:c@127.0.0.1:5999>\r\n"));
	ASSERT_EQ(200, f->scode);
	/* a, b registered for 3600 s are still there 301 s later */
	ASSERT_EQ(3, f->contactc);
 out:
	fixture_close(f);
	return err;
}


int test_sip_registrar_malformed(void)
{
	struct fixture *f = &fx;
	char big[2048];
	int err;

	TEST_ERR(fixture_init(f, 60, 3600));
	str_ncpy(f->callid, "malformed-1", sizeof(f->callid));
	TEST_ERR(raw_challenge(f));
	TEST_ERR(raw_auth(f, "Contact: <sip:a@127.0.0.1:5999>\r\n"
			  "Contact: <sip:b@127.0.0.1:5999>;expires=600\r\n"));
	ASSERT_EQ(200, f->scode);
	ASSERT_EQ(2, f->contactc);
	ASSERT_TRUE(strstr(f->contacts, "<sip:b@127.0.0.1:5999>;expires=600")
		    != NULL);

	TEST_ERR(raw_auth(f, "Contact: <sip:c@127.0.0.1>\r\n"
			  "Expires: soon\r\n"));
	ASSERT_EQ(400, f->scode);
	TEST_ERR(raw_auth(f, "Contact: <sip:c@127.0.0.1>\r\n"
			  "Expires: 60\r\nExpires: 70\r\n"));
	ASSERT_EQ(400, f->scode);
	TEST_ERR(raw_auth(f, "Contact: <sip:c@127.0.0.1;expires=60\r\n"));
	ASSERT_EQ(400, f->scode);
	TEST_ERR(raw_auth(f, "Contact: <tel:+15551234>\r\n"));
	ASSERT_EQ(400, f->scode);
	TEST_ERR(raw_auth(f, "Contact: <sip:c@127.0.0.1>;expires=-1\r\n"));
	ASSERT_EQ(400, f->scode);
	TEST_ERR(raw_auth(f, "Contact: <sip:c@127.0.0.1>"
			  ";expires=123456789012\r\n"));
	ASSERT_EQ(400, f->scode);
	TEST_ERR(raw_auth(f, "Contact: *\r\nExpires: 3600\r\n"));
	ASSERT_EQ(400, f->scode);
	TEST_ERR(raw_auth(f, "Contact: *\r\nContact: <sip:c@127.0.0.1>\r\n"
			  "Expires: 0\r\n"));
	ASSERT_EQ(400, f->scode);
	TEST_ERR(raw_auth(f, "Contact: <sip:c@127.0.0.1>\r\n"
			  "Contact: <sip:c@127.0.0.1>\r\n"));
	ASSERT_EQ(400, f->scode);

	memset(big, 'u', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	TEST_ERR(raw_auth(f, "Contact: <sip:%s@127.0.0.1>\r\n", big));
	ASSERT_EQ(400, f->scode);

	/* 423 names the minimum */
	TEST_ERR(raw_auth(f, "Contact: <sip:c@127.0.0.1>;expires=59\r\n"));
	ASSERT_EQ(423, f->scode);
	ASSERT_EQ(60, f->min_expires);

	/* unsupported extension */
	TEST_ERR(raw_auth(f, "Contact: <sip:c@127.0.0.1>\r\n"
			  "Require: gruu\r\n"));
	ASSERT_EQ(420, f->scode);

	/* a lower CSeq on the same Call-ID is out of order (a new From
	 * tag, or libre's merged-request check answers 482 first) */
	str_ncpy(f->from_tag, "9b2d", sizeof(f->from_tag));
	f->cseq = 1;
	TEST_ERR(raw_auth(f, "Contact: <sip:a@127.0.0.1:5999>\r\n"));
	ASSERT_EQ(500, f->scode);
	f->cseq = 1000;

	/* nothing of the above changed the bindings */
	ASSERT_EQ(2, lookup_count("alice"));
	TEST_ERR(raw_auth(f, ""));              /* query */
	ASSERT_EQ(200, f->scode);
	ASSERT_EQ(2, f->contactc);
	ASSERT_TRUE(strstr(f->contacts, "sip:a@127.0.0.1:5999") != NULL);
	ASSERT_TRUE(strstr(f->contacts, "sip:b@127.0.0.1:5999") != NULL);
 out:
	fixture_close(f);
	return err;
}


int test_sip_registrar_contacts(void)
{
	struct fixture *f = &fx;
	char many[2048];
	size_t n = 0;
	int err;

	TEST_ERR(fixture_init(f, 60, 3600));
	str_ncpy(f->callid, "contacts-1", sizeof(f->callid));
	TEST_ERR(raw_challenge(f));

	/* ten devices in one REGISTER: the limit */
	for (int i = 0; i < REGISTRAR_MAX_BINDINGS; i++)
		n += re_snprintf(many + n, sizeof(many) - n,
				 "Contact: <sip:d%d@127.0.0.1:5999>\r\n", i);
	TEST_ERR(raw_auth(f, "%s", many));
	ASSERT_EQ(200, f->scode);
	ASSERT_EQ(10, f->contactc);
	ASSERT_EQ(10, lookup_count("alice"));

	/* an eleventh is refused, in a new request or as a whole list */
	TEST_ERR(raw_auth(f, "Contact: <sip:e@127.0.0.1:5999>\r\n"));
	ASSERT_EQ(403, f->scode);
	TEST_ERR(raw_auth(f, "%sContact: <sip:e@127.0.0.1:5999>\r\n", many));
	ASSERT_EQ(403, f->scode);
	ASSERT_EQ(10, lookup_count("alice"));

	/* removing one and adding one in the same request fits */
	TEST_ERR(raw_auth(f, "Contact: <sip:d0@127.0.0.1:5999>;expires=0, "
			  "<sip:e@127.0.0.1:5999>;expires=120\r\n"));
	ASSERT_EQ(200, f->scode);
	ASSERT_EQ(10, f->contactc);
	ASSERT_TRUE(strstr(f->contacts, "sip:d0@") == NULL);
	ASSERT_TRUE(strstr(f->contacts, "<sip:e@127.0.0.1:5999>;expires=120")
		    != NULL);

	/* a refresh changes the expiry, not the count */
	TEST_ERR(raw_auth(f, "Contact: <sip:e@127.0.0.1:5999>\r\n"
			  "Expires: 300\r\n"));
	ASSERT_EQ(200, f->scode);
	ASSERT_EQ(10, f->contactc);
	ASSERT_TRUE(strstr(f->contacts, "<sip:e@127.0.0.1:5999>;expires=300")
		    != NULL);

	/* same device instance on a new address replaces its binding */
	TEST_ERR(raw_auth(f, "Contact: <sip:e@127.0.0.1:5999>"
			  ";+sip.instance=\"<urn:uuid:1>\"\r\n"));
	ASSERT_EQ(200, f->scode);
	TEST_ERR(raw_auth(f, "Contact: <sip:e@127.0.0.1:6001>"
			  ";+sip.instance=\"<urn:uuid:1>\"\r\n"));
	ASSERT_EQ(200, f->scode);
	ASSERT_EQ(10, f->contactc);
	ASSERT_TRUE(strstr(f->contacts, "sip:e@127.0.0.1:5999") == NULL);
	ASSERT_TRUE(strstr(f->contacts, "sip:e@127.0.0.1:6001") != NULL);

	/* wildcard removes everything */
	f->changes = 0;
	TEST_ERR(raw_auth(f, "Contact: *\r\nExpires: 0\r\n"));
	ASSERT_EQ(200, f->scode);
	ASSERT_EQ(0, f->contactc);
	ASSERT_EQ(0, lookup_count("alice"));
	ASSERT_EQ(0, registrar_count());
	ASSERT_EQ(1, f->changes);
	ASSERT_EQ(0, f->change_contacts);
 out:
	fixture_close(f);
	return err;
}
