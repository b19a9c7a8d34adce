// Test mode (--selftest-violate KIND [--selftest-arg X]): after the lock-down, attempt something
// the sandbox forbids, so tests can prove it is stopped. Never used in production.
#pragma once

#include <string>
#include <sys/types.h>

namespace docextract::helper {

// Attempts the forbidden action:
//   socket, exec, fork, write (create a file under /tmp);
//   read-file (open and read the file X), list-dir (list X, or the cwd without X);
//   kill-parent (signal 0 to the process that started us, seen before the namespaces),
//   kill-pid (SIGTERM to pid X), kill-all (signal 0 to pid -1; the kernel reports success even
//   when every target refuses, so only seccomp's verdict tells), sigio (F_SETOWN of stdin to
//   pid X); abort (no violation: a crash must still end the helper with SIGABRT).
// Returns the exit status to use if the attempt was (wrongly or rightly) survived; the JSON error
// code says which: sandbox_denied or sandbox_breached.
int attempt_violation(const std::string &kind, const std::string &arg, pid_t original_parent);

}  // namespace docextract::helper
