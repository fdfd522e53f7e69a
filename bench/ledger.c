/**
 * @file bench/ledger.c  Ledger throughput on SQLite
 *
 * How many money movements per second the store sustains with the
 * durability callbridge ships (WAL, synchronous=NORMAL; durable
 * transactions at synchronous=FULL), measured through the money API the
 * daemon uses, one caller at a time as the store's lock makes it:
 *
 *   post      a charge: customer -> revenue, two entries, an idempotency
 *             key each (the common case of a metered leg's capture)
 *   cycle     a call's money: hold on the balance, then capture with tax
 *             (two database transactions, four entries)
 *   durable   a top-up from a card: committed with an fsync of the WAL
 *   reconcile every balance recomputed from the entries afterwards
 *
 * The database file is created in --dir (default: build/bench, on the
 * disk the daemon would use; a tmpfs would flatter fsync).  Prints one
 * line per phase and, with --json, the figures.  --min-tps N exits 1 when
 * `post` is below N (the floor target: 5000 transactions/s).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "cb_money.h"

enum { ACCOUNTS = 100 };

struct opts {
	unsigned n, cycles, durable;
	const char *dir, *json;
	unsigned min_tps;
};

struct result {
	uint64_t us;        /* wall clock */
	uint64_t cpu_us;    /* this process, user + system */
	unsigned n;
};


static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}


static uint64_t cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}


static void lap_start(struct result *r, unsigned n)
{
	r->n = n;
	r->us = now_us();
	r->cpu_us = cpu_us();
}


static void lap_end(struct result *r)
{
	r->us = now_us() - r->us;
	r->cpu_us = cpu_us() - r->cpu_us;
}


static unsigned per_s(const struct result *r)
{
	return r->us ? (unsigned)((uint64_t)r->n * 1000000 / r->us) : 0;
}


/* per second of this process's CPU: what an unloaded core would do
 * without waiting for the disk */
static unsigned per_cpu_s(const struct result *r)
{
	return r->cpu_us ? (unsigned)((uint64_t)r->n * 1000000 / r->cpu_us)
		: 0;
}


static int setup(struct store *st, char tenant[CB_ID_LEN + 1],
		 char accv[ACCOUNTS][CB_ID_LEN + 1])
{
	struct store_tenant t;
	int err;

	memset(&t, 0, sizeof(t));
	cb_id_new(t.id, 't');
	str_ncpy(t.name, "bench", sizeof(t.name));
	err = store_tenant_create(st, &t);
	if (err)
		return err;
	str_ncpy(tenant, t.id, CB_ID_LEN + 1);
	for (unsigned i = 0; i < ACCOUNTS && !err; i++) {
		struct store_account a;
		char name[32];

		(void)re_snprintf(name, sizeof(name), "customer%u", i);
		err = money_account_create(st, &a, tenant, "customer", name,
					   0);
		if (!err)
			err = money_topup(st, tenant, a.id,
					  INT64_C(1000000) * MONEY_SCALE, NULL,
					  NULL, NULL);
		str_ncpy(accv[i], a.id, CB_ID_LEN + 1);
	}
	return err;
}


static int bench_post(struct store *st, const char *tenant,
		      char accv[ACCOUNTS][CB_ID_LEN + 1], unsigned n,
		      struct result *r)
{
	char rev[CB_ID_LEN + 1];
	int err;

