/**
 * @file tests/unit/media_codec.c  G.711, RFC 4733 payloads, hostile input
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "cb_media.h"
#include "media/media.h"
#include "test.h"

int test_media_g711_roundtrip(void);
int test_media_g711_transcode(void);
int test_media_dtmf_codec(void);
int test_media_rtp_parse(void);
int test_media_hostile_input(void);


int test_media_g711_roundtrip(void)
{
	int err = 0;

	/* the librem bug: -32768 must come back as a loud negative sample */
	ASSERT_TRUE(media_ulaw2pcm(media_pcm2ulaw(-32768)) < -30000);
	ASSERT_TRUE(media_alaw2pcm(media_pcm2alaw(-32768)) < -30000);
	ASSERT_EQ(media_pcm2ulaw(-32767), media_pcm2ulaw(-32768));
	ASSERT_EQ(media_pcm2alaw(-32767), media_pcm2alaw(-32768));
	ASSERT_TRUE(media_ulaw2pcm(media_pcm2ulaw(32767)) > 30000);

	for (int32_t s = -32768; s <= 32767; s++) {
		int16_t u = media_ulaw2pcm(media_pcm2ulaw((int16_t)s));
		int16_t a = media_alaw2pcm(media_pcm2alaw((int16_t)s));

		/* logarithmic quantisation: error grows with the level */
		ASSERT_TRUE(abs(u - s) <= 16 + abs(s) / 16);
		ASSERT_TRUE(abs(a - s) <= 16 + abs(s) / 16);
		/* and never flips the sign of a non-tiny sample */
		if (s > 64)
			ASSERT_TRUE(u > 0 && a > 0);
		if (s < -64)
			ASSERT_TRUE(u < 0 && a < 0);
	}

	/* every code decodes and re-encodes to itself (but -0 -> +0) */
	for (int c = 0; c < 256; c++) {
		uint8_t u = media_pcm2ulaw(media_ulaw2pcm((uint8_t)c));
		uint8_t a = media_pcm2alaw(media_alaw2pcm((uint8_t)c));

		if (c != 0x7f)
			ASSERT_EQ(c, u);
		ASSERT_EQ(c, a);
	}
 out:
	return err;
}


int test_media_g711_transcode(void)
{
	uint8_t buf[256];
	int err = 0;

	media_g711_init();

	for (int c = 0; c < 256; c++)
		buf[c] = (uint8_t)c;
	media_g711_transcode(buf, sizeof(buf), MEDIA_PCMU);
	for (int c = 0; c < 256; c++) {
		int16_t want = media_ulaw2pcm((uint8_t)c);
		int16_t got = media_alaw2pcm(buf[c]);

		ASSERT_TRUE(abs(want - got) <= 16 + abs(want) / 16);
	}

	media_g711_transcode(buf, sizeof(buf), MEDIA_PCMA);
	for (int c = 0; c < 256; c++) {
		int16_t want = media_ulaw2pcm((uint8_t)c);
		int16_t got = media_ulaw2pcm(buf[c]);

		ASSERT_TRUE(abs(want - got) <= 16 + abs(want) / 8);
	}

	ASSERT_TRUE(abs(media_ulaw2pcm(media_g711_silence(MEDIA_PCMU))) <= 8);
	ASSERT_TRUE(abs(media_alaw2pcm(media_g711_silence(MEDIA_PCMA))) <= 8);
 out:
	return err;
}


int test_media_dtmf_codec(void)
{
	const char *all = "0123456789*#ABCD";
	uint8_t p[4], code;
	uint16_t dur;
	bool end;
	int err = 0;

	for (int i = 0; all[i]; i++) {
		ASSERT_EQ(i, media_dtmf_code(all[i]));
		ASSERT_EQ(all[i], media_dtmf_digit(i));
	}
	ASSERT_EQ(12, media_dtmf_code('a'));
	ASSERT_EQ(-1, media_dtmf_code('x'));
	ASSERT_EQ(-1, media_dtmf_code(0));
	ASSERT_EQ(0, media_dtmf_digit(16));

	TEST_ERR(media_dtmf_encode(p, sizeof(p), 11, true, 10, 1600));
	ASSERT_EQ(11, p[0]);
	ASSERT_EQ(0x8a, p[1]);
	ASSERT_EQ(0x06, p[2]);
	ASSERT_EQ(0x40, p[3]);
	TEST_ERR(media_dtmf_decode(p, sizeof(p), &code, &end, &dur));
	ASSERT_EQ(11, code);
	ASSERT_TRUE(end);
	ASSERT_EQ(1600, dur);

	TEST_ERR(media_dtmf_encode(p, sizeof(p), 5, false, 63, 65535));
	TEST_ERR(media_dtmf_decode(p, sizeof(p), &code, &end, &dur));
	ASSERT_EQ(5, code);
	ASSERT_TRUE(!end);
	ASSERT_EQ(65535, dur);

	ASSERT_EQ(EBADMSG, media_dtmf_decode(p, 3, &code, &end, &dur));
	ASSERT_EQ(EINVAL, media_dtmf_encode(p, 3, 5, false, 10, 1));
 out:
	return err;
}


