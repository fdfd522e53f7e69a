/**
 * @file bench/meter.c  What metering live legs costs the daemon
 *
 * The meter of src/meter/ with everything it does for a running call,
 * and nothing else: N legs (N/2 bridged calls, one hold each, on a real
 * SQLite store with its worker threads) answered at random moments of
 * the last ten minutes, so their increments fall evenly over time, then
 * metered for --seconds by the one timer heap.  Every increment updates
 * the leg's cost and marks the call and its payer; every
 * money.cost_event_ms each marked call's `billing` JSON is rendered (the
 * call.cost event; with no call model here nobody receives it), every
 * money.meter_persist_ms the moved costs are written to their holds in
 * one transaction by a store worker.
 *
 * The figure is CPU time of the whole process (event loop and store
 * workers) per second of wall time, in % of one core: what metering N
 * legs costs.  Two rate shapes: 1/1 (a new increment every second for
 * every leg: the worst case) and 60/6 (the common one).  Set-up (holds,
 * answers) and the final settlement are outside the measured window.
 *
 *   meter [--legs N] [--seconds S] [--quick] [--dir DIR] [--json FILE]
 *         [--max-pct P]      exit 1 if 60/6 costs more than P % (5)
 *         [--event-ms MS] [--persist-ms MS]   money.cost_event_ms (0:
 *                            no events), money.meter_persist_ms
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "meter/meter.h"      /* the meter's internals, and its headers */

struct opts {
	unsigned legs, seconds;
	const char *dir, *json;
	unsigned max_pct;
	int event_ms, persist_ms;     /* -1: the config's default */
};

struct phase {
	const char *name;          /* "1/1", "60/6" */
	uint32_t first_s, next_s;
	double cpu_pct;
	uint64_t fires, events, points, batches;
	uint64_t wall_us;
};


static uint64_t now_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}


static void stop_handler(void *arg)
{
	(void)arg;
	re_cancel();
}


/* run the loop for ms milliseconds */
static void loop_for(uint64_t ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, stop_handler, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t);
}


static int setup_tenant(struct store *st, char tenant[CB_ID_LEN + 1],
			char acc[CB_ID_LEN + 1], unsigned calls)
{
	struct store_tenant t;
	struct store_account a;
	int err;

	memset(&t, 0, sizeof(t));
	cb_id_new(t.id, 't');
	str_ncpy(t.name, "meterbench", sizeof(t.name));
	err = store_tenant_create(st, &t);
	if (!err)
		err = money_account_create(st, &a, t.id, "customer", "payer",
					   0);
	if (!err)
		err = money_topup(st, t.id, a.id,
				  (int64_t)calls * 1000 * MONEY_SCALE, NULL,
				  NULL, NULL);
	str_ncpy(tenant, t.id, CB_ID_LEN + 1);
	str_ncpy(acc, a.id, CB_ID_LEN + 1);
	return err;
}


/* one bridged call: a hold, two rated legs answered `ago` ms ago */
static int call_add(struct store *st, const char *tenant, const char *acc,
		    const struct store_money_tenant *mt,
		    const struct store_rate *rate, uint64_t ago)
{
	struct meter_bill *bill = NULL;
	struct store_hold h;
	struct payer *p;
	char cid[CB_ID_LEN + 1], ref[STORE_REF_MAX];
	uint64_t now = call_now_ms();
	int err;

	cb_id_new(cid, 'c');
	(void)re_snprintf(ref, sizeof(ref), "call:%s", cid);
	err = money_hold_authorize(st, &h, tenant, acc, 100 * MONEY_SCALE,
				   NULL, ref, NULL);
	if (!err)
		err = mtr_bill_alloc(&bill, cid, tenant, mt,
				     MONEY_LIMIT_EXTEND);
	if (err)
		return err;
	p = mtr_bill_payer_add(bill, METER_PAYER_CALLER, acc, h.id, h.amount);
	for (int r = 0; r < METER_ROLE_MAX; r++) {
		struct role *ro = &bill->rolev[r];

		ro->present = ro->rated = true;
		str_ncpy(ro->number, r ? "+15550101" : "+15550100",
			 sizeof(ro->number));
		str_ncpy(ro->peer, ro->number, sizeof(ro->peer));
		ro->rate = *rate;
		ro->payer = p;
	}
	bill->state = BILL_LIVE;
	err = mtr_bill_register(bill);
	for (int r = 0; r < METER_ROLE_MAX && !err; r++) {
		char lid[CB_ID_LEN + 1];
		struct mleg *l;

		cb_id_new(lid, 'l');
		l = mtr_bill_leg_bind(bill, lid, (enum meter_role)r, NULL,
				      now - ago - 1000);
		if (!l)
			err = ENOSPC;
		else
			mtr_mleg_answer(l, now - ago);
	}
	mem_deref(bill);
	return err;
}


