/**
 * @file media/play.c  WAV prompts: header check, streaming, 16k -> 8k
 *
 * media_play_open() runs on the main thread so the caller gets ENOENT,
 * EBADMSG (not a WAV file) or ENOTSUP (not mono 16-bit PCM at 8 or
 * 16 kHz) at once; the header is walked chunk by chunk with every size
 * checked against the file size.  Then the worker owns the prompt and
 * reads it PLAY_CHUNK samples at a time with pread(), so a long file is
 * never loaded whole and the per-prompt memory is ~5 KiB.
 *
 * 16 kHz files are decimated by two through a 31-tap windowed-sinc
 * low-pass (cut-off 3.6 kHz), whose Q15 taps media_play_init() computes
 * once before the workers start.
 */
#include <endian.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include "cb_media.h"
#include "media/media.h"

enum {
	PLAY_CHUNK = 2048,          /**< samples per read                  */
	FIR_TAPS = 31,
	WAV_PCM = 1,
	WAV_EXTENSIBLE = 0xfffe,
};

struct mplay {
	int fd;
	bool loop;
	uint32_t srate;
	uint64_t data_off, data_len;   /**< bytes                          */
	uint64_t pos;                  /**< bytes of data read so far      */
	uint32_t buf_n, buf_pos;       /**< samples in buf, next one       */
	int16_t buf[PLAY_CHUNK];
	int16_t hist[FIR_TAPS - 1];    /**< decimator history              */
};

static int16_t fir[FIR_TAPS];   /* RO after media_play_init() */


void media_play_init(void)
{
	const double fc = 3600.0 / 16000.0;
	const int mid = FIR_TAPS / 2;
	double h[FIR_TAPS], sum = 0;

	for (int n = 0; n < FIR_TAPS; n++) {
		double x = n - mid;
		double s = x == 0 ? 2 * fc : sin(2 * M_PI * fc * x) /
			(M_PI * x);
		double w = 0.54 - 0.46 * cos(2 * M_PI * n / (FIR_TAPS - 1));

		h[n] = s * w;
		sum += h[n];
	}
	for (int n = 0; n < FIR_TAPS; n++)
		fir[n] = (int16_t)lrint(h[n] / sum * 32767.0);
}


/** out[outc] from in[2 * outc]; hist keeps the last FIR_TAPS-1 inputs */
void media_decimate2(int16_t *out, const int16_t *in, size_t outc,
		     int16_t *hist)
{
	int16_t x[FIR_TAPS - 1 + 2 * MEDIA_FRAME];
	size_t inc;

	if (outc > MEDIA_FRAME)
		outc = MEDIA_FRAME;
	inc = 2 * outc;

	memcpy(x, hist, sizeof(int16_t) * (FIR_TAPS - 1));
	memcpy(x + FIR_TAPS - 1, in, sizeof(int16_t) * inc);

	for (size_t i = 0; i < outc; i++) {
		const int16_t *xp = x + 2 * i + 1;
		int32_t acc = 1 << 14;

		for (int k = 0; k < FIR_TAPS; k++)
			acc += (int32_t)fir[k] * xp[k];
		acc >>= 15;
		if (acc > INT16_MAX)
			acc = INT16_MAX;
		else if (acc < INT16_MIN)
			acc = INT16_MIN;
		out[i] = (int16_t)acc;
	}

	memcpy(hist, x + inc, sizeof(int16_t) * (FIR_TAPS - 1));
}


static void destructor(void *arg)
{
	struct mplay *p = arg;

	if (p->fd >= 0)
		close(p->fd);
}


static uint32_t le32(const uint8_t *b)
{
	return b[0] | (b[1] << 8) | ((uint32_t)b[2] << 16) |
		((uint32_t)b[3] << 24);
}


static uint16_t le16(const uint8_t *b)
{
	return (uint16_t)(b[0] | (b[1] << 8));
}


static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
	ssize_t r = pread(fd, buf, n, (off_t)off);

	if (r < 0)
		return errno;
	return (size_t)r == n ? 0 : EBADMSG;
}


static int fmt_check(struct mplay *p, const uint8_t *f, uint32_t size)
{
	uint16_t tag = le16(f), ch = le16(f + 2), bits = le16(f + 14);
	uint32_t rate = le32(f + 4);

	if (tag == WAV_EXTENSIBLE && size >= 26)
		tag = le16(f + 24);   /* first bytes of the subformat GUID */
	if (tag != WAV_PCM || ch != 1 || bits != 16)
		return ENOTSUP;
	if (rate != 8000 && rate != 16000)
		return ENOTSUP;

	p->srate = rate;
	return 0;
}


