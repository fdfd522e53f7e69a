/**
 * @file sip/registrar.h  Registrar and digest authentication (private)
 *
 * libre 1.1.0 has a registration client but no registrar, so this is
 * ours: softphones REGISTER with digest credentials of the configured
 * users (`sip.user`), and the B2BUA asks registrar_lookup() where a user
 * can be reached.  Bindings live in memory only; a restart forgets them
 * and phones re-register within their refresh interval.
 *
 * The regauth_* helpers are the UAS side of digest (RFC 2617/3261 22),
 * shared with the B2BUA for challenging INVITEs.  They work between
 * registrar_init() and registrar_close(), which own their secret.
 *
 * Include after <re.h>.
 */

struct sip;
struct sip_msg;
struct cb_config;

enum {
	REGISTRAR_MAX_BINDINGS = 10,   /**< contacts (devices) per user   */
	REGAUTH_NONCE_TTL      = 300,  /**< seconds a nonce stays fresh   */
};

/* contact handler: return true to stop iterating */
typedef bool (registrar_contact_h)(const char *uri, const struct sa *src,
				   enum sip_transp tp, void *arg);

/** Called when a user's number of live contacts changes (0 = offline) */
typedef void (registrar_change_h)(const char *user, uint32_t contacts,
				  void *arg);

int  registrar_init(struct sip *sip, const struct cb_config *cfg);
void registrar_close(void);
int  registrar_lookup(const char *user, registrar_contact_h *h, void *arg);
uint32_t registrar_count(void);
int  registrar_debug(struct re_printf *pf, void *unused);
void registrar_set_change_h(registrar_change_h *h, void *arg);

/* the registrar's clock: monotonic milliseconds (plus the test skew) */
uint64_t registrar_now(void);
void registrar_clock_skew(uint64_t ms);   /* tests: jump the clock ahead */

/*
 * regauth_check() results, each mapped to one reply by regauth_reject():
 *   0          credentials good, user filled in
 *   ENOENT     no credentials for our realm          -> 401/407
 *   EACCES     unknown user, wrong password, or an
 *              unsupported qop                       -> 401/407
 *   ETIMEDOUT  digest right but the nonce expired or
 *              is not ours (older process)           -> 401/407 stale=true
 *   EALREADY   digest right, nonce fresh, but nc not
 *              above the last one seen (replay)      -> 401/407 stale=true
 *   EBADMSG    malformed credentials                 -> 400
 */
int  regauth_challenge(const struct sip_msg *msg, struct sip *sip,
		       bool proxy);
int  regauth_check(const struct sip_msg *msg, bool proxy,
		   const struct cb_config *cfg, char *user, size_t usersz);
int  regauth_reject(const struct sip_msg *msg, struct sip *sip, bool proxy,
		    int err);

/* called by registrar_init/close */
int  regauth_init(const struct cb_config *cfg);
void regauth_close(void);
