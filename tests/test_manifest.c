/* Plugin manifests: valid ones load completely; invalid ones report every
 * problem with its JSON location, never crash and are never half-loaded.
 * `praxis check` prints the same problems. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_rig.h"
#include "helpers.h"
#include "praxis/executor.h"

TestSuite(manifest, .timeout = 30);

/* A plugin directory with an executable "run.sh" and a "lib.so" file. */
static const char *plugin_dir(void)
{
	const char *dir = tmpdir_new(false);
	file_put(tpath("%s/run.sh", dir), "#!/bin/sh\necho '{}'\n", false);
	cr_assert_eq(chmod(tpath("%s/run.sh", dir), 0755), 0);
	file_put(tpath("%s/lib.so", dir), "not really an ELF, not loaded here\n", false);
	file_put(tpath("%s/notes.txt", dir), "not executable\n", false);
	return dir;
}

/* Write JSON as DIR/manifest.json and load it. */
static int load(const char *dir, const char *json, praxis_manifest **m, praxis_problems **pr,
                praxis_error *err)
{
	const char *path = tpath("%s/manifest.json", dir);
	file_put(path, json, false);
	*m = (praxis_manifest *)0x1; /* must be overwritten either way */
	return praxis_manifest_load(path, m, pr, err);
}

static bool has_problem(const praxis_problems *pr, const char *location, const char *text)
{
	for (size_t i = 0; i < praxis_problems_count(pr); i++) {
		const praxis_problem *p = praxis_problems_get(pr, i);
		if (strcmp(p->location, location) == 0 && strstr(p->message, text))
			return true;
	}
	return false;
}

static const char *list_problems(const praxis_problems *pr)
{
	static char buf[8192];
	buf[0] = '\0';
	for (size_t i = 0; i < praxis_problems_count(pr); i++) {
		const praxis_problem *p = praxis_problems_get(pr, i);
		size_t len = strlen(buf);
		snprintf(buf + len, sizeof(buf) - len, "\n  %s: %s", p->location, p->message);
	}
	return buf;
}

#define assert_problem(pr, loc, text)                                                              \
	cr_assert(has_problem((pr), (loc), (text)), "expected %s: ...%s...; got:%s", (loc),        \
	          (text), list_problems(pr))

static const char *full_manifest =
    "{\n"
    "  \"name\": \"full-plugin\",\n"
    "  \"version\": \"2.1.0\",\n"
    "  \"description\": \"every field\",\n"
    "  \"entry\": \"run.sh\",\n"
    "  \"capabilities\": [\n"
    "    {\"name\": \"filesystem.read\", \"options\": {\"path\": \"/usr/share\"}},\n"
    "    {\"name\": \"filesystem.read\", \"options\": {\"paths\": [\"data\", \"/srv/x\"]}},\n"
    "    {\"name\": \"filesystem.write\", \"options\": {\"path\": \"/tmp/out\"}},\n"
    "    {\"name\": \"environment.read\", \"options\": {\"names\": [\"HOME\", \"LANG\"]}},\n"
    "    {\"name\": \"system.subprocess\", \"options\": {\"executables\": [\"git\"]}},\n"
    "    {\"name\": \"network.http\", \"options\": {\"endpoints\": [\"example.com:443\"]}},\n"
    "    {\"name\": \"network.socket\"},\n"
    "    \"environment.write\"\n"
    "  ],\n"
    "  \"limits\": {\"memory_mb\": 256, \"cpu_seconds\": 1.5, \"wall_seconds\": 30,\n"
    "             \"max_procs\": 8, \"max_output_bytes\": 65536, \"max_open_files\": 64,\n"
    "             \"max_file_bytes\": 1048576},\n"
    "  \"x-vendor\": {\"anything\": true}\n"
    "}\n";

