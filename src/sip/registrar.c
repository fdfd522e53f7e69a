/**
 * @file sip/registrar.c  Registrar: REGISTER handling, bindings, expiry
 *
 * One address-of-record (struct aor) per configured user that has at
 * least one live binding, kept in a hash by user name; each aor holds up
 * to REGISTRAR_MAX_BINDINGS bindings (one per device).  A binding
 * remembers the Contact URI and, because calls to the device must go
 * where its REGISTER came from (NAT), the source address and transport.
 *
 * A REGISTER is processed in the order of RFC 3261 10.3: Require (420),
 * digest (401), To user = authenticated user (403), then the Contacts
 * are parsed and checked in full (400, 423, 403 over the limit, 500 for
 * an out-of-order CSeq) before anything changes; the new bindings are
 * allocated before the first one is applied, so a failed REGISTER leaves
 * the bindings as they were.  Replies go through libre's server
 * transactions, so a retransmitted REGISTER gets the cached reply and is
 * never processed twice.
 *
 * Expiry is one sweep timer (SWEEP_MS) for all bindings, running only
 * while there are bindings; lookups skip bindings past their expiry that
 * the sweep has not reached yet.  Contact URIs are compared as strings
 * (no RFC 3261 19.1.4 URI equivalence); a `+sip.instance` equal to a
 * binding's replaces that binding (a phone that restarted on a new port).
 */
#define CB_LOG_SUB CB_SUB_SIP

#include <string.h>
#include <time.h>
#include <re.h>
#include "cb_core.h"
#include "sip/registrar.h"

enum {
	SWEEP_MS        = 1000,
	DEFAULT_EXPIRES = 3600,
	MAX_CALLID      = 256,
	MAX_CONTACT     = 1024,     /* whole Contact value              */
	MAX_URI         = 512,
	MAX_INSTANCE    = 256,
	AOR_HASH_SIZE   = 64,
};

struct aor {
	struct le he;
	char *user;
	struct list bindl;          /* struct binding, oldest first     */
};

struct binding {
	struct le le;
	char *uri;
	char *instance;             /* +sip.instance, or NULL            */
	char *callid;               /* shared by one REGISTER's bindings */
	uint32_t cseq;
	struct sa src;              /* where the REGISTER came from      */
	enum sip_transp tp;
	uint64_t expires;           /* registrar_now() milliseconds      */
	bool counted;               /* linked and in reg.count           */
};

/** One Contact of the REGISTER being processed */
struct contact_req {
	struct pl uri;
	struct pl instance;
	uint32_t expires;           /* seconds, clamped; 0 = remove     */
	struct binding *b;          /* the existing binding it matches  */
	struct binding *nb;         /* new binding, allocated up front  */
};

struct reg_req {
	const struct sip_msg *msg;
	const char *ctx;
	struct contact_req cv[REGISTRAR_MAX_BINDINGS];
	uint32_t cc;
	uint32_t hexpires;          /* Expires header, if has_hexpires  */
	bool has_hexpires;
	bool wildcard;
	bool too_brief;
	uint16_t scode;             /* first failure, 0 = none          */
	const char *reason;
};

static struct {
	struct sip *sip;
	const struct cb_config *cfg;      /* borrowed, outlives us   */
	struct sip_lsnr *lsnr;
	struct hash *aors;
	struct tmr sweep;
	uint32_t count;                   /* linked bindings         */
	uint64_t skew;                    /* tests only              */
	registrar_change_h *changeh;
	void *arg;
} reg;


/* ---- clock ----------------------------------------------------------- */

uint64_t registrar_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + reg.skew;
}


void registrar_clock_skew(uint64_t ms)
{
	reg.skew += ms;
}


/* ---- objects --------------------------------------------------------- */

static void binding_destructor(void *arg)
{
	struct binding *b = arg;

	/* list_flush() clears le.list before the deref, hence the flag */
	list_unlink(&b->le);
	if (b->counted)
		--reg.count;
	mem_deref(b->uri);
	mem_deref(b->instance);
	mem_deref(b->callid);
}


