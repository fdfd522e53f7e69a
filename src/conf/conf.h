/**
 * @file conf/conf.h  The conference runtime's private structures
 *
 * One struct conf per conference, in one list from creation until a
 * while after its end (CONF_LINGER_MS, so the owner's page can read the
 * final statuses).  A conference owns its media mixer and its
 * participants; a participant borrows its call and leg from the call
 * model until they end (CALL_EV_CALL_END).
 *
 * One owner per state: a participant's status only changes in
 * conf_party_set() (party.c), which publishes it.  Calls are placed and
 * followed in party.c; conf.c holds the registry, the announcement and
 * the JSON views; money.c the pre-authorization, the metering of the
 * legs and the settlement.  Everything runs on the re_main thread.
 */
#define CB_LOG_SUB CB_SUB_CALL
#include "cb_core.h"
#include "cb_call.h"
#include "cb_conf.h"

enum {
	CONF_LINGER_MS = 600000,   /**< an ended conference stays readable */
	CONF_MAX = 1000,           /**< conferences in memory, all tenants */
	CONF_CONFIRM_S = 20,       /**< default wait for the digit 1       */
};

/** Where an answered participant is on its way into the mixer */
enum conf_stage {
	CONF_STAGE_NONE = 0,   /**< not answered                           */
	CONF_STAGE_ANNOUNCE,   /**< hearing the invitation                 */
	CONF_STAGE_CONFIRM,    /**< waiting for the digit 1                */
	CONF_STAGE_IN,         /**< in the mixer                           */
};

struct conf;

struct conf_party {
	struct le le;                  /* in cf->parties                  */
	struct conf *cf;               /* borrowed: the owner of this     */
	char id[CONF_PID_LEN + 1];
	char name[CONF_NAME_MAX + 1];
	char target[CONF_TARGET_MAX + 1];
	bool owner;
	enum conf_status st;
	char cause[24];                /* why it ended, "" while live     */
	struct call *call;             /* borrowed until CALL_END          */
	struct leg *leg;               /* borrowed until it ends           */
	char call_id[CB_ID_LEN + 1];   /* of the last call, "" if none    */
	enum conf_stage stage;
	bool muted, deaf, held;
	bool talking;                  /* its leg's voice activity (media) */
	bool answered;                 /* the current call was answered   */
	bool by_us;                    /* the API/end hung it up          */
	uint64_t dialed_ms, answered_ms, joined_ms, left_ms;
	struct tmr tmr_confirm;
	/* money.c: what its legs cost, if the conference is billed */
	char mleg_id[CB_ID_LEN + 1];   /* the metered leg, "" if none     */
	int64_t cost_done;             /* of its earlier legs             */
	uint64_t billed_s_done;
	bool asked;                    /* hears the limit question now    */
};

struct conf {
	struct le le;                  /* in the registry                 */
	char id[CB_ID_LEN + 1];
	char tenant[CB_ID_LEN + 1];
	char name[CONF_NAME_MAX + 1];
	char token[CONF_TOKEN_LEN + 1];
	char creator[CB_ID_LEN + 1];    /* a user's or API key's id, or "" */
	struct conf_opts opts;
	struct list parties;           /* struct conf_party, owned        */
	struct media_mixer *mx;        /* owned                           */
	unsigned next_pid;
	bool ended;
	uint64_t created_ms, ended_ms;
	char ann[512];                 /* the invitation's WAV, "" if none */
	struct tts_req *tts;           /* owned, while it is synthesized  */
	struct tmr tmr_linger;
	struct conf_party *dialing;    /* inside call_dial()              */
	/* money.c: the pre-authorization and the conference monitor */
	bool authorizing, authorized, settled, any_answered, cut;
	struct tts_req *cut_tts;       /* owned, while it is synthesized  */
	char cut_ann[512];             /* the cut's WAV, "" if none       */
	char currency[8];              /* of the bill, once authorized    */
	unsigned digits;
	struct tmr tmr_cut;
};

/* conf.c */
struct list *conf_list(void);
struct conf *conf_find(const char *tenant, const char *id);
struct conf_party *conf_party_find(const struct conf *cf, const char *pid);
struct conf_party *conf_owner(const struct conf *cf);
void conf_finish(struct conf *cf);
bool conf_running(void);

/* party.c */
int  conf_party_alloc(struct conf_party **pp, struct conf *cf,
		      const struct conf_party_in *in, bool owner);
int  conf_party_dial(struct conf_party *p);
int  conf_party_hangup(struct conf_party *p, const char *cause);
void conf_party_set(struct conf_party *p, enum conf_status st);
void conf_party_media(struct conf_party *p);
void conf_party_event(const struct call_event *ev, void *arg);
bool conf_party_live(const struct conf_party *p);
int  conf_party_json(struct re_printf *pf, const struct conf_party *p);

/* money.c */
int  conf_money_can_dial(const struct conf_party *p, const char *target);
void conf_money_dialed(struct conf_party *p, const struct leg *leg);
void conf_money_event(struct conf_party *p, const struct call_event *ev);
void conf_money_leg_ended(struct conf_party *p);
void conf_money_call_ended(struct conf *cf);
void conf_money_close(struct conf *cf);
int  conf_money_party_json(struct re_printf *pf, const struct conf_party *p);
int  conf_money_json(struct re_printf *pf, const struct conf *cf);
int  conf_money_cost_json(struct re_printf *pf, const struct conf *cf);

/* status.c: pure helpers */
int  conf_json_str(struct re_printf *pf, const char *s);
int  conf_invitation(char *buf, size_t sz, const char *owner, bool confirm);
bool conf_status_live(enum conf_status st);
