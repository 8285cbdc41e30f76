/* pipeline/huge_heap.c: see huge_heap.h. */
#include "pipeline/huge_heap.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#define TUNABLE "glibc.malloc.hugetlb"
#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

static char described[256] = "4 KiB pages: not decided";
static bool on;

const char *huge_heap__mode(const char *line)
{
	static const char *const modes[] = { "always", "madvise", "never" };
	char want[16];

	for (size_t i = 0; line && i < sizeof(modes) / sizeof(modes[0]); i++) {
		snprintf(want, sizeof(want), "[%s]", modes[i]);
		if (strstr(line, want))
			return modes[i];
	}
	return NULL;
}

bool huge_heap__tunable(const char *tunables, char *val, size_t len)
{
	const char *p = tunables;
	size_t n = strlen(TUNABLE);

	while (p && (p = strstr(p, TUNABLE)) != NULL) {
		if ((p == tunables || p[-1] == ':') && p[n] == '=') {
			size_t vlen = strcspn(p + n + 1, ":");

			snprintf(val, len, "%.*s", (int)(vlen < len ? vlen : len - 1), p + n + 1);
			return true;
		}
		p += n;
	}
	return false;
}

/* glibc reads the tunable from 2.35 on; false with why otherwise. */
static bool glibc_reads_it(char *why, size_t wlen)
{
#ifdef __GLIBC__
	unsigned int major = 0, minor = 0;
	const char *v = gnu_get_libc_version();

	if (sscanf(v, "%u.%u", &major, &minor) == 2 && (major > 2 || (major == 2 && minor >= 35)))
		return true;
	snprintf(why, wlen, "glibc %s has no %s (2.35 or newer)", v, TUNABLE);
#else
	snprintf(why, wlen, "not glibc");
#endif
	return false;
}

/* The kernel's THP mode is "madvise"; false with why otherwise. */
static bool kernel_wants_madvise(char *why, size_t wlen)
{
	char line[128] = "";
	FILE *f = fopen(THP_ENABLED, "re");
	const char *mode;

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	mode = huge_heap__mode(line);
	if (mode && !strcmp(mode, "madvise"))
		return true;
	if (mode)
		snprintf(why, wlen, "the kernel's THP mode is \"%s\", not \"madvise\"", mode);
	else
		snprintf(why, wlen, "no THP mode in %s", THP_ENABLED);
	return false;
}

/* malloc is glibc's own: the tunable acts on nothing else. A preloaded
 * library (valgrind's, a test's, another allocator) may own it, and a
 * second start would leave valgrind behind; a sanitizer's runtime owns it
 * in the binary itself. False with why otherwise. */
static bool malloc_is_glibcs(char *why, size_t wlen)
{
	const char *preload = getenv("LD_PRELOAD");
	Dl_info where;

	if (preload && *preload) {
		snprintf(why, wlen, "LD_PRELOAD is set (a preloaded library may own malloc)");
		return false;
	}
	if (dladdr((void *)malloc, &where) && where.dli_fname && !strstr(where.dli_fname, "libc.so")) {
		snprintf(why, wlen, "malloc is not glibc's (it is in %s)", where.dli_fname);
		return false;
	}
	return true;
}

/* /proc/self/exe is this program: not so when it was started through the
 * dynamic loader ("ld-linux-x86-64.so.2 btfstream ..."), where the loader
 * is what /proc/self/exe names and would take the first argument for the
 * program. The loader sets AT_EXECFN to the program's path; false with why
 * when that file is not the one /proc/self/exe names. */
static bool exe_is_program(char *why, size_t wlen)
{
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	struct stat prog, exe;

	if (execfn && !stat(execfn, &prog) && !stat("/proc/self/exe", &exe) && prog.st_dev == exe.st_dev &&
	    prog.st_ino == exe.st_ino)
		return true;
	snprintf(why, wlen, "/proc/self/exe is not %s (started through the dynamic loader?)",
		 execfn ? execfn : "this program");
	return false;
}

/* GLIBC_TUNABLES with the tunable on, in the environment; false if out of memory. */
static bool add_tunable(void)
{
	const char *old = getenv("GLIBC_TUNABLES");
	size_t len = (old ? strlen(old) + 1 : 0) + sizeof(TUNABLE "=1");
	char *val = malloc(len);
	bool ok;

	if (!val)
		return false;
	snprintf(val, len, "%s%s%s", old ? old : "", old && *old ? ":" : "", TUNABLE "=1");
	ok = !setenv("GLIBC_TUNABLES", val, 1);
	free(val);
	return ok;
}

/* The process's name (ps, top, pkill) as the one that ran it: an execv of
 * /proc/self/exe names the process "exe". */
static void keep_name(const char *argv0)
{
	char comm[32] = "";
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;
	FILE *f = fopen("/proc/self/comm", "re");

	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	base = base ? base + 1 : argv0;
	if (base && *base && !strcmp(comm, "exe\n"))
		prctl(PR_SET_NAME, base, 0, 0, 0);
}

void huge_heap__reexec(char *const *argv, bool budget)
{
	const char *env = getenv("BTFSTREAM_HUGE_HEAP");
	char *why = described, val[16], *old;
	size_t wlen = sizeof(described);
	int off = snprintf(why, wlen, "4 KiB pages: ");

	why += off;
	wlen -= (size_t)off;
	if (huge_heap__tunable(getenv("GLIBC_TUNABLES"), val, sizeof(val))) {
		keep_name(argv[0]);
		if (strcmp(val, "1"))
			snprintf(why, wlen, "GLIBC_TUNABLES sets %s=%s", TUNABLE, val);
		else if ((on = kernel_wants_madvise(why, wlen) && glibc_reads_it(why, wlen)))
			snprintf(described, sizeof(described), "2 MiB pages on request (GLIBC_TUNABLES=%s)",
				 getenv("GLIBC_TUNABLES"));
		return;
	}
	if (env && !strcmp(env, "0")) {
		snprintf(why, wlen, "BTFSTREAM_HUGE_HEAP=0");
		return;
	}
	if (budget) {
		snprintf(why, wlen, "a memory budget is in force");
		return;
	}
	if (!malloc_is_glibcs(why, wlen) || !kernel_wants_madvise(why, wlen) || !glibc_reads_it(why, wlen) ||
	    !exe_is_program(why, wlen))
		return;
	if ((old = getenv("GLIBC_TUNABLES")) && !(old = strdup(old))) {
		snprintf(why, wlen, "out of memory");
		return;
	}
	if (add_tunable())
		execv("/proc/self/exe", argv);
	snprintf(why, wlen, "cannot run /proc/self/exe again with %s=1: %s", TUNABLE, strerror(errno));
	if (old)
		setenv("GLIBC_TUNABLES", old, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	free(old);
}

bool huge_heap__on(void)
{
	return on;
}

const char *huge_heap__describe(void)
{
	return described;
}