static void aor_destructor(void *arg)
{
	struct aor *aor = arg;

	hash_unlink(&aor->he);
	list_flush(&aor->bindl);
	mem_deref(aor->user);
}


static bool aor_cmp(struct le *le, void *arg)
{
	const struct aor *aor = le->data;

	return 0 == strcmp(aor->user, arg);
}


static struct aor *aor_find(const char *user)
{
	return list_ledata(hash_lookup(reg.aors, hash_joaat_str(user),
				       aor_cmp, (void *)user));
}


static int aor_get(struct aor **aorp, const char *user)
{
	struct aor *aor = aor_find(user);
	int err;

	if (aor) {
		*aorp = aor;
		return 0;
	}

	aor = mem_zalloc(sizeof(*aor), aor_destructor);
	if (!aor)
		return ENOMEM;
	err = str_dup(&aor->user, user);
	if (err) {
		mem_deref(aor);
		return err;
	}
	hash_append(reg.aors, hash_joaat_str(user), &aor->he, aor);
	*aorp = aor;
	return 0;
}


/* drop bindings past their expiry; returns how many remain */
static uint32_t aor_purge(struct aor *aor, uint64_t now)
{
	struct le *le = aor->bindl.head;

	while (le) {
		struct binding *b = le->data;

		le = le->next;
		if (b->expires <= now) {
			log_info(NULL, "user=%s contact expired uri=%s",
				 aor->user, b->uri);
			mem_deref(b);
		}
	}
	return list_count(&aor->bindl);
}


static void notify(const char *user, uint32_t before, uint32_t after)
{
	if (before != after && reg.changeh)
		reg.changeh(user, after, reg.arg);
}


static void sweep_handler(void *arg);


static void sweep_arm(void)
{
	if (reg.count && !tmr_isrunning(&reg.sweep))
		tmr_start(&reg.sweep, SWEEP_MS, sweep_handler, NULL);
}


static bool sweep_aor(struct le *le, void *arg)
{
	struct aor *aor = le->data;
	const uint64_t *now = arg;
	uint32_t before = list_count(&aor->bindl), after;

	after = aor_purge(aor, *now);
	notify(aor->user, before, after);
	if (!after)
		mem_deref(aor);
	return false;
}


static void sweep_handler(void *arg)
{
	uint64_t now = registrar_now();
	(void)arg;

	(void)hash_apply(reg.aors, sweep_aor, &now);
	sweep_arm();
}


/* ---- request parsing ------------------------------------------------- */

/* strict decimal: 1-10 digits; above 2^32-1 reads as 2^32-1 (RFC 3261) */
static int expires_parse(uint32_t *vp, const struct pl *pl)
{
	uint64_t v = 0;

	if (!pl->l || pl->l > 10)
		return EBADMSG;
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return EBADMSG;
		v = v * 10 + (uint64_t)(pl->p[i] - '0');
	}
	*vp = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	return 0;
}


static bool req_fail(struct reg_req *rq, uint16_t scode, const char *reason)
{
	if (!rq->scode) {
		rq->scode = scode;
		rq->reason = reason;
	}
	return true;
}


