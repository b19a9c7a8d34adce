// Test mode (--selftest-violate KIND): after the lock-down, attempt something the sandbox forbids,
// so tests can prove it is stopped. Never used in production.
#pragma once

#include <string>

namespace docextract::helper {

// Attempts the forbidden action: socket, exec, fork, write (create a file under /tmp).
// Returns the exit status to use if the attempt was (wrongly or rightly) survived.
int attempt_violation(const std::string &kind);

}  // namespace docextract::helper
