/*
 * output_auth.c: the Authorization value (basic auth from
 * auth.password_file, or "<auth.scheme> <token>" from
 * auth.bearer_token_file) and the request's extra headers: headers.*
 * as written, headers_file.* from the files' content.  A file is read
 * again at most once a second, and only when its inode, size or mtime
 * changed; a file that cannot be read, or whose value would break the
 * request head (a control byte), keeps the value it had, and says so.
 * The proxy's Proxy-Authorization (basic, from proxy.user and
 * proxy.password_file, or from user:password in an environment URL) is
 * kept the same way.  Secrets never reach the log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "log.h"
#include "output_auth.h"
#include "secret.h"

#define AUTH_SECRET_MAX	4096	/* a password, token, header file */
#define AUTH_CHECK_MS	1000	/* files looked at once this long */

struct output_auth {
	const struct config_output	*oc;
	struct secret			 auth, proxy_sec;
	struct secret			*files;	/* headers_file.* */
	uint64_t			 checked;
	int				 fresh;
	char				 authz[AUTH_SECRET_MAX * 2];
	char				 proxy[AUTH_SECRET_MAX * 2];
	const char			**headers;	/* headers.*,
							   headers_file.* */
	const char			**list;		/* those read */
	int				 n;
};

/* "Basic base64(user:password)" into out, or "" if it does not fit. */
static void
basic(char *out, size_t outlen, const char *user, const char *password)
{
	char	 pair[AUTH_SECRET_MAX + 256];
	size_t	 n;

	snprintf(pair, sizeof(pair), "%s:%s", user, password);
	memcpy(out, "Basic ", 6);
	if (mbedtls_base64_encode((unsigned char *)out + 6, outlen - 6, &n,
	    (unsigned char *)pair, strlen(pair)) != 0)
		out[0] = '\0';
	explicit_bzero(pair, sizeof(pair));
}

static void
refresh_proxy(struct output_auth *a)
{
	const struct config_output	*oc = a->oc;
	char				 s[AUTH_SECRET_MAX];
	const char			*colon;
	int				 changed;

	if (!oc->proxy_on)
		return;
	if (*oc->proxy_user != '\0') {
		if (secret_read(&a->proxy_sec, oc->proxy_password_file, s,
		    sizeof(s), &changed) == 0 && changed)
			basic(a->proxy, sizeof(a->proxy), oc->proxy_user, s);
		explicit_bzero(s, sizeof(s));
	} else if (oc->proxy_userinfo != NULL && a->proxy[0] == '\0') {
		/* user:password as the URL wrote it: sent as it is. */
		colon = strchr(oc->proxy_userinfo, ':');
		snprintf(s, sizeof(s), "%.*s", colon ? (int)(colon -
		    oc->proxy_userinfo) : (int)strlen(oc->proxy_userinfo),
		    oc->proxy_userinfo);
		basic(a->proxy, sizeof(a->proxy), s, colon ? colon + 1 : "");
		explicit_bzero(s, sizeof(s));
	}
}

static void
refresh_authz(struct output_auth *a)
{
	const struct config_output	*oc = a->oc;
	char				 s[AUTH_SECRET_MAX];
	int				 changed;

	if (*oc->auth_bearer_token_file != '\0') {
		if (secret_read(&a->auth, oc->auth_bearer_token_file, s,
		    sizeof(s), &changed) == 0 && changed)
			snprintf(a->authz, sizeof(a->authz), "%s %s",
			    oc->auth_scheme, s);
	} else if (*oc->auth_password_file != '\0') {
		if (secret_read(&a->auth, oc->auth_password_file, s, sizeof(s),
		    &changed) == 0 && changed)
			basic(a->authz, sizeof(a->authz), oc->auth_user, s);
	}
	explicit_bzero(s, sizeof(s));
}

/* headers_file.* i: "Name: value" again if its file changed. */
static void
refresh_file(struct output_auth *a, int i)
{
	const struct config_pair	*h = &a->oc->header_files[i];
	char				 s[AUTH_SECRET_MAX], *line;
	const char			*c;
	int				 changed, k = a->oc->nheaders + i;

	if (secret_read(&a->files[i], h->value, s, sizeof(s), &changed) ==
	    -1 || !changed)
		goto done;
	for (c = s; *c != '\0'; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f) {
			log_error("output: %s (headers_file.%s) holds a "
			    "control byte: the header keeps its value",
			    h->value, h->key);
			goto done;
		}
	if (asprintf(&line, "%s: %s", h->key, s) == -1) {
		log_error("output: out of memory for header %s", h->key);
		goto done;
	}
	if (a->headers[k] != NULL)
		explicit_bzero((char *)a->headers[k], strlen(a->headers[k]));
	free((char *)a->headers[k]);
	a->headers[k] = line;
done:
	explicit_bzero(s, sizeof(s));
}

/* Every file looked at again, at most once an AUTH_CHECK_MS. */
void
output_auth_refresh(struct output_auth *a, uint64_t now)
{
	int	 i;

	if (!a->fresh && now - a->checked < AUTH_CHECK_MS)
		return;
	a->fresh = 0;
	a->checked = now;
	refresh_authz(a);
	refresh_proxy(a);
	for (i = 0; i < a->oc->nheader_files; i++)
		refresh_file(a, i);
}

struct output_auth *
output_auth_new(const struct config_output *oc)
{
	struct output_auth	*a = calloc(1, sizeof(*a));
	char			*h;
	int			 i;

	if (a == NULL)
		return NULL;
	a->oc = oc;
	a->fresh = 1;
	a->n = oc->nheaders + oc->nheader_files;
	a->headers = calloc((size_t)a->n + 1, sizeof(*a->headers));
	a->list = calloc((size_t)a->n + 1, sizeof(*a->list));
	a->files = calloc((size_t)oc->nheader_files + 1, sizeof(*a->files));
	if (a->headers == NULL || a->list == NULL || a->files == NULL) {
		output_auth_free(a);
		return NULL;
	}
	for (i = 0; i < oc->nheaders; i++) {
		if (asprintf(&h, "%s: %s", oc->headers[i].key,
		    oc->headers[i].value) == -1) {
			output_auth_free(a);
			return NULL;
		}
		a->headers[i] = h;
	}
	return a;
}

void
output_auth_free(struct output_auth *a)
{
	int	 i;

	if (a == NULL)
		return;
	for (i = 0; a->headers != NULL && i < a->n; i++)
		if (a->headers[i] != NULL) {
			explicit_bzero((char *)a->headers[i],
			    strlen(a->headers[i]));
			free((char *)a->headers[i]);
		}
	free(a->headers);
	free(a->list);
	free(a->files);
	explicit_bzero(a->authz, sizeof(a->authz));
	explicit_bzero(a->proxy, sizeof(a->proxy));
	free(a);
}

const char *
output_auth_authz(const struct output_auth *a)
{
	return a->authz[0] != '\0' ? a->authz : NULL;
}

const char *
output_auth_proxy(const struct output_auth *a)
{
	return a->proxy[0] != '\0' ? a->proxy : NULL;
}

/* The extra headers, "Name: value" each; a headers_file.* whose file
 * was never read is left out (NULL), so *n counts those given. */
const char **
output_auth_headers(const struct output_auth *a, int *n)
{
	int	 i, k = 0;

	for (i = 0; i < a->n; i++)
		if (a->headers[i] != NULL)
			a->list[k++] = a->headers[i];
	a->list[k] = NULL;
	*n = k;
	return a->list;
}
