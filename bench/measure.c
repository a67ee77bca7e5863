/*
 * measure.c: run a command and write its wall time, peak RSS and exit
 * status to a file, for bench/run.py.
 *
 *   measure OUT PROGRAM [ARG...]
 *
 * OUT receives one line "SECONDS MAXRSS_KIB STATUS". Standard input,
 * output and error are the command's own. Python cannot measure this
 * itself: a child forked from the Python interpreter starts with the
 * interpreter's pages, and the kernel counts them in the child's peak RSS
 * (ru_maxrss keeps the high-water mark across exec). Forked from this small
 * program, the child's peak is its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	double t0, t1;
	int status, code;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: measure OUT PROGRAM [ARG...]\n");
		return 2;
	}
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("measure: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "measure: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("measure: wait4");
			return 127;
		}
	}
	t1 = now();
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 127;
	}
	fprintf(out, "%.6f %ld %d\n", t1 - t0, ru.ru_maxrss, code);
	if (fclose(out) != 0) {
		perror(argv[1]);
		return 127;
	}
	return code;
}
