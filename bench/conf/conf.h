/**
 * @file bench/conf/conf.h  Conference media benchmark: shared types
 *
 * main.c drives the media engine (one worker thread, pinned to the
 * server core) and reads its counters; gen.c is the load generator, one
 * thread pinned to the load core that plays every participant: one
 * connected UDP socket per member, a 20 ms G.711 frame per member per
 * period, spread over the period in 1 ms batches, and the receiver side
 * (loss from RTP sequence gaps, lateness from arrival time against the
 * RTP timestamp).
 */

enum {
	GEN_LATE_BUCKETS = 5000,   /* lateness histogram, 0.1 ms each */
	GEN_PERIOD_NS    = 20000000,
};

struct gmember;

struct gen {
	struct gmember *m;
	unsigned n;
	int core;                  /* -1: not pinned */
	bool rt;                   /* SCHED_FIFO 1: not delayed by others */
	uint64_t t0, t_warm, t_end, t_stop;   /* CLOCK_MONOTONIC ns */
	pthread_t thr;

	/* results, valid after gen_join() */
	uint64_t sent;             /* whole run */
	uint64_t sent_w;           /* in the window [t_warm, t_end) */
	uint64_t rx_w, exp_w;      /* received / expected in the window */
	uint64_t late100_w;        /* received > 100 ms late */
	uint64_t send_err;
	uint64_t sent_late_w;      /* sent > 10 ms after its time */
	uint64_t behind_max_ns;    /* worst lag of our own sending */
	uint32_t late[GEN_LATE_BUCKETS];
	double cpu_s;              /* the generator thread's CPU */
};

int  gen_open(struct gen *g, unsigned n);
int  gen_addr(const struct gen *g, unsigned i, struct sa *sa);
int  gen_connect(struct gen *g, unsigned i, const struct sa *peer);
int  gen_start(struct gen *g);
void gen_join(struct gen *g);
void gen_close(struct gen *g);
double gen_late_pct_ms(const struct gen *g, double pct);
uint64_t now_ns(void);
