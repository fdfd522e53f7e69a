/**
 * @file sip/ua.c  The SIP user agent: stack, listeners, inbound INVITEs
 *
 * Owns the one libre SIP stack.  Order matters at start-up (libre tries
 * sip_listen handlers in registration order): the request check comes
 * first, then the registrar's REGISTER handler and the OPTIONS handler,
 * then sipsess_listen.  The check answers 400/415/416 to requests that
 * libre parsed but that no handler should see (missing Via/Call-ID/From/
 * To/CSeq, CSeq method mismatch, bad numbers, Content-Length that
 * disagrees with a datagram's body, a Request-URI that is not sip:/sips:,
 * an INVITE body that is not SDP or whose c= lines are unusable), so that
 * nothing downstream acts on them.
 * Inbound INVITEs get a stateless 100 Trying at once (SIPp and most
 * phones expect it) and are then handed to the call model's routing.
 */
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <re.h>
#include "sip.h"
#include "registrar.h"

static struct {
	struct sip *sip;                  /* owned */
	struct sip_lsnr *check;           /* owned */
	struct sipsess_sock *sock;        /* owned */
	struct sip_lsnr *cancel_lsnr;     /* owned */
	const struct cb_config *cfg;      /* borrowed, lives in main.c */
	sipua_invite_h *inviteh;
	void *arg;
	uint32_t rx, tx;                  /* messages, for /metrics */
} ua;


struct sip *sipua_stack(void)
{
	return ua.sip;
}


struct sipsess_sock *sipua_sess_sock(void)
{
	return ua.sock;
}


const struct cb_config *sipua_config(void)
{
	return ua.cfg;
}


uint32_t sipua_stat_rx(void)
{
	return ua.rx;
}


uint32_t sipua_stat_tx(void)
{
	return ua.tx;
}


/** Registered contacts (devices) of every user, for /metrics */
uint32_t sipua_stat_contacts(void)
{
	return registrar_count();
}


/** SIP is listening and accepting calls (for /readyz) */
bool sipua_ready(void)
{
	return ua.sip != NULL && ua.sock != NULL;
}


void sipua_set_invite_h(sipua_invite_h *h, void *arg)
{
	ua.inviteh = h;
	ua.arg = arg;
}


const char *sip_reason(uint16_t scode)
{
	switch (scode) {
	case 180: return "Ringing";
	case 183: return "Session Progress";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 415: return "Unsupported Media Type";
	case 480: return "Temporarily Unavailable";
	case 484: return "Address Incomplete";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 500: return "Server Internal Error";
	case 503: return "Service Unavailable";
	case 600: return "Busy Everywhere";
	case 603: return "Decline";
	case 604: return "Does Not Exist Anywhere";
	default:  return scode < 300 ? "OK" : "Error";
	}
}


int sipua_reject(const struct sip_msg *msg, uint16_t scode,
		 const char *reason)
{
	return sip_treply(NULL, ua.sip, msg, scode,
			  reason ? reason : sip_reason(scode));
}


/** Answer a failed sipua_authenticate(): 407 (stale if due) or 400 */
int sipua_auth_reject(const struct sip_msg *msg, int err)
{
	return regauth_reject(msg, ua.sip, true, err);
}


int sipua_authenticate(const struct sip_msg *msg, char *user, size_t usersz)
{
	return regauth_check(msg, true, ua.cfg, user, usersz);
}


int sipua_lookup(const char *user, sipua_contact_h *h, void *arg)
{
	return registrar_lookup(user, h, arg);
}


/** Is this source one of the configured trusted IPs (sip.trusted)? */
bool sipua_trusted(const struct sa *src)
{
	struct pl rest, item;

	pl_set_str(&rest, ua.cfg->sip_trusted);
	while (rest.l) {
		struct sa sa;
		const char *comma = pl_strchr(&rest, ',');

		item.p = rest.p;
		item.l = comma ? (size_t)(comma - rest.p) : rest.l;
		if (0 == sa_set(&sa, &item, 0) && sa_cmp(&sa, src, SA_ADDR))
			return true;
		if (!comma)
			break;
		pl_advance(&rest, item.l + 1);
	}
	return false;
}


/* a header value that is a decimal number of at most `maxdig` digits */
static bool pl_is_num(const struct pl *pl, size_t maxdig)
{
	if (!pl_isset(pl) || pl->l > maxdig)
		return false;
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
	}
	return true;
}


