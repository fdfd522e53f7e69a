/**
 * @file tests/unit/call_model.c  Leg state machine, causes, numbers
 */
#include <string.h>
#include <re.h>
#include "call/call.h"
#include "test.h"

int test_call_leg_transitions(void);
int test_call_leg_illegal(void);
int test_call_cause_from_sip(void);
int test_call_cause_names(void);
int test_call_number_normalize(void);
int test_call_number_dial_format(void);


int test_call_leg_transitions(void)
{
	int err = 0;

	/* the normal outbound walk */
	ASSERT_EQ(LEG_CALLING, leg_state_next(LEG_NEW, LEG_EV_DIAL));
	ASSERT_EQ(LEG_RINGING, leg_state_next(LEG_CALLING, LEG_EV_RING));
	ASSERT_EQ(LEG_EARLY, leg_state_next(LEG_RINGING, LEG_EV_EARLY));
	ASSERT_EQ(LEG_ANSWERED, leg_state_next(LEG_EARLY, LEG_EV_ANSWER));
	ASSERT_EQ(LEG_HELD, leg_state_next(LEG_ANSWERED, LEG_EV_HOLD));
	ASSERT_EQ(LEG_ANSWERED, leg_state_next(LEG_HELD, LEG_EV_UNHOLD));
	ASSERT_EQ(LEG_ENDING, leg_state_next(LEG_ANSWERED, LEG_EV_HANGUP));
	ASSERT_EQ(LEG_ENDED, leg_state_next(LEG_ENDING, LEG_EV_CLOSED));

	/* a 180 after early media keeps the early media */
	ASSERT_EQ(LEG_EARLY, leg_state_next(LEG_EARLY, LEG_EV_RING));
	/* a leg that never left can end at once */
	ASSERT_EQ(LEG_ENDED, leg_state_next(LEG_NEW, LEG_EV_HANGUP));
	/* the peer may hang up in any live state */
	ASSERT_EQ(LEG_ENDED, leg_state_next(LEG_RINGING, LEG_EV_CLOSED));
	ASSERT_EQ(LEG_ENDED, leg_state_next(LEG_HELD, LEG_EV_CLOSED));
 out:
	return err;
}


int test_call_leg_illegal(void)
{
	int err = 0;

	/* nothing leaves ENDED */
	for (int ev = 0; ev < LEG_EV_MAX; ev++)
		ASSERT_EQ(LEG_STATE_MAX,
			  leg_state_next(LEG_ENDED, (enum leg_ev)ev));
	/* hold before answer, answer before dialing, ring when talking */
	ASSERT_EQ(LEG_STATE_MAX, leg_state_next(LEG_RINGING, LEG_EV_HOLD));
	ASSERT_EQ(LEG_STATE_MAX, leg_state_next(LEG_NEW, LEG_EV_ANSWER));
	ASSERT_EQ(LEG_STATE_MAX, leg_state_next(LEG_ANSWERED, LEG_EV_RING));
	ASSERT_EQ(LEG_STATE_MAX, leg_state_next(LEG_ENDING, LEG_EV_ANSWER));
	ASSERT_STREQ("held", leg_state_name(LEG_HELD));
	ASSERT_STREQ("?", leg_state_name(LEG_STATE_MAX));
 out:
	return err;
}


