/*
 * cmd_batch.c: `kvctl batch`: apply set/rm lines from standard input as
 * one commit. All lines apply, or none (the first bad line stops the
 * batch and nothing is committed).
 *
 * The format (docs/kvctl.md has examples). One operation per line; a line
 * ends at "\n" (a "\r" before it is part of the line); empty lines and
 * lines starting with '#' are skipped:
 *
 *   set KEY VALUE        VALUE is the rest of the line after one space
 *   set-base64 KEY B64   the value is B64 decoded (any bytes)
 *   set-file KEY PATH    the value is the content of file PATH
 *   rm KEY               remove a value (a directory is an error)
 *   rm -r KEY            remove a value or a directory
 *
 * Quoting: a KEY, VALUE or PATH that starts with '"' is a JSON string
 * literal ("a b", "line\nline", "\u00e9"), which is how a key with a
 * space, or a value with a newline or a leading quote, is written. Any
 * other field is taken as it is: a KEY or PATH up to the next space, a
 * VALUE to the end of the line.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cli.h"

static const cli_option options[] = {CLI_COMMIT_OPTIONS, {0, NULL, NULL, NULL}};

/* One line being parsed. */
typedef struct {
	const char *p;   /* the next byte to read */
	const char *end; /* the end of the line */
	size_t lineno;   /* 1-based, for messages */
	const char *err; /* a syntax error, or NULL */
} line_cursor;

