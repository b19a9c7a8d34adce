// libFuzzer target: the helper's parsing path without OCR (header readers, pixel-bomb checks,
// leptonica decoders within a small pixel budget, poppler) and the UTF-8 sanitiser. The first
// byte picks the declared format.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/extract/extract.hpp"
#include "core/extract/ocr.hpp"
#include "core/extract/text.hpp"

namespace ex = docextract::extract;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    static const char *const formats[] = {"png", "jpg", "tiff", "bmp", "webp", "pdf"};
    std::string_view body(reinterpret_cast<const char *>(data) + 1, size - 1);

    // Sanitised text must always serialise as strict UTF-8 (dump throws otherwise).
    nlohmann::json(ex::sanitize_utf8(body)).dump();

    ex::Options opt;
    opt.format = formats[data[0] % 6];
    opt.max_ocr_pages = 0;       // never reaches tesseract
    opt.max_pixels = 1 << 20;    // keeps decoding cheap
    opt.max_pages = 4;
    ex::Ocr ocr(opt.lang, opt.tessdata);
    try {
        nlohmann::json out = ex::extract_document(body, opt, ocr);
        out.dump();
    } catch (const ex::ExtractError &) {
        // classified failures are the expected outcome for most inputs
    }
    return 0;
}
