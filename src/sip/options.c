/**
 * @file sip/options.c  OPTIONS: answer keep-alive pings
 *
 * Trunks and proxies (Kamailio's dispatcher, carriers) ping with OPTIONS
 * to see whether we are alive.  Out-of-dialog OPTIONS get 200 with what we
 * support; everything else falls through to the next handler.
 */
#include <re.h>
#include "sip.h"

static struct sip_lsnr *lsnr;


static bool options_handler(const struct sip_msg *msg, void *arg)
{
	struct sip *sip = arg;

	if (pl_strcmp(&msg->met, "OPTIONS"))
		return false;
	if (pl_isset(&msg->to.tag))
		return false;   /* in-dialog: sipsess answers it */

	(void)sip_treplyf(NULL, NULL, sip, msg, false, 200, "OK",
			  "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, "
			  "REGISTER\r\n"
			  "Accept: application/sdp\r\n"
			  "Content-Length: 0\r\n\r\n");
	return true;
}


int options_init(struct sip *sip)
{
	return sip_listen(&lsnr, sip, true, options_handler, sip);
}


void options_close(void)
{
	lsnr = mem_deref(lsnr);
}
