/**
 * @file tts/proc.c  Run one program, without a shell, and collect it
 *
 * posix_spawnp() with an argv: nothing is ever parsed by a shell.  The
 * child gets /dev/null for stdin, a pipe for stdout (kept, up to outmax
 * bytes) and one for stderr (the first TTS_ERR_MAX bytes kept for the
 * log), no other descriptor of ours (closefrom 3), default signal
 * dispositions, an empty signal mask and its own process group (a ^C on
 * the daemon's terminal is ours to handle).  The calling thread waits
 * in poll() for output, the deadline, or stopfd (shutdown); a child that
 * overruns any of them is killed.  The child is always reaped here, by
 * its pid, so no other part of the program sees it.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <re.h>
#include "tts/tts.h"

enum { OUT_CHUNK = 64 * 1024 };


static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


void tts_run_reset(struct tts_run *r)
{
	if (!r)
		return;
	free(r->out);
	memset(r, 0, sizeof(*r));
}


static int spawn(pid_t *pidp, char *const argv[], int out, int errfd)
{
	static const int dfl[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD,
				  SIGALRM, SIGUSR1, SIGUSR2};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	int err;

	sigemptyset(&none);
	sigemptyset(&def);
	for (size_t i = 0; i < ARRAY_SIZE(dfl); i++)
		sigaddset(&def, dfl[i]);

	err = posix_spawn_file_actions_init(&fa);
	if (err)
		return err;
	err = posix_spawnattr_init(&at);
	if (err) {
		(void)posix_spawn_file_actions_destroy(&fa);
		return err;
	}

	err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
					       O_RDONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, out, 1);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	if (!err)
		err = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (!err)
		err = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
					       POSIX_SPAWN_SETSIGDEF |
					       POSIX_SPAWN_SETPGROUP);
	if (!err)
		err = posix_spawnattr_setsigmask(&at, &none);
	if (!err)
		err = posix_spawnattr_setsigdefault(&at, &def);
	if (!err)
		err = posix_spawnattr_setpgroup(&at, 0);
	if (!err)
		err = posix_spawnp(pidp, argv[0], &fa, &at, argv, environ);

	(void)posix_spawnattr_destroy(&at);
	(void)posix_spawn_file_actions_destroy(&fa);
	return err;
}


/* read what is there; *eofp when the pipe is closed */
static int drain_out(struct tts_run *r, int fd, size_t outmax, size_t *capp,
		     bool *eofp)
{
	ssize_t n;

	if (r->outlen == *capp) {
		size_t cap = *capp + OUT_CHUNK;
		uint8_t *p;

		if (*capp > outmax)
			return E2BIG;
		p = realloc(r->out, cap);
		if (!p)
			return ENOMEM;
		r->out = p;
		*capp = cap;
	}
	n = read(fd, r->out + r->outlen, *capp - r->outlen);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : errno;
	if (n == 0)
		*eofp = true;
	r->outlen += (size_t)n;
	return r->outlen > outmax ? E2BIG : 0;
}


static int drain_err(struct tts_run *r, int fd, bool *eofp)
{
	char buf[512];
	size_t have = strlen(r->err);
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : errno;
	if (n == 0)
		*eofp = true;
	if (have < TTS_ERR_MAX && n > 0) {
		size_t k = (size_t)n < TTS_ERR_MAX - have ?
			(size_t)n : TTS_ERR_MAX - have;

		memcpy(r->err + have, buf, k);
		r->err[have + k] = '\0';
	}
	return 0;
}


/* wait for the child's output until both pipes close */
static int collect(struct tts_run *r, int out, int errfd, int stopfd,
		   uint32_t timeout_ms, size_t outmax)
{
	uint64_t deadline = now_ms() + timeout_ms;
	bool out_eof = false, err_eof = false;
	size_t cap = 0;
	int err = 0;

	while (!err && !(out_eof && err_eof)) {
		struct pollfd pfd[3] = {
			{out_eof ? -1 : out, POLLIN, 0},
			{err_eof ? -1 : errfd, POLLIN, 0},
			{stopfd, POLLIN, 0},
		};
		uint64_t now = now_ms();
		int n;

		if (now >= deadline)
			return ETIMEDOUT;
		n = poll(pfd, 3, (int)(deadline - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (pfd[2].revents)
			return ECANCELED;
		if (pfd[0].revents)
			err = drain_out(r, out, outmax, &cap, &out_eof);
		if (!err && pfd[1].revents)
			err = drain_err(r, errfd, &err_eof);
	}
	return err;
}


/**
 * Run argv[0] (looked up in PATH) and wait for it.  0 if it exited with
 * status 0; ENOENT/EACCES if it cannot be started, EPROTO if it failed,
 * ETIMEDOUT, E2BIG (more than outmax bytes), ECANCELED (stopfd).
 */
int tts_proc_run(struct tts_run *r, char *const argv[],
		 uint32_t timeout_ms, size_t outmax, int stopfd)
{
	int po[2] = {-1, -1}, pe[2] = {-1, -1};
	pid_t pid = -1;
	int err, status = 0;

	if (!r || !argv || !argv[0])
		return EINVAL;
	memset(r, 0, sizeof(*r));

	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) {
		err = errno;
		goto out;
	}

	err = spawn(&pid, argv, po[1], pe[1]);
	(void)close(po[1]);
	(void)close(pe[1]);
	po[1] = pe[1] = -1;
	if (err) {
		pid = -1;
		goto out;
	}

	err = collect(r, po[0], pe[0], stopfd, timeout_ms, outmax);
	if (err)
		(void)kill(pid, SIGKILL);

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	if (!err && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		err = EPROTO;

 out:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			(void)close(po[i]);
		if (pe[i] >= 0)
			(void)close(pe[i]);
	}
	return err;
}
