// SPDX-License-Identifier: GPL-2.0
/* tests/kernel/extmod/hello.c: an out-of-tree module (make M=) for the 6.12
 * kernel test: a struct of its own, a global and a static function, called
 * each time /proc/btfstream_hello is read, which BPF programs attach to
 * (tests/kernel/progs/probes.bpf.c: on_hello_global, on_hello_static).
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

struct hello_state {
	int magic;		/* HELLO_MAGIC */
	long calls;
};

#define HELLO_MAGIC 0x4b545342	/* "BSTK" */

static struct hello_state state = { .magic = HELLO_MAGIC };

static noinline long hello_static(struct hello_state *s, int step)
{
	s->calls += step;
	return s->calls;
}

noinline int hello_global(struct hello_state *s, int step)
{
	return (int)hello_static(s, step) + s->magic;
}
EXPORT_SYMBOL_GPL(hello_global);

static int hello_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", hello_global(&state, 2));
	return 0;
}

static int __init hello_init(void)
{
	return proc_create_single("btfstream_hello", 0444, NULL, hello_show) ? 0 : -ENOMEM;
}

static void __exit hello_exit(void)
{
	remove_proc_entry("btfstream_hello", NULL);
}

module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
