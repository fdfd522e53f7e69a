/**
 * @file conf/status.c  Participant statuses from the core; pure helpers
 *
 * The one mapping from the call model's leg states and causes
 * (cb_call.h) to the statuses the conference shows (cb_conf.h): while a
 * leg lives its state says dialing, ringing or connected; when it ends
 * its cause says why, unless it had been answered (then the participant
 * left, whoever hung up) or we hung it up before the answer (then it is
 * on-hook again, as if never dialed).  Everything here is pure.
 */
#include <string.h>
#include <re.h>
#include "conf.h"

static const char *const names[CONF_STATUS_MAX] = {
	[CONF_ONHOOK]    = "on-hook",
	[CONF_DIALING]   = "dialing",
	[CONF_RINGING]   = "ringing",
	[CONF_CONNECTED] = "connected",
	[CONF_BUSY]      = "busy",
	[CONF_NO_ANSWER] = "no-answer",
	[CONF_INVALID]   = "invalid-number",
	[CONF_NO_LINES]  = "no-lines",
	[CONF_FAILED]    = "failed",
	[CONF_LEFT]      = "left",
};


const char *conf_status_name(enum conf_status st)
{
	return (unsigned)st < CONF_STATUS_MAX ? names[st] : "?";
}


static enum conf_status of_cause(enum leg_cause cause)
{
	switch (cause) {

	case CAUSE_BUSY:
	case CAUSE_REJECTED:       return CONF_BUSY;
	case CAUSE_NO_ANSWER:      return CONF_NO_ANSWER;
	case CAUSE_INVALID_NUMBER: return CONF_INVALID;
	case CAUSE_UNAVAILABLE:    return CONF_NO_LINES;
	default:                   return CONF_FAILED;
	}
}


/**
 * A participant's status from its leg
 *
 * @param st        the leg's state
 * @param cause     its cause (LEG_ENDED/LEG_ENDING)
 * @param answered  the leg was answered at some point
 * @param by_us     we hung it up (API, end of the conference)
 */
enum conf_status conf_status_of(enum leg_state st, enum leg_cause cause,
				bool answered, bool by_us)
{
	switch (st) {

	case LEG_NEW:
	case LEG_CALLING:
		return CONF_DIALING;

	case LEG_RINGING:
	case LEG_EARLY:
		return CONF_RINGING;

	case LEG_ANSWERED:
	case LEG_HELD:
		return CONF_CONNECTED;

	default:
		break;
	}

	/* ending or ended */
	if (answered)
		return CONF_LEFT;
	if (by_us || cause == CAUSE_CANCELED || cause == CAUSE_NORMAL)
		return CONF_ONHOOK;
	return of_cause(cause);
}


/** A status in which the participant holds a line */
bool conf_status_live(enum conf_status st)
{
	return st == CONF_DIALING || st == CONF_RINGING ||
		st == CONF_CONNECTED;
}


/** The invitation spoken to a participant who answers */
int conf_invitation(char *buf, size_t sz, const char *owner, bool confirm)
{
	int n;

	if (!buf || !sz)
		return EINVAL;
	n = re_snprintf(buf, sz, "You are being invited to a conference by "
			"%s. %s", str_isset(owner) ? owner : "a caller",
			confirm ? "Press 1 to join."
				: "Stay on the line to join.");
	return n < 0 || (size_t)n >= sz ? EOVERFLOW : 0;
}


/** A JSON string, or null */
int conf_json_str(struct re_printf *pf, const char *s)
{
	int err;

	if (!s)
		return re_hprintf(pf, "null");
	err = re_hprintf(pf, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			err |= re_hprintf(pf, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			err |= re_hprintf(pf, "\\u%04x", *p);
		else
			err |= re_hprintf(pf, "%c", *p);
	}
	err |= re_hprintf(pf, "\"");
	return err;
}
