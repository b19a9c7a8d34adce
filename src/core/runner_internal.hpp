// Shared by runner.cpp, runner_classify.cpp and runner_zygote.cpp; not part of the public API.
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <unistd.h>
#include <vector>

#include "core/runner.hpp"

namespace docextract::core {

// Sets outcome, error_code and error_message of a child that ended on its own (exit or signal),
// from its exit status / signal and its stdout.
void classify_finished(RunResult &result);

std::int64_t monotonic_ms();

// Owns one descriptor; closing twice is impossible.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    int get() const { return fd_; }
    bool open() const { return fd_ >= 0; }
    void adopt(int fd) { reset(); fd_ = fd; }
    int release() { int fd = fd_; fd_ = -1; return fd; }
    void reset() {
        if (fd_ >= 0) close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

// The three streams of one extraction: the document goes in over a socket (so that the child's
// stop is seen as EPIPE, never SIGPIPE), JSON and diagnostics come back over pipes. Every end is
// close-on-exec and above 2.
struct Channels {
    Fd in_parent, in_child, out_parent, out_child, err_parent, err_child;
};
// false with a message.
bool make_channels(Channels &c, std::string &error);

// posix_spawn of program with fd0..fd2 as its stdin/stdout/stderr (fd1, fd2 < 0: /dev/null), no other
// descriptor, default signal dispositions, an empty signal mask, a process group of its own, and
// DOCEXTRACT_PARENT_PID first in its environment. Returns the pid, or -1 with a message.
pid_t spawn_process(const std::string &program, const std::vector<std::string> &args,
                    const std::vector<std::string> &env, int fd0, int fd1, int fd2, std::string &error);

// How the feeding/collecting loop learns that the child ended, and stops it.
class Child {
public:
    virtual ~Child() = default;
    // A descriptor to poll for reading while the child runs (the zygote's socket), or -1.
    virtual int watch_fd() const { return -1; }
    // Called when watch_fd is readable, or (without one) once stdout and stderr are both closed:
    // true once the child has ended, with its wait status.
    virtual bool poll_end(int &status) = 0;
    // Kills the child and waits for its end.
    virtual void kill_and_wait(int &status) = 0;
};

// Feeds data to the child, collects stdout/stderr with the caps, enforces the timeout and the
// should_abort hook, and classifies the end. The child ends of c must already be closed.
RunResult drive(Child &child, Channels &c, const RunOptions &options, const void *data,
                std::size_t len, std::int64_t start);

}  // namespace docextract::core
