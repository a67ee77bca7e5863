/*
 * data.h: the one data generator every benchmark program shares.
 *
 * Every system (kv, raw LMDB, libgit2, git fast-import through datagen)
 * loads exactly the same keys and values, so their figures and even their
 * tree ids can be compared. Everything is a pure function of an index:
 *
 *   key(i)      "ab/cd/abcd0123456789ef": h = mix(i + KEY_SEED) as 16 hex
 *               digits; the two directory levels are its first two bytes,
 *               so 1M keys spread over 65,536 leaf directories (256 x 256).
 *               mix() is a bijection on 64 bits, so keys never collide.
 *   value(i,v)  100 printable bytes (64-letter alphabet, no '/', no
 *               newline), version v of key i: v = 0 is the bulk load, later
 *               versions are the changes of W3 and W4.
 *   pick(s,j,n) the j-th pseudo-random index below n of stream s (random
 *               gets, the keys W3 changes).
 *
 * Header-only (static functions) so each program is one .c file.
 */
#ifndef BENCH_DATA_H
#define BENCH_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <time.h>

#define BENCH_KEY_LEN    22 /* "ab/cd/" + 16 hex digits */
#define BENCH_VALUE_LEN  100
#define BENCH_KEY_SEED   0x6b76ULL
#define BENCH_VALUE_SEED 0x76616c7565ULL

/* Fixed identity and time of every commit the benchmarks make, so kv and
 * git produce the same ids for the same trees and messages. */
#define BENCH_NAME  "bench"
#define BENCH_EMAIL "bench@kv"
#define BENCH_TIME  1700000000

/* Streams of pick(). */
enum {
	BENCH_STREAM_GET = 1,    /* W2 random gets */
	BENCH_STREAM_COMMIT = 2, /* W3 keys changed by one-key commits */
	BENCH_STREAM_HIST = 3    /* W6 keys of the history commits */
};

/* splitmix64's finaliser: a bijection of 64-bit integers. */
static inline uint64_t bench_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Write key(i) and a NUL into `out` (BENCH_KEY_LEN + 1 bytes). */
static inline void bench_key(char out[BENCH_KEY_LEN + 1], uint64_t i)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = bench_mix(i + BENCH_KEY_SEED);
	char name[16];
	for (int k = 15; k >= 0; k--) {
		name[k] = hex[h & 15];
		h >>= 4;
	}
	out[0] = name[0];
	out[1] = name[1];
	out[2] = '/';
	out[3] = name[2];
	out[4] = name[3];
	out[5] = '/';
	for (int k = 0; k < 16; k++)
		out[6 + k] = name[k];
	out[BENCH_KEY_LEN] = '\0';
}

/* The leaf directory of key(i) as a number 0..65535 (its first 4 hex). */
static inline unsigned bench_key_dir(uint64_t i)
{
	return (unsigned)(bench_mix(i + BENCH_KEY_SEED) >> 48);
}

/* Write value(i, version) into `out` (BENCH_VALUE_LEN bytes, no NUL). */
static inline void bench_value(char out[BENCH_VALUE_LEN], uint64_t i,
                               uint64_t version)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                               "abcdefghijklmnopqrstuvwxyz"
	                               "0123456789-_";
	uint64_t s = bench_mix(i ^ bench_mix(version + BENCH_VALUE_SEED));
	int n = 0;
	while (n < BENCH_VALUE_LEN) {
		uint64_t w;
		s += 0x9e3779b97f4a7c15ULL;
		w = bench_mix(s);
		for (int k = 0; k < 10 && n < BENCH_VALUE_LEN; k++) {
			out[n++] = alphabet[w & 63];
			w >>= 6;
		}
	}
}

/* The j-th pseudo-random index below n of stream `stream`. */
static inline uint64_t bench_pick(unsigned stream, uint64_t j, uint64_t n)
{
	return bench_mix(j ^ ((uint64_t)stream << 56)) % n;
}

/* The W4 change sets: side 0 ("left") and side 1 ("right") each change
 * `changes` distinct keys, and the two sets never meet. Run r writes
 * version 0x4c000000 + r (left) or 0x52000000 + r (right), so every run
 * merges trees that are new to the store. */
static inline uint64_t bench_merge_key(int side, uint64_t j, uint64_t changes,
                                       uint64_t n)
{
	uint64_t stride = n / (2 * changes);
	if (stride == 0)
		stride = 1;
	return ((2 * j + (uint64_t)side) * stride) % n;
}

/* Monotonic seconds. */
static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parse a count argument ("1000000", "1e6", "100k", "1M"). */
static inline uint64_t bench_count(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (*end == 'k' || *end == 'K')
		v *= 1e3, end++;
	else if (*end == 'm' || *end == 'M')
		v *= 1e6, end++;
	if (end == s || *end != '\0' || v < 0) {
		fprintf(stderr, "bench: bad count '%s'\n", s);
		exit(2);
	}
	return (uint64_t)v;
}

#endif /* BENCH_DATA_H */
