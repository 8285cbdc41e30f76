/* tests/unit/test_btf_canon.c: canonical descriptions and `btfstream diff`.
 *
 * The same set of types is built in memory twice with libbpf's btf__add_*(),
 * in two different orders (so with different ids); their descriptions must
 * match and diff must find nothing. Then one detail is changed at a time (a
 * member offset, an enum value, an int's signedness, an array length, an
 * anonymous struct behind a pointer) and diff must report it in the right
 * kind. Also: multiset duplicates, --ignore-kinds, split BTF with --base, and
 * the error exits.
 */
#include "pipeline/diff/btf_canon.h"
#include "pipeline/diff/diff.h"
#include "stages/common/log.h"
#include "tests/tap.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

/* The types of the fixture, by role; the builder maps roles to ids. */
enum role {
	R_INT, R_UINT, R_CHAR, R_FOO, R_FOO_PTR, R_ANON, R_ANON_PTR, R_ENUM, R_ENUM64,
	R_ARR, R_TYPEDEF, R_CONST_CHAR, R_CHAR_PTR, R_PROTO, R_FUNC, R_VAR1, R_VAR2,
	R_SEC, R_TAG, R_TTAG, R_FWD, NR_ROLES,
};

struct variant {
	unsigned int foo_next_off; /* bit offset of foo.next, 64 */
	long long enum_b;	   /* value of E_B, 2 */
	bool uint_signed;	   /* false */
	unsigned int arr_len;	   /* 4 */
	const char *anon_member;   /* "x" */
	bool sec_reversed;	   /* the datasec lists its vars in reverse */
	int extra_fwds;		   /* extra copies of "fwd struct bar", appended */
};

static const struct variant base_variant = {
	.foo_next_off = 64, .enum_b = 2, .arr_len = 4, .anon_member = "x",
};

static const int order_a[NR_ROLES] = {
	R_INT, R_UINT, R_CHAR, R_FOO, R_FOO_PTR, R_ANON, R_ANON_PTR, R_ENUM, R_ENUM64,
	R_ARR, R_TYPEDEF, R_CONST_CHAR, R_CHAR_PTR, R_PROTO, R_FUNC, R_VAR1, R_VAR2,
	R_SEC, R_TAG, R_TTAG, R_FWD,
};

static const int order_b[NR_ROLES] = {
	R_FWD, R_SEC, R_VAR2, R_TTAG, R_FUNC, R_PROTO, R_CHAR_PTR, R_TAG, R_ANON_PTR,
	R_TYPEDEF, R_ARR, R_ENUM64, R_FOO_PTR, R_FOO, R_ENUM, R_CONST_CHAR, R_VAR1,
	R_ANON, R_CHAR, R_UINT, R_INT,
};

static int add_foo(struct btf *btf, const int *id, const struct variant *v)
{
	int ret = btf__add_struct(btf, "foo", 24);

	if (ret < 0 || btf__add_field(btf, "a", id[R_INT], 0, 0) ||
	    btf__add_field(btf, "b", id[R_UINT], 32, 3) ||
	    btf__add_field(btf, "next", id[R_FOO_PTR], v->foo_next_off, 0) ||
	    btf__add_field(btf, "anon", id[R_ANON_PTR], 128, 0))
		return -1;
	return ret;
}

static int add_enums(struct btf *btf, int role, const struct variant *v)
{
	int ret;

	if (role == R_ENUM) {
		ret = btf__add_enum(btf, "e", 4);
		if (ret < 0 || btf__add_enum_value(btf, "E_A", 1) ||
		    btf__add_enum_value(btf, "E_B", v->enum_b))
			return -1;
		return ret;
	}
	ret = btf__add_enum64(btf, "e64", 8, false);
	if (ret < 0 || btf__add_enum64_value(btf, "BIG", 0xffffffff00000000ULL))
		return -1;
	return ret;
}

static int add_sec(struct btf *btf, const int *id, const struct variant *v)
{
	int ret = btf__add_datasec(btf, ".data", 16);
	int first = v->sec_reversed ? R_VAR2 : R_VAR1, second = v->sec_reversed ? R_VAR1 : R_VAR2;

	if (ret < 0 ||
	    btf__add_datasec_var_info(btf, id[first], first == R_VAR1 ? 0 : 8, first == R_VAR1 ? 4 : 8) ||
	    btf__add_datasec_var_info(btf, id[second], second == R_VAR1 ? 0 : 8, second == R_VAR1 ? 4 : 8))
		return -1;
	return ret;
}

