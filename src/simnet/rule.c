/**
 * @file simnet/rule.c  The dial plan: what the network does per number
 *
 * A rule is a number prefix and an action with parameters, written the
 * way --rule takes it: `answer,delay=1000,audio=echo`.  The built-in plan
 * below is parsed by the same code as the command line, so the defaults
 * live in one table and read like the documentation.  A --rule with the
 * prefix of a built-in rule replaces it; others are added.  The longest
 * prefix that matches the called number wins; the prefix `*` (stored as
 * the empty string) matches every number.  A leading '+' is ignored on
 * both sides, so +15550100 and 15550100 are the same number.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "simnet.h"


/* the built-in plan: fictional NANP 555-01xx numbers */
static const struct {
	const char *prefix;
	const char *spec;
} defaults[] = {
	{"+15550100", "answer,delay=1000,audio=echo"},
	{"+15550101", "answer,audio=tone"},
	{"+15550102", "busy"},
	{"+15550103", "noanswer"},
	{"+15550104", "reject,code=404"},
	{"+15550105", "answer,hangup=3000,audio=echo"},
	{"+15550106", "answer,early=2000,audio=echo"},
	{"+15550107", "reject,code=503"},
	{"+15550108", "reject,code=603"},
	{"+155501",   "answer,delay=500,audio=echo"},
	{"*",         "reject,code=404"},
};

static const char *action_names[] = {
	"answer", "busy", "noanswer", "reject",
};

static const char *audio_names[] = {
	"echo", "tone", "none",
};

enum { MAX_MS = 86400000 };


const char *sim_action_name(enum sim_action action)
{
	return action < ARRAY_SIZE(action_names) ?
		action_names[action] : "?";
}


static int name_lookup(const char *const *names, size_t n,
		       const struct pl *pl)
{
	for (size_t i = 0; i < n; i++) {
		if (0 == pl_strcasecmp(pl, names[i]))
			return (int)i;
	}
	return -1;
}


static int prefix_parse(char *dst, size_t sz, const char *prefix)
{
	if (!prefix)
		return EINVAL;

	if (0 == strcmp(prefix, "*")) {
		dst[0] = '\0';
		return 0;
	}

	if (prefix[0] == '+')
		++prefix;

	if (!*prefix || strlen(prefix) >= sz)
		return EINVAL;

	for (const char *p = prefix; *p; p++) {
		if (*p < '0' || *p > '9')
			return EINVAL;
	}

	str_ncpy(dst, prefix, sz);
	return 0;
}


static int number_parse(uint32_t *vp, const struct pl *val)
{
	if (!val->l || val->l > 9)
		return EINVAL;

	for (size_t i = 0; i < val->l; i++) {
		if (val->p[i] < '0' || val->p[i] > '9')
			return EINVAL;
	}

	*vp = pl_u32(val);
	return 0;
}


static int param_apply(struct sim_rule *rule, const struct pl *key,
		       const struct pl *val, bool *codep)
{
	uint32_t v;
	int i;

	if (0 == pl_strcasecmp(key, "audio")) {
		i = name_lookup(audio_names, ARRAY_SIZE(audio_names), val);
		if (i < 0)
			return EINVAL;
		rule->audio = (enum sim_audio)i;
		return 0;
	}

	/* every other parameter is a number */
	if (number_parse(&v, val))
		return EINVAL;

	if (0 == pl_strcasecmp(key, "code") && v >= 300 && v <= 699) {
		rule->code = (uint16_t)v;
		*codep = true;
	}
	else if (0 == pl_strcasecmp(key, "delay") && v <= MAX_MS)
		rule->delay_ms = v;
	else if (0 == pl_strcasecmp(key, "early") && v <= MAX_MS)
		rule->early_ms = v;
	else if (0 == pl_strcasecmp(key, "hangup") && v <= MAX_MS)
		rule->hangup_ms = v;
	else if (0 == pl_strcasecmp(key, "freq") && v >= 50 && v <= 3900)
		rule->freq = v;
	else
		return EINVAL;

	return 0;
}


