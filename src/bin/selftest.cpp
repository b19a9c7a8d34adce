#include "selftest.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace docextract::helper {
namespace {

// Stdout is the result channel: say what happened in the same JSON envelope.
int report(const char *code, const char *what) {
    std::printf("{\"schema\":\"docextract-extract/2\",\"error\":{\"code\":\"%s\",\"message\":\"%s: %s\"}}\n",
                code, what, std::strerror(errno));
    std::fflush(stdout);
    return 3;
}

// A breach, with what was seen (quotes and backslashes dropped: the message is JSON).
int breached(const std::string &what) {
    std::string clean;
    for (char c : what) clean += (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) ? '_' : c;
    std::printf("{\"schema\":\"docextract-extract/2\",\"error\":{\"code\":\"sandbox_breached\",\"message\":\"%s\"}}\n",
                clean.c_str());
    std::fflush(stdout);
    return 3;
}

int signal_attempt(pid_t target, int sig, const char *what) {
    if (kill(target, sig) != 0) return report("sandbox_denied", what);
    return breached(std::string(what) + " succeeded (pid " + std::to_string(target) + ")");
}

}  // namespace

int attempt_violation(const std::string &kind, const std::string &arg, pid_t original_parent) {
    if (kind == "abort") std::abort();  // not a violation: how a crash is reported
    if (kind == "read-file") {
        int fd = open(arg.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return report("sandbox_denied", "open failed");
        char buf[256];
        ssize_t n = read(fd, buf, sizeof buf);
        close(fd);
        if (n < 0) return report("sandbox_denied", "read failed");
        return breached("read " + std::to_string(n) + " bytes: " + std::string(buf, static_cast<std::size_t>(n)));
    }
    if (kind == "list-dir") {
        DIR *dir = opendir(arg.empty() ? "." : arg.c_str());
        if (!dir) return report("sandbox_denied", "opendir failed");
        std::string names;
        while (dirent *e = readdir(dir)) names += std::string(" ") + e->d_name;
        closedir(dir);
        return breached("listed:" + names);
    }
    if (kind == "kill-parent") return signal_attempt(original_parent, 0, "kill(parent, 0)");
    if (kind == "kill-pid") return signal_attempt(static_cast<pid_t>(std::atol(arg.c_str())), SIGTERM, "kill(pid, SIGTERM)");
    if (kind == "kill-all") return signal_attempt(-1, 0, "kill(-1, 0)");
    if (kind == "sigio") {
        if (fcntl(STDIN_FILENO, F_SETOWN, std::atoi(arg.c_str())) != 0) return report("sandbox_denied", "F_SETOWN failed");
        return breached("F_SETOWN succeeded");
    }
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
