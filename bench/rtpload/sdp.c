/**
 * @file bench/rtpload/sdp.c  The SDP we offer and the SDP we read
 *
 * One audio stream, PCMU only, 20 ms ptime: the offer and the answer are
 * always the same shape, built from one media socket's address.  Reading
 * takes the m=audio port and the c= address that applies to it; nothing
 * else of the peer's SDP matters to the load.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rtpload.h"

/** c= address and m=audio port of an SDP body */
bool rl_sdp_media(const char *body, size_t len, struct sockaddr_in *sa)
{
	const char *p = body, *end = body + len;
	char ip[64] = "";
	unsigned port = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		char line[256];

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		/* media-level c= comes after m= and wins over the session's */
		if (!strncmp(line, "c=IN IP4 ", 9))
			sscanf(line + 9, "%63[0-9.]", ip);
		else if (!strncmp(line, "m=audio ", 8) && !port)
			port = (unsigned)strtoul(line + 8, NULL, 10);
		p = eol ? eol + 1 : end;
	}
	if (!port || port > 65535 || !ip[0])
		return false;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1;
}

size_t rl_sdp_make(char *out, size_t outsz, uint32_t id,
		   const struct sockaddr_in *sa)
{
	char ip[INET_ADDRSTRLEN];
	int n;

	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
	n = snprintf(out, outsz,
		     "v=0\r\n"
		     "o=rtpload %u 1 IN IP4 %s\r\n"
		     "s=-\r\n"
		     "c=IN IP4 %s\r\n"
		     "t=0 0\r\n"
		     "m=audio %u RTP/AVP 0\r\n"
		     "a=rtpmap:0 PCMU/8000\r\n"
		     "a=ptime:20\r\n"
		     "a=sendrecv\r\n",
		     id, ip, ip, ntohs(sa->sin_port));
	return n > 0 && (size_t)n < outsz ? (size_t)n : 0;
}
