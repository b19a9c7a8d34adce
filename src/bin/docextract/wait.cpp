// docextract wait: until each job is completed, failed or cancelled. wait_for_job() sleeps on the
// server without polling, but holds its server connection meanwhile: behind a transaction-mode
// pooler (PgBouncer) that connection is one of a few shared ones, so there the command polls.
#include <getopt.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "common.hpp"
#include "output.hpp"

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace docextract::cli {

namespace {

const char *const kWaitUsage = R"(Usage: docextract wait [OPTION]... JOB...

Waits until every job is completed, failed or cancelled, and prints each one's status.

Options:
      --timeout=SECONDS    give up after this long (default: wait without limit)
      --poll               poll the job's status instead of calling wait_for_job()
      --interval=SECONDS   how often to poll (default 1)
      --json               print JSON
      --help               show this help, then exit

Polling is chosen by itself when the server looks like a connection pooler (its port is not the
one connected to), so that no pooled server connection is held during the wait.

Exit status: 0 every job completed, 1 a job failed or was cancelled, or the timeout passed,
2 connection or usage error.
)";

// Each wait_for_job() call is bounded, so that a lost connection or a pooler's query timeout is
// noticed and the remaining time is accounted for by the client.
constexpr double kMaxServerWaitSeconds = 30;

bool final_status(const std::string &s) {
    return s == "completed" || s == "failed" || s == "cancelled";
}

// The server's own port differs from the one we connected to: a pooler or a proxy is between.
bool behind_pooler(const Connection &conn) {
    Result r = conn.exec("SELECT pg_catalog.current_setting('port')");
    const char *port = PQport(conn.get());
    return port != nullptr && *port != '\0' && value(r, 0, 0) != port;
}

std::string poll_status(const Connection &conn, const std::string &job) {
    Result r = conn.exec("SELECT j.status FROM docextract.extraction_jobs AS j"
                         " WHERE j.id OPERATOR(pg_catalog.=) $1", {uuid_param(job)});
    if (PQntuples(r.get()) == 0)
        throw DbError("extraction job " + job + " does not exist", "P0002", "", "", false);
    return value(r, 0, 0);
}

}  // namespace

int cmd_wait(const Global &g, int argc, char **argv) {
    double timeout = -1, interval = 1;
    bool poll = false, as_json = false;
    static const option kLong[] = {
        {"timeout", required_argument, nullptr, 'T'}, {"poll", no_argument, nullptr, 'P'},
        {"interval", required_argument, nullptr, 'I'}, {"json", no_argument, nullptr, 'j'},
        {"help", no_argument, nullptr, 'H'},          {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", kLong, nullptr)) != -1) {
        switch (c) {
        case 'T': timeout = parse_seconds("--timeout", optarg); break;
        case 'P': poll = true; break;
        case 'I': interval = parse_seconds("--interval", optarg); break;
        case 'j': as_json = true; break;
        case 'H': std::fputs(kWaitUsage, stdout); return kExitOk;
        default: throw UsageError(std::string("invalid option \"") + argv[optind - 1] + "\"");
        }
    }
    if (interval < 0.05) throw UsageError("--interval must be at least 0.05 seconds");
    if (optind >= argc) throw UsageError("no job id given");
    std::vector<std::string> jobs;
    for (int i = optind; i < argc; ++i) jobs.push_back(uuid_arg("job id", argv[i]));

    Connection conn = connect_or_exit(g);
    if (!poll) poll = behind_pooler(conn);
    const auto deadline = timeout < 0 ? Clock::time_point::max()
                                      : Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                           std::chrono::duration<double>(timeout));
    const bool bounded = timeout >= 0;
    int rc = kExitOk;
    json out = json::object();
    for (const std::string &job : jobs) {
        std::string status;
        try {
            for (;;) {
                const double left = !bounded
                                        ? kMaxServerWaitSeconds
                                        : std::chrono::duration<double>(deadline - Clock::now()).count();
                if (poll) {
                    status = poll_status(conn, job);
                    if (final_status(status) || left <= 0) break;
                    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(interval, left)));
                } else {
                    const double wait = std::max(0.0, std::min(left, kMaxServerWaitSeconds));
                    Result r = conn.exec("SELECT docextract.wait_for_job($1, pg_catalog.make_interval(secs => $2::float8))",
                                         {uuid_param(job), Param{kFloat8Oid, std::to_string(wait), false}});
                    status = value(r, 0, 0);
                    if (final_status(status) || (bounded && left <= kMaxServerWaitSeconds)) break;
                }
            }
        } catch (const DbError &e) {
            if (e.connection_lost) throw;
            print_db_error(e);
            rc = kExitError;
            out[job] = nullptr;
            continue;
        }
        if (status != "completed") rc = kExitError;
        out[job] = status;
        if (!as_json) {
            std::printf("%s: %s%s\n", job.c_str(), status.c_str(),
                        final_status(status) ? "" : " (timed out)");
            std::fflush(stdout);
        }
    }
    if (as_json) print_json(out);
    return rc;
}

}  // namespace docextract::cli
