/* stages/common/str_hash.h: a 64-bit hash of the bytes s[0..n), seeded
 * with n, for hash tables that stay inside one run (they never reach the
 * output). Where the compiler has 128-bit integers, sixteen bytes at a time
 * go through one 64x64->128-bit multiply whose halves are folded (as
 * wyhash does): ~6 cycles of latency a step, where mix64's chain takes ~12
 * for eight bytes (the exact copies' lookups hash ~3 M types of 16-80
 * bytes a vmlinux run). Elsewhere (32-bit targets), eight at a time
 * through mix64. The tail is zero-padded. Header only; any thread. */
#ifndef BTFSTREAM_STR_HASH_H
#define BTFSTREAM_STR_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stages/common/mix64.h"

#ifdef __SIZEOF_INT128__
/* a * b, the high and low halves xored */
static inline uint64_t str_hash__fold(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t str_hash(const char *s, size_t n)
{
	const uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull, k2 = 0x8ebc6af09c88c6e3ull;
	uint64_t h = n ^ k2, w, v;
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		memcpy(&w, s + i, 8);
		memcpy(&v, s + i + 8, 8);
		h = str_hash__fold(w ^ k0, v ^ h ^ k1);
	}
	w = v = 0;
	if (n - i > 8) {
		memcpy(&w, s + i, 8);
		memcpy(&v, s + i + 8, n - i - 8);
	} else {
		memcpy(&w, s + i, n - i);
	}
	return str_hash__fold(str_hash__fold(w ^ k0, v ^ h ^ k1), n ^ k2);
}
#else
static inline uint64_t str_hash(const char *s, size_t n)
{
	uint64_t h = n, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = mix64(h, w);
	}
	if (i < n) {
		w = 0;
		memcpy(&w, s + i, n - i);
		h = mix64(h, w);
	}
	return h;
}
#endif

#endif
