// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommu-trace: record the kernel's IOMMU map, unmap and fault events
 * (tracepoints iommu:map, iommu:unmap, iommu:io_page_fault) as a trace
 * (sim/TRACE.md) that `iommu-sim replay` rebuilds. Needs root (or
 * CAP_BPF + CAP_PERFMON) and tracefs mounted at /sys/kernel/tracing.
 *
 *   iommu-trace [-o FILE] [-d SECONDS] [-p PID | -a] [-v] [-- COMMAND [ARG...]]
 *   iommu-trace --check
 *
 * With COMMAND it runs it and records until it exits, keeping map/unmap
 * of that process only unless -a (faults are always kept: they arrive in
 * interrupt context); it exits with COMMAND's status. With -p it keeps
 * map/unmap of process PID and stops when it is gone. Otherwise it
 * records every process until SIGINT/SIGTERM or -d. The trace header is
 * written (and flushed) once the tracepoints are attached: a script can
 * wait for it before starting the work to trace. --check loads and
 * attaches, then exits.
 * Exit status: 0, 1 on errors (also when records were dropped), 2 for
 * usage, 3 when this kernel cannot run the tracer (no BPF, no
 * permission, no iommu tracepoints).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "iommu-trace-fmt.h"
#include "iommu-trace.skel.h"

#define EXIT_UNSUPPORTED 3

static volatile sig_atomic_t stop;
static int verbose;

struct out {
	FILE *f;
	struct iommu_trace_clock clock;
	unsigned long events;
	unsigned long bad;
	int err;
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct out *o = ctx;
	struct trace_event ev;
	int rc;

	if (len < sizeof(struct iommu_trace_raw)) {
		o->bad++;
		return 0;
	}
	rc = iommu_trace_format(data, &o->clock, &ev);
	if (rc < 0) {
		o->bad++;
		return 0;
	}
	if (rc > 0)
		return 0;
	if (trace_write_event(o->f, &ev)) {
		o->err = -EIO;
		return -EIO; /* stops the ring-buffer poll */
	}
	o->events++;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iommu-trace [-o FILE] [-d SECONDS] [-p PID | -a] [-v] [-- COMMAND [ARG...]]\n"
		"       iommu-trace --check\n"
		"Record the kernel's iommu:map, iommu:unmap and iommu:io_page_fault\n"
		"events as an iommupt trace (sim/TRACE.md).\n"
		"  -o FILE     write the trace to FILE (default: standard output)\n"
		"  -d SECONDS  stop after SECONDS\n"
		"  -p PID      keep map/unmap of process PID; stop when it exits\n"
		"  -a          with COMMAND: keep map/unmap of every process\n"
		"  -v          libbpf's messages (twice: debug)\n"
		"  --check     load and attach the BPF program, then exit\n");
}

/* Errors that say this kernel or this user cannot trace at all. */
static int unsupported(int err)
{
	return err == -EPERM || err == -EACCES || err == -ENOSYS ||
	       err == -ENOENT || err == -EOPNOTSUPP || err == -EINVAL;
}

/*
 * The kernel's description of each tracepoint against the records the BPF
 * program declares. 0 when they match, 1 when the format files cannot be
 * read (the attach then says why), -1 on a mismatch.
 */
static int check_formats(void)
{
	static const char *const roots[] = { "/sys/kernel/tracing",
					     "/sys/kernel/debug/tracing" };
	static const char *const events[] = { "map", "unmap",
					      "io_page_fault" };
	char path[128], text[4096];
	unsigned int e, r, n;

	for (e = 0; e < 3; e++) {
		const struct iommu_trace_field *want =
			iommu_trace_fields(events[e], &n);
		const char *bad = NULL;
		size_t len = 0;
		FILE *f = NULL;

		for (r = 0; r < 2 && !f; r++) {
			snprintf(path, sizeof(path),
				 "%s/events/iommu/%s/format", roots[r],
				 events[e]);
			f = fopen(path, "r");
		}
		if (!f)
			return 1;
		len = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[len] = '\0';
		if (iommu_trace_check_format(text, want, n, &bad)) {
			fprintf(stderr,
				"iommu-trace: %s: field %s is not where "
				"iommu-trace.bpf.c reads it\n", path, bad);
			return -1;
		}
	}
	return 0;
}

/* A child that waits on fd until we close our end, then runs argv. */
static pid_t spawn_held(char **argv, int *release_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[1]);
		/* EOF without a byte: the tracer gave up; do not run. */
		if (read(p[0], &c, 1) != 1)
			_exit(127);
		close(p[0]);
		execvp(argv[0], argv);
		fprintf(stderr, "iommu-trace: %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*release_fd = p[1];
	return pid;
}

