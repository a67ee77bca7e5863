/*
 * cli.h: what the kvctl commands share.
 *
 * kvctl is a thin front end over include/kv.h: it parses the command line,
 * finds and opens the store, calls one or two library functions and prints
 * the result as text or JSON. It has no logic of its own about keys,
 * trees or history, and it includes no internal library header.
 *
 * Shape (as libgit2's examples/lg2.c): kvctl.c holds the global options and
 * a table of commands; each cmd_*.c file defines one `cli_command` whose
 * options, operand count and help text are data, so that kvctl.c parses and
 * checks the command line before the command runs (args.c). output.c
 * prints errors, JSON and dates; store.c finds and opens the store;
 * commit.c builds commit options and prints commits; io.c reads values.
 */
#ifndef KVCTL_CLI_H
#define KVCTL_CLI_H

#include <stdio.h>

#include "kv.h"

#if defined(__GNUC__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* Exit codes; docs/kvctl.md documents them. */
enum {
	CLI_EXIT_OK = 0,       /* success (also: nothing to change) */
	CLI_EXIT_NOTFOUND = 1, /* key, revision, branch or tag absent */
	CLI_EXIT_USAGE = 2,    /* malformed command line */
	CLI_EXIT_CONFLICT = 3, /* a merge conflict */
	CLI_EXIT_ERROR = 4     /* any other error */
};

/* ------------------------------------------------------------------ */
/* Commands and their command lines (args.c)                           */
/* ------------------------------------------------------------------ */

/* One option of a command. A table of them ends with a zeroed entry. */
typedef struct {
	char short_name;       /* 'm', or 0 for a long-only option */
	const char *long_name; /* "message", or NULL for a short-only one */
	const char *arg_name;  /* "MSG" if it takes a value, NULL if a flag */
	const char *help;      /* one line for --help */
} cli_option;

#define CLI_MAX_OPTIONS 16

/* The command line of one command once its options are parsed. */
typedef struct {
	const char *value[CLI_MAX_OPTIONS]; /* by option index: the last value
	                                       given, "" for a flag, NULL if
	                                       absent */
	int count[CLI_MAX_OPTIONS];         /* how often each was given */
	char **argv;                        /* the operands, in order */
	int argc;                           /* how many operands */
} cli_args;

/* What every command may use. */
typedef struct {
	const char *store_uri; /* --store URI, or NULL: discover the store */
	const char *branch;    /* -b BRANCH, or NULL: the default branch */
	int json;              /* --json: print JSON instead of text */
	kv_store *store;       /* opened before a CLI_NEEDS_STORE command */
} cli_ctx;

/* Runs a command whose command line has been checked; returns the exit
 * code. */
typedef int (*cli_run_fn)(cli_ctx *ctx, const cli_args *args);

enum {
	CLI_NEEDS_STORE = 1 << 0, /* open the store before running */
	CLI_WRITES = 1 << 1       /* makes commits: options start with
	                             CLI_COMMIT_OPTIONS */
};

/* One kvctl command (one per cmd_*.c file). */
typedef struct {
	const char *name;          /* "set" */
	cli_run_fn run;            /* what it does */
	const char *synopsis;      /* operands: "KEY (VALUE | --file F | -)" */
	const char *summary;       /* one line for `kvctl --help` */
	const char *description;   /* a paragraph for `kvctl CMD --help` */
	const cli_option *options; /* its own options (ends with {0}) */
	int min_args;              /* fewest operands */
	int max_args;              /* most operands; -1: no bound */
	unsigned int flags;        /* CLI_NEEDS_STORE, CLI_WRITES */
} cli_command;

/* The options of every writing command, first in its table, so that
 * their indexes are CLI_OPT_MESSAGE, CLI_OPT_AUTHOR and CLI_OPT_DATE. */
/* clang-format off */
#define CLI_COMMIT_OPTIONS \
	{'m', "message", "MSG", "the commit message"}, \
	{0, "author", "'NAME <MAIL>'", "the author (default: $KV_AUTHOR)"}, \
	{0, "date", "DATE", "the commit date (default: $KV_DATE, or now)"}
/* clang-format on */
enum { CLI_OPT_MESSAGE, CLI_OPT_AUTHOR, CLI_OPT_DATE, CLI_OPT_COMMIT_END };

/*
 * Parse the options and operands of `cmd` from argv[1..argc-1] (argv[0] is
 * the command's name) into `out`, reordering argv in place so that
 * out->argv holds the operands. Options common to all commands (-b, --json,
 * -h/--help) are stored in `ctx`.
 *
 * @return -1 to go on and run the command; CLI_EXIT_OK after printing the
 *         help for -h/--help; CLI_EXIT_USAGE after printing what is wrong
 *         and the usage on stderr
 */
