#include "sandbox.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <initializer_list>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "landlock.hpp"
#include "namespaces.hpp"

namespace docextract::helper {
namespace {

// Written from the SIGXCPU handler: only async-signal-safe calls.
const char kCpuTimeoutJson[] =
    "{\"schema\":\"docextract-extract/2\",\"error\":{\"code\":\"timeout\","
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
    "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "getpid", "gettid", "getppid",
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
    "getrandom", "sched_yield", "sched_getaffinity", "getrlimit", "uname",
    "getdents64", "readlink", "readlinkat", "access", "faccessat", "faccessat2", "getcwd",
    "set_robust_list", "rseq", "sysinfo", "poll", "ppoll", "getuid", "geteuid", "getgid",
    "getegid", "restart_syscall", "set_tid_address", "fadvise64", "membarrier",
};

// fcntl commands allowed: not F_SETOWN, F_SETOWN_EX or F_SETSIG, which would aim SIGIO at
// another process.
const int kFcntlAllowed[] = {
    F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK, F_SETLKW, F_GETOWN, F_GETSIG,
    F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_DUPFD_CLOEXEC, F_GETPIPE_SZ, F_GET_SEALS,
};
// ioctl requests allowed (isatty and friends): not FIOSETOWN/SIOCSPGRP/TIOCSPGRP (SIGIO again)
// nor TIOCSTI.
const unsigned long kIoctlAllowed[] = {TCGETS, TIOCGWINSZ, FIONREAD, FIONBIO, FIOCLEX, FIONCLEX};

// Signals only to ourselves (raise, abort): never to the worker, the postmaster or any other
// process of the same uid. The pid is the one seen in our PID namespace, if any.
int add_self_signal_rules(scmp_filter_ctx ctx) {
    const auto self = static_cast<scmp_datum_t>(getpid());
    int rc = 0;
    for (int nr : {SCMP_SYS(kill), SCMP_SYS(tgkill), SCMP_SYS(tkill)})
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, self));
    return rc;
}

}  // namespace

std::vector<std::string> readable_paths(const std::string &tessdata) {
    // Not all of /usr: a data directory may live beneath it (/usr/local/pgsql/data).
    std::vector<std::string> paths{
        "/usr/lib",   "/usr/lib64",         "/usr/share",       "/usr/local/lib",        "/usr/local/share",
        "/lib",       "/lib64",             "/etc/fonts",       "/etc/ld.so.cache",      "/var/cache/fontconfig",
    };
    if (!tessdata.empty() && tessdata[0] == '/') {
        bool covered = false;
        for (const auto &p : paths) covered |= tessdata.compare(0, p.size() + 1, p + "/") == 0;
        if (!covered) paths.push_back(tessdata);
    }
    return paths;
}

SandboxReport confine(const ConfineOptions &options) {
    SandboxReport r;
    char cwd[4096];
    const std::string data_dir = getcwd(cwd, sizeof cwd) ? cwd : "";
    // At minimum: relative paths no longer reach the data directory.
    if (chdir("/") != 0) r.reasons.push_back(std::string("chdir /: ") + strerror(errno));
    const auto paths = readable_paths(options.tessdata);
    auto missing = [&](const char *layer, const std::string &why) {
        r.degraded.push_back(layer);
        r.reasons.push_back(std::string(layer) + ": " + why);
    };
    if (options.namespaces) {
        NamespaceResult ns = enter_namespaces(paths, data_dir, options.seccomp);
        r.namespaces = ns.root;
        r.pid_namespace = ns.pid;
        std::string why;
        for (const auto &e : ns.errors) why += (why.empty() ? "" : "; ") + e;
        if (!ns.root) missing("namespaces", why);
        if (!ns.pid) missing("pid_namespace", ns.root ? why : "see namespaces");
    } else {
        missing("namespaces", "disabled by --no-namespaces");
        missing("pid_namespace", "disabled by --no-namespaces");
    }
    if (options.landlock) {
        LandlockResult ll = apply_landlock(paths);
        r.landlock = ll.enforced;
        r.landlock_abi = ll.abi;
        if (!ll.enforced) missing("landlock", ll.error);
    } else {
        missing("landlock", "disabled by --no-landlock");
    }
    if (!options.seccomp) missing("seccomp", "disabled by --no-seccomp");
    return r;
}

std::string degraded_summary(const SandboxReport &report) {
    std::string out;
    for (const auto &reason : report.reasons) out += (out.empty() ? "" : "; ") + reason;
    return out;
}

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
    return apply_limits(limits);
}

bool apply_limits(const Limits &limits) {
    const rlim_t mem = static_cast<rlim_t>(limits.max_memory_mb) << 20;
    const rlim_t cpu = static_cast<rlim_t>(limits.cpu_seconds);
    return set_limit(RLIMIT_AS, mem, mem) && (cpu == 0 || set_limit(RLIMIT_CPU, cpu, cpu + 2)) &&
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
    for (int cmd : kFcntlAllowed)
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1, SCMP_A1(SCMP_CMP_EQ, static_cast<scmp_datum_t>(cmd)));
    for (unsigned long request : kIoctlAllowed)
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, request));
    rc |= add_self_signal_rules(ctx);
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

void probe_seccomp() { (void)seccomp_api_get(); }

bool lock_down_waiter() {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx) return false;
    int rc = 0;
    // Memory calls too: libseccomp frees its context after the filter is loaded.
    for (const char *name : {"wait4", "waitid", "exit", "exit_group", "rt_sigaction", "rt_sigprocmask",
                             "rt_sigreturn", "restart_syscall", "getpid", "gettid", "close", "brk",
                             "mmap", "munmap", "madvise"}) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr != __NR_SCMP_ERROR) rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    }
    rc |= add_self_signal_rules(ctx);
    if (rc == 0) rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc == 0;
}

}  // namespace docextract::helper
