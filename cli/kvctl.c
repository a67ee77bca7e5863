/*
 * kvctl.c: the kvctl program: global options, the table of commands, and
 * the dispatch to one of them.
 *
 *   kvctl [-C DIR] [--store URI] [-b BRANCH] [--json] COMMAND [ARGS...]
 *
 * Global options come before the command (-b and --json may also come
 * after it). -C changes the current folder at once, as in git, so that
 * later relative paths (--store, init DIR, --file) are taken from there.
 * Each command's options and operands are checked (args.c) and its store
 * opened (store.c) before it runs; it returns the exit code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* clone and gc (cmd_clone.c, cmd_gc.c), declared here until cli.h lists
 * them. */
extern const cli_command cli_cmd_clone, cli_cmd_gc;

/* The commands, in the order `kvctl --help` shows them. */
static const cli_command *const commands[] = {
        &cli_cmd_init, &cli_cmd_get,   &cli_cmd_set,        &cli_cmd_rm,
        &cli_cmd_ls,   &cli_cmd_tree,  &cli_cmd_batch,      &cli_cmd_log,
        &cli_cmd_show, &cli_cmd_diff,  &cli_cmd_rev_parse,  &cli_cmd_branch,
        &cli_cmd_tag,  &cli_cmd_merge, &cli_cmd_merge_base, &cli_cmd_revert,
        &cli_cmd_fsck, &cli_cmd_stats, &cli_cmd_clone, &cli_cmd_gc};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const cli_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* Print the global usage and the list of commands to `f`. */
static void usage(FILE *f)
{
	size_t i;

	fputs("usage: kvctl [-C DIR] [--store URI] [-b BRANCH] [--json] "
	      "COMMAND [ARGS...]\n\n"
	      "kvctl reads and writes a kv store: a versioned key-value store "
	      "whose\nevery write is a commit on a branch.\n\ncommands:\n",
	      f);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "    %-10s  %s\n", commands[i]->name,
		        commands[i]->summary);
	fputs("\nglobal options:\n"
	      "    -C DIR                    run as if started in DIR\n"
	      "    --store URI               the store: a folder, lmdb:PATH "
	      "(default: $KV_STORE,\n"
	      "                              else .kv here or in a parent "
	      "folder)\n"
	      "    -b, --branch BRANCH       the branch to use (default: "
	      "main)\n"
	      "    --json                    print JSON\n"
	      "    -h, --help                show this help; kvctl COMMAND "
	      "--help for a command\n"
	      "    --version                 show the version\n\n"
	      "exit codes: 0 ok, 1 not found, 2 usage, 3 conflict, 4 other "
	      "errors\n",
	      f);
}

/* Run command `cmd` with its arguments argv[0..argc-1] (argv[0] its
 * name). */
static int run_command(cli_ctx *ctx, const cli_command *cmd, int argc,
                       char **argv)
{
	cli_args args;
	int rc = cli_parse(&args, ctx, cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if ((cmd->flags & CLI_NEEDS_STORE) &&
	    (rc = cli_store_open(ctx)) != CLI_EXIT_OK)
		return rc;
	rc = cmd->run(ctx, &args);
	kv_store_free(ctx->store);
	ctx->store = NULL;
	return rc;
}

/* `kvctl help [COMMAND]`. */
static int help(int argc, char **argv)
{
	const cli_command *cmd;

	if (argc < 2) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!(cmd = find_command(argv[1])))
		return cli_error(CLI_EXIT_USAGE, "'%s' is not a command",
		                 argv[1]);
	cli_usage(stdout, cmd);
	return CLI_EXIT_OK;
}

/* The value of the global option at argv[*i] named `name` ("--store" or
 * "-C"), given as "NAME VALUE", "NAME=VALUE" or, for short ones,
 * "-CVALUE"; NULL if argv[*i] is not that option. Sets *missing if the
 * value is missing. */
static const char *global_value(int argc, char **argv, int *i, const char *name,
                                int *missing)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=' || (a[n] && name[1] != '-'))
		return a + n + (a[n] == '=');
	if (a[n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

/*
 * Parse the global options at argv[1..]; *next is set to the index of the
 * command name. Returns -1 to go on, or an exit code.
 */
static int parse_globals(cli_ctx *ctx, int argc, char **argv, int *next)
{
	int i, missing = 0;
	const char *v;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if ((v = global_value(argc, argv, &i, "-C", &missing))) {
			if (chdir(v) != 0)
				return cli_error(CLI_EXIT_ERROR,
				                 "cannot change to '%s': %s", v,
				                 strerror(errno));
		} else if ((v = global_value(argc, argv, &i, "--store",
		                             &missing))) {
			ctx->store_uri = v;
		} else if ((v = global_value(argc, argv, &i, "--branch",
		                             &missing)) ||
		           (v = global_value(argc, argv, &i, "-b", &missing))) {
			ctx->branch = v;
		} else if (missing) {
			break;
		} else if (strcmp(a, "--json") == 0) {
			ctx->json = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(a, "--version") == 0) {
			printf("kvctl %s (libkv %s)\n", KV_VERSION_STRING,
			       kv_version());
			return CLI_EXIT_OK;
		} else {
			break;
		}
	}
	if (missing || i >= argc || argv[i][0] == '-') {
		if (missing)
			cli_error(CLI_EXIT_USAGE, "option '%s' needs a value",
			          argv[i]);
		else if (i < argc)
			cli_error(CLI_EXIT_USAGE, "unknown option '%s'",
			          argv[i]);
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	*next = i;
	return -1;
}

int main(int argc, char **argv)
{
	cli_ctx ctx = {NULL, NULL, 0, NULL};
	const cli_command *cmd;
	int i = 1, rc;

	if ((rc = parse_globals(&ctx, argc, argv, &i)) >= 0)
		return rc;
	if (strcmp(argv[i], "help") == 0)
		rc = help(argc - i, argv + i);
	else if (!(cmd = find_command(argv[i])))
		rc = cli_error(CLI_EXIT_USAGE,
		               "'%s' is not a command; see 'kvctl --help'",
		               argv[i]);
	else
		rc = run_command(&ctx, cmd, argc - i, argv + i);
	if (rc == CLI_EXIT_OK)
		rc = cli_flush(); /* a full disk shows only now */
	else
		fflush(stdout); /* the error is already reported */
	return rc;
}
