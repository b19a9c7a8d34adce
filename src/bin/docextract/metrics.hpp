// The external worker's Prometheus metrics: counters updated by the job threads, served as the
// text exposition format by a small HTTP listener of its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace docextract::cli {

struct Metrics {
    std::atomic<std::uint64_t> claimed{0}, completed{0}, failed{0}, retried{0}, released{0},
        lost{0}, reconnects{0}, helper_runs{0}, helper_ms{0};
    std::atomic<int> in_flight{0};

    // The exposition text, every sample labelled with worker="name".
    std::string render(const std::string &worker_name) const;
};

// A label value as the text format wants it: backslash, double quote and newline escaped.
std::string escape_label_value(const std::string &v);

class MetricsServer {
  public:
    // Listens on address:port (port 0: any free port); throws std::runtime_error on failure.
    MetricsServer(const std::string &address, int port, const Metrics &metrics, std::string name);
    ~MetricsServer();
    MetricsServer(const MetricsServer &) = delete;
    MetricsServer &operator=(const MetricsServer &) = delete;
    int port() const { return port_; }

  private:
    void serve();
    void answer(int fd);
    const Metrics &metrics_;
    std::string name_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace docextract::cli
