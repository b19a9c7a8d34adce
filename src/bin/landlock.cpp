#include "landlock.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace docextract::helper {
namespace {

// Debian 12's kernel headers stop at ABI 2; the later fields and rights are stable kernel ABI.
struct RulesetAttr {
    std::uint64_t handled_access_fs;
    std::uint64_t handled_access_net;  // ABI 4
    std::uint64_t scoped;              // ABI 6
};
constexpr std::uint64_t kFsAbi1 = (1ULL << 13) - 1;  // EXECUTE .. MAKE_SYM
constexpr std::uint64_t kFsRefer = 1ULL << 13;       // ABI 2
constexpr std::uint64_t kFsTruncate = 1ULL << 14;    // ABI 3
constexpr std::uint64_t kFsIoctlDev = 1ULL << 15;    // ABI 5
constexpr std::uint64_t kNetBindTcp = 1ULL << 0, kNetConnectTcp = 1ULL << 1;
constexpr std::uint64_t kScopeAbstractUnix = 1ULL << 0, kScopeSignal = 1ULL << 1;
constexpr std::uint64_t kReadFile = 1ULL << 2, kReadDir = 1ULL << 3;

struct PathBeneathAttr {
    std::uint64_t allowed_access;
    std::int32_t parent_fd;
} __attribute__((packed));

long create_ruleset(const RulesetAttr *attr, std::size_t size, std::uint32_t flags) {
    return syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

}  // namespace

LandlockResult apply_landlock(const std::vector<std::string> &read_only_paths) {
    LandlockResult r;
    long abi = create_ruleset(nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) {
        r.error = std::string("Landlock unavailable: ") + strerror(errno);
        return r;
    }
    r.abi = static_cast<int>(abi);
    RulesetAttr attr{kFsAbi1, 0, 0};
    if (abi >= 2) attr.handled_access_fs |= kFsRefer;
    if (abi >= 3) attr.handled_access_fs |= kFsTruncate;
    if (abi >= 5) attr.handled_access_fs |= kFsIoctlDev;
    if (abi >= 4) attr.handled_access_net = kNetBindTcp | kNetConnectTcp;
    if (abi >= 6) attr.scoped = kScopeAbstractUnix | kScopeSignal;
    // Older kernels accept the larger struct as long as the fields they do not know are zero.
    int ruleset = static_cast<int>(create_ruleset(&attr, sizeof attr, 0));
    if (ruleset < 0) {
        r.error = std::string("landlock_create_ruleset: ") + strerror(errno);
        return r;
    }
    for (const std::string &path : read_only_paths) {
        int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
        if (fd < 0) continue;  // absent on this system
        struct stat st {};
        // Only directories may carry READ_DIR; a file rule with it is refused (EINVAL).
        const bool dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
        PathBeneathAttr rule{dir ? kReadFile | kReadDir : kReadFile, fd};
        long rc = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
        const int saved = errno;
        close(fd);
        if (rc != 0) {
            r.error = "landlock_add_rule " + path + ": " + strerror(saved);
            close(ruleset);
            return r;
        }
    }
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
        r.error = std::string("landlock_restrict_self: ") + strerror(errno);
        close(ruleset);
        return r;
    }
    close(ruleset);
    r.enforced = true;
    r.signals_scoped = abi >= 6;
    return r;
}

}  // namespace docextract::helper