static bool contact_handler(const struct sip_hdr *hdr,
			    const struct sip_msg *msg, void *arg)
{
	const struct cb_config *cfg = reg.cfg;
	struct reg_req *rq = arg;
	struct contact_req *c;
	struct sip_addr addr;
	struct pl pv;
	uint32_t exp;
	(void)msg;

	if (0 == pl_strcmp(&hdr->val, "*")) {
		rq->wildcard = true;
		return false;
	}
	if (rq->cc >= REGISTRAR_MAX_BINDINGS)
		return req_fail(rq, 403, "Too Many Contacts");
	if (hdr->val.l > MAX_CONTACT || sip_addr_decode(&addr, &hdr->val))
		return req_fail(rq, 400, "Bad Contact");
	if (addr.auri.l > MAX_URI)
		return req_fail(rq, 400, "Contact URI Too Long");
	if (pl_strcasecmp(&addr.uri.scheme, "sip") &&
	    pl_strcasecmp(&addr.uri.scheme, "sips"))
		return req_fail(rq, 400, "Unsupported Contact URI");

	if (0 == msg_param_decode(&addr.params, "expires", &pv)) {
		if (expires_parse(&exp, &pv))
			return req_fail(rq, 400, "Bad Contact Expires");
	}
	else if (rq->has_hexpires) {
		exp = rq->hexpires;
	}
	else {
		exp = MAX(MIN(DEFAULT_EXPIRES, cfg->reg_max_expires),
			  cfg->reg_min_expires);
	}

	if (exp && exp < cfg->reg_min_expires)
		rq->too_brief = true;
	exp = MIN(exp, cfg->reg_max_expires);

	c = &rq->cv[rq->cc++];
	memset(c, 0, sizeof(*c));
	c->uri = addr.auri;
	c->expires = exp;
	if (0 == msg_param_decode(&addr.params, "+sip.instance", &pv)) {
		if (!pv.l || pv.l > MAX_INSTANCE)
			return req_fail(rq, 400, "Bad Instance");
		c->instance = pv;
	}
	return false;
}


/* fills rq->cv from the message; rq->scode set on failure */
static void req_parse(struct reg_req *rq)
{
	const struct sip_msg *msg = rq->msg;
	const struct sip_hdr *hdr;

	if (!pl_isset(&msg->callid) || msg->callid.l > MAX_CALLID) {
		req_fail(rq, 400, "Bad Call-ID");
		return;
	}
	if (sip_msg_hdr_count(msg, SIP_HDR_EXPIRES) > 1) {
		req_fail(rq, 400, "Bad Expires");
		return;
	}
	hdr = sip_msg_hdr(msg, SIP_HDR_EXPIRES);
	if (hdr) {
		if (expires_parse(&rq->hexpires, &hdr->val)) {
			req_fail(rq, 400, "Bad Expires");
			return;
		}
		rq->has_hexpires = true;
	}
	if (sip_msg_hdr_count(msg, SIP_HDR_CONTACT) > REGISTRAR_MAX_BINDINGS) {
		req_fail(rq, 403, "Too Many Contacts");
		return;
	}

	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_handler,
				rq);
	if (rq->scode)
		return;

	if (rq->wildcard && (rq->cc || !rq->has_hexpires || rq->hexpires ||
			     sip_msg_hdr_count(msg, SIP_HDR_CONTACT) != 1)) {
		req_fail(rq, 400, "Bad Wildcard");
		return;
	}
	if (rq->too_brief)
		req_fail(rq, 423, "Interval Too Brief");
}


/* ---- matching against the current bindings --------------------------- */

static bool pl_streq(const struct pl *pl, const char *s)
{
	return s ? 0 == pl_strcmp(pl, s) : !pl_isset(pl);
}


static struct binding *binding_match(const struct aor *aor,
				     const struct contact_req *c)
{
	struct le *le;

	for (le = aor->bindl.head; le; le = le->next) {
		struct binding *b = le->data;

		if (0 == pl_strcmp(&c->uri, b->uri))
			return b;
	}
	if (!pl_isset(&c->instance))
		return NULL;
	for (le = aor->bindl.head; le; le = le->next) {
		struct binding *b = le->data;

		if (b->instance && 0 == pl_strcmp(&c->instance, b->instance))
			return b;
	}
	return NULL;
}


/* RFC 3261 10.3 step 7: same Call-ID needs a higher CSeq */
static bool out_of_order(const struct binding *b, const struct sip_msg *msg)
{
	return 0 == pl_strcmp(&msg->callid, b->callid) &&
		msg->cseq.num <= b->cseq;
}