int test_media_rtp_parse(void)
{
	uint8_t p[64];
	struct mrtp h;
	int err = 0;

	memset(p, 0, sizeof(p));
	media_rtp_hdr(p, true, 8, 0x1234, 0xdeadbeef, 0x01020304);
	TEST_ERR(media_rtp_parse(&h, p, 40));
	ASSERT_TRUE(h.marker);
	ASSERT_EQ(8, h.pt);
	ASSERT_EQ(0x1234, h.seq);
	ASSERT_EQ(0xdeadbeef, h.ts);
	ASSERT_EQ(0x01020304, h.ssrc);
	ASSERT_EQ(12, h.hlen);
	ASSERT_EQ(28, h.plen);

	/* two CSRCs */
	p[0] = 0x82;
	TEST_ERR(media_rtp_parse(&h, p, 40));
	ASSERT_EQ(20, h.hlen);
	ASSERT_EQ(EBADMSG, media_rtp_parse(&h, p, 19));

	/* extension of 2 words after the CSRCs */
	p[0] = 0x92;
	p[22] = 0;
	p[23] = 2;
	TEST_ERR(media_rtp_parse(&h, p, 40));
	ASSERT_EQ(32, h.hlen);
	p[23] = 3;
	ASSERT_EQ(EBADMSG, media_rtp_parse(&h, p, 35));
	p[23] = 200;
	ASSERT_EQ(EBADMSG, media_rtp_parse(&h, p, 64));

	/* padding: count in the last byte, within the payload */
	p[0] = 0xa0;
	p[39] = 4;
	TEST_ERR(media_rtp_parse(&h, p, 40));
	ASSERT_EQ(24, h.plen);
	p[39] = 0;
	ASSERT_EQ(EBADMSG, media_rtp_parse(&h, p, 40));
	p[39] = 40;
	ASSERT_EQ(EBADMSG, media_rtp_parse(&h, p, 40));

	/* version, length, RTCP-looking PT */
	p[0] = 0x40;
	ASSERT_EQ(EBADMSG, media_rtp_parse(&h, p, 40));
	p[0] = 0x80;
	ASSERT_EQ(EBADMSG, media_rtp_parse(&h, p, 11));
	p[1] = 200;
	ASSERT_EQ(EBADMSG, media_rtp_parse(&h, p, 40));
 out:
	return err;
}


/* random bytes into every parser: they must refuse, never crash */
int test_media_hostile_input(void)
{
	static struct mep m;
	uint8_t p[256];
	struct mrtp h;
	unsigned ok = 0;
	int err = 0;

	memset(&m, 0, sizeof(m));
	m.tx.ssrc = 0x11223344;

	for (int i = 0; i < 200000; i++) {
		size_t len = rand_u16() % sizeof(p);

		rand_bytes(p, len);
		if (i & 1)
			p[0] = (uint8_t)(0x80 | (p[0] & 0x3f));
		if (!media_rtp_parse(&h, p, len)) {
			ASSERT_TRUE(h.hlen + h.plen <= len);
			++ok;
		}
		(void)media_rtcp_parse(&m, p, len, 1000);
	}
	ASSERT_TRUE(ok > 0);

	/* a well-formed RR about our SSRC: the peer's loss is taken */
	memset(p, 0, sizeof(p));
	p[0] = 0x81;
	p[1] = 201;
	p[3] = 7;
	media_put32(p + 8, 0x11223344);
	media_put32(p + 12, 0x0a000005);
	TEST_ERR(media_rtcp_parse(&m, p, 32, 1000));
	ASSERT_EQ(5, atomic_load(&m.st.peer_lost));

	/* length field pointing past the datagram */
	p[3] = 8;
	ASSERT_EQ(EBADMSG, media_rtcp_parse(&m, p, 32, 1000));
	/* report count larger than the packet */
	p[3] = 7;
	p[0] = 0x82;
	ASSERT_EQ(EBADMSG, media_rtcp_parse(&m, p, 32, 1000));
 out:
	return err;
}
