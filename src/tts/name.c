/**
 * @file tts/name.c  What may be spoken, and under which cache name
 *
 * Text and voice come from the network.  A text is valid UTF-8 of 1 to
 * TTS_TEXT_MAX code points with something besides spaces, and no control
 * character (C0, DEL, C1: no line breaks, escapes or NULs reach
 * espeak-ng).  A voice is a short name of letters, digits, '_', '+' and
 * '-' that does not start like an option.  The cache name is the hex
 * BLAKE2b-256 of "voice|speed|text": neither voice nor speed can hold a
 * '|', so two different requests never share a name.
 */
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "tts/tts.h"


/* the next code point of s at *ip, or -1 if s is not UTF-8 there */
static long utf8_next(const unsigned char *s, size_t *ip)
{
	size_t i = *ip;
	unsigned char c = s[i];
	long cp, min;
	int more;

	if (c < 0x80) {
		*ip = i + 1;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		cp = c & 0x1f;
		more = 1;
		min = 0x80;
	}
	else if (c >= 0xe0 && c <= 0xef) {
		cp = c & 0x0f;
		more = 2;
		min = 0x800;
	}
	else if (c >= 0xf0 && c <= 0xf4) {
		cp = c & 0x07;
		more = 3;
		min = 0x10000;
	}
	else {
		return -1;
	}

	for (int k = 1; k <= more; k++) {
		unsigned char cc = s[i + (size_t)k];

		if ((cc & 0xc0) != 0x80)   /* also stops at the NUL */
			return -1;
		cp = (cp << 6) | (cc & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;

	*ip = i + 1 + (size_t)more;
	return cp;
}


const char *tts_text_problem(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	bool visible = false;
	size_t i = 0, n = 0;

	if (!text)
		return "the text to say is missing";

	while (s[i]) {
		long cp = utf8_next(s, &i);

		if (cp < 0)
			return "the text is not valid UTF-8";
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return "control characters (line breaks, tabs, "
				"escapes) are not allowed";
		if (++n > TTS_TEXT_MAX)
			return "at most 1000 characters";
		if (cp != ' ' && cp != 0xa0)
			visible = true;
	}
	if (!visible)
		return "the text is empty";
	return NULL;
}


bool tts_voice_valid(const char *voice)
{
	size_t n;

	if (!voice)
		return false;
	n = strlen(voice);
	if (n == 0 || n > TTS_VOICE_MAX)
		return false;
	if (!((voice[0] >= 'a' && voice[0] <= 'z') ||
	      (voice[0] >= 'A' && voice[0] <= 'Z') ||
	      (voice[0] >= '0' && voice[0] <= '9')))
		return false;
	return strspn(voice, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-") == n;
}


int tts_cache_name(char name[TTS_NAME_LEN + 1], const char *voice,
		   uint32_t speed, const char *text)
{
	unsigned char h[TTS_NAME_LEN / 2];
	crypto_generichash_state st;
	char sp[16];
	int n;

	if (!name || !tts_voice_valid(voice) || tts_text_problem(text))
		return EINVAL;

	n = re_snprintf(sp, sizeof(sp), "|%u|", speed);
	if (n < 0)
		return EINVAL;

	if (crypto_generichash_init(&st, NULL, 0, sizeof(h)) ||
	    crypto_generichash_update(&st, (const unsigned char *)voice,
				      strlen(voice)) ||
	    crypto_generichash_update(&st, (const unsigned char *)sp,
				      (size_t)n) ||
	    crypto_generichash_update(&st, (const unsigned char *)text,
				      strlen(text)) ||
	    crypto_generichash_final(&st, h, sizeof(h)))
		return EINVAL;

	(void)sodium_bin2hex(name, TTS_NAME_LEN + 1, h, sizeof(h));
	return 0;
}
