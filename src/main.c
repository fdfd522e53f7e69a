/**
 * @file main.c  callbridge: wire the subsystems together and run
 *
 * Only wiring lives here: read the configuration (file, then command-line
 * overrides, through the one config table), raise the fd limit before any
 * socket exists, start each subsystem in dependency order, run libre's
 * main loop, and stop them in reverse order on SIGINT/SIGTERM.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <re.h>
#define CB_LOG_SUB CB_SUB_CORE
#include "cb_core.h"
#include "cb_media.h"
#include "cb_tts.h"
#include "cb_sip.h"
#include "cb_call.h"
#include "cb_store.h"
#include "cb_auth.h"
#include "cb_api.h"
#include "cb_money.h"
#include "cb_meter.h"

static struct cb_config cfg;   /* the configuration, read-only after start */


static void usage(void)
{
	(void)re_printf(
		"usage: callbridge [options]\n"
		"  -c, --config FILE        read the config file (key value)\n"
		"  -s, --sip-listen SPEC    SIP listener, e.g. "
		"udp:127.0.0.1:5060\n"
		"                           (repeatable; replaces sip.listen)\n"
		"  -H, --http-listen ADDR   HTTP API, e.g. 127.0.0.1:8080\n"
		"  -o, --set KEY=VALUE      override any config key\n"
		"      --print-config       print the effective config, exit\n"
		"      --config-doc         print every key, default and "
		"meaning, exit\n"
		"      --causes             print the leg end causes, exit\n"
		"  -h, --help               this help\n"
		"  -v, --version            print the version\n"
		"  admin COMMAND...         manage tenants, users and API "
		"keys in the\n"
		"                           store (`admin` alone lists the "
		"commands)\n");
}


static void signal_handler(int sig)
{
	log_info(NULL, "signal %d: shutting down", sig);
	re_cancel();
}


static int set_override(const char *kv)
{
	char key[64];
	const char *eq = strchr(kv, '=');
	int err;

	if (!eq || (size_t)(eq - kv) >= sizeof(key)) {
		re_fprintf(stderr, "--set wants KEY=VALUE, got '%s'\n", kv);
		return EINVAL;
	}
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	err = cb_config_set(&cfg, key, eq + 1);
	if (err)
		re_fprintf(stderr, "--set %s: %s\n", key,
			   err == ENOENT ? "unknown key" : "invalid value");
	return err;
}


/*
 * parse argv: the config file first, so overrides win whatever order;
 * `admin ...` (anywhere after the options) sets *adminp to its index
 */