int cli_parse(cli_args *out, cli_ctx *ctx, const cli_command *cmd, int argc,
              char **argv);

/* Print the usage of `cmd` to `f`: synopsis, description, options. */
void cli_usage(FILE *f, const cli_command *cmd);

/* Report a usage error of `cmd` ("kvctl: CMD: ..." and the usage on
 * stderr); returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
        CLI_PRINTF(2, 3);

/*
 * Operand `i` of `args` as a key or directory, with trailing '/' removed
 * (so that "users/", as ls prints it, names "users"); NULL if there is no
 * such operand. "/" alone becomes "", the root.
 */
const char *cli_path_operand(const cli_args *args, int i);

/* Parse a non-negative decimal count. @return 0, or -1 if malformed */
int cli_parse_count(size_t *out, const char *s);

/* The commands, in the order `kvctl --help` lists them. */
extern const cli_command cli_cmd_init, cli_cmd_get, cli_cmd_set, cli_cmd_rm,
        cli_cmd_ls, cli_cmd_tree, cli_cmd_batch, cli_cmd_log, cli_cmd_show,
        cli_cmd_rev_parse, cli_cmd_diff, cli_cmd_branch, cli_cmd_tag,
        cli_cmd_merge, cli_cmd_merge_base, cli_cmd_revert, cli_cmd_fsck,
        cli_cmd_stats;

/* ------------------------------------------------------------------ */
/* Errors and output (output.c)                                        */
/* ------------------------------------------------------------------ */

/* The exit code for a kv_error_code: KV_ENOTFOUND 1, KV_ECONFLICT 3,
 * any other failure 4, success (0 or KV_NOCHANGE) 0. */
int cli_exit_code(int kv_code);

/* Print "kvctl: <message of kv_error_last()>" on stderr (or the static
 * text of `kv_code` if no message is set); returns cli_exit_code(). */
int cli_fail(int kv_code);

/* Print "kvctl: <fmt...>" on stderr; returns `exit_code`. */
int cli_error(int exit_code, const char *fmt, ...) CLI_PRINTF(2, 3);

/* Write `len` bytes of `s` as a JSON string, quotes included. Invalid
 * UTF-8 is replaced by U+FFFD, so the output is always valid JSON. */
void cli_json_string(FILE *f, const char *s, size_t len);

/* As cli_json_string() for a C string; NULL prints null. */
void cli_json_cstr(FILE *f, const char *s);

/* Write `id` as a JSON string of 40 hex digits, or null if it is zero. */
void cli_json_oid(FILE *f, const kv_oid *id);

/* 1 if `len` bytes at `p` are valid UTF-8 without NUL bytes, else 0. */
int cli_utf8_valid(const void *p, size_t len);

/* Write `len` bytes of `p` in base64 (RFC 4648, padded, one line). */
void cli_base64_write(FILE *f, const void *p, size_t len);

/*
 * Decode base64 `in` (`len` bytes; padding optional, no whitespace) into
 * `out`, which must hold at least len / 4 * 3 + 3 bytes.
 * @return 0, or -1 if `in` is not base64
 */
int cli_base64_decode(unsigned char *out, size_t *out_len, const char *in,
                      size_t len);

/* "value", "dir", "exec", "symlink" or "submodule". */
const char *cli_kind_name(kv_entry_kind kind);

/* Write `time` at zone `offset` (minutes east of UTC) as git does:
 * "Tue Nov 14 22:13:20 2023 +0000". */
void cli_format_date(char out[64], int64_t time, int offset);

/* Flush stdout; on a write error print it and return CLI_EXIT_ERROR. */
int cli_flush(void);

/* ------------------------------------------------------------------ */
/* The store (store.c)                                                 */
/* ------------------------------------------------------------------ */

/*
 * Find and open the store as git finds a repository: ctx->store_uri
 * (--store), then $KV_STORE, then ".kv" in the current folder or a parent.
 * Sets ctx->store. Prints the error.
 * @return CLI_EXIT_OK, or CLI_EXIT_ERROR if there is no store or it does
 *         not open
 */
int cli_store_open(cli_ctx *ctx);

/* The branch that writes go to and that `branch` marks with '*'. */
const char *cli_branch_name(const cli_ctx *ctx);

/*
 * Check that the writing command may commit to ctx's branch: a branch
 * other than the default one must exist already, so that a mistyped -b
 * does not start a new, unrelated history. Prints the error.
 * @return CLI_EXIT_OK, CLI_EXIT_NOTFOUND, or CLI_EXIT_ERROR
 */
int cli_check_branch(const cli_ctx *ctx);

