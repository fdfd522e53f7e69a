/**
 * @file tests/unit/media_mixq.c  A mixer member's frame queue (mix.c)
 *
 * Frames are mixed oldest first, one per tick; a frame arriving just
 * after its tick is mixed a tick later instead of being replaced; a burst
 * beyond MEDIA_MIX_DEPTH drops the oldest; frames left waiting after
 * every tick of a period are shed at its end, so delay stays bounded.
 * Every frame is tagged with its number in sample 0.
 */
#include <string.h>
#include <re.h>
#include "cb_media.h"
#include "media/media.h"
#include "test.h"

int test_media_mixq_order(void);
int test_media_mixq_bounded(void);


static void push(struct mmix *mx, struct mmember *mb, int16_t tag)
{
	media_mix_push(mx, mb)[0] = tag;
}


/* the frame a tick would mix (-1: none), then the tick's pop */
static int16_t tick(struct mmix *mx, struct mmember *mb)
{
	int16_t tag = mb->qlen ? mb->q[mb->qhead][0] : -1;

	media_mix_pop(mx, mb);
	return tag;
}


static uint64_t dropped(const struct mmix *mx)
{
	return atomic_load(&mx->st.overwritten);
}


int test_media_mixq_order(void)
{
	struct mmix mx;
	struct mmember mb;
	int err = 0;

	memset(&mx, 0, sizeof(mx));
	memset(&mb, 0, sizeof(mb));

	ASSERT_EQ(-1, tick(&mx, &mb));

	/* straddling the tick: 0, 2, 0, 2 ... frames per tick, none lost */
	push(&mx, &mb, 1);
	ASSERT_EQ(1, tick(&mx, &mb));
	ASSERT_EQ(-1, tick(&mx, &mb));
	push(&mx, &mb, 2);
	push(&mx, &mb, 3);
	ASSERT_EQ(2, tick(&mx, &mb));
	ASSERT_EQ(3, tick(&mx, &mb));
	push(&mx, &mb, 4);
	push(&mx, &mb, 5);
	ASSERT_EQ(4, tick(&mx, &mb));
	ASSERT_EQ(5, tick(&mx, &mb));
	ASSERT_EQ(0, dropped(&mx));

	/* a burst longer than the queue drops its oldest */
	for (int16_t i = 10; i < 10 + MEDIA_MIX_DEPTH + 1; i++)
		push(&mx, &mb, i);
	ASSERT_EQ(1, dropped(&mx));
	ASSERT_EQ(11, tick(&mx, &mb));
 out:
	return err;
}


int test_media_mixq_bounded(void)
{
	struct mmix mx;
	struct mmember mb;
	int16_t tag = 0, want;
	int err = 0;

	memset(&mx, 0, sizeof(mx));
	memset(&mb, 0, sizeof(mb));

	/* two periods of one frame per tick, one frame always waiting */
	push(&mx, &mb, tag++);
	for (int t = 0; t < 2 * MEDIA_MIX_SHED_TICKS; t++) {
		push(&mx, &mb, tag++);
		(void)tick(&mx, &mb);
	}
	/* the first period sheds nothing, the second its surplus frame */
	ASSERT_EQ(1, dropped(&mx));
	ASSERT_EQ(0, mb.qlen);

	/* then steady: every frame mixed in the tick it arrived for */
	for (int t = 0; t < 3 * MEDIA_MIX_SHED_TICKS; t++) {
		want = tag;
		push(&mx, &mb, tag++);
		ASSERT_EQ(want, tick(&mx, &mb));
	}
	ASSERT_EQ(1, dropped(&mx));
 out:
	return err;
}
