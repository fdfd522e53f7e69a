/**
 * @file cc/text.c  The runtime's pure helpers: names, parsing, texts
 *
 * Nothing here touches the runtime's state, so the unit tests call it
 * directly: status names, the agents' skill strings
 * ("cruises:7,flights:3") and a request's stored "skill:level", the
 * announcement with "{business}" replaced, the spoken queue position,
 * and the widget's short progress message.
 */
#include <string.h>
#include <re.h>
#include "cc.h"

static const char *const status_names[CC_STATUS_MAX] = {
	"scheduled", "calling", "queued", "offered", "connected",
	"callback", "completed", "no-answer", "busy", "invalid-number",
	"failed", "canceled", "abandoned",
};

static const char default_announcement[] =
	"Please hold while we connect you to {business} customer "
	"representative.";


const char *cc_status_name(enum cc_status st)
{
	return st < CC_STATUS_MAX ? status_names[st] : "?";
}


/** CC_STATUS_MAX if the name is none of ours */
enum cc_status cc_status_parse(const char *name)
{
	for (int i = 0; i < CC_STATUS_MAX && name; i++)
		if (!strcmp(status_names[i], name))
			return (enum cc_status)i;
	return CC_STATUS_MAX;
}


bool cc_status_final(enum cc_status st)
{
	return st >= CC_COMPLETED;
}


/** A skill name: 1..31 of [a-z0-9_-] */
bool cc_skill_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n >= ACD_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-'))
			return false;
	return true;
}


/**
 * Parse "cruises:7,flights:3" (spaces allowed around items; "" is no
 * skill).  Each level is 1..ACD_LEVEL_MAX; a name may appear once.
 *
 * @return 0, or EINVAL (syntax, level, duplicate, more than max)
 */
int cc_skills_parse(const char *s, char namev[][ACD_NAME_MAX],
		    unsigned *levelv, unsigned max, unsigned *countp)
{
	unsigned n = 0;

	if (!s || !countp)
		return EINVAL;
	while (*s) {
		char name[ACD_NAME_MAX];
		size_t len = 0;
		unsigned lv;

		while (*s == ' ')
			++s;
		while (s[len] && s[len] != ':' && s[len] != ',' &&
		       s[len] != ' ')
			++len;
		if (!len || len >= sizeof(name) || s[len] != ':')
			return EINVAL;
		memcpy(name, s, len);
		name[len] = '\0';
		s += len + 1;
		if (!cc_skill_valid(name) || *s < '1' || *s > '9')
			return EINVAL;
		lv = (unsigned)(*s++ - '0');
		if (lv > ACD_LEVEL_MAX)
			return EINVAL;
		while (*s == ' ')
			++s;
		if (*s == ',') {
			++s;
			if (!*s)
				return EINVAL;
		}
		else if (*s) {
			return EINVAL;
		}
		for (unsigned i = 0; i < n; i++)
			if (!strcmp(namev[i], name))
				return EINVAL;
		if (n == max)
			return EINVAL;
		str_ncpy(namev[n], name, ACD_NAME_MAX);
		levelv[n++] = lv;
	}
	*countp = n;
	return 0;
}


/**
 * A request's skill hint as the store keeps it: "cruises" at level 1,
 * "cruises:7" above (the level has no column of its own)
 *
 * @return 0, EINVAL (bad name or level), or ENOSPC if it does not fit
 */
int cc_skill_encode(char *buf, size_t sz, const char *skill, unsigned level)
{
	int n;

	if (!buf || !sz)
		return EINVAL;
	if (!skill || !*skill) {
		buf[0] = '\0';
		return 0;
	}
	if (!cc_skill_valid(skill) || level > ACD_LEVEL_MAX)
		return EINVAL;
	n = level > 1 ? re_snprintf(buf, sz, "%s:%u", skill, level)
		      : re_snprintf(buf, sz, "%s", skill);
	return n < 0 || (size_t)n >= sz ? ENOSPC : 0;
}


