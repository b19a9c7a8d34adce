// The spawn / feed / collect / reap loop of run_helper, shared with the zygote (runner_zygote.cpp).
// Classification of the finished child is in runner_classify.cpp.
#include "core/runner.hpp"
#include "core/runner_internal.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/purity.hpp"

namespace docextract::core {
namespace {

// Our ends must not sit on 0..2: the dup2 file actions would clobber them in the child.
bool lift_above_stdio(Fd &fd) {
    if (fd.get() > 2) return true;
    int moved = fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return false;
    fd.adopt(moved);
    return true;
}

// A child of our own (posix_spawn): waitpid tells its end.
class SpawnedChild : public Child {
public:
    explicit SpawnedChild(pid_t pid) : pid_(pid) {}
    ~SpawnedChild() override {
        if (pid_ > 0) {
            int status;
            kill_and_wait(status);
        }
    }
    bool poll_end(int &status) override {
        pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_ || (r < 0 && errno == ECHILD)) {
            pid_ = -1;
            return true;
        }
        return false;
    }
    void kill_and_wait(int &status) override {
        kill(pid_, SIGKILL);
        status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }

private:
    pid_t pid_;
};

std::vector<char *> c_strings(std::vector<std::string> &strings) {
    std::vector<char *> out;
    for (auto &s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

void read_into(Fd &fd, std::string &sink) {
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd.get(), buf, sizeof buf);
        if (n > 0) {
            sink.append(buf, static_cast<std::size_t>(n));
            if (sink.size() > (1u << 20)) return;  // let the caller apply its caps
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        fd.reset();  // EOF or error
        return;
    }
}

// Removes the complete "progress DONE TOTAL" lines at or after from, reporting each; from ends
// at the first unterminated line, so a line split across reads is parsed once it is whole.
void take_progress_lines(std::string &text, std::size_t &from,
                         const std::function<void(int, int)> &report) {
    std::string kept = text.substr(0, from);
    std::size_t pos = from;
    for (std::size_t nl; (nl = text.find('\n', pos)) != std::string::npos; pos = nl + 1) {
        const std::string line = text.substr(pos, nl - pos);
        int done = 0, total = 0;
        char extra = 0;
        if (line.rfind("progress ", 0) == 0 &&
            std::sscanf(line.c_str(), "progress %d %d%c", &done, &total, &extra) == 2) {
            if (report) report(done, total);
        } else {
            kept.append(text, pos, nl + 1 - pos);
        }
    }
    from = kept.size();
    kept.append(text, pos, std::string::npos);
    text = std::move(kept);
}

}  // namespace

std::int64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool make_channels(Channels &c, std::string &error) {
    int sv[2], out[2], err[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return error = std::string("socketpair: ") + strerror(errno), false;
    c.in_parent.adopt(sv[0]);
    c.in_child.adopt(sv[1]);
    if (pipe2(out, O_CLOEXEC) != 0) return error = std::string("pipe2: ") + strerror(errno), false;
    c.out_parent.adopt(out[0]);
    c.out_child.adopt(out[1]);
    if (pipe2(err, O_CLOEXEC) != 0) return error = std::string("pipe2: ") + strerror(errno), false;
    c.err_parent.adopt(err[0]);
    c.err_child.adopt(err[1]);
    for (Fd *fd : {&c.in_parent, &c.in_child, &c.out_parent, &c.out_child, &c.err_parent, &c.err_child})
        if (!lift_above_stdio(*fd)) return error = std::string("fcntl: ") + strerror(errno), false;
    return true;
}

pid_t spawn_process(const std::string &program, const std::vector<std::string> &args,
                    const std::vector<std::string> &env, int fd0, int fd1, int fd2, std::string &error) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&actions, fd0, 0);
    if (fd1 >= 0) posix_spawn_file_actions_adddup2(&actions, fd1, 1);
    else posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    if (fd2 >= 0) posix_spawn_file_actions_adddup2(&actions, fd2, 2);
    else posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    // The server may hold descriptors without O_CLOEXEC (client socket, data files).
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    // The child starts with an empty mask and default dispositions, whatever the worker has set.
    sigset_t empty, all;
    sigemptyset(&empty);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setsigdefault(&attr, &all);
    // A process group of its own: signals the postmaster sends to a worker's group (SIGTERM at
    // shutdown, SIGINT for a statement timeout) are for the worker, which stops the helper itself;
    // if the worker dies, PR_SET_PDEATHSIG ends the helper.
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    std::vector<std::string> argv_s{program};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    // First, so that getenv() finds ours: the helper exits if its parent is not this process
    // (the parent died before PR_SET_PDEATHSIG took effect).
    std::vector<std::string> env_s{"DOCEXTRACT_PARENT_PID=" + std::to_string(getpid())};
    env_s.insert(env_s.end(), env.begin(), env.end());
    auto argv = c_strings(argv_s);
    auto envp = c_strings(env_s);

    pid_t pid = -1;
    int rc = posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        error = "posix_spawn " + program + ": " + strerror(rc);
        return -1;
    }
    return pid;
}

