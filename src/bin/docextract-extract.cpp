// docextract-extract: reads one untrusted document on stdin, writes one JSON object on stdout
// (schema in docs/extract-json.md). It restricts itself before parsing; the server-side runner
// (src/core/runner.hpp) adds the wall-clock timeout and the output cap.
//
// Exit status: 0 success; 2 bad arguments; 3 document or limit failure; 4 CPU time limit;
// 70 internal error. Every failure except a kill by signal comes with {"error": {...}} on stdout.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <new>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "core/extract/extract.hpp"
#include "core/extract/ocr.hpp"
#include "core/fields/document_fields.hpp"
#include "core/fields/json_output.hpp"
#include "sandbox.hpp"
#include "selftest.hpp"

using docextract::extract::ExtractError;
using nlohmann::json;

namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
    return static_cast<double>(static_cast<long long>(ms * 10)) / 10;  // 0.1 ms is plenty
}

void write_all(const std::string &s) {
    std::size_t done = 0;
    while (done < s.size()) {
        ssize_t n = write(STDOUT_FILENO, s.data() + done, s.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) _exit(70);
        done += static_cast<std::size_t>(n);
    }
}

// Amounts with two decimals (FIELDS.md); the rest as nlohmann writes it.
void emit(const json &j) { write_all(docextract::fields::dump_json(j) + "\n"); }

json g_sandbox;  // the "sandbox" report, once known; errors carry it too

int fail(const std::string &code, const std::string &message, int status) {
    json out = {{"schema", docextract::extract::kSchema}, {"error", {{"code", code}, {"message", message}}}};
    if (!g_sandbox.is_null()) out["sandbox"] = g_sandbox;
    emit(out);
    return status;
}

json to_json(const docextract::helper::SandboxReport &r) {
    return {{"namespaces", r.namespaces}, {"pid_namespace", r.pid_namespace}, {"landlock", r.landlock},
            {"landlock_abi", r.landlock_abi}, {"seccomp", r.seccomp}, {"degraded", r.degraded}};
}

// Reads stdin to EOF; false if it exceeds max bytes.
bool read_input(std::string &out, std::size_t max) {
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error(std::string("reading stdin: ") + strerror(errno));
        if (n == 0) return true;
        if (out.size() + static_cast<std::size_t>(n) > max) return false;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

}  // namespace

int main(int argc, char **argv) {
    const auto start = std::chrono::steady_clock::now();
    const pid_t original_parent = getppid();
    docextract::helper::Cli cli;
    std::string usage_error;
    if (!docextract::helper::parse_cli(argc, argv, cli, usage_error)) {
        docextract::helper::early_hardening(cli.limits);
        return fail("usage", usage_error, 2);
    }
    if (!docextract::helper::early_hardening(cli.limits))
        return fail("internal", std::string("cannot apply resource limits: ") + strerror(errno), 70);
    // Before any untrusted byte is read. With a PID namespace this forks: only the confined
    // child returns, the original process ends as it does.
    docextract::helper::SandboxReport sandbox = docextract::helper::confine(
        {cli.namespaces, cli.landlock, cli.seccomp, cli.options.tessdata});
    // Nothing is parsed unless lock_down() below installs the filter.
    sandbox.seccomp = cli.seccomp;
    g_sandbox = to_json(sandbox);
    if (!sandbox.degraded.empty()) {
        const std::string line = "docextract-extract: sandbox degraded: " +
                                 docextract::helper::degraded_summary(sandbox) + "\n";
        ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
        (void)ignored;
    }
    try {
        std::string input;
        if (!read_input(input, cli.max_input_bytes))
            return fail("limits", "the document exceeds the input size limit", 3);
        const double read_ms = ms_since(start);
        docextract::extract::Ocr ocr(cli.options.lang, cli.options.tessdata);
        // Images always need OCR: load the language data before the lock-down. PDFs load it
        // lazily, only for pages without text (read-only opens stay allowed).
        if (docextract::extract::is_image_format(cli.options.format) && cli.options.max_ocr_pages > 0)
            ocr.init();
        if (cli.seccomp && !docextract::helper::lock_down())
            return fail("internal", "cannot install the seccomp filter", 70);
        if (!cli.selftest_violate.empty())
            return docextract::helper::attempt_violation(cli.selftest_violate, cli.selftest_arg,
                                                         original_parent);

        json out = docextract::extract::extract_document(input, cli.options, ocr);
        // Structured fields (FIELDS.md), inside the sandbox like the parsing they build on.
        const auto fields_start = std::chrono::steady_clock::now();
        docextract::fields::DocumentFieldsOptions field_options;
        field_options.document_type = cli.document_type;
        docextract::fields::add_document_fields(out, field_options);
        out["timings_ms"]["fields"] = ms_since(fields_start);
        out["timings_ms"]["read"] = read_ms;
        out["timings_ms"]["ocr_init"] = static_cast<double>(static_cast<long long>(ocr.init_ms() * 10)) / 10;
        out["timings_ms"]["total"] = ms_since(start);
        out["sandbox"] = g_sandbox;
        emit(out);
        return 0;
    } catch (const ExtractError &e) {
        return fail(e.code(), e.what(), 3);
    } catch (const std::bad_alloc &) {
        return fail("limits", "the memory limit was reached", 3);
    } catch (const std::exception &e) {
        return fail("internal", e.what(), 70);
    }
}
