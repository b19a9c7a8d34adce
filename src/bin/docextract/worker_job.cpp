// One job of the external worker, as the in-server worker runs it (src/pg/extraction.cpp): the
// helper with no transaction open, a claim check every second (a cancellation stops the helper),
// a heartbeat every third of the lease, and a report that is retried across reconnections; a
// stale claim (XD001) means the job ended elsewhere, so the work is dropped, never stored twice.
#include <signal.h>

#include <chrono>
#include <string>

#include "core/limits.hpp"
#include "core/runner.hpp"
#include "worker.hpp"

namespace docextract::cli {

namespace {

using core::RunOutcome;
using Clock = std::chrono::steady_clock;

constexpr const char *kStaleClaim = "XD001";

std::string stderr_of(const core::RunResult &r) {
    std::string s = r.stderr_tail;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s.empty() ? s : "; stderr: " + s;
}

std::string describe(const core::RunResult &r, const core::RunOptions &o) {
    switch (r.outcome) {
    case RunOutcome::helper_error: return r.error_code + ": " + r.error_message;
    case RunOutcome::timeout:
        return "timeout: the helper ran longer than " + std::to_string(o.timeout_ms / 1000) + " s";
    case RunOutcome::killed_by_signal:
        return "crashed: the helper was killed by signal " + std::to_string(r.term_signal) +
               (r.term_signal == SIGSYS ? " (sandbox violation)" : "") + stderr_of(r);
    case RunOutcome::exit_without_json:
        return "crashed: the helper exited with status " + std::to_string(r.exit_status) +
               " without a result" + stderr_of(r);
    case RunOutcome::spawn_failed: return "cannot run the helper " + o.program + ": " + r.error_message;
    default: return std::string(core::outcome_name(r.outcome)) + ": " + r.error_message;
    }
}

core::RunOptions options_for(const WorkerConfig &cfg, const ServerSettings &s, const ClaimedJob &job) {
    const int timeout_s = cfg.timeout_s.value_or(s.timeout_s);
    core::RunOptions o;
    o.program = cfg.helper;
    if (job.kind == "refresh_fields")  // the stored result, not the document
        o.args = {"--refresh-fields", "--document-type", job.document_type,
                  "--max-memory-mb", std::to_string(cfg.memory_mb.value_or(s.memory_mb)),
                  "--timeout-cpu", std::to_string(timeout_s)};
    else
        o.args = {"--format", job.format, "--document-type", job.document_type, "--progress",
                  "--lang", cfg.lang.value_or(s.lang),
                  "--max-pages", std::to_string(cfg.max_pages.value_or(s.max_pages)),
                  "--max-memory-mb", std::to_string(cfg.memory_mb.value_or(s.memory_mb)),
                  "--timeout-cpu", std::to_string(timeout_s),
                  "--time-budget-ms", std::to_string(static_cast<long long>(timeout_s) * core::kTimeBudgetPermille)};
    o.env = core::helper_environment();
    o.timeout_ms = timeout_s * 1000;
    o.poll_interval_ms = 100;
    return o;
}

enum class Report { done, stale, gave_up };

// Runs one worker API call, reconnecting (with backoff) when the connection is lost, until it
// succeeds, the claim turns out stale, or the process must stop now.
template <typename Call>
Report report(Session &s, const ClaimedJob &job, const char *what, Call &&call) {
    for (;;) {
        if (!s.ensure(false)) return Report::gave_up;
        try {
            call(s.conn());
            return Report::done;
        } catch (const DbError &e) {
            if (e.sqlstate == kStaleClaim) return Report::stale;
            if (!e.connection_lost) {
                log_line(s.holder(), std::string("could not ") + what + " job " + job.job_id + ": " + e.describe());
                return Report::gave_up;
            }
            s.lost(e);
        }
    }
}

}  // namespace

void process_job(Session &s, const WorkerConfig &cfg, Metrics &metrics, const ClaimedJob &job) {
    const std::vector<Param> claim = {uuid_param(job.job_id), uuid_param(job.token)};
    std::string content;
    bool found = false;
    const bool refresh = job.kind == "refresh_fields";
    Report got = report(s, job, refresh ? "read the stored result of" : "read the document of", [&](Connection &c) {
        Result r = refresh
            ? c.exec("SELECT pg_catalog.convert_to(docextract.refresh_source($1, $2)::pg_catalog.text, 'UTF8')",
                     claim, true)
            : c.exec("SELECT c.content FROM docextract.document_contents AS c"
                     " WHERE c.document_id OPERATOR(pg_catalog.=) $1",
                     {uuid_param(job.document_id)}, true);
        found = PQntuples(r.get()) == 1;
        if (found) content = value(r, 0, 0);
    });
    if (got == Report::stale) {  // refresh_source(): the job ended elsewhere
        ++metrics.lost;
        return;
    }
    if (got != Report::done) return;  // the lease runs out and the job is reclaimed
    if (!found) {  // the document was deleted since the claim, and its job with it
        ++metrics.lost;
        log_line(s.holder(), "job " + job.job_id + ": its document was deleted");
        return;
    }

    core::RunOptions options = options_for(cfg, s.settings(), job);
    const auto heartbeat_every = std::chrono::milliseconds(std::max(1000, s.settings().lease_s * 1000 / 3));
    auto last_check = Clock::now(), last_beat = last_check, last_reconnect = last_check;
    int pages_done = 0, pages_total = 0, reported_done = 0;
    bool lost = false, stopping = false;
    options.on_progress = [&](int done, int total) noexcept {
        pages_done = done;
        pages_total = total >= done ? total : 0;
    };
    options.should_abort = [&]() noexcept {
        if (phase() == Phase::stopping) return stopping = true;
        const auto now = Clock::now();
        if (now - last_check < std::chrono::seconds(1)) return false;
        last_check = now;
        try {
            if (!s.conn().ok()) {
                // A lost server is looked for again every 5 s; the helper goes on meanwhile.
                if (now - last_reconnect < std::chrono::seconds(5)) return false;
                last_reconnect = now;
                if (!s.try_once()) return false;
            }
            const bool beat = pages_done != reported_done || now - last_beat >= heartbeat_every;
            if (beat) {
                std::vector<Param> p = claim;
                p.push_back(pages_total > 0 ? int_param(pages_done) : Param{kInt4Oid, std::nullopt, false});
                p.push_back(pages_total > 0 ? int_param(pages_total) : Param{kInt4Oid, std::nullopt, false});
                s.conn().exec("SELECT docextract.heartbeat($1, $2, $3, $4)", p);
                last_beat = now;
                reported_done = pages_done;
            } else {
                Result r = s.conn().exec("SELECT docextract.claim_is_current($1, $2)", claim);
                if (value(r, 0, 0) != "t") return lost = true;
            }
        } catch (const DbError &e) {
            if (e.sqlstate == kStaleClaim) return lost = true;
            if (e.connection_lost) s.lost(e);
        } catch (...) {
        }
        return false;
    };

    const core::RunResult r = core::run_helper(options, content.data(), content.size());
    ++metrics.helper_runs;
    metrics.helper_ms += static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.elapsed_ms));

    if (r.outcome == RunOutcome::aborted && lost) {
        ++metrics.lost;
        log_line(s.holder(), "job " + job.job_id + " ended elsewhere (cancelled or reclaimed): work dropped");
        return;
    }
    // Stopped by our shutdown, or by a signal sent to the whole process group: not the
    // document's fault, so the job goes back uncounted.
    const bool our_stop = r.outcome == RunOutcome::aborted ||
                          (phase() != Phase::running && r.outcome == RunOutcome::killed_by_signal &&
                           (r.term_signal == SIGTERM || r.term_signal == SIGINT));
    if (our_stop || stopping) {
        Report rel = report(s, job, "release", [&](Connection &c) {
            c.exec("SELECT docextract.release_job($1, $2)", claim);
        });
        if (rel == Report::done) {
            ++metrics.released;
            log_line(s.holder(), "job " + job.job_id + " released");
        }
        return;
    }
    if (r.outcome == RunOutcome::ok) {
        Report done = report(s, job, "complete", [&](Connection &c) {
            c.exec("SELECT docextract.complete_job($1, $2, $3::jsonb)",
                   {claim[0], claim[1], text_param(r.json)});
        });
        if (done == Report::done) {
            ++metrics.completed;
            log_line(s.holder(), "job " + job.job_id + " completed in " +
                                     std::to_string(r.elapsed_ms) + " ms");
        } else if (done == Report::stale) {
            ++metrics.lost;
            log_line(s.holder(), "job " + job.job_id + " ended elsewhere before its result was stored: result dropped");
        }
        return;
    }
    // Whether another attempt may help is docextract.fail_job()'s decision (permanent_error()),
    // from the code that describe() puts first, as for the in-server worker.
    const std::string error = describe(r, options);
    std::string status;
    Report failed = report(s, job, "record the failure of", [&](Connection &c) {
        Result res = c.exec("SELECT docextract.fail_job($1, $2, $3)",
                            {claim[0], claim[1], text_param(error)});
        status = value(res, 0, 0);
    });
    if (failed == Report::done) {
        if (status == "failed") ++metrics.failed;
        else ++metrics.retried;
        // Only the code: the rest may quote the document.
        log_line(s.holder(), "job " + job.job_id + " " + (status == "failed" ? "failed" : "will be retried") +
                                 ": " + error.substr(0, error.find(':')));
    } else if (failed == Report::stale) {
        ++metrics.lost;
    }
}

}  // namespace docextract::cli
