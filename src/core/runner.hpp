// Runs the sandboxed extraction helper (or any program speaking its protocol) as a child process:
// the document goes to its stdin, one JSON object comes back on its stdout. Either one process per
// document (run_helper), or one child per document forked by a long-lived, pre-initialised helper
// (a Zygote, run_in_zygote), classified the same way. Safe to call from a PostgreSQL background
// worker: posix_spawn (no fork of the server), no signal handlers, the caller's signal mask
// untouched, no fds or zombies left behind on any path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "core/limits.hpp"

namespace docextract::core {

enum class RunOutcome {
    ok,                 // exit 0 and a JSON object without "error"
    helper_error,       // the helper reported {"error": {"code", "message"}}
    exit_without_json,  // exited with nothing on stdout
    killed_by_signal,   // died by a signal it was not sent by us (SIGSYS from seccomp, SIGSEGV, ...)
    timeout,            // wall-clock limit reached: we sent SIGKILL
    bad_output,         // stdout is not a well-formed JSON object (or contradicts the exit status)
    output_too_large,   // stdout exceeded max_output_bytes: we sent SIGKILL
    spawn_failed,       // the program could not be started (missing, not executable, no resources)
    aborted,            // the should_abort hook asked us to stop: we sent SIGKILL
};

// Stable lower-case name of an outcome, e.g. "killed_by_signal".
const char *outcome_name(RunOutcome outcome);

struct RunOptions {
    std::string program;              // absolute path; no PATH search
    std::vector<std::string> args;    // argv[1..]; argv[0] is program
    std::vector<std::string> env;     // the child's whole environment, "NAME=value" each
    int timeout_ms = kDefaultJobTimeoutSeconds * 1000;  // wall clock, from spawn to reaping
    std::size_t max_output_bytes = kHelperMaxOutputBytes;
    std::size_t stderr_tail_bytes = 4096;  // the last bytes of stderr are kept for diagnostics
    int poll_interval_ms = 150;       // how often should_abort is consulted
    // Called about every poll_interval_ms while the child runs; returning true kills it
    // (outcome aborted). Must not throw.
    std::function<bool()> should_abort;
    // Called for each "progress DONE TOTAL" line the child writes to stderr (the helper's
    // --progress); those lines are left out of stderr_tail. Must not throw.
    std::function<void(int done, int total)> on_progress;
};

struct RunResult {
    RunOutcome outcome = RunOutcome::spawn_failed;
    int exit_status = -1;       // when the child exited normally, else -1
    int term_signal = 0;        // when the child died by a signal (including our SIGKILL), else 0
    std::string json;           // stdout as received (the JSON text when outcome is ok/helper_error)
    std::string error_code;     // helper_error: error.code; otherwise empty
    std::string error_message;  // helper_error: error.message; other failures: a description
    std::string stderr_tail;    // last stderr_tail_bytes of the child's stderr
    std::int64_t elapsed_ms = 0;
    std::int64_t max_rss_kb = -1;  // zygote children: the child's peak RSS; -1 when unknown
};

// Spawns the program, writes len bytes of data to its stdin (then closes it), collects stdout and
// stderr, and classifies how it ended. Does not throw for child failures; std::bad_alloc may
// escape.
RunResult run_helper(const RunOptions &options, const void *data, std::size_t len);

// A long-lived `docextract-extract --zygote` (docs/sandbox.md): it loads the libraries and the
// OCR models and enters the namespaces once, then forks one sandboxed child per document, which
// parses that document and exits. Not thread-safe; one document at a time.
struct ZygoteOptions {
    std::string program;             // absolute path of docextract-extract
    std::vector<std::string> args;   // after --zygote: --lang, --tessdata, --max-memory-mb ...
    std::vector<std::string> env;    // its whole environment (helper_environment())
    int start_timeout_ms = 60000;    // until it reports ready
    int backoff_min_ms = 250;        // restart delay after a failure, doubled each time in a row
    int backoff_max_ms = 60000;
};

class Zygote {
public:
    explicit Zygote(ZygoteOptions options) : options_(std::move(options)) {}
    ~Zygote() { stop(); }
    Zygote(const Zygote &) = delete;
    Zygote &operator=(const Zygote &) = delete;

    const ZygoteOptions &options() const { return options_; }
    // Starts the zygote unless it is running (a zygote that died since the last document is
    // reaped and restarted). false with a message when it cannot start, or at once while the
    // backoff after a failed start or a death runs; the caller then uses run_helper.
    bool ensure_started(std::string &error);
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }  // the process we spawned (outside its PID namespace)
    // Ends the zygote (and its child, if any) and reaps it.
    void stop();
    // One line about the last start or death of the zygote ("started", "exited ..."), for the
    // log; empty when nothing happened since the last call.
    std::string take_event();

    // Internal to run_in_zygote.
    int control() const { return control_; }
    // The zygote died or broke the protocol: reap it, remember why, arm the backoff.
    // Returns its wait status.
    int lost(const std::string &why);
    void served() { failures_ = 0; }

private:
    bool start(std::string &error);
    ZygoteOptions options_;
    pid_t pid_ = -1;
    int control_ = -1;
    int failures_ = 0;             // failed starts or deaths in a row
    std::int64_t retry_at_ = 0;    // monotonic ms before which no start is tried
    std::string event_;
};

// Runs one document in a child of the zygote, which must be running (ensure_started). The
// outcomes are those of run_helper; a zygote that dies mid-document makes the document's
// outcome killed_by_signal (or exit_without_json) with the zygote's own end, and the next
// ensure_started() restarts it. options.program is unused; options.args are the child's.
RunResult run_in_zygote(Zygote &zygote, const RunOptions &options, const void *data, std::size_t len);

// The environment the extraction helper needs: OpenMP limited to one thread, and nothing else.
std::vector<std::string> helper_environment();

}  // namespace docextract::core