	err = money_system_account(st, rev, tenant, "revenue");
	lap_start(r, n);
	for (unsigned i = 0; i < n && !err; i++) {
		struct store_entry ev[2];
		struct store_txn t;

		memset(ev, 0, sizeof(ev));
		memset(&t, 0, sizeof(t));
		str_ncpy(ev[0].account_id, accv[i % ACCOUNTS],
			 sizeof(ev[0].account_id));
		ev[0].amount = -(int64_t)(i % 997 + 1) * 10;
		ev[0].covered = true;
		str_ncpy(ev[1].account_id, rev, sizeof(ev[1].account_id));
		ev[1].amount = (int64_t)(i % 997 + 1) * 10;
		str_ncpy(t.tenant_id, tenant, sizeof(t.tenant_id));
		str_ncpy(t.kind, "charge", sizeof(t.kind));
		(void)re_snprintf(t.idem_key, sizeof(t.idem_key), "bench-%u",
				  i);
		t.entryv = ev;
		t.entryc = 2;
		err = money_post(st, &t);
	}
	lap_end(r);
	return err;
}


static int bench_cycle(struct store *st, const char *tenant,
		       char accv[ACCOUNTS][CB_ID_LEN + 1], unsigned n,
		       struct result *r)
{
	int err = 0;

	lap_start(r, n);
	for (unsigned i = 0; i < n && !err; i++) {
		struct money_capture c;
		struct store_hold h;

		err = money_hold_authorize(st, &h, tenant, accv[i % ACCOUNTS],
					   5 * MONEY_SCALE, NULL, "bench",
					   NULL);
		if (!err)
			err = money_hold_capture(st, h.id, 1234567, 101852,
						 &c);
	}
	lap_end(r);
	return err;
}


static int bench_durable(struct store *st, const char *tenant,
			 char accv[ACCOUNTS][CB_ID_LEN + 1], unsigned n,
			 struct result *r)
{
	char fund[CB_ID_LEN + 1];
	int err;

	err = money_system_account(st, fund, tenant, "funding.testcard");
	lap_start(r, n);
	for (unsigned i = 0; i < n && !err; i++) {
		struct store_entry ev[2];
		struct store_txn t;

		memset(ev, 0, sizeof(ev));
		memset(&t, 0, sizeof(t));
		str_ncpy(ev[0].account_id, fund, sizeof(ev[0].account_id));
		ev[0].amount = -10 * MONEY_SCALE;
		str_ncpy(ev[1].account_id, accv[i % ACCOUNTS],
			 sizeof(ev[1].account_id));
		ev[1].amount = 10 * MONEY_SCALE;
		str_ncpy(t.tenant_id, tenant, sizeof(t.tenant_id));
		str_ncpy(t.kind, "topup", sizeof(t.kind));
		t.entryv = ev;
		t.entryc = 2;
		t.durable = true;
		err = money_post(st, &t);
	}
	lap_end(r);
	return err;
}


static void usage(void)
{
	fprintf(stderr, "usage: ledger [--quick] [-n TXNS] [--dir DIR] "
		"[--json FILE] [--min-tps N]\n");
}


static int opts_parse(struct opts *o, int argc, char *argv[])
{
	static const struct option lo[] = {
		{"quick", no_argument, NULL, 'q'},
		{"dir", required_argument, NULL, 'd'},
		{"json", required_argument, NULL, 'j'},
		{"min-tps", required_argument, NULL, 'm'},
		{NULL, 0, NULL, 0},
	};
	int c;

	o->n = 50000;
	o->dir = "build/bench";
	while ((c = getopt_long(argc, argv, "n:", lo, NULL)) != -1) {
		switch (c) {
		case 'q': o->n = 3000; break;
		case 'n': o->n = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': o->dir = optarg; break;
		case 'j': o->json = optarg; break;
		case 'm': o->min_tps = (unsigned)strtoul(optarg, NULL, 10);
			  break;
		default: usage(); return EINVAL;
		}
	}
	if (!o->n) {
		usage();
		return EINVAL;
	}
	o->cycles = o->n / 5 ? o->n / 5 : 1;
	o->durable = o->n / 25 ? o->n / 25 : 1;
	return 0;
}


