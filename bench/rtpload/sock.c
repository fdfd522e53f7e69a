/**
 * @file bench/rtpload/sock.c  Addresses and UDP sockets
 *
 * Every socket is UDP on IPv4 and asks for 4 MiB kernel buffers (the
 * kernel caps them at net.core.[rw]mem_max): one 1 ms tick sends a burst
 * of calls / 20 packets per direction.  K media sockets per side carry
 * all calls (call i uses socket i % K); SIP mode adds our UAC and trunk
 * UAS sockets, ng mode one control socket.  A descriptor of -1 is a
 * socket not open.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "rtpload.h"

/** "a.b.c.d:port" into sa */
int rl_addr_parse(struct sockaddr_in *sa, const char *s)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t n;

	if (!colon || colon == s)
		return EINVAL;
	n = (size_t)(colon - s);
	if (n >= sizeof(host))
		return EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return EINVAL;
	return 0;
}

static int udp_open(struct sockaddr_in *bound, const char *ip, uint16_t port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd, buf = SOCKBUF;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)bound, &len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/** Mark every socket not open, so that rl_sockets_close() is safe */
void rl_sockets_init(struct rl *rl)
{
	uint32_t k;

	for (k = 0; k < MAX_SOCKS; k++)
		rl->mfd[SIDE_A][k] = rl->mfd[SIDE_B][k] = -1;
	rl->sip_fd[SIDE_A] = rl->sip_fd[SIDE_B] = rl->ng_fd = -1;
}

/** The media sockets and the control sockets of rl->mode; errno */
int rl_sockets_open(struct rl *rl, const char *mip, uint16_t trunk_port,
		    uint16_t uac_port)
{
	uint32_t k;
	int side;

	for (side = 0; side < 2; side++) {
		for (k = 0; k < rl->socks; k++) {
			rl->mfd[side][k] = udp_open(&rl->maddr[side][k], mip,
						    0);
			if (rl->mfd[side][k] < 0)
				return errno;
		}
	}
	if (rl->mode == MODE_SIP) {
		rl->sip_fd[SIDE_A] = udp_open(&rl->sip_addr[SIDE_A], mip,
					      uac_port);
		rl->sip_fd[SIDE_B] = udp_open(&rl->sip_addr[SIDE_B], mip,
					      trunk_port);
		if (rl->sip_fd[SIDE_A] < 0 || rl->sip_fd[SIDE_B] < 0)
			return errno;
	}
	if (rl->mode == MODE_NG) {
		struct sockaddr_in sa;

		rl->ng_fd = udp_open(&sa, mip, 0);
		if (rl->ng_fd < 0)
			return errno;
	}
	return 0;
}

static void fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void rl_sockets_close(struct rl *rl)
{
	uint32_t k;

	for (k = 0; k < MAX_SOCKS; k++) {
		fd_close(&rl->mfd[SIDE_A][k]);
		fd_close(&rl->mfd[SIDE_B][k]);
	}
	fd_close(&rl->sip_fd[SIDE_A]);
	fd_close(&rl->sip_fd[SIDE_B]);
	fd_close(&rl->ng_fd);
}
