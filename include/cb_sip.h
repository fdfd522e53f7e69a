/**
 * @file cb_sip.h  SIP user agent: the signalling half of a leg
 *
 * A `struct sipleg` is one INVITE dialog, inbound or outbound, built on
 * libre's sipsess.  It reports what happens on the wire to its owner (the
 * call model) through `sipleg_ev_h` and acts on its owner's commands.  It
 * negotiates SDP (PCMU, PCMA, telephone-event/8000) and hands the result
 * to the leg's media endpoint, which it borrows.
 *
 * The user agent (sipua_*) owns the libre `struct sip` stack, the
 * listeners, the registrar and OPTIONS; inbound INVITEs that pass the
 * basic checks are given to the handler set with sipua_set_invite_h().
 *
 * Include after <re.h>.
 */

struct sipleg;
struct sip_msg;
struct media_ep;
struct cb_config;

/** What a sipleg reports */
enum sipleg_evtype {
	SIPLEG_EV_RINGING = 0,  /**< 180 (no SDP)                     */
	SIPLEG_EV_EARLY,        /**< 18x with SDP, media negotiated   */
	SIPLEG_EV_ANSWERED,     /**< 200 OK, ACKed                    */
	SIPLEG_EV_HOLD,         /**< peer put us on hold              */
	SIPLEG_EV_UNHOLD,       /**< peer resumed                     */
	SIPLEG_EV_DTMF,         /**< INFO dtmf-relay / dtmf           */
	SIPLEG_EV_CLOSED,       /**< dialog gone; see status/err      */
};

struct sipleg_ev {
	enum sipleg_evtype type;
	uint16_t status;        /**< CLOSED: final SIP status or 0     */
	int err;                /**< CLOSED: errno (ETIMEDOUT, ...)    */
	bool by_peer;           /**< CLOSED: the peer sent BYE/CANCEL  */
	char digit;             /**< DTMF                              */
};

typedef void (sipleg_ev_h)(struct sipleg *sl, const struct sipleg_ev *ev,
			   void *arg);

/** Inbound INVITE handler: take it with sipleg_accept() or reject */
typedef void (sipua_invite_h)(const struct sip_msg *msg, void *arg);

/** Where an outbound leg goes */
struct sipleg_target {
	const char *uri;         /**< Request-URI                        */
	const char *from_uri;    /**< From URI                           */
	const char *from_name;   /**< From display name, may be NULL     */
	const char *route;       /**< outbound proxy/trunk URI or NULL   */
	const char *auth_user;   /**< digest credentials or NULL         */
	const char *auth_pass;
};

int  sipua_init(const struct cb_config *cfg);
void sipua_close(void);
void sipua_set_invite_h(sipua_invite_h *h, void *arg);
int  sipua_reject(const struct sip_msg *msg, uint16_t scode,
		  const char *reason);
int  sipua_auth_reject(const struct sip_msg *msg, int err);
int  sipua_authenticate(const struct sip_msg *msg, char *user,
			size_t usersz);
bool sipua_trusted(const struct sa *src);
uint32_t sipua_stat_rx(void);
uint32_t sipua_stat_tx(void);
uint32_t sipua_stat_contacts(void);
bool sipua_ready(void);
int  sipua_debug(struct re_printf *pf, void *unused);

/* contacts of a registered user */
typedef bool (sipua_contact_h)(const char *uri, const struct sa *src,
			       enum sip_transp tp, void *arg);
int  sipua_lookup(const char *user, sipua_contact_h *h, void *arg);

int  sipleg_connect(struct sipleg **slp, const struct sipleg_target *t,
		    struct media_ep *ep, const char *ctx,
		    sipleg_ev_h *evh, void *arg);
int  sipleg_accept(struct sipleg **slp, const struct sip_msg *msg,
		   struct media_ep *ep, const char *ctx,
		   sipleg_ev_h *evh, void *arg);
int  sipleg_ring(struct sipleg *sl, bool early_media);
int  sipleg_answer(struct sipleg *sl);
int  sipleg_end(struct sipleg *sl, uint16_t scode);
int  sipleg_hold(struct sipleg *sl, bool hold);
int  sipleg_info_dtmf(struct sipleg *sl, char digit);
const char *sipleg_callid(const struct sipleg *sl);
