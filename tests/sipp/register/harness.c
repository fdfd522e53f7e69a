/**
 * @file tests/sipp/register/harness.c  Registrar alone, for SIPp by hand
 *
 * A throwaway program until the daemon wires the registrar in: a libre
 * SIP stack on 127.0.0.1:<port> (UDP and TCP) with the registrar, users
 * alice/s3cret and bob/hunter2, realm callbridge.local, expiry 60..3600.
 * Prints one line per change of a user's contacts and the bindings on
 * exit (SIGINT/SIGTERM).  Built and driven by run.sh next to it.
 *
 *   harness <port> [log level, default debug]
 */
#include <stdio.h>
#include <stdlib.h>
#include <re.h>
#include "cb_core.h"
#include "sip/registrar.h"

static struct cb_config cfg;


static void change_handler(const char *user, uint32_t contacts, void *arg)
{
	(void)arg;
	(void)re_printf("change user=%s contacts=%u\n", user, contacts);
	(void)fflush(stdout);
}


static void signal_handler(int sig)
{
	(void)sig;
	re_cancel();
}


int main(int argc, char *argv[])
{
	struct sip *sip = NULL;
	enum cb_level lvl = CB_LVL_DEBUG;
	struct sa laddr;
	int err;

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && cb_log_level_parse(&lvl, argv[2])))
		return 2;

	err = libre_init();
	if (err)
		return 1;
	(void)cb_rand_init();
	(void)cb_log_init(NULL, true);
	cb_log_level_set(CB_SUB_SIP, lvl);

	err  = cb_config_defaults(&cfg);
	err |= cb_config_set(&cfg, "sip.user", "alice s3cret");
	err |= cb_config_set(&cfg, "sip.user", "bob hunter2");
	err |= cb_config_finish(&cfg);
	if (err)
		goto out;

	err = sip_alloc(&sip, NULL, 4096, 4096, 4096, "cb-harness", NULL, NULL);
	if (err)
		goto out;
	err = sa_set_str(&laddr, "127.0.0.1", (uint16_t)atoi(argv[1]));
	if (!err)
		err = sip_transp_add(sip, SIP_TRANSP_UDP, &laddr);
	if (!err)
		err = sip_transp_add(sip, SIP_TRANSP_TCP, &laddr);
	if (!err)
		err = registrar_init(sip, &cfg);
	if (err)
		goto out;
	registrar_set_change_h(change_handler, NULL);

	(void)re_printf("ready\n");
	(void)fflush(stdout);
	(void)re_main(signal_handler);
	(void)re_printf("%H", registrar_debug, NULL);

 out:
	registrar_close();
	if (sip)
		sip_close(sip, true);
	mem_deref(sip);
	libre_close();
	if (err)
		(void)re_fprintf(stderr, "harness: %m\n", err);
	return err ? 1 : 0;
}
