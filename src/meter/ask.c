/**
 * @file meter/ask.c  Asking the user to go on (limit policy "ask")
 *
 * Seed 004's second and third embodiments: when the hold is about to be
 * used up, the web page is told (a `billing.limit` event with state
 * `asking`, on the WebSocket and to webhooks) and an announcement is
 * played on the call, `money.ask_text` spoken by the TTS engine.  The
 * user confirms with DTMF 1 (RFC 4733 or SIP INFO, on the leg that was
 * asked) or through POST /v1/calls/{id}/billing/confirm; a confirmation
 * re-authorizes the first amount again, no answer by the limit cuts the
 * call (limit.c).
 *
 * Who is asked: the paying party's leg, A for a caller or an account,
 * B for a callee (collect); if that leg is not up, any answered leg.
 * Without a leg, or when the speech cannot be made, only the web page is
 * asked.  A conference (conf.c) is asked on the bridge: the conference
 * plays the question to everyone in its mixer and a 1 from any of them
 * confirms (the conference passes on only its members' digits);
 * `asked_leg` is then the first one dialed still up, normally the owner.
 */
#include <string.h>
#include <re.h>
#include "meter.h"
#include "cb_tts.h"


static struct leg *call_leg_by_id(const struct meter_bill *bill,
				  const char *id)
{
	struct call *call = mtr_bill_call(bill, id);
	struct leg *leg;

	for (unsigned i = 0; call && (leg = call_leg(call, i)); i++) {
		if (!strcmp(leg_id(leg), id))
			return leg;
	}
	return NULL;
}


static const struct mleg *asked_leg(const struct payer *p)
{
	const struct meter_bill *bill = p->bill;
	enum meter_role want = p->kind == METER_PAYER_CALLEE
		? METER_ROLE_B : METER_ROLE_A;
	const struct mleg *any = NULL;

	for (unsigned i = 0; i < bill->legc; i++) {
		const struct mleg *l = &bill->legv[i];

		if (!l->answered_ms || l->ended_ms)
			continue;
		if (l->role == want)
			return l;
		if (!any)
			any = l;
	}
	return any;
}


static void said_handler(int err, const char *path, bool cached, void *arg)
{
	struct meter_bill *bill = arg;
	struct leg *leg;
	(void)cached;

	/* path belongs to the request: it is let go last */
	if (err) {
		log_warn(NULL, "call=%s cannot say the billing question (%m): "
			 "asked on the web only", bill->call_id, err);
	}
	else if (bill->conf) {
		bill->prompt_playing = mtr_conf_ask(bill, path) > 0;
		if (!bill->prompt_playing)
			log_warn(NULL, "conf=%s nobody in the mixer to ask: "
				 "asked on the web only", bill->call_id);
	}
	else if (!(leg = call_leg_by_id(bill, bill->ask_leg)) ||
		 leg_play(leg, path, false)) {
		log_warn(NULL, "call=%s leg=%s cannot play the billing "
			 "question", bill->call_id, bill->ask_leg);
	}
	else {
		bill->prompt_playing = true;
	}
	bill->tts = mem_deref(bill->tts);
}


/** Ask p's user; 0 when the question is out (web, and call if it can) */
int mtr_ask_start(struct payer *p)
{
	struct meter_bill *bill = p->bill;
	const struct mleg *l = asked_leg(p);
	int err;

	bill->ask_leg[0] = '\0';
	if (l)
		str_ncpy(bill->ask_leg, l->id, sizeof(bill->ask_leg));
	mtr_publish_limit(p, "asking");
	if (!l)
		return 0;
	bill->tts = mem_deref(bill->tts);
	err = tts_say(&bill->tts, meter_ask_text(), NULL, said_handler, bill);
	if (err)
		log_warn(NULL, "call=%s cannot say the billing question (%m): "
			 "asked on the web only", bill->call_id, err);
	return 0;
}


/** The question is answered or moot: stop waiting for the speech and
 *  stop the announcement if it still plays */
void mtr_ask_stop(struct meter_bill *bill)
{
	struct leg *leg;

	bill->tts = mem_deref(bill->tts);
	if (bill->conf) {
		bill->prompt_playing = false;
		(void)mtr_conf_ask(bill, NULL);   /* where it still plays */
		return;
	}
	if (!bill->prompt_playing)
		return;
	bill->prompt_playing = false;
	leg = call_leg_by_id(bill, bill->ask_leg);
	if (leg && leg_state(leg) != LEG_ENDED)
		(void)leg_stop(leg);
}


/** A digit on a leg of a billed call: 1 on the asked leg (on a
 *  conference's, any leg in its mixer) says yes */
void mtr_ask_dtmf(struct meter_bill *bill, const char *leg_id, char digit)
{
	if (digit != '1' || !leg_id)
		return;
	if (!bill->conf && bill->ask_leg[0] && strcmp(bill->ask_leg, leg_id))
		return;
	for (unsigned i = 0; i < bill->payerc; i++) {
		if (bill->payerv[i].state == PAYER_ASKING) {
			log_info(NULL, "call=%s leg=%s: DTMF 1, the user goes "
				 "on", bill->call_id, leg_id);
			(void)mtr_payer_event(&bill->payerv[i],
					      PAYER_EV_CONFIRM);
			return;
		}
	}
}


/** The announcement finished by itself */
void mtr_ask_play_done(struct meter_bill *bill, const char *leg_id)
{
	if (leg_id && !strcmp(bill->ask_leg, leg_id))
		bill->prompt_playing = false;
}