/**
 * The stored skill back: name into `name`, level 1 when none is given
 *
 * @return 0, or EINVAL if it is not "name" or "name:1".."name:9"
 */
int cc_skill_decode(const char *s, char *name, size_t sz, unsigned *level)
{
	const char *colon;
	size_t len;

	if (!s || !name || !sz || !level)
		return EINVAL;
	colon = strchr(s, ':');
	len = colon ? (size_t)(colon - s) : strlen(s);
	if (len >= sz || len >= ACD_NAME_MAX)
		return EINVAL;
	if (colon && (colon[1] < '1' || colon[1] > '9' || colon[2]))
		return EINVAL;
	memcpy(name, s, len);
	name[len] = '\0';
	if (len && !cc_skill_valid(name))
		return EINVAL;
	*level = colon ? (unsigned)(colon[1] - '0') : 1;
	return 0;
}


/**
 * The announcement: `text` (NULL or "": the default) with every
 * "{business}" replaced by the business's name
 *
 * @return 0, or ENOSPC if it does not fit
 */
int cc_announcement(char *buf, size_t sz, const char *text,
		    const char *business)
{
	static const char key[] = "{business}";
	const size_t klen = sizeof(key) - 1;
	size_t o = 0;

	if (!buf || !sz)
		return EINVAL;
	if (!text || !*text)
		text = default_announcement;
	if (!business)
		business = "";
	while (*text) {
		const char *piece = text;
		size_t len = 1;

		if (!strncmp(text, key, klen)) {
			piece = business;
			len = strlen(business);
			text += klen;
		}
		else {
			++text;
		}
		if (o + len >= sz)
			return ENOSPC;
		memcpy(buf + o, piece, len);
		o += len;
	}
	buf[o] = '\0';
	return 0;
}


/** The spoken position in the queue */
int cc_position_text(char *buf, size_t sz, uint32_t position)
{
	return re_snprintf(buf, sz, "You are number %u in the queue. "
			   "Please continue to hold.", position) < 0 ?
		ENOSPC : 0;
}


/** The widget's short message for a status */
int cc_progress_text(char *buf, size_t sz, enum cc_status st,
		     uint32_t position)
{
	const char *msg;

	switch (st) {

	case CC_SCHEDULED:     msg = "We will call you at the time you "
				     "chose"; break;
	case CC_CALLING:       msg = "Calling you\xe2\x80\xa6"; break;
	case CC_QUEUED:
		if (position)
			return re_snprintf(buf, sz, "You are number %u in "
					   "the queue", position) < 0 ?
				ENOSPC : 0;
		msg = "Connecting you to an agent\xe2\x80\xa6";
		break;
	case CC_OFFERED:       msg = "Connecting you to an agent\xe2\x80\xa6";
			       break;
	case CC_CONNECTED:     msg = "Connected"; break;
	case CC_CALLBACK:      msg = "We will call you back"; break;
	case CC_COMPLETED:     msg = "Call completed"; break;
	case CC_NO_ANSWER:     msg = "We could not reach you"; break;
	case CC_BUSY:          msg = "Your line was busy"; break;
	case CC_INVALID_NUMBER: msg = "Your number could not be called";
				break;
	case CC_CANCELED:      msg = "Canceled"; break;
	case CC_ABANDONED:     msg = "You left the queue"; break;
	default:               msg = "The call could not be placed"; break;
	}
	return re_snprintf(buf, sz, "%s", msg) < 0 ? ENOSPC : 0;
}


/** A JSON string, escaped; NULL prints null */
int cc_json_str(struct re_printf *pf, const char *s)
{
	int err;

	if (!s)
		return re_hprintf(pf, "null");
	err = re_hprintf(pf, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			err |= re_hprintf(pf, "\\%c", *p);
		else if (*p < 0x20)
			err |= re_hprintf(pf, "\\u%04x", *p);
		else
			err |= re_hprintf(pf, "%c", *p);
	}
	err |= re_hprintf(pf, "\"");
	return err;
}