static void req_match(struct reg_req *rq, struct aor *aor)
{
	uint32_t count = aor ? list_count(&aor->bindl) : 0;
	struct le *le;

	if (rq->wildcard) {
		for (le = aor ? aor->bindl.head : NULL; le; le = le->next) {
			if (out_of_order(le->data, rq->msg)) {
				req_fail(rq, 500, "Out Of Order");
				return;
			}
		}
		return;
	}

	for (uint32_t i = 0; i < rq->cc; i++) {
		struct contact_req *c = &rq->cv[i];

		c->b = aor ? binding_match(aor, c) : NULL;
		for (uint32_t j = 0; j < i; j++) {
			if (!pl_cmp(&rq->cv[j].uri, &c->uri) ||
			    (c->b && rq->cv[j].b == c->b)) {
				req_fail(rq, 400, "Duplicate Contact");
				return;
			}
		}
		if (c->b && out_of_order(c->b, rq->msg)) {
			req_fail(rq, 500, "Out Of Order");
			return;
		}
		if (!c->expires) {
			if (c->b)
				--count;
		}
		else if (!c->b) {
			++count;
		}
	}
	if (count > REGISTRAR_MAX_BINDINGS)
		req_fail(rq, 403, "Too Many Contacts");
}


/* allocate every new binding before changing anything */
static int req_prealloc(struct reg_req *rq)
{
	int err = 0;

	for (uint32_t i = 0; i < rq->cc && !err; i++) {
		struct contact_req *c = &rq->cv[i];
		struct binding *nb;

		if (!c->expires)
			continue;
		if (c->b && pl_streq(&c->uri, c->b->uri) &&
		    pl_streq(&c->instance, c->b->instance))
			continue;        /* a refresh, updated in place */

		nb = mem_zalloc(sizeof(*nb), binding_destructor);
		if (!nb)
			return ENOMEM;
		c->nb = nb;
		err = pl_strdup(&nb->uri, &c->uri);
		if (!err && pl_isset(&c->instance))
			err = pl_strdup(&nb->instance, &c->instance);
	}
	return err;
}


static void req_free(struct reg_req *rq)
{
	for (uint32_t i = 0; i < rq->cc; i++)
		rq->cv[i].nb = mem_deref(rq->cv[i].nb);
}


static void binding_set(struct binding *b, const struct reg_req *rq,
			char *callid, uint32_t expires, uint64_t now)
{
	mem_deref(b->callid);
	b->callid = mem_ref(callid);
	b->cseq = rq->msg->cseq.num;
	b->src = rq->msg->src;
	b->tp = rq->msg->tp;
	b->expires = now + (uint64_t)expires * 1000;
}


/* cannot fail: everything was allocated by req_prealloc */
static void req_apply(struct reg_req *rq, struct aor *aor, char *callid)
{
	const uint64_t now = registrar_now();

	if (rq->wildcard) {
		log_info(rq->ctx, "unregistered all contacts");
		list_flush(&aor->bindl);
		return;
	}

	for (uint32_t i = 0; i < rq->cc; i++) {
		struct contact_req *c = &rq->cv[i];

		if (!c->expires) {
			if (c->b) {
				log_info(rq->ctx, "unregistered uri=%s",
					 c->b->uri);
				mem_deref(c->b);
			}
			continue;
		}
		if (c->nb) {
			mem_deref(c->b);       /* replaced (new URI) */
			binding_set(c->nb, rq, callid, c->expires, now);
			list_append(&aor->bindl, &c->nb->le, c->nb);
			c->nb->counted = true;
			++reg.count;
			log_info(rq->ctx, "registered uri=%s expires=%u "
				 "src=%s:%J", c->nb->uri, c->expires,
				 sip_transp_name(rq->msg->tp), &rq->msg->src);
			c->nb = NULL;
			continue;
		}
		binding_set(c->b, rq, callid, c->expires, now);
		log_debug(rq->ctx, "refreshed uri=%s expires=%u", c->b->uri,
			  c->expires);
	}
}


/* ---- replies --------------------------------------------------------- */

static int contacts_print(struct re_printf *pf, void *arg)
{
	const struct aor *aor = arg;
	const uint64_t now = registrar_now();
	int err = 0;

	for (struct le *le = aor ? aor->bindl.head : NULL; le && !err;
	     le = le->next) {
		const struct binding *b = le->data;
		uint64_t left = (b->expires - now + 999) / 1000;

		err = re_hprintf(pf, "Contact: <%s>;expires=%llu", b->uri,
				 left);
		if (!err && b->instance)
			err = re_hprintf(pf, ";+sip.instance=\"%s\"",
					 b->instance);
		if (!err)
			err = re_hprintf(pf, "\r\n");
	}
	return err;
}


