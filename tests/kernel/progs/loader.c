// SPDX-License-Identifier: GPL-2.0
/* tests/kernel/progs/loader.c: runs one BPF test inside the test kernel and
 * prints one line: "BTFTEST ok NAME" or "BTFTEST not ok NAME: why".
 * Linked statically with libbpf (the initramfs has no libraries).
 *
 *   loader getpid FUNC   fentry on FUNC, task->pid read by CO-RE
 *   loader read          fentry on ksys_read: fd and count as passed
 *   loader ksym FUNC     typed per-CPU __ksym runqueues, cpu 0
 *   loader configfs      fexit on configfs.ko's configfs_fill_super
 *   loader user TAGGED   direct read of a __user pointer: refused if TAGGED
 *                        is 1 (type tags in the BTF), else it loads
 *   loader extmod        fentry/fexit on an out-of-tree module's global and
 *                        static function, its struct read by CO-RE
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "probes.skel.h"	/* bpftool gen skeleton probes.bpf.o, at test time */
#include "results.h"

/* The programs' results (their map "results"). */
static struct results get(struct probes *sk)
{
	struct results r = { 0 };
	int zero = 0;

	bpf_map__lookup_elem(sk->maps.results, &zero, sizeof(zero), &r, sizeof(r), 0);
	return r;
}

static char verifier_log[1 << 16];
static const char *test_name = "?";

/* The end of the verifier's log, where it says why, on one line. */
static const char *log_tail(void)
{
	size_t n = strlen(verifier_log);
	char *p = verifier_log + (n > 600 ? n - 600 : 0);

	for (char *q = p; *q; q++)
		if (*q == '\n')
			*q = ' ';
	return p;
}

static int result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("BTFTEST %s %s", ok ? "ok" : "not ok", test_name);
	if (fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	return ok ? 0 : 1;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		vfprintf(stderr, fmt, ap);
	return 0;
}

/* The skeleton with only program prog enabled (attached to target if
 * given), loaded; NULL (said) on failure. */
static struct probes *load_one(const char *prog, const char *target, struct bpf_program **out)
{
	struct probes *sk = probes__open();
	struct bpf_program *p;

	if (!sk) {
		result(0, "cannot open the BPF object: %s", strerror(errno));
		return NULL;
	}
	bpf_object__for_each_program(p, sk->obj) {
		bool mine = !strcmp(bpf_program__name(p), prog);

		bpf_program__set_autoload(p, mine);
		if (!mine)
			continue;
		*out = p;
		bpf_program__set_log_buf(p, verifier_log, sizeof(verifier_log));
		if (target && bpf_program__set_attach_target(p, 0, target)) {
			result(0, "no attach target %s", target);
			return NULL;
		}
	}
	if (probes__load(sk)) {
		result(0, "load failed: %s", log_tail());
		return NULL;
	}
	{
		struct results r = { .watch_pid = getpid() };
		int zero = 0;

		if (bpf_map__update_elem(sk->maps.results, &zero, sizeof(zero), &r, sizeof(r), 0)) {
			result(0, "cannot write the results map: %s", strerror(errno));
			return NULL;
		}
	}
	return sk;
}

/* load_one, then attach. */
static struct probes *start(const char *prog, const char *target)
{
	struct bpf_program *p = NULL;
	struct probes *sk = load_one(prog, target, &p);

	if (sk && !bpf_program__attach(p)) {
		result(0, "attach failed: %s", strerror(errno));
		return NULL;
	}
	return sk;
}

static int t_getpid(const char *prog, const char *func)
{
	struct probes *sk = start(prog, func);
	struct results r;
	int pid;

	if (!sk)
		return 1;
	pid = (int)syscall(39 /* getpid, not glibc's cached value */);
	r = get(sk);
	if (!strcmp(prog, "on_getpid_rq"))
		return result(r.rq_seen && r.rq_cpu == 0, "runqueues on cpu 0: seen %d, cpu %d", r.rq_seen, r.rq_cpu);
	return result(r.seen_pid == pid && r.seen_tgid == pid, "pid %d, the program read pid %d tgid %d", pid,
		      r.seen_pid, r.seen_tgid);
}