/* split "a,k=v,k=v" without regex so that stray commas are errors */
static int rule_parse(struct sim_rule *rule, const char *prefix,
		      const char *spec)
{
	const char *p, *end, *eq;
	struct pl item, key, val;
	bool has_code = false;
	int err, i;

	memset(rule, 0, sizeof(*rule));
	rule->freq = 440;

	err = prefix_parse(rule->prefix, sizeof(rule->prefix), prefix);
	if (err)
		return err;

	end = strchr(spec, ',');
	if (!end)
		end = spec + strlen(spec);
	item.p = spec;
	item.l = end - spec;

	i = name_lookup(action_names, ARRAY_SIZE(action_names), &item);
	if (i < 0)
		return EINVAL;
	rule->action = (enum sim_action)i;
	rule->code = rule->action == SIM_ACT_BUSY ? 486 : 404;

	for (p = end; *p; p = end) {
		++p;
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', end - p);
		if (!eq || eq == p)
			return EINVAL;
		key.p = p;
		key.l = eq - p;
		val.p = eq + 1;
		val.l = end - eq - 1;
		err = param_apply(rule, &key, &val, &has_code);
		if (err)
			return err;
	}

	/* a code only makes sense where the network refuses the call */
	if (has_code && rule->action != SIM_ACT_BUSY &&
	    rule->action != SIM_ACT_REJECT)
		return EINVAL;

	return 0;
}


int sim_plan_add(struct sim_plan *plan, const char *prefix,
		 const char *spec)
{
	struct sim_rule rule;
	int err;

	if (!plan || !prefix || !spec)
		return EINVAL;

	err = rule_parse(&rule, prefix, spec);
	if (err)
		return err;

	for (uint32_t i = 0; i < plan->rulec; i++) {
		if (0 == strcmp(plan->rulev[i].prefix, rule.prefix)) {
			plan->rulev[i] = rule;
			return 0;
		}
	}

	if (plan->rulec >= ARRAY_SIZE(plan->rulev))
		return E2BIG;

	plan->rulev[plan->rulec++] = rule;
	return 0;
}


int sim_plan_defaults(struct sim_plan *plan)
{
	int err = 0;

	if (!plan)
		return EINVAL;

	plan->rulec = 0;
	for (size_t i = 0; i < ARRAY_SIZE(defaults) && !err; i++)
		err = sim_plan_add(plan, defaults[i].prefix, defaults[i].spec);

	return err;
}


const struct sim_rule *sim_plan_match(const struct sim_plan *plan,
				      const char *number)
{
	const struct sim_rule *best = NULL;
	size_t bestlen = 0;

	if (!plan || !number)
		return NULL;

	if (number[0] == '+')
		++number;

	for (uint32_t i = 0; i < plan->rulec; i++) {
		const struct sim_rule *r = &plan->rulev[i];
		size_t len = strlen(r->prefix);

		if (strncmp(number, r->prefix, len))
			continue;
		if (!best || len > bestlen) {
			best = r;
			bestlen = len;
		}
	}

	return best;
}


static int prefix_print(struct re_printf *pf, const struct sim_rule *rule)
{
	return re_hprintf(pf, "%s%s", rule->prefix[0] ? "+" : "*",
			  rule->prefix);
}


static int spec_print(struct re_printf *pf, const struct sim_rule *rule)
{
	int err;

	err = re_hprintf(pf, "%s", sim_action_name(rule->action));

	if (rule->action == SIM_ACT_BUSY || rule->action == SIM_ACT_REJECT)
		err |= re_hprintf(pf, ",code=%u", rule->code);
	if (rule->delay_ms)
		err |= re_hprintf(pf, ",delay=%u", rule->delay_ms);
	if (rule->early_ms)
		err |= re_hprintf(pf, ",early=%u", rule->early_ms);
	if (rule->hangup_ms)
		err |= re_hprintf(pf, ",hangup=%u", rule->hangup_ms);
	if (rule->action == SIM_ACT_ANSWER)
		err |= re_hprintf(pf, ",audio=%s", audio_names[rule->audio]);
	if (rule->action == SIM_ACT_ANSWER && rule->audio == SIM_AUDIO_TONE)
		err |= re_hprintf(pf, ",freq=%u", rule->freq);

	return err;
}


/** "PREFIX ACTION,k=v..." as --rule takes it */
int sim_rule_print(struct re_printf *pf, const struct sim_rule *rule)
{
	if (!rule)
		return 0;

	return re_hprintf(pf, "%H %H", prefix_print, rule, spec_print, rule);
}


int sim_plan_print(struct re_printf *pf, const struct sim_plan *plan)
{
	int err = 0;

	if (!plan)
		return 0;

	for (uint32_t i = 0; i < plan->rulec; i++) {
		char prefix[SIM_NUMBER_LEN + 2];

		(void)re_snprintf(prefix, sizeof(prefix), "%H", prefix_print,
				  &plan->rulev[i]);
		err |= re_hprintf(pf, "  %-13s %H\n", prefix, spec_print,
				  &plan->rulev[i]);
	}

	return err;
}