static int reply_ok(const struct sip_msg *msg, const struct aor *aor)
{
	return sip_treplyf(NULL, NULL, reg.sip, msg, false, 200, "OK",
			   "%HContent-Length: 0\r\n\r\n", contacts_print,
			   aor);
}


static int reply_fail(const struct reg_req *rq)
{
	const char *ctx = rq->ctx;

	log_info(ctx, "REGISTER refused: %u %s src=%J", rq->scode, rq->reason,
		 &rq->msg->src);
	if (rq->scode == 423)
		return sip_treplyf(NULL, NULL, reg.sip, rq->msg, false, 423,
				   rq->reason, "Min-Expires: %u\r\n"
				   "Content-Length: 0\r\n\r\n",
				   reg.cfg->reg_min_expires);
	return sip_treply(NULL, reg.sip, rq->msg, rq->scode, rq->reason);
}


static void auth_log(const struct sip_msg *msg, int err)
{
	char ctx[64];

	(void)re_snprintf(ctx, sizeof(ctx), "src=%J", &msg->src);
	switch (err) {

	case ENOENT:
		log_debug(ctx, "REGISTER challenged to=%r", &msg->to.uri.user);
		break;

	case ETIMEDOUT:
		log_debug(ctx, "REGISTER stale nonce to=%r",
			  &msg->to.uri.user);
		break;

	case EALREADY:
		log_warn(ctx, "REGISTER replayed credentials to=%r",
			 &msg->to.uri.user);
		break;

	default:
		log_warn(ctx, "REGISTER authentication failed to=%r (%m)",
			 &msg->to.uri.user, err);
		break;
	}
}


/* ---- REGISTER -------------------------------------------------------- */

static void register_handle(const struct sip_msg *msg)
{
	struct reg_req rq;
	struct aor *aor;
	char user[sizeof(reg.cfg->users[0].name)], ctx[96];
	char *callid = NULL;
	uint32_t before;
	int err;

	memset(&rq, 0, sizeof(rq));
	rq.msg = msg;

	if (sip_msg_hdr(msg, SIP_HDR_REQUIRE)) {
		(void)sip_treplyf(NULL, NULL, reg.sip, msg, false, 420,
				  "Bad Extension", "Unsupported: %r\r\n"
				  "Content-Length: 0\r\n\r\n",
				  &sip_msg_hdr(msg, SIP_HDR_REQUIRE)->val);
		return;
	}

	err = regauth_check(msg, false, reg.cfg, user, sizeof(user));
	if (err) {
		auth_log(msg, err);
		(void)regauth_reject(msg, reg.sip, false, err);
		return;
	}

	(void)re_snprintf(ctx, sizeof(ctx), "user=%s", user);
	rq.ctx = ctx;
	if (pl_strcmp(&msg->to.uri.user, user)) {
		req_fail(&rq, 403, "Forbidden");
		(void)reply_fail(&rq);
		return;
	}

	aor = aor_find(user);
	before = aor ? list_count(&aor->bindl) : 0;
	if (aor)
		(void)aor_purge(aor, registrar_now());

	req_parse(&rq);
	if (!rq.scode)
		req_match(&rq, aor);

	/* no Contact at all is a query: just list the bindings */
	if (!rq.scode && (rq.cc || rq.wildcard)) {
		err = aor_get(&aor, user);
		if (!err)
			err = pl_strdup(&callid, &msg->callid);
		if (!err)
			err = req_prealloc(&rq);
		if (err)
			req_fail(&rq, 500, "Server Error");
		else
			req_apply(&rq, aor, callid);
	}

	if (rq.scode)
		(void)reply_fail(&rq);
	else
		(void)reply_ok(msg, aor);

	req_free(&rq);
	mem_deref(callid);
	if (aor) {
		uint32_t after = list_count(&aor->bindl);

		notify(user, before, after);
		if (!after)
			mem_deref(aor);
	}
	sweep_arm();
}


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	(void)arg;

	if (pl_strcmp(&msg->met, "REGISTER"))
		return false;

	register_handle(msg);
	return true;
}


