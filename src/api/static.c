/**
 * @file api/static.c  The web console's files: GET / and GET /web/NAME
 *
 * Serves the plain HTML/CSS/JS of the web console from api.web_dir.
 * Nothing outside that directory can be named: a name is one path
 * segment of [A-Za-z0-9._-] that does not start with a dot, its type
 * comes from a fixed table of extensions (anything else is 404), and only
 * regular files up to STATIC_MAX bytes are read.  Every file goes out
 * with `X-Content-Type-Options: nosniff` and a Content-Security-Policy
 * that allows this origin only (no inline script, no external source).
 * Files are small and read on the re_main thread per request.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <re.h>
#include "api.h"

enum { STATIC_MAX = 512 * 1024, STATIC_NAME_MAX = 48 };

#define STATIC_CSP "default-src 'none'; script-src 'self'; " \
	"style-src 'self'; img-src 'self' data:; connect-src 'self'; " \
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

static const struct {
	const char *ext;
	const char *type;
} mime_table[] = {
	{".html", "text/html; charset=utf-8"},
	{".css",  "text/css; charset=utf-8"},
	{".js",   "text/javascript; charset=utf-8"},
	{".svg",  "image/svg+xml"},
	{".png",  "image/png"},
	{".ico",  "image/x-icon"},
	{".txt",  "text/plain; charset=utf-8"},
};


/** Is `name` one safe file name (no dot first, no `..`, no `/`)? */
bool api_static_name_ok(const char *name)
{
	size_t n;

	if (!name || name[0] == '\0' || name[0] == '.')
		return false;
	n = strlen(name);
	if (n >= STATIC_NAME_MAX || strstr(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == '_'))
			return false;
	}
	return true;
}


/** The Content-Type of a file name, or NULL if it is not served */
const char *api_static_mime(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	for (size_t i = 0; i < ARRAY_SIZE(mime_table); i++) {
		size_t e = strlen(mime_table[i].ext);

		if (n > e && !strcmp(name + n - e, mime_table[i].ext))
			return mime_table[i].type;
	}
	return NULL;
}


/* a regular file of at most STATIC_MAX bytes into a new mbuf */
static int file_read(struct mbuf **mbp, const char *path)
{
	struct mbuf *mb = NULL;
	struct stat st;
	FILE *f;
	size_t n;
	int err = 0;

	f = fopen(path, "rb");
	if (!f)
		return ENOENT;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		err = ENOENT;
		goto out;
	}
	if (st.st_size > STATIC_MAX) {
		err = EFBIG;
		goto out;
	}
	mb = mbuf_alloc((size_t)st.st_size + 1);
	if (!mb) {
		err = ENOMEM;
		goto out;
	}
	n = fread(mb->buf, 1, mb->size, f);
	if (ferror(f) || n > (size_t)STATIC_MAX) {
		err = EIO;
		goto out;
	}
	mb->end = n;
	*mbp = mb;
	mb = NULL;
 out:
	mem_deref(mb);
	(void)fclose(f);
	return err;
}


static void static_serve(struct api_req *req, const char *name)
{
	const struct cb_config *cfg = api_config();
	const char *type = api_static_mime(name);
	struct mbuf *mb = NULL;
	char path[320];
	int err;

	if (!cfg || !cfg->web_dir[0] || !api_static_name_ok(name) || !type) {
		api_error(req, 404, "not_found", NULL, "no such file");
		return;
	}
	if (re_snprintf(path, sizeof(path), "%s/%s", cfg->web_dir,
			name) < 0) {
		api_error(req, 404, "not_found", NULL, "no such file");
		return;
	}

	err = file_read(&mb, path);
	if (err == EFBIG || err == ENOMEM || err == EIO) {
		log_warn(NULL, "web file %s: %m", path, err);
		api_error(req, 500, "internal", NULL, "cannot read the file");
		return;
	}
	if (err) {
		api_error(req, 404, "not_found", NULL, "no such file");
		return;
	}

	req->replied = true;
	metrics_http_count(200);
	(void)http_reply(req->conn, 200, "OK",
			 "Content-Type: %s\r\n"
			 "Content-Length: %zu\r\n"
			 "Cache-Control: no-cache\r\n"
			 "X-Content-Type-Options: nosniff\r\n"
			 "Content-Security-Policy: " STATIC_CSP "\r\n"
			 "Referrer-Policy: no-referrer\r\n"
			 "X-Frame-Options: DENY\r\n"
			 "\r\n"
			 "%b",
			 type, mb->end, mb->buf, mb->end);
	mem_deref(mb);
}


/** GET /: the console's start page */
void api_static_index(struct api_req *req)
{
	static_serve(req, "index.html");
}


/** GET /web/NAME: one file of the console */
void api_static_file(struct api_req *req)
{
	static_serve(req, req->param[0]);
}
