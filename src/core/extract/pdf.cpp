// PDF through poppler-cpp, from memory: metadata and attachments, native words and text per page,
// and OCR of the pages where it can add something — the scanned-PDF case — at the resolution of the
// page's own image.
#include <algorithm>
#include <climits>
#include <cmath>
#include <ctime>
#include <memory>
#include <optional>
#include <vector>

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include "core/extract/barcode.hpp"
#include "core/extract/context.hpp"
#include "core/extract/language.hpp"
#include "core/extract/pdf_embedded.hpp"
#include "core/extract/pdf_layout.hpp"
#include "core/extract/pdf_metadata.hpp"
#include "core/extract/pdf_raw.hpp"
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

// Scanned pages render at their image's own resolution, within these bounds: below 150 dpi
// tesseract reads poorly, above 400 dpi it only gets slower.
constexpr double kMinImageDpi = 150, kMaxImageDpi = 400;

// What one page's images say: whether one of them spans the page (its aspect ratio is the page's,
// either way round, within 10 %) and, if so, its effective resolution. The drawn size is not known
// without the content stream; an image that spans the page is taken as drawn over the page, which
// is how scanners and img2pdf place it, so pixels / (page size in points / 72) is its resolution.
struct PageImages {
    bool covering = false;
    double dpi = 0;  // of the finest covering image
};

PageImages judge_images(const std::vector<RawImage> &images, double w_pt, double h_pt) {
    PageImages r;
    if (!(w_pt > 0) || !(h_pt > 0)) return r;
    const double page_aspect = w_pt / h_pt;
    for (const RawImage &img : images) {
        const double aspect = static_cast<double>(img.width) / static_cast<double>(img.height);
        double dpi = 0;
        if (std::fabs(aspect / page_aspect - 1) <= 0.10)
            dpi = std::max(img.width / (w_pt / 72), img.height / (h_pt / 72));
        else if (std::fabs(aspect * page_aspect - 1) <= 0.10)  // drawn turned by a quarter
            dpi = std::max(img.width / (h_pt / 72), img.height / (w_pt / 72));
        // A thumbnail-sized image with the page's shape is no scan.
        if (dpi < 40) continue;
        r.covering = true;
        r.dpi = std::max(r.dpi, dpi);
    }
    return r;
}

// The images of every page, from the page tree when the raw reader can walk it; otherwise a
// fallback over all the file's images: as many images as pages means one per page in file order
// (scanners, img2pdf), else every page gets them all (coverage is then an over-estimate).
class ImageIndex {
public:
    ImageIndex(std::string_view bytes, int pages, int total) : raw_(bytes), pages_(pages), total_(total) {}
    const RawPdf &raw() const { return raw_; }
    const std::vector<RawImage> &of_page(int i) {
        load();
        if (per_page_) return (*per_page_)[static_cast<std::size_t>(i)];
        if (all_.size() == static_cast<std::size_t>(total_)) {
            one_.assign(1, all_[static_cast<std::size_t>(i)]);
            return one_;
        }
        return all_;
    }
    bool from_page_tree() {
        load();
        return per_page_.has_value();
    }

private:
    void load() {
        if (loaded_) return;
        loaded_ = true;
        per_page_ = raw_.page_images(pages_, total_);
        if (!per_page_) all_ = raw_.all_images();
    }
    RawPdf raw_;
    int pages_, total_;
    bool loaded_ = false;
    std::optional<std::vector<std::vector<RawImage>>> per_page_;
    std::vector<RawImage> all_, one_;
};

// Whether a tiny render of the page shows anything at all (text drawn as outlines, vector
// figures): a page without text layer and without images is OCR'd only if it does.
bool has_ink(const poppler::page &page, double w_pt, double h_pt, Context &ctx) {
    constexpr double kDpi = 12;
    if ((w_pt / 72 * kDpi) * (h_pt / 72 * kDpi) > 4e6) return true;  // huge page: do not guess
    auto t0 = Clock::now();
    poppler::page_renderer renderer;
    renderer.set_image_format(poppler::image::format_gray8);
    poppler::image img = renderer.render_page(&page, kDpi, kDpi);
    ctx.render_ms += ms_since(t0);
    if (!img.is_valid()) return true;
    const auto *data = reinterpret_cast<const unsigned char *>(img.const_data());
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x)
            if (data[static_cast<std::size_t>(y) * img.bytes_per_row() + x] < 224) return true;
    return false;
}