int test_call_cause_from_sip(void)
{
	int err = 0;

	ASSERT_EQ(CAUSE_BUSY, cause_from_sip(486, true));
	ASSERT_EQ(CAUSE_BUSY, cause_from_sip(600, false));
	ASSERT_EQ(CAUSE_INVALID_NUMBER, cause_from_sip(404, false));
	ASSERT_EQ(CAUSE_INVALID_NUMBER, cause_from_sip(484, false));
	ASSERT_EQ(CAUSE_INVALID_NUMBER, cause_from_sip(604, false));
	ASSERT_EQ(CAUSE_UNAVAILABLE, cause_from_sip(503, false));
	ASSERT_EQ(CAUSE_UNAVAILABLE, cause_from_sip(480, false));
	ASSERT_EQ(CAUSE_NO_ANSWER, cause_from_sip(480, true));
	ASSERT_EQ(CAUSE_NO_ANSWER, cause_from_sip(408, true));
	ASSERT_EQ(CAUSE_FAILED, cause_from_sip(408, false));
	ASSERT_EQ(CAUSE_REJECTED, cause_from_sip(603, false));
	ASSERT_EQ(CAUSE_REJECTED, cause_from_sip(403, false));
	ASSERT_EQ(CAUSE_REJECTED, cause_from_sip(488, false));
	ASSERT_EQ(CAUSE_CANCELED, cause_from_sip(487, true));
	ASSERT_EQ(CAUSE_FAILED, cause_from_sip(500, false));
	ASSERT_EQ(CAUSE_FAILED, cause_from_sip(0, false));
 out:
	return err;
}


int test_call_cause_names(void)
{
	int err = 0;

	ASSERT_STREQ("no-answer", cause_name(CAUSE_NO_ANSWER));
	ASSERT_STREQ("invalid-number", cause_name(CAUSE_INVALID_NUMBER));
	ASSERT_EQ(486, cause_sip_status(CAUSE_BUSY));
	ASSERT_EQ(487, cause_sip_status(CAUSE_CANCELED));
	ASSERT_EQ(404, cause_sip_status(CAUSE_INVALID_NUMBER));
	ASSERT_STREQ("?", cause_name(CAUSE_MAX));
	/* every cause is documented */
	for (int c = 0; c < CAUSE_MAX; c++)
		ASSERT_TRUE(strlen(cause_doc((enum leg_cause)c)) > 3);
 out:
	return err;
}


int test_call_number_normalize(void)
{
	static const struct {
		const char *in, *cc, *out;
	} ok[] = {
		{"+15550100", "1", "+15550100"},
		{"+1 (555) 010-0100", "1", "+15550100100"},
		{"0044 20 7946 0000", "1", "+442079460000"},
		{"5550100", "1", "+15550100"},
		{"020 7946 0000", "44", "+442079460000"},
		{"+123456789012345", "1", "+123456789012345"},
	};
	static const char *bad[] = {
		"", "+", "+12", "abc", "+1555x0100", "+1234567890123456",
		"++15550100", "+05550100", "12 34; DROP", "5550100\n",
	};
	char out[32];
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		TEST_ERR(number_normalize(out, sizeof(out), ok[i].in,
					  ok[i].cc));
		ASSERT_STREQ(ok[i].out, out);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ASSERT_EQ(EINVAL, number_normalize(out, sizeof(out), bad[i],
						   "1"));
	ASSERT_EQ(EINVAL, number_normalize(out, sizeof(out), "5550100", ""));
	ASSERT_EQ(ENOMEM, number_normalize(out, 4, "+15550100", "1"));
	ASSERT_TRUE(number_like("+1 555 0100"));
	ASSERT_TRUE(!number_like("alice"));
	ASSERT_TRUE(!number_like("+"));
 out:
	return err;
}


int test_call_number_dial_format(void)
{
	struct cb_trunk t;
	char out[32];
	int err = 0;

	memset(&t, 0, sizeof(t));
	t.dial_plus = true;
	TEST_ERR(number_dial_format(out, sizeof(out), "+15550100", &t));
	ASSERT_STREQ("+15550100", out);
	t.dial_plus = false;
	str_ncpy(t.dial_prefix, "00", sizeof(t.dial_prefix));
	TEST_ERR(number_dial_format(out, sizeof(out), "+15550100", &t));
	ASSERT_STREQ("0015550100", out);
	ASSERT_EQ(EINVAL, number_dial_format(out, sizeof(out), "15550100",
					     &t));
 out:
	return err;
}
