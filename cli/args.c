/*
 * args.c: the command line of one command, and its --help.
 *
 * Rules (as git's parse-options, simplified): options and operands may be
 * mixed; "--" ends the options; a lone "-" is an operand (standard input);
 * a long option takes its value as "--name=V" or "--name V", a short one as
 * "-xV" or "-x V"; short flags cluster ("-rf"). An option the command does
 * not know, a missing value, or too few or too many operands is a usage
 * error (exit 2). The options every command takes (-b, --json, --help) are
 * handled here and stored in the cli_ctx.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The options common to every command, shown by --help after the
 * command's own. */
static const cli_option common_options[] = {
        {'b', "branch", "BRANCH",
         "branch to write, or revision to read (default: main)"},
        {0, "json", NULL, "print JSON (see docs/kvctl.md)"},
        {'h', "help", NULL, "show this help"},
        {0, NULL, NULL, NULL}};

enum { COMMON_BRANCH, COMMON_JSON, COMMON_HELP };

/* 1 for the zeroed entry that ends a table of options. */
static int is_end(const cli_option *o)
{
	return !o->short_name && !o->long_name;
}

/* Index of the option whose long name is the `len` bytes of `name`, or
 * -1. */
static int find_long(const cli_option *opts, const char *name, size_t len)
{
	int i;

	for (i = 0; opts && !is_end(&opts[i]); i++)
		if (opts[i].long_name && strlen(opts[i].long_name) == len &&
		    memcmp(opts[i].long_name, name, len) == 0)
			return i;
	return -1;
}

/* Index of the option whose short name is `c`, or -1. */
static int find_short(const cli_option *opts, char c)
{
	int i;

	for (i = 0; opts && !is_end(&opts[i]); i++)
		if (opts[i].short_name == c)
			return i;
	return -1;
}

/* The number of options in table `opts` (NULL: none). */
static int count_options(const cli_option *opts)
{
	int n = 0;

	while (opts && !is_end(&opts[n]))
		n++;
	return n;
}

/* State of one parse: where we are in argv, and where the results go. */
typedef struct {
	const cli_command *cmd; /* the command being parsed */
	cli_args *out;          /* its options and operands */
	cli_ctx *ctx;           /* receives the common options */
	int argc;               /* argv's length */
	char **argv;            /* the command line, argv[0] the command */
	int i;                  /* the argument being read */
	int help;               /* --help was given */
} parser;

/* Record option `idx` (of the command if `own`, else common) with value
 * `val`. */
static void record(parser *p, int own, int idx, const char *val)
{
	if (own) {
		p->out->value[idx] = val ? val : "";
		p->out->count[idx]++;
	} else if (idx == COMMON_BRANCH) {
		p->ctx->branch = val;
	} else if (idx == COMMON_JSON) {
		p->ctx->json = 1;
	} else {
		p->help = 1;
	}
}

/* Find option `name`/`c` first among the command's, then the common
 * ones; sets *own. Returns its index or -1. */
static int lookup(parser *p, const char *name, size_t len, char c, int *own)
{
	int idx;

	*own = 1;
	idx = name ? find_long(p->cmd->options, name, len)
	           : find_short(p->cmd->options, c);
	if (idx >= 0)
		return idx;
	*own = 0;
	return name ? find_long(common_options, name, len)
	            : find_short(common_options, c);
}

static const cli_option *option_at(const parser *p, int own, int idx)
{
	return own ? &p->cmd->options[idx] : &common_options[idx];
}

/* Parse the long option at argv[p->i] ("--name" or "--name=value").
 * Returns 0, or CLI_EXIT_USAGE after reporting. */
static int parse_long(parser *p)
{
	const char *name = p->argv[p->i] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	int own, idx = lookup(p, name, len, 0, &own);
	const char *val = NULL;

	if (idx < 0)
		return cli_usage_error(p->cmd, "unknown option '--%.*s'",
		                       (int)len, name);
	if (option_at(p, own, idx)->arg_name) {
		if (eq)
			val = eq + 1;
		else if (p->i + 1 < p->argc)
			val = p->argv[++p->i];
		else
			return cli_usage_error(
			        p->cmd, "option '--%s' needs a value", name);
	} else if (eq) {
		return cli_usage_error(p->cmd, "option '--%.*s' takes no value",
		                       (int)len, name);
	}
	record(p, own, idx, val);
	return 0;
}

