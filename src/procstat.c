/*
 * procstat.c: the process metrics, named and computed as the Prometheus
 * client libraries do, so that dashboards made for any exporter work:
 * CPU from getrusage() (every thread), memory from /proc/self/statm, the
 * start from /proc/self/stat's clock ticks after /proc/stat's btime,
 * descriptors counted in /proc/self/fd against RLIMIT_NOFILE.  What the
 * kernel does not say is left out, not made up.
 */
#include <sys/resource.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "procstat.h"

#define HEAD(b, name, type, help)					\
	metrics_printf(b, "# HELP " name " " help "\n# TYPE " name " " type "\n")

static double
seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void
cpu(struct metrics_buf *b)
{
	struct rusage	 ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return;
	HEAD(b, "process_cpu_seconds_total", "counter",
	    "User and system CPU time spent in seconds.");
	metrics_printf(b, "process_cpu_seconds_total %.3f\n",
	    seconds(&ru.ru_utime) + seconds(&ru.ru_stime));
}

static void
memory(struct metrics_buf *b)
{
	unsigned long long	 size, rss;
	long			 page = sysconf(_SC_PAGESIZE);
	FILE			*f = fopen("/proc/self/statm", "re");
	int			 n;

	if (f == NULL)
		return;
	n = fscanf(f, "%llu %llu", &size, &rss);
	fclose(f);
	if (n != 2 || page <= 0)
		return;
	HEAD(b, "process_resident_memory_bytes", "gauge",
	    "Resident memory size in bytes.");
	metrics_printf(b, "process_resident_memory_bytes %llu\n",
	    rss * (unsigned long long)page);
	HEAD(b, "process_virtual_memory_bytes", "gauge",
	    "Virtual memory size in bytes.");
	metrics_printf(b, "process_virtual_memory_bytes %llu\n",
	    size * (unsigned long long)page);
}

/* The boot time, seconds since the epoch; 0 if unknown. */
static unsigned long long
boot_time(void)
{
	char			 line[256];
	unsigned long long	 t = 0;
	FILE			*f = fopen("/proc/stat", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "btime %llu", &t) == 1)
			break;
	fclose(f);
	return t;
}

static void
start_time(struct metrics_buf *b)
{
	char			 buf[1024], *p;
	unsigned long long	 ticks, boot = boot_time();
	long			 hz = sysconf(_SC_CLK_TCK);
	size_t			 n;
	int			 i;
	FILE			*f = fopen("/proc/self/stat", "re");

	if (f == NULL)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The name may hold spaces and parentheses: count from its end.
	 * starttime is field 22, the 20th after the name. */
	if ((p = strrchr(buf, ')')) == NULL || boot == 0 || hz <= 0)
		return;
	for (i = 0; i < 20 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, "%llu", &ticks) != 1)
		return;
	HEAD(b, "process_start_time_seconds", "gauge",
	    "Start time of the process since unix epoch in seconds.");
	metrics_printf(b, "process_start_time_seconds %.2f\n",
	    (double)boot + (double)ticks / (double)hz);
}

static void
fds(struct metrics_buf *b)
{
	struct rlimit	 rl;
	struct dirent	*e;
	DIR		*d = opendir("/proc/self/fd");
	long		 n = 0;

	if (d != NULL) {
		while ((e = readdir(d)) != NULL)
			n += e->d_name[0] != '.';
		closedir(d);
		HEAD(b, "process_open_fds", "gauge",
		    "Number of open file descriptors.");
		/* Less the one this count held open. */
		metrics_printf(b, "process_open_fds %ld\n", n - 1);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		HEAD(b, "process_max_fds", "gauge",
		    "Maximum number of open file descriptors.");
		metrics_printf(b, "process_max_fds %llu\n",
		    (unsigned long long)rl.rlim_cur);
	}
}

void
procstat_collect(struct metrics_buf *b)
{
	cpu(b);
	memory(b);
	start_time(b);
	fds(b);
}
