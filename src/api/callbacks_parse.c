/**
 * @file api/callbacks_parse.c  Web callbacks: the request's members
 *
 * Checks of the body of POST /v1/callbacks (and of the "Call me" page's
 * POST, which callme.c narrows first), each answering the request with
 * a 4xx error naming the field on bad input and returning false: the
 * client (exactly one of a number, an account, a login with its
 * password), the service (a prompt to play, a text to say, a destination
 * to bridge to), the ring time, the time `at`, and numbers, which are
 * kept in E.164.  Nothing here touches the store; who the client is,
 * and the number on record, are found by callbacks_create.c.  Billing's
 * members are callbacks_billing.c's.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "api.h"
#include "cb_tts.h"
#include "cb_meter.h"
#include "callbacks.h"


enum {
	RING_MIN_S = 5,
	RING_MAX_S = 120,
};


/* a string member: NULL if absent; false (answered) if not a string */
bool cbk_str_member(struct api_req *req, const struct odict *o,
		    const char *key, const char *field, size_t max,
		    const char **vp)
{
	const struct odict_entry *e = o ? odict_lookup(o, key) : NULL;

	*vp = NULL;
	if (!e)
		return true;
	if (e->type != ODICT_STRING || !*e->u.str ||
	    strlen(e->u.str) >= max) {
		api_error(req, 400, "invalid_field", field,
			  "a non-empty string, not too long");
		return false;
	}
	*vp = e->u.str;
	return true;
}


/* a number to call, into E.164 */
bool cbk_number_parse(struct api_req *req, const char *field,
		      const char *in, char *out, size_t sz)
{
	if (!call_number_like(in) || call_number_normalize(out, sz, in)) {
		api_error(req, 422, "invalid_number", field,
			  "not a valid E.164 or national number");
		return false;
	}
	return true;
}


/* client: exactly one of {number}, {account}, {login, password} */
bool cbk_client_parse(struct api_req *req, struct create *cr,
		      const char **numberp)
{
	const struct odict_entry *e = odict_lookup(req->body, "client");
	const char *number, *account, *login, *password;
	const struct odict *o;

	if (!e) {
		api_error(req, 400, "missing_field", "client",
			  "{number} or {account} or {login, password}");
		return false;
	}
	if (e->type != ODICT_OBJECT) {
		api_error(req, 400, "invalid_field", "client",
			  "{number} or {account} or {login, password}");
		return false;
	}
	o = e->u.odict;
	if (!cbk_str_member(req, o, "number", "client.number", 32, &number) ||
	    !cbk_str_member(req, o, "account", "client.account",
			    STORE_NAME_MAX, &account) ||
	    !cbk_str_member(req, o, "login", "client.login", STORE_NAME_MAX,
			    &login) ||
	    !cbk_str_member(req, o, "password", "client.password",
			    AUTH_PASSWORD_MAX, &password))
		return false;
	if ((number != NULL) + (account != NULL) + (login != NULL) != 1) {
		api_error(req, 422, "conflicting_fields", "client",
			  "give one of number, account or login");
		return false;
	}
	if ((login != NULL) != (password != NULL)) {
		api_error(req, 400, "missing_field", login ?
			  "client.password" : "client.login",
			  "login and password go together");
		return false;
	}
	*numberp = number;
	if (account) {
		cr->kind = CLIENT_ACCOUNT;
		str_ncpy(cr->ref, account, sizeof(cr->ref));
	}
	else if (login) {
		cr->kind = CLIENT_LOGIN;
		str_ncpy(cr->ref, login, sizeof(cr->ref));
		str_ncpy(cr->password, password, sizeof(cr->password));
	}
	else {
		cr->kind = CLIENT_NUMBER;
		str_ncpy(cr->row.client, "number", sizeof(cr->row.client));
	}
	return true;
}


/* service: exactly one of {play}, {say, voice?}, {bridge_to} */
bool cbk_service_parse(struct api_req *req, struct create *cr)
{
	const struct odict_entry *e = odict_lookup(req->body, "service");
	const char *play, *say, *voice, *bridge, *why;
	struct store_callback *r = &cr->row;
	char e164[24];
	const struct odict *o;

	if (!e || e->type != ODICT_OBJECT) {
		api_error(req, 400, e ? "invalid_field" : "missing_field",
			  "service", "{play} or {say, voice?} or {bridge_to}");
		return false;
	}
	o = e->u.odict;
	if (!cbk_str_member(req, o, "play", "service.play", 128, &play) ||
	    !cbk_str_member(req, o, "say", "service.say", STORE_CB_ARG_MAX,
			    &say) ||
	    !cbk_str_member(req, o, "voice", "service.voice", sizeof(r->voice),
			    &voice) ||
	    !cbk_str_member(req, o, "bridge_to", "service.bridge_to",
			    sizeof(r->to), &bridge))
		return false;
	if ((play != NULL) + (say != NULL) + (bridge != NULL) != 1) {
		api_error(req, 422, "conflicting_fields", "service",
			  "give one of play, say or bridge_to");
		return false;
	}
	if (play) {
		for (const char *p = play; *p; p++) {
			if (!((*p >= 'a' && *p <= 'z') ||
			      (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '-' ||
			      *p == '_' || *p == '.') ||
			    (p[0] == '.' && p[1] == '.') || play[0] == '.') {
				api_error(req, 400, "invalid_field",
					  "service.play",
					  "a prompt name from the prompt "
					  "directory");
				return false;
			}
		}
		str_ncpy(r->service, "play", sizeof(r->service));
		str_ncpy(r->arg, play, sizeof(r->arg));
	}
	else if (say) {
		why = tts_text_problem(say);
		if (why) {
			api_error(req, 400, "invalid_field", "service.say",
				  why);
			return false;
		}
		if (voice && !tts_voice_valid(voice)) {
			api_error(req, 400, "invalid_field", "service.voice",
				  "a voice name of espeak-ng");
			return false;
		}
		str_ncpy(r->service, "say", sizeof(r->service));
		str_ncpy(r->arg, say, sizeof(r->arg));
		if (voice)
			str_ncpy(r->voice, voice, sizeof(r->voice));
	}
	else {
		if (call_number_like(bridge)) {
			if (!cbk_number_parse(req, "service.bridge_to", bridge,
					      e164, sizeof(e164)))
				return false;
			bridge = e164;
		}
		str_ncpy(r->service, "bridge", sizeof(r->service));
		str_ncpy(r->arg, bridge, sizeof(r->arg));
	}
	return true;
}


/* ring_timeout_s: how long the client's phone rings */
bool cbk_ring_parse(struct api_req *req, struct create *cr)
{
	const struct odict_entry *e = odict_lookup(req->body,
						   "ring_timeout_s");

	if (!e)
		return true;
	if (e->type != ODICT_INT || e->u.integer < RING_MIN_S ||
	    e->u.integer > RING_MAX_S) {
		api_error(req, 400, "invalid_field", "ring_timeout_s",
			  "an integer from 5 to 120");
		return false;
	}
	cr->row.ring_timeout_s = (uint32_t)e->u.integer;
	return true;
}

