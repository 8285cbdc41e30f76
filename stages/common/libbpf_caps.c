/* stages/common/libbpf_caps.c: see libbpf_caps.h. */
#include "stages/common/libbpf_caps.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>
#include <pthread.h>
#include <string.h>

/* Resolved at load time: NULL where libbpf.so.1 does not export it. */
#pragma weak btf__new_split

static struct libbpf_caps caps;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* One INT whose name offset (1) is past its string section, which is just "". */
static bool names_checked(void)
{
	struct {
		struct btf_header h;
		struct btf_type t;
		uint32_t enc;
		char strs[1];
	} __attribute__((packed)) raw = {
		.h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(struct btf_header),
		       .type_off = 0, .type_len = sizeof(struct btf_type) + 4,
		       .str_off = sizeof(struct btf_type) + 4, .str_len = 1 },
		.t = { .name_off = 1, .info = BTF_KIND_INT << 24, .size = 4 },
		.enc = 32,
	};
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	struct btf *btf = btf__new(&raw, sizeof(raw));

	libbpf_set_print(old);
	btf__free(btf);
	return !btf;
}

static void probe(void)
{
	caps.names_checked = names_checked();
	caps.new_split = btf__new_split ? btf__new_split : NULL;
}

const struct libbpf_caps *libbpf_caps__get(void)
{
	pthread_once(&once, probe);
	return &caps;
}
