// Proves the helper's sandbox holds: after lock-down, the test mode tries what a compromised parser
// would, and must be killed (SIGSYS from seccomp) or refused.
#include <csignal>
#include <unistd.h>

#include "support.hpp"

using docextract::core::outcome_name;
using docextract::core::RunOutcome;
using docextract::test::run_bytes;

namespace {

class Sandbox : public docextract::test::NoLeaks {};

docextract::core::RunResult violate(const std::string &kind, bool seccomp = true,
                                    std::vector<std::string> flags = {}) {
    std::vector<std::string> args{"--format", "png", "--selftest-violate", kind};
    if (!seccomp) args.push_back("--no-seccomp");
    args.insert(args.end(), flags.begin(), flags.end());
    return run_bytes("irrelevant", args);
}

TEST_F(Sandbox, NetworkSocketKillsTheHelper) {
    auto r = violate("socket");
    EXPECT_EQ(r.outcome, RunOutcome::killed_by_signal) << outcome_name(r.outcome) << " " << r.json;
    EXPECT_EQ(r.term_signal, SIGSYS);
}

TEST_F(Sandbox, ExecKillsTheHelper) {
    auto r = violate("exec");
    EXPECT_EQ(r.outcome, RunOutcome::killed_by_signal) << r.json;
    EXPECT_EQ(r.term_signal, SIGSYS);
}

TEST_F(Sandbox, ForkKillsTheHelper) {
    auto r = violate("fork");
    EXPECT_EQ(r.outcome, RunOutcome::killed_by_signal) << r.json;
    EXPECT_EQ(r.term_signal, SIGSYS);
}

TEST_F(Sandbox, OpeningAFileForWritingIsRefused) {
    unlink("/tmp/docextract-selftest-write");
    auto r = violate("write");
    EXPECT_EQ(r.outcome, RunOutcome::helper_error);
    EXPECT_EQ(r.error_code, "sandbox_denied") << r.json;
    EXPECT_NE(access("/tmp/docextract-selftest-write", F_OK), 0);
}

TEST_F(Sandbox, WritingIsRefusedWithoutSeccompByTheOtherLayers) {
    unlink("/tmp/docextract-selftest-write");
    auto r = violate("write", false);
    EXPECT_EQ(r.error_code, "sandbox_denied") << r.json;
    EXPECT_NE(access("/tmp/docextract-selftest-write", F_OK), 0);
}

// The control: without seccomp the same attempt succeeds, so the tests above detect a breach.
TEST_F(Sandbox, WithoutSeccompTheSelfTestReportsABreach) {
    auto r = violate("socket", false);
    EXPECT_EQ(r.outcome, RunOutcome::helper_error);
    EXPECT_EQ(r.error_code, "sandbox_breached");
}

TEST_F(Sandbox, FileSizeLimitStopsWritesEvenWithoutSeccomp) {
    unlink("/tmp/docextract-selftest-write");
    // Without the read-only root and Landlock too, which would refuse the open itself.
    auto r = violate("write", false, {"--no-namespaces", "--no-landlock"});
    // The file may be created (open is allowed here) but RLIMIT_FSIZE = 0 keeps it empty.
    EXPECT_EQ(r.error_code, "sandbox_breached");
    EXPECT_NE(r.error_message.find("opened a file for writing"), std::string::npos) << r.error_message;
    unlink("/tmp/docextract-selftest-write");
}

// Inside a PID namespace the parser is pid 1, which ignores its own SIGABRT; the helper still
// reports an abort() as SIGABRT.
TEST_F(Sandbox, AbortEndsWithSigabrt) {
    auto r = violate("abort");
    EXPECT_EQ(r.outcome, RunOutcome::killed_by_signal) << outcome_name(r.outcome) << " " << r.json;
    EXPECT_EQ(r.term_signal, SIGABRT);
}

TEST_F(Sandbox, HelperRefusesToRunUnderAnotherParent) {
    // sh execs the helper (same pid, same parent) but claims another parent pid: as if we had
    // died and the helper had been re-parented before PR_SET_PDEATHSIG was set.
    docextract::core::RunOptions o;
    o.program = "/bin/sh";
    o.args = {"-c", std::string("DOCEXTRACT_PARENT_PID=1 exec ") + DOCEXTRACT_HELPER + " --format png"};
    auto r = docextract::core::run_helper(o, "x", 1);
    EXPECT_EQ(r.outcome, RunOutcome::exit_without_json) << outcome_name(r.outcome) << r.json;
    EXPECT_EQ(r.exit_status, 125);
}

}  // namespace
