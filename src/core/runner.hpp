// Runs the sandboxed extraction helper (or any program speaking its protocol) as a child process:
// the document goes to its stdin, one JSON object comes back on its stdout. Safe to call from a
// PostgreSQL background worker: posix_spawn (no fork of the server), no signal handlers, the
// caller's signal mask untouched, no fds or zombies left behind on any path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
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
};

// Spawns the program, writes len bytes of data to its stdin (then closes it), collects stdout and
// stderr, and classifies how it ended. Does not throw for child failures; std::bad_alloc may
// escape.
RunResult run_helper(const RunOptions &options, const void *data, std::size_t len);

// The environment the extraction helper needs: OpenMP limited to one thread, and nothing else.
std::vector<std::string> helper_environment();

}  // namespace docextract::core
