/**
 * @file bench/conf/main.c  What a conference costs the media engine
 *
 * The media layer alone, no SIP: the engine of src/media/ with one worker
 * thread (media.threads = 1) pinned to the server core, rooms built with
 * media_mixer_alloc()/media_mixer_add() on real loopback RTP endpoints,
 * and gen.c playing every participant from a thread on the load core.
 * A shape is ROOMSxSIZE ("1x800": one room of 800; "500x3": 500 rooms of
 * three) or ROOMSxSIZEb: the same members in two-party bridges
 * (media_ep_bridge()) instead of rooms, to compare rooms of two with.
 *
 * Per shape and repetition: set up, warm up (--warm, 2 s: latching, the
 * receivers learn their best transit time), then measure --seconds (5).
 * Figures:
 *   - worker CPU: the media thread's run time (/proc schedstat) over the
 *     window, in % of one core and in us per participant per second;
 *   - loss in (talker -> mix): datagrams the engine never accepted (sent
 *     - engine rx after a drain) plus frames the mixer replaced by a newer
 *     one before a tick mixed them (no jitter buffer), over frames sent;
 *   - loss out (mix -> listener): RTP sequence gaps at the receivers plus
 *     packets later than 100 ms, over packets expected;
 *   - lateness p99/max at the receivers (arrival against RTP timestamp,
 *     relative to the stream's best);
 *   - mixer frame time p50/p99/max: one room's tick (decode is on
 *     receive; the tick sums, subtracts, clips, encodes and sends every
 *     member's frame), from the mixer's own histogram (mix.c).
 *
 *   conf [--shapes LIST] [--seconds S] [--warm S] [--repeat N] [--quick]
 *        [--json FILE] [--max-loss PCT]    exit 1 if a shape loses PCT
 *                                           or more (default: no check)
 *
 * CB_BENCH_SERVER_CORE / CB_BENCH_LOAD_CORE (0 / 1), CB_BENCH_MEDIA_MIN /
 * MAX (10000-31999) and CB_BENCH_NICE (-10, as root) as in docs/bench.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/resource.h>
#include <re.h>
#include "cb_media.h"
#include "cb_core.h"
#include "media/media.h"
#include "conf.h"

enum { SHAPES_MAX = 16, REPS_MAX = 9 };

struct shape {
	char name[16];
	unsigned rooms, size;
	bool bridge;
};

struct res {
	double cpu_pct, us_per_member, gen_cpu_pct;
	double in_loss_pct, out_loss_pct, loss_pct;
	double late_p99_ms, late_max_ms;
	double tick_p50_us, tick_p99_us, tick_max_us, tick_mean_us;
	double rx_pps, tx_pps;
	uint64_t sent, in_lost, overwritten, missing, frames;
	uint64_t out_exp, out_lost, late100;
	double gen_late_pct;
	double behind_max_ms;
};

struct snap {
	uint64_t cpu_ns, t;
	struct media_totals tot;
	uint64_t ticks, tick_ns, frames, missing, overwritten;
	uint32_t hist[MEDIA_MIX_HIST];
};

struct run {
	const struct shape *sh;
	struct media_mixer **mx;
	struct media_ep **ep;
	struct gen g;
	pid_t wtid;
};

static struct {
	struct shape shapes[SHAPES_MAX];
	unsigned nshapes;
	unsigned seconds, warm, repeat;
	const char *json;
	double max_loss;
	int server_core, load_core;
	bool rt;
	uint16_t port_min, port_max;
} opt = {.seconds = 5, .warm = 2, .repeat = 3, .max_loss = 0,
	 .server_core = 0, .load_core = 1,
	 .port_min = 10000, .port_max = 31999};

static const char full_shapes[] =
	"1x50,1x200,1x800,250x3,500x3,500x2,500x2b";
static const char quick_shapes[] = "1x20,1x100,20x3,20x2";


static int env_int(const char *name, int dflt)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : dflt;
}


static void stop_handler(void *arg)
{
	(void)arg;
	re_cancel();
}


static void loop_until(uint64_t t_ns)
{
	struct tmr t;
	uint64_t now = now_ns();

	if (t_ns <= now)
		return;
	tmr_init(&t);
	tmr_start(&t, (t_ns - now) / 1000000 + 1, stop_handler, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t);
}


/* the media worker's thread id, by its name */
static pid_t worker_tid(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	pid_t tid = 0;

	if (!d)
		return 0;
	while (!tid && (e = readdir(d))) {
		char path[300], name[32] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f) &&
		    !strncmp(name, "cb-media-0", 10))
			tid = atoi(e->d_name);
		fclose(f);
	}
	closedir(d);
	return tid;
}