/* true stops the walk: this Content-Length is not the first one's number */
static bool clen_handler(const struct sip_hdr *hdr,
			 const struct sip_msg *msg, void *arg)
{
	const struct pl *first = arg;
	(void)msg;

	return !pl_is_num(&hdr->val, 9) || pl_cmp(&hdr->val, first);
}


/**
 * Basic validity of a request that libre parsed.  Returns 0, or the status
 * to answer and its reason.  Over UDP a body longer than Content-Length is
 * cut to it (RFC 3261 18.3); a shorter one is an error.
 */
uint16_t sipua_msg_check(const struct sip_msg *msg, const char **reasonp)
{
	const struct sip_hdr *cseq, *clen;
	struct pl num, met;
	size_t body;

	*reasonp = "Bad Request";

	/* without a Via a UDP reply cannot be routed; TCP gets the 400 */
	if (!pl_isset(&msg->via.sentby) || !pl_isset(&msg->callid) ||
	    !pl_isset(&msg->from.auri) || !pl_isset(&msg->to.auri)) {
		*reasonp = "Missing Header";
		return 400;
	}

	cseq = sip_msg_hdr(msg, SIP_HDR_CSEQ);
	if (!cseq || re_regex(cseq->val.p, cseq->val.l, "[^ \t]+[ \t]+[^ \t]+",
			      &num, NULL, &met)) {
		*reasonp = "Bad CSeq";
		return 400;
	}
	/* RFC 3261 8.1.1.5: the number is below 2**31 */
	if (!pl_is_num(&num, 10) || pl_u64(&num) >= 0x80000000ULL) {
		*reasonp = "Bad CSeq";
		return 400;
	}
	if (pl_cmp(&met, &msg->met)) {
		*reasonp = "CSeq Method Mismatch";
		return 400;
	}

	if (pl_isset(&msg->maxfwd) &&
	    (!pl_is_num(&msg->maxfwd, 3) || pl_u32(&msg->maxfwd) > 255)) {
		*reasonp = "Bad Max-Forwards";
		return 400;
	}

	if (pl_strcasecmp(&msg->uri.scheme, "sip") &&
	    pl_strcasecmp(&msg->uri.scheme, "sips")) {
		*reasonp = "Unsupported URI Scheme";
		return 416;
	}
	if (!pl_isset(&msg->uri.host))
		return 400;

	if (!pl_strcmp(&msg->met, "INVITE") &&
	    !sip_msg_hdr(msg, SIP_HDR_CONTACT)) {
		*reasonp = "Missing Contact";
		return 400;
	}

	clen = sip_msg_hdr(msg, SIP_HDR_CONTENT_LENGTH);
	if (clen) {
		if (sip_msg_hdr_apply(msg, true, SIP_HDR_CONTENT_LENGTH,
				      clen_handler, (void *)&clen->val)) {
			*reasonp = "Bad Content-Length";
			return 400;
		}
		body = mbuf_get_left(msg->mb);
		if (msg->tp == SIP_TRANSP_UDP && pl_u32(&clen->val) > body) {
			*reasonp = "Content-Length Exceeds Body";
			return 400;
		}
		if (pl_u32(&clen->val) < body)
			msg->mb->end = msg->mb->pos + pl_u32(&clen->val);
	}
	/* without Content-Length (UDP only: TCP framing needs it) the
	 * datagram's rest is the body */

	if (!pl_strcmp(&msg->met, "INVITE") && mbuf_get_left(msg->mb)) {
		struct pl sdp;

		if (!sipleg_sdp_has_body(msg)) {
			*reasonp = "Unsupported Media Type";
			return 415;
		}
		sdp.p = (const char *)mbuf_buf(msg->mb);
		sdp.l = mbuf_get_left(msg->mb);
		if (sipleg_sdp_check(&sdp)) {
			*reasonp = "Bad SDP Connection Address";
			return 400;
		}
	}

	return 0;
}


/* first listener: answer what no handler should see */
static bool check_handler(const struct sip_msg *msg, void *arg)
{
	const char *reason;
	uint16_t scode;
	(void)arg;

	scode = sipua_msg_check(msg, &reason);
	if (!scode)
		return false;

	log_info(NULL, "%r from %J refused: %u %s", &msg->met, &msg->src,
		 scode, reason);
	if (!pl_strcmp(&msg->met, "ACK"))
		return true;
	if (scode == 415)
		(void)sip_replyf(ua.sip, msg, scode, reason,
				 "Accept: application/sdp\r\n"
				 "Content-Length: 0\r\n\r\n");
	else
		(void)sip_reply(ua.sip, msg, scode, reason);
	return true;
}


