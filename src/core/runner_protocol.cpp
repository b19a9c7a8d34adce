#include "core/runner_protocol.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

#include "core/purity.hpp"

namespace docextract::core::zygote {
namespace {

void put_u32(std::string &out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t get_u32(const char *p) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

void put_i64(std::string &out, std::int64_t v) {
    const auto u = static_cast<std::uint64_t>(v);
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
}

std::int64_t get_i64(const char *p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return static_cast<std::int64_t>(v);
}

bool known(char type) {
    switch (static_cast<Frame>(type)) {
        case Frame::ready: case Frame::request: case Frame::kill: case Frame::exited: case Frame::refused:
            return true;
    }
    return false;
}

// Reads len bytes; false on EOF (eof set when nothing at all was read) or error.
bool read_exact(int sock, char *buf, std::size_t len, bool &eof) {
    std::size_t got = 0;
    eof = false;
    while (got < len) {
        ssize_t n = read(sock, buf + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            eof = n == 0 && got == 0;
            if (n == 0) errno = EPIPE;
            return false;
        }
        got += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

std::string encode(Frame type, const std::string &payload) {
    std::string out;
    out.reserve(5 + payload.size());
    put_u32(out, static_cast<std::uint32_t>(payload.size() + 1));
    out.push_back(static_cast<char>(type));
    out += payload;
    return out;
}

bool Decoder::next(Frame &type, std::string &payload) {
    if (bad_ || buffer_.size() < 4) return false;
    const std::uint32_t len = get_u32(buffer_.data());
    if (len == 0 || len > kMaxFrameBytes || (buffer_.size() > 4 && !known(buffer_[4]))) {
        bad_ = true;
        return false;
    }
    if (buffer_.size() < 4 + static_cast<std::size_t>(len)) return false;
    type = static_cast<Frame>(buffer_[4]);
    payload.assign(buffer_, 5, len - 1);
    buffer_.erase(0, 4 + static_cast<std::size_t>(len));
    return true;
}

std::string encode_args(const std::vector<std::string> &args) {
    std::string out;
    for (const auto &a : args) {
        out += a;
        out.push_back('\0');
    }
    return out;
}

bool decode_args(const std::string &payload, std::vector<std::string> &args) {
    args.clear();
    if (!payload.empty() && payload.back() != '\0') return false;
    std::size_t pos = 0;
    while (pos < payload.size()) {
        const std::size_t nul = payload.find('\0', pos);
        args.emplace_back(payload, pos, nul - pos);
        pos = nul + 1;
    }
    return true;
}

std::string encode_exit(const ChildExit &e) {
    std::string out;
    put_i64(out, e.wait_status);
    put_i64(out, e.max_rss_kb);
    put_i64(out, e.cpu_ms);
    return out;
}

bool decode_exit(const std::string &payload, ChildExit &e) {
    if (payload.size() != 24) return false;
    e.wait_status = static_cast<int>(get_i64(payload.data()));
    e.max_rss_kb = get_i64(payload.data() + 8);
    e.cpu_ms = get_i64(payload.data() + 16);
    return true;
}

bool send_frame(int sock, Frame type, const std::string &payload, const int *fds, int nfds) {
    if (payload.size() + 1 > kMaxFrameBytes || nfds < 0 || nfds > kRequestFds) {
        errno = EMSGSIZE;
        return false;
    }
    const std::string frame = encode(type, payload);
    std::size_t sent = 0;
    while (sent < frame.size()) {
        iovec iov{const_cast<char *>(frame.data() + sent), frame.size() - sent};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kRequestFds)];
        if (sent == 0 && nfds > 0) {
            std::memset(control, 0, sizeof control);
            msg.msg_control = control;
            msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
            cmsghdr *c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
            std::memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
        }
        ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

Received recv_frame(int sock, Frame &type, std::string &payload, std::vector<int> &fds) {
    char head[5];
    iovec iov{head, sizeof head};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kRequestFds)];
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
    } while (n < 0 && errno == EINTR);
    for (cmsghdr *c = CMSG_FIRSTHDR(&msg); n >= 0 && c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            fds.push_back(fd);
        }
    }
    if (n == 0) return Received::eof;
    if (n < 0) return Received::error;
    bool eof = false;
    if (n < static_cast<ssize_t>(sizeof head) &&
        !read_exact(sock, head + n, sizeof head - static_cast<std::size_t>(n), eof))
        return Received::error;
    if (msg.msg_flags & MSG_CTRUNC) return Received::bad;
    const std::uint32_t len = get_u32(head);
    if (len == 0 || len > kMaxFrameBytes || !known(head[4])) return Received::bad;
    type = static_cast<Frame>(head[4]);
    payload.assign(len - 1, '\0');
    if (len > 1 && !read_exact(sock, payload.data(), len - 1, eof)) return Received::error;
    return Received::frame;
}

}  // namespace docextract::core::zygote
