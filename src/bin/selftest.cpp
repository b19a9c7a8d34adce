#include "selftest.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace docextract::helper {
namespace {

// Stdout is the result channel: say what happened in the same JSON envelope.
int report(const char *code, const char *what) {
    std::printf("{\"schema\":\"docextract-extract/1\",\"error\":{\"code\":\"%s\",\"message\":\"%s: %s\"}}\n",
                code, what, std::strerror(errno));
    std::fflush(stdout);
    return 3;
}

}  // namespace

int attempt_violation(const std::string &kind) {
    if (kind == "socket") {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) return report("sandbox_denied", "socket failed");
        return report("sandbox_breached", "socket succeeded");
    }
    if (kind == "exec") {
        char *const args[] = {const_cast<char *>("/bin/true"), nullptr};
        char *const env[] = {nullptr};
        execve("/bin/true", args, env);
        return report("sandbox_denied", "execve failed");
    }
    if (kind == "fork") {
        pid_t pid = fork();
        if (pid == 0) _exit(0);
        if (pid < 0) return report("sandbox_denied", "fork failed");
        waitpid(pid, nullptr, 0);
        return report("sandbox_breached", "fork succeeded");
    }
    if (kind == "write") {
        int fd = open("/tmp/docextract-selftest-write", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0) return report("sandbox_denied", "open for writing failed");
        ssize_t n = write(fd, "x", 1);
        close(fd);
        return report("sandbox_breached", n == 1 ? "wrote a file" : "opened a file for writing");
    }
    errno = EINVAL;
    return report("usage", "unknown --selftest-violate kind");
}

}  // namespace docextract::helper
