#include "namespaces.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.hpp"

namespace docextract::helper {
namespace {

std::string errno_text(const std::string &what) { return what + ": " + strerror(errno); }

bool write_file(const char *path, const std::string &text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    close(fd);
    return ok;
}

bool mkdirs(const std::string &path) {
    for (std::size_t i = 1; i <= path.size(); ++i) {
        if (i < path.size() && path[i] != '/') continue;
        if (mkdir(path.substr(0, i).c_str(), 0755) != 0 && errno != EEXIST) return false;
    }
    return true;
}

bool beneath(const std::string &path, const std::string &dir) {
    return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                           path[dir.size()] == '/');
}

// Read-only bind of host path src at dst. A remount inside a user namespace must keep the flags
// the owner of the original mount locked (nodev, noexec, atime...), hence statvfs.
bool bind_read_only(const std::string &src, const std::string &dst) {
    if (mount(src.c_str(), dst.c_str(), nullptr, MS_BIND, nullptr) != 0) {
        // A mount with mounts beneath it can only be bound with them (EINVAL otherwise).
        if (errno != EINVAL || mount(src.c_str(), dst.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
            return false;
    }
    struct statvfs vfs {};
    if (statvfs(dst.c_str(), &vfs) != 0) return false;
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV;
    if (vfs.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (vfs.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (vfs.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (vfs.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    return mount(nullptr, dst.c_str(), nullptr, flags, nullptr) == 0;
}

// Recreates one host path under root: symlinks as symlinks (usrmerge's /lib -> usr/lib),
// directories and files as read-only binds. Absent paths are skipped.
bool add_path(const std::string &root, const std::string &path, std::string &error) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) return true;
    const std::string dst = root + path;
    if (!mkdirs(dst.substr(0, dst.rfind('/')))) return error = errno_text("mkdir " + dst), false;
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(path.c_str(), target, sizeof target - 1);
        if (n < 0) return error = errno_text("readlink " + path), false;
        target[n] = '\0';
        if (symlink(target, dst.c_str()) != 0 && errno != EEXIST)
            return error = errno_text("symlink " + dst), false;
        return true;
    }
    if (S_ISDIR(st.st_mode)) {
        if (mkdir(dst.c_str(), 0755) != 0 && errno != EEXIST) return error = errno_text("mkdir " + dst), false;
    } else {
        int fd = open(dst.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return error = errno_text("create " + dst), false;
        close(fd);
    }
    if (!bind_read_only(path, dst)) return error = errno_text("bind " + path), false;
    return true;
}

bool build_root(const std::vector<std::string> &paths, const std::string &mask_dir, std::string &error) {
    // Nothing we mount may propagate back to the host's namespace.
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        return error = errno_text("make / private"), false;
    // The new root is a tmpfs mounted over some existing directory of our private copy of the tree.
    std::string root;
    for (const char *base : {"/tmp", "/mnt", "/var/tmp", "/dev"}) {
        if (mount("docextract", base, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "size=64k,nr_inodes=256,mode=0755") == 0) {
            root = base;
            break;
        }
        error = errno_text(std::string("mount tmpfs on ") + base);
    }
    if (root.empty()) return false;
    for (const std::string &path : paths)
        if (!add_path(root, path, error)) return false;
    for (const std::string &path : paths) {
        if (mask_dir.empty() || mask_dir == "/" || !beneath(mask_dir, path)) continue;
        // The data directory lies beneath a system path (e.g. /usr/local/...): hide it.
        if (mount("docextract", (root + mask_dir).c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "size=4k,nr_inodes=1,mode=000") != 0)
            return error = errno_text("mask " + mask_dir), false;
    }
    // pivot_root(".", "."): the old root ends up on top of the new one and is detached at once.
    if (chdir(root.c_str()) != 0 || syscall(SYS_pivot_root, ".", ".") != 0)
        return error = errno_text("pivot_root"), false;
    if (umount2(".", MNT_DETACH) != 0) return error = errno_text("detach the old root"), false;
    if (chdir("/") != 0) return error = errno_text("chdir /"), false;
    if (mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              nullptr) != 0)
        return error = errno_text("remount / read-only"), false;
    return true;
}

// The namespace gave us every capability in it; nothing below needs one.
bool drop_capabilities() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    return syscall(SYS_capset, &header, data) == 0;
}

// pid 1 of a PID namespace ignores the signals it sends itself, so abort() would end in SIGSEGV;
// the child exits with this status instead, and the waiter turns it back into SIGABRT.
constexpr int kAbortStatus = 128 + SIGABRT;

void on_abort(int) { _exit(kAbortStatus); }

// The parent outside the PID namespace: wait, then end as the child ended.
[[noreturn]] void wait_and_relay(pid_t child, bool seccomp) {
    for (int fd = 0; fd <= 2; ++fd) close(fd);  // the streams belong to the child
    if (seccomp) lock_down_waiter();
    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) _exit(70);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != kAbortStatus) _exit(WEXITSTATUS(status));
    const int sig = WIFEXITED(status) ? SIGABRT : WTERMSIG(status);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    raise(sig);
    _exit(128 + sig);
}

}  // namespace

NamespaceResult enter_namespaces(const std::vector<std::string> &paths, const std::string &mask_dir,
                                 bool seccomp_waiter) {
    NamespaceResult r;
    const uid_t uid = getuid();
    const gid_t gid = getgid();
    constexpr int kBase = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC;
    bool want_pid = true;
    if (unshare(kBase | CLONE_NEWPID) != 0) {
        r.errors.push_back(errno_text("unshare with a PID namespace"));
        want_pid = false;
        if (unshare(kBase) != 0) {
            r.errors.push_back(errno_text("unshare"));
            return r;
        }
    }
    // The same ids inside as outside; no supplementary group can be added.
    if (!write_file("/proc/self/setgroups", "deny") ||
        !write_file("/proc/self/uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1") ||
        !write_file("/proc/self/gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1")) {
        r.errors.push_back(errno_text("uid/gid map"));
        return r;
    }
    std::string error;
    r.root = build_root(paths, mask_dir, error);
    if (!r.root) r.errors.push_back(error);
    if (!drop_capabilities()) {
        r.errors.push_back(errno_text("capset"));
        r.root = false;
    }
    if (!want_pid) return r;

    // Our children start in the new PID namespace; the child carries on, we wait.
    int alive[2];
    if (pipe2(alive, O_CLOEXEC) != 0) {
        r.errors.push_back(errno_text("pipe2"));
        return r;
    }
    pid_t child = fork();
    if (child < 0) {
        r.errors.push_back(errno_text("fork into the PID namespace"));
        close(alive[0]);
        close(alive[1]);
        return r;
    }
    if (child > 0) {
        close(alive[0]);
        wait_and_relay(child, seccomp_waiter);
    }
    close(alive[1]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // getppid() is 0 in here: the pipe tells whether the parent died before the prctl.
    pollfd p{alive[0], POLLIN, 0};
    if (poll(&p, 1, 0) != 0) _exit(125);
    close(alive[0]);
    setsid();  // kill(0, ...) must not reach the parent's process group
    signal(SIGABRT, on_abort);
    r.pid = true;
    return r;
}

}  // namespace docextract::helper