static uint64_t thread_cpu_ns(pid_t tid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}


static uint64_t ld64(const _Atomic uint64_t *p)
{
	return atomic_load_explicit(p, memory_order_relaxed);
}


static void snap_take(const struct run *r, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->t = now_ns();
	s->cpu_ns = thread_cpu_ns(r->wtid);
	media_totals_get(&s->tot);
	if (r->sh->bridge)
		return;
	for (unsigned i = 0; i < r->sh->rooms; i++) {
		const struct mmix_stats *st = &r->mx[i]->m->st;

		s->ticks += ld64(&st->ticks);
		s->tick_ns += ld64(&st->tick_ns);
		s->frames += ld64(&st->frames);
		s->missing += ld64(&st->missing);
		s->overwritten += ld64(&st->overwritten);
		for (unsigned b = 0; b < MEDIA_MIX_HIST; b++)
			s->hist[b] += atomic_load_explicit(&st->hist[b],
						memory_order_relaxed);
	}
}


static double hist_pct_us(const uint32_t *h, uint64_t tot, double pct)
{
	uint64_t acc = 0;

	if (!tot)
		return 0;
	for (unsigned b = 0; b < MEDIA_MIX_HIST; b++) {
		acc += h[b];
		/* upper edge of the bucket: never flatters */
		if (acc * 100.0 >= pct * (double)tot)
			return media_mix_bucket_ns(b + 1) / 1e3;
	}
	return 0;
}


static int build(struct run *r)
{
	const struct shape *sh = r->sh;
	unsigned n = sh->rooms * sh->size;
	int err;

	r->mx = calloc(sh->rooms, sizeof(*r->mx));
	r->ep = calloc(n, sizeof(*r->ep));
	if (!r->mx || !r->ep)
		return ENOMEM;

	err = gen_open(&r->g, n);
	if (err)
		return err;
	r->g.core = opt.load_core;
	r->g.rt = opt.rt;

	for (unsigned i = 0; !sh->bridge && i < sh->rooms; i++) {
		err = media_mixer_alloc(&r->mx[i], "bench=conf");
		if (err)
			return err;
	}

	for (unsigned i = 0; i < n; i++) {
		struct media_params prm;
		struct sa laddr;

		memset(&prm, 0, sizeof(prm));
		err = media_ep_alloc(&r->ep[i], "bench=conf", NULL, NULL);
		if (err)
			return err;
		err = gen_addr(&r->g, i, &prm.raddr);
		if (err)
			return err;
		prm.codec = MEDIA_PCMU;
		prm.dtmf_pt = -1;
		prm.dir = MEDIA_SENDRECV;
		err = media_ep_params(r->ep[i], &prm);
		if (err)
			return err;
		media_ep_laddr(r->ep[i], &laddr);
		err = gen_connect(&r->g, i, &laddr);
		if (err)
			return err;
		if (sh->bridge)
			err = i % 2 ? media_ep_bridge(r->ep[i - 1], r->ep[i])
				: 0;
		else
			err = media_mixer_add(r->mx[i / sh->size], r->ep[i]);
		if (err)
			return err;
	}
	return 0;
}


static void teardown(struct run *r)
{
	unsigned n = r->sh->rooms * r->sh->size;

	for (unsigned i = 0; r->mx && i < r->sh->rooms; i++)
		mem_deref(r->mx[i]);
	for (unsigned i = 0; r->ep && i < n; i++)
		mem_deref(r->ep[i]);
	free(r->mx);
	free(r->ep);
	gen_close(&r->g);
}


static void results(const struct run *r, const struct snap *a,
		    const struct snap *b, const struct media_totals *fin,
		    struct res *o)
{
	const struct gen *g = &r->g;
	unsigned n = r->sh->rooms * r->sh->size;
	double wall = (double)(b->t - a->t) / 1e9;
	uint32_t h[MEDIA_MIX_HIST];
	uint64_t ticks = b->ticks - a->ticks;

	memset(o, 0, sizeof(*o));
	o->cpu_pct = 100.0 * (double)(b->cpu_ns - a->cpu_ns) / 1e9 / wall;
	o->us_per_member = o->cpu_pct * 1e4 / n;
	o->gen_cpu_pct = 100.0 * g->cpu_s /
		((double)(g->t_stop - g->t0) / 1e9);
	o->rx_pps = (double)(b->tot.rx_packets - a->tot.rx_packets) / wall;
	o->tx_pps = (double)(b->tot.tx_packets - a->tot.tx_packets) / wall;

