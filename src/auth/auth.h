/**
 * @file auth/auth.h  Auth internals (shared by src/auth/ only)
 */

#define CB_LOG_SUB CB_SUB_API
#include "cb_core.h"
#include "cb_store.h"
#include "cb_auth.h"

/* auth.c */
uint64_t auth_now_ms(void);

/* key.c: base64url text of random bytes */
void auth_random_text(char *out, size_t sz, size_t nbytes);
