// SPDX-License-Identifier: GPL-2.0
/* tests/kernel/progs/probes.bpf.c: BPF CO-RE programs run inside the test
 * kernel against the BTF btfstream made for it (tests/kernel/check-kernel.sh).
 * Built with clang -target bpf against a vmlinux.h dumped from that BTF. The
 * loader (loader.c) loads one program at a time and reads its results from
 * the map "results" (not from global variables: libbpf 1.1 probes for
 * global data with a socket filter, which a kernel without CONFIG_NET
 * refuses).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#include "results.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct results);
} results SEC(".maps");

static struct results *res(void)
{
	int zero = 0;

	return bpf_map_lookup_elem(&results, &zero);
}

/* only the loader's own calls count */
static struct results *mine(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct results *r = res();

	return r && BPF_CORE_READ(t, tgid) == r->watch_pid ? r : 0;
}

/* fentry on the getpid path (the loader sets the target: __do_sys_getpid,
 * or __task_pid_nr_ns where getpid's syscall body is only an alias):
 * task->pid through a CO-RE relocation */
SEC("fentry")
int BPF_PROG(on_getpid)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct results *r = mine();

	if (!r)
		return 0;
	r->seen_pid = BPF_CORE_READ(t, pid);
	r->seen_tgid = BPF_CORE_READ(t, tgid);
	return 0;
}

/* fentry on ksys_read: its arguments as the FUNC_PROTO names them */
SEC("fentry/ksys_read")
int BPF_PROG(on_read, unsigned int fd, char *buf, size_t count)
{
	struct results *r = mine();

	if (!r)
		return 0;
	r->read_fd = fd;
	r->read_count = count;
	r->read_calls++;
	return 0;
}

/* a typed per-CPU __ksym: the VAR and DATASEC of the vmlinux BTF */
extern struct rq runqueues __ksym;

SEC("fentry")
int BPF_PROG(on_getpid_rq)
{
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, 0);
	struct results *r = mine();

	if (!r || !rq)
		return 0;
	r->rq_cpu = BPF_CORE_READ(rq, cpu);
	r->rq_seen = 1;
	return 0;
}

/* a module's own struct, relocated against the module's split BTF */
struct configfs_dirent___btfstream {
	int s_type;
} __attribute__((preserve_access_index));

/* fexit on configfs.ko's configfs_fill_super(sb, fc): the super block's
 * magic and the type of the root's configfs_dirent (CONFIGFS_ROOT, 1) */
SEC("fexit/configfs_fill_super")
int BPF_PROG(on_fill_super, struct super_block *sb, void *fc, int ret)
{
	struct configfs_dirent___btfstream *sd = BPF_CORE_READ(sb, s_root, d_fsdata);
	struct results *r = res();

	if (!r)
		return 0;
	r->fill_calls++;
	r->fill_ret = ret;
	r->sb_magic = BPF_CORE_READ(sb, s_magic);
	r->dirent_type = BPF_CORE_READ(sd, s_type);
	return 0;
}

/* do_sys_poll's ufds is "struct pollfd __user *": where the BTF carries
 * the __user type tag (clang kernels) the verifier refuses a direct read
 * ("access user memory"); without it (GCC 12 emits no type tags) the read
 * is allowed. */
SEC("fentry/do_sys_poll")
int BPF_PROG(user_deref, struct pollfd *ufds, unsigned int nfds)
{
	struct results *r = res();

	if (r)
		r->user_fd = ufds->fd;
	return 0;
}

/* 6.12: an out-of-tree module's global and static function, its struct
 * relocated against the module's split BTF (tests/kernel/extmod) */
struct hello_state___btfstream {
	int magic;
	long calls;
} __attribute__((preserve_access_index));

SEC("fentry")
int BPF_PROG(on_hello_global, struct hello_state___btfstream *s, int step)
{
	struct results *r = res();

	if (!r)
		return 0;
	r->hello_magic = BPF_CORE_READ(s, magic);
	r->hello_step = step;
	return 0;
}

SEC("fexit")
int BPF_PROG(on_hello_static, struct hello_state___btfstream *s, int step, long ret)
{
	struct results *r = res();

	if (r)
		r->hello_calls = ret;
	return 0;
}
