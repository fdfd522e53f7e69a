/**
 * @file core/config.c  The one configuration table
 *
 * The config file is flat: one `key value` per line, `#` starts a
 * comment, keys are `<subsystem>.<name>`.  Every key is one row of
 * `config_table` below with its type, where it lands in struct cb_config,
 * its default, its bounds and its documentation; the defaults in this
 * table are the only defaults in the program, `callbridge --config-doc`
 * prints the table, and command-line overrides go through the same
 * cb_config_set() as the file.  Keys marked multi may repeat; the first
 * occurrence replaces the built-in default list.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "cb_core.h"

enum ctype {
	CT_STR = 0,
	CT_U32,
	CT_BOOL,
	CT_LISTEN,     /* multi: "udp|tcp:addr:port"         */
	CT_USER,       /* multi: "name password"             */
	CT_LEVEL,      /* error|warn|info|debug              */
};

struct ckey {
	const char *key;
	enum ctype type;
	size_t off;
	size_t size;           /* CT_STR: buffer size */
	const char *dflt;
	uint32_t min, max;
	const char *doc;
};

#define F(field) offsetof(struct cb_config, field), \
	sizeof(((struct cb_config *)0)->field)

static const struct ckey config_table[] = {
	{"sip.listen", CT_LISTEN, F(sip_listen), "udp:127.0.0.1:5060", 0, 0,
	 "SIP listener, transport:address:port (udp or tcp; IPv6 as "
	 "[::1]); multi, default udp and tcp on 127.0.0.1:5060"},
	{"sip.domain", CT_STR, F(sip_domain), "callbridge.local", 0, 0,
	 "our SIP domain and digest realm for softphones"},
	{"sip.user_agent", CT_STR, F(sip_user_agent),
	 "callbridge/" CB_VERSION, 0, 0, "User-Agent / Server header"},
	{"sip.trusted", CT_STR, F(sip_trusted), "127.0.0.1,::1", 0, 0,
	 "comma-separated source IPs whose INVITEs may use the trunk "
	 "without digest auth (e.g. your PBX); others are challenged"},
	{"sip.ring_timeout", CT_U32, F(ring_timeout_s), "45", 1, 600,
	 "seconds an outbound leg may ring before CANCEL (no-answer)"},
	{"sip.reg_min_expires", CT_U32, F(reg_min_expires), "60", 1, 86400,
	 "shortest registration accepted (423 below it)"},
	{"sip.reg_max_expires", CT_U32, F(reg_max_expires), "3600", 1,
	 86400, "longest registration granted"},
	{"sip.max_legs", CT_U32, F(max_legs), "20000", 1, 1000000,
	 "concurrent legs; beyond it new calls get 503"},
	{"call.keep_ended_s", CT_U32, F(keep_ended_s), "60", 0, 86400,
	 "seconds an ended call stays visible in GET /v1/calls/{id}"},
	{"sip.user", CT_USER, F(users), NULL, 0, 0,
	 "softphone account `name password` allowed to REGISTER; multi"},
	{"trunk.host", CT_STR, F(trunk.host), "", 0, 0,
	 "carrier / PSTN gateway host or IP; empty disables the trunk"},
	{"trunk.port", CT_U32, F(trunk.port), "5060", 1, 65535,
	 "trunk port"},
	{"trunk.transport", CT_STR, F(trunk.transport), "udp", 0, 0,
	 "trunk transport, udp or tcp"},
	{"trunk.username", CT_STR, F(trunk.username), "", 0, 0,
	 "digest username answered to the trunk's 401/407"},
	{"trunk.password", CT_STR, F(trunk.password), "", 0, 0,
	 "digest password for the trunk"},
	{"trunk.country_code", CT_STR, F(trunk.country_code), "1", 0, 0,
	 "country code that makes national numbers E.164"},
	{"trunk.dial_prefix", CT_STR, F(trunk.dial_prefix), "", 0, 0,
	 "prefix put before the number sent to the trunk"},
	{"trunk.dial_plus", CT_BOOL, F(trunk.dial_plus), "yes", 0, 0,
	 "send E.164 with its leading + (no: digits only)"},
	{"trunk.max_calls", CT_U32, F(trunk.max_calls), "0", 0, 1000000,
	 "concurrent calls on the trunk, 0 = unlimited (cause no-lines)"},
	{"media.addr", CT_STR, F(media_addr), "127.0.0.1", 0, 0,
	 "IP address of RTP sockets, announced in SDP"},
	{"media.port_min", CT_U32, F(rtp_port_min), "20000", 1024, 65534,
	 "first RTP port (even)"},
	{"media.port_max", CT_U32, F(rtp_port_max), "39999", 1025, 65535,
	 "last RTP port"},
	{"media.rtp_timeout", CT_U32, F(rtp_timeout_s), "60", 0, 3600,
	 "seconds without RTP before an answered leg is ended, 0 = off"},
	{"media.quarantine_ms", CT_U32, F(rtp_quarantine_ms), "2000", 0,
	 60000, "a released port is not reused before this"},
	{"media.threads", CT_U32, F(media_threads), "1", 1, 64,
	 "media threads"},
	{"media.prompt_dir", CT_STR, F(prompt_dir), "build/prompts", 0, 0,
	 "directory of WAV prompts (8 or 16 kHz mono)"},
	{"media.tts_cache", CT_STR, F(tts_cache), "tts-cache", 0, 0,
	 "directory of synthesized speech (`say`), one WAV per voice, speed "
	 "and text; created if missing, relative to the working directory"},
	{"media.tts_command", CT_STR, F(tts_command), "espeak-ng", 0, 0,
	 "the espeak-ng program (looked up in PATH without a /)"},
	{"media.tts_voice", CT_STR, F(tts_voice), "en-us", 0, 0,
	 "espeak-ng voice used when a request names none"},
	{"media.tts_speed", CT_U32, F(tts_speed), "160", 80, 450,
	 "speech speed in words per minute"},
	{"media.tts_jobs", CT_U32, F(tts_jobs), "2", 1, 16,
	 "speech syntheses running at once (others wait, up to 64)"},
	{"media.tts_timeout", CT_U32, F(tts_timeout_s), "20", 1, 300,
	 "seconds a synthesis may take before it is killed"},
	{"api.http_listen", CT_STR, F(http_listen), "127.0.0.1:8080", 0, 0,
	 "HTTP API address:port; empty disables the API"},
	{"api.web_dir", CT_STR, F(web_dir), "web", 0, 0,
	 "directory of the web console's files (GET /, GET /web/NAME)"},
	{"api.tls_cert", CT_STR, F(tls_cert), "", 0, 0,
	 "PEM certificate (chain) of the API; set: HTTPS only on "
	 "api.http_listen, session cookies Secure; empty: plain HTTP"},
	{"api.tls_key", CT_STR, F(tls_key), "", 0, 0,
	 "PEM private key of api.tls_cert; empty: in the api.tls_cert file"},
	{"api.webhook_ca", CT_STR, F(webhook_ca), "", 0, 0,
	 "PEM file of CAs trusted for https:// webhooks besides the "
	 "system's (e.g. a receiver's self-signed certificate)"},
	{"api.debug_clock", CT_BOOL, F(debug_clock), "no", 0, 0,
	 "tests only: admins may advance the daemon's wall clock with "
	 "POST /v1/debug/clock, so scheduled callbacks and requests come "
	 "due without waiting; never on a production server (billed calls "
	 "would be metered for the skipped time)"},
	{"api.rate_ip", CT_U32, F(rate_ip), "20000", 0, 1000000,
	 "requests per second from one client address (IPv6: per /64), "
	 "0 = off; beyond: 429 rate_limited with Retry-After; /healthz and "
	 "/readyz are not counted; loopback is not exempt"},
	{"api.rate_ip_burst", CT_U32, F(rate_ip_burst), "40000", 1, 10000000,
	 "requests one client address may send at once above api.rate_ip"},
	{"api.rate_key", CT_U32, F(rate_key), "20000", 0, 1000000,
	 "requests per second per API key or per web user, 0 = off; "
	 "beyond: 429 rate_limited with Retry-After"},
	{"api.rate_key_burst", CT_U32, F(rate_key_burst), "40000", 1,
	 10000000, "requests one key or user may send at once above "
	 "api.rate_key"},
	{"api.widget_rate", CT_U32, F(widget_rate), "5", 0, 100000,
	 "click-to-call requests per minute from one client address to "
	 "the public POST /v1/widget/requests (IPv6: per /64), 0 = off; "
	 "beyond: 429 rate_limited with Retry-After"},
	{"api.widget_burst", CT_U32, F(widget_burst), "5", 1, 100000,
	 "widget requests one client address may send at once"},
	{"api.http_timeout_ms", CT_U32, F(http_timeout_ms), "10000", 100,
	 10000, "ms a client has to send a whole request, headers and body "
	 "(the first one counted from the connection, TLS handshake "
	 "included; libre allows a first request 10 s at most), before it "
	 "gets 408 and is closed"},
	{"api.http_idle_ms", CT_U32, F(http_idle_ms), "60000", 100, 300000,
	 "ms an idle keep-alive HTTP connection is kept open"},
	{"api.http_conn_per_ip", CT_U32, F(http_conn_per_ip), "1024", 1,
	 1000000, "open HTTP connections from one client address; more are "
	 "refused (WebSockets on /v1/events are not counted)"},
	{"api.http_conn_max", CT_U32, F(http_conn_max), "8192", 1, 1000000,
	 "open HTTP connections in total; more are refused"},
	{"api.webhook_secret", CT_STR, F(webhook_secret), "", 0, 0,
	 "key of the X-Callbridge-Signature HMAC-SHA256 on webhooks; empty: "
	 "a random key per start (receivers cannot verify: set it)"},
	{"api.webhook_retries", CT_U32, F(webhook_retries), "5", 0, 50,
	 "webhook delivery attempts after the first failed one"},
	{"api.webhook_retry_ms", CT_U32, F(webhook_retry_ms), "1000", 10,
	 600000, "first webhook retry delay in ms; doubles per attempt, "
	 "capped at 5 minutes"},
	{"api.ws_queue_max", CT_U32, F(ws_queue_max), "262144", 1024,
	 67108864, "bytes of events queued to one /v1/events client; a "
	 "client that falls further behind is closed (1008)"},
	{"api.ws_ping_s", CT_U32, F(ws_ping_s), "30", 0, 3600,
	 "seconds between WebSocket pings on /v1/events, 0 = off"},
	{"api.outbox_keep_s", CT_U32, F(outbox_keep_s), "604800", 1,
	 315360000, "seconds a finished webhook delivery (delivered or "
	 "given up) stays in the store before it is pruned"},
	{"api.idem_keep_s", CT_U32, F(idem_keep_s), "86400", 1, 31536000,
	 "seconds an Idempotency-Key replays its first reply; older "
	 "records are forgotten and pruned"},
	{"store.path", CT_STR, F(store_path), "callbridge.db", 0, 0,
	 "SQLite database file (WAL; created and migrated at start), "
	 "relative to the working directory"},
	{"store.workers", CT_U32, F(store_workers), "2", 1, 16,
	 "threads that run database work off the event loop"},
	{"store.prune_interval_s", CT_U32, F(prune_interval_s), "600", 0,
	 86400, "seconds between runs of the prune job (finished webhook "
	 "deliveries, old idempotency records, expired sessions, finished "
	 "callbacks); 0 = off"},
	{"store.callback_keep_days", CT_U32, F(callback_keep_days), "30", 0,
	 3650, "days a finished web callback (completed, failed, canceled "
	 "...) stays listed and stored before the prune job deletes it; "
	 "0: at the next run"},
	{"auth.session_ttl", CT_U32, F(session_ttl_s), "43200", 1, 31536000,
	 "seconds a web login session lasts"},
	{"auth.login_max_failures", CT_U32, F(login_max_failures), "5", 1,
	 1000, "failed logins per login or client address before 429"},
	{"auth.login_lock", CT_U32, F(login_lock_s), "30", 1, 86400,
	 "seconds of the first login lock-out; doubles per further failure"},
	{"auth.key_cache_s", CT_U32, F(key_cache_s), "5", 0, 300,
	 "seconds a verified API key is answered from memory without the "
	 "store; revoking through the API is immediate, with the CLI it "
	 "takes this long; 0: always ask the store"},
	{"auth.cookie_secure", CT_BOOL, F(cookie_secure), "no", 0, 0,
	 "mark session cookies Secure without api.tls_cert (TLS ended by a "
	 "proxy in front); with api.tls_cert they always are"},
	{"money.currencies", CT_STR, F(money_currencies),
	 "USD,EUR,GBP,CHF,CAD,AUD,JPY,SEK,NOK,DKK", 0, 0,
	 "currencies accounts may use (ISO 4217, comma-separated); the "
	 "first is a new tenant's"},
	{"money.card_decline", CT_STR, F(money_card_decline),
	 "last4=0002,last4=9995:insufficient_funds,over=10000", 0, 0,
	 "test card provider: declined cards (last4=NNNN[:code]) and "
	 "amounts (over=AMOUNT[:code]), comma-separated"},
	{"money.cost_event_ms", CT_U32, F(money_cost_event_ms), "1000", 0,
	 60000, "a billed call's call.cost event goes out at most this "
	 "often (ms), when its cost moved; 0 = no call.cost events"},
	{"money.meter_persist_ms", CT_U32, F(money_persist_ms), "1000", 100,
	 60000, "running costs of billed calls are stored in one batch "
	 "this often (ms): what a crash may lose"},
	{"money.limit_lead_s", CT_U32, F(money_limit_lead_s), "30", 1, 3600,
	 "seconds before a billed call's hold is used up at which the "
	 "tenant's limit policy re-authorizes or asks the user"},
	{"money.ask_text", CT_STR, F(money_ask_text),
	 "Your call has reached its authorized amount. Press 1 to continue "
	 "the call.", 0, 0,
	 "what limit policy ask says on the call (spoken by media.tts_*)"},
	{"log.file", CT_STR, F(log_file), "", 0, 0,
	 "log file (appended); empty: stderr only"},
	{"log.core", CT_LEVEL, F(log_level[CB_SUB_CORE]), "info", 0, 0,
	 "level of core: error, warn, info or debug"},
	{"log.sip", CT_LEVEL, F(log_level[CB_SUB_SIP]), "info", 0, 0,
	 "level of the SIP subsystem"},
	{"log.media", CT_LEVEL, F(log_level[CB_SUB_MEDIA]), "info", 0, 0,
	 "level of the media engine"},
	{"log.call", CT_LEVEL, F(log_level[CB_SUB_CALL]), "info", 0, 0,
	 "level of the call model"},
	{"log.api", CT_LEVEL, F(log_level[CB_SUB_API]), "info", 0, 0,
	 "level of the HTTP API"},
	{"log.sim", CT_LEVEL, F(log_level[CB_SUB_SIM]), "info", 0, 0,
	 "level of the simulated network"},
	{"core.max_fds", CT_U32, F(max_fds), "65536", 1024, 1048576,
	 "file descriptors (RLIMIT_NOFILE and libre's fd table)"},
};


