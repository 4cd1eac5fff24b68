/*
 * tls.h: the mbedtls client.  One configuration shared by every
 * connection (trusted CAs, client certificate, versions, server name),
 * re-read when its files change, and one non-blocking session per
 * connection whose WANT_READ / WANT_WRITE go back to the event loop.
 * Wider than 12 functions because configurations and sessions each have
 * their verbs, and a session also says what it saw (the version, the
 * server's certificate, why it failed) for the log and `sidelog probe`.
 */
#ifndef SIDELOG_TLS_H
#define SIDELOG_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

#define TLS_WANT_READ	(-2)
#define TLS_WANT_WRITE	(-3)
#define TLS_ERROR	(-1)

/* The bundles distributions put the system's CAs in, first found wins. */
#define TLS_SYSTEM_BUNDLES { "/etc/ssl/certs/ca-certificates.crt", \
	"/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem", \
	"/etc/ssl/cert.pem", NULL }

struct tls_conf;
struct tls;

struct tls_conf	*tls_conf_new(const struct config_output *);
struct tls_conf	*tls_conf_proxy(const struct config_output *);
int		 tls_conf_stale(const struct tls_conf *);
void		 tls_conf_ref(struct tls_conf *);
void		 tls_conf_free(struct tls_conf *);

struct tls	*tls_new(struct tls_conf *, int fd);
struct tls	*tls_new_over(struct tls_conf *, struct tls *outer);
int		 tls_handshake(struct tls *);
ssize_t		 tls_write(struct tls *, const void *, size_t);
ssize_t		 tls_read(struct tls *, void *, size_t);
const char	*tls_version(const struct tls *);
const char	*tls_why(const struct tls *);
const char	*tls_peer(struct tls *);
void		 tls_free(struct tls *);

#endif
