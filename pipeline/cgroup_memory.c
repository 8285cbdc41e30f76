/* pipeline/cgroup_memory.c: see cgroup_memory.h. */
#include "pipeline/cgroup_memory.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* v1's "no limit" is the largest page count times the page size, just
 * under 2^63; anything from 2^60 up is taken as none. */
#define NO_LIMIT_FROM (1ull << 60)

enum cg_version { CG_V1, CG_V2 };

static const char *const limit_file[] = { [CG_V1] = "memory.limit_in_bytes", [CG_V2] = "memory.max" };

/* Mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static bool has_token(const char *list, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, tok, n) && (p[n] == ',' || p[n] == '\0' || p[n] == '\n'))
			return true;
	return false;
}

/* The cgroup's path for v (from PROC/cgroup), into path. */
static bool cgroup_path(const char *proc_self, enum cg_version v, char *path, size_t len)
{
	char file[PATH_MAX], line[4096];
	bool found = false;
	FILE *f;

	snprintf(file, sizeof(file), "%s/cgroup", proc_self);
	if (!(f = fopen(file, "r")))
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *p = ctl ? strchr(ctl + 1, ':') : NULL;

		if (!p)
			continue;
		*p++ = '\0';
		*ctl++ = '\0';
		p[strcspn(p, "\n")] = '\0';
		if (v == CG_V2 ? !strcmp(line, "0") && !*ctl : has_token(ctl, "memory")) {
			snprintf(path, len, "%s", p);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* Where the hierarchy of v is mounted (mountpoint) and which cgroup is the
 * mount's root (mroot), from PROC/mountinfo. */
static bool hierarchy_mount(const char *proc_self, enum cg_version v, char *mountpoint, char *mroot, size_t len)
{
	char file[PATH_MAX], line[4096];
	bool found = false;
	FILE *f;

	snprintf(file, sizeof(file), "%s/mountinfo", proc_self);
	if (!(f = fopen(file, "r")))
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - "), *fld[5], *save = NULL, fstype[64], opts[1024];
		int i;

		if (!dash || sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		*dash = '\0';
		for (i = 0; i < 5 && (fld[i] = strtok_r(i ? NULL : line, " ", &save)); i++)
			;
		if (i < 5)
			continue;
		if (v == CG_V2 ? !strcmp(fstype, "cgroup2") : !strcmp(fstype, "cgroup") && has_token(opts, "memory")) {
			unescape(fld[3]);
			unescape(fld[4]);
			snprintf(mroot, len, "%s", fld[3]);
			snprintf(mountpoint, len, "%s", fld[4]);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* The value of one limit file: bytes, or 0 for none / unreadable. */
static uint64_t read_limit(const char *file)
{
	char buf[64] = "";
	unsigned long long v;
	FILE *f = fopen(file, "r");
	bool got;

	if (!f)
		return 0;
	got = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!got || sscanf(buf, "%llu", &v) != 1 || v >= NO_LIMIT_FROM)
		return 0;	/* "max", or v1's unlimited */
	return v;
}

/* The smallest limit from the cgroup's folder up to the mount point. */
static uint64_t hierarchy_limit(const char *proc_self, const char *root, enum cg_version v, char *where, size_t wlen)
{
	char path[PATH_MAX], mnt[PATH_MAX], mroot[PATH_MAX], dir[PATH_MAX * 2], file[PATH_MAX * 2 + 32];
	const char *rel;
	uint64_t best = 0;
	size_t top;

	if (!cgroup_path(proc_self, v, path, sizeof(path)) ||
	    !hierarchy_mount(proc_self, v, mnt, mroot, sizeof(mnt)))
		return 0;
	/* the cgroup relative to the mount's root; outside it (a namespace
	 * that mounts its own cgroup as the root), the root itself */
	rel = "";
	if (!strcmp(mroot, "/"))
		rel = path;
	else if (!strncmp(path, mroot, strlen(mroot)) && (path[strlen(mroot)] == '/' || !path[strlen(mroot)]))
		rel = path + strlen(mroot);
	top = (size_t)snprintf(dir, sizeof(dir), "%s%s", root, mnt);
	snprintf(dir + top, sizeof(dir) - top, "%s", rel);
	for (;;) {
		size_t n = strlen(dir);
		uint64_t lim;
		char *slash;

		while (n > top && dir[n - 1] == '/')
			dir[--n] = '\0';
		snprintf(file, sizeof(file), "%s/%s", dir, limit_file[v]);
		lim = read_limit(file);
		if (lim && (!best || lim < best)) {
			best = lim;
			if (where)
				snprintf(where, wlen, "%s", file);
		}
		if (n <= top || !(slash = strrchr(dir + top, '/')))
			break;
		*slash = '\0';
	}
	return best;
}

uint64_t cgroup_memory__limit(const char *proc_self, const char *root, char *where, size_t wlen)
{
	char w1[PATH_MAX * 2 + 32] = "", w2[PATH_MAX * 2 + 32] = "";
	uint64_t v2 = hierarchy_limit(proc_self, root, CG_V2, w2, sizeof(w2));
	uint64_t v1 = hierarchy_limit(proc_self, root, CG_V1, w1, sizeof(w1));
	bool take_v1 = v1 && (!v2 || v1 < v2);

	if (where && wlen)
		snprintf(where, wlen, "%s", take_v1 ? w1 : v2 ? w2 : "");
	return take_v1 ? v1 : v2;
}
