/**
 * @file bench/acd.c  How long one ACD routing decision takes
 *
 * The ACD core of src/acd/ alone, with no calls: --agents agents (1,000)
 * of one tenant, each with 1-3 of --skills skills at random levels, and
 * a queue kept at --waiting requests (10,000), four in five with a skill
 * hint at level 1-5, one in five for any agent, fallback after 30 s of
 * the bench's own clock (10 ms per round).  Each round dispatches the
 * queue; every offered request is answered, leaves, and a new one
 * arrives at the back, so the queue stays full.
 *
 * A decision's time is the time from the previous offer (or the start of
 * the dispatch) to this offer; what a dispatch spends after its last
 * offer (looking at requests nobody can take) is added to that last
 * decision, so the samples add up to all the time spent routing.  Two
 * shapes:
 *   idle  every agent hangs up at once: ~1,000 available agents
 *   busy  8 agents (the longest on a call) hang up per round: few free
 *         agents, most waiting requests unservable
 * and, for comparison, a full scan of every agent for one request
 * (what the indexes avoid).
 *
 *   acd [--agents N] [--waiting N] [--decisions N] [--skills N]
 *       [--quick] [--json FILE] [--max-p99-us U]  exit 1 above U (0: off)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "cb_acd.h"

struct opts {
	unsigned agents, waiting, decisions, skills;
	const char *json;
	double max_p99_us;
};

struct shape {
	const char *name;
	unsigned hangups;          /* per round; 0: all                     */
	unsigned decisions;
	double p50_us, p99_us, max_us, per_s;
};

struct bench {
	const struct opts *o;
	uint64_t now;              /* the ACD's clock, ms                   */
	struct acd *acd;
	struct acd_queue *q;
	struct acd_agent **agv;
	struct acd_req **offv;     /* offered this round                    */
	struct acd_agent **callv;  /* on a call, oldest first (ring)        */
	unsigned offc, callh, callc;
	uint64_t mark;             /* ns, the last offer                    */
	double *samplev;
	unsigned samplec, samplecap;
	char (*skillv)[16];
	struct acd_req **reqv;     /* every live request, by slot (its ctx) */
	unsigned *freev, freec;    /* free slots                           */
};


static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}


static uint64_t bench_clock(void *arg)
{
	return ((struct bench *)arg)->now;
}


static void on_offer(struct acd_req *req, struct acd_agent *ag, void *arg)
{
	struct bench *b = arg;
	uint64_t t = now_ns();

	(void)ag;
	if (b->samplec < b->samplecap)
		b->samplev[b->samplec++] = (double)(t - b->mark) / 1e3;
	b->mark = t;
	b->offv[b->offc++] = req;
}


static int enqueue(struct bench *b)
{
	struct acd_req *req;
	unsigned r = (unsigned)rand();
	const char *skill = r % 5 ? b->skillv[r / 5 % b->o->skills] : NULL;
	uintptr_t slot;
	int err;

	if (!b->freec)
		return ENOSPC;
	slot = b->freev[--b->freec];
	err = acd_req_alloc(&req, b->q, skill, 1 + r / 7 % 5, (void *)slot);
	if (!err)
		b->reqv[slot] = req;
	return err;
}


static void req_free(struct bench *b, struct acd_req *req)
{
	uintptr_t slot = (uintptr_t)acd_req_ctx(req);

	b->reqv[slot] = mem_deref(req);
	b->freev[b->freec++] = (unsigned)slot;
}


static int setup(struct bench *b)
{
	const struct opts *o = b->o;
	struct acd_config cfg = {.wrap_ms = 0, .max_noanswer = 3,
				 .lookahead = 32};
	int err;

	err = acd_alloc(&b->acd, &cfg, bench_clock, b, on_offer, b);
	if (!err)
		err = acd_queue_alloc(&b->q, b->acd, "bench", "sales", 30000);
	for (unsigned i = 0; i < o->agents && !err; i++) {
		char id[16];
		unsigned n = 1 + (unsigned)rand() % 3;

		(void)re_snprintf(id, sizeof(id), "ag%u", i);
		err = acd_agent_alloc(&b->agv[i], b->acd, id, "bench",
				      "+15550100");
		for (unsigned k = 0; k < n && !err; k++)
			err = acd_agent_skill_set(b->agv[i],
				b->skillv[(unsigned)rand() % o->skills],
				1 + (unsigned)rand() % ACD_LEVEL_MAX);
		if (!err)
			err = acd_agent_event(b->agv[i], ACD_EV_LOGIN);
		++b->now;
	}
	for (unsigned i = 0; i < o->waiting && !err; i++)
		err = enqueue(b);
	return err;
}


