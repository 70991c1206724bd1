/* filesystem.read and filesystem.write: granted trees work, everything
 * outside them stays denied. Controls show each denied operation works
 * without the sandbox. */
#include <stdio.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(filesystem, .timeout = 30);

static struct spec fs_spec(bool nobody, const char *cap, const char *value)
{
	struct spec s;
	spec_init(&s);
	s.as_nobody = nobody;
	if (cap)
		spec_allow(&s, cap, value);
	return s;
}

/* ---- filesystem.read ---- */

BOTH(filesystem, read_whole_filesystem)
{
	const char *dir = tmpdir_new(nobody);
	const char *secret = tpath("%s/secret", dir);
	file_put(secret, "s\n", nobody);
	struct spec s = fs_spec(nobody, "filesystem.read", NULL);
	struct run_out o;
	SBX_PROBE(&s, &o, "read", "/etc/passwd");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "readdir", "/home");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", secret);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "readdir", dir);
	assert_ok(&o);
	/* Reading is all it gives. */
	SBX_PROBE(&s, &o, "write", tpath("%s/new", dir));
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "append", secret);
	assert_err(&o, "EACCES");
}

BOTH(filesystem, read_beneath_a_path)
{
	const char *dir = tmpdir_new(nobody);
	const char *in = tpath("%s/in", dir), *out = tpath("%s/out", dir);
	cr_assert_eq(mkdir(in, 0755), 0);
	cr_assert_eq(mkdir(out, 0755), 0);
	cr_assert_eq(mkdir(tpath("%s/sub", in), 0755), 0);
	if (nobody) {
		cr_assert_eq(chown(in, NOBODY, NOBODY), 0);
		cr_assert_eq(chown(out, NOBODY, NOBODY), 0);
	}
	file_put(tpath("%s/a", in), "a\n", nobody);
	file_put(tpath("%s/sub/deep", in), "d\n", nobody);
	file_put(tpath("%s/secret", out), "s\n", nobody);
	struct spec s = fs_spec(nobody, "filesystem.read", in);
	struct run_out o;
	SBX_PROBE(&s, &o, "read", tpath("%s/a", in));
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", tpath("%s/sub/deep", in));
	assert_ok(&o);
	SBX_PROBE(&s, &o, "readdir", in);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "readdir", tpath("%s/sub", in));
	assert_ok(&o);

	PLAIN_PROBE(&s, &o, "read", tpath("%s/secret", out));
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", tpath("%s/secret", out));
	assert_err(&o, "EACCES");
	PLAIN_PROBE(&s, &o, "readdir", dir);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "readdir", dir);
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "readdir", out);
	assert_err(&o, "EACCES");
	/* Still no writing in the read tree. */
	SBX_PROBE(&s, &o, "write", tpath("%s/new", in));
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "append", tpath("%s/a", in));
	assert_err(&o, "EACCES");
}

BOTH(filesystem, read_a_single_file)
{
	const char *dir = tmpdir_new(nobody);
	const char *a = tpath("%s/a", dir), *b = tpath("%s/b", dir);
	file_put(a, "a\n", nobody);
	file_put(b, "b\n", nobody);
	struct spec s = fs_spec(nobody, "filesystem.read", a);
	struct run_out o;
	SBX_PROBE(&s, &o, "read", a);
	assert_ok(&o);
	PLAIN_PROBE(&s, &o, "read", b);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", b);
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "readdir", dir);
	assert_err(&o, "EACCES");
}

PTEST(filesystem, read_several_paths)
{
	const char *d1 = tmpdir_new(false), *d2 = tmpdir_new(false), *d3 = tmpdir_new(false);
	file_put(tpath("%s/f", d1), "1\n", false);
	file_put(tpath("%s/f", d2), "2\n", false);
	file_put(tpath("%s/f", d3), "3\n", false);
	struct spec s = fs_spec(false, "filesystem.read", d1);
	spec_allow(&s, "filesystem.read", d2);
	struct run_out o;
	SBX_PROBE(&s, &o, "read", tpath("%s/f", d1));
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", tpath("%s/f", d2));
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", tpath("%s/f", d3));
	assert_err(&o, "EACCES");
}

