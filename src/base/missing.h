/* Syscall numbers and kernel constants newer than Debian 12's headers.
 * Numbers from 403 up are shared by every architecture's table except the
 * three below, which keep their own offsets: refuse those rather than call
 * the wrong syscall. */
#ifndef PRAXIS_MISSING_H
#define PRAXIS_MISSING_H
#include <sys/syscall.h>

#if defined(__alpha__) || defined(__ia64__) || defined(__mips__)
#error "praxis: syscall numbers for this architecture are not defined (src/base/missing.h)"
#endif

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

#endif
