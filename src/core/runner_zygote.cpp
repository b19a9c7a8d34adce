// The worker's side of the zygote: starting it, restarting it with backoff, and running one
// document in a child of it with the same feeding/collecting loop as run_helper (runner.cpp).
#include "core/runner.hpp"
#include "core/runner_internal.hpp"
#include "core/runner_protocol.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/purity.hpp"

namespace docextract::core {
namespace {

using zygote::Frame;

std::string describe_status(int status) {
    if (WIFSIGNALED(status)) {
        const char *name = strsignal(WTERMSIG(status));
        return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + (name ? name : "?") + ")";
    }
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    return "ended";
}

// Waits up to ms for pid to end on its own, then kills it; returns its wait status.
int reap(pid_t pid, int ms) {
    int status = 0;
    for (int waited = 0;; waited += 5) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) return status;
        if (waited >= ms) break;
        usleep(5000);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

// One document in a child of the zygote: the zygote's socket tells how it ended.
class ZygoteChild : public Child {
public:
    explicit ZygoteChild(Zygote &z) : z_(z) {}
    int watch_fd() const override { return z_.control(); }
    bool poll_end(int &status) override {
        char buf[512];
        for (;;) {
            ssize_t n = recv(z_.control(), buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                decoder_.feed(buf, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            // EOF or an error: the zygote is gone, and its child with it.
            if (frame_ended(status)) return true;
            status = z_.lost("died while extracting a document");
            return true;
        }
        if (frame_ended(status)) return true;
        if (decoder_.bad()) {
            status = z_.lost("broke the protocol");
            return true;
        }
        return false;
    }
    void kill_and_wait(int &status) override {
        if (!zygote::send_frame(z_.control(), Frame::kill, "")) {
            status = z_.lost("could not be told to kill its child");
            return;
        }
        // The zygote answers at once; if it does not, it goes with its child.
        const std::int64_t until = monotonic_ms() + 2000;
        while (monotonic_ms() < until) {
            pollfd p{z_.control(), POLLIN, 0};
            if (poll(&p, 1, 50) > 0 && poll_end(status)) return;
        }
        status = z_.lost("did not report its killed child");
    }
    bool refused = false;
    std::string refusal;
    zygote::ChildExit exit;

private:
    bool frame_ended(int &status) {
        Frame type;
        std::string payload;
        while (decoder_.next(type, payload)) {
            if (type == Frame::exited && zygote::decode_exit(payload, exit)) {
                status = exit.wait_status;
                return true;
            }
            if (type == Frame::refused) {
                refused = true;
                refusal = payload;
                return true;
            }
        }
        return false;
    }
    Zygote &z_;
    zygote::Decoder decoder_;
};

}  // namespace

bool Zygote::start(std::string &error) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return error = std::string("socketpair: ") + strerror(errno), false;
    Fd ours(sv[0]), theirs(sv[1]);
    // Ours must not land on 0..2 in the zygote (spawn_process dup2s onto them).
    if (ours.get() <= 2) ours.adopt(fcntl(ours.get(), F_DUPFD_CLOEXEC, 3));
    if (theirs.get() <= 2) theirs.adopt(fcntl(theirs.get(), F_DUPFD_CLOEXEC, 3));
    if (!ours.open() || !theirs.open()) return error = std::string("fcntl: ") + strerror(errno), false;
    std::vector<std::string> args{"--zygote"};
    args.insert(args.end(), options_.args.begin(), options_.args.end());
    const pid_t pid = spawn_process(options_.program, args, options_.env, theirs.get(), -1, -1, error);
    if (pid < 0) return false;
    theirs.reset();
    // Until it says it is ready (libraries loaded, models initialised, namespaces entered).
    pollfd p{ours.get(), POLLIN, 0};
    int ready = 0;
    const std::int64_t until = monotonic_ms() + options_.start_timeout_ms;
    while ((ready = poll(&p, 1, static_cast<int>(std::max<std::int64_t>(until - monotonic_ms(), 0)))) < 0 &&
           errno == EINTR) {
    }
    Frame type = Frame::refused;
    std::string payload;
    std::vector<int> fds;
    zygote::Received got = ready > 0 ? zygote::recv_frame(ours.get(), type, payload, fds) : zygote::Received::error;
    for (int fd : fds) close(fd);
    if (got != zygote::Received::frame || type != Frame::ready) {
        const int status = reap(pid, ready > 0 ? 1000 : 0);
        error = ready == 0 ? "not ready within " + std::to_string(options_.start_timeout_ms) + " ms"
                : got == zygote::Received::frame && type == Frame::refused ? payload + " (" + describe_status(status) + ")"
                : describe_status(status) + " before it was ready";
        return false;
    }
    pid_ = pid;
    control_ = ours.release();
    event_ = "started (pid " + std::to_string(pid) + ")";
    return true;
}

bool Zygote::ensure_started(std::string &error) {
    if (pid_ > 0) {
        // Died, or wrote something unasked while idle: either way it is replaced.
        // (Its end of the socket closes when it dies.)
        pollfd p{control_, POLLIN, 0};
        if (poll(&p, 1, 0) != 0) lost("ended while idle");
    }
    if (pid_ > 0) return true;
    const std::int64_t now = monotonic_ms();
    if (now < retry_at_) {
        error = "restart delayed for " + std::to_string(retry_at_ - now) + " ms after a failure";
        return false;
    }
    if (start(error)) return true;
    ++failures_;
    const int shift = std::min(failures_ - 1, 20);
    retry_at_ = monotonic_ms() + std::min<std::int64_t>(std::int64_t(options_.backoff_min_ms) << shift,
                                                        options_.backoff_max_ms);
    event_ = "could not start: " + error;
    return false;
}

int Zygote::lost(const std::string &why) {
    int status = 0;
    if (control_ >= 0) close(control_);
    control_ = -1;
    if (pid_ > 0) status = reap(pid_, 1000);
    pid_ = -1;
    ++failures_;
    // The first death in a row is replaced at once; repeated ones wait longer each time.
    const int shift = std::min(failures_ - 2, 20);
    retry_at_ = failures_ < 2 ? 0
                              : monotonic_ms() + std::min<std::int64_t>(std::int64_t(options_.backoff_min_ms) << shift,
                                                                        options_.backoff_max_ms);
    event_ = why + " (" + describe_status(status) + ")";
    return status;
}

void Zygote::stop() {
    if (control_ >= 0) close(control_);  // it exits when its socket closes
    control_ = -1;
    if (pid_ > 0) reap(pid_, 200);
    pid_ = -1;
}

std::string Zygote::take_event() {
    std::string e;
    e.swap(event_);
    return e;
}

RunResult run_in_zygote(Zygote &zygote, const RunOptions &options, const void *data, std::size_t len) {
    const std::int64_t start = monotonic_ms();
    RunResult result;
    auto failed = [&](std::string message) {
        result.outcome = RunOutcome::spawn_failed;
        result.error_message = std::move(message);
        result.elapsed_ms = monotonic_ms() - start;
        return result;
    };
    if (!zygote.running()) return failed("the zygote is not running");
    Channels c;
    std::string error;
    if (!make_channels(c, error)) return failed(error);
    const int fds[zygote::kRequestFds] = {c.in_child.get(), c.out_child.get(), c.err_child.get()};
    if (!zygote::send_frame(zygote.control(), Frame::request, zygote::encode_args(options.args), fds,
                            zygote::kRequestFds)) {
        const std::string why = std::string("zygote: ") + strerror(errno);
        zygote.lost("could not take a request");
        return failed(why);
    }
    c.in_child.reset();
    c.out_child.reset();
    c.err_child.reset();
    ZygoteChild child(zygote);
    result = drive(child, c, options, data, len, start);
    if (child.refused) return failed("zygote: " + child.refusal);
    if (zygote.running()) {
        zygote.served();
        result.max_rss_kb = child.exit.max_rss_kb;
    }
    return result;
}

}  // namespace docextract::core
