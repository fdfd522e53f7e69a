/**
 * @file tests/unit/tmpstore.h  A throw-away SQLite store for unit tests
 */

int  tmpstore_open(struct store **stp, char path[64]);
void tmpstore_remove(const char *path);

/* a test's body on the store tmpstore_run() opened for it */
typedef int (tmpstore_test_h)(struct store *st);
int  tmpstore_run(tmpstore_test_h *body);
