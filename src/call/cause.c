/**
 * @file call/cause.c  Leg end causes and their mapping to/from SIP
 *
 * Every leg ends with exactly one cause.  The table CALL_CAUSES in
 * cb_call.h gives each cause its name, the SIP status we answer with when
 * we end an inbound INVITE for it, and its meaning; cause_from_sip() is
 * the one mapping from a received final SIP status to a cause.  Both are
 * printed by `callbridge --causes` and documented in docs/causes.md.
 */
#include <re.h>
#include "call.h"

static const struct {
	const char *name;
	uint16_t status;
	const char *doc;
} causes[CAUSE_MAX] = {
#define X(e, n, s, d) [e] = {n, s, d},
	CALL_CAUSES(X)
#undef X
};


const char *cause_name(enum leg_cause cause)
{
	return cause < CAUSE_MAX ? causes[cause].name : "?";
}


const char *cause_doc(enum leg_cause cause)
{
	return cause < CAUSE_MAX ? causes[cause].doc : "?";
}


uint16_t cause_sip_status(enum leg_cause cause)
{
	return cause < CAUSE_MAX ? causes[cause].status : 500;
}


/**
 * Map a final SIP status of an outbound INVITE to a cause.
 *
 * @param scode    final status (>= 300), or 0 for "no response"
 * @param ringing  the leg had reached RINGING/EARLY (a 480/408 after
 *                 ringing means nobody picked up)
 */
enum leg_cause cause_from_sip(uint16_t scode, bool ringing)
{
	switch (scode) {

	case 0:
	case 408:
		return ringing ? CAUSE_NO_ANSWER : CAUSE_FAILED;
	case 486:
	case 600:
		return CAUSE_BUSY;
	case 404:
	case 484:
	case 485:
	case 604:
		return CAUSE_INVALID_NUMBER;
	case 480:
		return ringing ? CAUSE_NO_ANSWER : CAUSE_UNAVAILABLE;
	case 503:
		return CAUSE_UNAVAILABLE;
	case 487:
		return CAUSE_CANCELED;
	case 403:
	case 603:
		return CAUSE_REJECTED;
	default:
		break;
	}

	if (scode >= 200 && scode < 300)
		return CAUSE_NORMAL;
	if (scode >= 500 && scode < 600)
		return CAUSE_FAILED;
	if (scode >= 400)
		return CAUSE_REJECTED;

	return CAUSE_FAILED;
}


int cause_doc_print(struct re_printf *pf, void *unused)
{
	int err = 0;
	(void)unused;

	err |= re_hprintf(pf, "%-16s %-6s %s\n", "cause", "answer", "meaning");
	for (int i = 1; i < CAUSE_MAX; i++)
		err |= re_hprintf(pf, "%-16s %-6u %s\n", causes[i].name,
				  causes[i].status, causes[i].doc);
	return err;
}