/* Parse the cluster of short options at argv[p->i] ("-rf", "-n5",
 * "-n 5"). Returns 0, or CLI_EXIT_USAGE after reporting. */
static int parse_short(parser *p)
{
	const char *s = p->argv[p->i];
	size_t j;

	for (j = 1; s[j]; j++) {
		int own, idx = lookup(p, NULL, 0, s[j], &own);
		const char *val = NULL;

		if (idx < 0)
			return cli_usage_error(p->cmd, "unknown option '-%c'",
			                       s[j]);
		if (option_at(p, own, idx)->arg_name) {
			if (s[j + 1])
				val = s + j + 1;
			else if (p->i + 1 < p->argc)
				val = p->argv[++p->i];
			else
				return cli_usage_error(
				        p->cmd, "option '-%c' needs a value",
				        s[j]);
			record(p, own, idx, val);
			return 0;
		}
		record(p, own, idx, NULL);
	}
	return 0;
}

int cli_parse(cli_args *out, cli_ctx *ctx, const cli_command *cmd, int argc,
              char **argv)
{
	parser p = {cmd, out, ctx, argc, argv, 1, 0};
	int only_operands = 0, err;

	memset(out, 0, sizeof(*out));
	out->argv = argv + 1;
	if (count_options(cmd->options) > CLI_MAX_OPTIONS) /* a table bug */
		return cli_usage_error(cmd, "too many options");
	for (; p.i < argc; p.i++) {
		char *a = argv[p.i];

		if (only_operands || a[0] != '-' || a[1] == '\0') {
			out->argv[out->argc++] = a; /* never passes p.i */
			continue;
		}
		if (strcmp(a, "--") == 0)
			only_operands = 1;
		else if ((err = a[1] == '-' ? parse_long(&p)
		                            : parse_short(&p)) != 0)
			return err;
	}
	if (p.help) {
		cli_usage(stdout, cmd);
		return CLI_EXIT_OK;
	}
	if (out->argc < cmd->min_args)
		return cli_usage_error(cmd, "missing operand");
	if (cmd->max_args >= 0 && out->argc > cmd->max_args)
		return cli_usage_error(cmd, "unexpected operand '%s'",
		                       out->argv[cmd->max_args]);
	return -1;
}

/* Print one option line of --help, as git does. */
static void usage_option(FILE *f, const cli_option *o)
{
	char head[64];
	int n;

	if (o->short_name && o->long_name)
		n = snprintf(head, sizeof(head), "-%c, --%s", o->short_name,
		             o->long_name);
	else if (o->short_name)
		n = snprintf(head, sizeof(head), "-%c", o->short_name);
	else
		n = snprintf(head, sizeof(head), "    --%s", o->long_name);
	if (o->arg_name && n > 0 && (size_t)n < sizeof(head))
		snprintf(head + n, sizeof(head) - (size_t)n, " %s",
		         o->arg_name);
	if (strlen(head) > 24)
		fprintf(f, "    %s\n    %-24s  %s\n", head, "", o->help);
	else
		fprintf(f, "    %-24s  %s\n", head, o->help);
}

void cli_usage(FILE *f, const cli_command *cmd)
{
	const cli_option *o;

	fprintf(f, "usage: kvctl %s [options]%s%s\n\n", cmd->name,
	        *cmd->synopsis ? " " : "", cmd->synopsis);
	fprintf(f, "%s\n\n", cmd->description);
	if (cmd->options && !is_end(cmd->options)) {
		fprintf(f, "options:\n");
		for (o = cmd->options; !is_end(o); o++)
			usage_option(f, o);
		fprintf(f, "\n");
	}
	fprintf(f, "common options:\n");
	for (o = common_options; !is_end(o); o++)
		usage_option(f, o);
}

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kvctl: %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n");
	cli_usage(stderr, cmd);
	return CLI_EXIT_USAGE;
}

const char *cli_path_operand(const cli_args *args, int i)
{
	char *s;
	size_t len;

	if (i >= args->argc)
		return NULL;
	s = args->argv[i];
	for (len = strlen(s); len > 0 && s[len - 1] == '/'; len--)
		s[len - 1] = '\0';
	return s;
}

int cli_parse_count(size_t *out, const char *s)
{
	size_t n = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > ((size_t)-1 - 9) / 10)
			return -1;
		n = n * 10 + (size_t)(*s - '0');
	}
	*out = n;
	return 0;
}
