/**
 * @file tests/unit/tmpstore.c  A throw-away SQLite store for unit tests
 *
 * Each test opens its own store file under /tmp and removes it, with its
 * WAL and shared-memory files, when done.
 */
#include <stdlib.h>
#include <unistd.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "tmpstore.h"


int tmpstore_open(struct store **stp, char path[64])
{
	int fd;

	str_ncpy(path, "/tmp/cb-store-XXXXXX", 64);
	fd = mkstemp(path);
	if (fd < 0)
		return errno;
	close(fd);
	return store_open(stp, path);
}


void tmpstore_remove(const char *path)
{
	char p[80];

	unlink(path);
	(void)re_snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	(void)re_snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}


/** Run body on a new store, then close and remove it; body's error */
int tmpstore_run(tmpstore_test_h *body)
{
	struct store *st = NULL;
	char path[64];
	int err = tmpstore_open(&st, path);

	if (!err)
		err = body(st);
	mem_deref(st);
	tmpstore_remove(path);
	return err;
}
