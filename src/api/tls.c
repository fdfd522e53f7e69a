/**
 * @file api/tls.c  HTTPS for the API, verified TLS for webhooks
 *
 * The API listens with TLS when api.tls_cert is set.  libre's
 * https_listen() reads the certificate chain and the private key from
 * one PEM file; certificate tools write them as two, so api.tls_cert and
 * api.tls_key are joined in an anonymous in-memory file (memfd) that
 * libre reads by its /proc/self/fd path: the key is never copied to disk.
 *
 * libre 1.1.0's HTTP client (webhooks) starts TLS and names the server
 * for SNI (tls_set_servername()) but never turns certificate
 * verification on: any certificate would do, and a signed webhook could
 * go to whoever sits on the path.  Its TLS layer calls that exported
 * function through the PLT, so this file defines tls_set_servername() in
 * the executable (exported, see the Makefile; the technique of
 * sip/guard.c): libre's own function for the SNI, then
 * tls_set_verify_server() -- SSL_VERIFY_PEER and the expected host name
 * (or IP address) -- so that a handshake with a certificate that does
 * not chain to a trusted CA, or does not name the host, fails and the
 * delivery is retried like any connection error.  This applies to every
 * TLS client connection libre makes in the daemon, which today are the
 * webhooks only.  Their trusted CAs are the system's bundle plus
 * api.webhook_ca (api_tls_client_ca()).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <re.h>
#include "api.h"

/* Debian's bundle of the CAs the system trusts (package ca-certificates) */
static const char system_ca[] = "/etc/ssl/certs/ca-certificates.crt";

typedef int (servername_h)(struct tls_conn *tc, const char *servername);


/* append the file at path to fd */
static int file_append(int fd, const char *path)
{
	char buf[4096];
	FILE *f;
	size_t n;
	int err = 0;

	f = fopen(path, "rb");
	if (!f)
		return errno ? errno : ENOENT;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (write(fd, buf, n) != (ssize_t)n) {
			err = EIO;
			break;
		}
	}
	if (!err && ferror(f))
		err = EIO;
	(void)fclose(f);
	if (!err && write(fd, "\n", 1) != 1)
		err = EIO;
	return err;
}


/** Listen for HTTPS with api.tls_cert and api.tls_key */
int api_tls_listen(struct http_sock **sockp, const struct sa *laddr,
		   const struct cb_config *cfg, http_req_h *reqh)
{
	char path[64];
	int fd, err;

	if (!sockp || !laddr || !cfg || !reqh || !cfg->tls_cert[0])
		return EINVAL;

	fd = memfd_create("callbridge-tls", MFD_CLOEXEC);
	if (fd < 0)
		return errno;

	err = file_append(fd, cfg->tls_cert);
	if (err) {
		log_err(NULL, "api.tls_cert %s: %m", cfg->tls_cert, err);
		goto out;
	}
	if (cfg->tls_key[0]) {
		err = file_append(fd, cfg->tls_key);
		if (err) {
			log_err(NULL, "api.tls_key %s: %m", cfg->tls_key, err);
			goto out;
		}
	}

	(void)re_snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err = https_listen(sockp, laddr, path, reqh, NULL);
	if (err)
		log_err(NULL, "cannot listen on https %J with api.tls_cert %s "
			"and api.tls_key %s (%m)", laddr, cfg->tls_cert,
			cfg->tls_key[0] ? cfg->tls_key : "(in the cert file)",
			err);
 out:
	(void)close(fd);
	return err;
}


/** Trust the system's CAs and extra_ca (if set) on cli's connections */
int api_tls_client_ca(struct http_cli *cli, const char *extra_ca)
{
	int err;

	if (!cli)
		return EINVAL;

	if (access(system_ca, R_OK) == 0) {
		err = http_client_add_ca(cli, system_ca);
		if (err)
			log_warn(NULL, "cannot load %s (%m)", system_ca, err);
	}
	if (!extra_ca || !extra_ca[0])
		return 0;

	err = http_client_add_ca(cli, extra_ca);
	if (err)
		log_err(NULL, "api.webhook_ca %s cannot be loaded (%m)",
			extra_ca, err);
	return err;
}


/* libre calls this for every TLS client connection it starts */
int tls_set_servername(struct tls_conn *tc, const char *servername)
{
	static servername_h *libre_servername;
	struct sa sa;
	int err;

	if (!libre_servername) {
		libre_servername = (servername_h *)dlsym(RTLD_NEXT,
							 "tls_set_servername");
		if (!libre_servername)
			return ENOSYS;
	}
	if (!tc || !servername)
		return EINVAL;

	/* SNI carries host names only (RFC 6066 section 3) */
	if (sa_set_str(&sa, servername, 0) != 0) {
		err = libre_servername(tc, servername);
		if (err)
			return err;
	}
	return tls_set_verify_server(tc, servername);
}