static int add_role(struct btf *btf, int role, const int *id, const struct variant *v)
{
	int ret;

	switch (role) {
	case R_INT: return btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	case R_UINT: return btf__add_int(btf, "unsigned int", 4, v->uint_signed ? BTF_INT_SIGNED : 0);
	case R_CHAR: return btf__add_int(btf, "char", 1, BTF_INT_SIGNED | BTF_INT_CHAR);
	case R_FOO: return add_foo(btf, id, v);
	case R_FOO_PTR: return btf__add_ptr(btf, id[R_FOO]);
	case R_ANON:
		ret = btf__add_struct(btf, NULL, 4);
		return ret < 0 || btf__add_field(btf, v->anon_member, id[R_INT], 0, 0) ? -1 : ret;
	case R_ANON_PTR: return btf__add_ptr(btf, id[R_ANON]);
	case R_ENUM: case R_ENUM64: return add_enums(btf, role, v);
	case R_ARR: return btf__add_array(btf, id[R_INT], id[R_INT], v->arr_len);
	case R_TYPEDEF: return btf__add_typedef(btf, "foo_t", id[R_FOO]);
	case R_CONST_CHAR: return btf__add_const(btf, id[R_CHAR]);
	case R_CHAR_PTR: return btf__add_ptr(btf, id[R_CONST_CHAR]);
	case R_PROTO:
		ret = btf__add_func_proto(btf, id[R_INT]);
		return ret < 0 || btf__add_func_param(btf, "fmt", id[R_CHAR_PTR]) ||
		       btf__add_func_param(btf, NULL, 0) ? -1 : ret;
	case R_FUNC: return btf__add_func(btf, "logf", BTF_FUNC_GLOBAL, id[R_PROTO]);
	case R_VAR1: return btf__add_var(btf, "counter", BTF_VAR_GLOBAL_ALLOCATED, id[R_INT]);
	case R_VAR2: return btf__add_var(btf, "head", BTF_VAR_STATIC, id[R_FOO_PTR]);
	case R_SEC: return add_sec(btf, id, v);
	case R_TAG: return btf__add_decl_tag(btf, "user", id[R_FOO], 1);
	case R_TTAG: return btf__add_type_tag(btf, "rcu", id[R_FOO]);
	case R_FWD: return btf__add_fwd(btf, "bar", BTF_FWD_STRUCT);
	}
	return -1;
}

/* Build the fixture, adding the roles in @order; @id receives each role's id. */
static struct btf *build(const int *order, const struct variant *v, int *id)
{
	struct btf *btf = btf__new_empty();
	int i, ret;

	if (!btf)
		return NULL;
	for (i = 0; i < NR_ROLES; i++)
		id[order[i]] = i + 1;
	for (i = 0; i < NR_ROLES; i++) {
		ret = add_role(btf, order[i], id, v);
		if (ret != i + 1) {
			diag("build: role %d: got %d, want id %d", order[i], ret, i + 1);
			btf__free(btf);
			return NULL;
		}
	}
	for (i = 0; i < v->extra_fwds; i++)
		btf__add_fwd(btf, "bar", BTF_FWD_STRUCT);
	return btf;
}

static long diff_variant(const struct variant *vb, __u32 ignore, struct diff_stats *st)
{
	struct diff_opts opts = { .sz = sizeof(opts), .ignore_kinds = ignore };
	int ida[NR_ROLES], idb[NR_ROLES];
	struct btf *a = build(order_a, &base_variant, ida);
	struct btf *b = build(order_b, vb, idb);
	long ret = -EINVAL;

	if (a && b)
		ret = diff__btf(a, b, &opts, NULL, st);
	btf__free(a);
	btf__free(b);
	return ret;
}

