// The helper's self-restriction (docs/sandbox.md), in three steps: early_hardening() before
// anything else; confine() (namespaces with an empty root, Landlock) before the input is read;
// lock_down() (seccomp) once the input has been read and the libraries are initialised.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/limits.hpp"

namespace docextract::helper {

struct Limits {
    std::int64_t max_memory_mb = core::kDefaultHelperMemoryMb;  // RLIMIT_AS
    int cpu_seconds = core::kDefaultJobTimeoutSeconds;  // RLIMIT_CPU (soft; SIGXCPU -> "timeout" error JSON); 0: none
    int max_open_files = core::kHelperMaxOpenFiles;     // RLIMIT_NOFILE
};

// Closes inherited descriptors >= 3, dies with the parent (PR_SET_PDEATHSIG), sets
// PR_SET_NO_NEW_PRIVS and the resource limits (RLIMIT_FSIZE = 0, RLIMIT_CORE = 0, ...).
// Returns false with errno set if a limit could not be applied.
bool early_hardening(const Limits &limits);

// The resource limits alone (RLIMIT_AS, CPU, NOFILE, FSIZE = 0, CORE = 0): a zygote's child sets
// its own document's limits with it. false with errno set.
bool apply_limits(const Limits &limits);

// Which layers are in force; reported in the JSON output ("sandbox") and, when one is missing,
// on one line of stderr.
struct SandboxReport {
    bool namespaces = false;     // user, mount, network, IPC namespaces; empty read-only root
    bool pid_namespace = false;  // and a PID namespace
    bool landlock = false;
    int landlock_abi = 0;
    bool seccomp = false;
    std::vector<std::string> degraded;  // names of the missing layers
    std::vector<std::string> reasons;   // why, for stderr
};

struct ConfineOptions {
    bool namespaces = true;  // --no-namespaces turns them off (tests of the fallback, debugging)
    bool landlock = true;    // --no-landlock
    bool seccomp = true;     // whether lock_down() will follow (the PID namespace's waiter too)
    std::string tessdata;    // an extra read-only directory, if given
};

// The system paths the parsers may read: shared libraries, fonts, poppler and tesseract data.
std::vector<std::string> readable_paths(const std::string &tessdata);

// chdir("/"), then the namespaces and Landlock, each where the kernel allows it. May fork (see
// enter_namespaces); only the confined process returns. Fills every field but seccomp.
SandboxReport confine(const ConfineOptions &options);

// Installs the seccomp allow-list; anything else kills the process (SIGSYS). Opening a file for
// writing fails with EACCES instead, so a library probing a cache file is not fatal. Signals may
// only go to the helper itself. Returns false if libseccomp refused the filter.
bool lock_down();

// Lets libseccomp probe the kernel's seccomp API now (it caches the answer), so that a zygote's
// children do not each repeat the probe in lock_down().
void probe_seccomp();

// The filter of the process that waits outside the PID namespace: wait, exit, signal itself.
bool lock_down_waiter();

// "namespaces (unshare: ...); landlock (...)": the missing layers with their reasons.
std::string degraded_summary(const SandboxReport &report);

}  // namespace docextract::helper