Test(manifest, full_manifest_loads_completely)
{
	const char *dir = plugin_dir();
	praxis_manifest *m;
	praxis_problems *pr = NULL;
	praxis_error err = {0};
	int r = load(dir, full_manifest, &m, &pr, &err);
	cr_assert_eq(r, 0, "%s%s", err.message, list_problems(pr));
	cr_assert_eq(praxis_problems_count(pr), 0);
	char real[PATH_MAX];
	cr_assert_not_null(realpath(dir, real));
	cr_assert_str_eq(praxis_manifest_name(m), "full-plugin");
	cr_assert_str_eq(praxis_manifest_version(m), "2.1.0");
	cr_assert_str_eq(praxis_manifest_description(m), "every field");
	cr_assert_str_eq(praxis_manifest_dir(m), real);
	cr_assert_eq(praxis_manifest_entry_kind(m), PRAXIS_ENTRY_EXECUTABLE);
	cr_assert_str_eq(praxis_manifest_entry(m), tpath("%s/run.sh", real));
	cr_assert_null(praxis_manifest_symbol(m));
	/* one grant per item, relative paths resolved against the directory */
	const char *expect[][2] = {
	    {"filesystem.read", "/usr/share"}, {"filesystem.read", tpath("%s/data", real)},
	    {"filesystem.read", "/srv/x"},     {"filesystem.write", "/tmp/out"},
	    {"environment.read", "HOME"},      {"environment.read", "LANG"},
	    {"system.subprocess", "git"},      {"network.http", "example.com:443"},
	    {"network.socket", NULL},          {"environment.write", NULL},
	};
	size_t n = sizeof(expect) / sizeof(*expect);
	cr_assert_eq(praxis_manifest_grant_count(m), n);
	for (size_t i = 0; i < n; i++) {
		const char *value = NULL;
		const char *name = praxis_manifest_grant(m, i, &value);
		cr_assert_str_eq(name, expect[i][0]);
		if (expect[i][1])
			cr_assert_str_eq(value, expect[i][1], "grant %zu", i);
		else
			cr_assert_null(value, "grant %zu", i);
	}
	const praxis_limits *l = praxis_manifest_limits(m);
	cr_assert_eq(l->memory_bytes, 256ULL << 20);
	cr_assert_float_eq(l->cpu_seconds, 1.5, 1e-9);
	cr_assert_float_eq(l->wall_seconds, 30, 1e-9);
	cr_assert_eq(l->max_procs, 8);
	cr_assert_eq(l->max_output_bytes, 65536);
	cr_assert_eq(l->max_open_files, 64);
	cr_assert_eq(l->max_file_bytes, 1048576);
	praxis_manifest_free(m);
	praxis_problems_free(pr);
}

Test(manifest, shared_object_entry_and_defaults)
{
	const char *dir = plugin_dir();
	praxis_manifest *m;
	praxis_error err = {0};
	int r = load(
	    dir,
	    "{\"name\": \"so\", \"version\": \"1\", \"entry\": {\"shared_object\": \"lib.so\"}}",
	    &m, NULL, &err);
	cr_assert_eq(r, 0, "%s", err.message);
	cr_assert_eq(praxis_manifest_entry_kind(m), PRAXIS_ENTRY_SHARED_OBJECT);
	cr_assert_str_eq(praxis_manifest_symbol(m), "praxis_plugin_main");
	cr_assert_str_eq(praxis_manifest_description(m), "");
	cr_assert_eq(praxis_manifest_grant_count(m), 0);
	const praxis_limits *l = praxis_manifest_limits(m);
	cr_assert(l->memory_bytes == 0 && l->cpu_seconds == 0 && l->max_procs == 0,
	          "unset limits are 0 (the factory's defaults apply)");
	praxis_manifest_free(m);

	r = load(
	    dir,
	    "{\"name\": \"so\", \"version\": \"1\", \"entry\": {\"shared_object\": \"lib.so\", "
	    "\"symbol\": \"my_entry\"}}",
	    &m, NULL, &err);
	cr_assert_eq(r, 0, "%s", err.message);
	cr_assert_str_eq(praxis_manifest_symbol(m), "my_entry");
	praxis_manifest_free(m);
}