RunResult run_helper(const RunOptions &options, const void *data, std::size_t len) {
    const std::int64_t start = monotonic_ms();
    Channels c;
    std::string error;
    pid_t pid = -1;
    if (make_channels(c, error))
        pid = spawn_process(options.program, options.args, options.env, c.in_child.get(),
                            c.out_child.get(), c.err_child.get(), error);
    if (pid < 0) {
        RunResult result;
        result.outcome = RunOutcome::spawn_failed;
        result.error_message = error;
        result.elapsed_ms = monotonic_ms() - start;
        return result;
    }
    SpawnedChild child(pid);
    c.in_child.reset();
    c.out_child.reset();
    c.err_child.reset();
    return drive(child, c, options, data, len, start);
}

RunResult drive(Child &child, Channels &c, const RunOptions &options, const void *data,
                std::size_t len, std::int64_t start) {
    RunResult result;
    Fd &in_parent = c.in_parent, &out_parent = c.out_parent, &err_parent = c.err_parent;
    for (Fd *fd : {&in_parent, &out_parent, &err_parent})
        fcntl(fd->get(), F_SETFL, fcntl(fd->get(), F_GETFL) | O_NONBLOCK);

    const char *bytes = static_cast<const char *>(data);
    std::size_t written = 0;
    if (len == 0) in_parent.reset();
    std::string err_text;
    std::size_t progress_from = 0;
    std::int64_t next_hook = start + options.poll_interval_ms;
    int status = 0;
    RunOutcome forced = RunOutcome::ok;  // set when we kill the child ourselves
    bool ended = false;
    const int watch = child.watch_fd();

    for (;;) {
        if (ended && !out_parent.open() && !err_parent.open()) break;
        std::int64_t now = monotonic_ms();
        if (now - start >= options.timeout_ms) {
            forced = RunOutcome::timeout;
            break;
        }
        if (options.should_abort && now >= next_hook) {
            next_hook = now + options.poll_interval_ms;
            if (options.should_abort()) {
                forced = RunOutcome::aborted;
                break;
            }
        }
        int wait_ms = static_cast<int>(std::min<std::int64_t>(
            {start + options.timeout_ms - now, options.poll_interval_ms,
             options.should_abort ? std::max<std::int64_t>(next_hook - now, 1) : 1000}));
        if (ended) in_parent.reset();  // nobody reads any more
        pollfd fds[4];
        nfds_t n = 0;
        if (in_parent.open()) fds[n++] = {in_parent.get(), POLLOUT, 0};
        if (out_parent.open()) fds[n++] = {out_parent.get(), POLLIN, 0};
        if (err_parent.open()) fds[n++] = {err_parent.get(), POLLIN, 0};
        if (watch >= 0 && !ended) fds[n++] = {watch, POLLIN, 0};
        if (watch < 0 && !out_parent.open() && !err_parent.open()) {
            // Both streams closed: the child is exiting; wait for it in short steps.
            if (child.poll_end(status)) {
                ended = true;
                break;
            }
            wait_ms = std::min(wait_ms, 10);
        }
        int ready = poll(n ? fds : nullptr, n, wait_ms);
        if (ready < 0 && errno != EINTR) {
            forced = RunOutcome::spawn_failed;
            result.error_message = std::string("poll: ") + strerror(errno);
            break;
        }
        if (ready <= 0) continue;
        for (nfds_t i = 0; i < n; ++i) {
            if (!fds[i].revents) continue;
            if (fds[i].fd == watch) {
                if (child.poll_end(status)) ended = true;
            } else if (fds[i].fd == in_parent.get()) {
                if (fds[i].revents & (POLLERR | POLLHUP)) {
                    in_parent.reset();  // the child stopped reading
                    continue;
                }
                std::size_t chunk = std::min<std::size_t>(len - written, 1u << 16);
                ssize_t w = send(in_parent.get(), bytes + written, chunk, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (w > 0) written += static_cast<std::size_t>(w);
                else if (w < 0 && errno != EAGAIN && errno != EINTR) in_parent.reset();
                if (written == len) in_parent.reset();
            } else if (fds[i].fd == out_parent.get()) {
                read_into(out_parent, result.json);
            } else if (fds[i].fd == err_parent.get()) {
                read_into(err_parent, err_text);
                take_progress_lines(err_text, progress_from, options.on_progress);
                if (err_text.size() > 2 * options.stderr_tail_bytes) {
                    const std::size_t cut = err_text.size() - options.stderr_tail_bytes;
                    err_text.erase(0, cut);
                    progress_from = progress_from > cut ? progress_from - cut : 0;
                }
            }
        }
        if (result.json.size() > options.max_output_bytes) {
            forced = RunOutcome::output_too_large;
            break;
        }
    }
    if (!ended) child.kill_and_wait(status);
    if (err_text.size() > options.stderr_tail_bytes)
        err_text.erase(0, err_text.size() - options.stderr_tail_bytes);
    result.stderr_tail = std::move(err_text);
    if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
    result.elapsed_ms = monotonic_ms() - start;
    if (forced != RunOutcome::ok) {
        result.outcome = forced;
        if (forced == RunOutcome::output_too_large) result.json.clear();
        if (forced != RunOutcome::spawn_failed)
            result.error_message = forced == RunOutcome::timeout ? "wall-clock timeout, helper killed"
                                   : forced == RunOutcome::aborted ? "aborted by caller, helper killed"
                                                                   : "output exceeds the size cap, helper killed";
        return result;
    }
    classify_finished(result);
    return result;
}

std::vector<std::string> helper_environment() { return {"OMP_THREAD_LIMIT=1"}; }

}  // namespace docextract::core
