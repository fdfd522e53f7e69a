/**
 * @file tests/unit/sip_guard.c  The start-line check before libre's parser
 */
#include <string.h>
#include <re.h>
#include "sip/sip.h"
#include "test.h"

int test_sip_guard_start_line(void);
int test_sip_guard_decode(void);


int test_sip_guard_start_line(void)
{
	static const char *good[] = {
		"INVITE sip:+15550100@127.0.0.1 SIP/2.0\r\nVia: x\r\n\r\n",
		"OPTIONS sip:a@b SIP/2.0\n\n",
		"SIP/2.0 200 OK\r\n\r\n",
		"SIP/2.0 486 Busy Here\r\n\r\n",
		"\r\n\r\nBYE sip:x SIP/2.0\r\n\r\n",
	};
	static const char *bad[] = {
		"INVITE\r\n", "INVITE sip:x\r\n",
		"INVITE  sip:x SIP/2.0\r\n", "INVITE sip:x SIP/3.0\r\n",
		"SIP/2.0 2000 OK\r\n", "SIP/2.0 200\r\n",
		"GET / HTTP/1.1\r\n",
	};
	char big[9000];
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		ASSERT_EQ(0, sipguard_start_line(good[i], strlen(good[i])));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ASSERT_EQ(EBADMSG, sipguard_start_line(bad[i],
						       strlen(bad[i])));

	/* an incomplete line may still become one (TCP) */
	ASSERT_EQ(ENODATA, sipguard_start_line("INVITE sip:x SIP/2.0", 20));
	ASSERT_EQ(ENODATA, sipguard_start_line("", 0));

	/* the datagram that cost libre's regex 0.24 s */
	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(big) - 4, "\r\n\r\n", 4);
	ASSERT_EQ(EBADMSG, sipguard_start_line(big, sizeof(big)));

	/* a start line longer than 8 KB */
	memcpy(big, "INVITE sip:", 11);
	memcpy(big + sizeof(big) - 12, " SIP/2.0\r\n\r\n", 12);
	ASSERT_EQ(EBADMSG, sipguard_start_line(big, sizeof(big)));
 out:
	return err;
}


/* sip_msg_decode() is ours: refuses junk, passes good messages to libre */
int test_sip_guard_decode(void)
{
	static const char ok[] = "OPTIONS sip:a@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
		"From: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>\r\n"
		"Call-ID: g1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	struct mbuf *mb = mbuf_alloc(4096);
	struct sip_msg *msg = NULL;
	uint64_t before = sipguard_refused();
	int err = 0;

	ASSERT_TRUE(mb != NULL);
	TEST_ERR(mbuf_write_str(mb, ok));
	mb->pos = 0;
	TEST_ERR(sip_msg_decode(&msg, mb));
	ASSERT_TRUE(0 == pl_strcmp(&msg->met, "OPTIONS"));

	mbuf_reset(mb);
	for (int i = 0; i < 2000; i++)
		(void)mbuf_write_u8(mb, 'a');
	TEST_ERR(mbuf_write_str(mb, "\r\n\r\n"));
	mb->pos = 0;
	ASSERT_EQ(EBADMSG, sip_msg_decode(&msg, mb));
	ASSERT_EQ(before + 1, sipguard_refused());
 out:
	mem_deref(msg);
	mem_deref(mb);
	return err;
}
