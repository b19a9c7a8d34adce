// PDF through poppler-cpp, from memory: metadata, native text per page, and OCR of the pages that
// carry (almost) no text — the scanned-PDF case.
#include <climits>
#include <cmath>
#include <ctime>
#include <memory>

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include "core/extract/context.hpp"
#include "core/extract/text.hpp"
#include "core/purity.hpp"

namespace docextract::extract {
namespace {

void collect_poppler_error(const std::string &message, void *closure) {
    static_cast<Context *>(closure)->warn("poppler: " + sanitize_utf8(message));
}

// Routes poppler's error messages into the warnings for the lifetime of one extraction.
struct PopplerErrorsTo {
    explicit PopplerErrorsTo(Context &ctx) { poppler::set_debug_error_function(collect_poppler_error, &ctx); }
    ~PopplerErrorsTo() {
        poppler::set_debug_error_function([](const std::string &, void *) {}, nullptr);
    }
};

std::string utf8(const poppler::ustring &s) {
    auto bytes = s.to_utf8();
    return sanitize_utf8(std::string_view(bytes.data(), bytes.size()));
}

void put_string(nlohmann::json &meta, const char *key, const poppler::ustring &value) {
    std::string v = utf8(value);
    if (!v.empty()) meta[key] = v;
}

void put_date(nlohmann::json &meta, const char *key, time_t t) {
    if (t <= 0) return;  // poppler returns (time_t)-1 when the date is absent or unparsable
    std::tm tm{};
    if (!gmtime_r(&t, &tm)) return;
    char buf[32];
    if (strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm)) meta[key] = buf;
}

nlohmann::json pdf_metadata(const poppler::document &doc, int pages) {
    nlohmann::json meta = nlohmann::json::object();
    meta["content_type"] = "application/pdf";
    meta["pages"] = pages;
    put_string(meta, "title", doc.get_title());
    put_string(meta, "author", doc.get_author());
    put_string(meta, "subject", doc.get_subject());
    put_string(meta, "keywords", doc.get_keywords());
    put_string(meta, "creator", doc.get_creator());
    put_string(meta, "producer", doc.get_producer());
    put_date(meta, "created", doc.get_creation_date_t());
    put_date(meta, "modified", doc.get_modification_date_t());
    int major = 0, minor = 0;
    doc.get_pdf_version(&major, &minor);
    meta["pdf_version"] = std::to_string(major) + "." + std::to_string(minor);
    meta["encrypted"] = doc.is_encrypted();
    meta["linearized"] = doc.is_linearized();
    meta["has_embedded_files"] = doc.has_embedded_files();
    return meta;
}

// Renders the page in gray at up to opt.dpi, lowered so that the bitmap stays within max_pixels,
// and OCRs it. Returns false (with a warning) when the page cannot be rendered usefully.
bool ocr_page(const poppler::page &page, double width_pt, double height_pt, Context &ctx,
              nlohmann::json &out) {
    const double area_in2 = (width_pt / 72.0) * (height_pt / 72.0);
    double dpi = ctx.opt.dpi;
    if (area_in2 > 0 && area_in2 * dpi * dpi > static_cast<double>(ctx.opt.max_pixels)) {
        dpi = std::floor(std::sqrt(static_cast<double>(ctx.opt.max_pixels) / area_in2));
        ctx.limit("max_pixels");
    }
    if (!(area_in2 > 0) || dpi < 20) {
        ctx.warn("page " + std::to_string(out["page"].get<int>()) + " is too large to render for OCR");
        return false;
    }
    auto t0 = Clock::now();
    poppler::page_renderer renderer;
    renderer.set_image_format(poppler::image::format_gray8);
    renderer.set_render_hints(poppler::page_renderer::antialiasing |
                              poppler::page_renderer::text_antialiasing);
    poppler::image img = renderer.render_page(&page, dpi, dpi);
    ctx.render_ms += ms_since(t0);
    if (!img.is_valid() || img.width() <= 0 || img.height() <= 0) {
        ctx.warn("page " + std::to_string(out["page"].get<int>()) + " could not be rendered");
        return false;
    }
    t0 = Clock::now();
    auto result = ctx.ocr.recognize_gray(reinterpret_cast<const unsigned char *>(img.const_data()),
                                         img.width(), img.height(), img.bytes_per_row(),
                                         static_cast<int>(dpi), ctx.remaining_ms());
    ctx.ocr_ms += ms_since(t0);
    ++ctx.ocr_pages;
    if (result.deadline_hit) ctx.limit("time_budget");
    out["text"] = result.text;
    out["method"] = "ocr";
    out["ocr_confidence"] = std::round(result.confidence * 100) / 100;
    out["ocr_dpi"] = static_cast<int>(dpi);
    return true;
}

}  // namespace

Extracted extract_pdf(std::string_view bytes, Context &ctx) {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX))
        throw ExtractError("limits", "PDF larger than 2 GiB");
    PopplerErrorsTo route(ctx);
    auto t0 = Clock::now();
    // load_from_raw_data does not copy: bytes outlive doc.
    std::unique_ptr<poppler::document> doc(
        poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
    if (!doc) throw ExtractError("corrupt", "the PDF could not be parsed");
    if (doc->is_locked()) throw ExtractError("encrypted", "the PDF is password-protected");
    const int total = doc->pages();
    if (total <= 0) throw ExtractError("corrupt", "the PDF has no readable pages");
    if (total > ctx.opt.max_pages) {
        if (ctx.opt.fail_on_page_limit)
            throw ExtractError("too_many_pages", "the PDF has " + std::to_string(total) +
                                                     " pages, more than the limit of " +
                                                     std::to_string(ctx.opt.max_pages));
        ctx.limit("max_pages");
    }
    Extracted ex;
    ex.metadata = pdf_metadata(*doc, total);
    const int count = std::min(total, ctx.opt.max_pages);
    for (int i = 0; i < count; ++i) {
        nlohmann::json out = {{"page", i + 1}, {"method", "native"}, {"ocr_confidence", nullptr}};
        std::unique_ptr<poppler::page> page(doc->create_page(i));
        if (!page) {
            ctx.warn("page " + std::to_string(i + 1) + " could not be read");
            out["text"] = "";
            ex.pages.push_back(std::move(out));
            continue;
        }
        poppler::rectf box = page->page_rect(poppler::media_box);
        out["width"] = std::round(box.width() * 100) / 100;
        out["height"] = std::round(box.height() * 100) / 100;
        // Reading order, as pdftotext without -layout or -raw.
        auto raw = page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout).to_utf8();
        std::string text = sanitize_utf8(std::string_view(raw.data(), raw.size()));
        trim_right(text);
        out["text"] = text;
        ctx.parse_ms += ms_since(t0);
        if (visible_chars(text) < static_cast<std::size_t>(ctx.opt.min_native_chars) && ctx.may_ocr()) {
            nlohmann::json native_text = out["text"];
            // Keep the native text when OCR finds less (e.g. a short page that really is short).
            if (ocr_page(*page, box.width(), box.height(), ctx, out) &&
                visible_chars(out["text"].get_ref<const std::string &>()) <= visible_chars(text)) {
                out["text"] = native_text;
                out["method"] = "native";
                out["ocr_confidence"] = nullptr;
                out.erase("ocr_dpi");
            }
        }
        t0 = Clock::now();
        ex.pages.push_back(std::move(out));
        ctx.page_done(i + 1, count);
    }
    ctx.parse_ms += ms_since(t0);
    return ex;
}

}  // namespace docextract::extract