/* Append code point `cp` as UTF-8 at out[*n]. */
static void put_utf8(char *out, size_t *n, unsigned long cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | cp >> 6);
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | cp >> 12);
		out[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | cp >> 18);
		out[(*n)++] = (char)(0x80 | (cp >> 12 & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/* Read 4 hex digits at c->p as a number; -1 if they are not. */
static long hex4(line_cursor *c)
{
	long v = 0;
	int i;

	if (c->end - c->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char h = *c->p++;

		v <<= 4;
		if (h >= '0' && h <= '9')
			v |= h - '0';
		else if (h >= 'a' && h <= 'f')
			v |= h - 'a' + 10;
		else if (h >= 'A' && h <= 'F')
			v |= h - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Decode the \u escape after "\u" at c->p (with a following surrogate
 * half if needed) into out. @return 0, or -1 */
static int unicode_escape(line_cursor *c, char *out, size_t *n)
{
	long hi = hex4(c), lo;

	if (hi < 0)
		return -1;
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
			return -1;
		c->p += 2;
		lo = hex4(c);
		if (lo < 0xdc00 || lo > 0xdfff)
			return -1;
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	} else if (hi >= 0xdc00 && hi <= 0xdfff) {
		return -1;
	}
	put_utf8(out, n, (unsigned long)hi);
	return 0;
}

/* Decode the JSON string literal at c->p into `out` (room for the rest
 * of the line). @return its length, or -1 with c->err set */
static long json_string(line_cursor *c, char *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	size_t n = 0;

	for (c->p++; c->p < c->end && *c->p != '"'; c->p++) {
		const char *e;

		if ((unsigned char)*c->p < 0x20)
			break;
		if (*c->p != '\\') {
			out[n++] = *c->p;
			continue;
		}
		if (++c->p == c->end)
			break;
		if (*c->p == 'u') {
			c->p++;
			if (unicode_escape(c, out, &n) != 0)
				break;
			c->p--;
		} else if (*c->p && (e = strchr(from, *c->p))) {
			out[n++] = to[e - from];
		} else {
			break;
		}
	}
	if (c->p >= c->end || *c->p != '"') {
		c->err = "bad quoted string";
		return -1;
	}
	c->p++;
	return (long)n;
}

/*
 * Read the next field into `out` (NUL-terminated). A field that is not
 * the last ends at a space, which must be there since the last field
 * follows it; the last field runs to the end of the line. Either may be
 * a quoted string.
 * @return its length, or -1 (c->err set, or NULL if a field is missing)
 */
static long field(line_cursor *c, char *out, int last)
{
	const char *stop;
	long n;

	if (!last && c->p >= c->end)
		return -1;
	if (c->p < c->end && *c->p == '"') {
		if ((n = json_string(c, out)) < 0)
			return -1;
	} else {
		stop = last ? c->end
		            : memchr(c->p, ' ', (size_t)(c->end - c->p));
		if (!stop)
			return -1;
		n = stop - c->p;
		memcpy(out, c->p, (size_t)n);
		c->p += n;
	}
	out[n] = '\0';
	if (!last && (c->p >= c->end || *c->p++ != ' '))
		return -1;
	if (last && c->p != c->end) {
		c->err = "text after a quoted field";
		return -1;
	}
	return n;
}

/* The batch being built: the transaction and the line's buffers. */
typedef struct {
	kv_txn *txn;    /* where lines are staged */
	char *key;      /* a key field (room for a whole line) */
	char *val;      /* a value field (room for a whole line) */
	cli_bytes file; /* the content of a set-file */
} batch;

/* Stage `rm [-r] KEY`. @return a kv code */
static int stage_rm(batch *b, const char *key, int recursive)
{
	kv_buf tmp = KV_BUF_INIT;
	int rc;

	if (recursive)
		return kv_txn_remove(b->txn, key);
	rc = kv_txn_get(&tmp, b->txn, key);
	kv_buf_dispose(&tmp);
	if (rc != KV_ENOTFOUND)
		return rc < 0 ? rc : kv_txn_remove(b->txn, key);
	/* Absent, or a directory: removing tells which. */
	if ((rc = kv_txn_remove(b->txn, key)) < 0)
		return rc;
	return 1; /* a directory: the caller refuses it */
}

/* Stage the value operation `op` whose KEY and last field are parsed. */
static int stage_set(batch *b, const char *op, size_t vlen, line_cursor *c)
{
	size_t n;

	if (strcmp(op, "set") == 0)
		return kv_txn_set(b->txn, b->key, b->val, vlen);
	if (strcmp(op, "set-base64") == 0) {
		if (cli_base64_decode((unsigned char *)b->val, &n, b->val,
		                      vlen) != 0) {
			c->err = "bad base64";
			return KV_EINVALID;
		}
		return kv_txn_set(b->txn, b->key, b->val, n);
	}
	free(b->file.ptr);
	memset(&b->file, 0, sizeof(b->file));
	if (cli_read_file(&b->file, b->val) != CLI_EXIT_OK) {
		c->err = "cannot read the file";
		return KV_EIO;
	}
	return kv_txn_set(b->txn, b->key, b->file.ptr ? b->file.ptr : "",
	                  b->file.size);
}

/* Report line c->lineno's error; returns the exit code. */
static int line_error(line_cursor *c, int rc, const char *syntax)
{
	const kv_error *e = kv_error_last();

	if (c->err) /* a syntax error (2), or a file that does not read */
		return cli_error(rc == KV_EIO ? CLI_EXIT_ERROR : CLI_EXIT_USAGE,
		                 "batch: line %zu: %s", c->lineno, c->err);
	if (rc == 0)
		return cli_error(CLI_EXIT_USAGE, "batch: line %zu: expected %s",
		                 c->lineno, syntax);
	return cli_error(cli_exit_code(rc), "batch: line %zu: %s", c->lineno,
	                 e && e->message ? e->message : kv_strerror(rc));
}

/* Parse and stage one line. @return CLI_EXIT_OK or the exit code */
static int stage_line(batch *b, line_cursor *c)
{
	static const char *const syntax[] = {
	        "'set KEY VALUE', 'set-base64 KEY B64', 'set-file KEY PATH'",
	        "'rm KEY' or 'rm -r KEY'"};
	const char *sp = memchr(c->p, ' ', (size_t)(c->end - c->p));
	size_t oplen = sp ? (size_t)(sp - c->p) : (size_t)(c->end - c->p);
	char op[16];
	int rm, recursive = 0, rc;
	long klen, vlen = 0;

	if (!sp || oplen >= sizeof(op))
		return line_error(c, 0, syntax[0]);
	memcpy(op, c->p, oplen);
	op[oplen] = '\0';
	c->p = sp + 1;
	rm = strcmp(op, "rm") == 0;
	if (!rm && strcmp(op, "set") && strcmp(op, "set-base64") &&
	    strcmp(op, "set-file"))
		return line_error(c, 0, syntax[0]);
	if (rm && c->end - c->p > 3 && memcmp(c->p, "-r ", 3) == 0) {
		recursive = 1;
		c->p += 3;
	}
	if (rm) {
		if ((klen = field(c, b->key, 1)) < 0)
			return line_error(c, 0, syntax[1]);
	} else if ((klen = field(c, b->key, 0)) < 0 ||
	           (vlen = field(c, b->val, 1)) < 0) {
		return line_error(c, 0, syntax[0]);
	}
	if ((size_t)klen != strlen(b->key) ||
	    (!strcmp(op, "set-file") && (size_t)vlen != strlen(b->val))) {
		c->err = "a NUL byte in a key or path";
		return line_error(c, 0, NULL);
	}
	rc = rm ? stage_rm(b, b->key, recursive)
	        : stage_set(b, op, (size_t)vlen, c);
	if (rc == 1)
		return cli_error(CLI_EXIT_ERROR,
		                 "batch: line %zu: '%s' is a directory; use "
		                 "'rm -r KEY'",
		                 c->lineno, b->key);
	return rc < 0 ? line_error(c, rc, NULL) : CLI_EXIT_OK;
}

/* Read standard input line by line and stage each line in b->txn. */
static int stage_all(batch *b)
{
	line_cursor c = {NULL, NULL, 0, NULL};
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = CLI_EXIT_OK;

	while (rc == CLI_EXIT_OK && (len = getline(&line, &cap, stdin)) >= 0) {
		c.lineno++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len == 0 || line[0] == '#')
			continue;
		c.p = line;
		c.end = line + len;
		c.err = NULL;
		free(b->key);
		free(b->val);
		b->key = malloc((size_t)len + 4);
		b->val = malloc((size_t)len + 4);
		if (!b->key || !b->val)
			rc = cli_error(CLI_EXIT_ERROR, "out of memory");
		else
			rc = stage_line(b, &c);
	}
	if (rc == CLI_EXIT_OK && ferror(stdin))
		rc = cli_error(CLI_EXIT_ERROR, "error reading standard input");
	free(line);
	return rc;
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	batch b = {NULL, NULL, NULL, {NULL, 0, 0}};
	cli_commit c;
	kv_oid id;
	int rc;

	if ((rc = cli_commit_init(&c, args)) != CLI_EXIT_OK ||
	    (rc = cli_check_branch(ctx)) != CLI_EXIT_OK)
		goto done;
	if ((rc = kv_txn_begin(&b.txn, ctx->store, ctx->branch)) < 0) {
		rc = cli_fail(rc);
		goto done;
	}
	if ((rc = stage_all(&b)) != CLI_EXIT_OK)
		goto done;
	memset(&id, 0, sizeof(id));
	rc = kv_txn_commit(&id, b.txn, &c.opts);
	rc = cli_report_write(ctx, rc, &id);
done:
	kv_txn_free(b.txn);
	free(b.key);
	free(b.val);
	free(b.file.ptr);
	cli_commit_dispose(&c);
	return rc;
}

const cli_command cli_cmd_batch = {
        "batch",
        run,
        "",
        "apply set/rm lines from standard input in one commit",
        "Read operations from standard input, one per line, and commit them "
        "all as one\ncommit (or nothing, if a line is wrong):\n\n"
        "    set KEY VALUE         VALUE: the rest of the line\n"
        "    set-base64 KEY B64    the value is B64 decoded\n"
        "    set-file KEY PATH     the value is the content of file PATH\n"
        "    rm KEY                remove a value\n"
        "    rm -r KEY             remove a value or a directory\n\n"
        "A field starting with '\"' is a JSON string (\"a b\", \"x\\ny\"). "
        "Empty lines\nand lines starting with '#' are skipped.",
        options,
        0,
        0,
        CLI_NEEDS_STORE | CLI_WRITES};
