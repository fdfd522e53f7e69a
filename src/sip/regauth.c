/**
 * @file sip/regauth.c  Digest authentication, server side
 *
 * Challenges and checks SIP digest credentials (MD5, qop=auth) against
 * the configured users, for REGISTER here and for INVITE in the B2BUA.
 *
 * The nonce is stateless: 8 hex digits of the registrar clock in seconds,
 * 16 of randomness, then 32 of HMAC-SHA256(secret, time|random|realm)
 * truncated to 128 bits.  The secret comes from libsodium at
 * regauth_init(), so nonces of an earlier process (or a forged one) fail
 * the MAC.  A nonce is fresh for REGAUTH_NONCE_TTL seconds.
 *
 * Order of the checks: the digest is verified first, against the nonce as
 * the client sent it, and only then the nonce itself; so "stale=true" is
 * only ever told to a client that proved it knows the password (RFC 2617
 * 3.2.1), which lets phones refresh across a restart without prompting.
 *
 * Replay: a fixed table of REPLAY_SLOTS remembers, per nonce+user
 * fingerprint (keyed SipHash), the highest nc accepted.  A response whose
 * nc is not above it is refused (EALREADY).  Responses without qop have
 * no nc and count as nc 0, so they are single-use.  Colliding entries
 * overwrite each other: tracking is loose (an evicted nonce could be
 * replayed within its lifetime), memory is bounded.  The digest `uri`
 * parameter is not compared with the Request-URI.
 */
#define CB_LOG_SUB CB_SUB_SIP

#include <ctype.h>
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "cb_core.h"
#include "sip/registrar.h"

enum {
	NONCE_RND_LEN = 8,
	NONCE_MAC_LEN = 16,
	NONCE_LEN     = 8 + 2 * NONCE_RND_LEN + 2 * NONCE_MAC_LEN,
	REPLAY_SLOTS  = 4096,
};

struct replay_slot {
	uint64_t fp;        /* fingerprint of nonce ":" user, 0 = empty */
	uint32_t nc;
};

static struct {
	const struct cb_config *cfg;   /* borrowed, outlives us       */
	uint8_t key[crypto_auth_hmacsha256_KEYBYTES];
	uint8_t fpkey[crypto_shorthash_KEYBYTES];
	struct replay_slot slots[REPLAY_SLOTS];
	bool ready;
} ra;


int regauth_init(const struct cb_config *cfg)
{
	if (!cfg)
		return EINVAL;
	if (sodium_init() < 0)
		return ENOSYS;

	memset(ra.slots, 0, sizeof(ra.slots));
	randombytes_buf(ra.key, sizeof(ra.key));
	randombytes_buf(ra.fpkey, sizeof(ra.fpkey));
	ra.cfg = cfg;
	ra.ready = true;
	return 0;
}


void regauth_close(void)
{
	sodium_memzero(ra.key, sizeof(ra.key));
	ra.cfg = NULL;
	ra.ready = false;
}


static void nonce_mac(uint8_t mac[NONCE_MAC_LEN], uint32_t ts,
		      const uint8_t rnd[NONCE_RND_LEN])
{
	crypto_auth_hmacsha256_state st;
	uint8_t full[crypto_auth_hmacsha256_BYTES];
	const char *realm = ra.cfg->sip_domain;
	uint8_t tsb[4] = {ts >> 24, ts >> 16, ts >> 8, ts};

	crypto_auth_hmacsha256_init(&st, ra.key, sizeof(ra.key));
	crypto_auth_hmacsha256_update(&st, tsb, sizeof(tsb));
	crypto_auth_hmacsha256_update(&st, rnd, NONCE_RND_LEN);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)realm,
				      strlen(realm));
	crypto_auth_hmacsha256_final(&st, full);
	memcpy(mac, full, NONCE_MAC_LEN);
}


