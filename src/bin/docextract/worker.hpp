// The external worker: threads that each claim one job at a time through the SQL worker API, run
// the sandboxed helper on it locally and report the outcome, over connections of their own.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db.hpp"
#include "metrics.hpp"

namespace docextract::cli {

struct WorkerConfig {
    std::vector<std::pair<std::string, std::string>> conn_params;  // for PQconnectdbParams
    std::string name;             // holder names are name#slot
    int concurrency = 1;
    std::string helper;           // the docextract-extract program
    double poll_interval = 1;     // seconds between claims when the queue is empty
    double grace = 30;            // seconds in-flight jobs get after SIGTERM
    double reclaim_interval = 5;  // seconds between reclaim_jobs() calls (slot 0)
    // The helper's limits; unset: the server's docextract.* settings.
    std::optional<std::string> lang;
    std::optional<int> max_pages, memory_mb, timeout_s;
};

// What the whole process is doing: running, finishing its jobs, or stopping now.
enum class Phase : int { running = 0, draining = 1, stopping = 2 };
extern std::atomic<int> g_phase;
inline Phase phase() { return static_cast<Phase>(g_phase.load()); }
// Sleeps up to d, less if the phase changes.
void sleep_unless_stopping(std::chrono::milliseconds d, Phase wake_at);

// The server settings a job needs, read when a slot connects.
struct ServerSettings {
    std::string lang = "auto";
    int max_pages = 500, memory_mb = 2048, timeout_s = 300, lease_s = 300;
};

struct ClaimedJob {
    std::string job_id, document_id, token, format, document_type;
    std::string kind;  // extract, or refresh_fields (the helper reads the stored result)
};

// One slot's database session, reopened with backoff when lost.
class Session {
  public:
    Session(const WorkerConfig &cfg, Metrics &metrics, std::string holder)
        : cfg_(cfg), metrics_(metrics), holder_(std::move(holder)) {}
    // Connects if needed, waiting with backoff; false once the process is stopping (or
    // draining, when give_up_when_draining).
    bool ensure(bool give_up_when_draining);
    // One attempt to connect if not connected (no waiting); whether connected.
    bool try_once();
    Connection &conn() { return conn_; }
    const ServerSettings &settings() const { return settings_; }
    const std::string &holder() const { return holder_; }
    void lost(const DbError &e);

  private:
    void opened();
    const WorkerConfig &cfg_;
    Metrics &metrics_;
    std::string holder_;
    Connection conn_;
    ServerSettings settings_;
    bool had_connection_ = false;
    int failures_ = 0;
};

// Runs one claimed job to its end: helper, heartbeats, then complete, fail or release.
void process_job(Session &s, const WorkerConfig &cfg, Metrics &metrics, const ClaimedJob &job);

// Log line on stderr, with a timestamp and the holder's name.
void log_line(const std::string &who, const std::string &message);

}  // namespace docextract::cli
