/*
 * test_config.c: config_load() on good and broken files.
 *
 * Each broken file is its own test and asserts the exact diagnostics:
 * file, line, section, key and message, since users and scripts read
 * them.  The files are written into a fresh temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

/* An input and a sink: the least a valid file needs. */
#define BASE	"[input.app]\npaths = /var/log/app/*.log\n" \
		"[stdout]\nenabled = true\n"
#define OUTPUT	"[output]\nurl = https://logs.example.com/ingest\n"

static char	*diag;

static struct config *
load_text(const char *text)
{
	FILE		*f, *d;
	size_t		 len;
	struct config	*cfg;

	f = fopen("t.ini", "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(diag);
	diag = NULL;
	d = open_memstream(&diag, &len);
	assert_non_null(d);
	cfg = config_load("t.ini", d);
	fclose(d);
	return cfg;
}

/* --- broken files: one test each -------------------------------------- */

struct broken {
	const char	*name;
	const char	*text;
	const char	*diag;
};

static const struct broken broken[] = {
	{ "unknown_key_is_named_with_a_suggestion",
	    "[sidelog]\nlog_levle = debug\n" BASE,
	    "t.ini:2: [sidelog] log_levle: unknown key (did you mean "
	    "log_level?)\n" },
	{ "unknown_key_without_a_close_match",
	    BASE "[output]\nurl = https://h/\nfrobnicate = 1\n",
	    "t.ini:7: [output] frobnicate: unknown key (free-form names go "
	    "after \"headers.\")\n" },
	{ "unknown_section_is_named_with_a_suggestion",
	    "[outptu]\nurl = https://h/\n" BASE,
	    "t.ini:1: [outptu]: unknown section (did you mean [output]?)\n" },
	{ "unknown_section_lists_the_known_ones",
	    BASE "[logging]\nlevel = 1\n",
	    "t.ini:5: [logging]: unknown section (expected [sidelog], "
	    "[input.NAME], [metadata], [output] or [stdout])\n" },
	{ "input_section_needs_a_name",
	    "[input]\npaths = /x/*.log\n[stdout]\nenabled = true\n",
	    "t.ini:1: [input]: unknown section (inputs are named "
	    "[input.NAME])\n" },
	{ "input_name_with_a_space",
	    "[input.my app]\npaths = /x/*.log\n[stdout]\nenabled = true\n",
	    "t.ini:1: [input.my app]: input name may hold only letters, "
	    "digits, '_', '-' and '.'\n" },
	{ "input_name_empty",
	    "[input.]\npaths = /x/*.log\n[stdout]\nenabled = true\n",
	    "t.ini:1: [input.]: input name is empty\n" },
	{ "section_given_twice",
	    BASE "[stdout]\nformat = json\n",
	    "t.ini:5: [stdout]: section given twice (first at line 3)\n" },
	{ "key_given_twice",
	    "[sidelog]\nwatch = poll\nwatch = inotify\n" BASE,
	    "t.ini:3: [sidelog] watch: given twice (first at line 2)\n" },
	{ "key_outside_any_section",
	    "watch = poll\n" BASE,
	    "t.ini:1: watch: key outside any section\n" },
	{ "line_that_is_not_ini",
	    "[sidelog]\nthis is not ini\n" BASE,
	    "t.ini:2: syntax error: expected \"[section]\" or \"key = "
	    "value\"\n" },
	{ "section_without_closing_bracket",
	    "[sidelog\nwatch = poll\n" BASE,
	    "t.ini:1: syntax error: expected \"[section]\" or \"key = "
	    "value\"\n"
	    "t.ini:2: watch: key outside any section\n" },
	{ "size_with_unknown_unit",
	    "[sidelog]\nmemory_limit = 10x\n" BASE,
	    "t.ini:2: [sidelog] memory_limit: expected a size such as 512, "
	    "64k, 10m or 1g (powers of 1024), got \"10x\"\n" },
	{ "size_below_its_minimum",
	    "[sidelog]\nmemory_limit = 100k\n" BASE,
	    "t.ini:2: [sidelog] memory_limit: must be between 256k and 16g, "
	    "got 100k\n" },
	{ "duration_without_unit",
	    "[sidelog]\ncheckpoint_interval = 5\n" BASE,
	    "t.ini:2: [sidelog] checkpoint_interval: expected a duration "
	    "such as 500ms, 10s, 5m or 1h, got \"5\"\n" },
	{ "duration_above_its_maximum",
	    BASE OUTPUT "timeout = 11m\n",
	    "t.ini:7: [output] timeout: must be between 100ms and 10m, got "
	    "11m\n" },
	{ "boolean_that_is_not_one",
	    "[input.app]\npaths = /x/*.log\n[stdout]\nenabled = maybe\n",
	    "t.ini:4: [stdout] enabled: expected true/false, yes/no, on/off "
	    "or 1/0, got \"maybe\"\n" },
	{ "enum_with_unknown_choice",
	    "[sidelog]\nwatch = fanotify\n" BASE,
	    "t.ini:2: [sidelog] watch: expected auto, inotify or poll, got "
	    "\"fanotify\"\n" },
	{ "integer_out_of_range",
	    BASE OUTPUT "compression_level = 12\n",
	    "t.ini:7: [output] compression_level: must be between 1 and 9, "
	    "got 12\n" },
	{ "integer_that_is_not_a_number",
	    BASE OUTPUT "max_in_flight = two\n",
	    "t.ini:7: [output] max_in_flight: expected a whole number, got "
	    "\"two\"\n" },
	{ "required_string_left_empty",
	    BASE OUTPUT "time_key =\n",
	    "t.ini:7: [output] time_key: must not be empty\n" },
	{ "unset_environment_variable",
	    BASE "[metadata]\nkubernetes.pod.name = ${SL_TEST_UNSET}\n",
	    "t.ini:6: [metadata] kubernetes.pod.name: environment variable "
	    "SL_TEST_UNSET is not set (write ${SL_TEST_UNSET:-} to allow it "
	    "empty)\n" },
	{ "unterminated_variable",
	    BASE "[metadata]\nteam = ${TEAM\n",
	    "t.ini:6: [metadata] team: unterminated \"${\"\n" },
	{ "no_input_at_all",
	    "[stdout]\nenabled = true\n",
	    "t.ini: no [input.NAME] section: nothing to read\n" },
	{ "nowhere_to_ship",
	    "[input.app]\npaths = /x/*.log\n",
	    "t.ini: nothing to ship to: add an [output] section or set "
	    "[stdout] enabled = true\n" },
	{ "input_without_paths",
	    "[input.app]\nread_from = tail\n[stdout]\nenabled = true\n",
	    "t.ini:1: [input.app] paths: missing: each input needs at least "
	    "one path\n" },
	{ "relative_path",
	    "[input.app]\npaths = var/log/*.log\n[stdout]\nenabled = true\n",
	    "t.ini:2: [input.app] paths: \"var/log/*.log\" is not an "
	    "absolute path\n" },
	{ "wildcard_in_a_directory",
	    "[input.app]\npaths = /var/log/*.log, /var/*/app.log\n"
	    "[stdout]\nenabled = true\n",
	    "t.ini:2: [input.app] paths: \"/var/*/app.log\": wildcards are "
	    "allowed in the file name only\n" },
	{ "path_naming_a_directory",
	    "[input.app]\npaths = /var/log/\n[stdout]\nenabled = true\n",
	    "t.ini:2: [input.app] paths: \"/var/log/\" names a directory; add "
	    "a file name or a pattern such as *.log\n" },
	{ "exclude_with_a_slash",
	    BASE "[input.b]\npaths = /b/*.log\nexclude = /b/old.log\n",
	    "t.ini:7: [input.b] exclude: \"/b/old.log\": patterns match the "
	    "file name, without '/'\n" },
	{ "multiline_regex_that_does_not_compile",
	    BASE "[input.java]\npaths = /j/*.log\nmultiline.start = ([a\n",
	    NULL /* regerror's words differ between libcs: checked below */ },
	{ "output_without_url",
	    BASE "[output]\nformat = ndjson\n",
	    "t.ini:5: [output] url: missing: where should logs go?\n" },
	{ "url_with_another_scheme",
	    BASE "[output]\nurl = ftp://logs.example.com/\n",
	    "t.ini:6: [output] url: expected an http:// or https:// URL, got "
	    "\"ftp://logs.example.com/\"\n" },
	{ "url_with_credentials",
	    BASE "[output]\nurl = https://u:secret@logs.example.com/\n",
	    "t.ini:6: [output] url: credentials do not belong in the URL "
	    "(use auth.user and auth.password_file)\n" },
	{ "client_certificate_without_key",
	    BASE OUTPUT "tls.cert_file = /dev/null\n",
	    "t.ini:7: [output] tls.cert_file: needs tls.key_file too\n" },
	{ "client_key_without_certificate",
	    BASE OUTPUT "tls.key_file = /dev/null\n",
	    "t.ini:7: [output] tls.key_file: needs tls.cert_file too\n" },
	{ "ca_file_that_does_not_exist",
	    BASE OUTPUT "tls.ca_file = /nonexistent/ca.pem\n",
	    "t.ini:7: [output] tls.ca_file: cannot read "
	    "\"/nonexistent/ca.pem\": No such file or directory\n" },
	{ "basic_auth_without_password_file",
	    BASE OUTPUT "auth.user = shipper\n",
	    "t.ini:7: [output] auth.user: needs auth.password_file\n" },
	{ "basic_and_bearer_auth_together",
	    BASE OUTPUT "auth.user = shipper\nauth.password_file = /dev/null\n"
	    "auth.bearer_token_file = /dev/null\n",
	    "t.ini:9: [output] auth.bearer_token_file: cannot be combined "
	    "with auth.user\n" },
	{ "header_that_sidelog_sets_itself",
	    BASE OUTPUT "headers.Content-Length = 5\n",
	    "t.ini:7: [output] headers.Content-Length: set by sidelog "
	    "itself\n" },
	{ "authorization_header_and_auth_keys",
	    BASE OUTPUT "auth.bearer_token_file = /dev/null\n"
	    "headers.Authorization = Bearer x\n",
	    "t.ini:8: [output] headers.Authorization: conflicts with "
	    "auth.*\n" },
	{ "header_name_with_a_space",
	    BASE OUTPUT "headers.X Tenant = a\n",
	    "t.ini:7: [output] headers.X Tenant: not a valid header name\n" },
	{ "es_index_with_an_odd_conversion",
	    BASE "[output]\nurl = https://es:9200/_bulk\n"
	    "format = elasticsearch\nes.index = logs-%Q\n",
	    "t.ini:8: [output] es.index: unsupported conversion \"%Q\" (use "
	    "%Y %m %d %H %j %u %V %G %g %y %%)\n" },
	{ "checkpoint_file_with_a_directory",
	    "[sidelog]\ncheckpoint_file = sub/x.ckpt\n" BASE,
	    "t.ini:2: [sidelog] checkpoint_file: must be a file name, not a "
	    "path (it lives in checkpoint_dir)\n" },
	{ "listen_without_port",
	    "[sidelog]\nlisten = localhost\n" BASE,
	    "t.ini:2: [sidelog] listen: expected HOST:PORT such as "
	    "0.0.0.0:2020, got \"localhost\"\n" },
	{ "shutdown_grace_not_shorter_than_timeout",
	    "[sidelog]\nshutdown_grace = 30s\n" BASE,
	    "t.ini:2: [sidelog] shutdown_grace: must be shorter than "
	    "shutdown_timeout, or the final drain gets no time\n" },
	{ "retry_initial_above_retry_max",
	    BASE OUTPUT "retry_initial = 1m\n",
	    "t.ini:7: [output] retry_initial: must not exceed retry_max\n" },
	{ "memory_limit_below_two_batches",
	    "[sidelog]\nmemory_limit = 1m\n" BASE OUTPUT,
	    "t.ini:2: [sidelog] memory_limit: must be at least twice [output] "
	    "batch_max_bytes\n" },
	{ "max_line_bytes_above_batch_size",
	    "[input.app]\npaths = /x/*.log\nmax_line_bytes = 2m\n" OUTPUT,
	    "t.ini:3: [input.app] max_line_bytes: must not exceed [output] "
	    "batch_max_bytes, or a long line could never be sent\n" },
	{ "metadata_key_inside_a_record_key",
	    BASE "[metadata]\nlog.file = x\n",
	    "t.ini:6: [metadata] log.file: clashes with \"log.file.path\" of "
	    "[output] file_key\n" },
	{ "field_that_would_replace_a_metadata_object",
	    "[metadata]\nkubernetes.pod.name = web-0\n" BASE
	    "[input.b]\npaths = /b/*.log\nfields.kubernetes.pod = x\n",
	    "t.ini:9: [input.b] fields.kubernetes.pod: clashes with "
	    "\"kubernetes.pod.name\" of [metadata] kubernetes.pod.name\n" },
	{ "field_named_stream_with_cri",
	    "[input.k]\npaths = /k/*.log\nparse = cri\nfields.stream = x\n"
	    "[stdout]\nenabled = true\n",
	    "t.ini:4: [input.k] fields.stream: clashes with \"stream\" of "
	    "[input.k] parse\n" },
	{ "dotted_key_with_an_empty_part",
	    BASE "[metadata]\na..b = x\n",
	    "t.ini:6: [metadata] a..b: not a valid dotted key (empty part or "
	    "control character)\n" },
	{ "field_prefix_without_a_name",
	    "[input.app]\npaths = /x/*.log\nfields. = x\n[stdout]\n"
	    "enabled = true\n",
	    "t.ini:3: [input.app] fields.: name missing after \"fields.\"\n" },
};

static void
test_broken(void **state)
{
	const struct broken	*b = *state;
	struct config		*cfg;

	unsetenv("SL_TEST_UNSET");
	cfg = load_text(b->text);
	assert_null(cfg);
	if (b->diag != NULL)
		assert_string_equal(diag, b->diag);
	else {
		const char *want = "t.ini:7: [input.java] multiline.start: "
		    "bad regular expression: ";

		assert_true(strncmp(diag, want, strlen(want)) == 0);
		assert_non_null(strchr(diag, '\n'));
		assert_int_equal(strchr(diag, '\n')[1], '\0');
	}
}

/* --- file-level problems ------------------------------------------------ */

static void
test_missing_file_is_named(void **state)
{
	FILE		*d;
	size_t		 len;

	free(diag);
	diag = NULL;
	d = open_memstream(&diag, &len);
	assert_null(config_load("nope.ini", d));
	fclose(d);
	assert_string_equal(diag, "nope.ini: cannot open: No such file or "
	    "directory\n");
}

static void
test_nul_byte_is_refused(void **state)
{
	static const char	 text[] = "[sidelog]\nwatch = po\0l\n" BASE;
	FILE			*f, *d;
	size_t			 len;

	f = fopen("t.ini", "w");
	assert_non_null(f);
	fwrite(text, 1, sizeof(text) - 1, f);
	fclose(f);
	free(diag);
	diag = NULL;
	d = open_memstream(&diag, &len);
	assert_null(config_load("t.ini", d));
	fclose(d);
	assert_string_equal(diag, "t.ini:2: NUL byte in the file\n");
}

static void
test_overlong_line_is_refused(void **state)
{
	char	*text;
	size_t	 n = 5000;

	text = malloc(n + 256);
	assert_non_null(text);
	memset(text, 'a', n + 256);
	memcpy(text, "[metadata]\nx = ", 15);
	snprintf(text + 15 + n, 256 - 15, "\n%s", BASE);
	assert_null(load_text(text));
	free(text);
	assert_string_equal(diag, "t.ini:2: line longer than 4000 bytes\n");
}

static void
test_errors_are_all_reported(void **state)
{
	assert_null(load_text("[sidelog]\nwatch = x\npoll_interval = y\n"
	    BASE));
	assert_string_equal(diag,
	    "t.ini:2: [sidelog] watch: expected auto, inotify or poll, got "
	    "\"x\"\n"
	    "t.ini:3: [sidelog] poll_interval: expected a duration such as "
	    "500ms, 10s, 5m or 1h, got \"y\"\n");
}

/* --- good files ------------------------------------------------------- */

static void
test_defaults_are_spec_defaults(void **state)
{
	struct config			*c = load_text(BASE OUTPUT);
	const struct config_output	*o;

	assert_non_null(c);
	assert_string_equal(diag, "");
	assert_string_equal(c->checkpoint_dir, "/var/lib/sidelog");
	assert_string_equal(c->checkpoint_file, "sidelog.ckpt");
	assert_int_equal(c->checkpoint_interval_ms, 1000);
	assert_int_equal(c->log_level, 2);
	assert_string_equal(c->listen, "");
	assert_int_equal(c->memory_limit, 32 * 1024 * 1024);
	assert_int_equal(c->shutdown_grace_ms, 0);
	assert_int_equal(c->shutdown_timeout_ms, 25000);
	assert_int_equal(c->poll_interval_ms, 1000);
	assert_int_equal(c->watch, WATCH_AUTO);
	assert_int_equal(c->ninputs, 1);
	assert_int_equal(c->inputs[0].read_from, READ_HEAD);
	assert_int_equal(c->inputs[0].max_line_bytes, 65536);
	assert_null(c->inputs[0].multiline_start);
	assert_int_equal(c->inputs[0].multiline_timeout_ms, 1000);
	assert_int_equal(c->inputs[0].parse, PARSE_NONE);
	o = &c->output;
	assert_int_equal(o->enabled, 1);
	assert_int_equal(o->format, FORMAT_NDJSON);
	assert_int_equal(o->compression, COMPRESS_GZIP);
	assert_int_equal(o->compression_level, 1);
	assert_int_equal(o->timeout_ms, 10000);
	assert_int_equal(o->batch_max_bytes, 1024 * 1024);
	assert_int_equal(o->batch_max_records, 10000);
	assert_int_equal(o->batch_timeout_ms, 1000);
	assert_int_equal(o->max_in_flight, 2);
	assert_int_equal(o->retry_initial_ms, 500);
	assert_int_equal(o->retry_max_ms, 30000);
	assert_int_equal(o->tls_verify, 1);
	assert_int_equal(o->tls_min_version, TLS_V1_2);
	assert_string_equal(o->time_key, "@timestamp");
	assert_string_equal(o->message_key, "message");
	assert_string_equal(o->file_key, "log.file.path");
	assert_string_equal(o->offset_key, "log.offset");
	assert_string_equal(o->id_key, "");
	assert_string_equal(o->es_index, "logs-%Y.%m.%d");
	assert_int_equal(o->es_action, ES_CREATE);
	assert_int_equal(o->es_id, ES_ID_AUTO);
	assert_int_equal(c->emit_enabled, 1);
	assert_int_equal(c->emit_format, EMIT_RAW);
	config_free(c);
}

static void
test_every_kind_of_value_is_read(void **state)
{
	struct config			*c;
	const struct config_input	*in;

	setenv("SL_TEST_POD", "web-0", 1);
	c = load_text(
	    "[sidelog]\n"
	    "memory_limit = 64m ; inline comment\n"
	    "shutdown_grace = 5s\n"
	    "watch = POLL\n"
	    "listen = 0.0.0.0:2020\n"
	    "[input.app]\n"
	    "paths = /a/*.log , /a/x.txt,\n"
	    "exclude = *.gz\n"
	    "read_from = tail\n"
	    "max_line_bytes = 16k\n"
	    "multiline.start = ^[0-9]{4}-\n"
	    "parse = json\n"
	    "fields.team = \"payments ; eu\"\n"
	    "[metadata]\n"
	    "kubernetes.pod.name = ${SL_TEST_POD}\n"
	    "kubernetes.namespace = ${SL_TEST_NS:-default}\n"
	    "[output]\n"
	    "url = http://ch:8123/?query=INSERT\n"
	    "max_in_flight = 4\n"
	    "headers.X-Tenant = t1\n"
	    "[stdout]\n"
	    "enabled = yes\n"
	    "format = json\n");
	assert_non_null(c);
	assert_string_equal(diag, "");
	assert_int_equal(c->memory_limit, 64 * 1024 * 1024);
	assert_int_equal(c->shutdown_grace_ms, 5000);
	assert_int_equal(c->watch, WATCH_POLL);
	in = &c->inputs[0];
	assert_int_equal(in->npaths, 2);
	assert_string_equal(in->paths[0], "/a/*.log");
	assert_string_equal(in->paths[1], "/a/x.txt");
	assert_int_equal(in->nexclude, 1);
	assert_int_equal(in->read_from, READ_TAIL);
	assert_int_equal(in->max_line_bytes, 16384);
	assert_string_equal(in->multiline_start, "^[0-9]{4}-");
	assert_int_equal(in->parse, PARSE_JSON);
	assert_int_equal(in->nfields, 1);
	/* inih cuts at " ;", so a quoted value still loses what follows. */
	assert_string_equal(in->fields[0].key, "team");
	assert_int_equal(c->nmetadata, 2);
	assert_string_equal(c->metadata[0].value, "web-0");
	assert_string_equal(c->metadata[1].value, "default");
	assert_int_equal(c->output.u.tls, 0);
	assert_int_equal(c->output.u.port, 8123);
	assert_string_equal(c->output.u.path, "/?query=INSERT");
	assert_int_equal(c->output.max_in_flight, 4);
	assert_int_equal(c->output.nheaders, 1);
	assert_int_equal(c->emit_format, EMIT_JSON);
	config_free(c);
}

static void
test_quotes_around_a_value_are_removed(void **state)
{
	struct config	*c = load_text(BASE "[metadata]\nteam = \"a b\"\n"
	    "raw = say \"hi\"\n");

	assert_non_null(c);
	assert_string_equal(c->metadata[0].value, "a b");
	assert_string_equal(c->metadata[1].value, "say \"hi\"");
	config_free(c);
}

static void
test_crlf_and_bom_are_accepted(void **state)
{
	struct config	*c = load_text("\xef\xbb\xbf[sidelog]\r\nwatch = poll"
	    "\r\n[input.app]\r\npaths = /x/*.log\r\n[stdout]\r\n"
	    "enabled = true\r\n");

	assert_non_null(c);
	assert_int_equal(c->watch, WATCH_POLL);
	assert_string_equal(c->inputs[0].paths[0], "/x/*.log");
	config_free(c);
}

static void
test_field_may_override_a_metadata_value(void **state)
{
	struct config	*c = load_text("[metadata]\nkubernetes.container.name"
	    " = app\n" BASE "[input.proxy]\npaths = /p/*.log\n"
	    "fields.kubernetes.container.name = envoy\n");

	assert_non_null(c);
	assert_string_equal(diag, "");
	assert_int_equal(c->ninputs, 2);
	assert_string_equal(c->inputs[1].fields[0].value, "envoy");
	config_free(c);
}

static void
test_verify_off_on_https_warns_but_loads(void **state)
{
	struct config	*c = load_text(BASE OUTPUT "tls.verify = false\n");

	assert_non_null(c);
	assert_string_equal(diag, "t.ini:7: warning: [output] tls.verify: "
	    "off: the backend's certificate is not checked, and anyone on the "
	    "path can read the logs and credentials\n");
	config_free(c);
}

static void
test_elasticsearch_without_bulk_path_warns(void **state)
{
	struct config	*c = load_text(BASE "[output]\nurl = https://es:9200/"
	    "logs\nformat = elasticsearch\n");

	assert_non_null(c);
	assert_string_equal(diag, "t.ini:6: warning: [output] url: format = "
	    "elasticsearch but the path has no /_bulk\n");
	config_free(c);
}

static void
test_tls_keys_on_plain_http_warn(void **state)
{
	struct config	*c = load_text(BASE "[output]\nurl = http://h/\n"
	    "tls.server_name = h\n");

	assert_non_null(c);
	assert_string_equal(diag, "t.ini:7: warning: [output] tls.server_name:"
	    " ignored: the URL is http://, not https://\n");
	config_free(c);
}

static void
test_es_keys_with_ndjson_warn(void **state)
{
	struct config	*c = load_text(BASE OUTPUT "es.action = index\n");

	assert_non_null(c);
	assert_string_equal(diag, "t.ini:7: warning: [output] es.action: "
	    "ignored unless format = elasticsearch\n");
	config_free(c);
}

static void
test_id_seed_defaults_to_hostname(void **state)
{
	struct config	*c;

	setenv("HOSTNAME", "web-7", 1);
	c = load_text(BASE);
	assert_non_null(c);
	assert_string_equal(c->output.id_seed, "web-7");
	config_free(c);
}

static void
test_print_redacts_secret_headers(void **state)
{
	struct config	*c = load_text(BASE OUTPUT
	    "headers.X-Api-Key = s3cret\nheaders.X-Tenant = t1\n");
	char		*out = NULL;
	size_t		 len;
	FILE		*f;

	assert_non_null(c);
	f = open_memstream(&out, &len);
	config_print(c, f);
	fclose(f);
	assert_null(strstr(out, "s3cret"));
	assert_non_null(strstr(out, "headers.X-Api-Key = <redacted>\n"));
	assert_non_null(strstr(out, "headers.X-Tenant = t1\n"));
	assert_non_null(strstr(out, "memory_limit = 32m\n"));
	assert_non_null(strstr(out, "retry_initial = 500ms\n"));
	free(out);
	config_free(c);
}

static void
test_printed_config_loads_to_the_same(void **state)
{
	struct config	*c = load_text(BASE OUTPUT "timeout = 90s\n"
	    "[metadata]\nteam = a\n");
	char		*first = NULL, *second = NULL;
	size_t		 len;
	FILE		*f;

	assert_non_null(c);
	f = open_memstream(&first, &len);
	config_print(c, f);
	fclose(f);
	config_free(c);
	c = load_text(first);
	assert_non_null(c);
	f = open_memstream(&second, &len);
	config_print(c, f);
	fclose(f);
	assert_string_equal(first, second);
	free(first);
	free(second);
	config_free(c);
}

/* A rotated API key prints the same, redacted, but is a change. */
static void
test_secret_header_value_change_is_not_same(void **state)
{
	struct config	*a, *b, *c;

	a = load_text(BASE OUTPUT "headers.X-Api-Key = old\n");
	b = load_text(BASE OUTPUT "headers.X-Api-Key = new\n");
	c = load_text(BASE OUTPUT "headers.X-Api-Key = old\n");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_false(config_is_same(a, b));
	assert_true(config_is_same(a, c));
	config_free(a);
	config_free(b);
	config_free(c);
}

static char	 tmpdir[] = "/tmp/sidelog-test-config-XXXXXX";

static int
enter_tmpdir(void **state)
{
	if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) == -1)
		return -1;
	return 0;
}

