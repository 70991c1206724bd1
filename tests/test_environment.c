/* environment.read: the plugin's environment is built by the host; names
 * that look like secrets are withheld unless granted (whole or by name). */
#include "helpers.h"

TestSuite(environment, .timeout = 30);

static const char *const host_env[] = {
    "PATH=/usr/bin:/bin",
    "HOME=/home/someone",
    "LANG=C.UTF-8",
    "PLAIN_SETTING=visible",
    "MY_API_KEY=k-123",
    "GITHUB_TOKEN=ghp_abc",
    "DB_PASSWORD=pw",
    "AWS_SECRET_ACCESS_KEY=aws",
    "ssh_auth_sock=/tmp/agent", /* lower case: matching ignores case */
    "OAUTH_CLIENT=cid",
    "TLS_CERT_PATH=/x",
    "GPG_PRIVATE=p",
    "GCP_CREDENTIALS=c",
    NULL,
};

static const char *const sensitive[] = {
    "MY_API_KEY",   "GITHUB_TOKEN",  "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "ssh_auth_sock",
    "OAUTH_CLIENT", "TLS_CERT_PATH", "GPG_PRIVATE", "GCP_CREDENTIALS",
};

static const char *value_of(const char *name)
{
	size_t n = strlen(name);
	for (const char *const *e = host_env; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static void expect_var(const struct spec *s, const char *name, const char *value)
{
	struct run_out o;
	SBX_PROBE(s, &o, "env", name);
	assert_ran(&o);
	const char *want = tpath("%s\n", value ? value : "UNSET");
	cr_assert_str_eq(o.out, want, "%s: %s", name, describe(&o));
}

static void withheld_by_default(bool nobody)
{
	struct spec s;
	spec_init(&s);
	s.env = host_env;
	s.as_nobody = nobody;
	/* Control: without the sandbox the probe sees them all. */
	struct run_out o;
	PLAIN_PROBE(&s, &o, "env", "GITHUB_TOKEN");
	assert_result(&o, 0, "ghp_abc\n");
	for (size_t i = 0; i < sizeof(sensitive) / sizeof(*sensitive); i++)
		expect_var(&s, sensitive[i], NULL);
	expect_var(&s, "PLAIN_SETTING", "visible");
	expect_var(&s, "HOME", "/home/someone");
	expect_var(&s, "LANG", "C.UTF-8");
	expect_var(&s, "PATH", "/usr/bin:/bin");
}

PTEST(environment, sensitive_names_withheld_by_default)
{
	withheld_by_default(false);
}

PTEST(environment, sensitive_names_withheld_by_default_nobody)
{
	withheld_by_default(true);
}

PTEST(environment, granted_whole_passes_everything)
{
	struct spec s;
	spec_init(&s);
	s.env = host_env;
	spec_allow(&s, "environment.read", NULL);
	for (size_t i = 0; i < sizeof(sensitive) / sizeof(*sensitive); i++)
		expect_var(&s, sensitive[i], value_of(sensitive[i]));
	expect_var(&s, "PLAIN_SETTING", "visible");
}

PTEST(environment, granted_by_name_passes_only_those)
{
	struct spec s;
	spec_init(&s);
	s.env = host_env;
	spec_allow(&s, "environment.read", "GITHUB_TOKEN,DB_PASSWORD");
	expect_var(&s, "GITHUB_TOKEN", "ghp_abc");
	expect_var(&s, "DB_PASSWORD", "pw");
	expect_var(&s, "MY_API_KEY", NULL);
	expect_var(&s, "AWS_SECRET_ACCESS_KEY", NULL);
	expect_var(&s, "PLAIN_SETTING", "visible");
}

PTEST(environment, name_grants_accumulate)
{
	struct spec s;
	spec_init(&s);
	s.env = host_env;
	spec_allow(&s, "environment.read", "GITHUB_TOKEN");
	spec_allow(&s, "environment.read", "MY_API_KEY");
	expect_var(&s, "GITHUB_TOKEN", "ghp_abc");
	expect_var(&s, "MY_API_KEY", "k-123");
	expect_var(&s, "DB_PASSWORD", NULL);
}

PTEST(environment, environment_write_does_not_reveal_secrets)
{
	struct spec s;
	spec_init(&s);
	s.env = host_env;
	spec_allow(&s, "environment.write", NULL);
	expect_var(&s, "GITHUB_TOKEN", NULL);
	expect_var(&s, "PLAIN_SETTING", "visible");
}

PTEST(environment, empty_environment_when_none_given)
{
	struct spec s;
	spec_init(&s);
	expect_var(&s, "PATH", NULL);
	expect_var(&s, "HOME", NULL);
}

PTEST(environment, library_reports_the_filtered_environment)
{
	praxis_config cfg;
	praxis_config_init(&cfg);
	cfg.environment = host_env;
	praxis_sandbox *sb = NULL;
	praxis_error err = {0};
	cr_assert_eq(praxis_sandbox_new(&cfg, &sb, &err), 0, "%s", err.message);
	bool plain = false;
	for (const char *const *e = praxis_sandbox_environment(sb); *e; e++) {
		for (size_t i = 0; i < sizeof(sensitive) / sizeof(*sensitive); i++) {
			size_t n = strlen(sensitive[i]);
			cr_assert(strncmp(*e, sensitive[i], n) != 0 || (*e)[n] != '=',
			          "%s leaked into the plugin environment", *e);
		}
		if (strcmp(*e, "PLAIN_SETTING=visible") == 0)
			plain = true;
	}
	cr_assert(plain);
	praxis_sandbox_free(sb);
}

PTEST(environment, bad_variable_names_rejected)
{
	praxis_caps *caps;
	praxis_error err = {0};
	cr_assert_eq(praxis_caps_new(&caps), 0);
	cr_assert_eq(praxis_caps_add(caps, "environment.read", "A=B", &err), -EINVAL);
	cr_assert(strstr(err.message, "A=B"), "%s", err.message);
	praxis_caps_free(caps);
}

PTEST(environment, cli_withholds_secrets_from_its_environment)
{
	static const char *const env[] = {"PATH=/usr/bin:/bin", "GITHUB_TOKEN=ghp_cli",
	                                  "PLAIN_SETTING=ok", NULL};
	struct run_out o;
	cli_runv(env, (const char *const[]){"run", "--", probe_path(), "env", "GITHUB_TOKEN", NULL},
	         &o);
	assert_result(&o, 0, "UNSET\n");
	cli_runv(env,
	         (const char *const[]){"run", "--", probe_path(), "env", "PLAIN_SETTING", NULL},
	         &o);
	assert_result(&o, 0, "ok\n");
	cli_runv(env,
	         (const char *const[]){"run", "--allow", "environment.read=GITHUB_TOKEN", "--",
	                               probe_path(), "env", "GITHUB_TOKEN", NULL},
	         &o);
	assert_result(&o, 0, "ghp_cli\n");
}

/* ---- environment.write: changes handed back on $PRAXIS_ENV_FD ---- */

PTEST(environment, write_granted_whole_hands_back_changes)
{
	struct spec s;
	spec_init(&s);
	s.env = host_env;
	spec_allow(&s, "environment.write", NULL);
	struct run_out o;
	SBX_PROBE(&s, &o, "env-write", "FOO=1", "BAR=two words", "PLAIN_SETTING");
	assert_ok(&o);
	cr_assert_str_eq(o.env_changes, "FOO=1\nBAR=two words\nPLAIN_SETTING\n");
	/* The library never touches the host's environment. */
	cr_assert_null(getenv("FOO"));
	cr_assert_null(getenv("BAR"));
}

PTEST(environment, write_granted_by_name_hands_back_only_those)
{
	struct spec s;
	spec_init(&s);
	spec_allow(&s, "environment.write", "FOO");
	struct run_out o;
	SBX_PROBE(&s, &o, "env-write", "FOO=1", "BAR=2", "LD_PRELOAD=/tmp/x.so");
	assert_ok(&o);
	cr_assert_str_eq(o.env_changes, "FOO=1\n");
}

PTEST(environment, write_not_granted_has_no_channel)
{
	struct spec s;
	spec_init(&s);
	struct run_out o;
	SBX_PROBE(&s, &o, "env", "PRAXIS_ENV_FD");
	assert_result(&o, 0, "UNSET\n");
	SBX_PROBE(&s, &o, "env-write", "FOO=1");
	assert_err(&o, "EBADF");
	cr_assert_str_eq(o.env_changes, "(none)");
}

/* ---- issue 11: a value that parses to "everything" by accident ---- */

/* `environment.write=,` split to no names, and no names meant "every name":
 * LD_PRELOAD came back to the host. Only "no value" asks for the whole. */
PTEST(environment, empty_name_list_grants_nothing)
{
	static const char *const caps[] = {"environment.read", "environment.write",
	                                   "system.subprocess"};
	static const char *const values[] = {"", ",", ",,", ",,,"};
	for (size_t c = 0; c < 3; c++)
		for (size_t v = 0; v < 4; v++) {
			praxis_caps *pc;
			praxis_error err = {0};
			cr_assert_eq(praxis_caps_new(&pc), 0);
			int r = praxis_caps_add(pc, caps[c], values[v], &err);
			praxis_caps_free(pc);
			cr_expect_eq(r, -EINVAL, "%s='%s' was accepted", caps[c], values[v]);
			if (r == -EINVAL) {
				cr_expect(strstr(err.message, caps[c]), "%s", err.message);
				cr_expect(strstr(err.message, tpath("'%s'", values[v])), "%s",
				          err.message);
			}
		}
	/* The attack end to end: when the value is accepted, nothing may come back. */
	struct spec s;
	spec_init(&s);
	spec_allow(&s, "environment.write", ",");
	struct run_out o;
	SBX_PROBE(&s, &o, "env-write", "LD_PRELOAD=/tmp/x.so");
	cr_assert(!strstr(o.env_changes, "LD_PRELOAD"), "handed back: %s", o.env_changes);
	/* Control: granted whole, the same change does come back. */
	spec_init(&s);
	spec_allow(&s, "environment.write", NULL);
	SBX_PROBE(&s, &o, "env-write", "LD_PRELOAD=/tmp/x.so");
	cr_assert_str_eq(o.env_changes, "LD_PRELOAD=/tmp/x.so\n");
}

PTEST(environment, cli_refuses_empty_name_lists)
{
	static const char *const bad[] = {"environment.write=,", "environment.read=",
	                                  "system.subprocess=,", "environment.read=,,"};
	for (size_t i = 0; i < 4; i++) {
		struct run_out o;
		CLI_RUN(&o, "run", "--allow", bad[i], "--", "/bin/true");
		cr_expect_eq(o.res.exit_code, 125, "--allow %s: %s", bad[i], describe(&o));
		cr_expect(strstr(o.err, bad[i]), "--allow %s: %s", bad[i], o.err);
	}
}

/* Issue 11: every line handed back on fd 3 is applied and audited, or
 * refused with a record: a NUL byte, non-UTF-8, an over-long name or a line
 * cut by the channel's bound never pass silently (nor half). */
PTEST(environment, odd_hand_back_lines_are_refused_with_a_record)
{
	char longname[400];
	memset(longname, 'N', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	static char big[70000];
	memset(big, 'v', sizeof(big) - 1);
	memcpy(big, "BIG=", 4);
	const char *argv[] = {probe_path(),
	                      "env-write-raw",
	                      "GOOD=1\\n",
	                      "NUL=a\\0LD_PRELOAD=/tmp/x.so\\n",
	                      "BAD\\xff=1\\n",
	                      "VAL=\\xc3\\x28\\n",
	                      tpath("%s=1\\n", longname),
	                      "=nameless\\n",
	                      big,
	                      NULL};
	praxis_caps *caps;
	praxis_error err = {0};
	cr_assert_eq(praxis_caps_new(&caps), 0);
	cr_assert_eq(praxis_caps_add(caps, "environment.write", NULL, &err), 0);
	praxis_config cfg;
	praxis_config_init(&cfg);
	cfg.plugin_name = "test";
	cfg.caps = caps;
	praxis_sandbox *sb;
	cr_assert_eq(praxis_sandbox_new(&cfg, &sb, &err), 0, "%s", err.message);
	praxis_run_opts opts;
	praxis_run_opts_init(&opts);
	opts.argv = argv;
	opts.stdio[1] = opts.stdio[2] = -1; /* not into the TAP stream */
	opts.collect_audit = true;
	praxis_result res;
	cr_assert_eq(praxis_sandbox_run(sb, &opts, &res, &err), 0, "%s", err.message);
	size_t n_changes = 0;
	for (char **c = res.env_changes; c && *c; c++, n_changes++)
		cr_expect(strcmp(*c, "GOOD=1") == 0, "handed back: '%.80s'", *c);
	cr_expect_eq(n_changes, 1);
	size_t refused = 0, granted = 0;
	for (size_t i = 0; i < praxis_audit_log_count(res.audit); i++) {
		const praxis_audit_record *r = praxis_audit_log_record(res.audit, i);
		if (strcmp(r->action, "environment.write") != 0)
			continue;
		r->allowed ? granted++ : refused++;
	}
	cr_expect_eq(granted, 1, "exactly GOOD is reported as handed back");
	cr_expect_eq(refused, 6, "one refusal record per odd line (got %zu)", refused);
	praxis_result_release(&res);
	praxis_sandbox_free(sb);
	praxis_caps_free(caps);
}
