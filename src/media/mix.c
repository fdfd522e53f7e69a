/**
 * @file media/mix.c  N-party mixing on the worker
 *
 * Each tick a member hears the sum of all the others: the total of every
 * contributing frame is computed once, then each member's own frame is
 * subtracted from it and the result saturated to int16 (librem's aumix
 * wraps around; we clip).  A muted member contributes nothing, a deaf one
 * hears silence.  Jitter handling is deliberately minimal: a member's
 * input is the latest frame received since the previous tick, silence if
 * none arrived.
 *
 * Rooms of one or two members do no mixing: with two, packets are relayed
 * straight between them (like a bridge, transcoding if needed); a lone
 * member, or a deaf one, gets silence frames so its RTP keeps flowing.
 */
#include <string.h>
#include <re.h>
#include "cb_media.h"
#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "media/media.h"


/**
 * Mix one tick.  Pure arithmetic; returns true if anyone contributed.
 * samples is at most MEDIA_FRAME.
 */
bool media_mix(struct mix_io *v, size_t n, size_t samples)
{
	int32_t total[MEDIA_FRAME];
	bool any = false;

	if (samples > MEDIA_FRAME)
		samples = MEDIA_FRAME;

	memset(total, 0, sizeof(total));
	for (size_t i = 0; i < n; i++) {
		if (!v[i].in || v[i].mute)
			continue;
		for (size_t s = 0; s < samples; s++)
			total[s] += v[i].in[s];
		any = true;
	}

	for (size_t i = 0; i < n; i++) {
		const int16_t *own = v[i].mute ? NULL : v[i].in;
		int16_t *out = v[i].out;

		if (v[i].deaf || !any) {
			memset(out, 0, samples * sizeof(int16_t));
			continue;
		}

		for (size_t s = 0; s < samples; s++) {
			int32_t x = total[s] - (own ? own[s] : 0);

			if (x > INT16_MAX)
				x = INT16_MAX;
			else if (x < INT16_MIN)
				x = INT16_MIN;
			out[s] = (int16_t)x;
		}
	}

	return any;
}


static void silence_tick(struct media_wk *wk, struct mmix *mx)
{
	struct le *le;

	memset(wk->pcm, 0, sizeof(wk->pcm));
	LIST_FOREACH(&mx->members, le) {
		struct mmember *mb = le->data;

		mb->fresh = false;
		if ((mx->n == 1 || mb->ep->deaf) &&
		    media_mep_base_may_send(mb->ep))
			media_tx_send_pcm(wk, mb->ep, wk->pcm);
	}
}


void media_mix_tick(struct media_wk *wk, struct mmix *mx)
{
	struct le *le;
	size_t i = 0;

	if (!mx->n)
		return;
	if (mx->n <= 2) {
		silence_tick(wk, mx);
		return;
	}

	LIST_FOREACH(&mx->members, le) {
		struct mmember *mb = le->data;

		mx->io[i].in = mb->fresh ? mb->frame : NULL;
		mx->io[i].mute = mb->ep->mute;
		mx->io[i].deaf = mb->ep->deaf;
		mx->io[i].out = mb->out;
		++i;
	}

	(void)media_mix(mx->io, i, MEDIA_FRAME);

	LIST_FOREACH(&mx->members, le) {
		struct mmember *mb = le->data;

		mb->fresh = false;
		if (media_mep_base_may_send(mb->ep))
			media_tx_send_pcm(wk, mb->ep, mb->out);
	}
}


/** A member's packet: relay (two members) or keep for the next tick */
void media_mix_rx(struct media_wk *wk, struct mep *m, uint8_t *pkt,
	     const struct mrtp *h)
{
	struct mmember *mb = m->mb;
	struct mmix *mx;
	size_t n;

	if (!mb)
		return;
	mx = mb->mx;

	if (mx->n == 2) {
		struct le *le = list_head(&mx->members);
		struct mmember *other = le->data == mb ? le->next->data
			: le->data;

		if (!other->ep->deaf && media_mep_base_may_send(other->ep))
			media_tx_relay(wk, other->ep, m, pkt, h, false);
		return;
	}
	if (mx->n < 3)
		return;

	n = h->plen < MEDIA_FRAME ? h->plen : MEDIA_FRAME;
	media_g711_decode(mb->frame, pkt + h->hlen, n, h->pt);
	if (n < MEDIA_FRAME)
		memset(mb->frame + n, 0, (MEDIA_FRAME - n) * sizeof(int16_t));
	mb->fresh = true;
}


int media_mix_add(struct mmix *mx, struct mep *m, struct mmember *mb)
{
	if (mx->n + 1 > mx->iocap) {
		size_t ncap = mx->iocap ? mx->iocap * 2 : 8;
		struct mix_io *io = mem_reallocarray(mx->io, ncap,
						     sizeof(*io), NULL);
		if (!io)
			return ENOMEM;
		mx->io = io;
		mx->iocap = ncap;
	}

	mb->ep = m;
	mb->mx = mx;
	list_append(&mx->members, &mb->le, mb);
	++mx->n;
	m->mb = mb;
	m->base = MBASE_MIXER;
	log_debug(m->ctx, "joined mixer [%s] (%u members)", mx->ctx, mx->n);
	return 0;
}


void media_mix_remove(struct mep *m)
{
	struct mmember *mb = m->mb;

	if (!mb)
		return;

	list_unlink(&mb->le);
	--mb->mx->n;
	log_debug(m->ctx, "left mixer [%s] (%u members)", mb->mx->ctx,
		  mb->mx->n);
	m->mb = NULL;
	mem_deref(mb);
}


/** Free a mixer (already out of wk->mixers) and release its members */
void media_mix_close(struct mmix *mx)
{
	struct le *le;

	while ((le = list_head(&mx->members))) {
		struct mmember *mb = le->data;

		mb->ep->mb = NULL;
		mb->ep->base = MBASE_NONE;
		list_unlink(le);
		mem_deref(mb);
	}
	mx->n = 0;
	mem_deref(mx);
}