static int t_read(void)
{
	struct probes *sk = start("on_read", NULL);
	int fd = open("/proc/self/stat", O_RDONLY);
	struct results r;
	char buf[64];

	if (!sk)
		return 1;
	if (read(fd, buf, 7) != 7)
		return result(0, "read failed");
	r = get(sk);
	return result(r.read_calls >= 1 && r.read_fd == fd && r.read_count == 7,
		      "read(%d, buf, 7): the program saw fd %ld count %ld (%ld calls)", fd, r.read_fd, r.read_count,
		      r.read_calls);
}

static int t_configfs(void)
{
	struct probes *sk = start("on_fill_super", NULL);
	struct results r;

	if (!sk)
		return 1;
	mkdir("/cfg", 0755);
	if (mount("none", "/cfg", "configfs", 0, NULL))
		return result(0, "mount configfs: %s", strerror(errno));
	r = get(sk);
	return result(r.fill_calls == 1 && r.fill_ret == 0 && r.sb_magic == 0x62656570 && r.dirent_type == 1,
		      "configfs_fill_super: %d calls, ret %d, s_magic %#lx, root dirent s_type %d", r.fill_calls,
		      r.fill_ret, r.sb_magic, r.dirent_type);
}

/* The out-of-tree module: fentry on hello_global, fexit on hello_static,
 * triggered by reading /proc/btfstream_hello (each read adds 2). */
static int t_extmod(void)
{
	struct probes *g = start("on_hello_global", "hello_global");
	struct probes *st = start("on_hello_static", "hello_static");
	struct results rg, rs;
	char buf[64];
	int fd;

	if (!g || !st)
		return 1;
	fd = open("/proc/btfstream_hello", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
		return result(0, "cannot read /proc/btfstream_hello");
	rg = get(g);
	rs = get(st);
	return result(rg.hello_magic == 0x4b545342 && rg.hello_step == 2 && rs.hello_calls >= 2,
		      "hello_global saw magic %#x step %d; hello_static returned %ld", rg.hello_magic, rg.hello_step,
		      rs.hello_calls);
}

static int t_user(int tagged)
{
	struct probes *sk = probes__open();
	struct bpf_program *p;
	int err;

	if (!sk)
		return result(0, "cannot open the BPF object");
	bpf_object__for_each_program(p, sk->obj) {
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), "user_deref"));
		bpf_program__set_log_buf(p, verifier_log, sizeof(verifier_log));
	}
	err = probes__load(sk);
	if (tagged) {
		const char *why = strstr(verifier_log, "user memory");

		while (why && why > verifier_log && why[-1] != ';' && why[-1] != '\n')
			why--;	/* the start of the verifier's sentence */
		return result(err && why, "a direct read of a __user pointer: %.*s", why ? 60 : 7,
			      why ? why : "loaded");
	}
	return result(!err, "a direct read of a __user pointer without type tags: %s", err ? log_tail() : "loaded");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(quiet);
	if (argc < 2)
		return fprintf(stderr, "usage: loader TEST [ARG]\n"), 2;
	test_name = argv[1];
	if (!strcmp(argv[1], "getpid") && argc == 3)
		return t_getpid("on_getpid", argv[2]);
	if (!strcmp(argv[1], "ksym") && argc == 3)
		return t_getpid("on_getpid_rq", argv[2]);
	if (!strcmp(argv[1], "read"))
		return t_read();
	if (!strcmp(argv[1], "configfs"))
		return t_configfs();
	if (!strcmp(argv[1], "extmod"))
		return t_extmod();
	if (!strcmp(argv[1], "user") && argc == 3)
		return t_user(atoi(argv[2]));
	return result(0, "unknown test");
}
