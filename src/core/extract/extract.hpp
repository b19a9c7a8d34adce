// Turns one document (already in memory) into the helper's JSON result. Runs only inside the
// sandboxed helper process: it parses untrusted bytes with poppler, leptonica and tesseract.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace docextract::extract {

inline constexpr const char *kSchema = "docextract-extract/2";

struct Options {
    std::string format;                       // pdf, jpg, jpeg, png, tiff, tif, bmp, webp
    std::string lang = "eng";                 // tesseract language(s), e.g. "eng+deu"
    std::string tessdata;                     // empty: tesseract's built-in default
    int max_pages = 500;                      // pages (or TIFF frames) extracted
    int max_ocr_pages = 50;                   // pages OCR'd
    std::int64_t max_pixels = 40'000'000;     // per decoded image / rendered page
    int dpi = 300;                            // PDF render resolution, clamped by max_pixels
    int min_native_chars = 50;                // fewer non-space chars on a PDF page: OCR it
    bool fail_on_page_limit = false;          // too_many_pages instead of a truncated result
    bool report_progress = false;             // "progress DONE TOTAL" lines on stderr
    std::int64_t time_budget_ms = 0;          // 0: none; else OCR stops once it is spent
    std::size_t max_text_bytes = 16u << 20;   // whole-document text cap
};

// A failure with a stable machine-readable code (see docs/extract-json.md).
class ExtractError : public std::runtime_error {
public:
    ExtractError(std::string code, const std::string &message)
        : std::runtime_error(message), code_(std::move(code)) {}
    const std::string &code() const { return code_; }

private:
    std::string code_;
};

class Ocr;

// true for the formats this library knows.
bool supported_format(const std::string &format);

// Whether the format always needs OCR (images) — the helper then initialises tesseract before
// it locks itself down.
bool is_image_format(const std::string &format);

// Extracts; throws ExtractError on a document-level failure.
nlohmann::json extract_document(std::string_view bytes, const Options &options, Ocr &ocr);

}  // namespace docextract::extract
