#include "metrics.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace docextract::cli {

std::string escape_label_value(const std::string &v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string Metrics::render(const std::string &worker_name) const {
    const std::string label = "{worker=\"" + escape_label_value(worker_name) + "\"} ";
    std::string out;
    auto family = [&](const char *name, const char *type, const char *help, const std::string &value) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
               name + label + value + "\n";
    };
    auto n = [](const std::atomic<std::uint64_t> &a) { return std::to_string(a.load()); };
    family("docextract_worker_jobs_claimed_total", "counter", "Jobs claimed.", n(claimed));
    family("docextract_worker_jobs_completed_total", "counter", "Jobs completed (result stored).", n(completed));
    family("docextract_worker_jobs_failed_total", "counter", "Jobs that failed for good.", n(failed));
    family("docextract_worker_jobs_retried_total", "counter", "Failed attempts queued for a retry.", n(retried));
    family("docextract_worker_jobs_released_total", "counter",
           "Jobs given back to the queue unfinished (shutdown).", n(released));
    family("docextract_worker_claims_lost_total", "counter",
           "Claims that ended elsewhere (cancelled, or reclaimed after the lease expired); their work was dropped.",
           n(lost));
    family("docextract_worker_jobs_in_flight", "gauge", "Jobs being extracted now.",
           std::to_string(in_flight.load()));
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.3f", static_cast<double>(helper_ms.load()) / 1000.0);
    family("docextract_worker_helper_seconds_total", "counter", "Wall-clock time spent in the helper.", secs);
    family("docextract_worker_helper_runs_total", "counter", "Helper runs.", n(helper_runs));
    family("docextract_worker_reconnects_total", "counter", "Database connections opened again after a loss.",
           n(reconnects));
    return out;
}

MetricsServer::MetricsServer(const std::string &address, int port, const Metrics &metrics, std::string name)
    : metrics_(metrics), name_(std::move(name)) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    const std::string service = std::to_string(port);
    if (int rc = getaddrinfo(address.empty() ? nullptr : address.c_str(), service.c_str(), &hints, &res); rc != 0)
        throw std::runtime_error("metrics address " + address + ": " + gai_strerror(rc));
    std::string error = "no address";
    for (addrinfo *a = res; a != nullptr && listen_fd_ < 0; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 16) == 0) {
            listen_fd_ = fd;
        } else {
            error = std::strerror(errno);
            close(fd);
        }
    }
    freeaddrinfo(res);
    if (listen_fd_ < 0) throw std::runtime_error("cannot listen on metrics port " + service + ": " + error);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&ss), &len);
    port_ = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port
                                           : reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
    thread_ = std::thread([this] { serve(); });
}

MetricsServer::~MetricsServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) close(listen_fd_);
}

void MetricsServer::serve() {
    while (!stop_) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0) continue;
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        answer(fd);
        close(fd);
    }
}

// One request per connection; a client that sends nothing within 2 s is dropped.
void MetricsServer::answer(int fd) {
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::string request;
    char buf[1024];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
    }
    const bool get = request.rfind("GET ", 0) == 0;
    const std::string path = get ? request.substr(4, request.find(' ', 4) - 4) : "";
    std::string status = "200 OK", body;
    if (!get) {
        status = "405 Method Not Allowed";
        body = "only GET\n";
    } else if (path == "/metrics" || path == "/") {
        body = metrics_.render(name_);
    } else {
        status = "404 Not Found";
        body = "see /metrics\n";
    }
    const std::string reply = "HTTP/1.1 " + status +
                              "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    std::size_t off = 0;
    while (off < reply.size()) {
        ssize_t n = send(fd, reply.data() + off, reply.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
    }
}

}  // namespace docextract::cli
