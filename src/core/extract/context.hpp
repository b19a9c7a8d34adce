// State shared by the format extractors during one document: options, OCR engine, warnings,
// limits hit and stage timings.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/extract/extract.hpp"
#include "core/extract/ocr.hpp"
#include "core/extract/words.hpp"

namespace docextract::extract {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Context {
    Context(const Options &o, Ocr &e) : opt(o), ocr(e) {}
    const Options &opt;
    Ocr &ocr;
    nlohmann::json warnings = nlohmann::json::array();
    nlohmann::json limits_hit = nlohmann::json::array();
    Clock::time_point start = Clock::now();
    double parse_ms = 0, render_ms = 0, ocr_ms = 0, barcode_ms = 0;
    int ocr_pages = 0;
    std::size_t words_left = kMaxWords;  // the document's word budget (words.hpp)

    // Warnings are capped so a hostile file cannot flood the output; a repeated one (poppler
    // reports a damaged file again when its attachments are read) is kept once.
    void warn(const std::string &w) {
        if (warnings.size() >= 50) return;
        for (const auto &seen : warnings)
            if (seen == w) return;
        warnings.push_back(w);
    }
    void limit(const char *name) {
        for (const auto &l : limits_hit)
            if (l == name) return;
        limits_hit.push_back(name);
    }
    // One line per finished page, for the caller's progress display (total 0: not known yet).
    void page_done(int done, int total) const {
        if (opt.report_progress) std::fprintf(stderr, "progress %d %d\n", done, total);
    }
    // Milliseconds left of the time budget; 0 means no budget, negative means spent.
    long remaining_ms() const {
        if (opt.time_budget_ms <= 0) return 0;
        long left = static_cast<long>(opt.time_budget_ms - ms_since(start));
        return left == 0 ? -1 : left;
    }
    // Whether one more page may be OCR'd; records the limit that says no.
    bool may_ocr() {
        if (ocr_pages >= opt.max_ocr_pages) {
            limit("max_ocr_pages");
            return false;
        }
        if (remaining_ms() < 0) {
            limit("time_budget");
            return false;
        }
        return true;
    }
};

struct Extracted {
    nlohmann::json metadata = nlohmann::json::object();
    nlohmann::json pages = nlohmann::json::array();
};

Extracted extract_pdf(std::string_view bytes, Context &ctx);
Extracted extract_image(std::string_view bytes, Context &ctx);

}  // namespace docextract::extract