/* One manifest with a problem in nearly every place: all are reported. */
Test(manifest, every_problem_is_reported_with_its_location)
{
	const char *dir = plugin_dir();
	const char *bad =
	    "{\n"
	    "  \"name\": \"bad name!\",\n"
	    "  \"version\": 3,\n"
	    "  \"entry\": {\"shared_object\": \"lib.so\", \"symbol\": \"not-an-identifier\"},\n"
	    "  \"capabilities\": [\n"
	    "    {\"name\": \"filesystem.read\", \"options\": {\"path\": \"/data\"}},\n"
	    "    {\"name\": \"network.http\", \"options\": {\"endpoints\": [\"host:99999\", 7]}},\n"
	    "    {\"name\": \"filesystem.raed\"},\n"
	    "    {\"name\": \"environment.read\", \"options\": {\"names\": []}},\n"
	    "    {\"name\": \"network.socket\", \"options\": {\"fast\": true}},\n"
	    "    {\"options\": {}},\n"
	    "    {\"name\": \"system.subprocess\", \"options\": {\"executables\": [\"a,b\"], "
	    "\"x\": 1}},\n"
	    "    42\n"
	    "  ],\n"
	    "  \"limits\": {\"memory_mb\": 0, \"cpu_seconds\": \"ten\", \"max_procs\": 1.5, "
	    "\"gpus\": 1},\n"
	    "  \"capabilites\": []\n"
	    "}\n";
	praxis_manifest *m;
	praxis_problems *pr = NULL;
	praxis_error err = {0};
	int r = load(dir, bad, &m, &pr, &err);
	cr_assert_eq(r, -EINVAL);
	cr_assert_null(m, "an invalid manifest is never handed out");
	assert_problem(pr, "$.name", "letters, digits");
	assert_problem(pr, "$.version", "must be a string");
	assert_problem(pr, "$.entry.symbol", "not a C identifier");
	assert_problem(pr, "$.capabilities[1].options.endpoints[0]", "bad port");
	assert_problem(pr, "$.capabilities[1].options.endpoints[1]", "must be a string");
	assert_problem(pr, "$.capabilities[2].name",
	               "unknown capability 'filesystem.raed' (valid: ");
	assert_problem(pr, "$.capabilities[2].name", "did you mean 'filesystem.read'?");
	assert_problem(pr, "$.capabilities[3].options.names", "is empty");
	assert_problem(pr, "$.capabilities[4].options", "network.socket takes no options");
	assert_problem(pr, "$.capabilities[5].name", "missing");
	assert_problem(pr, "$.capabilities[6].options.executables[0]", "no commas");
	assert_problem(pr, "$.capabilities[6].options.x", "unknown key");
	assert_problem(pr, "$.capabilities[7]", "must be a capability name");
	assert_problem(pr, "$.limits.memory_mb", "positive number");
	assert_problem(pr, "$.limits.cpu_seconds", "positive number");
	assert_problem(pr, "$.limits.max_procs", "positive integer");
	assert_problem(pr, "$.limits.gpus", "unknown key (valid: memory_mb");
	assert_problem(pr, "$.capabilites", "unknown key (valid: name, version");
	cr_assert_eq(praxis_problems_count(pr), 17, "exactly these problems:%s", list_problems(pr));
	/* the error names the first problem and says there are more */
	cr_assert(strstr(err.message, "$.name") && strstr(err.message, "more problems"), "%s",
	          err.message);
	praxis_problems_free(pr);
}

