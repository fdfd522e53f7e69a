/**
 * @file api/api.h  HTTP API internals (shared by src/api/ only)
 */

#define CB_LOG_SUB CB_SUB_API
#include "cb_core.h"
#include "cb_call.h"
#include "cb_api.h"

enum { API_MAX_BODY = 64 * 1024, API_MAX_PARAMS = 3 };

/** One parsed request, valid during the handler */
struct api_req {
	struct http_conn *conn;
	const struct http_msg *msg;
	struct odict *body;                 /* JSON object or NULL */
	char param[API_MAX_PARAMS][48];     /* {id} parts of the path */
};

typedef void (api_route_h)(struct api_req *req);

/* server.c */
const struct cb_config *api_config(void);
void api_reply_json(struct api_req *req, uint16_t scode,
		    const char *fmt, ...);
void api_error(struct api_req *req, uint16_t scode, const char *code,
	       const char *field, const char *message);

int  api_body_decode(struct odict **odp, const char *p, size_t len);

/* routes.c */
int  api_route_match(struct api_req *req, api_route_h **hp);
int  api_route_lookup(const struct pl *met, const struct pl *path);
int  api_route_dispatch(struct api_req *req);

/* calls.c */
void api_calls_list(struct api_req *req);
void api_calls_create(struct api_req *req);
void api_calls_get(struct api_req *req);
void api_calls_delete(struct api_req *req);
void api_leg_dtmf(struct api_req *req);
void api_leg_play(struct api_req *req);
void api_leg_hold(struct api_req *req);
void api_health(struct api_req *req);
void api_metrics(struct api_req *req);

/* originate.c */
struct leg_dial;
int  orig_init(void);
void orig_close(void);
int  orig_start(struct call **callp, const struct leg_dial *dial,
		const char *bridge_to, const char *play, bool hangup_after);

/* json.c */
int  api_json_call(struct re_printf *pf, const struct call *call);
int  api_json_str(struct re_printf *pf, const char *s);
