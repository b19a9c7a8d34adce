// Issue 11: a compromised parser must not read the database's files, list the data directory or
// signal the postmaster and other processes of the same uid. Each escape is attempted from inside
// the real helper (--selftest-violate) with every layer on, then with single layers on, so a
// missing kernel feature shows which layer still holds (docs/sandbox.md).
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.hpp"

using docextract::core::outcome_name;
using docextract::core::RunOutcome;
using docextract::core::RunResult;
using docextract::test::parse;
using docextract::test::run_bytes;
using docextract::test::run_fixture;

namespace {

const std::vector<std::string> kNoLandlockNoSeccomp{"--no-landlock", "--no-seccomp"};
const std::vector<std::string> kNoNamespacesNoSeccomp{"--no-namespaces", "--no-seccomp"};
const std::vector<std::string> kNothing{"--no-namespaces", "--no-landlock", "--no-seccomp"};

// Another process of our uid, standing for the postmaster or a backend.
class Bystander {
public:
    Bystander() {
        char *const argv[] = {const_cast<char *>("sleep"), const_cast<char *>("60"), nullptr};
        char *const envp[] = {nullptr};
        if (posix_spawn(&pid_, "/bin/sleep", nullptr, nullptr, argv, envp) != 0) pid_ = -1;
    }
    ~Bystander() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    pid_t pid() const { return pid_; }
    bool alive() {
        if (pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
        return pid_ > 0;
    }
    // A signal takes a moment to end the process.
    bool dies_soon() {
        for (int i = 0; i < 200 && alive(); ++i) usleep(10000);
        return !alive();
    }

private:
    pid_t pid_ = -1;
};

// Runs a test body with the process's cwd elsewhere (the worker's cwd is the data directory).
class Cwd {
public:
    explicit Cwd(const std::string &dir) : saved_(open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
        EXPECT_EQ(chdir(dir.c_str()), 0);
    }
    ~Cwd() {
        EXPECT_EQ(fchdir(saved_), 0);
        close(saved_);
    }

private:
    int saved_;
};

class Escape : public docextract::test::NoLeaks {
protected:
    void SetUp() override {
        NoLeaks::SetUp();
        char tmpl[] = "/tmp/docextract-datadir-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        data_dir_ = tmpl;
        heap_file_ = data_dir_ + "/16384";  // a relation's heap file
        int fd = open(heap_file_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(write(fd, "other user's document", 21), 21);
        close(fd);
    }
    void TearDown() override {
        unlink(heap_file_.c_str());
        rmdir(data_dir_.c_str());
        NoLeaks::TearDown();
    }
    RunResult violate(const std::string &kind, const std::string &arg = "",
                      std::vector<std::string> flags = {}) {
        // pdf: no tesseract to load before the lock-down, so each attempt is quick.
        std::vector<std::string> args{"--format", "pdf", "--selftest-violate", kind};
        if (!arg.empty()) args.insert(args.end(), {"--selftest-arg", arg});
        args.insert(args.end(), flags.begin(), flags.end());
        return run_bytes("irrelevant", args);
    }
    // The layers this kernel gives the helper, from a real extraction's report.
    static nlohmann::json layers(std::vector<std::string> flags = {}) {
        auto j = parse(run_fixture("text.pdf", std::move(flags)));
        return j.value("sandbox", nlohmann::json::object());
    }
    static void expect_denied(const RunResult &r, const char *errno_text) {
        EXPECT_EQ(r.outcome, RunOutcome::helper_error) << outcome_name(r.outcome) << " " << r.json;
        EXPECT_EQ(r.error_code, "sandbox_denied") << r.error_message;
        EXPECT_NE(r.error_message.find(errno_text), std::string::npos) << r.error_message;
    }
    static void expect_denied(const RunResult &r) {
        EXPECT_EQ(r.outcome, RunOutcome::helper_error) << outcome_name(r.outcome) << " " << r.json;
        EXPECT_EQ(r.error_code, "sandbox_denied") << r.error_message;
    }
    static void expect_sigsys(const RunResult &r) {
        EXPECT_EQ(r.outcome, RunOutcome::killed_by_signal) << outcome_name(r.outcome) << " " << r.json;
        EXPECT_EQ(r.term_signal, SIGSYS);
    }
    std::string data_dir_, heap_file_;
};

// --- every layer on: what production runs ---

TEST_F(Escape, HeapFileCannotBeRead) {
    auto r = violate("read-file", heap_file_);
    expect_denied(r);  // ENOENT in the empty root; EACCES from Landlock without namespaces
    EXPECT_EQ(r.json.find("other user"), std::string::npos);
}

TEST_F(Escape, DataDirectoryCannotBeListedByPath) { expect_denied(violate("list-dir", data_dir_)); }

TEST_F(Escape, WorkingDirectoryCannotBeListed) {
    Cwd cwd(data_dir_);
    auto r = violate("list-dir");
    expect_denied(r, "Permission denied");  // the cwd is "/", and Landlock allows no listing of it
    EXPECT_EQ(r.json.find("16384"), std::string::npos);
}

TEST_F(Escape, SignallingTheParentKillsTheHelper) { expect_sigsys(violate("kill-parent")); }

TEST_F(Escape, SignallingAnotherProcessOfTheSameUidKillsTheHelper) {
    Bystander other;
    ASSERT_GT(other.pid(), 0);
    expect_sigsys(violate("kill-pid", std::to_string(other.pid())));
    EXPECT_TRUE(other.alive());
}

TEST_F(Escape, SignallingEveryProcessKillsTheHelper) { expect_sigsys(violate("kill-all")); }

TEST_F(Escape, AimingSigioAtAnotherProcessKillsTheHelper) {
    Bystander other;
    expect_sigsys(violate("sigio", std::to_string(other.pid())));
}

TEST_F(Escape, ProductionRunReportsEveryLayer) {
    auto r = run_fixture("text.pdf");
    ASSERT_EQ(r.outcome, RunOutcome::ok) << r.error_message;
    auto s = parse(r)["sandbox"];
    EXPECT_EQ(s["seccomp"], true);
    if (!s["degraded"].empty()) {
        // A kernel without user namespaces or Landlock: the report and the stderr line say so.
        EXPECT_NE(r.stderr_tail.find("sandbox degraded"), std::string::npos) << r.stderr_tail;
        GTEST_SKIP() << "this kernel degrades the sandbox: " << s.dump();
    }
    EXPECT_EQ(s["namespaces"], true);
    EXPECT_EQ(s["pid_namespace"], true);
    EXPECT_EQ(s["landlock"], true);
    EXPECT_GE(s["landlock_abi"].get<int>(), 1);
    EXPECT_EQ(r.stderr_tail.find("degraded"), std::string::npos) << r.stderr_tail;
}

// Text, lazily loaded OCR after the lock-down (scanned PDF) and OCR set up before it (image),
// started from a private "data directory" as the worker does.
TEST_F(Escape, ExtractionWorksInsideTheSandbox) {
    Cwd cwd(data_dir_);
    auto text = run_fixture("text.pdf");
    ASSERT_EQ(text.outcome, RunOutcome::ok) << text.error_message << text.stderr_tail;
    EXPECT_NE(parse(text)["text"].get<std::string>().find("quick brown fox"), std::string::npos);
    auto scanned = run_fixture("scanned.pdf");
    ASSERT_EQ(scanned.outcome, RunOutcome::ok) << scanned.error_message << scanned.stderr_tail;
    auto j = parse(scanned);
    EXPECT_EQ(j["pages"][0]["method"], "ocr");
    EXPECT_NE(j["text"].get<std::string>().find("4711"), std::string::npos);
    auto image = run_fixture("hello.png");
    ASSERT_EQ(image.outcome, RunOutcome::ok) << image.error_message << image.stderr_tail;
    EXPECT_EQ(parse(image)["text"], "HELLO DOCEXTRACT");
}

// The worker runs the helper as the postgres OS user, whom root's test run would not exercise.
TEST_F(Escape, SandboxWorksAsThePostgresUser) {
    passwd *pg = getpwnam("postgres");
    if (geteuid() != 0 || pg == nullptr || access("/usr/bin/setpriv", X_OK) != 0)
        GTEST_SKIP() << "needs root, a postgres user and setpriv";
    // The worker's situation: the data directory, owned by postgres and private, as the cwd.
    ASSERT_EQ(chown(data_dir_.c_str(), pg->pw_uid, pg->pw_gid), 0);
    ASSERT_EQ(chown(heap_file_.c_str(), pg->pw_uid, pg->pw_gid), 0);
    Cwd cwd(data_dir_);
    // setpriv execs in place: the helper keeps our pid as its parent.
    docextract::core::RunOptions o;
    o.program = "/usr/bin/setpriv";
    o.args = {"--reuid", std::to_string(pg->pw_uid), "--regid", std::to_string(pg->pw_gid),
              "--clear-groups", "--", DOCEXTRACT_HELPER, "--format", "png"};
    o.env = docextract::core::helper_environment();
    o.timeout_ms = 60000;
    const std::string png = docextract::test::read_file(docextract::test::fixture_path("hello.png"));
    auto r = docextract::core::run_helper(o, png.data(), png.size());
    ASSERT_EQ(r.outcome, RunOutcome::ok) << r.error_message << r.stderr_tail;
    auto j = parse(r);
    EXPECT_EQ(j["text"], "HELLO DOCEXTRACT");
    EXPECT_EQ(j["sandbox"]["degraded"], nlohmann::json::array()) << j["sandbox"].dump();
    // And the escapes fail for postgres too.
    const auto base = o.args;
    o.args.insert(o.args.end(), {"--selftest-violate", "read-file", "--selftest-arg", heap_file_});
    expect_denied(docextract::core::run_helper(o, "x", 1));
    o.args = base;
    o.args.insert(o.args.end(), {"--selftest-violate", "list-dir"});
    expect_denied(docextract::core::run_helper(o, "x", 1));
    o.args = base;
    o.args.insert(o.args.end(), {"--selftest-violate", "kill-parent"});
    expect_sigsys(docextract::core::run_helper(o, "x", 1));
}

// --- one layer at a time: what still holds when the kernel lacks the others ---

TEST_F(Escape, NamespacesAloneHideFilesAndProcesses) {
    if (layers(kNoLandlockNoSeccomp)["namespaces"] != true) GTEST_SKIP() << "no user namespaces here";
    expect_denied(violate("read-file", heap_file_, kNoLandlockNoSeccomp), "No such file");
    expect_denied(violate("list-dir", data_dir_, kNoLandlockNoSeccomp), "No such file");
    {
        Cwd cwd(data_dir_);
        auto r = violate("list-dir", "", kNoLandlockNoSeccomp);
        // The empty root may be listed: it holds only the read-only system paths.
        EXPECT_EQ(r.error_code, "sandbox_breached");
        EXPECT_EQ(r.json.find("16384"), std::string::npos) << r.json;
        EXPECT_NE(r.json.find("usr"), std::string::npos) << r.json;
    }
    expect_denied(violate("kill-parent", "", kNoLandlockNoSeccomp), "No such process");
    Bystander other;
    expect_denied(violate("kill-pid", std::to_string(other.pid()), kNoLandlockNoSeccomp), "No such process");
    EXPECT_TRUE(other.alive());
}

TEST_F(Escape, FallbackWithoutNamespacesIsReported) {
    auto r = run_fixture("text.pdf", {"--no-namespaces"});
    ASSERT_EQ(r.outcome, RunOutcome::ok) << r.error_message;
    auto s = parse(r)["sandbox"];
    EXPECT_EQ(s["namespaces"], false);
    EXPECT_EQ(s["pid_namespace"], false);
    EXPECT_EQ(s["seccomp"], true);
    EXPECT_EQ(s["degraded"][0], "namespaces");
    EXPECT_EQ(s["degraded"][1], "pid_namespace");
    EXPECT_NE(r.stderr_tail.find("docextract-extract: sandbox degraded: namespaces: disabled by --no-namespaces"),
              std::string::npos)
        << r.stderr_tail;
    EXPECT_NE(parse(r)["text"].get<std::string>().find("quick brown fox"), std::string::npos);
}

// Not an option this time: the kernel refuses new user namespaces (their limit is 0 inside a
// user namespace made for the test), as on hosts that forbid them.
TEST_F(Escape, FallbackWhenTheKernelRefusesNamespaces) {
    if (access("/usr/bin/unshare", X_OK) != 0) GTEST_SKIP() << "no unshare(1)";
    auto refused = [&](std::vector<std::string> args, const std::string &input) {
        std::string command = "echo 0 > /proc/sys/user/max_user_namespaces && exec";
        for (const auto &a : args) command += " '" + a + "'";
        docextract::core::RunOptions o;
        // unshare and sh exec in place: the helper keeps our pid as its parent.
        o.program = "/usr/bin/unshare";
        o.args = {"--user", "--map-root-user", "/bin/sh", "-c", command};
        o.env = docextract::core::helper_environment();
        o.timeout_ms = 60000;
        return docextract::core::run_helper(o, input.data(), input.size());
    };
    const std::string pdf = docextract::test::read_file(docextract::test::fixture_path("text.pdf"));
    auto r = refused({DOCEXTRACT_HELPER, "--format", "pdf"}, pdf);
    if (r.outcome == RunOutcome::exit_without_json) GTEST_SKIP() << "no user namespace for the test: " << r.stderr_tail;
    ASSERT_EQ(r.outcome, RunOutcome::ok) << outcome_name(r.outcome) << " " << r.error_message << r.stderr_tail;
    auto s = parse(r)["sandbox"];
    EXPECT_EQ(s["namespaces"], false);
    EXPECT_EQ(s["degraded"][0], "namespaces");
    EXPECT_EQ(s["seccomp"], true);
    EXPECT_NE(r.stderr_tail.find("sandbox degraded: namespaces: unshare"), std::string::npos) << r.stderr_tail;
    if (s["landlock"] != true) GTEST_SKIP() << "no Landlock either: only seccomp holds";
    expect_denied(refused({DOCEXTRACT_HELPER, "--format", "pdf", "--selftest-violate", "read-file",
                           "--selftest-arg", heap_file_}, "x"),
                  "Permission denied");
    Bystander other;
    expect_sigsys(refused({DOCEXTRACT_HELPER, "--format", "pdf", "--selftest-violate", "kill-pid",
                           "--selftest-arg", std::to_string(other.pid())}, "x"));
    EXPECT_TRUE(other.alive());
}

TEST_F(Escape, LandlockAloneRefusesFilesAndSignals) {
    auto s = layers({"--no-namespaces"});
    if (s["landlock"] != true) GTEST_SKIP() << "no Landlock here";
    expect_denied(violate("read-file", heap_file_, kNoNamespacesNoSeccomp), "Permission denied");
    expect_denied(violate("list-dir", data_dir_, kNoNamespacesNoSeccomp), "Permission denied");
    {
        Cwd cwd(data_dir_);
        expect_denied(violate("list-dir", "", kNoNamespacesNoSeccomp), "Permission denied");
    }
    if (s["landlock_abi"].get<int>() < 6) GTEST_SKIP() << "Landlock ABI < 6 does not scope signals";
    expect_denied(violate("kill-parent", "", kNoNamespacesNoSeccomp), "Operation not permitted");
    Bystander other;
    expect_denied(violate("kill-pid", std::to_string(other.pid()), kNoNamespacesNoSeccomp),
                  "Operation not permitted");
    EXPECT_TRUE(other.alive());
}

TEST_F(Escape, SeccompAloneStopsSignals) {
    const std::vector<std::string> only_seccomp{"--no-namespaces", "--no-landlock"};
    Bystander other;
    expect_sigsys(violate("kill-pid", std::to_string(other.pid()), only_seccomp));
    expect_sigsys(violate("kill-parent", "", only_seccomp));
    EXPECT_TRUE(other.alive());
}

// The control: with every layer off the same attempts succeed, so the tests above would see a
// breach.
TEST_F(Escape, WithoutAnyLayerTheEscapesSucceed) {
    auto r = violate("read-file", heap_file_, kNothing);
    EXPECT_EQ(r.error_code, "sandbox_breached") << r.json;
    EXPECT_NE(r.json.find("other user"), std::string::npos);
    EXPECT_EQ(violate("list-dir", data_dir_, kNothing).error_code, "sandbox_breached");
    EXPECT_EQ(violate("kill-parent", "", kNothing).error_code, "sandbox_breached");
    Bystander other;
    EXPECT_EQ(violate("kill-pid", std::to_string(other.pid()), kNothing).error_code, "sandbox_breached");
    EXPECT_TRUE(other.dies_soon());
}

}  // namespace
