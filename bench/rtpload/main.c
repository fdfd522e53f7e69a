/**
 * @file bench/rtpload/main.c  RTP load generator for bridged calls
 *
 * Sets up N concurrent calls through a media relay, streams G.711 both ways
 * on every call and counts what comes out the other side.  The relay is
 * either callbridge itself, driven over SIP (this program is both the UAC
 * that calls callbridge and the trunk UAS that answers callbridge's
 * outbound INVITE: uac.c, uas.c, sip.c), or rtpengine, driven over its ng
 * control protocol (offer / answer / delete: ng.c), so that both relays
 * see the same RTP load.  A third mode, --direct, streams socket to socket
 * without any relay: the ceiling of the generator itself.
 *
 * This file reads the options and runs the phases in order: set up every
 * call, stream for warm-up + measured window (stream.c), tear every call
 * down, print the report (report.c).  The last line printed is
 * `RESULT key=value ...` for scripts (bench/media parses it).
 *
 * Single-threaded on purpose: one core runs the generator, the other the
 * relay (see bench/media, which pins both with taskset).
 */

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "rtpload.h"

void rl_info(const struct rl *rl, const char *fmt, ...)
{
	va_list ap;

	if (rl->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void usage(void)
{
	fprintf(stderr,
"usage: rtpload (--sip HOST:PORT | --rtpengine HOST:PORT | --direct)\n"
"               [options]\n"
"  --sip HOST:PORT        call the relay over SIP (callbridge)\n"
"  --trunk-port PORT      our trunk UAS port the relay calls (7090)\n"
"  --uac-port PORT        our UAC port (0: any)\n"
"  --rtpengine HOST:PORT  drive rtpengine over ng (offer/answer/delete)\n"
"  --direct               no relay: the generator's own ceiling\n"
"  --calls N              concurrent calls (100)\n"
"  --cps R                call setups (and teardowns) per second (200)\n"
"  --warmup S             seconds of media before measuring (1)\n"
"  --duration S           seconds measured (5)\n"
"  --socks K              media sockets per side (4)\n"
"  --late-ms MS           a packet later than this counts as late (100)\n"
"  --pid PID              relay process to measure in /proc\n"
"  --prefix +CC           number prefix; call i dials PREFIX + 7 digits\n"
"                         of i (+1555)\n"
"  --media-ip IP          address of our media sockets (127.0.0.1)\n"
"  --quiet                only the RESULT line\n");
}

/** Where the options put our own sockets */
struct local {
	const char *mip;
	uint16_t trunk_port, uac_port;
};

/** Fill rl and lo from the command line; 2 (exit status) if unusable */
static int options_parse(struct rl *rl, struct local *lo, int argc,
			 char **argv)
{
	static const struct option opts[] = {
		{"sip", 1, NULL, 's'}, {"trunk-port", 1, NULL, 't'},
		{"uac-port", 1, NULL, 'u'}, {"rtpengine", 1, NULL, 'r'},
		{"direct", 0, NULL, 'D'}, {"calls", 1, NULL, 'n'},
		{"cps", 1, NULL, 'c'}, {"warmup", 1, NULL, 'w'},
		{"duration", 1, NULL, 'd'}, {"socks", 1, NULL, 'k'},
		{"pid", 1, NULL, 'p'}, {"prefix", 1, NULL, 'P'},
		{"media-ip", 1, NULL, 'm'}, {"quiet", 0, NULL, 'q'},
		{"late-ms", 1, NULL, 'L'}, {"help", 0, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *relay = NULL;
	int o, mode = -1;

	rl->calls = 100;
	rl->cps = 200;
	rl->warmup_s = 1;
	rl->duration_s = 5;
	rl->socks = 4;
	rl->late_ns = 100 * NS_MS;
	strcpy(rl->prefix, "+1555");
	lo->mip = "127.0.0.1";
	lo->trunk_port = 7090;
	lo->uac_port = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': mode = MODE_SIP; relay = optarg; break;
		case 'r': mode = MODE_NG; relay = optarg; break;
		case 'D': mode = MODE_DIRECT; break;
		case 't': lo->trunk_port = (uint16_t)atoi(optarg); break;
		case 'u': lo->uac_port = (uint16_t)atoi(optarg); break;
		case 'n': rl->calls = (uint32_t)atoi(optarg); break;
		case 'c': rl->cps = atof(optarg); break;
		case 'w': rl->warmup_s = atof(optarg); break;
		case 'd': rl->duration_s = atof(optarg); break;
		case 'k': rl->socks = (uint32_t)atoi(optarg); break;
		case 'p': rl->pid = atoi(optarg); break;
		case 'P': snprintf(rl->prefix, sizeof(rl->prefix), "%s",
				   optarg); break;
		case 'm': lo->mip = optarg; break;
		case 'q': rl->quiet = true; break;
		case 'L': rl->late_ns = (uint64_t)(atof(optarg) * 1e6);
			  break;
		default: usage(); return 2;
		}
	}
	if (mode < 0 || rl->calls < 1 || rl->calls > 9999999 ||
	    rl->cps <= 0 || rl->socks < 1 || rl->socks > MAX_SOCKS ||
	    rl->duration_s <= 0 || rl->warmup_s < 0 ||
	    (relay && rl_addr_parse(&rl->relay, relay))) {
		usage();
		return 2;
	}
	rl->mode = (enum mode)mode;
	rl->salt = ((uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL))
		   & 0xfff00000u;   /* low 20 bits: (index << 1) | dir */
	if (rl->calls >= (1u << 19)) {
		fprintf(stderr, "rtpload: at most %u calls\n", 1u << 19);
		return 2;
	}
	return 0;
}

/** Setup, media, teardown, report: the measured run itself */
static void run(struct rl *rl)
{
	struct window w;
	long rss_before;

	memset(&w, 0, sizeof(w));
	rss_before = rl_proc_rss_kib(rl->pid);
	rl_info(rl, "rtpload: setting up %u calls at %.0f/s\n", rl->calls,
		rl->cps);
	if (rl->mode == MODE_SIP)
		rl_sip_setup(rl);
	else if (rl->mode == MODE_NG)
		rl_ng_setup(rl);
	else
		rl_direct_setup(rl);
	rl_info(rl, "rtpload: %u up, %u failed; streaming %.0f+%.0f s\n",
		rl->n_up, rl->n_failed, rl->warmup_s, rl->duration_s);
	rl_stop_clear();   /* a signal during setup still gets us a teardown */
	rl_stream_run(rl, &w);
	rl_stop_clear();
	rl_info(rl, "rtpload: tearing down\n");
	if (rl->mode == MODE_SIP)
		rl_sip_teardown(rl);
	else if (rl->mode == MODE_NG)
		rl_ng_teardown(rl);
	else
		rl_direct_teardown(rl);
	rl_report(rl, &w, rss_before);
}

int main(int argc, char **argv)
{
	static struct rl rl0;
	struct rl *rl = &rl0;
	struct local lo;
	int err;

	err = options_parse(rl, &lo, argc, argv);
	if (err)
		return err;
	rl_signals_init();
	rl_sockets_init(rl);
	if (rl_calls_alloc(rl) || rl_rtp_alloc(rl)) {
		fprintf(stderr, "rtpload: out of memory\n");
		err = 1;
		goto out;
	}
	err = rl_sockets_open(rl, lo.mip, lo.trunk_port, lo.uac_port);
	if (err) {
		fprintf(stderr, "rtpload: sockets: %s\n", strerror(err));
		err = 1;
		goto out;
	}
	run(rl);

 out:
	rl_sockets_close(rl);
	rl_rtp_free(rl);
	rl_calls_free(rl);
	return err;
}
