/**
 * @file tests/unit/conf_status.c  Conference statuses from the core
 *
 * The one mapping of src/conf/status.c from a leg's state and cause to
 * the status a conference shows: live states, every cause of an
 * unanswered leg, an answered leg that ended for any reason (left), a
 * dial we canceled ourselves (on-hook again), and the names the API
 * prints; then the invitation's text with and without DTMF confirm.
 */
#include <string.h>
#include <re.h>
#include "conf/conf.h"
#include "test.h"

int test_conf_status_live(void);
int test_conf_status_causes(void);
int test_conf_status_names(void);
int test_conf_invitation(void);


int test_conf_status_live(void)
{
	int err = 0;

	ASSERT_EQ(CONF_DIALING, conf_status_of(LEG_NEW, CAUSE_NONE, false,
					       false));
	ASSERT_EQ(CONF_DIALING, conf_status_of(LEG_CALLING, CAUSE_NONE,
					       false, false));
	ASSERT_EQ(CONF_RINGING, conf_status_of(LEG_RINGING, CAUSE_NONE,
					       false, false));
	ASSERT_EQ(CONF_RINGING, conf_status_of(LEG_EARLY, CAUSE_NONE, false,
					       false));
	ASSERT_EQ(CONF_CONNECTED, conf_status_of(LEG_ANSWERED, CAUSE_NONE,
						 true, false));
	ASSERT_EQ(CONF_CONNECTED, conf_status_of(LEG_HELD, CAUSE_NONE, true,
						 false));
	ASSERT_TRUE(conf_status_live(CONF_RINGING));
	ASSERT_TRUE(!conf_status_live(CONF_LEFT));
	ASSERT_TRUE(!conf_status_live(CONF_ONHOOK));
 out:
	return err;
}


int test_conf_status_causes(void)
{
	static const struct {
		enum leg_cause cause;
		enum conf_status st;
	} v[] = {
		{CAUSE_BUSY,             CONF_BUSY},
		{CAUSE_REJECTED,         CONF_BUSY},
		{CAUSE_NO_ANSWER,        CONF_NO_ANSWER},
		{CAUSE_INVALID_NUMBER,   CONF_INVALID},
		{CAUSE_UNAVAILABLE,      CONF_NO_LINES},
		{CAUSE_FAILED,           CONF_FAILED},
		{CAUSE_CREDIT_EXHAUSTED, CONF_FAILED},
		{CAUSE_CANCELED,         CONF_ONHOOK},
		{CAUSE_NORMAL,           CONF_ONHOOK},
	};
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		ASSERT_EQ(v[i].st, conf_status_of(LEG_ENDED, v[i].cause,
						  false, false));
		/* answered first: whatever the cause, the person left */
		ASSERT_EQ(CONF_LEFT, conf_status_of(LEG_ENDED, v[i].cause,
						    true, false));
		ASSERT_EQ(CONF_LEFT, conf_status_of(LEG_ENDING, v[i].cause,
						    true, true));
	}
	/* we canceled the dial: on-hook again, whatever the network said */
	ASSERT_EQ(CONF_ONHOOK, conf_status_of(LEG_ENDED, CAUSE_FAILED, false,
					      true));
 out:
	return err;
}


int test_conf_status_names(void)
{
	static const char *const want[CONF_STATUS_MAX] = {
		"on-hook", "dialing", "ringing", "connected", "busy",
		"no-answer", "invalid-number", "no-lines", "failed", "left",
	};
	int err = 0;

	for (int i = 0; i < CONF_STATUS_MAX; i++)
		ASSERT_STREQ(want[i], conf_status_name(i));
	ASSERT_STREQ("?", conf_status_name(CONF_STATUS_MAX));
 out:
	return err;
}


int test_conf_invitation(void)
{
	char buf[160], tiny[8];
	int err = 0;

	TEST_ERR(conf_invitation(buf, sizeof(buf), "Alice", false));
	ASSERT_STREQ("You are being invited to a conference by Alice. "
		     "Stay on the line to join.", buf);
	TEST_ERR(conf_invitation(buf, sizeof(buf), "Alice", true));
	ASSERT_STREQ("You are being invited to a conference by Alice. "
		     "Press 1 to join.", buf);
	TEST_ERR(conf_invitation(buf, sizeof(buf), "", false));
	ASSERT_TRUE(strstr(buf, "by a caller.") != NULL);
	ASSERT_EQ(EOVERFLOW, conf_invitation(tiny, sizeof(tiny), "Alice",
					     false));
 out:
	return err;
}
