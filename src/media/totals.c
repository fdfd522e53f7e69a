/**
 * @file media/totals.c  Engine-wide RTP counters, for /metrics
 *
 * Every worker counts the packets it handles in its own `struct mtotals`
 * (relaxed atomics, the worker the only writer: no lock, no shared cache
 * line on the packet path).  The counts belong to the worker, not to an
 * endpoint, so closing an endpoint loses nothing and moving one to
 * another worker counts nothing twice.  media_totals_get() adds the
 * workers up; each sum only grows (single-writer counters, read whole).
 */
#include <re.h>
#include "cb_media.h"
#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "media/media.h"


static uint64_t rd(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}


/** The engine's counters since media_init() (re_main thread) */
void media_totals_get(struct media_totals *t)
{
	if (!t)
		return;

	memset(t, 0, sizeof(*t));
	if (!media_running())
		return;

	for (unsigned i = 0; i < media_wk_count(); i++) {
		struct media_wk *wk = media_wk_get(i);

		t->rx_packets += rd(&wk->tot.rx_packets);
		t->rx_bytes   += rd(&wk->tot.rx_bytes);
		t->tx_packets += rd(&wk->tot.tx_packets);
		t->tx_bytes   += rd(&wk->tot.tx_bytes);
		t->rx_lost    += rd(&wk->tot.rx_lost);
		t->rx_dropped += rd(&wk->tot.rx_dropped);
		t->endpoints  += atomic_load_explicit(&wk->nep,
						      memory_order_relaxed);
	}
}
