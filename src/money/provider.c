/**
 * @file money/provider.c  Payment providers: the table and prepaid
 *
 * A provider is how money gets to callbridge.  Each one answers the same
 * three questions: may this amount be reserved (authorize), take it now
 * (capture), forget the reservation (cancel); a refusal is EPERM with a
 * short code ("card_declined").  The prepaid balance is the provider of
 * every account without a payment method: its reservation is the hold on
 * the balance itself (the store checks funds), so its functions only say
 * yes; its money came in through top-ups the operator recorded.  The test
 * card provider is card.c.
 */
#include <string.h>
#include <re.h>
#include "money.h"


static int prepaid_authorize(const struct store_method *m, int64_t amount,
			     char code[MONEY_CODE_MAX])
{
	(void)m;
	(void)amount;
	code[0] = '\0';
	return 0;
}


static int prepaid_cancel(const struct store_method *m, int64_t amount)
{
	(void)m;
	(void)amount;
	return 0;
}


const struct money_provider money_prepaid_provider = {
	.name = "prepaid",
	.on_balance = true,
	.authorize = prepaid_authorize,
	.capture = prepaid_authorize,
	.cancel = prepaid_cancel,
};

static const struct money_provider *providers[] = {
	&money_prepaid_provider,
	&money_testcard_provider,
};


const struct money_provider *money_provider_get(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(providers); i++) {
		if (!strcmp(providers[i]->name, name))
			return providers[i];
	}
	return NULL;
}