static int phase_run(struct phase *ph, const struct opts *o,
		     const struct cb_config *cfg, struct store *st,
		     const char *tenant, const char *acc)
{
	struct store_money_tenant mt;
	struct store_rate rate;
	uint64_t cpu0, wall0, f0, e0, p0, b0, p1, b1;
	int err;

	memset(&rate, 0, sizeof(rate));
	str_ncpy(rate.prefix, "1555", sizeof(rate.prefix));
	str_ncpy(rate.name, "bench", sizeof(rate.name));
	rate.per_min = MONEY_SCALE * 6 / 10;
	rate.first_s = ph->first_s;
	rate.next_s = ph->next_s;

	err = money_tenant_get(st, &mt, tenant);
	if (!err)
		err = meter_init(cfg, st);
	for (unsigned i = 0; i < o->legs / 2 && !err; i++)
		err = call_add(st, tenant, acc, &mt, &rate,
			       (uint64_t)(rand() % 600000));
	if (err)
		return err;

	/* the first answers' open CDRs are written; then the steady state */
	loop_for(2000);
	f0 = mtr_fired();
	e0 = mtr_publish_count();
	mtr_persist_stats(&b0, &p0);
	fprintf(stderr, "meter: measuring %s for %u s\n", ph->name,
		o->seconds);
	cpu0 = now_us(CLOCK_PROCESS_CPUTIME_ID);
	wall0 = now_us(CLOCK_MONOTONIC);
	loop_for((uint64_t)o->seconds * 1000);
	ph->wall_us = now_us(CLOCK_MONOTONIC) - wall0;
	ph->cpu_pct = 100.0 * (double)(now_us(CLOCK_PROCESS_CPUTIME_ID) -
				       cpu0) / (double)ph->wall_us;
	ph->fires = mtr_fired() - f0;
	ph->events = mtr_publish_count() - e0;
	mtr_persist_stats(&b1, &p1);
	ph->points = p1 - p0;
	ph->batches = b1 - b0;

	meter_close();           /* settles every call: not measured */
	return 0;
}


static double rate_of(uint64_t n, uint64_t us)
{
	return us ? (double)n * 1e6 / (double)us : 0;
}


static int report(const struct opts *o, const struct phase *v, size_t n)
{
	FILE *f;

	for (size_t i = 0; i < n; i++)
		printf("meter: %5s increments, %u legs: %5.2f %% of one core "
		       "(%.0f increments/s, %.0f cost events/s, %.0f holds "
		       "persisted/s in %.1f batches/s)\n", v[i].name, o->legs,
		       v[i].cpu_pct, rate_of(v[i].fires, v[i].wall_us),
		       rate_of(v[i].events, v[i].wall_us),
		       rate_of(v[i].points, v[i].wall_us),
		       rate_of(v[i].batches, v[i].wall_us));
	if (!o->json)
		return 0;
	f = fopen(o->json, "w");
	if (!f)
		return errno;
	fprintf(f, "{\n \"legs\": %u,\n \"seconds\": %u,\n \"phases\": [",
		o->legs, o->seconds);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n  {\"increments\": \"%s\", \"cpu_pct\": %.3f, "
			"\"increments_per_s\": %.0f, \"events_per_s\": %.0f, "
			"\"persisted_per_s\": %.0f, \"batches_per_s\": %.1f}",
			i ? "," : "", v[i].name, v[i].cpu_pct,
			rate_of(v[i].fires, v[i].wall_us),
			rate_of(v[i].events, v[i].wall_us),
			rate_of(v[i].points, v[i].wall_us),
			rate_of(v[i].batches, v[i].wall_us));
	fprintf(f, "\n ],\n \"max_pct\": %u\n}\n", o->max_pct);
	return fclose(f) ? errno : 0;
}