static int parse_args(int argc, char *argv[], bool *exitp, int *adminp)
{
	static const struct option opts[] = {
		{"config",       required_argument, NULL, 'c'},
		{"sip-listen",   required_argument, NULL, 's'},
		{"http-listen",  required_argument, NULL, 'H'},
		{"set",          required_argument, NULL, 'o'},
		{"print-config", no_argument,       NULL, 'P'},
		{"config-doc",   no_argument,       NULL, 'D'},
		{"causes",       no_argument,       NULL, 'C'},
		{"help",         no_argument,       NULL, 'h'},
		{"version",      no_argument,       NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	bool print = false, listen_reset = false;
	int c, err;

	for (int pass = 0; pass < 2; pass++) {
		optind = 1;
		while ((c = getopt_long(argc, argv, "c:s:H:o:hv", opts,
					NULL)) != -1) {
			err = 0;
			if (pass == 0) {
				switch (c) {
				case 'c':
					err = cb_config_load(&cfg, optarg);
					if (err == ENOENT || err == EACCES)
						re_fprintf(stderr, "%s: %m\n",
							   optarg, err);
					break;
				case 'h': usage(); *exitp = true; return 0;
				case 'v':
					(void)re_printf("callbridge %s\n",
							CB_VERSION);
					*exitp = true;
					return 0;
				case 'D':
					(void)re_printf("%H", cb_config_doc,
							NULL);
					*exitp = true;
					return 0;
				case 'C':
					(void)re_printf("%H", cause_doc_print,
							NULL);
					*exitp = true;
					return 0;
				case '?': usage(); return EINVAL;
				default: break;
				}
			}
			else {
				switch (c) {
				case 's':
					if (!listen_reset) {
						cfg.sip_listenc = 0;
						listen_reset = true;
					}
					err = cb_config_set(&cfg, "sip.listen",
							    optarg);
					if (err)
						re_fprintf(stderr, "bad "
							   "--sip-listen %s\n",
							   optarg);
					break;
				case 'H':
					err = cb_config_set(&cfg,
							    "api.http_listen",
							    optarg);
					break;
				case 'o': err = set_override(optarg); break;
				case 'P': print = true; break;
				default: break;
				}
			}
			if (err)
				return err;
		}
	}

	if (optind < argc && !strcmp(argv[optind], "admin"))
		*adminp = optind;
	else if (optind < argc) {
		re_fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		return EINVAL;
	}

	err = cb_config_finish(&cfg);
	if (err) {
		re_fprintf(stderr, "inconsistent configuration (ports, "
			   "expiry bounds or trunk.transport)\n");
		return err;
	}
	if (print) {
		(void)re_printf("%H", cb_config_print, &cfg);
		*exitp = true;
	}
	return 0;
}


static int raise_fd_limit(uint32_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return errno;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want <= rl.rlim_max ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			return errno;
	}
	return fd_setsize((int)rl.rlim_cur);
}


static int log_setup(void)
{
	int err = cb_log_init(cfg.log_file, true);

	for (int s = 0; s < CB_SUB_MAX; s++) {
		enum cb_level lvl;

		if (!cb_log_level_parse(&lvl, cfg.log_level[s]))
			cb_log_level_set((enum cb_sub)s, lvl);
	}
	return err;
}


static int media_start(void)
{
	struct media_config mc;
	int err;

	memset(&mc, 0, sizeof(mc));
	err = sa_set_str(&mc.addr, cfg.media_addr, 0);
	if (err) {
		log_err(NULL, "media.addr '%s' is not an IP", cfg.media_addr);
		return err;
	}
	mc.port_min = (uint16_t)cfg.rtp_port_min;
	mc.port_max = (uint16_t)cfg.rtp_port_max;
	mc.timeout_ms = cfg.rtp_timeout_s * 1000;
	mc.quarantine_ms = cfg.rtp_quarantine_ms;
	mc.threads = cfg.media_threads;
	return media_init(&mc);
}


/* `callbridge admin ...`: the store only, no daemon */
static int admin_run(int argc, char *argv[])
{
	int rc;

	if (libre_init())
		return 1;
	rc = cb_rand_init() ? 1 : 0;
	if (!rc) {
		(void)cb_log_init(NULL, true);
		cb_log_level_set(CB_SUB_CORE, CB_LVL_WARN);
		cb_log_level_set(CB_SUB_API, CB_LVL_WARN);
		rc = auth_admin_main(&cfg, argc, argv);
		cb_log_close();
	}
	libre_close();
	return rc;
}


static int store_start(void)
{
	/* currencies and test card rules, before any money is moved */
	int err = money_config_apply(&cfg);

	if (!err)
		err = store_init(&cfg);
	if (!err)
		err = auth_init(&cfg, store_default());
	if (!err)
		call_tenant_default_set(auth_default_tenant());
	return err;
}


int main(int argc, char *argv[])
{
	bool exit_now = false;
	int admin = 0;
	int err;

	err = cb_config_defaults(&cfg);
	if (!err)
		err = parse_args(argc, argv, &exit_now, &admin);
	if (err || exit_now)
		return err ? 2 : 0;
	if (admin)
		return admin_run(argc - admin, argv + admin);

	err = libre_init();
	if (err)
		return 1;

	err = raise_fd_limit(cfg.max_fds);
	if (!err)
		err = cb_rand_init();
	if (!err)
		err = log_setup();
	if (err) {
		re_fprintf(stderr, "start-up failed: %m\n", err);
		goto out_libre;
	}

	log_info(NULL, "callbridge %s starting", CB_VERSION);

	err = media_start();
	if (err)
		goto out_log;
	err = sipua_init(&cfg);
	if (err)
		goto out_media;
	err = call_init(&cfg);
	if (err)
		goto out_sip;
	err = store_start();
	if (err)
		goto out_store;
	err = tts_init(&cfg);
	if (err)
		goto out_store;
	/* settles what a crash left open, before any call can be placed */
	err = meter_init(&cfg, store_default());
	if (err) {
		log_err(NULL, "meter: cannot start (%m)", err);
		goto out_tts;
	}
	err = api_init(&cfg);
	if (err)
		goto out_meter;

	log_info(NULL, "ready");
	(void)re_main(signal_handler);

	api_close();
 out_meter:
	meter_close();
 out_tts:
	tts_close();
 out_store:
	auth_close();
	store_close();
	call_close();
 out_sip:
	sipua_close();
 out_media:
	media_close();
 out_log:
	log_info(NULL, "stopped");
	cb_log_close();
 out_libre:
	libre_close();
	return err ? 1 : 0;
}
