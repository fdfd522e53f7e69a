/**
 * @file acd/agent.c  An agent: who it is, where it is reached, its skills
 *
 * An agent belongs to one tenant and is reached at one endpoint (a user
 * registered to callbridge or any number through the trunk).  Its skills
 * carry a level 1..ACD_LEVEL_MAX; a request needing `cruises` at 3 goes
 * to agents with cruises at 3 or more.  Status changes are not made
 * here: they all go through acd_agent_event() (state.c).
 */
#include <string.h>
#include <re.h>
#include "acd.h"


static void agent_destructor(void *arg)
{
	struct acd_agent *ag = arg;

	acd_agent_detach(ag);
	mem_deref(ag->acd);
}


/**
 * Allocate an agent, logged out
 *
 * @param agp      where to store it
 * @param acd      its ACD (referenced)
 * @param id       the agent's id
 * @param tenant   its tenant (business)
 * @param endpoint registered user or number
 *
 * @return 0, EINVAL or ENOMEM
 */
int acd_agent_alloc(struct acd_agent **agp, struct acd *acd,
		    const char *id, const char *tenant, const char *endpoint)
{
	struct acd_agent *ag;

	if (!agp || !acd || !str_isset(id) || !str_isset(tenant) ||
	    !str_isset(endpoint) || strlen(id) >= ACD_NAME_MAX ||
	    strlen(tenant) >= ACD_NAME_MAX ||
	    strlen(endpoint) >= ACD_ENDPT_MAX)
		return EINVAL;

	ag = mem_zalloc(sizeof(*ag), agent_destructor);
	if (!ag)
		return ENOMEM;

	ag->acd = mem_ref(acd);
	ag->tenant = acd_tenant_get(acd, tenant);
	if (!ag->tenant) {
		mem_deref(ag);
		return ENOMEM;
	}
	str_ncpy(ag->id, id, sizeof(ag->id));
	str_ncpy(ag->endpoint, endpoint, sizeof(ag->endpoint));
	ag->uid = ++acd->next_uid;
	ag->state = ACD_AGENT_LOGGED_OUT;

	*agp = ag;
	return 0;
}


/**
 * Give the agent a skill at a level, change its level, or (level 0)
 * take it away.  An available agent is re-indexed in place.
 *
 * @return 0, EINVAL, ENOSPC (ACD_SKILL_MAX skills) or ENOMEM
 */
int acd_agent_skill_set(struct acd_agent *ag, const char *skill,
			unsigned level)
{
	bool avail;
	struct acd_skill *sk;
	unsigned i;

	if (!ag || !str_isset(skill) || strlen(skill) >= ACD_NAME_MAX ||
	    level > ACD_LEVEL_MAX)
		return EINVAL;

	sk = acd_skill_get(ag->tenant, skill, level > 0);
	if (!sk)
		return level ? ENOMEM : 0;

	for (i = 0; i < ag->skc; i++)
		if (ag->skv[i].skill == sk)
			break;
	if (i == ag->skc && !level)
		return 0;
	if (i == ag->skc && ag->skc == ACD_SKILL_MAX)
		return ENOSPC;

	avail = ag->state == ACD_AGENT_AVAILABLE;
	if (avail)
		acd_index_leave(ag);

	if (!level) {
		/* keep skv dense: the last one takes the gap */
		ag->skv[i] = ag->skv[--ag->skc];
		memset(&ag->skv[ag->skc], 0, sizeof(ag->skv[ag->skc]));
	}
	else {
		if (i == ag->skc)
			++ag->skc;
		ag->skv[i].skill = sk;
		ag->skv[i].level = level;
	}

	if (avail)
		acd_index_enter(ag);
	return 0;
}


/** The agent's level in a skill, 0 if it has not got it */
unsigned acd_agent_skill_level(const struct acd_agent *ag, const char *skill)
{
	if (!ag || !skill)
		return 0;
	for (unsigned i = 0; i < ag->skc; i++)
		if (!strcmp(ag->skv[i].skill->name, skill))
			return ag->skv[i].level;
	return 0;
}


const char *acd_agent_id(const struct acd_agent *ag)
{
	return ag ? ag->id : NULL;
}


const char *acd_agent_endpoint(const struct acd_agent *ag)
{
	return ag ? ag->endpoint : NULL;
}


/** When the agent last became available, ms (0: never) */
uint64_t acd_agent_idle_since(const struct acd_agent *ag)
{
	return ag ? ag->idle_since : 0;
}


/** Consecutive offers the agent did not answer */
uint32_t acd_agent_noanswers(const struct acd_agent *ag)
{
	return ag ? ag->noanswers : 0;
}


/** The request offered to or connected with the agent, if any */
struct acd_req *acd_agent_req(const struct acd_agent *ag)
{
	return ag ? ag->req : NULL;
}


int acd_agent_debug(struct re_printf *pf, const struct acd_agent *ag)
{
	int err;

	if (!ag)
		return 0;
	err = re_hprintf(pf, "agent %s (%s) at %s: %s, idle since %llu, "
			 "%u no-answer", ag->id, ag->tenant->id, ag->endpoint,
			 acd_agent_state_name(ag->state),
			 (unsigned long long)ag->idle_since, ag->noanswers);
	for (unsigned i = 0; i < ag->skc; i++)
		err |= re_hprintf(pf, " %s:%u", ag->skv[i].skill->name,
				  ag->skv[i].level);
	return err;
}