/*
 * 1 if no -b was given and the default branch has no commit yet (a new
 * store): reading commands then show an empty store rather than fail.
 */
int cli_branch_unborn(const cli_ctx *ctx);

/* ------------------------------------------------------------------ */
/* Commits (commit.c)                                                  */
/* ------------------------------------------------------------------ */

/* Commit options built from -m, --author, --date, $KV_AUTHOR, $KV_DATE. */
typedef struct {
	kv_commit_options opts; /* what to pass to the library */
	kv_signature author;    /* opts.author points here when set */
	kv_buf buf;             /* holds the author's strings */
} cli_commit;

/*
 * Fill `c` from the commit options of `args` (a CLI_WRITES command).
 * Dispose of it with cli_commit_dispose() whatever this returns.
 * @return CLI_EXIT_OK, or CLI_EXIT_USAGE after printing a bad --author or
 *         --date (or $KV_AUTHOR, $KV_DATE)
 */
int cli_commit_init(cli_commit *c, const cli_args *args);

/* Release what cli_commit_init() made. */
void cli_commit_dispose(cli_commit *c);

/*
 * Report the outcome of a write: `rc` is what kv_set(), kv_remove() or
 * kv_txn_commit() returned and `id` the head it gave. Text: "[BRANCH
 * 1a2b3c4d5e6f] SUBJECT", or nothing when nothing changed; JSON:
 * {"commit":ID,"changed":BOOL}. Prints the error if `rc` < 0.
 * @return the exit code
 */
int cli_report_write(const cli_ctx *ctx, int rc, const kv_oid *id);

/* The conflicts of a merge or revert result `r` (may be NULL), one a
 * line on stdout: "CONFLICT (KIND): KEY [STRATEGY] REASON". */
void cli_conflicts_print(const kv_merge_result *r);

/* The same as a JSON array of {"key","kind","strategy","reason","base",
 * "ours","theirs"} objects on stdout. */
void cli_conflicts_json(const kv_merge_result *r);

/* Print `commit` as `kvctl log` does (git's medium format). */
void cli_commit_print(FILE *f, const kv_commit *commit);

/* Print `commit` as one JSON object: id, tree, parents, author,
 * committer, message; without the closing brace, so callers may add
 * fields. */
void cli_commit_json_open(FILE *f, const kv_commit *commit);

/* The first line of the commit's message, and its length. */
const char *cli_commit_subject(const kv_commit *commit, size_t *len);

/* ------------------------------------------------------------------ */
/* Differences (cmd_diff.c)                                            */
/* ------------------------------------------------------------------ */

/* State of a listing of deltas: where it goes and how many so far. */
typedef struct {
	int json;     /* print JSON objects (the caller writes the brackets) */
	size_t count; /* deltas printed */
} cli_delta_list;

/* A kv_delta_cb printing one delta to stdout: "A\tKEY" (or D, M), or a
 * JSON object {"status","key","old","new"} preceded by ',' after the
 * first. `payload` is a cli_delta_list. */
int cli_print_delta(const kv_delta *delta, void *payload);

/* ------------------------------------------------------------------ */
/* Refs (cmd_branch.c)                                                 */
/* ------------------------------------------------------------------ */

/*
 * List the refs under `prefix` ("refs/heads/") by their short names, one
 * a line; `current` (or NULL) is marked with '*'; `verbose` adds the id
 * and subject. JSON: an array of {"name","id"} (and "current" when
 * `current` is given).
 * @return the exit code
 */
int cli_list_refs(const cli_ctx *ctx, const char *prefix, const char *current,
                  int verbose);

/* Report that `what` ("branch", "tag") `name` was created at, or deleted
 * from, `id`. JSON: {"name","id"}. @return CLI_EXIT_OK */
int cli_report_ref(const cli_ctx *ctx, const char *what, const char *name,
                   int deleted, const kv_oid *id);

/* ------------------------------------------------------------------ */
/* Values (io.c)                                                       */
/* ------------------------------------------------------------------ */

/* A growable byte array owned by the CLI (freed with free()). */
typedef struct {
	char *ptr;   /* the bytes, or NULL */
	size_t size; /* bytes used */
	size_t cap;  /* bytes allocated */
} cli_bytes;

/*
 * Read all of `path` ("-": standard input) into `out`, which must start
 * zeroed. Prints the error.
 * @return CLI_EXIT_OK or CLI_EXIT_ERROR
 */
int cli_read_file(cli_bytes *out, const char *path);

/* Write `len` bytes of `p` to stdout. @return CLI_EXIT_OK or
 * CLI_EXIT_ERROR after printing the error */
int cli_write_stdout(const void *p, size_t len);

#endif /* KVCTL_CLI_H */
