/* An executable plugin for the executor tests: params JSON on stdin,
 * {"mode": ..., "token": ..., ...}; each mode is one behaviour to test.
 *   echo          {"token": T}
 *   read PATH     try to read PATH: {"token": T, "ok": B, "errno": E, "data": S}
 *   garbage       not JSON on stdout            trailing   JSON then junk
 *   empty         nothing on stdout             big N      a JSON string of N bytes
 *   stderr N      N bytes on stderr, then echo  fail       error JSON, exit 3
 *   crash         SIGSEGV                       sleep S    sleep S seconds, then echo
 *   tree MARKER   start 3 sleeping children (argv: self --sleeper MARKER), sleep
 * Runs inside sandboxes: no sanitizer runtime. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int *volatile nowhere;

static void sleep_seconds(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void echo(const char *token)
{
	json_t *o = json_pack("{s:s}", "token", token);
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
}

static int do_read(const char *token, const char *path)
{
	char buf[256] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int e = fd < 0 ? errno : 0;
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	json_t *o = json_pack("{s:s, s:b, s:i, s:s}", "token", token, "ok", fd >= 0, "errno", e,
	                      "data", buf);
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--sleeper") == 0) {
		sleep_seconds(60);
		return 0;
	}
	json_error_t jerr;
	json_t *p = json_loadf(stdin, JSON_DECODE_ANY, &jerr);
	if (!p) {
		fprintf(stderr, "exec_plugin: bad params: %s\n", jerr.text);
		return 2;
	}
	const char *mode = json_string_value(json_object_get(p, "mode"));
	const char *token = json_string_value(json_object_get(p, "token"));
	const char *path = json_string_value(json_object_get(p, "path"));
	json_int_t n = json_integer_value(json_object_get(p, "n"));
	double seconds = json_number_value(json_object_get(p, "seconds"));
	if (!mode)
		mode = "echo";
	if (!token)
		token = "";
	if (strcmp(mode, "echo") == 0) {
		echo(token);
	} else if (strcmp(mode, "read") == 0) {
		return do_read(token, path ? path : "/");
	} else if (strcmp(mode, "garbage") == 0) {
		puts("this is not { json");
	} else if (strcmp(mode, "trailing") == 0) {
		puts("{\"a\": 1} and more");
	} else if (strcmp(mode, "empty") == 0) {
		/* nothing */
	} else if (strcmp(mode, "big") == 0) {
		putchar('"');
		for (json_int_t i = 0; i < n; i++)
			putchar('x');
		puts("\"");
	} else if (strcmp(mode, "stderr") == 0) {
		for (json_int_t i = 0; i < n; i++)
			fputc(i % 64 == 63 ? '\n' : 'e', stderr);
		echo(token);
	} else if (strcmp(mode, "fail") == 0) {
		puts("{\"error\": \"it failed\"}");
		fputs("exec_plugin: failing on purpose\n", stderr);
		return 3;
	} else if (strcmp(mode, "crash") == 0) {
		fflush(stdout);
		*nowhere = 1; /* a fault kills even a namespace's init, unlike raise() */
	} else if (strcmp(mode, "sleep") == 0) {
		sleep_seconds(seconds);
		echo(token);
	} else if (strcmp(mode, "tree") == 0) {
		for (int i = 0; i < 3; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				execl(argv[0], argv[0], "--sleeper", path, (char *)NULL);
				_exit(127);
			}
		}
		sleep_seconds(60);
		echo(token);
	} else {
		fprintf(stderr, "exec_plugin: unknown mode %s\n", mode);
		return 2;
	}
	json_decref(p);
	return 0;
}
