/*
 * datagen.c: writes the benchmark data as git fast-import streams and as
 * `git cat-file --batch` requests, from the shared generator in data.h, so
 * the git anchors load exactly what kv, LMDB and libgit2 load.
 *
 *   datagen load N              one commit on main with keys 0..N-1 (W1)
 *   datagen commits N M V       M one-key commits on main (W3), values of
 *                               version V+c+1, continuing the existing main
 *   datagen merge N C R BASE    for r in 1..R, branches l<r> and r<r> off
 *                               commit BASE (40 hex), each one commit
 *                               changing C keys (W4)
 *   datagen history H F         H commits on main from scratch, and branch
 *                               side forked after commit F with one commit
 *                               of its own (W6)
 *   datagen gets N M            M lines "main:KEY" of random keys (W2)
 *
 * The stream goes to standard output; commits carry the fixed identity and
 * time of data.h, as kv's do, so both make the same trees.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"

static char outbuf[1 << 20];

/* A commit with mark :mark (0: none). */
static void commit_header(const char *ref, uint64_t mark, const char *msg)
{
	printf("commit %s\n", ref);
	if (mark)
		printf("mark :%" PRIu64 "\n", mark);
	printf("committer %s <%s> %d +0000\n", BENCH_NAME, BENCH_EMAIL,
	       BENCH_TIME);
	/* git (and kv) end a message with a newline */
	printf("data %zu\n%s\n\n", strlen(msg) + 1, msg);
}

static void modify(uint64_t i, uint64_t version)
{
	char key[BENCH_KEY_LEN + 1];
	char value[BENCH_VALUE_LEN];

	bench_key(key, i);
	bench_value(value, i, version);
	printf("M 100644 inline %s\ndata %d\n", key, BENCH_VALUE_LEN);
	fwrite(value, 1, sizeof(value), stdout);
	putchar('\n');
}

static void gen_load(uint64_t n)
{
	commit_header("refs/heads/main", 0, "load");
	for (uint64_t i = 0; i < n; i++)
		modify(i, 0);
	putchar('\n');
}

static void gen_commits(uint64_t n, uint64_t m, uint64_t version)
{
	char msg[64];

	for (uint64_t c = 0; c < m; c++) {
		uint64_t i = bench_pick(BENCH_STREAM_COMMIT, c, n);
		snprintf(msg, sizeof(msg), "commit %" PRIu64, c);
		commit_header("refs/heads/main", 0, msg);
		if (c == 0)
			printf("from refs/heads/main^0\n");
		modify(i, version + c + 1);
		putchar('\n');
	}
}

static void gen_merge(uint64_t n, uint64_t changes, uint64_t runs,
                      const char *base)
{
	char ref[64];

	for (uint64_t r = 1; r <= runs; r++) {
		for (int side = 0; side < 2; side++) {
			snprintf(ref, sizeof(ref), "refs/heads/%c%" PRIu64,
			         side ? 'r' : 'l', r);
			commit_header(ref, 0, side ? "right" : "left");
			printf("from %s\n", base);
			for (uint64_t j = 0; j < changes; j++)
				modify(bench_merge_key(side, j, changes, n),
				       (side ? 0x52000000 : 0x4c000000) + r);
			putchar('\n');
		}
	}
}

static void gen_history(uint64_t h, uint64_t fork)
{
	char msg[64];

	for (uint64_t c = 0; c < h; c++) {
		snprintf(msg, sizeof(msg), "commit %" PRIu64, c);
		commit_header("refs/heads/main", c + 1, msg);
		modify(bench_pick(BENCH_STREAM_HIST, c, 1000), c + 1);
		putchar('\n');
	}
	commit_header("refs/heads/side", 0, "side");
	printf("from :%" PRIu64 "\n", fork);
	modify(0, 0x53000000);
	putchar('\n');
}

static void gen_gets(uint64_t n, uint64_t m)
{
	char key[BENCH_KEY_LEN + 1];

	for (uint64_t j = 0; j < m; j++) {
		bench_key(key, bench_pick(BENCH_STREAM_GET, j, n));
		printf("main:%s\n", key);
	}
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: datagen load N | commits N M V | merge N C R BASE |"
	        " history H F | gets N M\n");
	exit(2);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (argc == 3 && !strcmp(argv[1], "load"))
		gen_load(bench_count(argv[2]));
	else if (argc == 5 && !strcmp(argv[1], "commits"))
		gen_commits(bench_count(argv[2]), bench_count(argv[3]),
		            bench_count(argv[4]));
	else if (argc == 6 && !strcmp(argv[1], "merge"))
		gen_merge(bench_count(argv[2]), bench_count(argv[3]),
		          bench_count(argv[4]), argv[5]);
	else if (argc == 4 && !strcmp(argv[1], "history"))
		gen_history(bench_count(argv[2]), bench_count(argv[3]));
	else if (argc == 4 && !strcmp(argv[1], "gets"))
		gen_gets(bench_count(argv[2]), bench_count(argv[3]));
	else
		usage();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("datagen: write");
		return 1;
	}
	return 0;
}
