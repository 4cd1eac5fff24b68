/*
 * procstat.h: the process metrics every Prometheus exporter serves
 * (process_cpu_seconds_total, process_resident_memory_bytes, ...), read
 * from the kernel when /metrics is asked.
 */
#ifndef SIDELOG_PROCSTAT_H
#define SIDELOG_PROCSTAT_H

struct metrics_buf;

void	procstat_collect(struct metrics_buf *);

#endif
