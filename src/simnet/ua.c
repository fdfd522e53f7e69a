/**
 * @file simnet/ua.c  The network's SIP stack: listeners, OPTIONS, shutdown
 *
 * One libre SIP stack with a transport per --listen, a session socket
 * whose connection handler (invite.c) takes new INVITEs, and a request
 * listener registered before it that answers every OPTIONS with 200.
 *
 * Shutdown ends every call (BYE when answered, 503 when not), writes the
 * stats file, then closes the SIP stack gracefully: libre calls our exit
 * handler once the last session has finished its BYE, and that stops
 * the main loop.  A deadline aborts the transactions still in flight
 * and stops it anyway if a peer never answers.
 * sip_close() gives up our reference until the exit handler returns it,
 * so the destructor releases the stack only if that happened.
 */
#include <string.h>
#include <re.h>
#define CB_LOG_SUB CB_SUB_SIM
#include "cb_core.h"
#include "simnet.h"


enum {
	EXIT_DEADLINE_MS = 4000,
	HASH_SIZE        = 256,
};

static const char options_hdrs[] =
	"Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO\r\n"
	"Accept: application/sdp\r\n"
	"Content-Length: 0\r\n"
	"\r\n";


static void destructor(void *arg)
{
	struct simnet *sn = arg;

	tmr_cancel(&sn->tmr_reap);
	tmr_cancel(&sn->tmr_exit);
	list_flush(&sn->calls);
	list_flush(&sn->endedl);
	mem_deref(sn->lsnr);
	mem_deref(sn->sock);
	if (!sn->sip_closing || sn->sip_exited)
		mem_deref(sn->sip);
	mem_deref(sn->clock);
	mem_deref(sn->stats);
}


static void sip_exit_handler(void *arg)
{
	struct simnet *sn = arg;

	sn->sip_exited = true;
	re_cancel();
}


static void exit_deadline(void *arg)
{
	struct simnet *sn = arg;

	log_warn(NULL, "shutdown: peers did not finish in %u ms",
		 EXIT_DEADLINE_MS);

	/* abort the BYEs still in flight so their sessions are freed; the
	   stack is alive, the sessions hold references on it */
	sip_close(sn->sip, true);
	re_cancel();
}


/** Free ended calls, outside of the callbacks that ended them */
void simnet_reap(void *arg)
{
	struct simnet *sn = arg;

	list_flush(&sn->endedl);
}


static bool options_handler(const struct sip_msg *msg, void *arg)
{
	struct simnet *sn = arg;

	if (pl_strcmp(&msg->met, "OPTIONS"))
		return false;

	(void)sip_treplyf(NULL, NULL, sn->sip, msg, false, 200, "OK",
			  "%s", options_hdrs);
	return true;
}


static int listener_add(struct simnet *sn, const char *spec)
{
	enum sip_transp tp;
	struct sa laddr;
	int err;

	tp = 0 == strncmp(spec, "tcp:", 4) ? SIP_TRANSP_TCP : SIP_TRANSP_UDP;

	err = sa_decode(&laddr, spec + 4, strlen(spec + 4));
	if (err)
		return err;

	err = sip_transp_add(sn->sip, tp, &laddr);
	if (err) {
		log_err(NULL, "cannot listen on %s: %m", spec, err);
		return err;
	}

	if (0 == sip_transp_laddr(sn->sip, &laddr, tp, &laddr))
		log_info(NULL, "listening on %s:%J",
			 tp == SIP_TRANSP_TCP ? "tcp" : "udp", &laddr);

	return 0;
}


int simnet_alloc(struct simnet **snp, const struct sim_config *cfg)
{
	struct simnet *sn;
	int err;

	if (!snp || !cfg)
		return EINVAL;

	sn = mem_zalloc(sizeof(*sn), destructor);
	if (!sn)
		return ENOMEM;

	sn->cfg = cfg;

	err  = sim_clock_alloc(&sn->clock, sim_media_tick);
	err |= sim_stats_alloc(&sn->stats, cfg->stats_path);
	if (err) {
		err = ENOMEM;
		log_err(NULL, "cannot start: %m", err);
		goto out;
	}

	err = sip_alloc(&sn->sip, NULL, HASH_SIZE, HASH_SIZE, HASH_SIZE,
			"cb-simnet/" CB_VERSION, sip_exit_handler, sn);
	if (err) {
		log_err(NULL, "sip_alloc: %m", err);
		goto out;
	}

	/* listener_add() says which listener failed */
	for (uint32_t i = 0; i < cfg->listenc && !err; i++)
		err = listener_add(sn, cfg->listen[i]);
	if (err)
		goto out;

	/* before sipsess_listen: listeners are tried in this order */
	err  = sip_listen(&sn->lsnr, sn->sip, true, options_handler, sn);
	err |= sipsess_listen(&sn->sock, sn->sip, HASH_SIZE,
			      simnet_conn_handler, sn);
	if (err) {
		err = ENOMEM;
		log_err(NULL, "cannot start: %m", err);
	}

 out:
	if (err)
		mem_deref(sn);
	else
		*snp = sn;

	return err;
}


/** SIGINT/SIGTERM: end every call, then stop once the BYEs are done */
void simnet_shutdown(struct simnet *sn)
{
	struct le *le;

	if (!sn || sn->closing)
		return;

	sn->closing = true;
	log_info(NULL, "shutting down: %u calls to end",
		 list_count(&sn->calls));

	le = sn->calls.head;
	while (le) {
		struct sim_call *call = le->data;

		/* the event moves the call to the ended list */
		le = le->next;
		(void)sim_call_event(call, SIM_EV_SHUTDOWN);
	}

	/* not inside a libre callback here: hang up right away */
	tmr_cancel(&sn->tmr_reap);
	list_flush(&sn->endedl);
	sim_stats_flush(sn->stats);

	tmr_start(&sn->tmr_exit, EXIT_DEADLINE_MS, exit_deadline, sn);
	sn->sip_closing = true;
	sip_close(sn->sip, false);
}


/** SIGUSR1: one line per live call, then the finished ones */
void simnet_dump(struct simnet *sn)
{
	struct le *le;

	if (!sn)
		return;

	LIST_FOREACH(&sn->calls, le) {
		struct sim_record rec;

		sim_call_snapshot(le->data, &rec);
		sim_record_log_active(&rec);
	}

	sim_stats_dump(sn->stats);
}
