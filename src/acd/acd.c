/**
 * @file acd/acd.c  The ACD instance: configuration, clock, timers
 *
 * One struct acd holds the routing indexes of every tenant (index.c) and
 * the wrap-up timers.  It reads time only through the clock handler it
 * was given, and never arms a timer of its own: the owner calls
 * acd_tick() (from a libre timer in the daemon, by hand in tests), which
 * ends every wrap-up that is due.  Wrap-ups are kept in due order, so a
 * tick is O(expired).
 */
#include <string.h>
#include <re.h>
#include "acd.h"

enum { LOOKAHEAD_DEFAULT = 32 };


static void acd_destructor(void *arg)
{
	struct acd *acd = arg;

	acd_index_tenants_flush(acd);
}


/**
 * Allocate an ACD
 *
 * @param acdp      where to store it
 * @param cfg       wrap-up, max no-answer, look-ahead (NULL: defaults)
 * @param clockh    the clock, monotonic ms (required)
 * @param clock_arg its argument
 * @param offerh    called for every agent chosen for a request
 * @param offer_arg its argument
 *
 * @return 0 or an errno
 */
int acd_alloc(struct acd **acdp, const struct acd_config *cfg,
	      acd_clock_h *clockh, void *clock_arg,
	      acd_offer_h *offerh, void *offer_arg)
{
	struct acd *acd;

	if (!acdp || !clockh)
		return EINVAL;

	acd = mem_zalloc(sizeof(*acd), acd_destructor);
	if (!acd)
		return ENOMEM;

	if (cfg)
		acd->cfg = *cfg;
	if (!acd->cfg.lookahead)
		acd->cfg.lookahead = LOOKAHEAD_DEFAULT;
	acd->clockh = clockh;
	acd->clock_arg = clock_arg;
	acd->offerh = offerh;
	acd->offer_arg = offer_arg;

	*acdp = acd;
	return 0;
}


/**
 * Change the configuration of a running ACD: a new wrap-up time applies
 * to the next wrap-up, max no-answer to the next ring-out (the contact
 * centre's business settings, src/cc/)
 *
 * @return 0 or EINVAL
 */
int acd_config_set(struct acd *acd, const struct acd_config *cfg)
{
	if (!acd || !cfg)
		return EINVAL;
	acd->cfg = *cfg;
	if (!acd->cfg.lookahead)
		acd->cfg.lookahead = LOOKAHEAD_DEFAULT;
	return 0;
}


/** The ACD's current time, ms */
uint64_t acd_now(const struct acd *acd)
{
	return acd ? acd->clockh(acd->clock_arg) : 0;
}


/**
 * End every wrap-up that is due at the clock's current time
 *
 * @return the number of agents made available
 */
int acd_tick(struct acd *acd)
{
	uint64_t now;
	int n = 0;

	if (!acd)
		return 0;

	now = acd_now(acd);
	for (;;) {
		struct le *le = list_head(&acd->wraps);
		struct acd_agent *ag = le ? le->data : NULL;

		if (!ag || ag->wrap_due > now)
			break;
		if (!acd_agent_event(ag, ACD_EV_WRAP_DONE))
			++n;
		else
			list_unlink(&ag->le_wrap);   /* never loop on it */
	}
	return n;
}


/** Print the ACD: its configuration and each tenant's available count */
int acd_debug(struct re_printf *pf, const struct acd *acd)
{
	struct le *le;
	int err;

	if (!acd)
		return 0;

	err = re_hprintf(pf, "acd: wrap %u ms, max no-answer %u, "
			 "look-ahead %u, %u in wrap-up\n", acd->cfg.wrap_ms,
			 acd->cfg.max_noanswer, acd->cfg.lookahead,
			 list_count(&acd->wraps));
	LIST_FOREACH(&acd->tenants, le) {
		const struct acd_tenant *t = le->data;

		err |= re_hprintf(pf, "  tenant %s: %u available\n", t->id,
				  list_count(&t->avail));
	}
	return err;
}
