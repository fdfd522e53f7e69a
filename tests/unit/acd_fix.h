/**
 * @file tests/unit/acd_fix.h  A hand-driven clock and offer recorder
 *
 * The ACD tests move time by setting `now`; offers land in `offerv`.
 * A request all of whose agents let it ring out goes round again
 * ACD_FIX_RETRY_MS after the last ring-out (the ACD's retry_ms).
 */
#include "cb_acd.h"

enum {
	ACD_FIX_OFFERS = 32,
	ACD_FIX_RETRY_MS = 60000,  /* all tried: offered again after this */
};

struct acd_fix {
	uint64_t now;
	struct acd *acd;
	struct acd_queue *q;
	struct {
		struct acd_req *req;
		struct acd_agent *ag;
	} offerv[ACD_FIX_OFFERS];
	unsigned offerc;
};

int  acd_fix_init(struct acd_fix *f, uint32_t wrap_ms, uint32_t max_noans,
		  uint32_t fallback_ms);
void acd_fix_close(struct acd_fix *f);
int  acd_fix_agent(struct acd_fix *f, struct acd_agent **agp,
		   const char *id, const char *skills);
