/**
 * @file simnet/signals.c  Signals as events of the main loop
 *
 * SIGINT, SIGTERM and SIGUSR1 are blocked and read from a signalfd that
 * the main loop polls, so their handlers run as ordinary loop callbacks
 * and may log, end calls and write files (nothing of that is safe in an
 * asynchronous signal handler, which is what re_main() would install).
 * SIGPIPE is ignored: a TCP peer that goes away must not kill us.
 * Call sim_signals_init() before any thread exists.
 */
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <re.h>
#include "cb_core.h"
#include "simnet.h"

static struct {
	int fd;
	sim_signal_h *sigh;
	void *arg;
	sigset_t oldmask;
} sigs = {.fd = -1};


static void fd_handler(int flags, void *arg)
{
	struct signalfd_siginfo si;
	(void)flags;
	(void)arg;

	while (read(sigs.fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		sigs.sigh((int)si.ssi_signo, sigs.arg);
}


int sim_signals_init(sim_signal_h *sigh, void *arg)
{
	sigset_t set;
	int err;

	if (!sigh || sigs.fd >= 0)
		return EINVAL;

	(void)signal(SIGPIPE, SIG_IGN);

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);

	if (sigprocmask(SIG_BLOCK, &set, &sigs.oldmask))
		return errno;

	sigs.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sigs.fd < 0) {
		err = errno;
		(void)sigprocmask(SIG_SETMASK, &sigs.oldmask, NULL);
		return err;
	}

	sigs.sigh = sigh;
	sigs.arg = arg;

	err = fd_listen(sigs.fd, FD_READ, fd_handler, NULL);
	if (err)
		sim_signals_close();

	return err;
}


void sim_signals_close(void)
{
	if (sigs.fd >= 0) {
		fd_close(sigs.fd);
		(void)close(sigs.fd);
		sigs.fd = -1;
		(void)sigprocmask(SIG_SETMASK, &sigs.oldmask, NULL);
	}
	sigs.sigh = NULL;
}
