/*
 * io.c: reading values from files or standard input, writing them out.
 *
 * Values are bytes of any size that fits in memory (100 MiB values are
 * tested): a file is read whole, in binary, NUL bytes included. A regular
 * file is read into one allocation of its size; a pipe grows the buffer
 * by doubling.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define CHUNK (64 * 1024)

/* Make room for `more` bytes past out->size. @return 0 or -1 (ENOMEM) */
static int reserve(cli_bytes *out, size_t more)
{
	size_t cap = out->cap ? out->cap : CHUNK;
	char *p;

	if (out->size + more <= out->cap)
		return 0;
	while (cap < out->size + more) {
		if (cap > ((size_t)-1) / 2) {
			errno = ENOMEM;
			return -1;
		}
		cap *= 2;
	}
	if (!(p = realloc(out->ptr, cap)))
		return -1;
	out->ptr = p;
	out->cap = cap;
	return 0;
}

/* Read all of the open stream `f` into `out`. @return 0, or -1 (errno) */
static int read_stream(cli_bytes *out, FILE *f)
{
	struct stat st;
	size_t n;

	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0 && reserve(out, (size_t)st.st_size + 1) != 0)
		return -1;
	for (;;) {
		if (reserve(out, CHUNK) != 0)
			return -1;
		n = fread(out->ptr + out->size, 1, out->cap - out->size, f);
		out->size += n;
		if (n == 0)
			break;
	}
	return ferror(f) ? -1 : 0;
}

int cli_read_file(cli_bytes *out, const char *path)
{
	int is_stdin = strcmp(path, "-") == 0, rc, err;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");

	if (!f)
		return cli_error(CLI_EXIT_ERROR, "%s: %s", path,
		                 strerror(errno));
	rc = read_stream(out, f);
	err = errno;
	if (!is_stdin)
		fclose(f);
	if (rc != 0)
		return cli_error(CLI_EXIT_ERROR, "%s: %s",
		                 is_stdin ? "standard input" : path,
		                 strerror(err));
	return CLI_EXIT_OK;
}

int cli_write_stdout(const void *p, size_t len)
{
	if (len && fwrite(p, 1, len, stdout) != len)
		return cli_error(CLI_EXIT_ERROR, "write error: %s",
		                 strerror(errno));
	return CLI_EXIT_OK;
}
