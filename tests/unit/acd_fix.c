/**
 * @file tests/unit/acd_fix.c  Fixture of the ACD tests
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "acd_fix.h"


static uint64_t fix_clock(void *arg)
{
	return ((struct acd_fix *)arg)->now;
}


static void fix_offer(struct acd_req *req, struct acd_agent *ag, void *arg)
{
	struct acd_fix *f = arg;

	if (f->offerc < ACD_FIX_OFFERS) {
		f->offerv[f->offerc].req = req;
		f->offerv[f->offerc].ag = ag;
	}
	++f->offerc;
}


/** An ACD with tenant "shop" and its queue "sales" */
int acd_fix_init(struct acd_fix *f, uint32_t wrap_ms, uint32_t max_noans,
		 uint32_t fallback_ms)
{
	struct acd_config cfg = {
		.wrap_ms = wrap_ms,
		.max_noanswer = max_noans,
		.retry_ms = ACD_FIX_RETRY_MS,
	};
	int err;

	memset(f, 0, sizeof(*f));
	f->now = 1000;
	err = acd_alloc(&f->acd, &cfg, fix_clock, f, fix_offer, f);
	if (!err)
		err = acd_queue_alloc(&f->q, f->acd, "shop", "sales",
				      fallback_ms);
	return err;
}


void acd_fix_close(struct acd_fix *f)
{
	f->q = mem_deref(f->q);
	f->acd = mem_deref(f->acd);
}


/** A logged-in agent with skills "name:level,name:level" (or NULL) */
int acd_fix_agent(struct acd_fix *f, struct acd_agent **agp,
		  const char *id, const char *skills)
{
	char buf[128], *tok, *save = NULL;
	int err;

	err = acd_agent_alloc(agp, f->acd, id, "shop", "sip:agent@test");
	if (err)
		return err;
	if (skills) {
		str_ncpy(buf, skills, sizeof(buf));
		for (tok = strtok_r(buf, ",", &save); tok && !err;
		     tok = strtok_r(NULL, ",", &save)) {
			char *c = strchr(tok, ':');

			if (!c)
				return EINVAL;
			*c = '\0';
			err = acd_agent_skill_set(*agp, tok, atoi(c + 1));
		}
	}
	if (!err)
		err = acd_agent_event(*agp, ACD_EV_LOGIN);
	return err;
}
