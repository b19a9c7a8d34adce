// The framing between a worker and its zygote (a long-lived docextract-extract --zygote), over a
// UNIX stream socket. Each frame is a 4-byte little-endian length (of what follows), a type byte
// and a payload. A request carries the child's three descriptors (document in, JSON out,
// diagnostics) as SCM_RIGHTS; the document bytes never pass through the zygote.
//
//   zygote -> worker  'Y' ready    payload: empty, once after start-up (preloading done)
//   worker -> zygote  'R' request  payload: the child's arguments, each NUL-terminated; 3 fds
//   worker -> zygote  'K' kill     payload: empty; SIGKILL to the running child
//   zygote -> worker  'E' exited   payload: the child's wait status, peak RSS, CPU time
//   zygote -> worker  'X' refused  payload: a message (the request could not be served)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace docextract::core::zygote {

enum class Frame : char {
    ready = 'Y',
    request = 'R',
    kill = 'K',
    exited = 'E',
    refused = 'X',
};

// Larger frames are a protocol error (a request holds only arguments).
constexpr std::size_t kMaxFrameBytes = 1u << 16;
// Descriptors a request carries: stdin, stdout, stderr of the child.
constexpr int kRequestFds = 3;

std::string encode(Frame type, const std::string &payload);

// Splits a byte stream into frames; survives any split of the input.
class Decoder {
public:
    void feed(const char *data, std::size_t len) { buffer_.append(data, len); }
    // true with the next complete frame; false when more bytes are needed or the stream is bad.
    bool next(Frame &type, std::string &payload);
    bool bad() const { return bad_; }
    bool empty() const { return buffer_.empty(); }

private:
    std::string buffer_;
    bool bad_ = false;
};

std::string encode_args(const std::vector<std::string> &args);
// false if the payload is not a sequence of NUL-terminated strings.
bool decode_args(const std::string &payload, std::vector<std::string> &args);

struct ChildExit {
    int wait_status = 0;        // as from waitpid()
    std::int64_t max_rss_kb = 0;  // ru_maxrss of the child
    std::int64_t cpu_ms = 0;      // user + system time of the child
};
std::string encode_exit(const ChildExit &e);
bool decode_exit(const std::string &payload, ChildExit &e);

// Writes one whole frame (blocking, EINTR-safe, no SIGPIPE), with fds attached to its first
// byte when nfds > 0. false on error (errno set).
bool send_frame(int sock, Frame type, const std::string &payload, const int *fds = nullptr, int nfds = 0);

enum class Received { frame, eof, error, bad };
// Reads exactly one frame (blocking). Descriptors that came with it are returned close-on-exec in
// fds; the caller owns them (also on bad).
Received recv_frame(int sock, Frame &type, std::string &payload, std::vector<int> &fds);

}  // namespace docextract::core::zygote
