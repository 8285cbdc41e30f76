/* tests/kernel/progs/results.h: what the BPF programs (probes.bpf.c) leave
 * in their map for the loader (loader.c); both sides include it. */
#ifndef BTFSTREAM_KERNEL_RESULTS_H
#define BTFSTREAM_KERNEL_RESULTS_H

struct results {
	int watch_pid;			/* set by the loader: its own tgid */
	int seen_pid, seen_tgid;	/* on_getpid */
	long read_fd, read_count, read_calls;	/* on_read */
	int rq_cpu, rq_seen;		/* on_getpid_rq */
	unsigned long sb_magic;		/* on_fill_super */
	int dirent_type, fill_ret, fill_calls;
	int user_fd;			/* user_deref */
	int hello_magic, hello_step;	/* on_hello_global, on_hello_static */
	long hello_calls;
};

#endif
