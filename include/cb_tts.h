/**
 * @file cb_tts.h  Text to speech: spoken text as cached WAV prompts
 *
 * tts_say() turns a text into a WAV file the media engine plays like any
 * prompt (8 kHz mono 16-bit).  The file lives in `media.tts_cache` under
 * the hex BLAKE2b of "voice|speed|text": a text said before is played
 * from the cache without running anything; otherwise espeak-ng runs on
 * a tts worker thread (never on the re_main thread), its 22050 Hz output
 * is resampled to 8 kHz in process and written under a temporary name,
 * then renamed, so a cache file is always complete.  Requests for a text
 * already being synthesized wait for that one synthesis.
 *
 * Everything here is called on the re_main thread; completions run
 * there too, never inside tts_say() itself.
 *
 * Include after <re.h> and cb_core.h.
 */

enum {
	TTS_TEXT_MAX  = 1000,   /**< characters (code points) of a text  */
	TTS_VOICE_MAX = 40,     /**< characters of a voice name          */
	TTS_NAME_LEN  = 64,     /**< hex chars of a cache name, no ".wav" */
};

struct tts_req;

/**
 * A synthesis finished (or was refused).  err: 0 and path = the WAV file;
 * ENOENT (espeak-ng not found), EPROTO (it failed or said nothing),
 * ETIMEDOUT, EBUSY (too many waiting), ECANCELED (shutting down).
 * `cached` is true when no synthesis ran for this request.
 */
typedef void (tts_h)(int err, const char *path, bool cached, void *arg);

/** Counters since start (re_main thread) */
struct tts_stats {
	uint64_t hits;        /**< requests served from the cache       */
	uint64_t coalesced;   /**< requests that joined a running job   */
	uint64_t spawned;     /**< espeak-ng runs                       */
	uint64_t failed;      /**< runs that produced no file           */
};

int  tts_init(const struct cb_config *cfg);
void tts_close(void);

/**
 * Say `text` with `voice` (NULL: media.tts_voice).  The text and voice
 * must have passed tts_text_problem()/tts_voice_valid() (EINVAL if not).
 * *reqp is the pending request: mem_deref() it to stop waiting (the
 * synthesis still fills the cache).  h runs exactly once unless the
 * request is dereferenced first.  EBUSY when too many syntheses wait.
 */
int  tts_say(struct tts_req **reqp, const char *text, const char *voice,
	     tts_h *h, void *arg);

void tts_stats_get(struct tts_stats *st);

/* pure helpers (any thread) */

/** NULL if the text may be spoken, else why not (for an API error) */
const char *tts_text_problem(const char *text);

/** A voice name: 1..40 of [A-Za-z0-9_+-], starting with a letter/digit */
bool tts_voice_valid(const char *voice);
