/**
 * @file tests/unit/store_outbox.c  The webhook outbox in the store
 *
 * Pending deliveries are listed by the caller's order (writes may land out
 * of order), then in the order they were put;
 * an ack takes one out (a second ack, or an unknown id, is ENOENT); the
 * same event_id cannot be put twice; pending rows survive a reopen of the
 * file, which is what lets a restarted daemon deliver them.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "test.h"

int test_store_outbox(void);

struct seen {
	char ev[8][CB_ID_LEN + 1];
	char body[8][16];
	char key[8][CB_ID_LEN + 1];
	uint64_t seq[8];
	unsigned n;
	unsigned stop_at;   /* 0 = list everything */
};


static bool seen_h(const struct store_outbox *o, void *arg)
{
	struct seen *s = arg;

	if (s->n < ARRAY_SIZE(s->ev)) {
		str_ncpy(s->ev[s->n], o->event_id, sizeof(s->ev[0]));
		str_ncpy(s->body[s->n], o->body, sizeof(s->body[0]));
		str_ncpy(s->key[s->n], o->key, sizeof(s->key[0]));
		s->seq[s->n] = o->seq;
	}
	++s->n;
	return s->stop_at && s->n >= s->stop_at;
}


static int put(struct store *st, const char *key, const char *ev,
	       const char *body, uint64_t ord)
{
	struct store_outbox o;

	memset(&o, 0, sizeof(o));
	str_ncpy(o.key, key, sizeof(o.key));
	str_ncpy(o.event_id, ev, sizeof(o.event_id));
	o.url = "http://127.0.0.1:9/hook";
	o.body = body;
	o.ord = ord;
	o.created_ms = 1000;
	return store_outbox_put(st, &o);
}


static int list(struct store *st, struct seen *s, unsigned stop_at)
{
	memset(s, 0, sizeof(*s));
	s->stop_at = stop_at;
	return store_outbox_list_pending(st, seen_h, s);
}


int test_store_outbox(void)
{
	struct store *st = NULL;
	struct store_outbox o;
	struct seen s;
	char path[64] = "/tmp/cb-outbox-XXXXXX";
	char p[80];
	int fd, err;

	fd = mkstemp(path);
	if (fd < 0)
		return errno;
	close(fd);
	TEST_ERR(store_open(&st, path));

	TEST_ERR(list(st, &s, 0));
	ASSERT_EQ(0, s.n);

	/* e3 is written before e2 but comes first in the caller's order */
	TEST_ERR(put(st, "cA", "e1", "{\"n\":1}", 10));
	TEST_ERR(put(st, "cA", "e3", "{\"n\":3}", 12));
	TEST_ERR(put(st, "cB", "e2", "{\"n\":2}", 11));
	TEST_ERR(put(st, "cA", "e4", "{\"n\":4}", 13));
	ASSERT_EQ(EEXIST, put(st, "cA", "e3", "{\"n\":9}", 14));

	memset(&o, 0, sizeof(o));
	str_ncpy(o.key, "cA", sizeof(o.key));
	str_ncpy(o.event_id, "e5", sizeof(o.event_id));
	o.url = "http://x/";
	ASSERT_EQ(EINVAL, store_outbox_put(st, &o));    /* no body */
	ASSERT_EQ(EINVAL, store_outbox_put(st, NULL));
	ASSERT_EQ(EINVAL, store_outbox_ack(st, "", 1));

	/* in the order put, with the body as stored */
	TEST_ERR(list(st, &s, 0));
	ASSERT_EQ(4, s.n);
	ASSERT_STREQ("e1", s.ev[0]);
	ASSERT_STREQ("e2", s.ev[1]);
	ASSERT_STREQ("e3", s.ev[2]);
	ASSERT_STREQ("e4", s.ev[3]);
	ASSERT_STREQ("{\"n\":3}", s.body[2]);
	ASSERT_STREQ("cB", s.key[1]);
	ASSERT_TRUE(s.seq[0] < s.seq[2] && s.seq[2] < s.seq[1] &&
		    s.seq[1] < s.seq[3]);

	/* the handler can stop the listing */
	TEST_ERR(list(st, &s, 2));
	ASSERT_EQ(2, s.n);

	/* acked items are no longer pending; acking twice is ENOENT */
	TEST_ERR(store_outbox_ack(st, "e1", 2000));
	TEST_ERR(store_outbox_ack(st, "e3", 2000));
	ASSERT_EQ(ENOENT, store_outbox_ack(st, "e3", 2001));
	ASSERT_EQ(ENOENT, store_outbox_ack(st, "nope", 2001));
	TEST_ERR(list(st, &s, 0));
	ASSERT_EQ(2, s.n);
	ASSERT_STREQ("e2", s.ev[0]);
	ASSERT_STREQ("e4", s.ev[1]);

	/* a done event id stays taken: it is never delivered again */
	ASSERT_EQ(EEXIST, put(st, "cA", "e1", "{}", 20));

	/* pending items survive a reopen (a restart of the daemon) */
	st = mem_deref(st);
	TEST_ERR(store_open(&st, path));
	TEST_ERR(list(st, &s, 0));
	ASSERT_EQ(2, s.n);
	ASSERT_STREQ("e2", s.ev[0]);
	ASSERT_STREQ("e4", s.ev[1]);
	ASSERT_STREQ("{\"n\":4}", s.body[1]);

	/* new items go after the reloaded ones */
	TEST_ERR(put(st, "cB", "e6", "{\"n\":6}", 21));
	TEST_ERR(list(st, &s, 0));
	ASSERT_EQ(3, s.n);
	ASSERT_STREQ("e6", s.ev[2]);
 out:
	mem_deref(st);
	unlink(path);
	(void)re_snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	(void)re_snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	return err;
}
