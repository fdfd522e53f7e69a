/**
 * @file simnet/args.c  Command line of cb-simnet
 *
 * cb-simnet has no configuration file: everything is an option, and the
 * option table below is the single place that lists them (getopt and the
 * --help text are both made from it).  Values are checked here, before
 * anything is started, so a typo exits with status 2 and a message that
 * names the option.  --rule takes two arguments: a prefix and an action.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "simnet.h"


enum opt_id {
	OPT_LISTEN = 256,
	OPT_RTP_ADDR,
	OPT_RTP_PORTS,
	OPT_AUTH,
	OPT_MAX_CALLS,
	OPT_RULE,
	OPT_NO_DEFAULTS,
	OPT_STATS_FILE,
	OPT_LOG_LEVEL,
	OPT_LOG_FILE,
	OPT_HELP,
	OPT_VERSION,
};

static const struct {
	struct option opt;
	const char *arg;
	const char *doc;
} opts[] = {
	{{"listen", 1, NULL, OPT_LISTEN}, "TP:ADDR:PORT",
	 "SIP listener, repeatable: udp:127.0.0.1:5080, tcp:[::1]:5080\n"
	 "                         (default udp:127.0.0.1:5080)"},
	{{"rtp-addr", 1, NULL, OPT_RTP_ADDR}, "IP",
	 "RTP address, one per family (default 127.0.0.1, and ::1\n"
	 "                         when a listener is IPv6)"},
	{{"rtp-ports", 1, NULL, OPT_RTP_PORTS}, "MIN-MAX",
	 "RTP port range (default 40000-44999)"},
	{{"auth", 1, NULL, OPT_AUTH}, "USER:PASS",
	 "challenge every INVITE with 407, realm \"simnet\""},
	{{"max-calls", 1, NULL, OPT_MAX_CALLS}, "N",
	 "answer 503 beyond N concurrent calls (default 0: no limit)"},
	{{"rule", 1, NULL, OPT_RULE}, "PREFIX ACTION[,k=v...]",
	 "add or replace a dial-plan rule (two arguments)"},
	{{"no-default-rules", 0, NULL, OPT_NO_DEFAULTS}, "",
	 "start from an empty dial plan"},
	{{"stats-file", 1, NULL, OPT_STATS_FILE}, "PATH",
	 "JSON lines, one per finished call, rewritten at each end"},
	{{"log-level", 1, NULL, OPT_LOG_LEVEL}, "LEVEL",
	 "error, warn, info (default) or debug"},
	{{"log-file", 1, NULL, OPT_LOG_FILE}, "PATH",
	 "append log lines to PATH instead of stderr"},
	{{"help", 0, NULL, OPT_HELP}, "", "this text"},
	{{"version", 0, NULL, OPT_VERSION}, "", "print the version"},
};


static const char *opt_name(int id)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		if (opts[i].opt.val == id)
			return opts[i].opt.name;
	}
	return "?";
}


static void usage(const struct sim_config *cfg)
{
	(void)re_printf("usage: cb-simnet [options]\n\n"
			"A simulated phone network on loopback: SIP over "
			"UDP/TCP and RTP, behaviour\nchosen by the called "
			"number.\n\noptions:\n");
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		char left[48];

		(void)re_snprintf(left, sizeof(left), "--%s %s",
				  opts[i].opt.name, opts[i].arg);
		if (strlen(left) > 22)
			(void)re_printf("  %s\n  %-23s%s\n", left, "",
					opts[i].doc);
		else
			(void)re_printf("  %-23s%s\n", left, opts[i].doc);
	}
	(void)re_printf("\nactions: answer[,delay=MS][,early=MS][,hangup=MS]"
			"[,audio=echo|tone|none][,freq=HZ]\n"
			"         busy[,delay=MS][,code=N]  "
			"noanswer  reject[,delay=MS][,code=N]\n"
			"\ndial plan (longest prefix wins):\n%H",
			sim_plan_print, &cfg->plan);
}


static int listen_check(const char *spec)
{
	struct sa sa;

	if (strlen(spec) >= 64)
		return EINVAL;
	if (strncmp(spec, "udp:", 4) && strncmp(spec, "tcp:", 4))
		return EINVAL;

	return sa_decode(&sa, spec + 4, strlen(spec + 4));
}


static int rtp_addr_set(struct sim_config *cfg, const char *ip)
{
	struct sa sa;
	int err;

	err = sa_set_str(&sa, ip, 0);
	if (err)
		return err;

	if (sa_af(&sa) == AF_INET6)
		cfg->rtp_addr6 = sa;
	else
		cfg->rtp_addr4 = sa;

	return 0;
}


static int ports_set(struct sim_config *cfg, const char *s)
{
	unsigned lo, hi;
	char tail;

	if (2 != sscanf(s, "%u-%u%c", &lo, &hi, &tail))
		return EINVAL;
	if (lo < 1024 || hi > 65534 || hi < lo + 2)
		return EINVAL;

	cfg->rtp_min = (uint16_t)lo;
	cfg->rtp_max = (uint16_t)hi;
	return 0;
}


static int auth_set(struct sim_config *cfg, const char *s)
{
	const char *colon = strchr(s, ':');
	size_t ulen;

	if (!colon || colon == s || !colon[1])
		return EINVAL;

	ulen = colon - s;
	if (ulen >= sizeof(cfg->auth_user) ||
	    strlen(colon + 1) >= sizeof(cfg->auth_pass))
		return EINVAL;

	memcpy(cfg->auth_user, s, ulen);
	cfg->auth_user[ulen] = '\0';
	str_ncpy(cfg->auth_pass, colon + 1, sizeof(cfg->auth_pass));
	return 0;
}


static int u32_set(uint32_t *vp, const char *s)
{
	char *end;
	unsigned long v;

	v = strtoul(s, &end, 10);
	if (!*s || *end || v > 1000000)
		return EINVAL;

	*vp = (uint32_t)v;
	return 0;
}


static void defaults_finish(struct sim_config *cfg)
{
	bool v6 = false;

	if (!cfg->listenc) {
		str_ncpy(cfg->listen[0], "udp:127.0.0.1:5080",
			 sizeof(cfg->listen[0]));
		cfg->listenc = 1;
	}

	for (uint32_t i = 0; i < cfg->listenc; i++) {
		if (strchr(cfg->listen[i], '['))
			v6 = true;
	}

	if (!sa_isset(&cfg->rtp_addr4, SA_ADDR) &&
	    !sa_isset(&cfg->rtp_addr6, SA_ADDR)) {
		(void)sa_set_str(&cfg->rtp_addr4, "127.0.0.1", 0);
		if (v6)
			(void)sa_set_str(&cfg->rtp_addr6, "::1", 0);
	}
}


/* one option; returns EINVAL with the option named by the caller */
static int opt_apply(struct sim_config *cfg, int id, const char *arg,
		     const char *arg2)
{
	switch (id) {

	case OPT_LISTEN:
		if (cfg->listenc >= SIM_LISTEN_MAX || listen_check(arg))
			return EINVAL;
		str_ncpy(cfg->listen[cfg->listenc++], arg,
			 sizeof(cfg->listen[0]));
		return 0;

	case OPT_RTP_ADDR:   return rtp_addr_set(cfg, arg);
	case OPT_RTP_PORTS:  return ports_set(cfg, arg);
	case OPT_AUTH:       return auth_set(cfg, arg);
	case OPT_MAX_CALLS:  return u32_set(&cfg->max_calls, arg);

	case OPT_RULE:
		if (!arg2)
			return EINVAL;
		return sim_plan_add(&cfg->plan, arg, arg2);

	case OPT_NO_DEFAULTS:
		cfg->plan.rulec = 0;
		return 0;

	case OPT_STATS_FILE:
		if (strlen(arg) >= sizeof(cfg->stats_path) - 8)
			return EINVAL;
		str_ncpy(cfg->stats_path, arg, sizeof(cfg->stats_path));
		return 0;

	case OPT_LOG_FILE:
		if (strlen(arg) >= sizeof(cfg->log_file))
			return EINVAL;
		str_ncpy(cfg->log_file, arg, sizeof(cfg->log_file));
		return 0;

	case OPT_LOG_LEVEL:
		return cb_log_level_parse(&cfg->log_level, arg);

	default:
		return EINVAL;
	}
}


