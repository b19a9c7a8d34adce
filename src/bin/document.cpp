#include "document.hpp"

#include <cerrno>
#include <cstring>
#include <memory>
#include <new>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/extract/extract.hpp"
#include "core/extract/ocr.hpp"
#include "core/fields/document_fields.hpp"
#include "core/fields/json_output.hpp"
#include "core/fields/refresh.hpp"
#include "selftest.hpp"

using docextract::extract::ExtractError;
using nlohmann::json;

namespace docextract::helper {
namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
    return static_cast<double>(static_cast<long long>(ms * 10)) / 10;  // 0.1 ms is plenty
}

double tenths(double ms) { return static_cast<double>(static_cast<long long>(ms * 10)) / 10; }

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

json to_json(const SandboxReport &r) {
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

// --refresh-fields: the field keys of a stored result, computed as the extraction computes them.
// Nothing but JSON is parsed, so neither OCR models nor the document parsers are loaded.
int run_refresh(const Cli &cli, const std::string &input, std::chrono::steady_clock::time_point start,
                double read_ms) {
    const auto fields_start = std::chrono::steady_clock::now();
    fields::DocumentFieldsOptions field_options;
    field_options.document_type = cli.document_type;
    json out = fields::refresh_fields(input, field_options);
    out["schema"] = extract::kSchema;
    out["mode"] = "refresh_fields";
    out["timings_ms"] = {{"read", read_ms}, {"fields", ms_since(fields_start)}, {"total", ms_since(start)}};
    out["sandbox"] = g_sandbox;
    emit(out);
    return 0;
}

}  // namespace

int fail(const std::string &code, const std::string &message, int status) {
    json out = {{"schema", extract::kSchema}, {"error", {{"code", code}, {"message", message}}}};
    if (!g_sandbox.is_null()) out["sandbox"] = g_sandbox;
    emit(out);
    return status;
}

int run_document(const Cli &cli, const SandboxReport &report, extract::Ocr *preloaded,
                 std::chrono::steady_clock::time_point start, pid_t original_parent) {
    // Nothing is parsed unless lock_down() below installs the filter.
    SandboxReport sandbox = report;
    sandbox.seccomp = cli.seccomp;
    g_sandbox = to_json(sandbox);
    if (!sandbox.degraded.empty()) {
        const std::string line = "docextract-extract: sandbox degraded: " + degraded_summary(sandbox) + "\n";
        ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
        (void)ignored;
    }
    try {
        std::string input;
        if (!read_input(input, cli.max_input_bytes))
            return fail("limits", "the document exceeds the input size limit", 3);
        const double read_ms = ms_since(start);
        if (cli.refresh_fields) {
            if (cli.seccomp && !lock_down()) return fail("internal", "cannot install the seccomp filter", 70);
            if (!cli.selftest_violate.empty())
                return attempt_violation(cli.selftest_violate, cli.selftest_arg, original_parent);
            return run_refresh(cli, input, start, read_ms);
        }
        std::unique_ptr<extract::Ocr> own;
        extract::Ocr *ocr = preloaded;
        if (ocr == nullptr) {
            own = std::make_unique<extract::Ocr>(cli.options.lang, cli.options.tessdata);
            ocr = own.get();
        }
        // Time spent before this process existed (a zygote's preloading) is not this document's.
        const double inherited_init_ms = ocr->init_ms();
        // Images always need OCR: load the language data before the lock-down. PDFs load it
        // lazily, only for pages without text (read-only opens stay allowed).
        if (extract::is_image_format(cli.options.format) && cli.options.max_ocr_pages > 0) ocr->init();
        if (cli.seccomp && !lock_down()) return fail("internal", "cannot install the seccomp filter", 70);
        if (!cli.selftest_violate.empty())
            return attempt_violation(cli.selftest_violate, cli.selftest_arg, original_parent);

        json out = extract::extract_document(input, cli.options, *ocr);
        // Structured fields (FIELDS.md), inside the sandbox like the parsing they build on.
        const auto fields_start = std::chrono::steady_clock::now();
        fields::DocumentFieldsOptions field_options;
        field_options.document_type = cli.document_type;
        fields::add_document_fields(out, field_options);
        out["timings_ms"]["fields"] = ms_since(fields_start);
        out["timings_ms"]["read"] = read_ms;
        out["timings_ms"]["ocr_init"] = tenths(ocr->init_ms() - inherited_init_ms);
        out["timings_ms"]["total"] = ms_since(start);
        out["sandbox"] = g_sandbox;
        emit(out);
        return 0;
    } catch (const ExtractError &e) {
        return fail(e.code(), e.what(), 3);
    } catch (const fields::StoredResultError &e) {
        return fail("corrupt", e.what(), 3);
    } catch (const std::bad_alloc &) {
        return fail("limits", "the memory limit was reached", 3);
    } catch (const std::exception &e) {
        return fail("internal", e.what(), 70);
    }
}

}  // namespace docextract::helper