static void test_same_content(void)
{
	int ida[NR_ROLES], idb[NR_ROLES], r, bad = 0, moved = 0;
	struct btf *a = build(order_a, &base_variant, ida);
	struct btf *b = build(order_b, &base_variant, idb);
	struct btf_canon *ca = btf_canon__new(a), *cb = btf_canon__new(b);
	const char *da, *db;

	if (!ok(a && b && ca && cb, "build both fixtures"))
		goto out;
	for (r = 0; r < NR_ROLES; r++) {
		da = btf_canon__describe(ca, ida[r]);
		db = btf_canon__describe(cb, idb[r]);
		moved += ida[r] != idb[r];
		if (!da || !db || strcmp(da, db)) {
			bad++;
			diag("role %d: '%s' vs '%s'", r, da ?: "(null)", db ?: "(null)");
		}
		if (da && db && btf_canon__hash(ca, ida[r]) != btf_canon__hash(cb, idb[r]))
			bad++;
	}
	ok(moved > NR_ROLES / 2, "the two orders give different ids (%d of %d moved)", moved, NR_ROLES);
	is_int(bad, 0, "every role has the same description and hash in both");
	is_int(diff__btf(a, b, NULL, NULL, NULL), 0, "diff__btf finds no difference");
	ok(!strcmp(btf_canon__describe(ca, ida[R_FOO]),
		   "struct foo size=24 { a: int \"int\" size=4 bits=32 signed @0; "
		   "b: int \"unsigned int\" size=4 bits=32 @32:3; next: ptr(struct foo) @64; "
		   "anon: ptr(struct (anon) size=4 { x: int \"int\" size=4 bits=32 signed @0; }) @128; }"),
	   "struct foo: %s", btf_canon__describe(ca, ida[R_FOO]));
	ok(strstr(btf_canon__describe(ca, ida[R_ANON_PTR]), "ptr(struct (anon) size=4 { x: ") != NULL,
	   "a pointer to an anonymous struct inlines the struct's body");
	ok(!strcmp(btf_canon__describe(ca, ida[R_FUNC]),
		   "func logf global: proto(fmt: ptr(const(int \"char\" size=1 bits=8 signed char)), ...)"
		   " -> int \"int\" size=4 bits=32 signed"),
	   "func: %s", btf_canon__describe(ca, ida[R_FUNC]));
	ok(btf_canon__describe(ca, 9999) == NULL && errno == EINVAL, "invalid id gives NULL, EINVAL");
out:
	btf_canon__free(ca);
	btf_canon__free(cb);
	btf__free(a);
	btf__free(b);
}

static void test_one_change(const char *what, const struct variant *v, int kind)
{
	struct diff_stats st = {};
	long n = diff_variant(v, 0, &st);

	ok(n > 0 && st.kinds[kind].only_a == 1 && st.kinds[kind].only_b == 1,
	   "%s: found in %s (%ld differences, %s %u/%u)", what, btf_canon__kind_str(kind), n,
	   btf_canon__kind_str(kind), st.kinds[kind].only_a, st.kinds[kind].only_b);
}

static void test_changes(void)
{
	struct variant v;
	struct diff_stats st = {};

	v = base_variant;
	v.foo_next_off = 96;
	test_one_change("member offset", &v, BTF_KIND_STRUCT);
	is_int(diff_variant(&v, 0, NULL), 2, "member offset: only struct foo differs (once per side)");
	v = base_variant;
	v.enum_b = 3;
	test_one_change("enum value", &v, BTF_KIND_ENUM);
	v = base_variant;
	v.uint_signed = true;
	test_one_change("int signedness", &v, BTF_KIND_INT);
	v = base_variant;
	v.arr_len = 5;
	test_one_change("array length", &v, BTF_KIND_ARRAY);
	v = base_variant;
	v.anon_member = "y";
	test_one_change("anonymous struct member, seen through the pointer", &v, BTF_KIND_PTR);
	v = base_variant;
	v.sec_reversed = true;
	is_int(diff_variant(&v, 0, NULL), 0, "datasec var order does not matter");
	v = base_variant;
	v.extra_fwds = 2;
	is_int(diff_variant(&v, 0, &st), 2, "two extra copies of fwd bar in B: two differences");
	is_int(st.kinds[BTF_KIND_FWD].only_b, 2, "  ... both in FWD, only in B");
	v.extra_fwds = 1;
	is_int(diff_variant(&v, 0, &st), 1, "multiset: fwd bar once in A, twice in B is one difference");
	v = base_variant;
	v.enum_b = 3;
	is_int(diff_variant(&v, 1u << BTF_KIND_ENUM, &st), 0, "ignore_kinds ENUM hides the enum change");
	is_int(st.kinds[BTF_KIND_ENUM].cnt_a, 1, "  ... but the ENUM types are still counted");
}