	o->sent = g->sent;
	o->in_lost = g->sent > fin->rx_packets ? g->sent - fin->rx_packets
		: 0;
	o->frames = b->frames - a->frames;
	o->missing = b->missing - a->missing;
	o->overwritten = b->overwritten - a->overwritten;
	o->in_loss_pct = g->sent ? 100.0 * (double)o->in_lost / g->sent : 0;
	if (g->sent_w)
		o->in_loss_pct += 100.0 * (double)o->overwritten / g->sent_w;

	o->out_exp = g->exp_w;
	o->out_lost = g->exp_w > g->rx_w ? g->exp_w - g->rx_w : 0;
	o->late100 = g->late100_w;
	o->out_loss_pct = g->exp_w ? 100.0 * (double)(o->out_lost +
						 o->late100) / g->exp_w
		: 100;
	o->loss_pct = o->in_loss_pct > o->out_loss_pct ? o->in_loss_pct
		: o->out_loss_pct;
	o->late_p99_ms = gen_late_pct_ms(g, 99);
	o->late_max_ms = gen_late_pct_ms(g, 100);
	o->behind_max_ms = (double)g->behind_max_ns / 1e6;
	o->gen_late_pct = g->sent_w ? 100.0 * (double)g->sent_late_w /
		g->sent_w : 0;

	for (unsigned i = 0; i < MEDIA_MIX_HIST; i++)
		h[i] = b->hist[i] - a->hist[i];
	o->tick_p50_us = hist_pct_us(h, ticks, 50);
	o->tick_p99_us = hist_pct_us(h, ticks, 99);
	o->tick_max_us = hist_pct_us(h, ticks, 100);
	o->tick_mean_us = ticks ? (double)(b->tick_ns - a->tick_ns) / ticks
		/ 1e3 : 0;
}


static int run_one(const struct shape *sh, struct res *o)
{
	struct media_config cfg;
	struct media_totals fin;
	struct snap a, b;
	struct run r;
	int err;

	memset(&r, 0, sizeof(r));
	r.sh = sh;
	memset(&cfg, 0, sizeof(cfg));
	(void)sa_set_str(&cfg.addr, "127.0.0.1", 0);
	cfg.port_min = opt.port_min;
	cfg.port_max = opt.port_max;
	cfg.threads = 1;

	err = media_init(&cfg);
	if (err) {
		fprintf(stderr, "conf: media_init: %s\n", strerror(err));
		return err;
	}
	err = build(&r);
	if (err) {
		fprintf(stderr, "conf: %s: set-up failed: %s\n", sh->name,
			strerror(err));
		goto out;
	}
	/* let the worker run the commands */
	loop_until(now_ns() + 300000000ull);
	r.wtid = worker_tid();

	r.g.t0 = now_ns() + 10000000ull;
	r.g.t_warm = r.g.t0 + opt.warm * 1000000000ull;
	r.g.t_end = r.g.t_warm + opt.seconds * 1000000000ull;
	r.g.t_stop = r.g.t_end + 300000000ull;
	err = gen_start(&r.g);
	if (err)
		goto out;

	loop_until(r.g.t_warm);
	snap_take(&r, &a);
	loop_until(r.g.t_end);
	snap_take(&r, &b);
	gen_join(&r.g);
	media_totals_get(&fin);
	results(&r, &a, &b, &fin, o);
 out:
	teardown(&r);
	media_close();
	return err;
}


static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}


