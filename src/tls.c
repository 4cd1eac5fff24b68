/*
 * tls.c: TLS 1.2/1.3 client sessions over non-blocking sockets, mbedtls.
 *
 * The configuration (CAs, client certificate and key, versions, server
 * name, verification) is built from files sidelog reads itself, so that
 * it can tell when a mounted Secret changed: tls_conf_stale() compares
 * the files' identity and times, and the caller builds a new
 * configuration for new connections while open ones keep the old one
 * (reference counted).  Every failure says which file or which check,
 * and a session keeps it in words (tls_why), beside what the server's
 * certificate says of itself (tls_peer), for `sidelog probe`.
 */
/* The alert a server ended the session with is only in the context's
 * record buffer: mbedtls has no accessor for it (see alert_why). */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <psa/crypto.h>

#include "log.h"
#include "tls.h"

#define TLS_MAX_FILE	(4 * 1024 * 1024)	/* a CA bundle is ~250 KiB */

enum { F_CA, F_CERT, F_KEY, F_COUNT };

/* A file the configuration was built from, and how it looked then. */
struct tfile {
	char		 path[PATH_MAX];
	struct stat	 st;
};

struct tls_conf {
	int			 refs;
	mbedtls_ssl_config	 ssl;
	mbedtls_x509_crt	 ca, cert;
	mbedtls_pk_context	 key;
	mbedtls_entropy_context	 entropy;
	mbedtls_ctr_drbg_context drbg;
	char			 name[256];	/* SNI and the name verified */
	struct tfile		 files[F_COUNT];
};

struct tls {
	mbedtls_ssl_context	 ssl;
	struct tls_conf		*conf;
	int			 fd;
	struct tls		*outer;	/* the session it runs inside (an
					   https:// proxy's), or NULL */
	/* The server's certificate, as its chain was checked: its subject,
	 * names (subjectAltName), issuer and validity, and why the session
	 * failed, in words; "" until known. */
	char			 names[160];
	char			 peer[560];
	char			 from[24], until[24];
	char			 why[800];
};

static void
tls_log(const char *what, const char *path, int rc)
{
	char	 msg[160];

	mbedtls_strerror(rc, msg, sizeof(msg));
	log_error("tls: %s %s: %s", what, path, msg);
}

