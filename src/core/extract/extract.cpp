// Dispatch by the declared (already validated) format and assembly of the result object.
#include "core/extract/extract.hpp"

#include <cmath>

#include "core/extract/context.hpp"
#include "core/purity.hpp"

namespace docextract::extract {

bool is_image_format(const std::string &f) {
    return f == "jpg" || f == "jpeg" || f == "png" || f == "tiff" || f == "tif" || f == "bmp" ||
           f == "webp";
}

bool supported_format(const std::string &f) { return f == "pdf" || is_image_format(f); }

nlohmann::json extract_document(std::string_view bytes, const Options &options, Ocr &ocr) {
    if (!supported_format(options.format))
        throw ExtractError("unsupported", "unsupported format '" + options.format + "'");
    if (bytes.empty()) throw ExtractError("corrupt", "the document is empty");
    Context ctx(options, ocr);
    // The declared format picks the parser: poppler also opens PDFs appended to images.
    Extracted ex = options.format == "pdf" ? extract_pdf(bytes, ctx) : extract_image(bytes, ctx);

    std::string text;
    for (auto &page : ex.pages) {
        const auto &t = page["text"].get_ref<const std::string &>();
        if (!text.empty()) text += '\f';
        if (text.size() + t.size() > options.max_text_bytes) {
            ctx.limit("max_text_bytes");
            break;
        }
        text += t;
    }
    auto round_ms = [](double ms) { return std::round(ms * 10) / 10; };
    nlohmann::json out;
    out["schema"] = kSchema;
    out["format"] = options.format;
    out["metadata"] = std::move(ex.metadata);
    out["pages"] = std::move(ex.pages);
    out["text"] = std::move(text);
    out["warnings"] = std::move(ctx.warnings);
    out["limits_hit"] = std::move(ctx.limits_hit);
    out["timings_ms"] = {{"parse", round_ms(ctx.parse_ms)},
                         {"render", round_ms(ctx.render_ms)},
                         {"ocr", round_ms(ctx.ocr_ms)},
                         {"barcodes", round_ms(ctx.barcode_ms)},
                         {"ocr_pages", ctx.ocr_pages}};
    return out;
}

}  // namespace docextract::extract
