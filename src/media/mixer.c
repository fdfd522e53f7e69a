/**
 * @file media/mixer.c  Mixer handles: the main side of a conference mix
 *
 * A mixer lives on one worker, chosen when it is allocated; adding an
 * endpoint first ends the endpoint's bridge or other mixer, then moves the
 * endpoint to the mixer's worker if needed.  The member record is
 * allocated here and handed to the worker with the command.  Releasing
 * the mixer handle releases its members (their base source ends); the
 * endpoints themselves stay the caller's.
 */
#include <string.h>
#include <re.h>
#include "cb_media.h"
#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "media/media.h"


static void media_mix_destructor(void *arg)
{
	struct mmix *m = arg;

	mem_deref(m->io);
}


static void destructor(void *arg)
{
	struct media_mixer *mx = arg;
	struct le *le;
	struct mcmd c;

	while ((le = list_head(&mx->eps))) {
		struct media_ep *ep = le->data;

		list_unlink(le);
		ep->mx = NULL;
	}
	list_unlink(&mx->le);

	if (!mx->m || !media_running())
		return;

	memset(&c, 0, sizeof(c));
	c.type = MCMD_MIX_CLOSE;
	c.mx = mx->m;
	if (media_cmd_push(mx->wk, &c))
		log_err(mx->m->ctx, "cannot queue mixer close: leaked");
}


int media_mixer_alloc(struct media_mixer **mxp, const char *ctx)
{
	struct media_mixer *mx;
	struct mcmd c;
	int err;

	if (!mxp)
		return EINVAL;
	if (!media_running())
		return ENODEV;

	mx = mem_zalloc(sizeof(*mx), destructor);
	if (!mx)
		return ENOMEM;

	mx->m = mem_zalloc(sizeof(*mx->m), media_mix_destructor);
	if (!mx->m) {
		mem_deref(mx);
		return ENOMEM;
	}
	str_ncpy(mx->m->ctx, ctx ? ctx : "", sizeof(mx->m->ctx));
	list_init(&mx->m->members);
	mx->wk = media_wk_pick();

	memset(&c, 0, sizeof(c));
	c.type = MCMD_MIX_OPEN;
	c.mx = mx->m;
	err = media_cmd_push(mx->wk, &c);
	if (err) {
		mx->m = mem_deref(mx->m);
		mem_deref(mx);
		return err;
	}

	media_mixer_register(mx);
	*mxp = mx;
	return 0;
}


int media_mixer_add(struct media_mixer *mx, struct media_ep *ep)
{
	struct mmember *mb;
	struct mcmd c;
	int err;

	if (!mx || !mx->m || !ep || !ep->m || !media_running())
		return EINVAL;
	if (ep->mx == mx)
		return 0;

	media_ep_base_drop(ep);

	err = media_ep_move(ep, mx->wk);
	if (err)
		return err;

	mb = mem_zalloc(sizeof(*mb), NULL);
	if (!mb)
		return ENOMEM;

	memset(&c, 0, sizeof(c));
	c.type = MCMD_MIX_ADD;
	c.ep = ep->m;
	c.mx = mx->m;
	c.u.mb = mb;
	err = media_cmd_push(mx->wk, &c);
	if (err) {
		mem_deref(mb);
		return err;
	}

	list_append(&mx->eps, &ep->mxle, ep);
	ep->mx = mx;
	log_debug(mx->m->ctx, "member [%s] added (%u)", ep->m->ctx,
		  list_count(&mx->eps));
	return 0;
}


int media_mixer_remove(struct media_mixer *mx, struct media_ep *ep)
{
	struct mcmd c;
	int err = 0;

	if (!mx || !ep)
		return EINVAL;
	if (ep->mx != mx)
		return ENOENT;

	if (mx->m && ep->m && media_running()) {
		memset(&c, 0, sizeof(c));
		c.type = MCMD_MIX_REMOVE;
		c.ep = ep->m;
		c.mx = mx->m;
		err = media_cmd_push(ep->wk, &c);
	}

	list_unlink(&ep->mxle);
	ep->mx = NULL;
	return err;
}


int media_mixer_count(const struct media_mixer *mx)
{
	return mx ? (int)list_count(&mx->eps) : 0;
}