/**
 * Fill cfg from the command line.  *donep is set when the program should
 * exit with status 0 (--help, --version).  Returns EINVAL after printing
 * what is wrong.
 */
int sim_args_parse(struct sim_config *cfg, int argc, char *argv[],
		   bool *donep)
{
	struct option longopts[ARRAY_SIZE(opts) + 1];
	int id, err;

	if (!cfg || !argv || !donep)
		return EINVAL;

	memset(cfg, 0, sizeof(*cfg));
	cfg->rtp_min = 40000;
	cfg->rtp_max = 44999;
	cfg->log_level = CB_LVL_INFO;
	*donep = false;

	err = sim_plan_defaults(&cfg->plan);
	if (err)
		return err;

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		longopts[i] = opts[i].opt;
	memset(&longopts[ARRAY_SIZE(opts)], 0, sizeof(longopts[0]));

	optind = 1;
	while ((id = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		const char *arg2 = NULL;

		if (id == OPT_HELP) {
			defaults_finish(cfg);
			usage(cfg);
			*donep = true;
			return 0;
		}
		if (id == OPT_VERSION) {
			(void)re_printf("cb-simnet %s (libre %s)\n",
					CB_VERSION, sys_libre_version_get());
			*donep = true;
			return 0;
		}
		if (id == '?') {
			(void)re_fprintf(stderr, "try cb-simnet --help\n");
			return EINVAL;
		}
		if (id == OPT_RULE && optind < argc)
			arg2 = argv[optind++];

		err = opt_apply(cfg, id, optarg, arg2);
		if (err) {
			(void)re_fprintf(stderr, "cb-simnet: bad value for "
					 "--%s: '%s%s%s'\n", opt_name(id),
					 optarg ? optarg : "",
					 arg2 ? " " : "", arg2 ? arg2 : "");
			return EINVAL;
		}
	}

	if (optind < argc) {
		(void)re_fprintf(stderr, "cb-simnet: unexpected argument "
				 "'%s'\n", argv[optind]);
		return EINVAL;
	}

	if (!cfg->plan.rulec) {
		(void)re_fprintf(stderr, "cb-simnet: the dial plan is "
				 "empty\n");
		return EINVAL;
	}

	defaults_finish(cfg);
	return 0;
}