static void invite_handler(const struct sip_msg *msg, void *arg)
{
	(void)arg;

	/* stateless: a retransmitted INVITE gets another 100, harmless */
	(void)sip_reply(ua.sip, msg, 100, "Trying");
	if (sipleg_pending_retransmit(msg))
		return;

	if (!ua.inviteh) {
		(void)sipua_reject(msg, 503, NULL);
		return;
	}
	ua.inviteh(msg, ua.arg);
}


/* CANCEL of an INVITE we have not answered yet (see sipleg_in.c) */
static bool cancel_handler(const struct sip_msg *msg, void *arg)
{
	(void)arg;

	if (pl_strcmp(&msg->met, "CANCEL"))
		return false;
	return sipleg_pending_cancel(msg);
}


static void trace_handler(bool tx, enum sip_transp tp,
			  const struct sa *src, const struct sa *dst,
			  const uint8_t *pkt, size_t len, void *arg)
{
	(void)tp; (void)src; (void)dst; (void)pkt; (void)len; (void)arg;

	if (tx)
		++ua.tx;
	else
		++ua.rx;
}


/*
 * libre 1.1.0 has no API for the SIP socket's receive buffer, and the
 * default one drops bursts at a few hundred calls/s.  Find our UDP
 * listener's fd by its local address and enlarge the buffer.
 */
static void udp_rcvbuf_raise(const struct sa *laddr)
{
	int size = 4 * 1024 * 1024;

	for (int fd = 3; fd < 1024; fd++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int type;
		socklen_t tl = sizeof(type);
		struct sa sa;

		if (getsockname(fd, (struct sockaddr *)&ss, &sl))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) ||
		    type != SOCK_DGRAM)
			continue;
		if (sa_set_sa(&sa, (struct sockaddr *)&ss))
			continue;
		if (!sa_cmp(&sa, laddr, SA_ALL))
			continue;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
			       sizeof(size)))
			(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
					 sizeof(size));
	}
}


static int listen_add(const char *spec)
{
	enum sip_transp tp;
	struct sa laddr;
	int err;

	tp = !strncmp(spec, "tcp:", 4) ? SIP_TRANSP_TCP : SIP_TRANSP_UDP;
	err = sa_decode(&laddr, spec + 4, strlen(spec + 4));
	if (err)
		return err;

	err = sip_transp_add(ua.sip, tp, &laddr);
	if (err) {
		log_err(NULL, "cannot listen on %s (%m)", spec, err);
		return err;
	}
	if (tp == SIP_TRANSP_UDP)
		udp_rcvbuf_raise(&laddr);

	log_info(NULL, "listening on %s", spec);
	return 0;
}


int sipua_init(const struct cb_config *cfg)
{
	int err;

	if (!cfg)
		return EINVAL;

	ua.cfg = cfg;

	err = sip_alloc(&ua.sip, NULL, 4096, 4096, 4096, cfg->sip_user_agent,
			NULL, NULL);
	if (err)
		goto out;

	for (uint32_t i = 0; i < cfg->sip_listenc; i++) {
		err = listen_add(cfg->sip_listen[i]);
		if (err)
			goto out;
	}

	sip_set_trace_handler(ua.sip, trace_handler);

	err = sip_listen(&ua.check, ua.sip, true, check_handler, NULL);
	if (err)
		goto out;

	err = registrar_init(ua.sip, cfg);
	if (err)
		goto out;

	err = options_init(ua.sip);
	if (err)
		goto out;

	err = sipleg_pending_init();
	if (err)
		goto out;
	err = sip_listen(&ua.cancel_lsnr, ua.sip, true, cancel_handler, NULL);
	if (err)
		goto out;

	err = sipsess_listen(&ua.sock, ua.sip, 1024, invite_handler, NULL);

 out:
	if (err)
		sipua_close();
	return err;
}


void sipua_close(void)
{
	if (ua.sock)
		sipsess_close_all(ua.sock);
	ua.sock = mem_deref(ua.sock);
	ua.cancel_lsnr = mem_deref(ua.cancel_lsnr);
	sipleg_pending_close();
	options_close();
	registrar_close();
	ua.check = mem_deref(ua.check);
	if (ua.sip)
		sip_close(ua.sip, false);
	ua.sip = mem_deref(ua.sip);
	ua.inviteh = NULL;
}


int sipua_debug(struct re_printf *pf, void *unused)
{
	(void)unused;
	return re_hprintf(pf, "sip: rx=%u tx=%u registrations=%u "
			  "refused_start_lines=%llu\n", ua.rx, ua.tx,
			  registrar_count(),
			  (unsigned long long)sipguard_refused());
}
