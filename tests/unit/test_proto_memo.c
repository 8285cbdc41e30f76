/* tests/unit/test_proto_memo.c: prototypes by content. */
#include "stages/write/proto_memo.h"
#include "tests/tap.h"

int main(void)
{
	static struct func_param a[3] = { { 1, 10 }, { 2, 11 }, { 0, 0 } };
	static struct func_param b[3] = { { 1, 10 }, { 2, 11 }, { 0, 0 } };	/* same content as a */
	static struct func_param c[2] = { { 1, 10 }, { 3, 11 } };		/* another name */
	static struct func_param many[20000][1];
	struct proto_memo m;
	int all = 1;

	is_int(proto_memo__init(&m, 4), 0, "init");
	is_int(proto_memo__find(&m, 5, a, 3), 0, "an empty memo finds nothing");
	is_int(proto_memo__add(&m, 5, a, 3, 100), 0, "add");
	is_int(proto_memo__find(&m, 5, b, 3), 100, "the same content in another array is found");
	is_int(proto_memo__find(&m, 6, a, 3), 0, "another return type is not");
	is_int(proto_memo__find(&m, 5, a, 2), 0, "fewer parameters is not");
	is_int(proto_memo__find(&m, 5, c, 2), 0, "another parameter name is not");
	for (uint32_t i = 0; i < 20000; i++) {
		many[i][0] = (struct func_param){ i, i + 1 };
		all &= proto_memo__add(&m, 7, many[i], 1, (int)i + 1000) == 0;
	}
	ok(all, "20000 more (the table grows)");
	all = proto_memo__find(&m, 5, a, 3) == 100;
	for (uint32_t i = 0; i < 20000; i++)
		all &= proto_memo__find(&m, 7, many[i], 1) == (int)i + 1000;
	ok(all, "every one is found after growing");
	proto_memo__fini(&m);
	done_testing();
	return exit_status();
}
