/*
 * output_auth.h: what the output says of itself in each request: the
 * Authorization value and the extra headers (headers.*, and the
 * headers_file.* read from Secret files), the files re-read when they
 * change (the kubelet's atomic ..data swap included).
 */
#ifndef SIDELOG_OUTPUT_AUTH_H
#define SIDELOG_OUTPUT_AUTH_H

#include <stdint.h>

#include "config.h"

struct output_auth;

struct output_auth *output_auth_new(const struct config_output *);
void		 output_auth_free(struct output_auth *);
void		 output_auth_refresh(struct output_auth *, uint64_t now_ms);
const char	*output_auth_authz(const struct output_auth *);
const char	*output_auth_proxy(const struct output_auth *);
const char	**output_auth_headers(const struct output_auth *, int *n);

#endif