PTEST(filesystem, missing_path_is_a_setup_error)
{
	const char *dir = tmpdir_new(false);
	const char *missing = tpath("%s/does-not-exist", dir);
	struct spec s = fs_spec(false, "filesystem.read", missing);
	struct run_out o;
	SBX_RUN(&s, &o, "/bin/true");
	cr_assert_lt(o.rc, 0, "granting a missing path must fail: %s", describe(&o));
	cr_assert(strstr(o.errmsg, missing), "the error must name the path: %s", o.errmsg);
}

PTEST(filesystem, empty_path_is_rejected)
{
	praxis_caps *caps;
	praxis_error err = {0};
	cr_assert_eq(praxis_caps_new(&caps), 0);
	cr_assert_eq(praxis_caps_add(caps, "filesystem.read", "", &err), -EINVAL);
	cr_assert_neq(err.message[0], '\0');
	memset(&err, 0, sizeof(err));
	cr_assert_eq(praxis_caps_add(caps, "filesystem.write", "", &err), -EINVAL);
	cr_assert_neq(err.message[0], '\0');
	praxis_caps_free(caps);
}

/* ---- filesystem.write ---- */

/* DIR/in (granted) and DIR/out (not granted) with the same content:
 * a file "f", a directory "d" (empty) and "e" (empty, to rename). */
struct write_dirs {
	const char *in, *out;
};

static void populate(const char *d, bool nobody)
{
	cr_assert_eq(mkdir(d, 0755), 0);
	cr_assert_eq(mkdir(tpath("%s/d", d), 0755), 0);
	cr_assert_eq(mkdir(tpath("%s/sub", d), 0755), 0);
	if (nobody) {
		cr_assert_eq(chown(d, NOBODY, NOBODY), 0);
		cr_assert_eq(chown(tpath("%s/d", d), NOBODY, NOBODY), 0);
		cr_assert_eq(chown(tpath("%s/sub", d), NOBODY, NOBODY), 0);
	}
	file_put(tpath("%s/f", d), "original\n", nobody);
	file_put(tpath("%s/g", d), "original\n", nobody);
	file_put(tpath("%s/h", d), "original\n", nobody);
}

static struct write_dirs write_dirs(bool nobody)
{
	const char *dir = tmpdir_new(nobody);
	struct write_dirs w = {tpath("%s/in", dir), tpath("%s/out", dir)};
	populate(w.in, nobody);
	populate(w.out, nobody);
	return w;
}

BOTH(filesystem, write_inside_a_granted_path)
{
	struct write_dirs w = write_dirs(nobody);
	const char *in = w.in;
	struct spec s = fs_spec(nobody, "filesystem.write", in);
	struct run_out o;

	SBX_PROBE(&s, &o, "write", tpath("%s/new", in));
	assert_ok(&o);
	cr_assert_str_eq(file_get(tpath("%s/new", in)), "x\n");
	SBX_PROBE(&s, &o, "write", tpath("%s/f", in)); /* O_TRUNC of an existing file */
	assert_ok(&o);
	cr_assert_str_eq(file_get(tpath("%s/f", in)), "x\n");
	SBX_PROBE(&s, &o, "append", tpath("%s/g", in));
	assert_ok(&o);
	cr_assert_str_eq(file_get(tpath("%s/g", in)), "original\nx\n");
	SBX_PROBE(&s, &o, "truncate", tpath("%s/h", in));
	assert_ok(&o);
	cr_assert_str_eq(file_get(tpath("%s/h", in)), "");
	SBX_PROBE(&s, &o, "mkdir", tpath("%s/newdir", in));
	assert_ok(&o);
	cr_assert(path_exists(tpath("%s/newdir", in)));
	SBX_PROBE(&s, &o, "rmdir", tpath("%s/d", in));
	assert_ok(&o);
	cr_assert_not(path_exists(tpath("%s/d", in)));
	SBX_PROBE(&s, &o, "rename", tpath("%s/new", in), tpath("%s/renamed", in));
	assert_ok(&o);
	SBX_PROBE(&s, &o, "rename", tpath("%s/renamed", in), tpath("%s/sub/moved", in));
	assert_ok(&o);
	cr_assert(path_exists(tpath("%s/sub/moved", in)));
	SBX_PROBE(&s, &o, "link", tpath("%s/sub/moved", in), tpath("%s/hardlink", in));
	assert_ok(&o);
	SBX_PROBE(&s, &o, "symlink", "sub/moved", tpath("%s/symlink", in));
	assert_ok(&o);
	cr_assert(path_exists(tpath("%s/symlink", in)));
	SBX_PROBE(&s, &o, "unlink", tpath("%s/hardlink", in));
	assert_ok(&o);
	cr_assert_not(path_exists(tpath("%s/hardlink", in)));
}

