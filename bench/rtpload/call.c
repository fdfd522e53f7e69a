/**
 * @file bench/rtpload/call.c  The call table
 *
 * One `struct call` per call, indexed by call number, allocated once for
 * the whole run.  Two maps lead back to an index: the relay's Call-ID
 * toward our trunk (open addressing, FNV-1a, at least 4 slots per call,
 * entries never removed), and the relay's media source port on each side
 * (only used should a relay rewrite SSRCs).  A call is "up", and streams,
 * once both legs are up and both media destinations are known.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rtpload.h"

int rl_calls_alloc(struct rl *rl)
{
	rl->cv = calloc(rl->calls, sizeof(*rl->cv));
	for (rl->hsize = 1024; rl->hsize < rl->calls * 4; rl->hsize <<= 1)
		;
	rl->htab = calloc(rl->hsize, sizeof(*rl->htab));
	rl->portmap[0] = calloc(65536, sizeof(uint32_t));
	rl->portmap[1] = calloc(65536, sizeof(uint32_t));
	if (!rl->cv || !rl->htab || !rl->portmap[0] || !rl->portmap[1])
		return ENOMEM;
	return 0;
}

void rl_calls_free(struct rl *rl)
{
	uint32_t j;

	for (j = 0; rl->cv && j < rl->calls; j++)
		free(rl->cv[j].b_resp);
	free(rl->portmap[0]);
	free(rl->portmap[1]);
	free(rl->htab);
	free(rl->cv);
	rl->portmap[0] = rl->portmap[1] = rl->htab = NULL;
	rl->cv = NULL;
}

static uint32_t fnv(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

void rl_htab_put(struct rl *rl, const char *key, uint32_t idx)
{
	uint32_t h = fnv(key) & (rl->hsize - 1);

	while (rl->htab[h])
		h = (h + 1) & (rl->hsize - 1);
	rl->htab[h] = idx + 1;
}

struct call *rl_htab_get(struct rl *rl, const char *key)
{
	uint32_t h = fnv(key) & (rl->hsize - 1);

	while (rl->htab[h]) {
		struct call *c = &rl->cv[rl->htab[h] - 1];

		if (!strcmp(c->b_callid, key))
			return c;
		h = (h + 1) & (rl->hsize - 1);
	}
	return NULL;
}

uint32_t rl_call_idx(const struct rl *rl, const struct call *c)
{
	return (uint32_t)(c - rl->cv);
}

/** The media socket (per side) that carries call idx */
int rl_call_sock(const struct rl *rl, uint32_t idx)
{
	return (int)(idx % rl->socks);
}

/** Mark a call up once both legs are up and both destinations known */
void rl_call_check_up(struct rl *rl, struct call *c)
{
	if (c->up || c->a_state != LEG_UP || c->b_state != LEG_UP ||
	    !c->a_dst_ok || !c->b_dst_ok)
		return;
	c->up = true;
	rl->n_up++;
	rl->portmap[SIDE_B][ntohs(c->b_dst.sin_port)] =
		rl_call_idx(rl, c) + 1;
	rl->portmap[SIDE_A][ntohs(c->a_dst.sin_port)] =
		rl_call_idx(rl, c) + 1;
}

/** A's setup failed with code (counted once) */
void rl_call_fail(struct rl *rl, struct call *c, uint16_t code)
{
	if (c->a_state == LEG_FAILED)
		return;
	c->a_state = LEG_FAILED;
	c->a_code = code;
	rl->n_failed++;
}

/** --direct: A streams straight to B's socket and back, no signalling */
void rl_direct_setup(struct rl *rl)
{
	uint32_t i;

	for (i = 0; i < rl->calls; i++) {
		struct call *c = &rl->cv[i];
		int k = rl_call_sock(rl, i);

		c->a_dst = rl->maddr[SIDE_B][k];
		c->b_dst = rl->maddr[SIDE_A][k];
		c->a_dst_ok = c->b_dst_ok = true;
		c->a_state = c->b_state = LEG_UP;
		rl_call_check_up(rl, c);
	}
}

void rl_direct_teardown(struct rl *rl)
{
	uint32_t j;

	for (j = 0; j < rl->calls; j++)
		rl->cv[j].a_state = rl->cv[j].b_state = LEG_DONE;
}