/* The file, NUL-terminated as mbedtls wants PEM; *len counts the NUL. */
static unsigned char *
slurp(struct tfile *f, const char *key, size_t *len)
{
	unsigned char	*buf;
	ssize_t		 n;
	int		 fd;

	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &f->st) == -1) {
		log_error("tls: %s %s: %s", key, f->path, strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	buf = malloc(TLS_MAX_FILE + 1);
	n = buf ? read(fd, buf, TLS_MAX_FILE + 1) : -1;
	close(fd);
	if (n < 0 || n > TLS_MAX_FILE) {
		log_error("tls: %s %s: %s", key, f->path, n < 0 ?
		    strerror(errno) : "larger than 4 MiB");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n + 1;
	return buf;
}

static int
load_certs(struct tfile *f, const char *key, mbedtls_x509_crt *crt)
{
	unsigned char	*buf;
	size_t		 len;
	int		 rc;

	buf = slurp(f, key, &len);
	if (buf == NULL)
		return -1;
	rc = mbedtls_x509_crt_parse(crt, buf, len);
	free(buf);
	/* A bundle may hold certificates mbedtls cannot use; the rest do. */
	if (rc < 0 || crt->version == 0) {
		tls_log(key, f->path, rc < 0 ? rc :
		    MBEDTLS_ERR_X509_INVALID_FORMAT);
		return -1;
	}
	if (rc > 0)
		log_debug("tls: %s %s: %d certificates skipped", key, f->path,
		    rc);
	return 0;
}

static int
load_key(struct tls_conf *c)
{
	unsigned char	*buf;
	size_t		 len;
	int		 rc;

	buf = slurp(&c->files[F_KEY], "tls.key_file", &len);
	if (buf == NULL)
		return -1;
	rc = mbedtls_pk_parse_key(&c->key, buf, len, NULL, 0,
	    mbedtls_ctr_drbg_random, &c->drbg);
	mbedtls_platform_zeroize(buf, len);
	free(buf);
	if (rc != 0) {
		tls_log("tls.key_file", c->files[F_KEY].path, rc);
		return -1;
	}
	rc = mbedtls_pk_check_pair(&c->cert.pk, &c->key,
	    mbedtls_ctr_drbg_random, &c->drbg);
	if (rc != 0) {
		log_error("tls: tls.key_file %s does not belong to "
		    "tls.cert_file %s", c->files[F_KEY].path,
		    c->files[F_CERT].path);
		return -1;
	}
	return 0;
}

static int
find_bundle(struct tfile *f)
{
	static const char	*bundles[] = TLS_SYSTEM_BUNDLES;
	int			 i;

	for (i = 0; bundles[i] != NULL; i++)
		if (access(bundles[i], R_OK) == 0) {
			snprintf(f->path, sizeof(f->path), "%s", bundles[i]);
			return 0;
		}
	log_error("tls: no system CA bundle found (looked in %s and others); "
	    "set tls.ca_file", bundles[0]);
	return -1;
}

/* The files: the backend's CAs and client certificate, or for an
 * https:// proxy its CAs only (proxy.tls.ca_file, else tls.ca_file). */
static int
load_files(struct tls_conf *c, const struct config_output *o, int proxy)
{
	const char	*ca = o->tls_ca_file, *key = "tls.ca_file";

	if (proxy && *o->proxy_tls_ca_file != '\0') {
		ca = o->proxy_tls_ca_file;
		key = "proxy.tls.ca_file";
	}
	if (*ca != '\0')
		snprintf(c->files[F_CA].path, PATH_MAX, "%s", ca);
	else if (o->tls_verify && find_bundle(&c->files[F_CA]) == -1)
		return -1;
	if (c->files[F_CA].path[0] != '\0' &&
	    load_certs(&c->files[F_CA], key, &c->ca) == -1)
		return -1;
	if (proxy || *o->tls_cert_file == '\0')
		return 0;
	snprintf(c->files[F_CERT].path, PATH_MAX, "%s", o->tls_cert_file);
	snprintf(c->files[F_KEY].path, PATH_MAX, "%s", o->tls_key_file);
	if (load_certs(&c->files[F_CERT], "tls.cert_file", &c->cert) == -1 ||
	    load_key(c) == -1)
		return -1;
	return 0;
}

/*
 * mbedtls offers ChaCha20 first; with AES instructions (AES-NI, ARMv8
 * crypto), which mbedtls uses here, AES-GCM costs a fraction of it, and
 * encryption is a real share of sidelog's CPU (measured: 12% with
 * ChaCha20).  The rest keeps mbedtls's order.
 */
static const int ciphersuites[] = {
	MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
	MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
	MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	0
};

static int
setup_ssl(struct tls_conf *c, const struct config_output *o, int proxy)
{
	int	 rc;

	rc = mbedtls_ssl_config_defaults(&c->ssl, MBEDTLS_SSL_IS_CLIENT,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc != 0) {
		tls_log("configuration", "defaults", rc);
		return -1;
	}
	mbedtls_ssl_conf_rng(&c->ssl, mbedtls_ctr_drbg_random, &c->drbg);
	mbedtls_ssl_conf_ciphersuites(&c->ssl, ciphersuites);
	mbedtls_ssl_conf_min_tls_version(&c->ssl,
	    o->tls_min_version == TLS_V1_3 ? MBEDTLS_SSL_VERSION_TLS1_3 :
	    MBEDTLS_SSL_VERSION_TLS1_2);
	mbedtls_ssl_conf_max_tls_version(&c->ssl, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_authmode(&c->ssl, o->tls_verify ?
	    MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
	if (c->files[F_CA].path[0] != '\0')
		mbedtls_ssl_conf_ca_chain(&c->ssl, &c->ca, NULL);
	if (c->files[F_CERT].path[0] != '\0') {
		rc = mbedtls_ssl_conf_own_cert(&c->ssl, &c->cert, &c->key);
		if (rc != 0) {
			tls_log("tls.cert_file", c->files[F_CERT].path, rc);
			return -1;
		}
	}
	snprintf(c->name, sizeof(c->name), "%s", proxy ? o->pu.host :
	    *o->tls_server_name ? o->tls_server_name : o->u.host);
	return 0;
}

static struct tls_conf *
conf_new(const struct config_output *o, int proxy)
{
	struct tls_conf	*c;
	psa_status_t	 ps;
	int		 rc;

	ps = psa_crypto_init();
	if (ps != PSA_SUCCESS) {
		log_error("tls: psa_crypto_init failed (%d)", (int)ps);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		log_error("tls: out of memory");
		return NULL;
	}
	c->refs = 1;
	mbedtls_ssl_config_init(&c->ssl);
	mbedtls_x509_crt_init(&c->ca);
	mbedtls_x509_crt_init(&c->cert);
	mbedtls_pk_init(&c->key);
	mbedtls_entropy_init(&c->entropy);
	mbedtls_ctr_drbg_init(&c->drbg);
	rc = mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func,
	    &c->entropy, (const unsigned char *)"sidelog", 7);
	if (rc != 0) {
		tls_log("random generator", "seed", rc);
		tls_conf_free(c);
		return NULL;
	}
	if (load_files(c, o, proxy) == -1 || setup_ssl(c, o, proxy) == -1) {
		tls_conf_free(c);
		return NULL;
	}
	return c;
}

/* The backend's: its CAs, client certificate, name. */
struct tls_conf *
tls_conf_new(const struct config_output *o)
{
	return conf_new(o, 0);
}

/* An https:// proxy's: its CAs, its name, verified as tls.verify says;
 * no client certificate (that is for the backend, inside). */
struct tls_conf *
tls_conf_proxy(const struct config_output *o)
{
	return conf_new(o, 1);
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Whether a file the configuration came from changed since: a Secret
 * or ConfigMap update swaps a symlink, which stat() follows. */
int
tls_conf_stale(const struct tls_conf *c)
{
	struct stat	 st;
	int		 i;

	for (i = 0; i < F_COUNT; i++) {
		if (c->files[i].path[0] == '\0')
			continue;
		if (stat(c->files[i].path, &st) == -1 ||
		    !same_file(&st, &c->files[i].st))
			return 1;
	}
	return 0;
}

void
tls_conf_ref(struct tls_conf *c)
{
	c->refs++;
}

void
tls_conf_free(struct tls_conf *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	mbedtls_ssl_config_free(&c->ssl);
	mbedtls_x509_crt_free(&c->ca);
	mbedtls_x509_crt_free(&c->cert);
	mbedtls_pk_free(&c->key);
	mbedtls_ctr_drbg_free(&c->drbg);
	mbedtls_entropy_free(&c->entropy);
	free(c);
}

/* --- sessions ------------------------------------------------------------ */

static int
bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls	*t = ctx;
	ssize_t		 n;

	n = send(t->fd, buf, len, MSG_NOSIGNAL);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	return errno == EPIPE || errno == ECONNRESET ?
	    MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int
bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct tls	*t = ctx;
	ssize_t		 n;

	n = recv(t->fd, buf, len, 0);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_READ;
	return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET :
	    MBEDTLS_ERR_NET_RECV_FAILED;
}

/* Inside an outer session: its WANT_* are the inner one's. */
static int
bio_send_over(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls	*t = ctx;
	ssize_t		 n = tls_write(t->outer, buf, len);

	if (n >= 0)
		return (int)n;
	return n == TLS_WANT_READ ? MBEDTLS_ERR_SSL_WANT_READ :
	    n == TLS_WANT_WRITE ? MBEDTLS_ERR_SSL_WANT_WRITE :
	    MBEDTLS_ERR_NET_SEND_FAILED;
}

static int
bio_recv_over(void *ctx, unsigned char *buf, size_t len)
{
	struct tls	*t = ctx;
	ssize_t		 n = tls_read(t->outer, buf, len);

	if (n >= 0)
		return (int)n;
	return n == TLS_WANT_READ ? MBEDTLS_ERR_SSL_WANT_READ :
	    n == TLS_WANT_WRITE ? MBEDTLS_ERR_SSL_WANT_WRITE :
	    MBEDTLS_ERR_NET_RECV_FAILED;
}

/* The names a certificate is for: its subjectAltName's DNS names and
 * IP addresses, as the name check reads them. */
static void
cert_names(const mbedtls_x509_crt *crt, char *out, size_t len)
{
	const mbedtls_x509_sequence	*s;
	char				 name[INET6_ADDRSTRLEN];
	size_t				 n;
	int				 tag, af;

	*out = '\0';
	for (s = &crt->subject_alt_names; s != NULL && s->buf.p != NULL;
	    s = s->next) {
		tag = s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK;
		n = s->buf.len < sizeof(name) - 1 ? s->buf.len :
		    sizeof(name) - 1;
		af = n == 4 ? AF_INET : AF_INET6;
		if (tag == MBEDTLS_X509_SAN_DNS_NAME) {
			memcpy(name, s->buf.p, n);
			name[n] = '\0';
		} else if (tag != MBEDTLS_X509_SAN_IP_ADDRESS ||
		    (n != 4 && n != 16) ||
		    inet_ntop(af, s->buf.p, name, sizeof(name)) == NULL)
			continue;
		n = strlen(out);
		snprintf(out + n, len - n, "%s%s", n ? ", " : "", name);
	}
}

static void
cert_time(const mbedtls_x509_time *t, char *out, size_t len)
{
	snprintf(out, len, "%04d-%02d-%02d %02d:%02d UTC", t->year, t->mon,
	    t->day, t->hour, t->min);
}

/*
 * The server's certificate in words, kept so that a refusal can name it
 * and `sidelog probe` can show it.  verify_seen is called for each
 * certificate of the chain, the server's own (depth 0) last; the
 * verdict (flags) stays mbedtls's own.
 */
static void
describe(struct tls *t, const mbedtls_x509_crt *crt)
{
	char	 subject[160], issuer[160];

	if (mbedtls_x509_dn_gets(subject, sizeof(subject), &crt->subject) < 0)
		snprintf(subject, sizeof(subject), "?");
	if (mbedtls_x509_dn_gets(issuer, sizeof(issuer), &crt->issuer) < 0)
		snprintf(issuer, sizeof(issuer), "?");
	cert_names(crt, t->names, sizeof(t->names));
	cert_time(&crt->valid_from, t->from, sizeof(t->from));
	cert_time(&crt->valid_to, t->until, sizeof(t->until));
	snprintf(t->peer, sizeof(t->peer), "certificate %s%s%s%s issued by "
	    "%s, valid until %s", subject, *t->names ? " (" : "", t->names,
	    *t->names ? ")" : "", issuer, t->until);
}

static int
verify_seen(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	(void)flags;
	if (depth == 0)
		describe(arg, crt);
	return 0;
}

struct tls *
tls_new(struct tls_conf *c, int fd)
{
	struct tls	*t;
	int		 rc;

	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		log_error("tls: out of memory");
		return NULL;
	}
	mbedtls_ssl_init(&t->ssl);
	t->fd = fd;
	rc = mbedtls_ssl_setup(&t->ssl, &c->ssl);
	if (rc == 0)
		rc = mbedtls_ssl_set_hostname(&t->ssl, c->name);
	if (rc != 0) {
		tls_log("session for", c->name, rc);
		mbedtls_ssl_free(&t->ssl);
		free(t);
		return NULL;
	}
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	mbedtls_ssl_set_verify(&t->ssl, verify_seen, t);
	t->conf = c;
	tls_conf_ref(c);
	return t;
}

/* A certificate check's verdict in words, each reason the name a
 * person knows it by last (unknown CA, expired, name mismatch). */
static void
verify_why(struct tls *t, uint32_t flags)
{
	const char	*ca = t->conf->files[F_CA].path;
	size_t		 n;

	snprintf(t->why, sizeof(t->why), "the server's %.560s:", t->peer);
	n = strlen(t->why);
	if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
		n += snprintf(t->why + n, sizeof(t->why) - n, " not signed by "
		    "a CA in %s (unknown CA);", *ca ? ca : "(none loaded)");
	if (n < sizeof(t->why) && (flags & MBEDTLS_X509_BADCERT_EXPIRED))
		n += snprintf(t->why + n, sizeof(t->why) - n, " expired on %s "
		    "(expired certificate);", t->until);
	if (n < sizeof(t->why) && (flags & MBEDTLS_X509_BADCERT_FUTURE))
		n += snprintf(t->why + n, sizeof(t->why) - n, " not valid "
		    "before %s (not yet valid);", t->from);
	if (n < sizeof(t->why) && (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH))
		n += snprintf(t->why + n, sizeof(t->why) - n, " %s was "
		    "expected, the certificate is for %s (name mismatch);",
		    t->conf->name, *t->names ? t->names : "no name");
	if (n < sizeof(t->why) && t->why[n - 1] == ';')
		t->why[n - 1] = '\0';
	else if (n < sizeof(t->why))
		mbedtls_x509_crt_verify_info(t->why + n, sizeof(t->why) - n,
		    " ", flags);
}

/* Words for the alert a server ended the session with.  mbedtls keeps
 * the alert's two bytes in its record buffer, unexported (hence
 * MBEDTLS_ALLOW_PRIVATE_ACCESS above): a server that wants a client
 * certificate says so only this way (TLS 1.3: certificate_required,
 * after our Finished, so on the first read). */
static void
alert_why(struct tls *t)
{
	int	 a = t->ssl.in_msg != NULL ? t->ssl.in_msg[1] : -1;
	int	 have = t->conf->files[F_CERT].path[0] != '\0';

	if (!have && (a == MBEDTLS_SSL_ALERT_MSG_CERT_REQUIRED ||
	    a == MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE ||
	    a == MBEDTLS_SSL_ALERT_MSG_BAD_CERT))
		snprintf(t->why, sizeof(t->why), "mTLS: the server requires a "
		    "client certificate and none is configured (tls.cert_file) "
		    "(TLS alert %d)", a);
	else if (have && a >= MBEDTLS_SSL_ALERT_MSG_BAD_CERT &&
	    a <= MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED)
		snprintf(t->why, sizeof(t->why), "mTLS: the server refused "
		    "the client certificate %.300s (TLS alert %d)",
		    t->conf->files[F_CERT].path, a);
	else if (a == MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION)
		snprintf(t->why, sizeof(t->why), "no TLS version in common "
		    "(TLS alert 70)");
	else
		snprintf(t->why, sizeof(t->why), "the server ended the "
		    "session with TLS alert %d", a);
}

/* Says why a handshake failed: the certificate check in its words, or
 * mbedtls's for the rest; tls_why() keeps ours. */
static void
handshake_failed(struct tls *t, int rc)
{
	char		 msg[512], *p;
	uint32_t	 flags;

	if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
		flags = mbedtls_ssl_get_verify_result(&t->ssl);
		verify_why(t, flags);
		mbedtls_x509_crt_verify_info(msg, sizeof(msg), "", flags);
		for (p = msg; *p != '\0'; p++)
			if (*p == '\n')
				*p = p[1] != '\0' ? ';' : '\0';
		log_error("tls: %s: certificate verification failed: %s",
		    t->conf->name, msg);
		return;
	}
	mbedtls_strerror(rc, msg, sizeof(msg));
	if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
		alert_why(t);
	else
		snprintf(t->why, sizeof(t->why), "%.500s", msg);
	if (rc == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
		log_error("tls: %s: no TLS version in common (%s)",
		    t->conf->name, msg);
	else
		log_error("tls: %s: handshake failed: %s", t->conf->name,
		    rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE ? t->why : msg);
}

/* 0 when done, TLS_WANT_READ or TLS_WANT_WRITE, or TLS_ERROR (logged). */
int
tls_handshake(struct tls *t)
{
	int	 rc;

	rc = mbedtls_ssl_handshake(&t->ssl);
	if (rc == 0)
		return 0;
	if (rc == MBEDTLS_ERR_SSL_WANT_READ)
		return TLS_WANT_READ;
	if (rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		return TLS_WANT_WRITE;
	handshake_failed(t, rc);
	return TLS_ERROR;
}

static ssize_t
io_result(struct tls *t, int rc, const char *what)
{
	char	 msg[160];

	if (rc >= 0)
		return rc;
	if (rc == MBEDTLS_ERR_SSL_WANT_READ)
		return TLS_WANT_READ;
	if (rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		return TLS_WANT_WRITE;
	if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		return 0;
	mbedtls_strerror(rc, msg, sizeof(msg));
	if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
		alert_why(t);
	else
		snprintf(t->why, sizeof(t->why), "%s", msg);
	log_warn("tls: %s: %s: %s", t->conf->name, what, t->why);
	return TLS_ERROR;
}

ssize_t
tls_write(struct tls *t, const void *buf, size_t len)
{
	return io_result(t, mbedtls_ssl_write(&t->ssl, buf, len), "write");
}

/* Bytes read, 0 at the end of the stream, or TLS_WANT_* / TLS_ERROR. */
ssize_t
tls_read(struct tls *t, void *buf, size_t len)
{
	return io_result(t, mbedtls_ssl_read(&t->ssl, buf, len), "read");
}

/* A session inside outer's (TLS to the backend through an https://
 * proxy's tunnel); outer stays the caller's and must outlive it. */
struct tls *
tls_new_over(struct tls_conf *c, struct tls *outer)
{
	struct tls	*t = tls_new(c, -1);

	if (t == NULL)
		return NULL;
	t->outer = outer;
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send_over, bio_recv_over, NULL);
	return t;
}

/* Why the session failed, in words ("" if it did not). */
const char *
tls_why(const struct tls *t)
{
	return t->why;
}

/* The server's certificate in words: subject, names, issuer, validity
 * ("" before the handshake got it).  With tls.verify = false no chain
 * is checked, so it is read from the session. */
const char *
tls_peer(struct tls *t)
{
	const mbedtls_x509_crt	*crt;

	if (*t->peer == '\0') {
		crt = mbedtls_ssl_get_peer_cert(&t->ssl);
		if (crt != NULL)
			describe(t, crt);
	}
	return t->peer;
}

const char *
tls_version(const struct tls *t)
{
	return mbedtls_ssl_get_version(&t->ssl);
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	mbedtls_ssl_free(&t->ssl);
	tls_conf_free(t->conf);
	free(t);
}
