// The helper's self-restriction, in two steps: early_hardening() before anything else, and
// lock_down() (seccomp) once the input has been read and the libraries are initialised.
#pragma once

#include <cstdint>

namespace docextract::helper {

struct Limits {
    std::int64_t max_memory_mb = 1024;  // RLIMIT_AS
    int cpu_seconds = 60;               // RLIMIT_CPU (soft; SIGXCPU -> "timeout" error JSON)
    int max_open_files = 32;            // RLIMIT_NOFILE
};

// Closes inherited descriptors >= 3, dies with the parent (PR_SET_PDEATHSIG), sets
// PR_SET_NO_NEW_PRIVS and the resource limits (RLIMIT_FSIZE = 0, RLIMIT_CORE = 0, ...).
// Returns false with errno set if a limit could not be applied.
bool early_hardening(const Limits &limits);

// Installs the seccomp allow-list; anything else kills the process (SIGSYS). Opening a file for
// writing fails with EACCES instead, so a library probing a cache file is not fatal.
// Returns false if libseccomp refused the filter.
bool lock_down();

}  // namespace docextract::helper