static int header_parse(struct mplay *p, uint64_t fsize)
{
	uint8_t b[40];
	uint64_t off = 12;
	bool have_fmt = false;
	int err;

	err = read_at(p->fd, b, 12, 0);
	if (err)
		return err;
	if (memcmp(b, "RIFF", 4) || memcmp(b + 8, "WAVE", 4))
		return EBADMSG;

	while (off + 8 <= fsize) {
		uint32_t csize;

		err = read_at(p->fd, b, 8, off);
		if (err)
			return err;
		csize = le32(b + 4);

		if (!memcmp(b, "fmt ", 4)) {
			uint32_t n = csize < sizeof(b) ? csize : sizeof(b);

			if (csize < 16)
				return EBADMSG;
			err = read_at(p->fd, b, n, off + 8);
			if (err)
				return err;
			err = fmt_check(p, b, n);
			if (err)
				return err;
			have_fmt = true;
		}
		else if (!memcmp(b, "data", 4)) {
			if (!have_fmt)
				return EBADMSG;
			p->data_off = off + 8;
			p->data_len = fsize - p->data_off;
			if (csize < p->data_len)
				p->data_len = csize;
			p->data_len &= ~(uint64_t)1;
			return p->data_len ? 0 : ENODATA;
		}

		off += 8 + (uint64_t)csize + (csize & 1);
	}

	return EBADMSG;
}


int media_play_open(struct mplay **pp, const char *path, bool loop)
{
	struct mplay *p;
	struct stat st;
	int err;

	if (!pp || !path)
		return EINVAL;

	p = mem_zalloc(sizeof(*p), destructor);
	if (!p)
		return ENOMEM;

	p->loop = loop;
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0) {
		err = errno;
		goto out;
	}
	if (fstat(p->fd, &st) < 0) {
		err = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = EINVAL;
		goto out;
	}

	err = header_parse(p, (uint64_t)st.st_size);

 out:
	if (err)
		mem_deref(p);
	else
		*pp = p;
	return err;
}


static int refill(struct mplay *p)
{
	uint64_t left = p->data_len - p->pos;
	size_t want = sizeof(p->buf);
	ssize_t n;

	p->buf_pos = 0;
	p->buf_n = 0;
	if (left < want)
		want = (size_t)left;
	if (!want)
		return 0;

	n = pread(p->fd, p->buf, want, (off_t)(p->data_off + p->pos));
	if (n < 0)
		return errno;
	if (n < 2) {
		/* the file shrank under us: its end is here */
		p->data_len = p->pos;
		return p->data_len ? 0 : EIO;
	}

	p->buf_n = (uint32_t)n / 2;
	p->pos += (uint64_t)p->buf_n * 2;
	for (uint32_t i = 0; i < p->buf_n; i++)
		p->buf[i] = (int16_t)le16toh((uint16_t)p->buf[i]);
	return 0;
}


/** Next 20 ms at 8 kHz; *last when this is the final frame */
int media_play_frame(struct mplay *p, int16_t *out, bool *last)
{
	int16_t tmp[2 * MEDIA_FRAME];
	size_t need = p->srate == 16000 ? 2 * MEDIA_FRAME : MEDIA_FRAME;
	size_t n = 0;
	int err;

	*last = false;
	while (n < need) {
		size_t take;

		if (p->buf_pos == p->buf_n) {
			err = refill(p);
			if (err)
				return err;
			if (!p->buf_n) {
				if (!p->loop)
					break;
				p->pos = 0;    /* from the top */
				continue;
			}
		}

		take = p->buf_n - p->buf_pos;
		if (take > need - n)
			take = need - n;
		memcpy(tmp + n, p->buf + p->buf_pos, take * sizeof(int16_t));
		p->buf_pos += (uint32_t)take;
		n += take;
	}

	if (n < need)
		memset(tmp + n, 0, (need - n) * sizeof(int16_t));

	if (!p->loop && p->buf_pos == p->buf_n && p->pos >= p->data_len)
		*last = true;

	if (need == MEDIA_FRAME)
		memcpy(out, tmp, MEDIA_FRAME * sizeof(int16_t));
	else
		media_decimate2(out, tmp, MEDIA_FRAME, p->hist);

	return 0;
}
