/*
 * config_keys.c: every section and key of the configuration file, in
 * one table: name, type, place in the struct, default, bounds.  The same
 * table drives parsing, the defaults, the cross-checks' look-ups and
 * `sidelog check`'s printout, so they cannot disagree; a key is added
 * here and nowhere else (then documented in README.md and
 * examples/sidelog.ini).
 */
#include <stddef.h>

#include "config_int.h"

#define C(f)	offsetof(struct config, f)
#define I(f)	offsetof(struct config_input, f)

static const char *const log_levels[] = { "error", "warn", "info", "debug",
    NULL };
static const char *const watch_modes[] = { "auto", "inotify", "poll", NULL };
static const char *const read_froms[] = { "head", "tail", NULL };
static const char *const parse_modes[] = { "none", "json", "cri", "logfmt",
    "regex", NULL };
static const char *const formats[] = { "ndjson", "elasticsearch", "otlp",
    "loki", "splunk_hec", NULL };
static const char *const loki_lines[] = { "message", "record", NULL };
static const char *const compressions[] = { "gzip", "none", NULL };
static const char *const es_actions[] = { "create", "index", NULL };
static const char *const es_ids[] = { "auto", "none", NULL };
static const char *const tls_versions[] = { "1.2", "1.3", NULL };
static const char *const emit_formats[] = { "raw", "json", NULL };

#define KB	1024ULL
#define MB	(1024ULL * 1024)
#define GB	(1024ULL * 1024 * 1024)
#define SEC	1000ULL
#define MIN	(60 * SEC)
#define HOUR	(60 * MIN)

static const struct cfgp_key sidelog_keys[] = {
	{ "checkpoint_dir", K_STR, C(checkpoint_dir), "/var/lib/sidelog",
	    .flags = KF_NONEMPTY },
	{ "checkpoint_file", K_STR, C(checkpoint_file), "sidelog.ckpt",
	    .flags = KF_NONEMPTY },
	{ "checkpoint_interval", K_DUR, C(checkpoint_interval_ms), "1s",
	    10, HOUR },
	{ "log_level", K_ENUM, C(log_level), "info", .choices = log_levels },
	{ "listen", K_STR, C(listen), "" },
	{ "memory_limit", K_SIZE, C(memory_limit), "32m", 256 * KB, 16 * GB },
	{ "shutdown_grace", K_DUR, C(shutdown_grace_ms), "0s", 0, HOUR },
	{ "shutdown_timeout", K_DUR, C(shutdown_timeout_ms), "25s", SEC,
	    HOUR },
	{ "poll_interval", K_DUR, C(poll_interval_ms), "1s", 10, HOUR },
	{ "watch", K_ENUM, C(watch), "auto", .choices = watch_modes },
	{ NULL }
};

static const struct cfgp_key input_keys[] = {
	{ "paths", K_LIST, I(paths), "", .count = I(npaths) },
	{ "exclude", K_LIST, I(exclude), "", .count = I(nexclude) },
	{ "read_from", K_ENUM, I(read_from), "head", .choices = read_froms },
	{ "max_line_bytes", K_SIZE, I(max_line_bytes), "64k", 256, 64 * MB },
	{ "multiline.start", K_STR, I(multiline_start), "" },
	{ "include_lines", K_STR, I(include_lines), "" },
	{ "exclude_lines", K_STR, I(exclude_lines), "" },
	{ "multiline.timeout", K_DUR, I(multiline_timeout_ms), "1s", 10,
	    HOUR },
	{ "parse", K_ENUM, I(parse), "none", .choices = parse_modes },
	{ "parse.regex", K_STR, I(parse_regex), "" },
	{ "parse.fields", K_LIST, I(parse_fields), "",
	    .count = I(nparse_fields) },
	{ "parse.message", K_STR, I(parse_message), "" },
	{ "time.key", K_STR, I(time_key), "" },
	{ "time.format", K_STR, I(time_format), "auto", .flags = KF_NONEMPTY },
	{ "level.key", K_STR, I(level_key), "" },
	{ "redact", K_STR, I(redact), "" },
	{ "redact.hash_key_file", K_STR, I(redact_hash_key_file), "",
	    .flags = KF_FILE },
	{ "max_read_rate", K_SIZE, I(max_read_rate), "", 1 * KB, 16 * GB,
	    .flags = KF_OFF },
	{ NULL }
};

