/**
 * @file cb_api.h  HTTP JSON API under /v1
 *
 * The control surface of callbridge: originate, inspect and hang up calls,
 * send DTMF, play prompts.  Routes are one table (src/api/routes.c); every
 * error has one shape: {"error": {"code": "...", "message": "...",
 * "field": "..."}}.
 *
 * Include after <re.h>.
 */

struct cb_config;

int  api_init(const struct cb_config *cfg);
void api_close(void);
