// The helper's empty root: new user, mount, network and IPC namespaces (and a PID namespace when
// the kernel allows one), a read-only tmpfs as "/" holding only read-only binds of the system
// paths the parsers read, pivot_root, no capabilities left.
#pragma once

#include <string>
#include <vector>

namespace docextract::helper {

struct NamespaceResult {
    bool root = false;           // user + mount + network + IPC namespaces and the empty root
    bool pid = false;            // a PID namespace too: we are its pid 1, the parent only waits
    std::vector<std::string> errors;  // why a part is missing
};

// Must run single-threaded, before any untrusted input is read. With a PID namespace it forks:
// the original process stays outside, waits, and ends exactly as the child did (same exit status,
// or the same signal); only the child returns. mask_dir (the data directory, our initial cwd) is
// hidden under an empty tmpfs should it lie beneath one of the paths. seccomp_waiter: lock the
// waiting parent down too.
NamespaceResult enter_namespaces(const std::vector<std::string> &paths, const std::string &mask_dir,
                                 bool seccomp_waiter);

}  // namespace docextract::helper