/* pl holds 2 * n validated hex digits */
static void hex_decode(uint8_t *out, const struct pl *pl)
{
	for (size_t i = 0; i < pl->l / 2; i++)
		out[i] = (uint8_t)(ch_hex(pl->p[2 * i]) << 4 |
				   ch_hex(pl->p[2 * i + 1]));
}


static uint32_t now_s(void)
{
	return (uint32_t)(registrar_now() / 1000);
}


static int nonce_make(char *buf, size_t sz)
{
	uint8_t rnd[NONCE_RND_LEN], mac[NONCE_MAC_LEN];
	uint32_t ts = now_s();

	randombytes_buf(rnd, sizeof(rnd));
	nonce_mac(mac, ts, rnd);
	if (re_snprintf(buf, sz, "%08x%w%w", ts, rnd, sizeof(rnd),
			mac, sizeof(mac)) != NONCE_LEN)
		return ENOMEM;
	return 0;
}


/* 0 fresh and ours, ETIMEDOUT expired, EACCES not ours */
static int nonce_verify(const struct pl *nonce)
{
	uint8_t rnd[NONCE_RND_LEN], mac[NONCE_MAC_LEN], want[NONCE_MAC_LEN];
	struct pl tspl, rndpl, macpl;
	uint32_t ts, now;

	if (nonce->l != NONCE_LEN)
		return EACCES;
	for (size_t i = 0; i < NONCE_LEN; i++) {
		if (!isxdigit((unsigned char)nonce->p[i]))
			return EACCES;
	}
	tspl.p = nonce->p;
	tspl.l = 8;
	rndpl.p = tspl.p + tspl.l;
	rndpl.l = 2 * NONCE_RND_LEN;
	macpl.p = rndpl.p + rndpl.l;
	macpl.l = 2 * NONCE_MAC_LEN;
	ts = pl_x32(&tspl);
	hex_decode(rnd, &rndpl);
	hex_decode(mac, &macpl);

	nonce_mac(want, ts, rnd);
	if (sodium_memcmp(want, mac, sizeof(mac)))
		return EACCES;

	now = now_s();
	if (ts > now || now - ts > REGAUTH_NONCE_TTL)
		return ETIMEDOUT;
	return 0;
}


/* EALREADY if nc is not above the last one accepted for nonce+user */
static int replay_check(const struct pl *nonce, const struct pl *user,
			uint32_t nc)
{
	uint8_t in[NONCE_LEN + 1 + 64], out[crypto_shorthash_BYTES];
	struct replay_slot *slot;
	uint64_t fp;
	size_t n;

	if (nonce->l != NONCE_LEN || user->l > 64)
		return EINVAL;
	memcpy(in, nonce->p, nonce->l);
	in[nonce->l] = ':';
	memcpy(in + nonce->l + 1, user->p, user->l);
	n = nonce->l + 1 + user->l;
	crypto_shorthash(out, in, n, ra.fpkey);
	memcpy(&fp, out, sizeof(fp));
	fp |= 1;                    /* 0 marks an empty slot */

	slot = &ra.slots[fp % REPLAY_SLOTS];
	if (slot->fp == fp && nc <= slot->nc)
		return EALREADY;
	slot->fp = fp;
	slot->nc = nc;
	return 0;
}


static const struct cb_user *user_find(const struct cb_config *cfg,
				       const struct pl *name)
{
	for (uint32_t i = 0; i < cfg->userc; i++) {
		if (0 == pl_strcmp(name, cfg->users[i].name))
			return &cfg->users[i];
	}
	return NULL;
}


struct cred_find {
	const char *realm;
	struct httpauth_digest_resp resp;
	bool found;
	bool malformed;
};


static bool cred_handler(const struct sip_hdr *hdr, const struct sip_msg *msg,
			 void *arg)
{
	struct cred_find *cf = arg;
	struct httpauth_digest_resp resp;
	(void)msg;

	if (httpauth_digest_response_decode(&resp, &hdr->val)) {
		cf->malformed = true;
		return false;
	}
	if (pl_strcmp(&resp.realm, cf->realm))
		return false;

	cf->resp = resp;
	cf->found = true;
	return true;
}


