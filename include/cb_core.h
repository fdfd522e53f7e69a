/**
 * @file cb_core.h  Core services: logging, configuration, identifiers
 *
 * The core is what every other subsystem uses and what uses nothing of
 * theirs.  Logging is one format (logfmt: key=value pairs on one line) with
 * a level per subsystem; configuration is one flat file of `key value`
 * lines read through one table (src/core/config.c) whose defaults are the
 * only defaults; identifiers are random, short and printable.
 *
 * Include after <re.h>.
 */

/* ---- logging ---------------------------------------------------------- */

/** Subsystems that own a log level (`log.<name>` in the config file) */
enum cb_sub {
	CB_SUB_CORE = 0,
	CB_SUB_SIP,
	CB_SUB_MEDIA,
	CB_SUB_CALL,
	CB_SUB_API,
	CB_SUB_SIM,
	CB_SUB_MAX
};

/** Log levels, most severe first */
enum cb_level {
	CB_LVL_ERROR = 0,
	CB_LVL_WARN,
	CB_LVL_INFO,
	CB_LVL_DEBUG,
};

int  cb_log_init(const char *path, bool stderr_too);
void cb_log_close(void);
void cb_log_level_set(enum cb_sub sub, enum cb_level lvl);
bool cb_log_enabled(enum cb_sub sub, enum cb_level lvl);
int  cb_log_level_parse(enum cb_level *lvlp, const char *s);
const char *cb_sub_name(enum cb_sub sub);
void cb_log(enum cb_sub sub, enum cb_level lvl, const char *ctx,
	    const char *fmt, ...);

/*
 * Each .c file defines CB_LOG_SUB before including this header to get the
 * short forms.  ctx is the context prefix ("call=… leg=…") or NULL.
 */
#ifdef CB_LOG_SUB
#define log_err(ctx, ...)   cb_log(CB_LOG_SUB, CB_LVL_ERROR, ctx, __VA_ARGS__)
#define log_warn(ctx, ...)  cb_log(CB_LOG_SUB, CB_LVL_WARN, ctx, __VA_ARGS__)
#define log_info(ctx, ...)  cb_log(CB_LOG_SUB, CB_LVL_INFO, ctx, __VA_ARGS__)
#define log_debug(ctx, ...)						\
	do {								\
		if (cb_log_enabled(CB_LOG_SUB, CB_LVL_DEBUG))		\
			cb_log(CB_LOG_SUB, CB_LVL_DEBUG, ctx, __VA_ARGS__); \
	} while (0)
#endif

/* ---- identifiers ------------------------------------------------------ */

enum { CB_ID_LEN = 16 };   /**< printable chars, without the NUL */

void cb_id_new(char id[CB_ID_LEN + 1], char prefix);
int  cb_rand_init(void);

/* ---- timers (libre's tmr_* API, reimplemented on a heap) ------------- */

void   cb_timer_close(void);
size_t cb_timer_count(void);

/** Whether a list item waits for a time, and which (ms, clock of now) */
typedef bool (cb_due_h)(const void *item, uint64_t *due_ms);

void cb_timer_earliest(struct tmr *tmr, const struct list *l, uint64_t now,
		       cb_due_h *dueh, tmr_h *th);

/* ---- configuration ---------------------------------------------------- */

enum { CB_SIM_RULES_MAX = 16, CB_USERS_MAX = 64 };

/** A softphone user that may REGISTER (digest credentials) */
struct cb_user {
	char name[64];
	char password[64];
};

/** The SIP trunk toward a carrier / PSTN gateway */
struct cb_trunk {
	char host[128];        /**< empty: no trunk                       */
	uint16_t port;
	char transport[8];     /**< udp | tcp                              */
	char username[64];     /**< digest user for 401/407               */
	char password[64];
	char country_code[8];  /**< national numbers get +<cc>            */
	char dial_prefix[16];  /**< prepended to the number sent out      */
	bool dial_plus;        /**< keep the leading '+' when dialing     */
	uint32_t max_calls;    /**< concurrent calls, 0 = unlimited       */
};

