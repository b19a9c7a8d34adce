#include "zygote.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <poppler/cpp/poppler-document.h>

#include "core/extract/extract.hpp"
#include "core/extract/ocr.hpp"
#include "core/runner_protocol.hpp"
#include "document.hpp"
#include "landlock.hpp"
#include "sandbox.hpp"

namespace docextract::helper {
namespace {

using core::zygote::Frame;
using core::zygote::Received;

constexpr int kControl = STDIN_FILENO;  // the socket to the worker

struct State {
    SandboxReport report;                 // the layers applied once, in the zygote
    Limits limits;                        // the zygote's: a child may lower them, never raise
    std::unique_ptr<extract::Ocr> ocr;    // initialised before any fork, or null
    std::string ocr_lang, ocr_tessdata;
    bool landlock = true, seccomp = true;
};

// The report of a child: the zygote's namespaces, its own Landlock domain and seccomp.
void drop_layer(SandboxReport &r, const std::string &layer) {
    for (std::size_t i = 0; i < r.degraded.size(); ++i)
        if (r.degraded[i] == layer) r.degraded.erase(r.degraded.begin() + static_cast<long>(i--));
    for (std::size_t i = 0; i < r.reasons.size(); ++i)
        if (r.reasons[i].rfind(layer + ":", 0) == 0) r.reasons.erase(r.reasons.begin() + static_cast<long>(i--));
}

void missing(SandboxReport &r, const std::string &layer, const std::string &why) {
    r.degraded.push_back(layer);
    r.reasons.push_back(layer + ": " + why);
}

// The forked child: becomes a one-shot helper for the request's document, then exits.
[[noreturn]] void child_main(const State &st, const std::vector<int> &fds, const std::vector<std::string> &args,
                             pid_t zygote) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i)
        if (dup2(fds[static_cast<std::size_t>(i)], i) < 0) _exit(70);
    // The zygote holds nothing else of its own (libraries keep no descriptor after start-up).
    for (int fd : fds) close(fd);
    // A pid 1 ignores the signals it sends itself, hence the zygote's SIGABRT handler; a child is
    // not pid 1, and abort() must kill it as it would kill a one-shot helper.
    signal(SIGABRT, SIG_DFL);
    setsid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != zygote) _exit(125);

    Cli cli;
    cli.limits.max_memory_mb = st.limits.max_memory_mb;
    std::vector<std::string> argv_s{"docextract-extract"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (auto &a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string usage;
    if (!parse_cli(static_cast<int>(argv_s.size()), argv.data(), cli, usage) || cli.zygote) {
        apply_limits(cli.limits);
        _exit(fail("usage", cli.zygote ? "--zygote in a request" : usage, 2));
    }
    if (!apply_limits(cli.limits))
        _exit(fail("internal", std::string("cannot apply resource limits: ") + strerror(errno), 70));

    SandboxReport report = st.report;
    drop_layer(report, "landlock");
    drop_layer(report, "seccomp");
    report.landlock = false;
    // A domain of its own beneath the zygote's: signals (ABI >= 6) cannot reach the zygote.
    if (st.landlock && cli.landlock) {
        LandlockResult ll = apply_landlock(readable_paths(cli.options.tessdata));
        report.landlock = ll.enforced;
        report.landlock_abi = ll.abi;
        if (!ll.enforced) missing(report, "landlock", ll.error);
    } else {
        missing(report, "landlock", "disabled by --no-landlock");
    }
    cli.seccomp = cli.seccomp && st.seccomp;
    if (!cli.seccomp) missing(report, "seccomp", "disabled by --no-seccomp");
    extract::Ocr *ocr = st.ocr && cli.options.lang == st.ocr_lang && cli.options.tessdata == st.ocr_tessdata
                            ? st.ocr.get() : nullptr;
    _exit(run_document(cli, report, ocr, start, zygote));
}

// A small PDF of our own, extracted once before any fork: poppler's global state, fontconfig's
// configuration and caches, the renderer and zxing are then set up in every child.
std::string warm_up_pdf() {
    const std::string text = "BT /F1 24 Tf 72 720 Td (docextract warm-up page) Tj ET";
    const std::string objects[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        "<< /Length " + std::to_string(text.size()) + " >>\nstream\n" + text + "\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    };
    std::string pdf = "%PDF-1.4\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < 5; ++i) {
        offsets.push_back(pdf.size());
        pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const std::size_t xref = pdf.size();
    pdf += "xref\n0 6\n0000000000 65535 f \n";
    for (std::size_t off : offsets) {
        char line[24];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
        pdf += line;
    }
    pdf += "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return pdf;
}

void preload(State &st, const Cli &cli) {
    st.ocr_lang = cli.options.lang;
    st.ocr_tessdata = cli.options.tessdata;
    st.ocr = std::make_unique<extract::Ocr>(cli.options.lang, cli.options.tessdata);
    if (cli.options.max_ocr_pages > 0) {
        try {
            st.ocr->init();
        } catch (const std::exception &) {
            // Missing language data: each child then fails the way a one-shot helper does.
            st.ocr.reset();
        }
    }
    extract::Options o;
    o.format = "pdf";
    o.max_ocr_pages = 0;
    extract::Ocr none(cli.options.lang, cli.options.tessdata);
    static const std::string pdf = warm_up_pdf();
    try {
        (void)extract::extract_document(pdf, o, none);
    } catch (const std::exception &) {
        // Only a speed-up: the children load what they need themselves.
    }
    probe_seccomp();
    // poppler-cpp frees its global state (the Unicode maps read from /usr/share/poppler) with its
    // last document: one kept open spares every child reading them again.
    static std::unique_ptr<poppler::document> keep(
        poppler::document::load_from_raw_data(pdf.data(), static_cast<int>(pdf.size())));
}

pid_t open_pidfd(pid_t pid) { return static_cast<pid_t>(syscall(SYS_pidfd_open, pid, 0)); }

// Serves one request: fork, then report the child's end. false when the worker has gone (or
// broke the protocol): the zygote then exits.
bool serve(const State &st, std::vector<int> &fds, const std::string &payload) {
    std::vector<std::string> args;
    auto close_all = [&] {
        for (int fd : fds) close(fd);
        fds.clear();
    };
    if (fds.size() != core::zygote::kRequestFds || !core::zygote::decode_args(payload, args)) {
        close_all();
        return core::zygote::send_frame(kControl, Frame::refused, "a request needs 3 descriptors and arguments");
    }
    const pid_t self = getpid();
    const pid_t child = fork();
    if (child == 0) child_main(st, fds, args, self);
    close_all();
    if (child < 0)
        return core::zygote::send_frame(kControl, Frame::refused, std::string("fork: ") + strerror(errno));

    const int pidfd = open_pidfd(child);
    bool worker_gone = false;
    for (;;) {
        pollfd p[2] = {{kControl, POLLIN, 0}, {pidfd, POLLIN, 0}};
        // Without a pidfd (kernel < 5.3), look for the child's end every 5 ms.
        const int n = poll(p, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 5);
        if (n < 0 && errno != EINTR) break;
        if (n > 0 && p[0].revents) {
            Frame type;
            std::string ignored;
            std::vector<int> extra;
            const Received got = core::zygote::recv_frame(kControl, type, ignored, extra);
            for (int fd : extra) close(fd);
            if (got != Received::frame || type != Frame::kill) worker_gone = true;
            kill(child, SIGKILL);
            if (worker_gone) break;
        }
        if (pidfd < 0 || (n > 0 && p[1].revents)) {
            int status = 0;
            rusage ru{};
            const pid_t r = wait4(child, &status, pidfd >= 0 ? 0 : WNOHANG, &ru);
            if (r == child) {
                if (pidfd >= 0) close(pidfd);
                core::zygote::ChildExit e;
                e.wait_status = status;
                e.max_rss_kb = ru.ru_maxrss;
                e.cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
                           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
                // As pid 1, orphans are ours to reap (a child has no children; be safe anyway).
                while (waitpid(-1, nullptr, WNOHANG) > 0) {
                }
                return core::zygote::send_frame(kControl, Frame::exited, core::zygote::encode_exit(e));
            }
        }
    }
    // The worker left, or poll failed: the child goes too, and is reported if anyone listens.
    kill(child, SIGKILL);
    if (pidfd >= 0) close(pidfd);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (worker_gone) return false;
    core::zygote::ChildExit e;
    e.wait_status = status;
    return core::zygote::send_frame(kControl, Frame::exited, core::zygote::encode_exit(e));
}

}  // namespace

int zygote_main(const Cli &cli) {
    State st;
    st.limits = cli.limits;
    st.limits.cpu_seconds = 0;  // a long life; each child gets its document's CPU limit
    st.limits.max_open_files = 2 * core::kHelperMaxOpenFiles;  // its own few, plus a request's
    st.landlock = cli.landlock;
    st.seccomp = cli.seccomp;
    if (!early_hardening(st.limits)) {
        core::zygote::send_frame(kControl, Frame::refused,
                                 std::string("cannot apply resource limits: ") + strerror(errno));
        return 70;
    }
    // With a PID namespace this forks: the zygote is its pid 1, so when it dies every child dies.
    st.report = confine({cli.namespaces, cli.landlock, cli.seccomp, cli.options.tessdata});
    // OMP_THREAD_LIMIT=1 (the runner's environment): tesseract starts no thread, and fork()
    // copies a single-threaded process.
    preload(st, cli);
    if (!core::zygote::send_frame(kControl, Frame::ready, "")) return 70;
    for (;;) {
        Frame type;
        std::string payload;
        std::vector<int> fds;
        const Received got = core::zygote::recv_frame(kControl, type, payload, fds);
        if (got == Received::eof) return 0;
        if (got != Received::frame) return 70;
        if (type == Frame::kill) continue;  // its child had already ended
        if (type != Frame::request) return 70;
        if (!serve(st, fds, payload)) return 0;
    }
}

}  // namespace docextract::helper