// Renders the page in gray at dpi, lowered so that the bitmap stays within max_pixels, and OCRs
// it. Returns false (with a warning) when the page cannot be rendered usefully.
bool ocr_page(const poppler::page &page, double width_pt, double height_pt, double dpi, Context &ctx,
              nlohmann::json &out) {
    const double area_in2 = (width_pt / 72.0) * (height_pt / 72.0);
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
    // The OCR render serves the barcode scan too.
    ctx.barcode_ms += put_barcodes(out, reinterpret_cast<const unsigned char *>(img.const_data()),
                                   img.width(), img.height(), img.bytes_per_row(), 72.0 / dpi, ctx);
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
    // OCR words in points of the page as displayed, like native ones: the boxes of a page that
    // OCR turned (a quarter turn found by OSD, a small skew) are turned back onto the render.
    const double f = 72.0 / dpi;
    if (!result.words.empty()) {
        unturn_words(result.words, result.rotation, result.skew, img.width(), img.height());
        scale_words(result.words, f);
        put_words(out, result.words, result.lines, ctx);
        out["words_source"] = "ocr";
    }
    if (result.rotation != 0) out["ocr_rotation"] = result.rotation;
    if (result.skew != 0) out["ocr_skew"] = std::round(result.skew * 100) / 100;
    if (!result.mrz_text.empty()) {
        double b[4] = {static_cast<double>(result.mrz_box[0]), static_cast<double>(result.mrz_box[1]),
                       static_cast<double>(result.mrz_box[2]), static_cast<double>(result.mrz_box[3])};
        unturn_box(b, result.rotation, result.skew, img.width(), img.height());
        out["mrz_ocr"] = {{"text", result.mrz_text},
                          {"box", {std::round(b[0] * f * 10) / 10, std::round(b[1] * f * 10) / 10,
                                   std::round(b[2] * f * 10) / 10, std::round(b[3] * f * 10) / 10}}};
    }
    return true;
}

// Whether the page shows ink outside its words (an image, a drawing, a barcode drawn as vector
// rectangles), judged on a 12 dpi render: only such pages pay for the barcode scan's render.
bool has_ink_outside_words(const poppler::page &page, const std::vector<Word> &words,
                           double w_pt, double h_pt, Context &ctx) {
    constexpr double kDpi = 12, kScale = kDpi / 72;
    constexpr int kMinInk = 12;  // a 2 cm code is about 90 pixels here, half of them dark
    if ((w_pt * kScale) * (h_pt * kScale) > 4e6) return true;
    auto t0 = Clock::now();
    poppler::page_renderer renderer;
    renderer.set_image_format(poppler::image::format_gray8);
    poppler::image img = renderer.render_page(&page, kDpi, kDpi);
    ctx.render_ms += ms_since(t0);
    if (!img.is_valid() || img.width() <= 0 || img.height() <= 0) return true;
    const int w = img.width(), h = img.height();
    std::vector<unsigned char> text(static_cast<std::size_t>(w) * h, 0);
    for (const Word &word : words) {  // each word's box, one pixel wider all round
        const int x0 = std::max(0, static_cast<int>(word.x0 * kScale) - 1);
        const int y0 = std::max(0, static_cast<int>(word.y0 * kScale) - 1);
        const int x1 = std::min(w - 1, static_cast<int>(word.x1 * kScale) + 1);
        const int y1 = std::min(h - 1, static_cast<int>(word.y1 * kScale) + 1);
        for (int y = y0; y <= y1; ++y)
            for (int x = x0; x <= x1; ++x) text[static_cast<std::size_t>(y) * w + x] = 1;
    }
    const auto *data = reinterpret_cast<const unsigned char *>(img.const_data());
    int ink = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            if (!text[static_cast<std::size_t>(y) * w + x] &&
                data[static_cast<std::size_t>(y) * img.bytes_per_row() + x] < 160 && ++ink >= kMinInk)
                return true;
    return false;
}

// Renders the page at 150 dpi (or less, within max_pixels) for the barcode scan alone.
void scan_page_barcodes(const poppler::page &page, double w_pt, double h_pt, Context &ctx,
                        nlohmann::json &out) {
    const double area_in2 = (w_pt / 72.0) * (h_pt / 72.0);
    double dpi = 150;
    if (area_in2 * dpi * dpi > static_cast<double>(ctx.opt.max_pixels))
        dpi = std::floor(std::sqrt(static_cast<double>(ctx.opt.max_pixels) / area_in2));
    if (!(area_in2 > 0) || dpi < 20) return;
    auto t0 = Clock::now();
    poppler::page_renderer renderer;
    renderer.set_image_format(poppler::image::format_gray8);
    renderer.set_render_hints(poppler::page_renderer::antialiasing);
    poppler::image img = renderer.render_page(&page, dpi, dpi);
    ctx.render_ms += ms_since(t0);
    if (!img.is_valid() || img.width() <= 0 || img.height() <= 0) {
        ctx.warn("page " + std::to_string(out["page"].get<int>()) +
                 " could not be rendered for the barcode scan");
        return;
    }
    ctx.barcode_ms += put_barcodes(out, reinterpret_cast<const unsigned char *>(img.const_data()),
                                   img.width(), img.height(), img.bytes_per_row(), 72.0 / dpi, ctx);
}

