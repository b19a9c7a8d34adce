// docextract worker: the daemon's life cycle. Signals are taken by sigwait() in the main thread;
// each slot thread claims, processes and reports one job at a time on a connection of its own.
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "common.hpp"
#include "worker.hpp"

namespace docextract::cli {

std::atomic<int> g_phase{0};

namespace {

std::mutex phase_mutex;
std::condition_variable phase_cv;

void set_phase(Phase p) {
    {
        std::lock_guard<std::mutex> lock(phase_mutex);
        if (g_phase.load() < static_cast<int>(p)) g_phase = static_cast<int>(p);
    }
    phase_cv.notify_all();
}

const char *const kWorkerUsage = R"(Usage: docextract worker [OPTION]...

Runs an external extraction worker: claims jobs with docextract.claim_jobs(), runs the sandboxed
helper on this machine, heartbeats the leases, and stores results with complete_job() or
failures with fail_job(). Connect as a login role that is a member of docextract_worker.

Options:
  -c, --concurrency=N      jobs processed at once (default 1)
      --name=NAME          worker name shown as the jobs' holder (default HOSTNAME:PID)
      --helper=PATH        the extraction helper (default: docextract-extract beside this program)
      --metrics-port=PORT  serve Prometheus metrics on this port (0: any free port)
      --metrics-address=A  address to listen on for metrics (default: all)
      --poll-interval=S    seconds between claims while the queue is empty (default 1)
      --grace=S            after SIGTERM, seconds the jobs in flight may take to finish before
                           they are released to the queue (default 30)
      --lang=LANGS         OCR languages (default: the server's docextract.ocr_language)
      --max-pages=N        pages per document (default: the server's docextract.max_pages)
      --memory-mb=N        the helper's address-space limit (default: docextract.helper_memory_limit)
      --timeout=S          wall-clock limit per document (default: docextract.job_timeout)
      --help               show this help, then exit

SIGTERM or SIGINT: stop claiming, let the jobs in flight finish within --grace, then release the
rest. A second signal releases them at once.
)";

std::string default_helper() {
    char buf[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return "docextract-extract";
    std::string self(buf, static_cast<std::size_t>(n));
    return self.substr(0, self.rfind('/') + 1) + "docextract-extract";
}

std::string default_name() {
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    return std::string(host) + ":" + std::to_string(getpid());
}

int setting_int(const Result &r, int row, int fallback) {
    try {
        return std::stoi(value(r, row, 1));
    } catch (const std::exception &) {
        return fallback;
    }
}

void slot_main(const WorkerConfig &cfg, Metrics &metrics, int slot) {
    Session s(cfg, metrics, cfg.name + "#" + std::to_string(slot));
    auto last_reclaim = std::chrono::steady_clock::now() - std::chrono::hours(1);
    while (phase() == Phase::running) {
        if (!s.ensure(true)) break;
        try {
            // Without in-server workers nobody else takes back expired leases: slot 0 does.
            const auto now = std::chrono::steady_clock::now();
            if (slot == 0 && now - last_reclaim >= std::chrono::duration<double>(cfg.reclaim_interval)) {
                last_reclaim = now;
                Result r = s.conn().exec("SELECT docextract.reclaim_jobs()");
                if (value(r, 0, 0) != "0") log_line(s.holder(), "reclaimed " + value(r, 0, 0) + " job(s) of stopped holders");
            }
            Result r = s.conn().exec("SELECT c.job_id, c.document_id, c.claim_token, c.file_format,"
                                     " c.document_type, c.kind FROM docextract.claim_jobs($1, 1) AS c",
                                     {text_param(s.holder())});
            if (PQntuples(r.get()) == 0) {
                sleep_unless_stopping(std::chrono::milliseconds(static_cast<long>(cfg.poll_interval * 1000)),
                                      Phase::draining);
                continue;
            }
            ClaimedJob job{value(r, 0, 0), value(r, 0, 1), value(r, 0, 2), value(r, 0, 3), value(r, 0, 4),
                           value(r, 0, 5)};
            ++metrics.claimed;
            ++metrics.in_flight;
            process_job(s, cfg, metrics, job);
            --metrics.in_flight;
        } catch (const DbError &e) {
            if (e.connection_lost) {
                s.lost(e);
                continue;
            }
            log_line(s.holder(), "error: " + e.describe());
            sleep_unless_stopping(std::chrono::seconds(1), Phase::draining);
        } catch (const std::exception &e) {
            log_line(s.holder(), std::string("error: ") + e.what());
            sleep_unless_stopping(std::chrono::seconds(1), Phase::draining);
        }
    }
}

}  // namespace

void sleep_unless_stopping(std::chrono::milliseconds d, Phase wake_at) {
    std::unique_lock<std::mutex> lock(phase_mutex);
    phase_cv.wait_for(lock, d, [&] { return g_phase.load() >= static_cast<int>(wake_at); });
}

void log_line(const std::string &who, const std::string &message) {
    char when[32];
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    static std::mutex m;
    std::lock_guard<std::mutex> lock(m);
    std::fprintf(stderr, "%s docextract worker %s: %s\n", when, who.c_str(), one_line(message).c_str());
    std::fflush(stderr);
}

bool Session::try_once() {
    if (conn_.ok()) return true;
    try {
        conn_ = Connection::open(cfg_.conn_params);
        opened();
        return true;
    } catch (const DbError &e) {
        conn_.close();
        if (failures_++ == 0) log_line(holder_, "cannot connect: " + std::string(e.what()));
        return false;
    }
}

bool Session::ensure(bool give_up_when_draining) {
    static thread_local std::mt19937 rng(std::random_device{}());
    while (!conn_.ok()) {
        const Phase limit = give_up_when_draining ? Phase::draining : Phase::stopping;
        if (static_cast<int>(phase()) >= static_cast<int>(limit)) return false;
        if (try_once()) return true;
        // Exponential backoff from 0.5 s to 30 s, with jitter so that many workers spread out
        // after a server restart.
        const double base = std::min(30.0, 0.5 * (1 << std::min(failures_, 6)));
        const double wait = base * std::uniform_real_distribution<double>(0.75, 1.25)(rng);
        sleep_unless_stopping(std::chrono::milliseconds(static_cast<long>(wait * 1000)), limit);
    }
    return true;
}

void Session::lost(const DbError &e) {
    log_line(holder_, "connection lost: " + std::string(e.what()));
    conn_.close();
}

void Session::opened() {
    if (had_connection_) ++metrics_.reconnects;
    if (had_connection_ || failures_ > 0) log_line(holder_, "connected");
    had_connection_ = true;
    failures_ = 0;
    Result who = conn_.exec("SELECT pg_catalog.pg_has_role(CURRENT_USER, 'docextract_worker', 'MEMBER'),"
                            " CURRENT_USER");
    if (value(who, 0, 0) != "t") {
        conn_.close();
        throw DbError("role \"" + value(who, 0, 1) + "\" is not a member of docextract_worker", "42501",
                      "", "Run GRANT docextract_worker TO " + value(who, 0, 1) + ".", false);
    }
    // pg_settings shows each value in its base unit (seconds, MB).
    Result r = conn_.exec("SELECT s.name, s.setting FROM pg_catalog.pg_settings AS s"
                          " WHERE s.name OPERATOR(pg_catalog.=) ANY ('{docextract.ocr_language,"
                          "docextract.max_pages,docextract.helper_memory_limit,docextract.job_timeout,"
                          "docextract.lease_duration}'::text[])");
    for (int i = 0; i < PQntuples(r.get()); ++i) {
        const std::string name = value(r, i, 0);
        if (name == "docextract.ocr_language") settings_.lang = value(r, i, 1);
        else if (name == "docextract.max_pages") settings_.max_pages = setting_int(r, i, settings_.max_pages);
        else if (name == "docextract.helper_memory_limit") settings_.memory_mb = setting_int(r, i, settings_.memory_mb);
        else if (name == "docextract.job_timeout") settings_.timeout_s = setting_int(r, i, settings_.timeout_s);
        else if (name == "docextract.lease_duration") settings_.lease_s = setting_int(r, i, settings_.lease_s);
    }
}

int cmd_worker(const Global &g, int argc, char **argv) {
    WorkerConfig cfg;
    cfg.name = default_name();
    cfg.helper = default_helper();
    int metrics_port = -1;
    std::string metrics_address;
    static const option kLong[] = {
        {"concurrency", required_argument, nullptr, 'c'}, {"name", required_argument, nullptr, 'N'},
        {"helper", required_argument, nullptr, 'E'},      {"metrics-port", required_argument, nullptr, 'M'},
        {"metrics-address", required_argument, nullptr, 'A'},
        {"poll-interval", required_argument, nullptr, 'I'}, {"grace", required_argument, nullptr, 'G'},
        {"lang", required_argument, nullptr, 'L'},        {"max-pages", required_argument, nullptr, 'P'},
        {"memory-mb", required_argument, nullptr, 'R'},   {"timeout", required_argument, nullptr, 'T'},
        {"help", no_argument, nullptr, 'H'},              {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "c:", kLong, nullptr)) != -1) {
        switch (c) {
        case 'c': cfg.concurrency = static_cast<int>(parse_long("--concurrency", optarg, 1, 256)); break;
        case 'N': cfg.name = optarg; break;
        case 'E': cfg.helper = optarg; break;
        case 'M': metrics_port = static_cast<int>(parse_long("--metrics-port", optarg, 0, 65535)); break;
        case 'A': metrics_address = optarg; break;
        case 'I': cfg.poll_interval = parse_seconds("--poll-interval", optarg); break;
        case 'G': cfg.grace = parse_seconds("--grace", optarg); break;
        case 'L': cfg.lang = optarg; break;
        case 'P': cfg.max_pages = static_cast<int>(parse_long("--max-pages", optarg, 1, 100000)); break;
        case 'R': cfg.memory_mb = static_cast<int>(parse_long("--memory-mb", optarg, 64, 1048576)); break;
        case 'T': cfg.timeout_s = static_cast<int>(parse_long("--timeout", optarg, 1, 86400)); break;
        case 'H': std::fputs(kWorkerUsage, stdout); return kExitOk;
        default: throw UsageError(std::string("invalid option \"") + argv[optind - 1] + "\"");
        }
    }
    if (optind < argc) throw UsageError(std::string("unexpected argument \"") + argv[optind] + "\"");
    if (cfg.name.empty() || cfg.name.size() > 190) throw UsageError("--name must be 1 to 190 bytes");
    if (cfg.poll_interval < 0.05) throw UsageError("--poll-interval must be at least 0.05 seconds");
    if (cfg.helper.empty() || cfg.helper[0] != '/') throw UsageError("--helper must be an absolute path");
    if (access(cfg.helper.c_str(), X_OK) != 0)
        throw std::runtime_error("cannot run the helper \"" + cfg.helper + "\": " + std::strerror(errno));

    ConnSpec spec = g.conn;
    spec.application_name = "docextract worker";
    cfg.conn_params = connection_params(spec);

    // The first connection proves the settings and the role before anything starts.
    {
        Metrics probe_metrics;
        Session probe(cfg, probe_metrics, cfg.name);
        try {
            probe.conn() = Connection::open(cfg.conn_params);
            Result r = probe.conn().exec("SELECT pg_catalog.pg_has_role(CURRENT_USER, 'docextract_worker', 'MEMBER'),"
                                         " CURRENT_USER, (SELECT r.rolsuper FROM pg_catalog.pg_roles AS r"
                                         " WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)");
            if (value(r, 0, 0) != "t") {
                print_error("role \"" + value(r, 0, 1) + "\" is not a member of docextract_worker");
                std::fprintf(stderr, "HINT:  Run GRANT docextract_worker TO %s.\n", value(r, 0, 1).c_str());
                return kExitError;
            }
            if (value(r, 0, 2) == "t")
                log_line(cfg.name, "warning: connected as a superuser; use a role that is only a member of docextract_worker");
        } catch (const DbError &e) {
            if (!e.connection_lost) throw;
            print_error(e.what());
            return kExitConnection;
        }
    }

    // Signals go to this thread's sigwait(), never to a job thread; the helper gets a clean mask
    // from the runner. A helper whose stdin closes early must not kill us with SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    Metrics metrics;
    std::unique_ptr<MetricsServer> server;
    if (metrics_port >= 0) {
        server = std::make_unique<MetricsServer>(metrics_address, metrics_port, metrics, cfg.name);
        log_line(cfg.name, "metrics on port " + std::to_string(server->port()));
    }
    std::vector<std::thread> slots;
    std::atomic<int> running{cfg.concurrency};
    for (int i = 0; i < cfg.concurrency; ++i)
        slots.emplace_back([&, i] {
            slot_main(cfg, metrics, i);
            --running;
        });
    log_line(cfg.name, "started with " + std::to_string(cfg.concurrency) + " slot(s), helper " + cfg.helper);

    std::chrono::steady_clock::time_point grace_end{};
    while (running.load() > 0) {
        timespec tick{0, 100 * 1000 * 1000};
        const int sig = sigtimedwait(&signals, nullptr, &tick);
        if (sig == SIGTERM || sig == SIGINT) {
            if (phase() == Phase::running) {
                log_line(cfg.name, "shutting down: finishing " + std::to_string(metrics.in_flight.load()) +
                                       " job(s) in flight within " + std::to_string(static_cast<int>(cfg.grace)) + " s");
                grace_end = std::chrono::steady_clock::now() +
                            std::chrono::milliseconds(static_cast<long>(cfg.grace * 1000));
                set_phase(Phase::draining);
            } else {
                log_line(cfg.name, "second signal: releasing the jobs in flight");
                set_phase(Phase::stopping);
            }
        }
        if (phase() == Phase::draining && std::chrono::steady_clock::now() >= grace_end) {
            if (metrics.in_flight.load() > 0) log_line(cfg.name, "grace period over: releasing the jobs in flight");
            set_phase(Phase::stopping);
        }
    }
    for (auto &t : slots) t.join();
    log_line(cfg.name, "stopped: " + std::to_string(metrics.completed.load()) + " completed, " +
                           std::to_string(metrics.failed.load()) + " failed, " +
                           std::to_string(metrics.released.load()) + " released");
    return kExitOk;
}

}  // namespace docextract::cli