Test(manifest, required_fields)
{
	const char *dir = plugin_dir();
	praxis_manifest *m;
	praxis_problems *pr = NULL;
	cr_assert_eq(load(dir, "{}", &m, &pr, NULL), -EINVAL);
	assert_problem(pr, "$.name", "missing");
	assert_problem(pr, "$.version", "missing");
	assert_problem(pr, "$.entry", "missing");
	cr_assert_eq(praxis_problems_count(pr), 3, "%s", list_problems(pr));
	praxis_problems_free(pr);
}

Test(manifest, invalid_json_is_located)
{
	const char *dir = plugin_dir();
	praxis_manifest *m;
	praxis_problems *pr = NULL;
	cr_assert_eq(load(dir, "{\n  \"name\": \"x\",\n  \"version\": }\n", &m, &pr, NULL),
	             -EINVAL);
	cr_assert_null(m);
	assert_problem(pr, "$", "invalid JSON at line 3");
	praxis_problems_free(pr);

	cr_assert_eq(load(dir, "{\"name\": \"a\", \"name\": \"b\"}", &m, &pr, NULL), -EINVAL);
	assert_problem(pr, "$", "duplicate");
	praxis_problems_free(pr);

	cr_assert_eq(load(dir, "[1, 2]", &m, &pr, NULL), -EINVAL);
	assert_problem(pr, "$", "a manifest is a JSON object, not an array");
	praxis_problems_free(pr);

	cr_assert_eq(load(dir, "", &m, &pr, NULL), -EINVAL);
	assert_problem(pr, "$", "invalid JSON");
	praxis_problems_free(pr);
}

static void entry_problem(const char *dir, const char *entry_json, const char *loc,
                          const char *text)
{
	char json[512];
	snprintf(json, sizeof(json), "{\"name\": \"e\", \"version\": \"1\", \"entry\": %s}",
	         entry_json);
	praxis_manifest *m;
	praxis_problems *pr = NULL;
	cr_assert_eq(load(dir, json, &m, &pr, NULL), -EINVAL, "entry %s was accepted", entry_json);
	cr_assert_null(m);
	assert_problem(pr, loc, text);
	praxis_problems_free(pr);
}

Test(manifest, entry_stays_inside_the_plugin_directory)
{
	const char *dir = plugin_dir();
	cr_assert_eq(symlink("/bin/sh", tpath("%s/escape", dir)), 0);
	cr_assert_eq(mkdir(tpath("%s/sub", dir), 0755), 0);
	entry_problem(dir, "\"/bin/sh\"", "$.entry", "must be relative");
	entry_problem(dir, "\"../../bin/sh\"", "$.entry", "outside the manifest's directory");
	entry_problem(dir, "\"escape\"", "$.entry", "outside the manifest's directory");
	entry_problem(dir, "\"missing.sh\"", "$.entry", "No such file");
	entry_problem(dir, "\"notes.txt\"", "$.entry", "is not executable");
	entry_problem(dir, "\"sub\"", "$.entry", "is not a regular file");
	entry_problem(dir, "\".\"", "$.entry", "outside the manifest's directory");
	entry_problem(dir, "{\"executable\": \"run.sh\", \"shared_object\": \"lib.so\"}", "$.entry",
	              "exactly one of");
	entry_problem(dir, "{\"executable\": \"run.sh\", \"symbol\": \"f\"}", "$.entry.symbol",
	              "only a shared object");
	entry_problem(dir, "{\"shared_object\": \"nope.so\"}", "$.entry.shared_object",
	              "No such file");
	entry_problem(dir, "{\"library\": \"lib.so\"}", "$.entry.library", "unknown key");
	entry_problem(dir, "7", "$.entry", "must be a string or an object");
}

Test(manifest, missing_file)
{
	praxis_manifest *m = NULL;
	praxis_problems *pr = NULL;
	praxis_error err = {0};
	const char *path = tpath("%s/none.json", tmpdir_new(false));
	cr_assert_eq(praxis_manifest_load(path, &m, &pr, &err), -ENOENT);
	cr_assert_null(m);
	assert_problem(pr, "$", "No such file");
	cr_assert(strstr(err.message, "none.json"), "%s", err.message);
	praxis_problems_free(pr);
}

