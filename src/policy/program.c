/* What must be executable for a program to start: the program, its ELF
 * interpreter, and its script interpreter chain. */
#include "program.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

#define MAX_CHAIN 4

static int check_executable(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (access(path, X_OK) < 0)
		return -errno;
	return 0;
}

int program_resolve(const char *name, const char *search_path, char **ret, praxis_error *err)
{
	if (!name || !*name)
		return praxis_fail(err, -ENOENT, "no program given");
	if (strchr(name, '/')) {
		int r = check_executable(name);
		if (r < 0)
			return praxis_fail(err, r, "%s: %s", name, strerror(-r));
		*ret = realpath(name, NULL);
		return *ret ? 0 : praxis_fail(err, -errno, "%s: %s", name, strerror(errno));
	}
	const char *p = search_path && *search_path ? search_path : "/usr/local/bin:/usr/bin:/bin";
	int best = -ENOENT;
	while (*p) {
		const char *end = strchrnul(p, ':');
		char candidate[PATH_MAX];
		size_t dir_len = (size_t)(end - p);
		if (dir_len > 0 && dir_len + strlen(name) + 2 < sizeof(candidate)) {
			memcpy(candidate, p, dir_len);
			candidate[dir_len] = '/';
			strcpy(candidate + dir_len + 1, name);
			int r = check_executable(candidate);
			if (r == 0) {
				*ret = realpath(candidate, NULL);
				return *ret ? 0 : -ENOMEM;
			}
			if (r == -EACCES)
				best = r;
		}
		p = *end ? end + 1 : end;
	}
	return praxis_fail(err, best, "%s: %s", name,
	                   best == -ENOENT ? "command not found" : strerror(-best));
}

static int read_head(const char *path, char *buf, size_t size, ssize_t *got)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*got = pread(fd, buf, size, 0);
	int e = errno;
	close(fd);
	return *got < 0 ? -e : 0;
}

static int elf_interpreter(const char *path, char *out, size_t out_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	Elf64_Ehdr eh;
	int r = 0;
	out[0] = '\0';
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 256)
		goto out; /* not ours to understand; the kernel will decide */
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) != sizeof(ph))
			break;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz >= out_size) {
			r = -ENAMETOOLONG;
			break;
		}
		if (pread(fd, out, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
			r = -EIO;
		out[ph.p_filesz] = '\0';
		break;
	}
out:
	close(fd);
	return r;
}

/* "#!INTERP [ARG]" -> INTERP; for env, the first non-option ARG word. */
static int script_interpreter(char *head, ssize_t len, char *interp, size_t isz, char *env_name,
                              size_t esz)
{
	interp[0] = env_name[0] = '\0';
	if (len < 3 || head[0] != '#' || head[1] != '!')
		return 0;
	char *nl = strchr(head, '\n');
	if (nl)
		*nl = '\0';
	char *p = head + 2;
	p += strspn(p, " \t");
	size_t n = strcspn(p, " \t");
	if (n == 0 || n >= isz)
		return -ENOEXEC;
	memcpy(interp, p, n);
	interp[n] = '\0';
	const char *base = strrchr(interp, '/');
	if (base && strcmp(base + 1, "env") == 0) {
		p += n;
		/* env's own options (e.g. -S) are skipped; the first word is the program. */
		for (;;) {
			p += strspn(p, " \t");
			size_t w = strcspn(p, " \t");
			if (w == 0)
				break;
			if (p[0] != '-' && !strchr(p, '=')) {
				if (w < esz) {
					memcpy(env_name, p, w);
					env_name[w] = '\0';
				}
				break;
			}
			p += w;
		}
	}
	return 0;
}

int program_exec_chain(const char *path, const char *search_path, struct strv *files,
                       praxis_error *err)
{
	char current[PATH_MAX];
	snprintf(current, sizeof(current), "%s", path);
	for (int depth = 0; depth < MAX_CHAIN; depth++) {
		if (strv_contains(files, current))
			return 0;
		int r = strv_push(files, current);
		if (r < 0)
			return r;
		char head[256];
		ssize_t got = 0;
		if ((r = read_head(current, head, sizeof(head) - 1, &got)) < 0)
			return praxis_fail(err, r, "%s: cannot read: %s", current, strerror(-r));
		char interp[PATH_MAX], env_name[256];
		if (got >= 4 && memcmp(head, ELFMAG, SELFMAG) == 0) {
			if ((r = elf_interpreter(current, interp, sizeof(interp))) < 0)
				return praxis_fail(err, r, "%s: bad ELF interpreter", current);
			if (interp[0] && !strv_contains(files, interp) &&
			    (r = strv_push(files, interp)) < 0)
				return r;
			return 0;
		}
		head[got] = '\0';
		if ((r = script_interpreter(head, got, interp, sizeof(interp), env_name,
		                            sizeof(env_name))) < 0)
			return praxis_fail(err, r, "%s: bad #! line", current);
		if (!interp[0])
			return 0; /* the kernel will say ENOEXEC */
		if (env_name[0]) {
			/* env is an ELF: add it and its loader, then go on with the program it
			 * runs. */
			if ((r = program_exec_chain(interp, search_path, files, err)) < 0)
				return r;
			char *resolved = NULL;
			if ((r = program_resolve(env_name, search_path, &resolved, err)) < 0)
				return r;
			snprintf(current, sizeof(current), "%s", resolved);
			free(resolved);
			continue;
		}
		char *resolved = realpath(interp, NULL);
		if (!resolved)
			return praxis_fail(err, -errno, "%s: interpreter %s: %s", path, interp,
			                   strerror(errno));
		snprintf(current, sizeof(current), "%s", resolved);
		free(resolved);
	}
	return praxis_fail(err, -ELOOP, "%s: interpreter chain too deep", path);
}
