/*
 * main.c: the command line.  It picks the sub-command, parses its
 * arguments, and turns what the sub-command returns into an exit status
 * (0 ok, 1 runtime failure, 2 usage or configuration error).  It is the
 * only file that exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/build_info.h>
#include <zlib.h>

#include "config.h"
#include "log.h"
#include "probe.h"
#include "run.h"
#include "status.h"
#include "tee.h"
#include "value.h"

#define EXIT_RUNTIME	1
#define EXIT_USAGE	2
#define DEFAULT_CONFIG	"/etc/sidelog/sidelog.ini"

static const char usage_text[] =
"usage: sidelog [run] [-c FILE]\n"
"       sidelog check [--offline] [-c FILE]\n"
"       sidelog probe [-c FILE]\n"
"       sidelog status [-c FILE]\n"
"       sidelog tee --out PATH [--max-size SIZE] [--max-files N]\n"
"                   [--format raw|cri] [-- CMD [ARG...]]\n"
"       sidelog install PATH\n"
"       sidelog version | --version | --help\n";

static const char help_text[] =
"\n"
"sidelog ships the log files of a Kubernetes pod to an HTTP backend as\n"
"gzip-compressed NDJSON over TLS, remembering what was delivered in a\n"
"checkpoint so that nothing is lost or sent twice across restarts.\n"
"\n"
"commands:\n"
"  run       ship logs until SIGTERM or SIGINT; SIGHUP reloads (default)\n"
"  check     validate the configuration and print it, secrets redacted;\n"
"            --offline: where the pod is not (CI), list the environment\n"
"            variables, files and directories the pod must provide\n"
"  probe     try the configured output from here without sending a\n"
"            record: resolve, connect, proxy, TLS, credentials, one\n"
"            request; each step with its time; exit 1 at the first that\n"
"            fails, naming it and why\n"
"  status    print each checkpointed file: identity, offsets, lag\n"
"  tee       run CMD (or read stdin), pass its output through unchanged\n"
"            and append every line to size-rotated files\n"
"  install   copy this binary to PATH (for the tee pattern: an init\n"
"            container puts it into a volume the app container shares)\n"
"  version   print the version\n"
"\n"
"options:\n"
"  -c, --config FILE   the INI file; default $SIDELOG_CONFIG, else\n"
"                      " DEFAULT_CONFIG "\n"
"  -h, --help          this text\n"
"\n"
"tee options:\n"
"  --out PATH          file to append lines to (required)\n"
"  --max-size SIZE     rotate when PATH reaches SIZE (default 10m)\n"
"  --max-files N       rotated copies kept, PATH.1 ... PATH.N (default 3)\n"
"  --format raw|cri    raw lines, or the kubelet's CRI log format\n"
"\n"
"exit status: 0 success, 1 runtime failure, 2 usage or configuration\n"
"error.\n";

static int usage(const char *, ...) __attribute__((format(printf, 1, 2)));

static int
usage(const char *fmt, ...)
{
	va_list	 ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		fprintf(stderr, "sidelog: ");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static int
cmd_version(void)
{
	printf("sidelog %s (mbedtls %s, zlib %s, inih r%s)\n",
	    SIDELOG_VERSION, MBEDTLS_VERSION_STRING, ZLIB_VERSION,
	    SIDELOG_INIH_VERSION);
	return 0;
}

/* The argument getopt stopped at; musl steps past argc on a missing
 * option value, glibc does not. */
static const char *
bad_option(int argc, char **argv)
{
	return argv[optind - 1 < argc ? optind - 1 : argc - 1];
}

/* -c FILE for run, check, probe and status, and --offline where
 * offline is given (check); returns the config path. */
static const char *
config_arg(int argc, char **argv, int *offline)
{
	static const struct option	 opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "offline", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*path = NULL;
	int				 ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			exit(0);
		case 'o':
			if (offline != NULL) {
				*offline = 1;
				break;
			}
			/* FALLTHROUGH */
		default:
			usage("unknown or incomplete option %s",
			    bad_option(argc, argv));
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc) {
		usage("unexpected argument \"%s\"", argv[optind]);
		exit(EXIT_USAGE);
	}
	if (path == NULL)
		path = getenv("SIDELOG_CONFIG");
	if (path == NULL || *path == '\0')
		path = DEFAULT_CONFIG;
	return path;
}

static struct config *
load(const char *path, int flags)
{
	struct config	*cfg;

	cfg = config_load_flags(path, stderr, flags);
	if (cfg == NULL)
		exit(EXIT_USAGE);
	log_set_level(cfg->log_level);
	return cfg;
}

static int
cmd_check(int argc, char **argv)
{
	struct config	*cfg;
	const char	*path;
	char		 line[512], warn[256];
	int		 offline = 0, i;

	path = config_arg(argc, argv, &offline);
	cfg = load(path, offline ? CONFIG_OFFLINE : 0);
	if (offline) {
		printf("# %s: valid offline; the pod must provide:\n",
		    cfg->path);
		for (i = 0; i < cfg->nexpects; i++)
			printf("#   %s\n", cfg->expects[i]);
		printf("# the effective configuration, secrets redacted\n");
	} else
		printf("# %s: valid; the effective configuration, secrets "
		    "redacted\n", cfg->path);
	config_print(cfg, stdout);
	run_budget_say(cfg, line, sizeof(line), warn, sizeof(warn));
	printf("# %s\n", line);
	if (cfg->output.enabled)
		printf("# proxy%s: %s\n", offline ? " here (the pod's "
		    "environment decides there)" : "", cfg->output.proxy_why);
	if (*warn != '\0')
		fprintf(stderr, "%s: warning: %s\n", cfg->path, warn);
	config_free(cfg);
	return 0;
}