int rotation_degrees(poppler::page::orientation_enum o) {
    switch (o) {
    case poppler::page::landscape: return 90;
    case poppler::page::upside_down: return 180;
    case poppler::page::seascape: return 270;
    default: return 0;
    }
}

NativeLayout native_words(const poppler::page &page) {
    std::vector<NativeBox> boxes;
    std::vector<poppler::text_box> list = page.text_list();
    boxes.reserve(list.size());
    for (const poppler::text_box &tb : list) {
        NativeBox b;
        auto bytes = tb.text().to_utf8();
        b.text = sanitize_utf8(std::string_view(bytes.data(), bytes.size()));
        const poppler::rectf r = tb.bbox();
        b.x0 = r.left();
        b.y0 = r.top();
        b.x1 = r.right();
        b.y1 = r.bottom();
        b.space_after = tb.has_space_after();
        b.rotation = tb.rotation();
        boxes.push_back(std::move(b));
    }
    return layout_native(boxes);
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
    const int count = std::min(total, ctx.opt.max_pages);
    ImageIndex images(bytes, count, total);
    Extracted ex;
    ex.metadata = pdf_metadata(*doc, total, images.raw());
    Embedded embedded = pdf_embedded_files(bytes, *doc, ctx);
    if (!embedded.attachments.empty()) ex.metadata["attachments"] = std::move(embedded.attachments);
    if (!embedded.invoice_xml.is_null()) ex.metadata["invoice_xml"] = std::move(embedded.invoice_xml);
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
        out["rotation"] = rotation_degrees(page->orientation());
        out["unit"] = "pt";
        // One text pass: the words in poppler's reading order, grouped into lines, make the text.
        NativeLayout layout = native_words(*page);
        std::string text = std::move(layout.text);
        trim_right(text);
        out["text"] = text;
        put_words(out, layout.words, layout.lines, ctx);
        ctx.parse_ms += ms_since(t0);

        // Native text first: OCR only where it can add something.
        const std::size_t chars = visible_chars(text);
        const char *reason = nullptr;
        PageImages pi;
        if (chars < static_cast<std::size_t>(ctx.opt.min_native_chars)) {
            pi = judge_images(images.of_page(i), box.width(), box.height());
            if (chars == 0 && (pi.covering || !images.of_page(i).empty() ||
                               has_ink(*page, box.width(), box.height(), ctx)))
                reason = "no_text";
            else if (chars > 0 && pi.covering)
                reason = "image_covered";
        }
        if (reason != nullptr && ctx.may_ocr()) {
            const bool from_image = pi.dpi > 0;
            const double dpi = from_image ? std::clamp(std::round(pi.dpi), kMinImageDpi, kMaxImageDpi)
                                          : static_cast<double>(ctx.opt.dpi);
            nlohmann::json native = out;
            if (ocr_page(*page, box.width(), box.height(), dpi, ctx, out)) {
                out["ocr_reason"] = reason;
                out["resolution_source"] = from_image ? "image" : "default";
                if (from_image) out["image_dpi"] = std::round(pi.dpi);
                // The OCR text replaces a nearly empty text layer; the native words stay (they are
                // exact where they exist). An OCR that finds less than the layer keeps the layer's text.
                if (visible_chars(out["text"].get_ref<const std::string &>()) < chars) {
                    out["ocr_text"] = out["text"];
                    out["text"] = native["text"];
                    out["method"] = "native";
                }
            }
        }
        // Barcodes: pages that were not rendered for OCR are rendered for the scan only when
        // they show something besides their words.
        if (!out.contains("barcodes") && ctx.remaining_ms() >= 0 &&
            (!images.of_page(i).empty() ||
             has_ink_outside_words(*page, layout.words, box.width(), box.height(), ctx)))
            scan_page_barcodes(*page, box.width(), box.height(), ctx, out);
        t0 = Clock::now();
        // The language of the text kept, native or OCR, from a sample (CLD2): the search index
        // picks its text-search configuration from it.
        out["language"] =
            to_json(detect_language(out["text"].get_ref<const std::string &>(), kPageLanguageSample));
        ex.pages.push_back(std::move(out));
        ctx.page_done(i + 1, count);
    }
    ex.metadata["language"] = to_json(vote_language(ex.pages));
    ctx.parse_ms += ms_since(t0);
    return ex;
}

}  // namespace docextract::extract