/* ---- through diff__main, on files ---- */

static char tmpdir[] = "/tmp/test_btf_canon.XXXXXX";

static int write_btf(const char *name, const struct btf *btf, char *path, size_t sz)
{
	const void *data;
	__u32 size;
	FILE *f;
	int ret;

	snprintf(path, sz, "%s/%s", tmpdir, name);
	data = btf__raw_data(btf, &size);
	f = fopen(path, "wb");
	if (!data || !f)
		return -1;
	ret = fwrite(data, 1, size, f) == size ? 0 : -1;
	return fclose(f) ? -1 : ret;
}

/* Run diff__main on @args (NULL-terminated); report and warnings land in the buffers. */
static int run_diff(const char **args, char **report, char **warn)
{
	char *argv[16];
	size_t rs, ws;
	FILE *rf = open_memstream(report, &rs), *wf = open_memstream(warn, &ws);
	int argc = 0, ret;

	argv[argc++] = "diff";
	while (*args && argc < 15)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	log__set_stream(wf);
	ret = diff__main(argc, argv, rf);
	log__set_stream(NULL);
	fclose(rf);
	fclose(wf);
	return ret;
}

static void check_run(const char **args, int want_rc, const char *want_out, const char *want_warn,
		      const char *what)
{
	char *report = NULL, *warn = NULL;
	int rc = run_diff(args, &report, &warn);
	bool out_ok = want_out ? strstr(report, want_out) != NULL : report[0] == '\0';
	bool warn_ok = want_warn ? strstr(warn, want_warn) != NULL : warn[0] == '\0';

	if (!ok(rc == want_rc && out_ok && warn_ok, "%s", what)) {
		diag("exit %d (want %d)", rc, want_rc);
		diag("report: %s", report);
		diag("warnings: %s", warn);
	}
	free(report);
	free(warn);
}

static void test_main(void)
{
	char pa[256], pb[256], pc[256], pbad[256];
	int ida[NR_ROLES], idb[NR_ROLES], idc[NR_ROLES];
	struct variant v = base_variant;
	struct btf *a, *b, *c;
	FILE *f;

	v.enum_b = 7;
	a = build(order_a, &base_variant, ida);
	b = build(order_b, &base_variant, idb);
	c = build(order_b, &v, idc);
	snprintf(pbad, sizeof(pbad), "%s/bad.btf", tmpdir);
	f = fopen(pbad, "w");
	if (f) {
		fputs("this is not BTF\n", f);
		fclose(f);
	}
	if (!ok(a && b && c && f && !write_btf("a.btf", a, pa, sizeof(pa)) &&
		!write_btf("b.btf", b, pb, sizeof(pb)) && !write_btf("c.btf", c, pc, sizeof(pc)),
		"write fixtures to %s", tmpdir))
		goto out;
	check_run((const char *[]){ pa, pb, NULL }, 0, "no differences", NULL, "A vs B reordered: exit 0");
	check_run((const char *[]){ pa, pc, NULL }, 1, "- only in A: enum e size=4 unsigned { E_A=1, E_B=2 }",
		  NULL, "A vs changed enum: exit 1, example printed");
	check_run((const char *[]){ pa, pc, NULL }, 1, "\nENUM                 1         1         1         1\n",
		  NULL, "  ... the ENUM row counts it");
	check_run((const char *[]){ "--ignore-kinds", "func,ENUM", pa, pc, NULL }, 0, "ignored", NULL,
		  "--ignore-kinds func,ENUM: exit 0");
	check_run((const char *[]){ "-q", pa, pc, NULL }, 1, NULL, NULL, "-q: exit 1, no output");
	check_run((const char *[]){ "--show", "0", pa, pc, NULL }, 1, "... and 2 more", NULL,
		  "--show 0: no examples, only the count");
	check_run((const char *[]){ pa, pbad, NULL }, 2, NULL, "bad.btf: not a BTF file (bad magic)",
		  "a non-BTF file: exit 2 with a clear line");
	check_run((const char *[]){ pa, "/nonexistent.btf", NULL }, 2, NULL,
		  "diff: /nonexistent.btf: No such file or directory", "a missing file: exit 2");
	check_run((const char *[]){ pa, NULL }, 2, NULL, "expected two files", "one file: exit 2");
	check_run((const char *[]){ "--ignore-kinds", "STRUKT", pa, pb, NULL }, 2, NULL,
		  "unknown BTF kind 'STRUKT'", "unknown kind name: exit 2");
	check_run((const char *[]){ "--show", "x", pa, pb, NULL }, 2, NULL, "--show", "bad --show: exit 2");
	check_run((const char *[]){ "--help", NULL }, 0, "usage: btfstream diff", NULL, "--help: exit 0");
out:
	btf__free(a);
	btf__free(b);
	btf__free(c);
}

