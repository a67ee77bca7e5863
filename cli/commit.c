/*
 * commit.c: commit options from the command line, and printing commits.
 *
 * The author of a commit comes from --author, else $KV_AUTHOR; its date
 * from --date, else $KV_DATE, else now. When neither --author nor
 * $KV_AUTHOR is set, the library picks the author (git's user.name and
 * user.email, else "kv <kv@localhost>"); a --date is then passed on to it
 * through $KV_DATE, the one channel the public API has for a date alone.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The option value at `idx`, else the environment variable `env`. */
static const char *option_or_env(const cli_args *args, int idx, const char *env)
{
	const char *v = args->value[idx];

	if (!v) {
		v = getenv(env);
		if (v && !*v)
			v = NULL;
	}
	return v;
}

int cli_commit_init(cli_commit *c, const cli_args *args)
{
	const char *ident = option_or_env(args, CLI_OPT_AUTHOR, "KV_AUTHOR");
	const char *when = option_or_env(args, CLI_OPT_DATE, "KV_DATE");
	int rc;

	memset(c, 0, sizeof(*c));
	kv_commit_options_init(&c->opts, KV_COMMIT_OPTIONS_VERSION);
	c->opts.message = args->value[CLI_OPT_MESSAGE];
	if (ident) {
		rc = kv_signature_parse(&c->author, &c->buf, ident, when);
		if (rc < 0)
			goto bad;
		c->opts.author = &c->author;
		return CLI_EXIT_OK;
	}
	if (when) {
		/* Check the date now, then let the library pick the name. */
		rc = kv_signature_parse(&c->author, &c->buf,
		                        "kv <kv@localhost>", when);
		if (rc < 0)
			goto bad;
		if (setenv("KV_DATE", when, 1) != 0)
			return cli_error(CLI_EXIT_ERROR, "setenv failed");
	}
	return CLI_EXIT_OK;
bad:
	cli_fail(rc);
	return CLI_EXIT_USAGE; /* a bad option value */
}

void cli_commit_dispose(cli_commit *c)
{
	kv_buf_dispose(&c->buf);
}

const char *cli_commit_subject(const kv_commit *commit, size_t *len)
{
	const char *msg = kv_commit_message(commit);
	const char *nl;

	if (!msg)
		msg = "";
	nl = strchr(msg, '\n');
	*len = nl ? (size_t)(nl - msg) : strlen(msg);
	return msg;
}

/* Print "[BRANCH 1a2b3c4d5e6f] SUBJECT" for the new head `id`. */
static void print_new_head(const cli_ctx *ctx, const kv_oid *id)
{
	char hex[KV_OID_HEXSZ + 1];
	kv_commit *commit = NULL;
	const char *subject = "";
	size_t len = 0;

	kv_oid_tostr(hex, id);
	if (kv_commit_lookup(&commit, ctx->store, id) == 0)
		subject = cli_commit_subject(commit, &len);
	else
		kv_error_clear();
	printf("[%s %.12s] %.*s\n", cli_branch_name(ctx), hex, (int)len,
	       subject);
	kv_commit_free(commit);
}

int cli_report_write(const cli_ctx *ctx, int rc, const kv_oid *id)
{
	if (rc < 0)
		return cli_fail(rc);
	if (ctx->json) {
		printf("{\"commit\":");
		cli_json_oid(stdout, id);
		printf(",\"changed\":%s}\n", rc == 0 ? "true" : "false");
	} else if (rc == 0) {
		print_new_head(ctx, id);
	}
	return CLI_EXIT_OK;
}

/* Print the lines of `msg` indented by four spaces, as git log does. */
static void print_indented(FILE *f, const char *msg)
{
	while (msg && *msg) {
		const char *nl = strchr(msg, '\n');
		size_t len = nl ? (size_t)(nl - msg) : strlen(msg);

		if (len)
			fprintf(f, "    %.*s\n", (int)len, msg);
		else
			fputc('\n', f);
		msg += len + (nl != NULL);
	}
}

void cli_commit_print(FILE *f, const kv_commit *commit)
{
	const kv_signature *a = kv_commit_author(commit);
	char hex[KV_OID_HEXSZ + 1], date[64];
	size_t i, n = kv_commit_parentcount(commit);

	fprintf(f, "commit %s\n", kv_oid_tostr(hex, kv_commit_id(commit)));
	if (n > 1) {
		fputs("Merge:", f);
		for (i = 0; i < n; i++)
			fprintf(f, " %.12s",
			        kv_oid_tostr(hex,
			                     kv_commit_parent_id(commit, i)));
		fputc('\n', f);
	}
	cli_format_date(date, a->time, a->offset);
	fprintf(f, "Author: %s <%s>\nDate:   %s\n\n", a->name, a->email, date);
	print_indented(f, kv_commit_message(commit));
}

/* Write signature `s` as a JSON object. */
static void signature_json(FILE *f, const kv_signature *s)
{
	fputs("{\"name\":", f);
	cli_json_cstr(f, s->name);
	fputs(",\"email\":", f);
	cli_json_cstr(f, s->email);
	fprintf(f, ",\"time\":%lld,\"offset\":%d}", (long long)s->time,
	        s->offset);
}

void cli_commit_json_open(FILE *f, const kv_commit *commit)
{
	size_t i, n = kv_commit_parentcount(commit);

	fputs("{\"id\":", f);
	cli_json_oid(f, kv_commit_id(commit));
	fputs(",\"tree\":", f);
	cli_json_oid(f, kv_commit_tree_id(commit));
	fputs(",\"parents\":[", f);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		cli_json_oid(f, kv_commit_parent_id(commit, i));
	}
	fputs("],\"author\":", f);
	signature_json(f, kv_commit_author(commit));
	fputs(",\"committer\":", f);
	signature_json(f, kv_commit_committer(commit));
	fputs(",\"message\":", f);
	cli_json_cstr(f, kv_commit_message(commit));
}
