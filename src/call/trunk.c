/**
 * @file call/trunk.c  The trunk's line counter
 *
 * A carrier trunk has a limited number of channels (trunk.max_calls).
 * Every outbound leg sent to the trunk takes a line and gives it back when
 * it ends; when none is free the leg ends at once with cause
 * `unavailable` (no lines) and nothing is sent.
 */
#include <re.h>
#include "call.h"

static uint32_t active;


bool trunk_enabled(void)
{
	return call_config()->trunk.host[0] != '\0';
}


int trunk_take(void)
{
	uint32_t max = call_config()->trunk.max_calls;

	if (max && active >= max)
		return EBUSY;
	++active;
	return 0;
}


void trunk_release(void)
{
	if (active)
		--active;
}


uint32_t trunk_active(void)
{
	return active;
}
