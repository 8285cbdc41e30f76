/* tests/unit/test_batch_names.c: a deduped batch's names, from ids to a
 * string section of their own (stages/dedup/batch_names.h): every kind
 * with names (a type's, members', enumerators', parameters'), each string
 * once in first-use order, the offsets rewritten, and the refusals
 * (an anchor's name, an id with no string, a type running past the end). */
#include "stages/dedup/batch_names.h"
#include "tests/tap.h"
#include "tests/unit/word_names.h"

#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

static const char *const words[] = { "", "foo", "a", "b", "e", "x", "p", "ret" };
#define NWORDS (sizeof(words) / sizeof(words[0]))

static const struct word_list word_list = { words, NWORDS };
static const struct batch_names names = { word_names__str, &word_list };

/* STRUCT foo { a; b; }, ENUM e { x, a }, FUNC_PROTO (a, p), TYPEDEF ret,
 * as ids; returns the bytes written into buf. */
static uint32_t make_types(uint32_t *buf)
{
	uint32_t *w = buf;

	*w++ = 1; *w++ = BTF_KIND_STRUCT << 24 | 2; *w++ = 8;	/* foo, 2 members, size 8 */
	*w++ = 2; *w++ = 0; *w++ = 0;				/* a: type void, offset 0 */
	*w++ = 3; *w++ = 0; *w++ = 32;				/* b */
	*w++ = 4; *w++ = BTF_KIND_ENUM << 24 | 2; *w++ = 4;	/* e */
	*w++ = 5; *w++ = 0;					/* x = 0 */
	*w++ = 2; *w++ = 1;					/* a = 1 */
	*w++ = 0; *w++ = BTF_KIND_FUNC_PROTO << 24 | 2; *w++ = 0;	/* anonymous */
	*w++ = 2; *w++ = 0;					/* a */
	*w++ = 6; *w++ = 0;					/* p */
	*w++ = 7; *w++ = BTF_KIND_TYPEDEF << 24; *w++ = 1;	/* ret */
	return (uint32_t)((w - buf) * sizeof(*w));
}

static const char *at(const char *strs, uint32_t slen, uint32_t off)
{
	return off < slen ? strs + off : "(out of range)";
}

int main(void)
{
	uint32_t buf[64], tlen = make_types(buf), slen, bad[64];
	static const char want[] = "\0foo\0a\0b\0e\0x\0p\0ret";
	char *strs;

	ok(batch_names__strings(buf, tlen, &names, &strs, &slen) == 0, "the names of four kinds made strings");
	ok(slen == sizeof(want) && !memcmp(strs, want, slen), "each string once, in first-use order (%u bytes)", slen);
	is_str(at(strs, slen, buf[0]), "foo", "the struct's name");
	is_str(at(strs, slen, buf[3]), "a", "its first member's");
	is_str(at(strs, slen, buf[6]), "b", "its second member's");
	is_str(at(strs, slen, buf[9]), "e", "the enum's");
	ok(!strcmp(at(strs, slen, buf[12]), "x") && buf[14] == buf[3], "its values' (a again: the same offset)");
	ok(buf[16] == 0 && buf[19] == buf[3] && !strcmp(at(strs, slen, buf[21]), "p"),
	   "an anonymous prototype stays at 0, its parameters' names");
	is_str(at(strs, slen, buf[23]), "ret", "the typedef's");
	free(strs);

	memcpy(bad, buf, sizeof(bad));
	tlen = make_types(bad);
	bad[23] = BATCH_NAME_ANCHOR + 1;
	ok(batch_names__strings(bad, tlen, &names, &strs, &slen) == -EPROTO && !strs, "an anchor's name: -EPROTO");
	tlen = make_types(bad);
	bad[6] = NWORDS;
	ok(batch_names__strings(bad, tlen, &names, &strs, &slen) == -EPROTO && !strs, "an id without a string: -EPROTO");
	tlen = make_types(bad);
	ok(batch_names__strings(bad, tlen - 4, &names, &strs, &slen) == -EPROTO && !strs,
	   "a type running past the end: -EPROTO");
	ok(batch_names__strings(bad, 0, &names, &strs, &slen) == 0 && slen == 1 && strs && !*strs,
	   "no types: a section of just \"\"");
	free(strs);
	done_testing();
	return exit_status();
}
