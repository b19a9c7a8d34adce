#include "cli.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace docextract::helper {
namespace {

// The 16 types of documents.document_type.
bool known_document_type(const std::string &t) {
    static const char *const kTypes[] = {
        "invoice", "receipt", "contract", "id_document", "passport", "drivers_license",
        "bank_statement", "hr_form", "medical_record", "tax_form", "legal_document",
        "certificate", "letter", "report", "form", "other"};
    for (const char *k : kTypes)
        if (t == k) return true;
    return false;
}

bool to_int64(const char *s, long long lo, long long hi, long long &out) {
    errno = 0;
    char *end = nullptr;
    long long v = std::strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return false;
    out = v;
    return true;
}

}  // namespace

bool parse_cli(int argc, char **argv, Cli &cli, std::string &error) {
    auto &o = cli.options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--fail-on-page-limit") {
            o.fail_on_page_limit = true;
            continue;
        }
        if (arg == "--progress") {
            o.report_progress = true;
            continue;
        }
        if (arg == "--refresh-fields") {
            cli.refresh_fields = true;
            continue;
        }
        if (arg == "--zygote") {
            cli.zygote = true;
            continue;
        }
        if (arg == "--no-seccomp") {  // debugging only (strace); the runner never passes it
            cli.seccomp = false;
            continue;
        }
        if (arg == "--no-namespaces") {  // tests of the fallback (docs/sandbox.md)
            cli.namespaces = false;
            continue;
        }
        if (arg == "--no-landlock") {
            cli.landlock = false;
            continue;
        }
        if (i + 1 >= argc) {
            error = "missing value for " + arg;
            return false;
        }
        const char *value = argv[++i];
        long long n = 0;
        auto number = [&](long long lo, long long hi) {
            if (to_int64(value, lo, hi, n)) return true;
            error = "bad value for " + arg + ": " + value;
            return false;
        };
        if (arg == "--format") o.format = value;
        else if (arg == "--lang") o.lang = value;
        else if (arg == "--tessdata") o.tessdata = value;
        else if (arg == "--document-type") {
            if (!known_document_type(value)) {
                error = std::string("bad value for --document-type: ") + value;
                return false;
            }
            cli.document_type = value;
        }
        else if (arg == "--selftest-violate") cli.selftest_violate = value;
        else if (arg == "--selftest-arg") cli.selftest_arg = value;
        else if (arg == "--max-pages") { if (!number(1, 100000)) return false; o.max_pages = int(n); }
        else if (arg == "--max-ocr-pages") { if (!number(0, 100000)) return false; o.max_ocr_pages = int(n); }
        else if (arg == "--max-pixels") { if (!number(1, 1LL << 34)) return false; o.max_pixels = n; }
        else if (arg == "--dpi") { if (!number(20, 1200)) return false; o.dpi = int(n); }
        else if (arg == "--min-native-chars") { if (!number(0, 1 << 20)) return false; o.min_native_chars = int(n); }
        else if (arg == "--time-budget-ms") { if (!number(0, 1LL << 40)) return false; o.time_budget_ms = n; }
        else if (arg == "--max-text-mb") { if (!number(1, 4096)) return false; o.max_text_bytes = std::size_t(n) << 20; }
        else if (arg == "--max-input-mb") { if (!number(1, 4096)) return false; cli.max_input_bytes = std::size_t(n) << 20; }
        else if (arg == "--max-memory-mb") { if (!number(core::kMinHelperMemoryMb, 1 << 20)) return false; cli.limits.max_memory_mb = n; }
        else if (arg == "--timeout-cpu") { if (!number(1, 86400)) return false; cli.limits.cpu_seconds = int(n); }
        else if (arg == "--max-open-files") { if (!number(8, 4096)) return false; cli.limits.max_open_files = int(n); }
        else {
            error = "unknown option " + arg;
            return false;
        }
    }
    if (cli.refresh_fields && (cli.zygote || !o.format.empty())) {
        error = "--refresh-fields takes no --format or --zygote";
        return false;
    }
    if (o.format.empty() && !cli.zygote && !cli.refresh_fields) {
        error = "--format is required";
        return false;
    }
    return true;
}

}  // namespace docextract::helper