/* median of one field over the repetitions */
static double med(const struct res *v, unsigned n, size_t off)
{
	double x[REPS_MAX];

	for (unsigned i = 0; i < n; i++)
		x[i] = *(const double *)(const void *)
			((const char *)&v[i] + off);
	qsort(x, n, sizeof(x[0]), cmp_dbl);
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

#define MED(f) med(v, n, offsetof(struct res, f))


static void print_rep(const struct shape *sh, const struct res *o)
{
	printf("conf: %-7s cpu %5.1f %% (%6.2f us/member/s) in %6.0f/s "
	       "out %6.0f/s  loss in %.3f %% out %.3f %%  late p99 %.1f "
	       "max %.1f ms  tick p50 %.0f p99 %.0f max %.0f us  "
	       "(missing %llu, dropped %llu, mixed %llu, gen %.0f %%, "
	       "gen late %.3f %% max %.1f ms)\n",
	       sh->name, o->cpu_pct, o->us_per_member, o->rx_pps, o->tx_pps,
	       o->in_loss_pct, o->out_loss_pct, o->late_p99_ms,
	       o->late_max_ms, o->tick_p50_us, o->tick_p99_us,
	       o->tick_max_us, (unsigned long long)o->missing,
	       (unsigned long long)o->overwritten,
	       (unsigned long long)o->frames, o->gen_cpu_pct,
	       o->gen_late_pct, o->behind_max_ms);
	fflush(stdout);
}


static void json_shape(FILE *f, const struct shape *sh, const struct res *v,
		       unsigned n, bool first)
{
	fprintf(f, "%s\n  \"%s\": {\"rooms\": %u, \"size\": %u, "
		"\"bridge\": %s, \"members\": %u, "
		"\"cpu_pct\": %.2f, \"us_per_member_s\": %.3f, "
		"\"cpu_pct_per_member\": %.5f, "
		"\"in_loss_pct\": %.4f, \"out_loss_pct\": %.4f, "
		"\"loss_pct\": %.4f, \"late_p99_ms\": %.1f, "
		"\"late_max_ms\": %.1f, \"tick_p50_us\": %.1f, "
		"\"tick_p99_us\": %.1f, \"tick_max_us\": %.1f, "
		"\"tick_mean_us\": %.1f, \"rx_pps\": %.0f, \"tx_pps\": %.0f, "
		"\"gen_cpu_pct\": %.1f, \"reps\": %u}",
		first ? "" : ",", sh->name, sh->rooms, sh->size,
		sh->bridge ? "true" : "false", sh->rooms * sh->size,
		MED(cpu_pct), MED(us_per_member),
		MED(cpu_pct) / (sh->rooms * sh->size),
		MED(in_loss_pct), MED(out_loss_pct), MED(loss_pct),
		MED(late_p99_ms), MED(late_max_ms), MED(tick_p50_us),
		MED(tick_p99_us), MED(tick_max_us), MED(tick_mean_us),
		MED(rx_pps), MED(tx_pps), MED(gen_cpu_pct), n);
}


static int shapes_parse(const char *s)
{
	opt.nshapes = 0;
	while (*s) {
		struct shape *sh = &opt.shapes[opt.nshapes];
		char *end;
		size_t len;

		if (opt.nshapes == SHAPES_MAX)
			return EINVAL;
		sh->rooms = (unsigned)strtoul(s, &end, 10);
		if (*end != 'x')
			return EINVAL;
		sh->size = (unsigned)strtoul(end + 1, &end, 10);
		sh->bridge = *end == 'b';
		if (sh->bridge)
			++end;
		if (*end && *end != ',')
			return EINVAL;
		if (!sh->rooms || !sh->size || sh->rooms * sh->size > 5000 ||
		    (sh->bridge && sh->size != 2))
			return EINVAL;
		len = (size_t)(end - s);
		if (len >= sizeof(sh->name))
			return EINVAL;
		memcpy(sh->name, s, len);
		sh->name[len] = '\0';
		++opt.nshapes;
		s = *end ? end + 1 : end;
	}
	return opt.nshapes ? 0 : EINVAL;
}


static void usage(void)
{
	fprintf(stderr, "usage: conf [--shapes LIST] [--seconds S] "
		"[--warm S] [--repeat N] [--quick] [--json FILE] "
		"[--max-loss PCT]\n"
		"  LIST: ROOMSxSIZE[b],...  (default %s; --quick %s)\n",
		full_shapes, quick_shapes);
}


static int opts_parse(int argc, char *argv[])
{
	static const struct option lo[] = {
		{"shapes", required_argument, NULL, 's'},
		{"seconds", required_argument, NULL, 'd'},
		{"warm", required_argument, NULL, 'w'},
		{"repeat", required_argument, NULL, 'r'},
		{"quick", no_argument, NULL, 'q'},
		{"json", required_argument, NULL, 'j'},
		{"max-loss", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0}
	};
	const char *shapes = full_shapes;
	bool quick = false, rset = false, dset = false;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': shapes = optarg; break;
		case 'd': opt.seconds = (unsigned)atoi(optarg); dset = true;
			  break;
		case 'w': opt.warm = (unsigned)atoi(optarg); break;
		case 'r': opt.repeat = (unsigned)atoi(optarg); rset = true;
			  break;
		case 'q': quick = true; break;
		case 'j': opt.json = optarg; break;
		case 'l': opt.max_loss = atof(optarg); break;
		default: return EINVAL;
		}
	}
	if (quick) {
		if (shapes == full_shapes)
			shapes = quick_shapes;
		if (!rset)
			opt.repeat = 1;
		if (!dset)
			opt.seconds = 1;
		opt.warm = opt.warm > 1 ? 1 : opt.warm;
	}
	if (optind != argc || !opt.seconds || !opt.repeat ||
	    opt.repeat > REPS_MAX)
		return EINVAL;
	return shapes_parse(shapes);
}


