// Landlock: read-only access beneath a few system paths, nothing else in the file system; where the
// kernel's ABI allows it, no TCP and no signals or abstract sockets outside the helper's domain.
#pragma once

#include <string>
#include <vector>

namespace docextract::helper {

struct LandlockResult {
    int abi = 0;            // the kernel's Landlock ABI; 0: not available
    bool enforced = false;  // the file-system rules are in force
    bool signals_scoped = false;  // ABI >= 6: no signal to a process outside the domain
    std::string error;      // why not enforced
};

// Restricts the calling thread (and its future children) for good. Paths that do not exist are
// skipped. Needs PR_SET_NO_NEW_PRIVS.
LandlockResult apply_landlock(const std::vector<std::string> &read_only_paths);

}  // namespace docextract::helper