/* Split BTF: base has int; A and B each add a struct (and B a pointer ahead of it). */
static void test_split(void)
{
	char pbase[256], pa[256], pb[256], pc[256];
	struct btf *base = btf__new_empty(), *a = NULL, *b = NULL, *c = NULL;
	int i_int, s;

	i_int = btf__add_int(base, "int", 4, BTF_INT_SIGNED);
	a = btf__new_empty_split(base);
	b = btf__new_empty_split(base);
	c = btf__new_empty_split(base);
	if (!ok(base && a && b && c && i_int == 1, "split fixtures"))
		goto out;
	s = btf__add_struct(a, "s", 4);
	btf__add_field(a, "v", i_int, 0, 0);
	btf__add_ptr(a, s);
	btf__add_ptr(b, 3); /* forward reference to the struct at id 3 */
	btf__add_struct(b, "s", 4);
	btf__add_field(b, "v", i_int, 0, 0);
	s = btf__add_struct(c, "s", 4);
	btf__add_field(c, "w", i_int, 0, 0);
	btf__add_ptr(c, s);
	if (!ok(!write_btf("base.btf", base, pbase, sizeof(pbase)) &&
		!write_btf("sa.btf", a, pa, sizeof(pa)) && !write_btf("sb.btf", b, pb, sizeof(pb)) &&
		!write_btf("sc.btf", c, pc, sizeof(pc)), "write split fixtures"))
		goto out;
	check_run((const char *[]){ "--base", pbase, pa, pb, NULL }, 0, "2 types (split, ids 2..3)", NULL,
		  "--base: split A and B compare equal, only their own types counted");
	check_run((const char *[]){ "--base", pbase, pa, pc, NULL }, 1,
		  "+ only in B: struct s size=4 { w: int \"int\" size=4 bits=32 signed @0; }", NULL,
		  "--base: a changed member name in split BTF is found");
	check_run((const char *[]){ pa, pb, NULL }, 2, NULL, "sa.btf: cannot parse raw BTF",
		  "split BTF without --base: exit 2");
out:
	btf__free(a);
	btf__free(b);
	btf__free(c);
	btf__free(base);
}

static void test_kind_names(void)
{
	is_int(btf_canon__kind_by_name("func_proto"), BTF_KIND_FUNC_PROTO, "kind_by_name is case-insensitive");
	is_int(btf_canon__kind_by_name("nope"), -EINVAL, "kind_by_name rejects unknown names");
	ok(!strcmp(btf_canon__kind_str(BTF_KIND_ENUM64), "ENUM64"), "kind_str(ENUM64)");
	ok(btf_canon__hash_str("a") != btf_canon__hash_str("b"), "hash_str differs for different strings");
}

static void cleanup_tmpdir(void)
{
	const char *names[] = { "a.btf", "b.btf", "c.btf", "bad.btf", "base.btf", "sa.btf", "sb.btf",
				"sc.btf" };
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

int main(void)
{
	test_same_content();
	test_changes();
	test_kind_names();
	if (ok(mkdtemp(tmpdir) != NULL, "mkdtemp")) {
		test_main();
		test_split();
		cleanup_tmpdir();
	}
	done_testing();
	return exit_status();
}