/* Every truncation and a few mutations of a valid manifest: no crash, and
 * each is either complete and valid or rejected with problems. */
Test(manifest, damaged_manifests_never_crash_or_half_load)
{
	const char *dir = plugin_dir();
	size_t len = strlen(full_manifest);
	char *buf = malloc(len + 1);
	for (size_t cut = 0; cut < len; cut++) {
		praxis_manifest *m = NULL;
		praxis_problems *pr = NULL;
		int r = praxis_manifest_parse(full_manifest, cut, dir, &m, &pr, NULL);
		if (r == 0) {
			/* only whitespace may be missing from a valid one */
			cr_assert_eq(strspn(full_manifest + cut, " \n"), len - cut);
			cr_assert_not_null(m);
		} else {
			cr_assert_null(m, "prefix of %zu bytes half-loaded", cut);
			cr_assert_gt(praxis_problems_count(pr), 0, "prefix %zu: no problem said",
			             cut);
		}
		praxis_manifest_free(m);
		praxis_problems_free(pr);
	}
	static const char swaps[] = "{}[]\":,0a \\";
	for (size_t i = 0; i < len; i += 3) {
		memcpy(buf, full_manifest, len + 1);
		buf[i] = swaps[i % (sizeof(swaps) - 1)];
		praxis_manifest *m = NULL;
		praxis_problems *pr = NULL;
		int r = praxis_manifest_parse(buf, len, dir, &m, &pr, NULL);
		cr_assert(r == 0 ? m != NULL : m == NULL && praxis_problems_count(pr) > 0,
		          "mutation at %zu", i);
		praxis_manifest_free(m);
		praxis_problems_free(pr);
	}
	free(buf);
}

Test(manifest, parse_from_text)
{
	const char *dir = plugin_dir();
	const char *json = "{\"name\": \"t\", \"version\": \"0\", \"entry\": \"run.sh\", "
	                   "\"capabilities\": [{\"name\": \"filesystem.write\", \"options\": "
	                   "{\"path\": \"out\"}}]}";
	praxis_manifest *m = NULL;
	praxis_error err = {0};
	cr_assert_eq(praxis_manifest_parse(json, strlen(json), dir, &m, NULL, &err), 0, "%s",
	             err.message);
	const char *value = NULL;
	cr_assert_str_eq(praxis_manifest_grant(m, 0, &value), "filesystem.write");
	char real[PATH_MAX];
	cr_assert_not_null(realpath(dir, real));
	cr_assert_str_eq(value, tpath("%s/out", real));
	praxis_manifest_free(m);
}

Test(manifest, check_cli_prints_every_problem)
{
	const char *dir = plugin_dir();
	const char *path = tpath("%s/manifest.json", dir);
	file_put(
	    path,
	    "{\"name\": \"x\", \"version\": \"1\", \"entry\": \"run.sh\", \"capabilities\": [\n"
	    "  \"filesystem.read\", \"network.socket\", {\"name\": \"filesystem.raed\"}],\n"
	    "  \"limits\": {\"wall_seconds\": -1}}\n",
	    false);
	struct run_out o;
	CLI_RUN(&o, "check", path);
	cr_assert_eq(o.res.exit_code, 1, "%s", describe(&o));
	cr_assert(
	    strstr(o.out, tpath("%s: $.capabilities[2].name: unknown capability "
	                        "'filesystem.raed' (valid: filesystem.read, filesystem.write, ",
	                        path)),
	    "%s", o.out);
	cr_assert(
	    strstr(o.out, tpath("%s: $.limits.wall_seconds: must be a positive number", path)),
	    "%s", o.out);
	cr_assert(strstr(o.out, tpath("%s: 2 problems", path)), "%s", o.out);

	file_put(path, "{\"name\": \"x\", \"version\": \"1\", \"entry\": \"run.sh\"}", false);
	CLI_RUN(&o, "check", path);
	cr_assert_eq(o.res.exit_code, 0, "%s", describe(&o));
	cr_assert(strstr(o.out, ": ok: x 1, executable"), "%s", o.out);

	CLI_RUN(&o, "check", path, tpath("%s/missing.json", dir));
	cr_assert_eq(o.res.exit_code, 1, "one of two invalid: %s", describe(&o));
}

