/**
 * @file tests/unit/cc_text.c  Contact centre: skills, texts, statuses
 *
 * The pure helpers of src/cc/text.c: the agents' skill strings, the
 * announcement with the business's name, the spoken queue position, the
 * widget's progress messages, the status names the API shows and a
 * request's skill with its level as the store keeps it ("cruises:7").
 */
#include <string.h>
#include <re.h>
#include "cc/cc.h"
#include "test.h"

int test_cc_skills_parse(void);
int test_cc_skills_refused(void);
int test_cc_announcement(void);
int test_cc_texts(void);
int test_cc_status_names(void);
int test_cc_skill_stored(void);


int test_cc_skills_parse(void)
{
	char namev[CC_SKILLS_MAX][ACD_NAME_MAX];
	unsigned levelv[CC_SKILLS_MAX], n = 99;
	int err;

	TEST_ERR(cc_skills_parse("cruises:7,flights:3", namev, levelv,
				 CC_SKILLS_MAX, &n));
	ASSERT_EQ(2, n);
	ASSERT_STREQ("cruises", namev[0]);
	ASSERT_EQ(7, levelv[0]);
	ASSERT_STREQ("flights", namev[1]);
	ASSERT_EQ(3, levelv[1]);

	TEST_ERR(cc_skills_parse("", namev, levelv, CC_SKILLS_MAX, &n));
	ASSERT_EQ(0, n);

	TEST_ERR(cc_skills_parse(" hotels:1 , car-hire_2:9", namev, levelv,
				 CC_SKILLS_MAX, &n));
	ASSERT_EQ(2, n);
	ASSERT_STREQ("hotels", namev[0]);
	ASSERT_STREQ("car-hire_2", namev[1]);
	ASSERT_EQ(9, levelv[1]);
 out:
	return err;
}


int test_cc_skills_refused(void)
{
	static const char *const bad[] = {
		"cruises", "cruises:", "cruises:0", "cruises:10",
		"cruises:x", ":3", "cruises:3,", "cruises:3,,flights:2",
		"Cruises:3", "cru ises:3", "cruises:3;flights:2",
		"cruises:3,cruises:4", "a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1",
		"abcdefghijklmnopqrstuvwxyz0123456789:1", "c\xc3\xa9:1",
	};
	char namev[CC_SKILLS_MAX][ACD_NAME_MAX];
	unsigned levelv[CC_SKILLS_MAX], n;
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (cc_skills_parse(bad[i], namev, levelv, CC_SKILLS_MAX,
				    &n) != EINVAL) {
			(void)re_fprintf(stderr, "  accepted '%s'\n", bad[i]);
			err = EINVAL;
		}
	}
	ASSERT_TRUE(cc_skill_valid("cruises"));
	ASSERT_TRUE(!cc_skill_valid(""));
	ASSERT_TRUE(!cc_skill_valid("@agent"));
 out:
	return err;
}


int test_cc_announcement(void)
{
	char buf[160], tiny[20];
	int err;

	TEST_ERR(cc_announcement(buf, sizeof(buf), NULL, "Acme Cruises"));
	ASSERT_STREQ("Please hold while we connect you to Acme Cruises "
		     "customer representative.", buf);
	TEST_ERR(cc_announcement(buf, sizeof(buf), "",
				 "Acme"));
	ASSERT_STREQ("Please hold while we connect you to Acme customer "
		     "representative.", buf);
	TEST_ERR(cc_announcement(buf, sizeof(buf), "{business}, {business}!"
				 " {busi", "Zed"));
	ASSERT_STREQ("Zed, Zed! {busi", buf);
	ASSERT_EQ(ENOSPC, cc_announcement(tiny, sizeof(tiny), NULL, "Acme"));
	err = 0;
 out:
	return err;
}


