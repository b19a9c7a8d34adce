#include "support.hpp"

#include <cerrno>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

namespace docextract::test {

std::string fixture_path(const std::string &name) { return std::string(DOCEXTRACT_FIXTURES) + "/" + name; }

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path + " (did extract_fixtures run?)");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

core::RunResult run_bytes(const std::string &bytes, std::vector<std::string> args, int timeout_ms) {
    core::RunOptions o;
    o.program = DOCEXTRACT_HELPER;
    o.args = std::move(args);
    o.env = core::helper_environment();
    o.timeout_ms = timeout_ms;
    return core::run_helper(o, bytes.data(), bytes.size());
}

core::RunResult run_fixture(const std::string &name, std::vector<std::string> extra_args,
                            std::string format, int timeout_ms) {
    if (format.empty()) format = name.substr(name.rfind('.') + 1);
    std::vector<std::string> args{"--format", format};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return run_bytes(read_file(fixture_path(name)), args, timeout_ms);
}

nlohmann::json parse(const core::RunResult &r) {
    auto j = nlohmann::json::parse(r.json, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.json.substr(0, 200);
    return j;
}

int open_fd_count() {
    int n = 0;
    if (DIR *d = opendir("/proc/self/fd")) {
        while (readdir(d)) ++n;
        closedir(d);
    }
    return n;
}

bool has_children() { return !(waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD); }

}  // namespace docextract::test