static const struct ckey *ckey_find(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_table); i++) {
		if (0 == strcmp(config_table[i].key, key))
			return &config_table[i];
	}
	return NULL;
}


static int parse_u32(uint32_t *vp, const char *s, uint32_t min,
		     uint32_t max)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return ERANGE;
	*vp = (uint32_t)v;
	return 0;
}


static int parse_bool(bool *bp, const char *s)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1"))
		*bp = true;
	else if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0"))
		*bp = false;
	else
		return EINVAL;
	return 0;
}


/* "udp:127.0.0.1:5060", "tcp:[::1]:5060" */
static int check_listen(const char *s)
{
	struct sa sa;

	if (strncmp(s, "udp:", 4) && strncmp(s, "tcp:", 4))
		return EINVAL;
	return sa_decode(&sa, s + 4, strlen(s + 4));
}


static int set_key(struct cb_config *cfg, const struct ckey *k,
		   const char *val)
{
	uint8_t *base = (uint8_t *)cfg;
	void *field = base + k->off;
	enum cb_level lvl;
	uint32_t v;
	int err = 0;

	switch (k->type) {

	case CT_STR:
		if (strlen(val) >= k->size)
			return E2BIG;
		str_ncpy(field, val, k->size);
		break;

	case CT_U32:
		err = parse_u32(&v, val, k->min, k->max);
		if (err)
			return err;
		if (k->size == sizeof(uint16_t))
			*(uint16_t *)field = (uint16_t)v;
		else
			*(uint32_t *)field = v;
		break;

	case CT_BOOL:
		err = parse_bool(field, val);
		break;

	case CT_LEVEL:
		err = cb_log_level_parse(&lvl, val);
		if (!err)
			str_ncpy(field, val, k->size);
		break;

	case CT_LISTEN:
		if (cfg->sip_listenc >= ARRAY_SIZE(cfg->sip_listen))
			return E2BIG;
		if (strlen(val) >= sizeof(cfg->sip_listen[0]))
			return E2BIG;
		err = check_listen(val);
		if (!err)
			str_ncpy(cfg->sip_listen[cfg->sip_listenc++], val,
				 sizeof(cfg->sip_listen[0]));
		break;

	case CT_USER: {
		struct cb_user *u;
		const char *sp = strchr(val, ' ');

		if (!sp || sp == val || !sp[1])
			return EINVAL;
		if (cfg->userc >= (uint32_t)CB_USERS_MAX)
			return E2BIG;
		u = &cfg->users[cfg->userc];
		if ((size_t)(sp - val) >= sizeof(u->name) ||
		    strlen(sp + 1) >= sizeof(u->password))
			return E2BIG;
		memset(u, 0, sizeof(*u));
		memcpy(u->name, val, (size_t)(sp - val));
		str_ncpy(u->password, sp + 1, sizeof(u->password));
		cfg->userc++;
		break;
	}
	}

	return err;
}


