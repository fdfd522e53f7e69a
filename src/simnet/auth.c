/**
 * @file simnet/auth.c  Proxy digest authentication of INVITEs (--auth)
 *
 * Carriers authenticate trunk INVITEs; so does the simulated one when
 * given --auth user:password, to exercise callbridge's trunk credentials.
 * An INVITE without credentials for realm "simnet", or with an expired
 * nonce, is challenged with 407 Proxy-Authenticate (stale=true in the
 * latter case).  Credentials for our realm that do not verify get 403:
 * re-challenging would only make the caller retry the same password.
 * Nonces are libre's stateless ones (a keyed hash of the time, valid
 * 300 s); qop=auth, MD5.
 */
#include <string.h>
#include <re.h>
#define CB_LOG_SUB CB_SUB_SIM
#include "cb_core.h"
#include "simnet.h"


static const char realm[] = "simnet";


static int ha1_handler(const struct pl *username, uint8_t *ha1, void *arg)
{
	const struct sim_config *cfg = arg;

	if (pl_strcmp(username, cfg->auth_user))
		return EACCES;

	return md5_printf(ha1, "%s:%s:%s", cfg->auth_user, realm,
			  cfg->auth_pass);
}


/**
 * True when the INVITE carries valid credentials.  Otherwise the INVITE
 * has been answered (407 or 403) and must not be processed further.
 */
bool sim_auth_check(struct simnet *sn, const struct sip_msg *msg,
		    const char *number)
{
	struct http_auth auth = {.realm = realm, .stale = false};
	struct httpauth_digest_resp resp;
	const struct sip_hdr *hdr;
	int err;

	hdr = sip_msg_hdr(msg, SIP_HDR_PROXY_AUTHORIZATION);
	if (hdr && !httpauth_digest_response_decode(&resp, &hdr->val) &&
	    0 == pl_strcasecmp(&resp.realm, realm)) {

		if (http_auth_check(&hdr->val, &msg->met, &auth, ha1_handler,
				    (void *)sn->cfg))
			return true;

		if (!auth.stale) {
			log_warn(NULL, "INVITE for %s: wrong credentials for "
				 "user '%r'", number, &resp.username);
			simnet_reject(sn, msg, number, 403, "auth");
			return false;
		}
	}

	log_debug(NULL, "INVITE for %s challenged%s", number,
		  auth.stale ? " (stale nonce)" : "");

	err = sip_treplyf(NULL, NULL, sn->sip, msg, false, 407,
			  sim_reason(407),
			  "Proxy-Authenticate: %H\r\n"
			  "Content-Length: 0\r\n"
			  "\r\n",
			  http_auth_print_challenge, &auth);
	if (err)
		log_warn(NULL, "cannot send 407: %m", err);

	return false;
}
