/**
 * @file tts/tts.h  Text to speech internals (shared by src/tts/ only)
 *
 * tts.c     requests, the cache look-up and the jobs in flight (re_main)
 * pool.c    worker threads that run syntheses, completions on re_main
 * synth.c   one synthesis: espeak-ng -> resample -> WAV file, renamed
 * proc.c    run a program without a shell, collect its output, time out
 * resample.c, wav.c, name.c  pure helpers (unit-tested)
 */

#define CB_LOG_SUB CB_SUB_MEDIA
#include "cb_core.h"
#include "cb_tts.h"

enum {
	TTS_RATE      = 8000,        /**< sample rate of cache files       */
	TTS_OUT_MAX   = 16 << 20,    /**< bytes of espeak-ng output taken  */
	TTS_ERR_MAX   = 200,         /**< bytes of its stderr kept         */
	TTS_QUEUE_MAX = 64,          /**< distinct texts in flight         */
	TTS_WAV_HDR   = 44,
};

/* name.c */
int  tts_cache_name(char name[TTS_NAME_LEN + 1], const char *voice,
		    uint32_t speed, const char *text);

/* resample.c */
size_t tts_resample_len(size_t n, uint32_t rate_in, uint32_t rate_out);
int  tts_resample(int16_t *out, size_t *outnp, const int16_t *in, size_t n,
		  uint32_t rate_in, uint32_t rate_out);

/* wav.c */
int  tts_wav_parse(const uint8_t *buf, size_t len, uint32_t *ratep,
		   size_t *offp, size_t *np);
int  tts_wav_write(const char *path, const int16_t *s, size_t n,
		   uint32_t rate);

/* proc.c: what a child printed and how it ended */
struct tts_run {
	uint8_t *out;                /**< stdout, malloc'd              */
	size_t outlen;
	char err[TTS_ERR_MAX + 1];   /**< start of stderr, NUL-ended    */
};

int  tts_proc_run(struct tts_run *r, char *const argv[],
		  uint32_t timeout_ms, size_t outmax, int stopfd);
void tts_run_reset(struct tts_run *r);

/* synth.c: one synthesis, on a worker thread (inputs read-only) */
struct tts_synth {
	const char *command;
	const char *voice;
	uint32_t speed;
	const char *text;
	const char *dir;             /**< the cache directory           */
	const char *name;            /**< cache name, without ".wav"    */
	uint32_t timeout_ms;
	int stopfd;                  /**< readable: give up (shutdown)  */
	/* results */
	uint32_t audio_ms;
	char why[TTS_ERR_MAX + 1];   /**< set on failure                */
};

int  tts_synth_run(struct tts_synth *s);

/* pool.c */
struct tts_pool;
typedef int  (tts_work_h)(void *arg, int stopfd);
typedef void (tts_done_h)(int err, void *arg);

int  tts_pool_alloc(struct tts_pool **pp, uint32_t threads);
void tts_pool_close(struct tts_pool *p);
int  tts_pool_submit(struct tts_pool *p, tts_work_h *work,
		     tts_done_h *done, void *arg);