/* Issue 11: a limit that is positive but rounds to 0 (= unlimited) once in
 * bytes, or beyond what the kernel takes, is a problem, not "no limit". */
Test(manifest, limits_that_round_to_unlimited_are_refused)
{
	static const char *const bad[][2] = {
	    {"memory_mb", "1e-7"},       {"memory_mb", "0.0000001"}, {"cpu_seconds", "1e-300"},
	    {"wall_seconds", "1e-12"},   {"max_procs", "99999999"},  {"max_open_files", "2000000"},
	    {"max_file_bytes", "1e300"}, {"memory_mb", "1e300"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		const char *dir = plugin_dir();
		praxis_manifest *m;
		praxis_problems *pr = NULL;
		praxis_error err = {0};
		int r = load(dir,
		             tpath("{\"name\": \"p\", \"version\": \"1\", \"entry\": \"run.sh\", "
		                   "\"limits\": {\"%s\": %s}}",
		                   bad[i][0], bad[i][1]),
		             &m, &pr, &err);
		cr_expect_eq(r, -EINVAL, "%s: %s was accepted (memory %llu bytes)", bad[i][0],
		             bad[i][1],
		             r == 0 ? (unsigned long long)praxis_manifest_limits(m)->memory_bytes : 0);
		if (r == 0)
			praxis_manifest_free(m);
		else
			assert_problem(pr, tpath("$.limits.%s", bad[i][0]), "at most");
		praxis_problems_free(pr);
	}
}

/* Issue 11: odd files give an error at once. Runs the CLI under alarm(5)
 * (kept across exec): a hang dies of SIGALRM. Returns the wait status. */
static int cli_bounded(const char *const *args, char *out, size_t out_len)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		const char *argv[16] = {praxis_bin()};
		for (size_t i = 0; args[i] && i < 14; i++)
			argv[i + 1] = args[i];
		alarm(5);
		execv(praxis_bin(), (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	size_t len = 0;
	ssize_t n;
	while (len + 1 < out_len && (n = read(p[0], out + len, out_len - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(p[0]);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

Test(manifest, odd_files_fail_at_once, .timeout = 60)
{
	const char *dir = plugin_dir();
	make_plugin(dir, "p", NULL, NULL, NULL);
	const char *fifo = tpath("%s/fifo", dir), *huge = tpath("%s/huge", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	int fd = open(huge, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (off_t)2 << 30), 0); /* sparse 2 GiB */
	close(fd);
	const char *odd[] = {fifo, "/dev/zero", "/dev/null", dir, huge};
	for (size_t i = 0; i < 5; i++) {
		char out[4096];
		int st = cli_bounded((const char *const[]){"check", odd[i], NULL}, out, sizeof(out));
		cr_expect(WIFEXITED(st) && WEXITSTATUS(st) != 0, "check %s: status %#x: %s", odd[i],
		          st, out);
		cr_expect(strstr(out, "regular file") || strstr(out, "at most"), "check %s: %s",
		          odd[i], out);
		st = cli_bounded((const char *const[]){"exec", "p", "--plugins", dir, "--params",
		                                       tpath("@%s", odd[i]), NULL},
		                 out, sizeof(out));
		cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 125, "--params @%s: status %#x: %s",
		          odd[i], st, out);
		cr_expect(strstr(out, "regular file") || strstr(out, "at most"),
		          "--params @%s: %s", odd[i], out);
	}
}