/** The whole daemon configuration, filled from the table in config.c */
struct cb_config {
	/* sip */
	char sip_listen[8][64];   /**< "udp:127.0.0.1:5060", ...           */
	uint32_t sip_listenc;
	char sip_domain[64];      /**< registrar realm / our domain         */
	char sip_user_agent[64];
	char sip_trusted[256];    /**< IPs whose INVITEs need no digest    */
	uint32_t ring_timeout_s;  /**< default ring timeout, outbound legs  */
	uint32_t reg_max_expires;
	uint32_t reg_min_expires;
	uint32_t max_legs;        /**< hard limit on concurrent legs        */
	uint32_t keep_ended_s;    /**< ended calls stay visible this long   */
	struct cb_user users[CB_USERS_MAX];
	uint32_t userc;
	struct cb_trunk trunk;
	/* media */
	char media_addr[64];      /**< IP for RTP sockets and SDP c=        */
	uint32_t rtp_port_min;
	uint32_t rtp_port_max;
	uint32_t rtp_timeout_s;   /**< end an answered leg silent this long */
	uint32_t rtp_quarantine_ms;
	uint32_t media_threads;
	char prompt_dir[256];
	char tts_cache[256];      /**< synthesized speech WAV cache dir      */
	char tts_command[256];    /**< espeak-ng executable (PATH lookup)    */
	char tts_voice[48];       /**< default espeak-ng voice               */
	uint32_t tts_speed;       /**< words per minute                      */
	uint32_t tts_jobs;        /**< syntheses running at once             */
	uint32_t tts_timeout_s;   /**< a synthesis is killed after this      */
	/* api */
	char http_listen[64];
	char web_dir[256];        /**< static web pages (GET /, /web/)  */
	char tls_cert[256];       /**< PEM certificate (chain): HTTPS    */
	char tls_key[256];        /**< PEM private key of tls_cert       */
	char webhook_ca[256];     /**< extra trusted CAs for webhooks    */
	bool debug_clock;         /**< POST /v1/debug/clock (tests only) */
	uint32_t rate_ip;         /**< requests/s per address, 0 = off   */
	uint32_t rate_ip_burst;
	uint32_t rate_key;        /**< requests/s per key or user, 0 = off */
	uint32_t rate_key_burst;
	uint32_t widget_rate;     /**< widget requests/min per address    */
	uint32_t widget_burst;
	uint32_t http_timeout_ms; /**< a whole request must arrive in this */
	uint32_t http_idle_ms;    /**< idle keep-alive connections closed */
	uint32_t http_conn_per_ip;/**< connections from one address       */
	uint32_t http_conn_max;   /**< connections in total               */
	/* store and auth */
	char store_path[256];     /**< SQLite file (or back-end URL)      */
	uint32_t store_workers;   /**< threads that run database work     */
	uint32_t prune_interval_s;/**< between prune runs, 0 = never      */
	uint32_t callback_keep_days; /**< finished callbacks kept this long */
	uint32_t session_ttl_s;   /**< web session lifetime               */
	uint32_t login_max_failures; /**< failed logins before 429        */
	uint32_t login_lock_s;    /**< first lock-out, doubles after      */
	bool cookie_secure;       /**< Secure cookies (behind TLS)        */
	uint32_t key_cache_s;     /**< verified API keys kept in memory   */
	char webhook_secret[128]; /**< HMAC key; empty: random per start   */
	uint32_t webhook_retries; /**< attempts after the first one        */
	uint32_t webhook_retry_ms;/**< first back-off delay, doubles        */
	uint32_t ws_queue_max;    /**< bytes queued to one WebSocket client */
	uint32_t ws_ping_s;       /**< WebSocket ping interval, 0 = off     */
	uint32_t outbox_keep_s;   /**< finished webhook rows kept this long */
	uint32_t idem_keep_s;     /**< Idempotency-Key replies valid/kept   */
	/* money */
	char money_currencies[256]; /**< ISO 4217 allow-list, first = default */
	char money_card_decline[256]; /**< test card provider's decline rules */
	uint32_t money_cost_event_ms; /**< call.cost events at most this often */
	uint32_t money_persist_ms;    /**< running costs stored this often    */
	uint32_t money_limit_lead_s;  /**< limit policy acts this early       */
	char money_ask_text[256];     /**< the question of limit policy ask   */
	/* core */
	char log_file[256];
	char log_level[CB_SUB_MAX][8];
	uint32_t max_fds;
};

int  cb_config_defaults(struct cb_config *cfg);
int  cb_config_load(struct cb_config *cfg, const char *path);
int  cb_config_finish(struct cb_config *cfg);
int  cb_config_set(struct cb_config *cfg, const char *key,
		   const char *val);
int  cb_config_print(struct re_printf *pf, const struct cb_config *cfg);
int  cb_config_doc(struct re_printf *pf, void *unused);