int cb_config_defaults(struct cb_config *cfg)
{
	int err;

	if (!cfg)
		return EINVAL;

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < ARRAY_SIZE(config_table); i++) {
		const struct ckey *k = &config_table[i];

		/* multi-valued keys get their default in finish() */
		if (!k->dflt || k->type == CT_LISTEN)
			continue;
		err = set_key(cfg, k, k->dflt);
		if (err)
			return err;
	}
	return 0;
}


int cb_config_set(struct cb_config *cfg, const char *key, const char *val)
{
	const struct ckey *k;

	if (!cfg || !key || !val)
		return EINVAL;
	k = ckey_find(key);
	if (!k)
		return ENOENT;
	return set_key(cfg, k, val);
}


int cb_config_finish(struct cb_config *cfg)
{
	if (!cfg)
		return EINVAL;
	if (!cfg->sip_listenc) {
		(void)set_key(cfg, ckey_find("sip.listen"),
			      "udp:127.0.0.1:5060");
		(void)set_key(cfg, ckey_find("sip.listen"),
			      "tcp:127.0.0.1:5060");
	}
	if (cfg->rtp_port_min % 2 || cfg->rtp_port_min + 3 > cfg->rtp_port_max)
		return EINVAL;
	if (cfg->reg_min_expires > cfg->reg_max_expires)
		return EINVAL;
	if (strcmp(cfg->trunk.transport, "udp") &&
	    strcmp(cfg->trunk.transport, "tcp"))
		return EINVAL;
	return 0;
}