static bool nc_parse(uint32_t *ncp, const struct pl *nc)
{
	if (nc->l != 8)
		return false;
	for (size_t i = 0; i < nc->l; i++) {
		if (!isxdigit((unsigned char)nc->p[i]))
			return false;
	}
	*ncp = pl_x32(nc);
	return true;
}


int regauth_check(const struct sip_msg *msg, bool proxy,
		  const struct cb_config *cfg, char *user, size_t usersz)
{
	struct cred_find cf = {.realm = NULL};
	const struct httpauth_digest_resp *r = &cf.resp;
	const struct cb_user *u;
	uint8_t ha1[MD5_SIZE];
	uint32_t nc = 0;
	int err;

	if (!msg || !cfg || !user || !usersz || !ra.ready)
		return EINVAL;

	cf.realm = cfg->sip_domain;
	(void)sip_msg_hdr_apply(msg, true, proxy ? SIP_HDR_PROXY_AUTHORIZATION
				: SIP_HDR_AUTHORIZATION, cred_handler, &cf);
	if (!cf.found)
		return cf.malformed ? EBADMSG : ENOENT;

	if (pl_isset(&r->qop)) {
		if (pl_strcasecmp(&r->qop, "auth"))
			return EACCES;
		if (!nc_parse(&nc, &r->nc) || !pl_isset(&r->cnonce))
			return EBADMSG;
	}

	u = user_find(cfg, &r->username);
	if (!u)
		return EACCES;

	err = md5_printf(ha1, "%s:%s:%s", u->name, cfg->sip_domain,
			 u->password);
	if (err)
		return err;
	err = httpauth_digest_response_auth(r, &msg->met, ha1);
	sodium_memzero(ha1, sizeof(ha1));
	if (err == EAUTH)
		return EACCES;
	if (err)
		return err;

	err = nonce_verify(&r->nonce);
	if (err)
		return ETIMEDOUT;

	err = replay_check(&r->nonce, &r->username, nc);
	if (err)
		return err;

	if (strlen(u->name) >= usersz)
		return ENOMEM;
	str_ncpy(user, u->name, usersz);
	return 0;
}


static int challenge_send(const struct sip_msg *msg, struct sip *sip,
			  bool proxy, bool stale)
{
	char nonce[NONCE_LEN + 1];
	int err;

	err = nonce_make(nonce, sizeof(nonce));
	if (err)
		return err;

	return sip_treplyf(NULL, NULL, sip, msg, false,
			   proxy ? 407 : 401,
			   proxy ? "Proxy Authentication Required"
			   : "Unauthorized",
			   "%s: Digest realm=\"%s\", nonce=\"%s\", "
			   "algorithm=MD5, qop=\"auth\"%s\r\n"
			   "Content-Length: 0\r\n\r\n",
			   proxy ? "Proxy-Authenticate" : "WWW-Authenticate",
			   ra.cfg->sip_domain, nonce,
			   stale ? ", stale=true" : "");
}


int regauth_challenge(const struct sip_msg *msg, struct sip *sip,
		      bool proxy)
{
	if (!msg || !sip || !ra.ready)
		return EINVAL;

	return challenge_send(msg, sip, proxy, false);
}


int regauth_reject(const struct sip_msg *msg, struct sip *sip, bool proxy,
		   int err)
{
	if (!msg || !sip || !ra.ready)
		return EINVAL;

	switch (err) {

	case EBADMSG:
		return sip_treply(NULL, sip, msg, 400, "Bad Authorization");

	case ETIMEDOUT:
	case EALREADY:
		return challenge_send(msg, sip, proxy, true);

	case ENOENT:
	case EACCES:
		return challenge_send(msg, sip, proxy, false);

	default:
		return sip_treply(NULL, sip, msg, 500, "Server Error");
	}
}
