/**
 * @file api/debug.c  POST /v1/debug/clock: a clock tests can move
 *
 * Scheduled callbacks and customer requests come due by the wall clock
 * of call_now_ms().  A test that wants one placed "in an hour" should not
 * wait an hour, nor a shortened real delay that a slow machine may miss:
 * with api.debug_clock on, an admin moves that clock forward and every
 * owner of a due timer re-arms it, so what is due now is placed now and
 * what is not stays scheduled.  Without api.debug_clock the route does
 * not exist (404), and the clock never moves but with the host's.
 */
#include <re.h>
#include "api.h"
#include "cb_cc.h"

enum { ADVANCE_MAX_S = 366 * 24 * 3600 };


/** {"advance_s": N}: the wall clock N seconds ahead, from now on */
void api_debug_clock(struct api_req *req)
{
	const struct odict_entry *e;
	int64_t s;

	if (!api_config()->debug_clock) {
		api_error(req, 404, "not_found", NULL, "no such resource");
		return;
	}
	if (!api_need_body(req, "a JSON object with advance_s"))
		return;
	e = odict_lookup(req->body, "advance_s");
	if (!e || e->type != ODICT_INT) {
		api_error(req, 400, "invalid_field", "advance_s",
			  "advance_s: whole seconds to move the clock ahead");
		return;
	}
	s = e->u.integer;
	if (s < 1 || s > ADVANCE_MAX_S) {
		api_error(req, 400, "invalid_field", "advance_s",
			  "advance_s: 1 to 31622400");
		return;
	}

	call_clock_advance((uint64_t)s * 1000);
	log_warn(NULL, "debug clock: wall clock moved %llds ahead",
		 (long long)s);
	callbacks_clock_changed();
	cc_clock_changed();
	api_reply_json(req, 200, "{\"now_ms\":%llu}",
		       (unsigned long long)call_now_ms());
}