/* ---- public ---------------------------------------------------------- */

/**
 * Start the registrar on a SIP stack.  Call it before sipsess_listen():
 * libre tries sip_listen handlers in registration order, and a session
 * listener would answer REGISTER with 501.
 *
 * @param sip  SIP stack (referenced)
 * @param cfg  Configuration (borrowed: users, realm, expiry bounds; must
 *             outlive the registrar)
 */
int registrar_init(struct sip *sip, const struct cb_config *cfg)
{
	int err;

	if (!sip || !cfg)
		return EINVAL;
	if (reg.sip)
		return EALREADY;

	err = regauth_init(cfg);
	if (err)
		return err;

	reg.cfg = cfg;
	err = hash_alloc(&reg.aors, AOR_HASH_SIZE);
	if (err)
		goto out;
	err = sip_listen(&reg.lsnr, sip, true, request_handler, NULL);
	if (err)
		goto out;

	tmr_init(&reg.sweep);
	reg.sip = mem_ref(sip);
	log_info(NULL, "registrar started realm=%s users=%u expires=%u..%u",
		 cfg->sip_domain, cfg->userc, cfg->reg_min_expires,
		 cfg->reg_max_expires);
 out:
	if (err) {
		reg.aors = mem_deref(reg.aors);
		reg.cfg = NULL;
		regauth_close();
	}
	return err;
}


void registrar_close(void)
{
	tmr_cancel(&reg.sweep);
	reg.lsnr = mem_deref(reg.lsnr);
	hash_flush(reg.aors);
	reg.aors = mem_deref(reg.aors);
	reg.sip = mem_deref(reg.sip);
	reg.count = 0;
	reg.cfg = NULL;
	reg.changeh = NULL;
	reg.arg = NULL;
	reg.skew = 0;
	regauth_close();
}


void registrar_set_change_h(registrar_change_h *h, void *arg)
{
	reg.changeh = h;
	reg.arg = arg;
}


/**
 * Call h for each live binding of user (oldest first) until it returns
 * true.  The URI and address are valid during the call only.
 *
 * @return 0, ENOENT if the user has no live binding, EINVAL
 */
int registrar_lookup(const char *user, registrar_contact_h *h, void *arg)
{
	const uint64_t now = registrar_now();
	const struct aor *aor;
	bool found = false;

	if (!user || !h)
		return EINVAL;
	if (!reg.aors)
		return ENOENT;

	aor = aor_find(user);
	for (struct le *le = aor ? aor->bindl.head : NULL; le;
	     le = le->next) {
		const struct binding *b = le->data;

		if (b->expires <= now)
			continue;
		found = true;
		if (h(b->uri, &b->src, b->tp, arg))
			break;
	}
	return found ? 0 : ENOENT;
}


uint32_t registrar_count(void)
{
	return reg.count;
}


static bool debug_aor(struct le *le, void *arg)
{
	const struct aor *aor = le->data;
	struct re_printf *pf = arg;
	const uint64_t now = registrar_now();

	(void)re_hprintf(pf, "  %s\n", aor->user);
	for (struct le *l = aor->bindl.head; l; l = l->next) {
		const struct binding *b = l->data;
		long long left = (long long)(b->expires - now) / 1000;

		(void)re_hprintf(pf, "    %s via %s:%J expires %llds\n",
				 b->uri, sip_transp_name(b->tp), &b->src,
				 left);
	}
	return false;
}


int registrar_debug(struct re_printf *pf, void *unused)
{
	int err;
	(void)unused;

	err = re_hprintf(pf, "registrar: %u bindings\n", reg.count);
	if (reg.aors)
		(void)hash_apply(reg.aors, debug_aor, pf);
	return err;
}