#define O(f)	offsetof(struct config, output.f)
static const struct cfgp_key output_keys[] = {
	{ "url", K_STR, O(url), "", .flags = KF_NONEMPTY },
	{ "format", K_ENUM, O(format), "ndjson", .choices = formats },
	{ "compression", K_ENUM, O(compression), "gzip",
	    .choices = compressions },
	{ "compression_level", K_INT, O(compression_level), "1", 1, 9 },
	{ "timeout", K_DUR, O(timeout_ms), "10s", 100, 10 * MIN },
	{ "batch_max_bytes", K_SIZE, O(batch_max_bytes), "1m", KB, 64 * MB },
	{ "batch_max_records", K_INT, O(batch_max_records), "10000", 1,
	    1000000 },
	{ "batch_timeout", K_DUR, O(batch_timeout_ms), "1s", 10, HOUR },
	{ "max_in_flight", K_INT, O(max_in_flight), "2", 1, 64 },
	{ "retry_initial", K_DUR, O(retry_initial_ms), "500ms", 10, HOUR },
	{ "retry_max", K_DUR, O(retry_max_ms), "30s", 10, 24 * HOUR },
	{ "auth.user", K_STR, O(auth_user), "" },
	{ "auth.password_file", K_STR, O(auth_password_file), "",
	    .flags = KF_FILE },
	{ "auth.bearer_token_file", K_STR, O(auth_bearer_token_file), "",
	    .flags = KF_FILE },
	{ "auth.scheme", K_STR, O(auth_scheme), "Bearer", .flags = KF_NONEMPTY },
	{ "proxy", K_STR, O(proxy), "" },
	{ "proxy.user", K_STR, O(proxy_user), "" },
	{ "proxy.password_file", K_STR, O(proxy_password_file), "",
	    .flags = KF_FILE },
	{ "proxy.tls.ca_file", K_STR, O(proxy_tls_ca_file), "",
	    .flags = KF_FILE },
	{ "tls.ca_file", K_STR, O(tls_ca_file), "", .flags = KF_FILE },
	{ "tls.cert_file", K_STR, O(tls_cert_file), "", .flags = KF_FILE },
	{ "tls.key_file", K_STR, O(tls_key_file), "", .flags = KF_FILE },
	{ "tls.verify", K_BOOL, O(tls_verify), "true" },
	{ "tls.server_name", K_STR, O(tls_server_name), "" },
	{ "tls.min_version", K_ENUM, O(tls_min_version), "1.2",
	    .choices = tls_versions },
	{ "time_key", K_STR, O(time_key), "@timestamp", .flags = KF_NONEMPTY },
	{ "message_key", K_STR, O(message_key), "message",
	    .flags = KF_NONEMPTY },
	{ "file_key", K_STR, O(file_key), "log.file.path" },
	{ "offset_key", K_STR, O(offset_key), "log.offset" },
	{ "id_key", K_STR, O(id_key), "" },
	{ "dead_letter", K_STR, O(dead_letter), "" },
	{ "dead_letter_max_size", K_SIZE, O(dead_letter_max_bytes), "64m",
	    64 * KB, 64 * GB },
	{ "es.index", K_STR, O(es_index), "logs-%Y.%m.%d",
	    .flags = KF_NONEMPTY },
	{ "es.action", K_ENUM, O(es_action), "create", .choices = es_actions },
	{ "es.id", K_ENUM, O(es_id), "auto", .choices = es_ids },
	{ "loki.labels", K_STR, O(loki_labels),
	    "kubernetes.namespace,kubernetes.container.name" },
	{ "loki.line", K_ENUM, O(loki_line), "message", .choices = loki_lines },
	{ "hec.index", K_STR, O(hec_index), "" },
	{ "hec.sourcetype", K_STR, O(hec_sourcetype), "sidelog",
	    .flags = KF_NONEMPTY },
	{ "id_seed", K_STR, O(id_seed), "" },
	{ NULL }
};

static const struct cfgp_key metadata_keys[] = {
	{ "labels_file", K_STR, C(labels_file), "", .flags = KF_FILE },
	{ NULL }
};

static const struct cfgp_key stdout_keys[] = {
	{ "enabled", K_BOOL, C(emit_enabled), "false" },
	{ "format", K_ENUM, C(emit_format), "raw", .choices = emit_formats },
	{ NULL }
};

/* In the order `check` prints them; "input" stands for every input.NAME. */
const struct cfgp_section cfgp_sections[] = {
	{ "sidelog", sidelog_keys, NULL },
	{ "input", input_keys, "fields.", "redact." },
	{ "metadata", metadata_keys, "" },
	{ "output", output_keys, "headers.", "headers_file." },
	{ "stdout", stdout_keys, NULL },
	{ NULL }
};
