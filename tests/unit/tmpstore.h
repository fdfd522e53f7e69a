/**
 * @file tests/unit/tmpstore.h  A throw-away SQLite store for unit tests
 */

int  tmpstore_open(struct store **stp, char path[64]);
void tmpstore_remove(const char *path);
