/**
 * @file media/port.c  RTP/RTCP port pairs: allocation with quarantine
 *
 * The range [port_min, port_max] is cut into pairs (even RTP port, RTCP =
 * RTP + 1); a pair's index is the endpoint's slot.  Each pair records when
 * it may be used again: a released pair rests `quarantine_ms` so late
 * packets of the old call do not reach the new one.  Allocation walks the
 * pairs round-robin from where the last one ended, skips busy and resting
 * ones, and skips pairs some other program has bound (bind fails).
 *
 * Main thread only.  The sockets are non-blocking, close-on-exec, bound to
 * the configured address (IPv4 or IPv6) and marked DSCP EF.
 */
#include <string.h>
#include <unistd.h>
#include <netinet/ip.h>
#include <re.h>
#include "cb_media.h"
#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "media/media.h"

#define PAIR_BUSY UINT64_MAX

static struct {
	struct sa addr;
	uint16_t base;
	uint32_t npairs;
	uint32_t next;
	uint32_t busy;
	uint32_t quarantine_ms;
	uint64_t *free_at;     /* per pair: ms when usable, PAIR_BUSY      */
} ports;


int media_ports_init(const struct media_config *cfg)
{
	ports.addr = cfg->addr;
	ports.base = cfg->port_min;
	ports.npairs = ((uint32_t)cfg->port_max - cfg->port_min + 1) / 2;
	ports.next = 0;
	ports.busy = 0;
	ports.quarantine_ms = cfg->quarantine_ms;
	ports.free_at = mem_zalloc(ports.npairs * sizeof(*ports.free_at),
				   NULL);

	return ports.free_at ? 0 : ENOMEM;
}


void media_ports_close(void)
{
	ports.free_at = mem_deref(ports.free_at);
	ports.npairs = 0;
}


uint32_t media_port_slots(void)
{
	return ports.npairs;
}


static int sock_bind(int *fdp, uint16_t port)
{
	struct sa sa = ports.addr;
	int af = sa_af(&sa);
	int fd, tos = IPTOS_DSCP_EF, on = 1;

	fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;

	if (af == AF_INET6) {
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
				 sizeof(on));
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos,
				 sizeof(tos));
	}
	else {
		(void)setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	}

	sa_set_port(&sa, port);
	if (bind(fd, &sa.u.sa, sa.len) < 0) {
		int err = errno;
		close(fd);
		return err;
	}

	*fdp = fd;
	return 0;
}


int media_port_alloc(uint32_t *slotp, int *fd_rtp, int *fd_rtcp,
		     struct sa *laddr)
{
	uint64_t now = media_clock_ms();
	int err = EADDRINUSE;

	for (uint32_t i = 0; i < ports.npairs; i++) {
		uint32_t slot = (ports.next + i) % ports.npairs;
		uint16_t port = (uint16_t)(ports.base + 2 * slot);
		int a = -1, b = -1;

		if (ports.free_at[slot] > now)
			continue;

		err = sock_bind(&a, port);
		if (!err) {
			err = sock_bind(&b, (uint16_t)(port + 1));
			if (err)
				close(a);
		}
		if (err == EMFILE || err == ENFILE || err == ENOMEM)
			break;
		if (err) {
			err = EADDRINUSE;
			continue;
		}

		ports.free_at[slot] = PAIR_BUSY;
		ports.next = (slot + 1) % ports.npairs;
		++ports.busy;
		*slotp = slot;
		*fd_rtp = a;
		*fd_rtcp = b;
		*laddr = ports.addr;
		sa_set_port(laddr, port);
		return 0;
	}

	return err;
}


void media_port_release(uint32_t slot)
{
	if (!ports.free_at || slot >= ports.npairs)
		return;

	ports.free_at[slot] = media_clock_ms() + ports.quarantine_ms;
	--ports.busy;
}


int media_ports_debug(struct re_printf *pf, void *unused)
{
	(void)unused;

	return re_hprintf(pf, "  ports: %u-%u pairs=%u busy=%u "
			  "quarantine_ms=%u\n", ports.base,
			  ports.base + 2 * ports.npairs - 1, ports.npairs,
			  ports.busy, ports.quarantine_ms);
}