int test_cc_texts(void)
{
	char buf[96];
	int err;

	TEST_ERR(cc_position_text(buf, sizeof(buf), 3));
	ASSERT_STREQ("You are number 3 in the queue. Please continue to "
		     "hold.", buf);
	TEST_ERR(cc_progress_text(buf, sizeof(buf), CC_QUEUED, 2));
	ASSERT_STREQ("You are number 2 in the queue", buf);
	TEST_ERR(cc_progress_text(buf, sizeof(buf), CC_CALLING, 0));
	ASSERT_STREQ("Calling you\xe2\x80\xa6", buf);
	TEST_ERR(cc_progress_text(buf, sizeof(buf), CC_OFFERED, 0));
	ASSERT_STREQ("Connecting you to an agent\xe2\x80\xa6", buf);
	TEST_ERR(cc_progress_text(buf, sizeof(buf), CC_CONNECTED, 0));
	ASSERT_STREQ("Connected", buf);
	for (int i = 0; i < CC_STATUS_MAX; i++) {
		TEST_ERR(cc_progress_text(buf, sizeof(buf),
					  (enum cc_status)i, 1));
		ASSERT_TRUE(buf[0] != '\0');
	}
 out:
	return err;
}


int test_cc_status_names(void)
{
	int err = 0;

	ASSERT_STREQ("no-answer", cc_status_name(CC_NO_ANSWER));
	ASSERT_STREQ("invalid-number", cc_status_name(CC_INVALID_NUMBER));
	ASSERT_STREQ("callback", cc_status_name(CC_CALLBACK));
	for (int i = 0; i < CC_STATUS_MAX; i++)
		ASSERT_EQ(i, cc_status_parse(cc_status_name(
						     (enum cc_status)i)));
	ASSERT_EQ(CC_STATUS_MAX, cc_status_parse("dialing"));
	ASSERT_TRUE(!cc_status_final(CC_CALLBACK));
	ASSERT_TRUE(!cc_status_final(CC_CONNECTED));
	ASSERT_TRUE(cc_status_final(CC_COMPLETED));
	ASSERT_TRUE(cc_status_final(CC_ABANDONED));
 out:
	return err;
}


int test_cc_skill_stored(void)
{
	char buf[33], name[ACD_NAME_MAX];
	char longest[32];
	unsigned level = 0;
	int err;

	/* level 1 is the bare name: rows stored before levels read back */
	TEST_ERR(cc_skill_encode(buf, sizeof(buf), "cruises", 1));
	ASSERT_STREQ("cruises", buf);
	TEST_ERR(cc_skill_encode(buf, sizeof(buf), "cruises", 0));
	ASSERT_STREQ("cruises", buf);
	TEST_ERR(cc_skill_encode(buf, sizeof(buf), "cruises", 7));
	ASSERT_STREQ("cruises:7", buf);
	TEST_ERR(cc_skill_encode(buf, sizeof(buf), NULL, 7));
	ASSERT_STREQ("", buf);

	TEST_ERR(cc_skill_decode("cruises:7", name, sizeof(name), &level));
	ASSERT_STREQ("cruises", name);
	ASSERT_EQ(7, level);
	TEST_ERR(cc_skill_decode("flights", name, sizeof(name), &level));
	ASSERT_STREQ("flights", name);
	ASSERT_EQ(1, level);
	TEST_ERR(cc_skill_decode("", name, sizeof(name), &level));
	ASSERT_STREQ("", name);
	ASSERT_EQ(1, level);

	/* a 31-character name has no room for a level in 32 characters */
	memset(longest, 'a', 31);
	longest[31] = '\0';
	TEST_ERR(cc_skill_encode(buf, sizeof(buf), longest, 1));
	ASSERT_EQ(ENOSPC, cc_skill_encode(buf, sizeof(buf), longest, 2));

	/* refused: bad names and levels, garbage after the level */
	ASSERT_EQ(EINVAL, cc_skill_encode(buf, sizeof(buf), "Cruises", 2));
	ASSERT_EQ(EINVAL, cc_skill_encode(buf, sizeof(buf), "cruises", 10));
	ASSERT_EQ(EINVAL, cc_skill_decode("cruises:0", name, sizeof(name),
					  &level));
	ASSERT_EQ(EINVAL, cc_skill_decode("cruises:77", name, sizeof(name),
					  &level));
	ASSERT_EQ(EINVAL, cc_skill_decode("cruises:", name, sizeof(name),
					  &level));
	ASSERT_EQ(EINVAL, cc_skill_decode("cru ises", name, sizeof(name),
					  &level));
	err = 0;
 out:
	return err;
}
