// The zygote: its framing (runner_protocol.hpp), and the real helper in --zygote mode driven by
// run_in_zygote: many documents in a row, no state carried between children, a crashing child,
// a child past its wall-clock or CPU limit, a cancelled one, the zygote killed mid-document and
// while idle, a zygote that cannot start, and a single-threaded zygote.
#include <algorithm>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/runner_protocol.hpp"
#include "support.hpp"

namespace z = docextract::core::zygote;
using docextract::core::outcome_name;
using docextract::core::run_in_zygote;
using docextract::core::RunOptions;
using docextract::core::RunOutcome;
using docextract::core::RunResult;
using docextract::core::Zygote;
using docextract::core::ZygoteOptions;
using docextract::test::fixture_path;
using docextract::test::parse;
using docextract::test::read_file;

namespace {

TEST(ZygoteProtocol, FramesSurviveAnySplit) {
    const std::string stream = z::encode(z::Frame::ready, "") +
                               z::encode(z::Frame::request, z::encode_args({"--format", "pdf", ""})) +
                               z::encode(z::Frame::exited, z::encode_exit({9, 1234, 56}));
    for (std::size_t step : {1u, 2u, 3u, 7u, 1000u}) {
        z::Decoder d;
        std::vector<std::pair<z::Frame, std::string>> got;
        for (std::size_t i = 0; i < stream.size(); i += step) {
            d.feed(stream.data() + i, std::min(step, stream.size() - i));
            z::Frame t;
            std::string p;
            while (d.next(t, p)) got.emplace_back(t, p);
        }
        ASSERT_EQ(got.size(), 3u) << "step " << step;
        EXPECT_FALSE(d.bad());
        EXPECT_TRUE(d.empty());
        EXPECT_EQ(got[0].first, z::Frame::ready);
        EXPECT_EQ(got[0].second, "");
        std::vector<std::string> args;
        ASSERT_TRUE(z::decode_args(got[1].second, args));
        EXPECT_EQ(args, (std::vector<std::string>{"--format", "pdf", ""}));
        z::ChildExit e;
        ASSERT_TRUE(z::decode_exit(got[2].second, e));
        EXPECT_EQ(e.wait_status, 9);
        EXPECT_EQ(e.max_rss_kb, 1234);
        EXPECT_EQ(e.cpu_ms, 56);
    }
}

TEST(ZygoteProtocol, LengthPrefixIsLittleEndianAndCountsTheType) {
    EXPECT_EQ(z::encode(z::Frame::kill, ""), std::string("\x01\x00\x00\x00K", 5));
    EXPECT_EQ(z::encode(z::Frame::refused, "ab"), std::string("\x03\x00\x00\x00Xab", 7));
}

TEST(ZygoteProtocol, BadStreamsAreRefused) {
    for (const std::string &bad : {std::string("\x00\x00\x00\x00", 4), std::string("\x01\x00\x00\x00Q", 5),
                                   std::string("\x01\x00\x01\x00R", 5)}) {
        z::Decoder d;
        d.feed(bad.data(), bad.size());
        z::Frame t;
        std::string p;
        EXPECT_FALSE(d.next(t, p));
        EXPECT_TRUE(d.bad());
    }
    std::vector<std::string> args;
    EXPECT_FALSE(z::decode_args(std::string("no-terminator"), args));
    z::ChildExit e;
    EXPECT_FALSE(z::decode_exit("short", e));
}

TEST(ZygoteProtocol, DescriptorsTravelWithTheRequest) {
    int sv[2], p[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
    const int fds[3] = {p[0], p[1], p[1]};
    ASSERT_TRUE(z::send_frame(sv[0], z::Frame::request, z::encode_args({"a", "b"}), fds, 3));
    ASSERT_TRUE(z::send_frame(sv[0], z::Frame::kill, ""));
    z::Frame t;
    std::string payload;
    std::vector<int> got;
    ASSERT_EQ(z::recv_frame(sv[1], t, payload, got), z::Received::frame);
    EXPECT_EQ(t, z::Frame::request);
    EXPECT_EQ(payload, std::string("a\0b\0", 4));
    ASSERT_EQ(got.size(), 3u);
    for (int fd : got) EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    // The received write end reaches the original read end.
    ASSERT_EQ(write(got[1], "x", 1), 1);
    char c = 0;
    ASSERT_EQ(read(p[0], &c, 1), 1);
    EXPECT_EQ(c, 'x');
    std::vector<int> none;
    ASSERT_EQ(z::recv_frame(sv[1], t, payload, none), z::Received::frame);
    EXPECT_EQ(t, z::Frame::kill);
    EXPECT_TRUE(none.empty());
    close(sv[0]);
    EXPECT_EQ(z::recv_frame(sv[1], t, payload, none), z::Received::eof);
    for (int fd : got) close(fd);
    for (int fd : {sv[1], p[0], p[1]}) close(fd);
}

// The zygote's pid 1 (inside its PID namespace): the child of the process we spawned.
pid_t inner_zygote(pid_t outer) {
    std::ifstream f("/proc/" + std::to_string(outer) + "/task/" + std::to_string(outer) + "/children");
    pid_t pid = -1;
    f >> pid;
    return pid;
}

int threads_of(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
    return -1;
}

class ZygoteRun : public docextract::test::NoLeaks {
protected:
    static ZygoteOptions zygote_options() {
        ZygoteOptions o;
        o.program = DOCEXTRACT_HELPER;
        o.args = {"--lang", "eng"};
        o.env = docextract::core::helper_environment();
        return o;
    }
    RunResult run(Zygote &zg, const std::string &fixture, std::vector<std::string> extra = {},
                  int timeout_ms = 60000) {
        std::string error;
        EXPECT_TRUE(zg.ensure_started(error)) << error;
        RunOptions o;
        o.args = {"--format", fixture.substr(fixture.rfind('.') + 1), "--lang", "eng"};
        o.args.insert(o.args.end(), extra.begin(), extra.end());
        o.timeout_ms = timeout_ms;
        o.poll_interval_ms = 20;
        o.should_abort = abort_hook;
        const std::string bytes = read_file(fixture_path(fixture));
        return run_in_zygote(zg, o, bytes.data(), bytes.size());
    }
    std::function<bool()> abort_hook;
};

TEST_F(ZygoteRun, ManyDocumentsInARowFromOneZygote) {
    Zygote zg(zygote_options());
    std::string error;
    ASSERT_TRUE(zg.ensure_started(error)) << error;
    const pid_t pid = zg.pid();
    EXPECT_EQ(zg.take_event().rfind("started", 0), 0u);
    for (int i = 0; i < 25; ++i) {
        RunResult r = run(zg, i % 5 == 4 ? "hello.png" : "text.pdf");
        ASSERT_EQ(r.outcome, RunOutcome::ok) << i << " " << outcome_name(r.outcome) << " " << r.error_message;
        auto j = parse(r);
        EXPECT_NE(j["text"].get<std::string>().find(i % 5 == 4 ? "HELLO" : "quick brown fox"), std::string::npos);
        EXPECT_EQ(j["sandbox"]["degraded"].size(), 0u) << j["sandbox"].dump();
        EXPECT_TRUE(j["sandbox"]["seccomp"].get<bool>());
        // The engine was initialised in the zygote, before the fork.
        EXPECT_EQ(j["timings_ms"]["ocr_init"].get<double>(), 0.0);
        EXPECT_GT(r.max_rss_kb, 0);
    }
    EXPECT_EQ(zg.pid(), pid) << "one zygote served every document";
    EXPECT_EQ(zg.take_event(), "");
}

TEST_F(ZygoteRun, NoStateCarriesOverBetweenChildren) {
    Zygote zg(zygote_options());
    const RunResult a1 = run(zg, "text.pdf"), b = run(zg, "meta.pdf"), a2 = run(zg, "text.pdf");
    ASSERT_EQ(a1.outcome, RunOutcome::ok);
    ASSERT_EQ(b.outcome, RunOutcome::ok);
    ASSERT_EQ(a2.outcome, RunOutcome::ok);
    auto j1 = parse(a1), j2 = parse(a2), jb = parse(b);
    for (auto *j : {&j1, &j2, &jb}) j->erase("timings_ms");
    EXPECT_EQ(j1, j2) << "the same document reads the same after another one";
    EXPECT_EQ(j1["text"].get<std::string>().find("alpha"), std::string::npos);
    EXPECT_EQ(jb["metadata"]["title"], "Quarterly Report");
    EXPECT_TRUE(j1["metadata"]["title"].is_null()) << j1["metadata"].dump();
}

TEST_F(ZygoteRun, CrashingChildIsReportedAndTheZygoteGoesOn) {
    Zygote zg(zygote_options());
    RunResult r = run(zg, "text.pdf", {"--selftest-violate", "abort"});
    EXPECT_EQ(r.outcome, RunOutcome::killed_by_signal) << outcome_name(r.outcome) << " " << r.json;
    EXPECT_EQ(r.term_signal, SIGABRT);
    // A sandbox violation: seccomp kills the child with SIGSYS (signalling its parent, the zygote).
    r = run(zg, "text.pdf", {"--selftest-violate", "kill-parent"});
    EXPECT_EQ(r.outcome, RunOutcome::killed_by_signal) << r.json;
    EXPECT_EQ(r.term_signal, SIGSYS);
    const pid_t pid = zg.pid();
    r = run(zg, "text.pdf");
    EXPECT_EQ(r.outcome, RunOutcome::ok) << r.error_message;
    EXPECT_EQ(zg.pid(), pid);
}

TEST_F(ZygoteRun, ChildPastTheWallClockIsKilledTheZygoteStays) {
    Zygote zg(zygote_options());
    std::string error;
    ASSERT_TRUE(zg.ensure_started(error)) << error;
    const pid_t pid = zg.pid();
    RunResult r = run(zg, "scanned.pdf", {}, 150);
    EXPECT_EQ(r.outcome, RunOutcome::timeout) << outcome_name(r.outcome);
    EXPECT_EQ(r.term_signal, SIGKILL);
    r = run(zg, "text.pdf");
    EXPECT_EQ(r.outcome, RunOutcome::ok) << r.error_message;
    EXPECT_EQ(zg.pid(), pid);
}

TEST_F(ZygoteRun, EachChildHasItsDocumentsLimits) {
    Zygote zg(zygote_options());
    // RLIMIT_CPU of the document (1 s), not the zygote's (none).
    RunResult r = run(zg, "deflate-bomb.pdf", {"--timeout-cpu", "1"});
    EXPECT_EQ(r.outcome, RunOutcome::helper_error) << outcome_name(r.outcome) << " " << r.json;
    EXPECT_EQ(r.error_code, "timeout");
    EXPECT_EQ(r.exit_status, 4);
    r = run(zg, "text.pdf", {"--bogus"});
    EXPECT_EQ(r.outcome, RunOutcome::helper_error);
    EXPECT_EQ(r.error_code, "usage");
    r = run(zg, "text.pdf");
    EXPECT_EQ(r.outcome, RunOutcome::ok) << r.error_message;
}

TEST_F(ZygoteRun, CancelledChildIsKilled) {
    Zygote zg(zygote_options());
    abort_hook = [] { return true; };
    RunResult r = run(zg, "scanned.pdf");
    EXPECT_EQ(r.outcome, RunOutcome::aborted);
    abort_hook = nullptr;
    EXPECT_EQ(run(zg, "text.pdf").outcome, RunOutcome::ok);
}

TEST_F(ZygoteRun, ZygoteKilledMidDocumentIsACrashAndItIsRestarted) {
    Zygote zg(zygote_options());
    std::string error;
    ASSERT_TRUE(zg.ensure_started(error)) << error;
    zg.take_event();
    const pid_t first = zg.pid();
    const pid_t inner = inner_zygote(first);
    ASSERT_GT(inner, 0);
    abort_hook = [&] {
        kill(inner, SIGKILL);  // pid 1 of its namespace: every child dies with it
        return false;
    };
    RunResult r = run(zg, "scanned.pdf");
    abort_hook = nullptr;
    EXPECT_EQ(r.outcome, RunOutcome::killed_by_signal) << outcome_name(r.outcome) << " " << r.error_message;
    EXPECT_EQ(r.term_signal, SIGKILL);
    EXPECT_FALSE(zg.running());
    EXPECT_NE(zg.take_event().find("died while extracting a document (killed by signal 9"), std::string::npos);
    // Replaced at the next document, at once (the first death in a row has no delay).
    r = run(zg, "text.pdf");
    EXPECT_EQ(r.outcome, RunOutcome::ok) << r.error_message;
    EXPECT_NE(zg.pid(), first);
}

TEST_F(ZygoteRun, ZygoteKilledWhileIdleIsReplaced) {
    Zygote zg(zygote_options());
    std::string error;
    ASSERT_TRUE(zg.ensure_started(error)) << error;
    const pid_t first = zg.pid();
    kill(first, SIGKILL);
    usleep(100000);
    ASSERT_TRUE(zg.ensure_started(error)) << error;
    EXPECT_NE(zg.pid(), first);
    EXPECT_NE(zg.take_event().find("started"), std::string::npos);
    EXPECT_EQ(run(zg, "text.pdf").outcome, RunOutcome::ok);
}

TEST_F(ZygoteRun, ZygoteThatCannotStartBacksOff) {
    ZygoteOptions o = zygote_options();
    o.args = {"--max-memory-mb", "1"};  // below the minimum: a usage error at start-up
    o.backoff_min_ms = 60000;
    Zygote zg(o);
    std::string error;
    EXPECT_FALSE(zg.ensure_started(error));
    EXPECT_NE(error.find("before it was ready"), std::string::npos) << error;
    EXPECT_NE(zg.take_event().find("could not start"), std::string::npos);
    EXPECT_FALSE(zg.ensure_started(error));
    EXPECT_NE(error.find("restart delayed"), std::string::npos) << error;
    ZygoteOptions missing = zygote_options();
    missing.program = "/nonexistent/docextract-extract";
    Zygote none(missing);
    EXPECT_FALSE(none.ensure_started(error));
    EXPECT_NE(error.find("posix_spawn"), std::string::npos) << error;
}

TEST_F(ZygoteRun, ZygoteIsSingleThreadedAndHoldsOnlyItsSocket) {
    Zygote zg(zygote_options());
    ASSERT_EQ(run(zg, "hello.png").outcome, RunOutcome::ok);
    const pid_t inner = inner_zygote(zg.pid());
    ASSERT_GT(inner, 0);
    EXPECT_EQ(threads_of(inner), 1);
    std::vector<std::string> fds;
    if (DIR *d = opendir(("/proc/" + std::to_string(inner) + "/fd").c_str())) {
        while (dirent *e = readdir(d))
            if (e->d_name[0] != '.') fds.push_back(e->d_name);
        closedir(d);
    }
    std::sort(fds.begin(), fds.end());
    EXPECT_EQ(fds, (std::vector<std::string>{"0", "1", "2"}));
}

}  // namespace
