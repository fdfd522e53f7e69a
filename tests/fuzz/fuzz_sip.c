/**
 * @file fuzz/fuzz_sip.c  libFuzzer target: everything we parse from peers
 *
 * One input is read the ways callbridge reads network and operator text,
 * so that one corpus (tests/corpus/sip/, whole SIP messages plus a few
 * HTTP requests and config snippets) seeds all of them:
 *
 *   - as a SIP message through libre's sip_msg_decode(), then our request
 *     check (sipua_msg_check(), over UDP and TCP framing), the INFO digit
 *     parser, phone-number normalisation of the Request-URI, From and To
 *     users, and, for an SDP body, our c= check and the offer/answer path
 *     a leg runs: our session, libre's sdp_decode(), sipleg_sdp_params()
 *     and the encoded answer;
 *   - as an HTTP request through libre's http_msg_decode(), then the API
 *     route matcher and the JSON body check;
 *   - line by line as config (`key value`, cb_config_set()) and as dial
 *     strings (number_like(), number_normalize()).
 *
 * Nothing here needs the event loop: no sockets, no timers.  Any crash,
 * sanitizer report or leak is a bug in the code under test.
 *
 * Inputs that do not start with a plausible start line skip libre's
 * decoders (start_line_ok()): libre 1.1.0 looks for the start line with a
 * backtracking re_regex() over the whole buffer, quadratic in the length
 * of space-free lines (an 8 KB datagram of one such line costs ~0.2 s in
 * the release daemon; see docs/testing.md), and the fuzzer would spend
 * its time there instead of in our code.
 *
 *   make fuzz && build-fuzz/fuzz_sip -max_total_time=60 tests/corpus/sip
 */
#include <string.h>
#include <re.h>
#define DEBUG_MODULE "fuzz_sip"
#define DEBUG_LEVEL 0
#include <re_dbg.h>
#include "sip/sip.h"

/*
 * From src/call/call.h and src/api/api.h, which cannot be included next
 * to sip/sip.h (the private headers each include cb_core.h and define
 * CB_LOG_SUB).
 */
int  number_normalize(char *out, size_t sz, const char *in,
		      const char *country_code);
bool number_like(const char *s);
int  api_route_lookup(const struct pl *met, const struct pl *path);
int  api_body_decode(struct odict **odp, const char *p, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);


static void fz_dial(const char *s)
{
	char out[32];

	(void)number_like(s);
	(void)number_normalize(out, sizeof(out), s, "1");
	(void)number_normalize(out, sizeof(out), s, "44");
	(void)number_normalize(out, sizeof(out), s, "");
	(void)number_normalize(out, 4, s, "1");
}


static void fz_dial_pl(const struct pl *pl)
{
	char buf[128];

	if (!pl_isset(pl) || pl->l >= sizeof(buf))
		return;
	(void)pl_strcpy(pl, buf, sizeof(buf));
	fz_dial(buf);
}


/* the offer/answer path of a leg, on our own session */
static void fz_sdp(struct mbuf *body)
{
	struct sdp_session *sess = NULL;
	struct sdp_media *m = NULL;
	struct media_params prm;
	struct mbuf *desc = NULL;
	struct sa laddr;
	size_t pos = body->pos;

	(void)sa_set_str(&laddr, "127.0.0.1", 20000);

	/* as an offer from the peer: INVITE or re-INVITE */
	if (sipleg_sdp_session(&sess, &m, &laddr))
		return;
	if (!sdp_decode(sess, body, true)) {
		(void)sipleg_sdp_params(m, &prm);
		if (!sdp_encode(&desc, sess, false))
			desc = mem_deref(desc);
	}
	sess = mem_deref(sess);
	body->pos = pos;

	/* as the answer to our offer: 18x/200 from the trunk or a phone */
	if (sipleg_sdp_session(&sess, &m, &laddr))
		return;
	if (!sdp_encode(&desc, sess, true)) {
		desc = mem_deref(desc);
		if (!sdp_decode(sess, body, false))
			(void)sipleg_sdp_params(m, &prm);
	}
	mem_deref(sess);
	body->pos = pos;
}


