// run_helper against tiny stand-in helpers (/bin/sh scripts): every outcome, and that the caller
// keeps no descriptors, children, signal-mask changes or SIGPIPE deaths.
#include <csignal>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <utility>
#include <vector>

#include "support.hpp"

using docextract::core::outcome_name;
using docextract::core::run_helper;
using docextract::core::RunOptions;
using docextract::core::RunOutcome;
using docextract::core::RunResult;

namespace {

class Runner : public docextract::test::NoLeaks {
protected:
    RunResult sh(const std::string &script, const std::string &input = "", int timeout_ms = 10000) {
        opts.program = "/bin/sh";
        opts.args = {"-c", script};
        opts.timeout_ms = timeout_ms;
        return run_helper(opts, input.data(), input.size());
    }
    RunOptions opts;
};

TEST_F(Runner, CleanSuccessReturnsTheJsonText) {
    auto r = sh("cat >/dev/null; echo '{\"ok\": true}'", "document bytes");
    EXPECT_EQ(r.outcome, RunOutcome::ok) << outcome_name(r.outcome) << " " << r.error_message;
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.json, "{\"ok\": true}\n");
    EXPECT_GE(r.elapsed_ms, 0);
}

TEST_F(Runner, LargeInputAndOutputFlowConcurrently) {
    // cat echoes while we still write: a sequential write-then-read would deadlock on the pipes.
    std::string big = "{\"x\":\"" + std::string(8u << 20, 'a') + "\"}";
    auto r = sh("cat", big);
    ASSERT_EQ(r.outcome, RunOutcome::ok) << r.error_message;
    EXPECT_EQ(r.json, big);
}

TEST_F(Runner, ErrorJsonIsHelperError) {
    auto r = sh("echo '{\"error\":{\"code\":\"corrupt\",\"message\":\"bad xref\"}}'; exit 3");
    EXPECT_EQ(r.outcome, RunOutcome::helper_error);
    EXPECT_EQ(r.exit_status, 3);
    EXPECT_EQ(r.error_code, "corrupt");
    EXPECT_EQ(r.error_message, "bad xref");
}

TEST_F(Runner, ExitWithoutJson) {
    auto r = sh("echo 'something broke' >&2; exit 3");
    EXPECT_EQ(r.outcome, RunOutcome::exit_without_json);
    EXPECT_EQ(r.exit_status, 3);
    EXPECT_NE(r.stderr_tail.find("something broke"), std::string::npos);
}

TEST_F(Runner, ProgressLinesAreReportedAndKeptOutOfTheStderrTail) {
    std::vector<std::pair<int, int>> seen;
    opts.on_progress = [&](int done, int total) { seen.emplace_back(done, total); };
    // The second line arrives in two writes, split mid-line.
    auto r = sh("echo 'progress 1 3' >&2; printf 'warn\\nprogress 2' >&2; sleep 0.2; "
                "printf ' 3\\nprogress x\\n' >&2; echo '{}'");
    EXPECT_EQ(r.outcome, RunOutcome::ok);
    EXPECT_EQ(seen, (std::vector<std::pair<int, int>>{{1, 3}, {2, 3}}));
    EXPECT_EQ(r.stderr_tail, "warn\nprogress x\n");
}

TEST_F(Runner, KilledBySignal) {
    auto r = sh("echo '{\"partial\":'; kill -SEGV $$");
    EXPECT_EQ(r.outcome, RunOutcome::killed_by_signal);
    EXPECT_EQ(r.term_signal, SIGSEGV);
    EXPECT_EQ(r.exit_status, -1);
}

TEST_F(Runner, TimeoutKillsTheChild) {
    auto r = sh("exec sleep 100", "", 300);
    EXPECT_EQ(r.outcome, RunOutcome::timeout);
    EXPECT_EQ(r.term_signal, SIGKILL);
    EXPECT_LT(r.elapsed_ms, 3000);
}

TEST_F(Runner, ChildClosingStdoutEarlyStillTimesOut) {
    auto r = sh("exec >&- 2>&-; exec sleep 100", "", 300);
    EXPECT_EQ(r.outcome, RunOutcome::timeout);
}

