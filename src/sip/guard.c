/**
 * @file sip/guard.c  A cheap start-line check in front of libre's parser
 *
 * libre 1.1.0 finds the SIP start line with a backtracking regular
 * expression over the whole buffer: one 8 KB datagram made of a single
 * line without spaces costs it about 0.24 s of CPU, so ten such packets a
 * second from anyone freeze the daemon.  libre offers no hook in front of
 * its decoder, but its transports call the exported sip_msg_decode()
 * through the PLT; this file defines sip_msg_decode() in the executable
 * (exported dynamically, see the Makefile) so that every message, UDP or
 * TCP, passes here first.  What fails the shape of a start line --
 * "METHOD SP URI SP SIP/2.0" or "SIP/2.0 SP CODE SP REASON", within the
 * first 8 KB -- is refused with EBADMSG before the regex ever runs (libre
 * drops it, as it would drop any undecodable message); a line not yet
 * complete is ENODATA, as libre itself answers, so TCP waits for more;
 * everything else is handed to libre's own function, found with
 * dlsym(RTLD_NEXT).
 */
#include <dlfcn.h>
#include <string.h>
#include <re.h>
#include "sip.h"

enum { LINE_MAX_ = 8192 };

typedef int (decode_h)(struct sip_msg **msgp, struct mbuf *mb);

static decode_h *libre_decode;
static uint64_t refused;


/**
 * Does `p[0..n)` start with a plausible SIP start line?  0 if so,
 * ENODATA if the line is not complete yet (TCP: wait for more), EBADMSG
 * if it can never be one.  The method is not checked beyond "no space":
 * libre answers odd methods itself (501).
 */
int sipguard_start_line(const char *p, size_t n)
{
	const char *eol, *sp1, *sp2;
	size_t len;

	/* keep-alive CRLFs before a message are allowed */
	while (n && (*p == '\r' || *p == '\n')) {
		++p;
		--n;
	}

	eol = memchr(p, '\n', n < LINE_MAX_ ? n : LINE_MAX_);
	if (!eol)
		return n < LINE_MAX_ ? ENODATA : EBADMSG;
	len = (size_t)(eol - p);
	if (len && p[len - 1] == '\r')
		--len;

	sp1 = memchr(p, ' ', len);
	if (!sp1 || sp1 == p)
		return EBADMSG;
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - p));
	if (!sp2 || sp2 == sp1 + 1)
		return EBADMSG;

	/* response: "SIP/2.0 200 OK" */
	if (sp1 - p == 7 && !memcmp(p, "SIP/2.0", 7))
		return sp2 - sp1 == 4 ? 0 : EBADMSG;

	/* request: "INVITE sip:x SIP/2.0" */
	if ((size_t)(p + len - (sp2 + 1)) == 7 &&
	    !memcmp(sp2 + 1, "SIP/2.0", 7))
		return 0;
	return EBADMSG;
}


int sip_msg_decode(struct sip_msg **msgp, struct mbuf *mb)
{
	if (!libre_decode) {
		libre_decode = (decode_h *)dlsym(RTLD_NEXT, "sip_msg_decode");
		if (!libre_decode)
			return ENOSYS;
	}

	if (mb) {
		int err = sipguard_start_line((const char *)mbuf_buf(mb),
					      mbuf_get_left(mb));
		if (err) {
			if (err == EBADMSG)
				++refused;
			return err;
		}
	}

	return libre_decode(msgp, mb);
}


uint64_t sipguard_refused(void)
{
	return refused;
}
