/*
 * config.h: the configuration as one typed, validated, read-only struct.
 *
 * config_load() reads an INI file (SPEC "Configuration file"), expands
 * ${VAR}, applies defaults, checks every value and the keys that depend
 * on each other, and writes each problem to diag as
 * "FILE:LINE: [section] key: what is wrong".  A struct config is never
 * changed after it is returned; a reload builds a new one.
 */
#ifndef SIDELOG_CONFIG_H
#define SIDELOG_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "value.h"

#define CONFIG_MAX_BYTES	(1024 * 1024)	/* the INI file itself */
#define CONFIG_MAX_INPUTS	64
#define CONFIG_MAX_PAIRS	256	/* fields.*, headers.* or metadata */
#define CONFIG_MAX_GLOBS	64	/* paths or exclude of one input */
#define CONFIG_MAX_NAME		40	/* NAME of [input.NAME] */

enum watch_mode		{ WATCH_AUTO, WATCH_INOTIFY, WATCH_POLL };
enum read_from		{ READ_HEAD, READ_TAIL };
enum parse_mode		{ PARSE_NONE, PARSE_JSON, PARSE_CRI, PARSE_LOGFMT,
				  PARSE_REGEX };
enum out_format		{ FORMAT_NDJSON, FORMAT_ELASTICSEARCH, FORMAT_OTLP,
				  FORMAT_LOKI, FORMAT_SPLUNK_HEC };
enum loki_line		{ LOKI_LINE_MESSAGE, LOKI_LINE_RECORD };
enum compression	{ COMPRESS_GZIP, COMPRESS_NONE };
enum es_action		{ ES_CREATE, ES_INDEX };
enum es_id		{ ES_ID_AUTO, ES_ID_NONE };
enum tls_version	{ TLS_V1_2, TLS_V1_3 };
enum emit_format	{ EMIT_RAW, EMIT_JSON };

/* A KEY = VALUE of fields.*, headers.* or [metadata]. */
struct config_pair {
	const char	*key;
	const char	*value;
	int		 line;
};

struct config_input {
	const char		*name;
	int			 line;		/* of its [input.NAME] */
	const char *const	*paths;		/* absolute globs */
	int			 npaths;
	const char *const	*exclude;	/* globs on the file name */
	int			 nexclude;
	enum read_from		 read_from;
	uint64_t		 max_line_bytes;
	const char		*multiline_start;	/* NULL: off */
	const char		*include_lines;		/* NULL: off */
	const char		*exclude_lines;		/* NULL: off */
	uint64_t		 multiline_timeout_ms;
	enum parse_mode		 parse;
	const char		*parse_regex;		/* NULL: off */
	const char *const	*parse_fields;		/* its groups' names */
	int			 nparse_fields;
	const char		*parse_message;		/* NULL: message_key */
	const char		*time_key;		/* NULL: off */
	const char		*time_format;		/* auto, ..., a pattern */
	const char		*level_key;		/* NULL: off */
	const char		*redact;		/* built-in rules; NULL: none */
	const struct config_pair *redacts;		/* redact.NAME = ERE */
	int			 nredacts;
	const char		*redact_hash_key_file;	/* NULL: mask */
	uint64_t		 max_read_rate;		/* bytes/s; 0: no limit */
	const struct config_pair *fields;
	int			 nfields;
};

struct config_output {
	int			 enabled;	/* an [output] section exists */
	const char		*url;
	struct value_url	 u;
	enum out_format		 format;
	enum compression	 compression;
	int			 compression_level;
	uint64_t		 timeout_ms;
	uint64_t		 batch_max_bytes;
	int			 batch_max_records;
	uint64_t		 batch_timeout_ms;
	int			 max_in_flight;
	uint64_t		 retry_initial_ms;
	uint64_t		 retry_max_ms;
	const struct config_pair *headers;
	int			 nheaders;
	const struct config_pair *header_files;	/* headers_file.NAME = PATH */
	int			 nheader_files;
	const char		*auth_user;
	const char		*auth_password_file;
	const char		*auth_bearer_token_file;
	const char		*auth_scheme;
	const char		*proxy;		/* "", none, or a URL */
	const char		*proxy_user;
	const char		*proxy_password_file;
	const char		*proxy_tls_ca_file;
	/* The proxy a run uses, decided by the checks (SPEC "Proxies"):
	 * proxy_on, its URL's parts, why (for check and the log), and
	 * user:password from an environment URL (NULL: none). */
	int			 proxy_on;
	struct value_url	 pu;
	const char		*proxy_why;
	const char		*proxy_userinfo;
	const char		*tls_ca_file;
	const char		*tls_cert_file;
	const char		*tls_key_file;
	int			 tls_verify;
	const char		*tls_server_name;
	enum tls_version	 tls_min_version;
	const char		*time_key;
	const char		*message_key;
	const char		*file_key;	/* "": omit */
	const char		*offset_key;	/* "": omit */
	const char		*id_key;	/* "": omit */
	const char		*dead_letter;	/* "": log and count only */
	uint64_t		 dead_letter_max_bytes;
	const char		*es_index;
	enum es_action		 es_action;
	enum es_id		 es_id;
	const char		*loki_labels;	/* comma-separated record keys */
	enum loki_line		 loki_line;
	const char		*hec_index;	/* "": omit */
	const char		*hec_sourcetype;
	const char		*id_seed;
};

struct config {
	const char		*path;
	const char		*checkpoint_dir;
	const char		*checkpoint_file;
	uint64_t		 checkpoint_interval_ms;
	int			 log_level;	/* enum log_level */
	const char		*listen;	/* "": off */
	uint64_t		 memory_limit;
	uint64_t		 shutdown_grace_ms;
	uint64_t		 shutdown_timeout_ms;
	uint64_t		 poll_interval_ms;
	enum watch_mode		 watch;

	const struct config_input *inputs;
	int			 ninputs;

	const struct config_pair *metadata;
	int			 nmetadata;
	const char		*labels_file;	/* "": none */

	struct config_output	 output;

	int			 emit_enabled;	/* [stdout] */
	enum emit_format	 emit_format;

	/* CONFIG_OFFLINE: what the pod must provide, "FILE:LINE: ..." */
	const char *const	*expects;
	int			 nexpects;
};

#define CONFIG_OFFLINE	0x01	/* check --offline: no pod around */

struct config	*config_load(const char *path, FILE *diag);
struct config	*config_load_flags(const char *path, FILE *diag, int flags);
void		 config_free(struct config *);
void		 config_print(const struct config *, FILE *);
int		 config_is_same(const struct config *,
		    const struct config *);
int		 config_name_char(int);
size_t		 config_longest_line(const struct config *);

#endif
