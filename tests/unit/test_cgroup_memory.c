/* tests/unit/test_cgroup_memory.c: the cgroup memory limit, read from fake
 * /proc/self and cgroup trees (v1, v2, both, a container's own root, escaped
 * mount points, no cgroup at all). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/cgroup_memory.h"
#include "tests/tap.h"

static char top[PATH_MAX];

/* Writes text to top/rel, making the folders on the way. */
static void put(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	for (char *s = strchr(path + strlen(top) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	f = fopen(path, "w");
	if (!f)
		exit(99);
	fputs(text, f);
	fclose(f);
}

/* A fresh case folder top/name, with proc/ and root/ inside. */
static void start(const char *name)
{
	static char base[PATH_MAX / 2];

	if (!*base)
		snprintf(base, sizeof(base), "%.2000s", top);
	snprintf(top, sizeof(top), "%s/%s", base, name);
	mkdir(top, 0755);
}

static uint64_t limit(char *where, size_t wlen)
{
	char proc[PATH_MAX + 8], root[PATH_MAX + 8];

	snprintf(proc, sizeof(proc), "%s/proc", top);
	snprintf(root, sizeof(root), "%s/root", top);
	return cgroup_memory__limit(proc, root, where, wlen);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && !strcmp(s + n - m, tail);
}

#define V1_MOUNT "30 25 0:26 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
#define V2_MOUNT "35 25 0:30 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
#define UNLIMITED_V1 "9223372036854771712\n"

int main(void)
{
	char where[PATH_MAX * 2];
	char tmpl[] = "/tmp/btfs-cgroup-XXXXXX";

	if (!mkdtemp(tmpl))
		return 99;
	snprintf(top, sizeof(top), "%s", tmpl);
	plan(13);

	/* v1: the smallest limit on the way up, the own cgroup unlimited */
	start("v1");
	put("proc/cgroup", "9:name=systemd:/\n4:memory:/a/b\n1:cpu:/\n0::/\n");
	put("proc/mountinfo", "24 1 0:22 / /sys rw - sysfs sysfs rw\n" V1_MOUNT);
	put("root/sys/fs/cgroup/memory/memory.limit_in_bytes", UNLIMITED_V1);
	put("root/sys/fs/cgroup/memory/a/memory.limit_in_bytes", "67108864\n");
	put("root/sys/fs/cgroup/memory/a/b/memory.limit_in_bytes", UNLIMITED_V1);
	is_int(limit(where, sizeof(where)), 64ull << 20, "v1: the parent's 64 MiB, the cgroup itself unlimited");
	ok(ends_with(where, "/root/sys/fs/cgroup/memory/a/memory.limit_in_bytes"), "v1: names the file (%s)", where);

	/* v2: "max" is no limit; the limit of an ancestor counts */
	start("v2");
	put("proc/cgroup", "0::/user.slice/x.scope\n");
	put("proc/mountinfo", "35 25 0:30 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n");
	put("root/sys/fs/cgroup/user.slice/x.scope/memory.max", "max\n");
	put("root/sys/fs/cgroup/user.slice/memory.max", "100000000\n");
	is_int(limit(where, sizeof(where)), 100000000, "v2: the slice's memory.max");
	ok(ends_with(where, "/sys/fs/cgroup/user.slice/memory.max"), "v2: names the file (%s)", where);

	/* v2, the own cgroup smaller than its parent */
	put("root/sys/fs/cgroup/user.slice/x.scope/memory.max", "50000000\n");
	is_int(limit(NULL, 0), 50000000, "v2: the scope's own, smaller limit");

	/* hybrid: v1 memory controller and the unified tree both there; the smaller wins */
	start("hybrid");
	put("proc/cgroup", "4:memory:/job\n0::/job\n");
	put("proc/mountinfo", V1_MOUNT V2_MOUNT);
	put("root/sys/fs/cgroup/memory/job/memory.limit_in_bytes", "300000000\n");
	put("root/sys/fs/cgroup/unified/job/memory.max", "200000000\n");
	is_int(limit(where, sizeof(where)), 200000000, "hybrid: the smaller of v1 and v2");
	put("root/sys/fs/cgroup/unified/job/memory.max", "max\n");
	is_int(limit(NULL, 0), 300000000, "hybrid: v1's when v2 has none");

	/* a container: the mount's root is the container's cgroup */
	start("container");
	put("proc/cgroup", "0::/docker/abc/inner\n");
	put("proc/mountinfo", "40 30 0:31 /docker/abc /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n");
	put("root/sys/fs/cgroup/memory.max", "80000000\n");
	put("root/sys/fs/cgroup/inner/memory.max", "max\n");
	is_int(limit(where, sizeof(where)), 80000000, "container: the path below the mount's root");
	ok(ends_with(where, "/root/sys/fs/cgroup/memory.max"), "container: the mount's root file (%s)", where);

	/* a cgroup namespace: the path is outside the mount's root */
	put("proc/cgroup", "0::/\n");
	is_int(limit(NULL, 0), 80000000, "namespace: '/' is the mount's root");

	/* an escaped mount point (a space) */
	start("escaped");
	put("proc/cgroup", "0::/j\n");
	put("proc/mountinfo", "35 25 0:30 / /cg\\040root rw - cgroup2 cgroup2 rw\n");
	put("root/cg root/j/memory.max", "123456789\n");
	is_int(limit(NULL, 0), 123456789, "mountinfo's \\040 is a space");

	/* nothing: no cgroup file system mounted, or no files at all */
	start("none");
	put("proc/cgroup", "0::/\n");
	put("proc/mountinfo", "24 1 0:22 / /sys rw - sysfs sysfs rw\n");
	is_int(limit(where, sizeof(where)), 0, "no cgroup mount: no limit");
	start("empty");
	is_int(limit(NULL, 0), 0, "no /proc files: no limit");

	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd))
			return 99;
	}
	return exit_status();
}