static int
cmd_run(int argc, char **argv)
{
	const char	*path = config_arg(argc, argv, NULL);

	run_block_signals();
	/* run_main() owns the configuration: a reload replaces it. */
	return run_main(load(path, 0));
}

static int
cmd_probe(int argc, char **argv)
{
	struct config	*cfg = load(config_arg(argc, argv, NULL), 0);
	int		 rc;

	rc = probe_main(cfg, stdout);
	config_free(cfg);
	return rc == 0 ? 0 : EXIT_RUNTIME;
}

static int
cmd_status(int argc, char **argv)
{
	struct config	*cfg = load(config_arg(argc, argv, NULL), 0);
	int		 rc;

	rc = status_main(cfg, stdout);
	config_free(cfg);
	return rc;
}

/* SIZE and N of the tee options, with the message usage() prints. */
static int
tee_number(const char *opt, const char *arg, uint64_t *n, int size)
{
	char	 err[VALUE_ERRLEN];

	if ((size ? value_size(arg, n, err) : value_uint(arg, n, err)) == 0)
		return 0;
	fprintf(stderr, "sidelog: tee: %s: %s\n", opt, err);
	return -1;
}

static int
tee_args(int argc, char **argv, struct tee_opts *o)
{
	static const struct option	 opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "max-size", required_argument, NULL, 's' },
		{ "max-files", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t			 n;
	int				 ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			o->out = optarg;
			break;
		case 's':
			if (tee_number("--max-size", optarg, &n, 1) == -1)
				return -1;
			if (n < TEE_MIN_SIZE) {
				fprintf(stderr, "sidelog: tee: --max-size: at "
				    "least %d bytes\n", TEE_MIN_SIZE);
				return -1;
			}
			o->max_size = n;
			break;
		case 'n':
			if (tee_number("--max-files", optarg, &n, 0) == -1)
				return -1;
			if (n > TEE_MAX_FILES) {
				fprintf(stderr, "sidelog: tee: --max-files: at "
				    "most %d\n", TEE_MAX_FILES);
				return -1;
			}
			o->max_files = (int)n;
			break;
		case 'f':
			if (strcmp(optarg, "raw") == 0)
				o->cri = 0;
			else if (strcmp(optarg, "cri") == 0)
				o->cri = 1;
			else {
				fprintf(stderr, "sidelog: tee: --format: "
				    "expected raw or cri, got \"%s\"\n", optarg);
				return -1;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fprintf(stderr, "sidelog: tee: unknown or incomplete "
			    "option %s\n", bad_option(argc, argv));
			return -1;
		}
	}
	if (o->out == NULL || *o->out == '\0') {
		fprintf(stderr, "sidelog: tee: --out PATH is required\n");
		return -1;
	}
	o->argv = argv + optind;
	return 0;
}

static int
cmd_tee(int argc, char **argv)
{
	struct tee_opts	 o = {
		.max_size = TEE_DEFAULT_SIZE,
		.max_files = TEE_DEFAULT_FILES,
	};

	if (tee_args(argc, argv, &o) == -1)
		return usage(NULL);
	return tee_main(&o);
}

/* Copies in to out; -1 on a short write or a read error. */
static int
copy_fd(int in, int out)
{
	char	 buf[65536];
	ssize_t	 n;

	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0 || write(out, buf, (size_t)n) != n)
			return -1;
	}
}

/*
 * The image is FROM scratch, with no cp: the binary copies itself, from
 * /proc/self/exe, through a temporary file renamed into place.
 */
static int
cmd_install(int argc, char **argv)
{
	char	 tmp[PATH_MAX];
	int	 in, out, ok;

	if (argc != 2)
		return usage("install takes one PATH");
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]) >= (int)sizeof(tmp))
		return usage("install: PATH too long");
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ok = in != -1 && out != -1 && copy_fd(in, out) == 0 &&
	    fchmod(out, 0755) == 0 && fsync(out) == 0;
	if (out != -1 && close(out) == -1)
		ok = 0;
	if (in != -1)
		close(in);
	if (!ok || rename(tmp, argv[1]) == -1) {
		fprintf(stderr, "sidelog: install %s: %s\n", argv[1],
		    strerror(errno));
		unlink(tmp);
		return EXIT_RUNTIME;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*cmd = argc > 1 ? argv[1] : "run";

	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		fputs(help_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0 ||
	    strcmp(cmd, "-V") == 0)
		return argc > 2 ? usage("version takes no arguments") :
		    cmd_version();
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "status") == 0)
		return cmd_status(argc - 1, argv + 1);
	if (strcmp(cmd, "probe") == 0)
		return cmd_probe(argc - 1, argv + 1);
	if (strcmp(cmd, "tee") == 0)
		return cmd_tee(argc - 1, argv + 1);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "install") == 0)
		return cmd_install(argc - 1, argv + 1);
	if (cmd[0] == '-')
		return cmd_run(argc, argv);
	return usage("unknown command \"%s\"", cmd);
}