/* Each write operation outside the granted tree: denied in the sandbox,
 * works in the control (run on the twin directory OUT2). */
static void write_outside(bool nobody, const char *op, const char *name, const char *arg2_name,
                          const char *expect)
{
	const char *dir = tmpdir_new(nobody);
	const char *in = tpath("%s/in", dir), *out = tpath("%s/out", dir),
	           *out2 = tpath("%s/out2", dir);
	populate(in, nobody);
	populate(out, nobody);
	populate(out2, nobody);
	struct spec s = fs_spec(nobody, "filesystem.write", in);
	struct run_out o;
	const char *a1 = tpath("%s/%s", out, name), *c1 = tpath("%s/%s", out2, name);
	if (arg2_name) {
		PLAIN_PROBE(&s, &o, op, c1, tpath("%s/%s", out2, arg2_name));
		assert_ok(&o);
		SBX_PROBE(&s, &o, op, a1, tpath("%s/%s", out, arg2_name));
	} else {
		PLAIN_PROBE(&s, &o, op, c1);
		assert_ok(&o);
		SBX_PROBE(&s, &o, op, a1);
	}
	cr_assert_str_eq(o.out, expect, "%s %s outside the granted tree: %s", op, a1, describe(&o));
	/* Nothing changed outside. */
	cr_assert_str_eq(file_get(tpath("%s/f", out)), "original\n");
	cr_assert_str_eq(file_get(tpath("%s/g", out)), "original\n");
	cr_assert(path_exists(tpath("%s/d", out)));
	cr_assert_not(path_exists(tpath("%s/new", out)));
}

#define WRITE_OUTSIDE(name, op, file, arg2, expect)                                                \
	PTEST(filesystem, outside_##name)                                                          \
	{                                                                                          \
		write_outside(false, op, file, arg2, expect);                                      \
	}                                                                                          \
	PTEST(filesystem, outside_##name##_nobody)                                                 \
	{                                                                                          \
		write_outside(true, op, file, arg2, expect);                                       \
	}

WRITE_OUTSIDE(create_denied, "write", "new", NULL, "ERR EACCES\n")
WRITE_OUTSIDE(overwrite_denied, "write", "f", NULL, "ERR EACCES\n")
WRITE_OUTSIDE(append_denied, "append", "f", NULL, "ERR EACCES\n")
WRITE_OUTSIDE(truncate_denied, "truncate", "f", NULL, "ERR EACCES\n")
WRITE_OUTSIDE(unlink_denied, "unlink", "f", NULL, "ERR EACCES\n")
WRITE_OUTSIDE(mkdir_denied, "mkdir", "new", NULL, "ERR EACCES\n")
WRITE_OUTSIDE(rmdir_denied, "rmdir", "d", NULL, "ERR EACCES\n")
WRITE_OUTSIDE(rename_denied, "rename", "f", "new", "ERR EACCES\n")
WRITE_OUTSIDE(symlink_denied, "symlink", "f", "new", "ERR EACCES\n")
WRITE_OUTSIDE(link_denied, "link", "f", "new", "ERR EACCES\n")

BOTH(filesystem, write_whole_filesystem)
{
	const char *dir = tmpdir_new(nobody);
	struct spec s = fs_spec(nobody, "filesystem.write", NULL);
	struct run_out o;
	SBX_PROBE(&s, &o, "write", tpath("%s/anywhere", dir));
	assert_ok(&o);
	SBX_PROBE(&s, &o, "mkdir", tpath("%s/sub", dir));
	assert_ok(&o);
	SBX_PROBE(&s, &o, "rename", tpath("%s/anywhere", dir), tpath("%s/sub/x", dir));
	assert_ok(&o);
	cr_assert(path_exists(tpath("%s/sub/x", dir)));
}

BOTH(filesystem, write_grant_does_not_imply_read_elsewhere)
{
	struct write_dirs w = write_dirs(nobody);
	struct spec s = fs_spec(nobody, "filesystem.write", w.in);
	struct run_out o;
	SBX_PROBE(&s, &o, "read", tpath("%s/f", w.out));
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "read", "/etc/passwd");
	assert_err(&o, "EACCES");
}