/* pin (threads inherit it), and rank above other work like benchlib */
static void placement(void)
{
	int nice_v = env_int("CB_BENCH_NICE", -10);
	cpu_set_t set;
	struct rlimit rl;

	opt.server_core = env_int("CB_BENCH_SERVER_CORE", 0);
	opt.load_core = env_int("CB_BENCH_LOAD_CORE", 1);
	opt.port_min = (uint16_t)env_int("CB_BENCH_MEDIA_MIN", 10000);
	opt.port_max = (uint16_t)env_int("CB_BENCH_MEDIA_MAX", 31999);

	CPU_ZERO(&set);
	CPU_SET(opt.server_core, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "conf: cannot pin to core %d\n",
			opt.server_core);

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}

	if (nice_v && geteuid() == 0) {
		FILE *f;

		(void)setsid();
		f = fopen("/proc/self/autogroup", "w");
		if (f) {
			fprintf(f, "%d", nice_v);
			fclose(f);
		}
		(void)setpriority(PRIO_PROCESS, 0, nice_v);
		opt.rt = true;
	}
}


int main(int argc, char *argv[])
{
	static struct res v[SHAPES_MAX][REPS_MAX];
	bool bad = false;
	FILE *f = NULL;
	int err;

	if (opts_parse(argc, argv)) {
		usage();
		return 2;
	}
	placement();

	err = libre_init();
	if (err)
		return 1;
	cb_log_init(NULL, true);
	cb_log_level_set(CB_SUB_MEDIA, CB_LVL_WARN);
	cb_log_level_set(CB_SUB_CORE, CB_LVL_WARN);

	printf("conf: media worker on core %d, generator on core %d, "
	       "%u s warm-up + %u s measured, %u run(s) per shape\n",
	       opt.server_core, opt.load_core, opt.warm, opt.seconds,
	       opt.repeat);

	for (unsigned s = 0; s < opt.nshapes && !err; s++) {
		for (unsigned i = 0; i < opt.repeat && !err; i++) {
			err = run_one(&opt.shapes[s], &v[s][i]);
			if (!err)
				print_rep(&opt.shapes[s], &v[s][i]);
		}
	}

	if (!err && opt.json) {
		f = fopen(opt.json, "w");
		if (!f)
			err = errno;
	}
	if (f)
		fprintf(f, "{\n \"seconds\": %u, \"warm\": %u, "
			"\"max_loss_pct\": %g, \"shapes\": {", opt.seconds,
			opt.warm, opt.max_loss);

	for (unsigned s = 0; s < opt.nshapes && !err; s++) {
		const struct shape *sh = &opt.shapes[s];
		const struct res *vs = v[s];
		unsigned n = opt.repeat;
		double loss = med(vs, n, offsetof(struct res, loss_pct));

		printf("conf: median %-7s %4u members: worker %5.1f %% of a "
		       "core, %.4f %% per member; loss %.3f %%; late p99 "
		       "%.1f ms; tick p50 %.0f us p99 %.0f us\n", sh->name,
		       sh->rooms * sh->size,
		       med(vs, n, offsetof(struct res, cpu_pct)),
		       med(vs, n, offsetof(struct res, cpu_pct)) /
		       (sh->rooms * sh->size), loss,
		       med(vs, n, offsetof(struct res, late_p99_ms)),
		       med(vs, n, offsetof(struct res, tick_p50_us)),
		       med(vs, n, offsetof(struct res, tick_p99_us)));
		if (opt.max_loss > 0 && loss >= opt.max_loss) {
			printf("conf: %s: loss %.3f %% >= %g %%\n", sh->name,
			       loss, opt.max_loss);
			bad = true;
		}
		if (f)
			json_shape(f, sh, vs, n, s == 0);
	}
	if (f) {
		fprintf(f, "\n },\n \"ok\": %s\n}\n",
			bad || err ? "false" : "true");
		fclose(f);
	}

	cb_log_close();
	libre_close();
	if (err)
		fprintf(stderr, "conf: failed: %s\n", strerror(err));
	return err ? 1 : bad ? 1 : 0;
}