/* answered requests leave, new ones arrive; some agents hang up */
static int settle(struct bench *b, unsigned hangups)
{
	unsigned n = hangups ? hangups : b->callc + b->offc;
	int err = 0;

	for (unsigned i = 0; i < b->offc && !err; i++) {
		struct acd_req *req = b->offv[i];

		b->callv[(b->callh + b->callc++) % b->o->agents] =
			acd_req_agent(req);
		err = acd_req_answered(req);
		req_free(b, req);
		if (!err)
			err = enqueue(b);
	}
	b->offc = 0;
	for (unsigned i = 0; i < n && b->callc && !err; i++) {
		err = acd_agent_event(b->callv[b->callh], ACD_EV_HANGUP);
		b->callh = (b->callh + 1) % b->o->agents;
		--b->callc;
	}
	return err;
}


static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}


static int run_shape(struct bench *b, struct shape *s)
{
	double total = 0;
	int err = 0;

	b->samplec = 0;
	while (b->samplec < s->decisions && !err) {
		uint64_t start = now_ns();
		unsigned before = b->samplec;

		b->mark = start;
		(void)acd_queue_dispatch(b->q);
		if (b->samplec > before)  /* the tail goes to the last offer */
			b->samplev[b->samplec - 1] +=
				(double)(now_ns() - b->mark) / 1e3;
		total += (double)(now_ns() - start) / 1e3;
		b->now += 10;
		err = settle(b, s->hangups);
		if (acd_queue_count(b->q) != b->o->waiting)
			err = EPROTO;
	}
	if (err || !b->samplec)
		return err ? err : ENOENT;

	qsort(b->samplev, b->samplec, sizeof(double), cmp_dbl);
	s->decisions = b->samplec;
	s->p50_us = b->samplev[b->samplec / 2];
	s->p99_us = b->samplev[(size_t)b->samplec * 99 / 100];
	s->max_us = b->samplev[b->samplec - 1];
	s->per_s = total > 0 ? b->samplec / (total / 1e6) : 0;
	return 0;
}


/* what the indexes save: one request matched against every agent */
static double naive_us(struct bench *b, unsigned reps)
{
	uint64_t t0 = now_ns();
	volatile unsigned found = 0;

	for (unsigned r = 0; r < reps; r++) {
		const char *skill = b->skillv[r % b->o->skills];
		struct acd_agent *best = NULL;

		for (unsigned i = 0; i < b->o->agents; i++) {
			struct acd_agent *ag = b->agv[i];

			if (acd_agent_state(ag) != ACD_AGENT_AVAILABLE ||
			    acd_agent_skill_level(ag, skill) < 3)
				continue;
			if (!best || acd_agent_idle_since(ag) <
			    acd_agent_idle_since(best))
				best = ag;
		}
		found += best != NULL;
	}
	return (double)(now_ns() - t0) / 1e3 / reps;
}


