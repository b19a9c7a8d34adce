#include "sandbox.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <initializer_list>
#include <sched.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace docextract::helper {
namespace {

// Written from the SIGXCPU handler: only async-signal-safe calls.
const char kCpuTimeoutJson[] =
    "{\"schema\":\"docextract-extract/1\",\"error\":{\"code\":\"timeout\","
    "\"message\":\"CPU time limit exceeded\"}}\n";

void on_cpu_limit(int) {
    ssize_t ignored = write(STDOUT_FILENO, kCpuTimeoutJson, sizeof kCpuTimeoutJson - 1);
    (void)ignored;
    _exit(4);
}

bool set_limit(int resource, rlim_t soft, rlim_t hard) {
    rlimit rl{soft, hard};
    return setrlimit(resource, &rl) == 0;
}

// System calls the parsers, tesseract and the C/C++ runtime need after lock-down.
const char *const kAllowed[] = {
    "read", "write", "readv", "writev", "pread64", "lseek", "close", "fstat", "newfstatat",
    "stat", "lstat", "statx", "statfs", "fstatfs", "mmap", "munmap", "mremap", "mprotect",
    "brk", "madvise", "mincore", "futex", "exit", "exit_group", "rt_sigaction",
    "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "getpid", "gettid", "getppid", "tgkill",
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
    "getrandom", "sched_yield", "sched_getaffinity", "getrlimit", "uname", "fcntl", "ioctl",
    "getdents64", "readlink", "readlinkat", "access", "faccessat", "faccessat2", "getcwd",
    "set_robust_list", "rseq", "sysinfo", "poll", "ppoll", "getuid", "geteuid", "getgid",
    "getegid", "restart_syscall", "set_tid_address", "fadvise64", "membarrier",
};

}  // namespace

bool early_hardening(const Limits &limits) {
    // Descriptors the parent failed to mark close-on-exec must not reach the parsers.
    if (close_range(3, ~0U, 0) != 0) {
        for (int fd = 3; fd < 1024; ++fd) close(fd);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The parent may have died before prctl: then we were re-parented and must not run.
    if (const char *parent = getenv("DOCEXTRACT_PARENT_PID")) {
        if (getppid() != static_cast<pid_t>(atol(parent))) _exit(125);
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
    struct sigaction sa {};
    sa.sa_handler = on_cpu_limit;
    sigaction(SIGXCPU, &sa, nullptr);
    // With RLIMIT_FSIZE = 0, a write to a regular file fails with EFBIG instead of killing us
    // (stderr may be a log file when run by hand).
    signal(SIGXFSZ, SIG_IGN);
    const rlim_t mem = static_cast<rlim_t>(limits.max_memory_mb) << 20;
    const rlim_t cpu = static_cast<rlim_t>(limits.cpu_seconds);
    return set_limit(RLIMIT_AS, mem, mem) && set_limit(RLIMIT_CPU, cpu, cpu + 2) &&
           set_limit(RLIMIT_FSIZE, 0, 0) && set_limit(RLIMIT_CORE, 0, 0) &&
           set_limit(RLIMIT_NOFILE, limits.max_open_files, limits.max_open_files);
}

bool lock_down() {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx) return false;
    int rc = 0;
    for (const char *name : kAllowed) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr != __NR_SCMP_ERROR) rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    }
    // Files may be opened read-only (language data, fonts); write access is refused.
    const scmp_datum_t write_flags = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
                           SCMP_A2(SCMP_CMP_MASKED_EQ, write_flags, 0));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
                           SCMP_A1(SCMP_CMP_MASKED_EQ, write_flags, 0));
    for (scmp_datum_t flag : {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND}) {
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 1,
                               SCMP_A2(SCMP_CMP_MASKED_EQ, flag, flag));
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 1,
                               SCMP_A1(SCMP_CMP_MASKED_EQ, flag, flag));
    }
    // Threads only (OpenMP, if it starts any): clone without CLONE_THREAD would be a process.
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                           SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
    // clone3 passes its flags in memory, which seccomp cannot inspect; glibc falls back to clone.
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    // Reading limits is fine; changing them is not.
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1, SCMP_A2(SCMP_CMP_EQ, 0));
    if (rc == 0) rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc == 0;
}

}  // namespace docextract::helper