static int
leave_tmpdir(void **state)
{
	unlink("t.ini");
	if (chdir("/") == 0)
		rmdir(tmpdir);
	free(diag);
	return 0;
}

#define NBROKEN	(sizeof(broken) / sizeof(broken[0]))

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_missing_file_is_named),
		cmocka_unit_test(test_nul_byte_is_refused),
		cmocka_unit_test(test_overlong_line_is_refused),
		cmocka_unit_test(test_errors_are_all_reported),
		cmocka_unit_test(test_defaults_are_spec_defaults),
		cmocka_unit_test(test_every_kind_of_value_is_read),
		cmocka_unit_test(test_quotes_around_a_value_are_removed),
		cmocka_unit_test(test_crlf_and_bom_are_accepted),
		cmocka_unit_test(test_field_may_override_a_metadata_value),
		cmocka_unit_test(test_verify_off_on_https_warns_but_loads),
		cmocka_unit_test(test_elasticsearch_without_bulk_path_warns),
		cmocka_unit_test(test_tls_keys_on_plain_http_warn),
		cmocka_unit_test(test_es_keys_with_ndjson_warn),
		cmocka_unit_test(test_id_seed_defaults_to_hostname),
		cmocka_unit_test(test_print_redacts_secret_headers),
		cmocka_unit_test(test_printed_config_loads_to_the_same),
		cmocka_unit_test(test_secret_header_value_change_is_not_same),
	};
	struct CMUnitTest	 tests[NBROKEN + sizeof(fixed) /
				    sizeof(fixed[0])];
	size_t			 i, n = 0;

	for (i = 0; i < NBROKEN; i++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(
		    test_broken, (void *)&broken[i]);
		tests[n++].name = broken[i].name;
	}
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		tests[n++] = fixed[i];
	return _cmocka_run_group_tests("config", tests, n, enter_tmpdir,
	    leave_tmpdir);
}