static void usage(void)
{
	fprintf(stderr, "usage: meter [--legs N] [--seconds S] [--quick] "
		"[--dir DIR] [--json FILE] [--max-pct P] [--event-ms MS] "
		"[--persist-ms MS]\n");
}


static int opts_parse(struct opts *o, int argc, char *argv[])
{
	static const struct option lo[] = {
		{"legs", required_argument, NULL, 'n'},
		{"seconds", required_argument, NULL, 's'},
		{"quick", no_argument, NULL, 'q'},
		{"dir", required_argument, NULL, 'd'},
		{"json", required_argument, NULL, 'j'},
		{"max-pct", required_argument, NULL, 'm'},
		{"event-ms", required_argument, NULL, 'e'},
		{"persist-ms", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	int c;

	o->legs = 10000;
	o->seconds = 20;
	o->dir = "build/bench";
	o->max_pct = 5;
	o->event_ms = o->persist_ms = -1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'n': o->legs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': o->seconds = (unsigned)strtoul(optarg, NULL, 10);
			  break;
		case 'q': o->legs = 2000; o->seconds = 3; break;
		case 'd': o->dir = optarg; break;
		case 'j': o->json = optarg; break;
		case 'm': o->max_pct = (unsigned)strtoul(optarg, NULL, 10);
			  break;
		case 'e': o->event_ms = atoi(optarg); break;
		case 'p': o->persist_ms = atoi(optarg); break;
		default: usage(); return EINVAL;
		}
	}
	if (o->legs < 2 || !o->seconds) {
		usage();
		return EINVAL;
	}
	return 0;
}


static void files_remove(char *path)
{
	size_t n = strlen(path);

	unlink(path);
	(void)re_snprintf(path + n, 8, "-wal");
	unlink(path);
	(void)re_snprintf(path + n, 8, "-shm");
	unlink(path);
	path[n] = '\0';
}


int main(int argc, char *argv[])
{
	struct phase phv[] = {{"1/1", 1, 1, 0, 0, 0, 0, 0, 0},
			      {"60/6", 60, 6, 0, 0, 0, 0, 0, 0}};
	char tenant[CB_ID_LEN + 1], acc[CB_ID_LEN + 1], path[512];
	struct cb_config *cfg;
	struct store *st = NULL;
	struct opts o;
	int fd, err;

	memset(&o, 0, sizeof(o));
	if (opts_parse(&o, argc, argv))
		return 2;
	if (libre_init() || cb_rand_init())
		return 1;
	cb_log_init(NULL, true);
	cb_log_level_set(CB_SUB_CORE, CB_LVL_WARN);
	srand(42);

	cfg = mem_zalloc(sizeof(*cfg), NULL);
	err = cfg ? cb_config_defaults(cfg) : ENOMEM;
	if (!err && o.event_ms >= 0)
		cfg->money_cost_event_ms = (uint32_t)o.event_ms;
	if (!err && o.persist_ms > 0)
		cfg->money_persist_ms = (uint32_t)o.persist_ms;
	(void)re_snprintf(path, sizeof(path), "%s/meter-XXXXXX", o.dir);
	fd = err ? -1 : mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "meter: %s: %s\n", path, strerror(errno));
		return 1;
	}
	close(fd);
	err = store_open(&st, path);
	if (!err)
		err = store_async_start(st, cfg->store_workers);
	if (!err)
		err = setup_tenant(st, tenant, acc, o.legs);
	for (size_t i = 0; i < ARRAY_SIZE(phv) && !err; i++)
		err = phase_run(&phv[i], &o, cfg, st, tenant, acc);
	if (!err)
		err = report(&o, phv, ARRAY_SIZE(phv));
	if (err)
		fprintf(stderr, "meter: failed: %s\n", strerror(err));
	else if (phv[1].cpu_pct > o.max_pct) {
		fprintf(stderr, "meter: 60/6 costs %.2f %% of a core, above "
			"%u %%\n", phv[1].cpu_pct, o.max_pct);
		err = EAGAIN;
	}

	mem_deref(st);
	mem_deref(cfg);
	files_remove(path);
	cb_log_close();
	libre_close();
	return err ? 1 : 0;
}
