/**
 * @file sip/sip.h  SIP subsystem internals (shared by src/sip/ only)
 *
 * The user agent (ua.c) owns the one libre `struct sip` stack and the
 * sipsess socket; sipleg objects borrow them through sipua_stack() and
 * sipua_sess_sock().  A sipleg owns its sipsess and its SDP session and
 * borrows its media endpoint from the leg that owns both.
 */

#define CB_LOG_SUB CB_SUB_SIP
#include "cb_core.h"
#include "cb_media.h"
#include "cb_sip.h"

struct sipleg {
	struct le he;                 /* in the pending hash (inbound)     */
	struct sipsess *sess;         /* owned                             */
	struct sdp_session *sdp;      /* owned                             */
	struct sdp_media *sdpm;       /* owned by sdp                      */
	struct media_ep *ep;          /* borrowed from the leg             */
	struct sip_msg *invite;       /* inbound INVITE, mem_ref'd         */
	sipleg_ev_h *evh;
	void *arg;
	char ctx[64];
	char callid[96];
	char *auth_user, *auth_pass;  /* owned copies, outbound trunk      */
	bool outbound;
	bool accepted;                /* inbound: libre session exists     */
	bool early_sent;              /* inbound: 183 with SDP sent        */
	bool answered;
	bool have_offer;              /* inbound INVITE carried SDP        */
	bool held_local;              /* we asked the peer to hold         */
	bool held_remote;             /* the peer put us on hold           */
	bool closed;                  /* CLOSED reported; no more events   */
};

/* ua.c */
struct sip *sipua_stack(void);
struct sipsess_sock *sipua_sess_sock(void);
const struct cb_config *sipua_config(void);
const char *sip_reason(uint16_t scode);
uint16_t sipua_msg_check(const struct sip_msg *msg, const char **reasonp);

/* sdp.c */
struct media_params;
int  sipleg_sdp_session(struct sdp_session **sessp, struct sdp_media **mp,
			const struct sa *laddr);
int  sipleg_sdp_check(const struct pl *sdp);
int  sipleg_sdp_params(const struct sdp_media *m, struct media_params *prm);
int  sipleg_sdp_alloc(struct sipleg *sl);
int  sipleg_sdp_apply(struct sipleg *sl);
int  sipleg_sdp_encode(struct sipleg *sl, struct mbuf **descp, bool offer);
bool sipleg_sdp_has_body(const struct sip_msg *msg);

/* sipleg.c */
void sipleg_report(struct sipleg *sl, enum sipleg_evtype type,
		   uint16_t status, int err, bool by_peer);
int  sipleg_offer_handler(struct mbuf **descp, const struct sip_msg *msg,
			  void *arg);
int  sipleg_answer_handler(const struct sip_msg *msg, void *arg);
void sipleg_estab_handler(const struct sip_msg *msg, void *arg);
void sipleg_info_handler(struct sip *sip, const struct sip_msg *msg,
			 void *arg);
char sipleg_info_digit(const struct sip_msg *msg);
void sipleg_close_handler(int err, const struct sip_msg *msg, void *arg);
int  sipleg_alloc(struct sipleg **slp, struct media_ep *ep, const char *ctx,
		  sipleg_ev_h *evh, void *arg);

/* sipleg_in.c */
int  sipleg_pending_init(void);
void sipleg_pending_close(void);
void sipleg_pending_unlink(struct sipleg *sl);
bool sipleg_pending_retransmit(const struct sip_msg *msg);
bool sipleg_pending_cancel(const struct sip_msg *msg);
int  sipleg_session_open(struct sipleg *sl, uint16_t scode,
			 struct mbuf *desc);

/* guard.c */
int  sipguard_start_line(const char *p, size_t n);
uint64_t sipguard_refused(void);

/* options.c */
int  options_init(struct sip *sip);
void options_close(void);