static int report(const struct opts *o, const struct result *post,
		  const struct result *cyc, const struct result *dur,
		  const struct result *rec,
		  const struct store_money_recon *rc)
{
	FILE *f;

	printf("ledger: post     %6u txn/s, %6u per CPU-s  (%u charges, "
	       "2 entries, idempotency key each)\n", per_s(post),
	       per_cpu_s(post), post->n);
	printf("ledger: cycle    %6u calls/s, %5u per CPU-s (%u holds + "
	       "captures, 2 txn each)\n", per_s(cyc), per_cpu_s(cyc),
	       cyc->n);
	printf("ledger: durable  %6u txn/s, %6u per CPU-s  (%u top-ups, "
	       "fsync each)\n", per_s(dur), per_cpu_s(dur), dur->n);
	printf("ledger: reconcile %llu ms over %llu entries: %s\n",
	       (unsigned long long)(rec->us / 1000),
	       (unsigned long long)rc->entries, "ok");
	if (!o->json)
		return 0;
	f = fopen(o->json, "w");
	if (!f)
		return errno;
	fprintf(f, "{\n \"synchronous\": \"NORMAL (WAL); durable: FULL\",\n"
		" \"post_tps\": %u,\n \"post_per_cpu_s\": %u,\n"
		" \"post_n\": %u,\n"
		" \"cycle_per_s\": %u,\n \"cycle_n\": %u,\n"
		" \"durable_tps\": %u,\n \"durable_n\": %u,\n"
		" \"reconcile_ms\": %llu,\n \"entries\": %llu,\n"
		" \"min_tps\": %u\n}\n", per_s(post), per_cpu_s(post),
		post->n, per_s(cyc),
		cyc->n, per_s(dur), dur->n,
		(unsigned long long)(rec->us / 1000),
		(unsigned long long)rc->entries, o->min_tps);
	return fclose(f) ? errno : 0;
}


int main(int argc, char *argv[])
{
	char tenant[CB_ID_LEN + 1], (*accv)[CB_ID_LEN + 1] = NULL;
	struct result post, cyc, dur, rec;
	struct store_money_recon rc;
	struct store *st = NULL;
	struct opts o;
	char path[512];
	int fd, err;

	memset(&o, 0, sizeof(o));
	if (opts_parse(&o, argc, argv))
		return 2;
	if (libre_init() || cb_rand_init())
		return 1;
	cb_log_init(NULL, true);
	cb_log_level_set(CB_SUB_CORE, CB_LVL_WARN);

	(void)re_snprintf(path, sizeof(path), "%s/ledger-XXXXXX", o.dir);
	fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "ledger: %s: %s\n", path, strerror(errno));
		return 1;
	}
	close(fd);
	accv = mem_zalloc(ACCOUNTS * sizeof(*accv), NULL);
	err = accv ? store_open(&st, path) : ENOMEM;
	if (!err)
		err = setup(st, tenant, accv);
	if (!err)
		err = bench_post(st, tenant, accv, o.n, &post);
	if (!err)
		err = bench_cycle(st, tenant, accv, o.cycles, &cyc);
	if (!err)
		err = bench_durable(st, tenant, accv, o.durable, &dur);
	if (!err) {
		lap_start(&rec, 1);
		err = money_reconcile(st, NULL, &rc);
		lap_end(&rec);
	}
	if (!err)
		err = report(&o, &post, &cyc, &dur, &rec, &rc);
	if (err)
		fprintf(stderr, "ledger: failed: %s\n", strerror(err));
	else if (o.min_tps && per_s(&post) < o.min_tps) {
		fprintf(stderr, "ledger: %u txn/s below the floor %u\n",
			per_s(&post), o.min_tps);
		err = EAGAIN;
	}

	mem_deref(st);
	mem_deref(accv);
	unlink(path);
	(void)re_snprintf(path + strlen(path), 8, "-wal");
	unlink(path);
	path[strlen(path) - 4] = '\0';
	(void)re_snprintf(path + strlen(path), 8, "-shm");
	unlink(path);
	cb_log_close();
	libre_close();
	return err ? 1 : 0;
}