TEST_F(Runner, GarbageIsBadOutput) {
    EXPECT_EQ(sh("echo 'not json at all'").outcome, RunOutcome::bad_output);
    EXPECT_EQ(sh("echo '[1, 2, 3]'").outcome, RunOutcome::bad_output);
    EXPECT_EQ(sh("echo '{\"a\": 1} trailing'").outcome, RunOutcome::bad_output);
    EXPECT_EQ(sh("printf '{\"a\":'; printf '[%.0s' $(seq 100); echo").outcome, RunOutcome::bad_output);
    // Valid JSON without an error object, but a failure status: contradictory.
    EXPECT_EQ(sh("echo '{\"a\": 1}'; exit 5").outcome, RunOutcome::bad_output);
}

TEST_F(Runner, OversizeOutputIsCut) {
    opts.max_output_bytes = 1 << 20;
    auto r = sh("exec yes");
    EXPECT_EQ(r.outcome, RunOutcome::output_too_large);
    EXPECT_EQ(r.term_signal, SIGKILL);
    EXPECT_TRUE(r.json.empty());
}

TEST_F(Runner, MissingProgramIsSpawnFailed) {
    opts.program = "/nonexistent/docextract-extract";
    auto r = run_helper(opts, "x", 1);
    EXPECT_EQ(r.outcome, RunOutcome::spawn_failed);
    EXPECT_NE(r.error_message.find("No such file"), std::string::npos) << r.error_message;
}

TEST_F(Runner, AbortHookStopsTheChild) {
    int calls = 0;
    opts.poll_interval_ms = 50;
    opts.should_abort = [&] { return ++calls >= 3; };
    auto r = sh("exec sleep 100");
    EXPECT_EQ(r.outcome, RunOutcome::aborted);
    EXPECT_EQ(calls, 3);
    EXPECT_LT(r.elapsed_ms, 2000);
}

TEST_F(Runner, ChildThatIgnoresStdinDoesNotRaiseSigpipe) {
    // With SIGPIPE at its default action, a plain write() to a dead reader would kill this test.
    struct sigaction old {}, dfl {};
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &dfl, &old);
    auto r = sh("exit 0", std::string(16u << 20, 'x'));
    sigaction(SIGPIPE, &old, nullptr);
    EXPECT_EQ(r.outcome, RunOutcome::exit_without_json);
}

TEST_F(Runner, ChildGetsOnlyTheGivenEnvironment) {
    opts.env = docextract::core::helper_environment();
    auto r = sh("echo \"{\\\"omp\\\":\\\"$OMP_THREAD_LIMIT\\\",\\\"home\\\":\\\"${HOME-unset}\\\"}\"");
    ASSERT_EQ(r.outcome, RunOutcome::ok) << r.json;
    auto j = docextract::test::parse(r);
    EXPECT_EQ(j["omp"], "1");
    EXPECT_EQ(j["home"], "unset");
}

TEST_F(Runner, ChildInheritsNoStrayDescriptorAndAnEmptySignalMask) {
    int leaky = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
    ASSERT_GE(leaky, 3);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    auto r = sh("if [ -e /proc/$$/fd/" + std::to_string(leaky) + " ]; then s=yes; else s=no; fi; "
                "m=$(grep SigBlk /proc/$$/status | cut -f2); echo \"{\\\"fd\\\":\\\"$s\\\",\\\"mask\\\":\\\"$m\\\"}\"");
    sigset_t now;
    pthread_sigmask(SIG_SETMASK, &old, &now);
    close(leaky);
    ASSERT_EQ(r.outcome, RunOutcome::ok) << r.json;
    auto j = docextract::test::parse(r);
    EXPECT_EQ(j["fd"], "no");
    EXPECT_EQ(j["mask"], "0000000000000000");
    EXPECT_TRUE(sigismember(&now, SIGTERM)) << "the caller's mask must be left as it was";
}

TEST_F(Runner, ManyRunsLeaveNothingBehind) {
    for (int i = 0; i < 50; ++i) {
        auto r = sh(i % 2 ? "exit 1" : "echo '{}'");
        ASSERT_NE(r.outcome, RunOutcome::spawn_failed);
    }
}

}  // namespace