static int parse(struct opts *o, int argc, char *argv[])
{
	static const struct option longv[] = {
		{"agents", required_argument, NULL, 'a'},
		{"waiting", required_argument, NULL, 'w'},
		{"decisions", required_argument, NULL, 'd'},
		{"skills", required_argument, NULL, 's'},
		{"quick", no_argument, NULL, 'q'},
		{"json", required_argument, NULL, 'j'},
		{"max-p99-us", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	int c;

	o->agents = 1000;
	o->waiting = 10000;
	o->decisions = 200000;
	o->skills = 20;
	while ((c = getopt_long(argc, argv, "", longv, NULL)) != -1) {
		switch (c) {
		case 'a': o->agents = (unsigned)atoi(optarg); break;
		case 'w': o->waiting = (unsigned)atoi(optarg); break;
		case 'd': o->decisions = (unsigned)atoi(optarg); break;
		case 's': o->skills = (unsigned)atoi(optarg); break;
		case 'q': o->decisions = 20000; break;
		case 'j': o->json = optarg; break;
		case 'p': o->max_p99_us = atof(optarg); break;
		default:
			(void)fprintf(stderr, "usage: acd [--agents N] "
				      "[--waiting N] [--decisions N] "
				      "[--skills N] [--quick] [--json FILE] "
				      "[--max-p99-us U]\n");
			return EINVAL;
		}
	}
	if (!o->agents || !o->waiting || !o->decisions || !o->skills)
		return EINVAL;
	return 0;
}


static void report(const struct opts *o, const struct shape *sv,
		   size_t n, double naive)
{
	FILE *f;

	for (size_t i = 0; i < n; i++)
		(void)printf("acd %-4s %u agents, %u waiting: %u decisions, "
			     "p50 %.2f us, p99 %.2f us, max %.1f us, "
			     "%.0f decisions/s\n", sv[i].name, o->agents,
			     o->waiting, sv[i].decisions, sv[i].p50_us,
			     sv[i].p99_us, sv[i].max_us, sv[i].per_s);
	(void)printf("acd full scan of %u agents for one request: %.2f us\n",
		     o->agents, naive);
	if (!o->json)
		return;
	f = fopen(o->json, "w");
	if (!f)
		return;
	(void)fprintf(f, "{\"agents\": %u, \"waiting\": %u, \"shapes\": [",
		      o->agents, o->waiting);
	for (size_t i = 0; i < n; i++)
		(void)fprintf(f, "%s{\"name\": \"%s\", \"decisions\": %u, "
			      "\"p50_us\": %.3f, \"p99_us\": %.3f, "
			      "\"max_us\": %.3f, \"decisions_per_s\": %.0f}",
			      i ? ", " : "", sv[i].name, sv[i].decisions,
			      sv[i].p50_us, sv[i].p99_us, sv[i].max_us,
			      sv[i].per_s);
	(void)fprintf(f, "], \"full_scan_us\": %.3f}\n", naive);
	(void)fclose(f);
}


int main(int argc, char *argv[])
{
	struct opts o;
	struct bench b;
	struct shape sv[] = {
		{.name = "idle", .hangups = 0},
		{.name = "busy", .hangups = 8},
	};
	double naive = 0;
	int err, rc = 1;

	memset(&o, 0, sizeof(o));
	memset(&b, 0, sizeof(b));
	if (parse(&o, argc, argv))
		return 2;
	err = libre_init();
	if (err)
		return 1;
	srand(42);
	b.o = &o;
	b.now = 1;
	b.samplecap = o.decisions;
	b.agv = calloc(o.agents, sizeof(*b.agv));
	b.callv = calloc(o.agents, sizeof(*b.callv));
	b.offv = calloc(o.agents, sizeof(*b.offv));
	b.samplev = calloc(o.decisions, sizeof(*b.samplev));
	b.skillv = calloc(o.skills, sizeof(*b.skillv));
	b.reqv = calloc(o.waiting + 1, sizeof(*b.reqv));
	b.freev = calloc(o.waiting + 1, sizeof(*b.freev));
	if (!b.agv || !b.callv || !b.offv || !b.samplev || !b.skillv ||
	    !b.reqv || !b.freev)
		goto out;
	for (unsigned i = 0; i <= o.waiting; i++)
		b.freev[b.freec++] = i;
	for (unsigned i = 0; i < o.skills; i++)
		(void)re_snprintf(b.skillv[i], sizeof(b.skillv[i]),
				  "skill%u", i);

	err = setup(&b);
	for (size_t i = 0; i < ARRAY_SIZE(sv) && !err; i++) {
		sv[i].decisions = o.decisions;
		err = run_shape(&b, &sv[i]);
		if (!i)
			naive = naive_us(&b, 2000);
	}
	if (err) {
		(void)fprintf(stderr, "acd bench: %s\n", strerror(err));
		goto out;
	}
	report(&o, sv, ARRAY_SIZE(sv), naive);
	rc = 0;
	for (size_t i = 0; i < ARRAY_SIZE(sv); i++) {
		if (o.max_p99_us > 0 && sv[i].p99_us > o.max_p99_us) {
			(void)fprintf(stderr,
				      "acd %s: p99 %.2f us > %.2f us\n",
				      sv[i].name, sv[i].p99_us,
				      o.max_p99_us);
			rc = 1;
		}
	}

 out:
	/* requests first: they are in the queue */
	for (unsigned i = 0; b.reqv && i <= o.waiting; i++)
		mem_deref(b.reqv[i]);
	b.q = mem_deref(b.q);
	for (unsigned i = 0; b.agv && i < o.agents; i++)
		mem_deref(b.agv[i]);
	mem_deref(b.acd);
	free(b.agv);
	free(b.callv);
	free(b.offv);
	free(b.samplev);
	free(b.skillv);
	free(b.reqv);
	free(b.freev);
	libre_close();
	return rc;
}
