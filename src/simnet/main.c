/**
 * @file simnet/main.c  cb-simnet: the simulated phone network
 *
 * Wiring only: parse the command line, start libre and the logger, build
 * the network (ua.c), turn signals into loop events, run the loop, and
 * tear everything down in reverse so that a sanitizer build ends with no
 * leak.  SIGINT/SIGTERM shut down gracefully (a second one stops at
 * once); SIGUSR1 logs every call and rewrites the stats file.
 *
 * Exit status: 0 after a clean shutdown, 1 when the network could not
 * start (a port in use...), 2 for a bad command line.
 */
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <re.h>
#define DEBUG_MODULE "simnet"
#define DEBUG_LEVEL 0
#include <re_dbg.h>
#define CB_LOG_SUB CB_SUB_SIM
#include "cb_core.h"
#include "simnet.h"


enum { MAX_FDS = 8192 };

static struct sim_config config;   /* read-only once parsed */


static void signal_handler(int signo, void *arg)
{
	struct simnet *sn = arg;

	if (signo == SIGUSR1) {
		simnet_dump(sn);
		return;
	}

	if (sn->closing) {
		log_warn(NULL, "signal %d again: stopping now", signo);
		re_cancel();
		return;
	}

	log_info(NULL, "signal %d: shutting down", signo);
	simnet_shutdown(sn);
}


/*
 * libre's own messages go through our logger, without ANSI colours.
 * Its RTCP code warns whenever a sender restarts its sequence numbers,
 * which SIPp's pcap replay does for every digit: that is debug detail.
 */
static void dbg_handler(int level, const char *p, size_t len, void *arg)
{
	enum cb_level lvl = level <= DBG_ERR ? CB_LVL_ERROR :
		level == DBG_WARNING ? CB_LVL_WARN :
		level <= DBG_INFO ? CB_LVL_INFO : CB_LVL_DEBUG;
	(void)arg;

	if (len > 9 && 0 == memcmp(p, "rtcp_sess", 9))
		lvl = CB_LVL_DEBUG;
	if (!cb_log_enabled(CB_SUB_SIM, lvl))
		return;

	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		--len;

	cb_log(CB_SUB_SIM, lvl, "lib=re", "%b", p, len);
}


/* one fd per SIP/TCP connection, two per call (RTP, RTCP) */
static void fd_limit_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;

	if (rl.rlim_cur < MAX_FDS) {
		rl.rlim_cur = rl.rlim_max < MAX_FDS ? rl.rlim_max : MAX_FDS;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}


static int ready_print(struct re_printf *pf, void *unused)
{
	int err = re_hprintf(pf, "listen=");
	(void)unused;

	for (uint32_t i = 0; i < config.listenc; i++)
		err |= re_hprintf(pf, "%s%s", i ? "," : "", config.listen[i]);

	return err | re_hprintf(pf, " rules=%u auth=%s max_calls=%u",
				config.plan.rulec,
				config.auth_user[0] ? "yes" : "no",
				config.max_calls);
}


int main(int argc, char *argv[])
{
	struct simnet *sn = NULL;
	char ctx[768];
	bool done;
	int err;

	err = sim_args_parse(&config, argc, argv, &done);
	if (err)
		return 2;
	if (done)
		return 0;

	err = cb_log_init(config.log_file, !config.log_file[0]);
	if (err) {
		(void)re_fprintf(stderr, "cb-simnet: log file %s: %m\n",
				 config.log_file, err);
		return 2;
	}
	cb_log_level_set(CB_SUB_SIM, config.log_level);

	fd_limit_raise();

	err = libre_init();
	if (err) {
		log_err(NULL, "libre_init: %m", err);
		goto out;
	}

	(void)fd_setsize(MAX_FDS);
	dbg_init(config.log_level >= CB_LVL_DEBUG ? DBG_INFO : DBG_WARNING,
		 DBG_NONE);
	dbg_handler_set(dbg_handler, NULL);

	/* logs what failed itself (which listener...) */
	err = simnet_alloc(&sn, &config);
	if (err)
		goto out;

	err = sim_signals_init(signal_handler, sn);
	if (err) {
		log_err(NULL, "signals: %m", err);
		goto out;
	}

	(void)re_snprintf(ctx, sizeof(ctx), "%H", ready_print, NULL);
	log_info(ctx, "ready");

	err = re_main(NULL);
	if (err)
		log_err(NULL, "main loop: %m", err);

	sim_stats_flush(sn->stats);
	log_info(NULL, "stopped");

 out:
	sim_signals_close();
	sn = mem_deref(sn);
	dbg_handler_set(NULL, NULL);
	libre_close();
	cb_log_close();

	return err ? 1 : 0;
}
