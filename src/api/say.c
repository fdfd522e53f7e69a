/**
 * @file api/say.c  `say`: text to speech before a handler goes on
 *
 * POST /v1/calls and POST /v1/calls/{id}/legs/{leg}/play accept
 * {"say": TEXT, "voice"?: NAME}.  api_say_fields() validates both (400,
 * field "say" or "voice", before anything is dialed or played);
 * api_say() has the text synthesized (or found in the cache, see
 * src/tts/) while the request waits, then hands the WAV path to the
 * handler's continuation.  When synthesis is impossible the request is
 * answered 503 tts_unavailable and the continuation never runs: nothing
 * is dialed, nothing played.  The request is held (mem_ref) meanwhile;
 * at shutdown the wait ends with no reply, like a store look-up.
 */
#include <string.h>
#include <re.h>
#include "api.h"
#include "cb_tts.h"

struct say_ctx {
	struct api_req *req;        /* mem_ref'd */
	struct tts_req *tts;        /* owned */
	api_said_h *h;
	void *arg;                  /* mem_ref'd */
};


static void ctx_destructor(void *arg)
{
	struct say_ctx *ctx = arg;

	mem_deref(ctx->tts);
	mem_deref(ctx->arg);
	mem_deref(ctx->req);
}


static const char *err_message(int err)
{
	switch (err) {

	case ENOENT:    return "text to speech is not installed here";
	case ETIMEDOUT: return "speech synthesis took too long";
	case EBUSY:     return "too many texts waiting to be spoken; "
			       "retry later";
	default:        return "speech synthesis failed";
	}
}


static void said(int err, const char *path, bool cached, void *arg)
{
	struct say_ctx *ctx = arg;

	/* ECANCELED: shutting down, no reply (the connection goes too) */
	if (err && err != ECANCELED)
		api_error(ctx->req, 503, "tts_unavailable", "say",
			  err_message(err));
	else if (!err)
		ctx->h(ctx->req, path, cached, ctx->arg);
	mem_deref(ctx);
}


/** Read "say" and "voice"; false (and a 400 sent) if either is bad */
bool api_say_fields(struct api_req *req, const char **textp,
		    const char **voicep)
{
	const struct odict_entry *s, *v;
	const char *why;

	*textp = *voicep = NULL;
	s = req->body ? odict_lookup(req->body, "say") : NULL;
	v = req->body ? odict_lookup(req->body, "voice") : NULL;

	if (s) {
		why = s->type == ODICT_STRING ? tts_text_problem(s->u.str) :
			"must be a string";
		if (why) {
			api_error(req, 400, "invalid_field", "say", why);
			return false;
		}
		*textp = s->u.str;
	}
	if (v) {
		if (v->type != ODICT_STRING || !tts_voice_valid(v->u.str)) {
			api_error(req, 400, "invalid_field", "voice",
				  "an espeak-ng voice name: up to 40 of "
				  "A-Z a-z 0-9 _ + -");
			return false;
		}
		if (!s) {
			api_error(req, 400, "invalid_field", "voice",
				  "voice goes with say");
			return false;
		}
		*voicep = v->u.str;
	}
	return true;
}


/**
 * Synthesize `text`, then call h(req, path, cached, arg) on the re_main
 * thread.  On failure the request is answered 503 here.  arg: a mem
 * object or NULL, held until then.
 */
void api_say(struct api_req *req, const char *text, const char *voice,
	     api_said_h *h, void *arg)
{
	struct say_ctx *ctx = mem_zalloc(sizeof(*ctx), ctx_destructor);
	int err;

	if (!ctx) {
		api_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	ctx->req = mem_ref(req);
	ctx->h = h;
	ctx->arg = mem_ref(arg);

	err = tts_say(&ctx->tts, text, voice, said, ctx);
	if (err) {
		api_error(req, err == EBUSY ? 503 : 500,
			  err == EBUSY ? "tts_unavailable" : "internal",
			  err == EBUSY ? "say" : NULL, err_message(err));
		mem_deref(ctx);
	}
}
