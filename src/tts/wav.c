/**
 * @file tts/wav.c  WAV in (espeak-ng's output) and out (cache files)
 *
 * espeak-ng --stdout streams: its RIFF and data sizes are placeholders
 * (0x7ffff000), so the data chunk is taken as whatever follows its header,
 * up to the declared size.  Only mono 16-bit PCM is accepted.  Cache
 * files are written with a plain 44-byte header, synced, by the caller
 * under a temporary name that it renames into place.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "tts/tts.h"


static uint32_t rd32(const uint8_t *b)
{
	return b[0] | (b[1] << 8) | ((uint32_t)b[2] << 16) |
		((uint32_t)b[3] << 24);
}


static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] | (b[1] << 8));
}


static void wr32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}


static void wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}


/**
 * Find the samples of a WAV image: *offp (bytes into buf) and *np
 * (samples, little-endian int16).  EBADMSG if it is no WAV, ENOTSUP if
 * it is not mono 16-bit PCM at 8..48 kHz.
 */
int tts_wav_parse(const uint8_t *buf, size_t len, uint32_t *ratep,
		  size_t *offp, size_t *np)
{
	uint32_t rate = 0;
	size_t pos = 12;

	if (!buf || !ratep || !offp || !np)
		return EINVAL;
	if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4))
		return EBADMSG;

	while (len - pos >= 8) {
		const uint8_t *ck = buf + pos;
		uint32_t size = rd32(ck + 4);
		size_t avail = len - pos - 8;

		if (!memcmp(ck, "fmt ", 4)) {
			if (size < 16 || avail < 16)
				return EBADMSG;
			if (rd16(ck + 8) != 1 || rd16(ck + 10) != 1 ||
			    rd16(ck + 22) != 16)
				return ENOTSUP;
			rate = rd32(ck + 12);
			if (rate < 8000 || rate > 48000)
				return ENOTSUP;
		}
		else if (!memcmp(ck, "data", 4)) {
			if (!rate)
				return EBADMSG;
			*ratep = rate;
			*offp = pos + 8;
			*np = (size < avail ? size : avail) / 2;
			return 0;
		}
		if (size > avail)
			return EBADMSG;
		pos += 8 + (size_t)size + (size & 1);
		if (pos > len)
			return EBADMSG;
	}
	return EBADMSG;
}


static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}


/** Write a new file (O_EXCL) of mono 16-bit samples, synced */
int tts_wav_write(const char *path, const int16_t *s, size_t n,
		  uint32_t rate)
{
	uint8_t hdr[TTS_WAV_HDR], blk[4096];
	int fd, err = 0;

	if (!path || (!s && n) || n > (UINT32_MAX - TTS_WAV_HDR) / 2)
		return EINVAL;

	memcpy(hdr, "RIFF", 4);
	wr32(hdr + 4, (uint32_t)(36 + 2 * n));
	memcpy(hdr + 8, "WAVEfmt ", 8);
	wr32(hdr + 16, 16);
	wr16(hdr + 20, 1);                  /* PCM */
	wr16(hdr + 22, 1);                  /* mono */
	wr32(hdr + 24, rate);
	wr32(hdr + 28, rate * 2);
	wr16(hdr + 32, 2);
	wr16(hdr + 34, 16);
	memcpy(hdr + 36, "data", 4);
	wr32(hdr + 40, (uint32_t)(2 * n));

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return errno;

	err = write_all(fd, hdr, sizeof(hdr));
	for (size_t i = 0; !err && i < n; ) {
		size_t k = 0;

		for (; k < sizeof(blk) / 2 && i < n; k++, i++)
			wr16(blk + 2 * k, (uint16_t)s[i]);
		err = write_all(fd, blk, 2 * k);
	}
	if (!err && fsync(fd))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	if (err)
		(void)unlink(path);
	return err;
}