static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = '\0';
	return s;
}


int cb_config_load(struct cb_config *cfg, const char *path)
{
	char line[512];
	unsigned lineno = 0;
	FILE *f;
	int err = 0;

	if (!cfg || !path)
		return EINVAL;

	f = fopen(path, "r");
	if (!f)
		return errno;

	while (fgets(line, sizeof(line), f)) {
		char *key, *val, *hash;

		++lineno;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		val = key + strcspn(key, " \t");
		if (*val)
			*val++ = '\0';
		val = trim(val);

		err = cb_config_set(cfg, key, val);
		if (err) {
			re_fprintf(stderr, "%s:%u: %s: %s (%m)\n", path,
				   lineno, key,
				   err == ENOENT ? "unknown key"
						 : "invalid value", err);
			err = EINVAL;
			break;
		}
	}

	fclose(f);
	return err;
}


int cb_config_print(struct re_printf *pf, const struct cb_config *cfg)
{
	const uint8_t *base = (const uint8_t *)cfg;
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(config_table); i++) {
		const struct ckey *k = &config_table[i];
		const void *field = base + k->off;

		switch (k->type) {

		case CT_STR:
		case CT_LEVEL:
			/* never print secrets */
			if (strstr(k->key, "password") ||
			    strstr(k->key, "secret"))
				err |= re_hprintf(pf, "%-22s %s\n", k->key,
						  *(const char *)field
						  ? "(set)" : "");
			else
				err |= re_hprintf(pf, "%-22s %s\n", k->key,
						  (const char *)field);
			break;

		case CT_U32:
			err |= re_hprintf(pf, "%-22s %u\n", k->key,
					  k->size == sizeof(uint16_t)
					  ? *(const uint16_t *)field
					  : *(const uint32_t *)field);
			break;

		case CT_BOOL:
			err |= re_hprintf(pf, "%-22s %s\n", k->key,
					  *(const bool *)field ? "yes" : "no");
			break;

		case CT_LISTEN:
			for (uint32_t j = 0; j < cfg->sip_listenc; j++)
				err |= re_hprintf(pf, "%-22s %s\n", k->key,
						  cfg->sip_listen[j]);
			break;

		case CT_USER:
			for (uint32_t j = 0; j < cfg->userc; j++)
				err |= re_hprintf(pf, "%-22s %s (password "
						  "set)\n", k->key,
						  cfg->users[j].name);
			break;
		}
	}
	return err;
}


int cb_config_doc(struct re_printf *pf, void *unused)
{
	int err = 0;
	(void)unused;

	for (size_t i = 0; i < ARRAY_SIZE(config_table); i++) {
		const struct ckey *k = &config_table[i];

		err |= re_hprintf(pf, "%-20s default: %-18s %s\n", k->key,
				  k->dflt ? (*k->dflt ? k->dflt : "(empty)")
					  : "(none)", k->doc);
	}
	return err;
}
