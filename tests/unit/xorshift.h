/* tests/unit/xorshift.h: the unit tests' pseudo-random numbers (xorshift64),
 * from a state each test keeps, so that a failure repeats run after run.
 * Header only; one thread. */
#ifndef BTFSTREAM_TEST_XORSHIFT_H
#define BTFSTREAM_TEST_XORSHIFT_H

#include <stdint.h>

/* The next number of the sequence at *state (not 0). */
static inline uint64_t xorshift64(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

#endif