/* the check may cut the body to Content-Length: each pass starts afresh */
static void fz_rewind(struct mbuf *mb, size_t size)
{
	mb->pos = 0;
	mb->end = size;
}


static void fz_sip(struct mbuf *mb, size_t size, enum sip_transp tp)
{
	struct sip_msg *msg = NULL;
	const char *reason;

	fz_rewind(mb, size);
	if (sip_msg_decode(&msg, mb))
		return;

	msg->tp = tp;
	if (!msg->req || sipua_msg_check(msg, &reason)) {
		mem_deref(msg);
		return;
	}

	fz_dial_pl(&msg->uri.user);
	fz_dial_pl(&msg->from.uri.user);
	fz_dial_pl(&msg->to.uri.user);

	if (!pl_strcasecmp(&msg->ctyp.type, "application"))
		(void)sipleg_info_digit(msg);

	if (sipleg_sdp_has_body(msg)) {
		struct pl sdp;

		sdp.p = (const char *)mbuf_buf(msg->mb);
		sdp.l = mbuf_get_left(msg->mb);
		if (!sipleg_sdp_check(&sdp))
			fz_sdp(msg->mb);
	}

	mem_deref(msg);
}


static void fz_http(struct mbuf *mb, size_t size)
{
	struct http_msg *msg = NULL;
	struct odict *od = NULL;

	fz_rewind(mb, size);
	if (http_msg_decode(&msg, mb, true))
		return;

	(void)api_route_lookup(&msg->met, &msg->path);
	if (mbuf_get_left(mb)) {
		(void)api_body_decode(&od, (const char *)mbuf_buf(mb),
				      mbuf_get_left(mb));
		mem_deref(od);
	}
	mem_deref(msg);
}


/*
 * The first lines as `key value` config and as dial strings (a config
 * file is short; beyond 64 lines the fuzzer would spend its time in the
 * key lookup's string compares instead of finding new paths)
 */
static void fz_lines(const uint8_t *data, size_t size)
{
	static struct cb_config cfg;
	char line[600];
	size_t i = 0;
	unsigned lines = 0;

	(void)cb_config_defaults(&cfg);

	while (i < size && lines++ < 64) {
		size_t n = 0;
		char *val;

		while (i < size && data[i] != '\n' && n < sizeof(line) - 1)
			line[n++] = (char)data[i++];
		while (i < size && data[i] != '\n')
			++i;
		++i;
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (strlen(line) != n)
			continue;   /* NUL inside: not a C string line */

		fz_dial(line);

		val = line + strcspn(line, " \t");
		if (*val)
			*val++ = '\0';
		(void)cb_config_set(&cfg, line, val);
	}

	(void)cb_config_finish(&cfg);
}


int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;

	/* quiet: the code under test may log at info, libre warns about
	 * every malformed JSON value */
	dbg_init(DBG_EMERG, 0);
	for (int s = 0; s < CB_SUB_MAX; s++)
		cb_log_level_set((enum cb_sub)s, CB_LVL_ERROR);
	return 0;
}


/*
 * Does the input start with what libre's decoders look for first,
 * "token SP token SP rest LF"?  libre finds that with re_regex() and then
 * refuses any match that is not at the start, so when this is false the
 * decode fails anyway -- after a scan that is quadratic in the length of
 * space-free lines.
 */
static bool start_line_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;

	for (int tok = 0; tok < 2; tok++) {
		size_t st = i;

		while (i < n && p[i] != ' ' && p[i] != '\t' &&
		       p[i] != '\r' && p[i] != '\n')
			++i;
		if (i == st || i == n || p[i] != ' ')
			return false;
		++i;
	}
	return memchr(p + i, '\n', n - i) != NULL;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbuf *mb;

	if (size > 128 * 1024)
		return 0;

	mb = mbuf_alloc(size ? size : 1);
	if (!mb)
		return 0;
	(void)mbuf_write_mem(mb, data, size);

	if (start_line_ok(data, size)) {
		fz_sip(mb, size, SIP_TRANSP_UDP);
		fz_sip(mb, size, SIP_TRANSP_TCP);
		fz_http(mb, size);
	}
	fz_lines(data, size);

	mem_deref(mb);
	return 0;
}
