#include "pg/extraction.hpp"

#include <csignal>
#include <cstring>
#include <memory>
#include <string>

#include "core/limits.hpp"
#include "core/runner.hpp"
#include "pg/boundary.hpp"
#include "pg/guc.hpp"

extern "C" {
#include "utils/timestamp.h"
}

namespace docextract::pg {

namespace {

using core::RunOutcome;

// The end of the helper's stderr, without its final newline.
std::string stderr_of(const core::RunResult &r) {
    std::string s = r.stderr_tail;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s.empty() ? s : "; stderr: " + s;
}

std::string describe(const core::RunResult &r) {
    switch (r.outcome) {
    case RunOutcome::helper_error:
        return r.error_code + ": " + r.error_message;
    case RunOutcome::timeout:
        return "timeout: the helper ran longer than docextract.job_timeout (" +
               std::to_string(guc_job_timeout_s) + " s)";
    case RunOutcome::killed_by_signal:
        return "crashed: the helper was killed by signal " + std::to_string(r.term_signal) +
               (r.term_signal == SIGSYS ? " (sandbox violation)" : "") + stderr_of(r);
    case RunOutcome::exit_without_json:
        return "crashed: the helper exited with status " + std::to_string(r.exit_status) +
               " without a result" + stderr_of(r);
    case RunOutcome::spawn_failed:
        return "cannot run the helper " + std::string(guc_extract_program) + ": " + r.error_message;
    default:
        return std::string(core::outcome_name(r.outcome)) + ": " + r.error_message;
    }
}

// The helper says on stderr when a sandbox layer is missing (an old kernel, user namespaces
// disabled): the extraction goes on with the other layers, and the administrator hears of it
// once per worker, not once per document.
void report_degraded_sandbox(const core::RunResult &r) {
    static bool reported = false;
    constexpr const char *kMarker = "sandbox degraded: ";
    const std::size_t at = r.stderr_tail.find(kMarker);
    if (reported || at == std::string::npos) return;
    reported = true;
    std::string what = r.stderr_tail.substr(at + strlen(kMarker));
    what = what.substr(0, what.find('\n'));
    pg_guard([&] {
        ereport(LOG, (errmsg("docextract helper runs with a degraded sandbox: %s", what.c_str()),
                      errdetail("The other sandbox layers still apply."),
                      errhint("See docs/sandbox.md for what each layer needs from the kernel.")));
    });
}

core::RunOptions options_for(const ClaimedJob *job) {
    core::RunOptions o;
    o.program = guc_extract_program;
    // A refresh reads a stored result, not the document: no format, language or page limits.
    if (job->refresh_fields) {
        o.args = {"--refresh-fields", "--document-type", job->document_type,
                  "--max-memory-mb", std::to_string(guc_helper_memory_mb),
                  "--timeout-cpu", std::to_string(guc_job_timeout_s)};
    } else {
        o.args = {"--format", job->file_format, "--document-type", job->document_type, "--progress",
                  "--lang", guc_ocr_language,
                  "--max-pages", std::to_string(guc_max_pages),
                  "--max-memory-mb", std::to_string(guc_helper_memory_mb),
                  "--timeout-cpu", std::to_string(guc_job_timeout_s),
                  // OCR stops in time to return the pages it has, before the hard kill.
                  "--time-budget-ms",
                  std::to_string(int64(guc_job_timeout_s) * core::kTimeBudgetPermille)};
    }
    o.env = core::helper_environment();
    o.timeout_ms = guc_job_timeout_s * 1000;
    o.poll_interval_ms = 100;
    return o;
}

// The worker's zygote (docextract.helper_mode = zygote), started at its first document and
// replaced when its settings change; it ends with the worker (its socket closes, and
// PR_SET_PDEATHSIG).
std::unique_ptr<core::Zygote> zygote;

core::ZygoteOptions zygote_options() {
    core::ZygoteOptions o;
    o.program = guc_extract_program;
    o.args = {"--lang", guc_ocr_language, "--max-memory-mb", std::to_string(guc_helper_memory_mb)};
    o.env = core::helper_environment();
    o.start_timeout_ms = 10000;  // it takes ~0.2 s; the worker does not watch SIGTERM meanwhile
    return o;
}

// One line per start failure or death; a first start is not news.
void log_zygote_event() {
    const std::string event = zygote->take_event();
    if (event.empty()) return;
    const bool started = event.rfind("started", 0) == 0;
    pg_guard([&] {
        if (started)
            ereport(DEBUG1, (errmsg_internal("docextract helper zygote %s", event.c_str())));
        else if (event.rfind("could not start", 0) == 0)
            ereport(LOG, (errmsg("docextract helper zygote %s", event.c_str()),
                          errdetail("Documents use one helper process each until it starts; it is "
                                    "tried again with a growing delay.")));
        else
            ereport(LOG, (errmsg("docextract helper zygote %s", event.c_str()),
                          errdetail("It is started again for the next document.")));
    });
}

// Through the zygote when it runs (starting it if need be), else one helper process.
core::RunResult run(const core::RunOptions &options, const ClaimedJob *job) {
    if (guc_helper_mode == helper_mode_spawn) {
        zygote.reset();
        return core::run_helper(options, job->content, job->content_len);
    }
    core::ZygoteOptions wanted = zygote_options();
    if (!zygote || zygote->options().program != wanted.program || zygote->options().args != wanted.args)
        zygote = std::make_unique<core::Zygote>(std::move(wanted));
    std::string error;
    const bool up = zygote->ensure_started(error);
    log_zygote_event();
    if (up) {
        core::RunResult r = core::run_in_zygote(*zygote, options, job->content, job->content_len);
        log_zygote_event();
        // Nothing of the document ran (the request could not be placed): run it the other way.
        if (r.outcome != RunOutcome::spawn_failed) return r;
    }
    return core::run_helper(options, job->content, job->content_len);
}

}  // namespace

ExtractionResult run_extraction(const ClaimedJob *job, volatile sig_atomic_t *got_sigterm) noexcept {
    ExtractionResult out{};
    out.end = ExtractionEnd::failed;
    try {
        core::RunOptions options = options_for(job);
        bool lost = false, stopping = false, gone = false;
        TimestampTz last_check = GetCurrentTimestamp(), last_heartbeat = last_check;
        const long heartbeat_ms = std::max(1000L, guc_lease_duration_s * 1000L / 3);
        int pages_done = 0, pages_total = 0, reported_done = 0;
        options.on_progress = [&](int done, int total) noexcept {
            pages_done = done;
            pages_total = total >= done ? total : 0;  // 0: not known (a TIFF until its end)
        };
        options.should_abort = [&]() noexcept {
            if (*got_sigterm) return stopping = true;
            const TimestampTz now = GetCurrentTimestamp();
            if (!TimestampDifferenceExceeds(last_check, now, 1000)) return false;
            last_check = now;
            // Cancellation is noticed within a second; the lease is renewed well before it ends,
            // and page progress is written at most once a second.
            const bool beat = pages_done != reported_done ||
                              TimestampDifferenceExceeds(last_heartbeat, now, heartbeat_ms);
            if (beat) {
                last_heartbeat = now;
                reported_done = pages_done;
            }
            try {
                ClaimState state =
                    pg_guard([&] { return check_claim(job, pages_done, pages_total, beat); });
                pg_guard([&] { announce_ended_jobs(MyDatabaseId); });
                if (state == ClaimState::extension_gone) return gone = true;
                return lost = state == ClaimState::lost;
            } catch (...) {
                return false;  // the check itself failed (logged): keep going
            }
        };

        core::RunResult r = run(options, job);
        out.elapsed_ms = r.elapsed_ms;
        report_degraded_sandbox(r);
        if (r.outcome == RunOutcome::aborted) {
            out.end = stopping ? ExtractionEnd::shutdown
                      : gone   ? ExtractionEnd::extension_gone
                      : lost   ? ExtractionEnd::claim_lost
                               : ExtractionEnd::shutdown;
            return out;
        }
        if (r.outcome == RunOutcome::ok) {
            out.end = ExtractionEnd::succeeded;
            out.json = pg_strdup(r.json);
            return out;
        }
        // Whether another attempt may help is docextract.fail_job()'s decision, from the code
        // that describe() puts first.
        out.timed_out = r.outcome == RunOutcome::timeout ||
                        (r.outcome == RunOutcome::helper_error && r.error_code == "timeout");
        out.helper_crashed = r.outcome == RunOutcome::killed_by_signal ||
                             r.outcome == RunOutcome::exit_without_json ||
                             r.outcome == RunOutcome::bad_output;
        out.error = pg_strdup(describe(r));
    } catch (const std::exception &e) {
        out.end = ExtractionEnd::failed;
        out.error = nullptr;
        try {
            out.error = pg_strdup(std::string("internal error running the helper: ") + e.what());
        } catch (...) {
        }
    } catch (...) {
        out.end = ExtractionEnd::failed;
    }
    return out;
}

}  // namespace docextract::pg
