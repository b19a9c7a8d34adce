// Images through leptonica: the header is read first and pixel bombs are refused before any
// decoding; then the format's own reader decodes (never an auto-detecting one), and tesseract
// reads the text. TIFF frames are read one at a time with a bounded loop.
#include <cmath>
#include <memory>

#include <leptonica/allheaders.h>

#include "core/extract/barcode.hpp"
#include "core/extract/context.hpp"
#include "core/extract/language.hpp"
#include "core/extract/pixconv.hpp"
#include "core/extract/tiff_read.hpp"
#include "core/purity.hpp"

namespace docextract::extract {
namespace {

bool is_tiff(int f) {
    return f == IFF_TIFF || f == IFF_TIFF_PACKBITS || f == IFF_TIFF_RLE || f == IFF_TIFF_G3 ||
           f == IFF_TIFF_G4 || f == IFF_TIFF_LZW || f == IFF_TIFF_ZIP || f == IFF_TIFF_JPEG;
}

// Whether leptonica's sniffed format is the declared one.
bool matches(const std::string &declared, int f) {
    if (declared == "jpg" || declared == "jpeg") return f == IFF_JFIF_JPEG;
    if (declared == "png") return f == IFF_PNG;
    if (declared == "tiff" || declared == "tif") return is_tiff(f);
    if (declared == "bmp") return f == IFF_BMP;
    if (declared == "webp") return f == IFF_WEBP;
    return false;
}

const char *mime_of(const std::string &declared) {
    if (declared == "jpg" || declared == "jpeg") return "image/jpeg";
    if (declared == "png") return "image/png";
    if (declared == "tiff" || declared == "tif") return "image/tiff";
    if (declared == "bmp") return "image/bmp";
    return "image/webp";
}

void check_pixels(std::int64_t w, std::int64_t h, const Context &ctx) {
    if (w <= 0 || h <= 0) throw ExtractError("corrupt", "the image header has no valid size");
    if (w * h > ctx.opt.max_pixels)
        throw ExtractError("too_many_pixels", "the image is " + std::to_string(w) + "x" +
                                                  std::to_string(h) + " pixels, more than the limit of " +
                                                  std::to_string(ctx.opt.max_pixels));
}

// A TIFF frame: leptonica first; libtiff directly where leptonica cannot decode the frame
// (16-bit gray+alpha) and for 16-bit alpha, which leptonica gets from libtiff premultiplied and
// would then blend as if it were not (darkened edges).
PixPtr decode_tiff(const l_uint8 *data, size_t size, int frame, int bps, int spp, const Context &ctx) {
    std::string why;
    if (!(bps == 16 && (spp == 2 || spp == 4)))
        if (PixPtr pix{pixReadMemTiff(data, size, frame)}) return pix;
    PixPtr pix = read_tiff_frame(data, size, frame, ctx.opt.max_pixels, &why);
    if (!pix && frame == 0) throw ExtractError("corrupt", "the TIFF could not be decoded: " + why);
    return pix;
}

PixPtr decode(const std::string &declared, const l_uint8 *data, size_t size) {
    if (declared == "jpg" || declared == "jpeg") {
        l_int32 warnings = 0;
        return PixPtr(pixReadMemJpeg(data, size, 0, 1, &warnings, 0));
    }
    if (declared == "png") return PixPtr(pixReadMemPng(data, size));
    if (declared == "bmp") return PixPtr(pixReadMemBmp(data, size));
    return PixPtr(pixReadMemWebP(data, size));  // TIFF: decode_tiff
}

// Leptonica reads only uncompressed BMP: say so instead of calling an RLE file corrupt.
void check_bmp_compression(std::string_view bytes) {
    if (bytes.size() < 34) return;  // too short: the header reader reports it
    const auto *b = reinterpret_cast<const unsigned char *>(bytes.data());
    const std::uint32_t compression = b[30] | (b[31] << 8) | (b[32] << 16) | (std::uint32_t(b[33]) << 24);
    if (compression == 1 || compression == 2)
        throw ExtractError("unsupported", "run-length encoded (RLE) BMP files are not supported; "
                                          "store the image as uncompressed BMP or as PNG");
}

// Resolution stored in the file when plausible, else 0: OCR estimates it from the text height.
int resolution_of(Pix *pix) {
    int res = pixGetXRes(pix);
    return res >= 70 && res <= 2400 ? res : 0;
}

double round2(double v) { return std::round(v * 100) / 100; }

// The OCR result of one page into its JSON object (docs/extract-json.md).
void put_ocr(nlohmann::json &page, Ocr::Page &r, int tag_dpi, Context &ctx) {
    page["text"] = r.text;
    page["ocr_confidence"] = round2(r.confidence);
    page["width"] = r.width;
    page["height"] = r.height;
    page["unit"] = "px";
    page["rotation"] = r.rotation;
    page["skew"] = round2(r.skew);
    page["resolution"] = {{"dpi", r.resolution},
                          {"source", tag_dpi > 0 ? "tag" : r.resolution_estimated ? "estimated" : "assumed"}};
    page["language"] = to_json(r.language);
    page["ocr_language"] = r.ocr_language;
    put_words(page, r.words, r.lines, ctx);
    if (!r.mrz_text.empty())
        page["mrz_ocr"] = {{"text", r.mrz_text},
                           {"box", {r.mrz_box[0], r.mrz_box[1], r.mrz_box[2], r.mrz_box[3]}}};
    if (r.words.empty()) {
        page["empty"] = true;
        ctx.warn("page " + std::to_string(page.value("page", 0)) + ": OCR found no text");
    }
}

}  // namespace

Extracted extract_image(std::string_view bytes, Context &ctx) {
    const auto *data = reinterpret_cast<const l_uint8 *>(bytes.data());
    const std::string &declared = ctx.opt.format;
    auto t0 = Clock::now();
    l_int32 format = 0, w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
    if (declared == "bmp") check_bmp_compression(bytes);
    if (pixReadHeaderMem(data, bytes.size(), &format, &w, &h, &bps, &spp, &cmap) != 0)
        throw ExtractError("corrupt", "the image header could not be read");
    if (!matches(declared, format))
        throw ExtractError("corrupt", "the bytes are not a " + declared + " image");
    check_pixels(w, h, ctx);

    Extracted ex;
    ex.metadata = {{"content_type", mime_of(declared)}, {"width", w}, {"height", h},
                   {"bits_per_pixel", bps * spp}};
    const bool tiff = is_tiff(format);
    int frames = 0, ocr_done = 0, with_text = 0;
    for (int frame = 0; frame < ctx.opt.max_pages; ++frame) {
        l_int32 fbps = bps, fspp = spp;
        if (tiff && frame > 0) {
            // Next frame's header; failure means there is none (or a broken IFD chain).
            l_int32 fw = 0, fh = 0, res = 0, fcmap = 0, fformat = 0;
            if (readHeaderMemTiff(data, bytes.size(), frame, &fw, &fh, &fbps, &fspp, &res, &fcmap,
                                  &fformat) != 0)
                break;
            check_pixels(fw, fh, ctx);
        }
        PixPtr pix = tiff ? decode_tiff(data, bytes.size(), frame, fbps, fspp, ctx)
                          : decode(declared, data, bytes.size());
        if (!pix) {
            if (frame == 0) throw ExtractError("corrupt", "the image could not be decoded");
            ctx.warn("TIFF frame " + std::to_string(frame + 1) + " could not be decoded");
            break;
        }
        check_pixels(pixGetWidth(pix.get()), pixGetHeight(pix.get()), ctx);
        ++frames;
        const int dpi = resolution_of(pix.get());
        if (frame == 0) {
            if (pixGetXRes(pix.get()) > 0) ex.metadata["dpi"] = pixGetXRes(pix.get());
            else ex.metadata["dpi"] = nullptr;
        }
        nlohmann::json page = {{"page", frame + 1}, {"method", "ocr"}, {"text", ""},
                               {"ocr_confidence", nullptr}, {"width", pixGetWidth(pix.get())},
                               {"height", pixGetHeight(pix.get())}};
        ctx.parse_ms += ms_since(t0);
        // Barcodes are read from the image as stored: their boxes are in the file's pixels.
        if (PixPtr gray = to_gray8(pix.get())) ctx.barcode_ms += put_barcodes(page, gray.get(), 1.0, ctx);
        if (ctx.may_ocr()) {
            t0 = Clock::now();
            auto result = ctx.ocr.recognize(pix.get(), dpi, ctx.remaining_ms());
            pix.reset();
            ctx.ocr_ms += ms_since(t0);
            ++ctx.ocr_pages;
            if (result.deadline_hit) ctx.limit("time_budget");
            put_ocr(page, result, dpi, ctx);
            ++ocr_done;
            if (!result.words.empty()) ++with_text;
        }
        t0 = Clock::now();
        ex.pages.push_back(std::move(page));
        ctx.page_done(frames, tiff ? 0 : 1);  // a TIFF's frame count is known only at the end
        if (!tiff) break;
        if (frame + 1 == ctx.opt.max_pages) {
            l_int32 a, b, c, d, e, f, g;
            if (readHeaderMemTiff(data, bytes.size(), frame + 1, &a, &b, &c, &d, &e, &f, &g) == 0) {
                if (ctx.opt.fail_on_page_limit)
                    throw ExtractError("too_many_pages", "the TIFF has more frames than the limit");
                ctx.limit("max_pages");
            }
        }
    }
    ctx.parse_ms += ms_since(t0);
    ex.metadata["frames"] = frames;
    ex.metadata["pages"] = frames;
    // The document as a whole: its language, and whether OCR found nothing on any page.
    ex.metadata["language"] = to_json(document_language(ex.pages));
    ex.metadata["empty"] = ocr_done > 0 && with_text == 0;
    if (ocr_done > 0 && with_text == 0)
        ctx.warn(ocr_done == 1 ? "the image contains no text that OCR could read"
                               : "no page of the image contains text that OCR could read");
    return ex;
}

}  // namespace docextract::extract