int main(int argc, char **argv)
{
	struct iommu_trace_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct out o = { 0 };
	const char *path = NULL;
	double secs = 0;
	int all = 0, check = 0, opt, rc, status = 0, release = -1;
	int exit_code = 0, child_done = 0;
	pid_t child = 0, target = 0;
	uint64_t deadline = 0;
	struct sigaction sa;

	static const char *const short_opts = "+o:d:p:avh";
	for (;;) {
		if (optind < argc && !strcmp(argv[optind], "--check")) {
			check = 1;
			optind++;
			continue;
		}
		opt = getopt(argc, argv, short_opts);
		if (opt == -1)
			break;
		switch (opt) {
		case 'o':
			path = optarg;
			break;
		case 'd': {
			char *end;

			secs = strtod(optarg, &end);
			if (*end || !(secs > 0) || secs > 1e6) {
				fprintf(stderr, "iommu-trace: bad -d %s\n",
					optarg);
				return 2;
			}
			break;
		}
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v <= 0 || v > 0x7fffffffL) {
				fprintf(stderr, "iommu-trace: bad -p %s\n",
					optarg);
				return 2;
			}
			target = (pid_t)v;
			break;
		}
		case 'a':
			all = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if ((check && optind < argc) || (target && (all || optind < argc))) {
		usage(stderr);
		return 2;
	}
	libbpf_set_print(libbpf_log);
	rc = check_formats();
	if (rc < 0)
		return 1;
	if (check)
		printf("iommu-trace: tracepoint formats %s\n",
		       rc ? "not readable (no tracefs?)" :
			    "match the BPF program's records");
	fflush(stdout);

	skel = iommu_trace_bpf__open();
	if (!skel) {
		rc = -errno;
		fprintf(stderr, "iommu-trace: cannot open the BPF object: %s\n",
			strerror(-rc));
		return unsupported(rc) ? EXIT_UNSUPPORTED : 1;
	}
	if (optind < argc) {
		child = spawn_held(argv + optind, &release);
		if (child < 0) {
			perror("iommu-trace: fork");
			iommu_trace_bpf__destroy(skel);
			return 1;
		}
		if (!all)
			skel->rodata->target_tgid = (__u32)child;
	}
	if (target)
		skel->rodata->target_tgid = (__u32)target;
	rc = iommu_trace_bpf__load(skel);
	if (!rc)
		rc = iommu_trace_bpf__attach(skel);
	if (rc) {
		fprintf(stderr,
			"iommu-trace: cannot load/attach the BPF program: %s "
			"(root? tracefs at /sys/kernel/tracing? iommu "
			"tracepoints in this kernel?)\n", strerror(-rc));
		exit_code = unsupported(rc) ? EXIT_UNSUPPORTED : 1;
		goto out;
	}
	if (check) {
		printf("iommu-trace: BPF program loaded and attached\n");
		goto out;
	}
	o.f = stdout;
	if (path) {
		o.f = fopen(path, "w");
		if (!o.f) {
			fprintf(stderr, "iommu-trace: %s: %s\n", path,
				strerror(errno));
			exit_code = 1;
			goto out;
		}
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_record, &o,
			      NULL);
	if (!rb) {
		fprintf(stderr, "iommu-trace: ring buffer: %s\n",
			strerror(errno));
		exit_code = 1;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	o.clock.t0 = now_ns();
	if (secs > 0)
		deadline = o.clock.t0 + (uint64_t)(secs * 1e9);
	if (trace_write_header(o.f)) {
		exit_code = 1;
		goto out;
	}
	fprintf(o.f, "# iommu-trace: iommu:map/unmap carry no device (-) "
		     "and no permission (rw)\n");
	if (fflush(o.f)) {
		exit_code = 1;
		goto out;
	}
	if (release >= 0) {
		/* Attached: let COMMAND run. */
		if (write(release, "g", 1) != 1)
			perror("iommu-trace: release");
		close(release);
		release = -1;
	}
	while (!stop && !o.err) {
		rc = ring_buffer__poll(rb, 100);
		if (rc < 0 && rc != -EINTR) {
			if (!o.err)
				fprintf(stderr, "iommu-trace: poll: %s\n",
					strerror(-rc));
			break;
		}
		if (child && waitpid(child, &status, WNOHANG) == child) {
			child_done = 1;
			break;
		}
		if (deadline && now_ns() >= deadline)
			break;
		if (target && kill(target, 0) && errno == ESRCH)
			break;
	}
	/* What the kernel wrote before we stopped. */
	if (!o.err)
		ring_buffer__consume(rb);
	if (skel->bss->dropped) {
		fprintf(o.f, "# iommu-trace: %llu records dropped "
			     "(ring buffer full)\n",
			(unsigned long long)skel->bss->dropped);
		fprintf(stderr, "iommu-trace: %llu records dropped\n",
			(unsigned long long)skel->bss->dropped);
		exit_code = 1;
	}
	if (o.bad) {
		fprintf(stderr, "iommu-trace: %lu malformed records\n", o.bad);
		exit_code = 1;
	}
	if (o.err || fflush(o.f)) {
		fprintf(stderr, "iommu-trace: write error\n");
		exit_code = 1;
	}
	if (verbose)
		fprintf(stderr, "iommu-trace: %lu events\n", o.events);
out:
	if (release >= 0)
		close(release); /* the held child exits without running */
	if (child > 0 && !child_done) {
		if (exit_code || stop)
			kill(child, SIGTERM);
		if (waitpid(child, &status, 0) == child)
			child_done = 1;
	}
	ring_buffer__free(rb);
	iommu_trace_bpf__destroy(skel);
	if (o.f && o.f != stdout)
		fclose(o.f);
	if (child > 0 && child_done && !exit_code) {
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
	return exit_code;
}
