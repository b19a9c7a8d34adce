#include "core/extract/barcode.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <new>
#include <string_view>

#define ZX_USE_UTF8 1
#include <ZXing/BarcodeFormat.h>
#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/ReadBarcode.h>
#include <ZXing/Result.h>

#include <leptonica/allheaders.h>

#include "core/extract/context.hpp"
#include "core/purity.hpp"

namespace docextract::extract {
namespace {

const char *format_name(ZXing::BarcodeFormat f) {
    using F = ZXing::BarcodeFormat;
    switch (f) {
    case F::QRCode: return "QRCode";
    case F::PDF417: return "PDF417";
    case F::DataMatrix: return "DataMatrix";
    case F::Aztec: return "Aztec";
    case F::EAN13: return "EAN-13";
    case F::EAN8: return "EAN-8";
    case F::UPCA: return "UPC-A";
    case F::UPCE: return "UPC-E";
    case F::Code128: return "Code128";
    case F::Code39: return "Code39";
    default: return "other";  // not asked for; listed for completeness
    }
}

const char *content_name(ZXing::ContentType t) {
    using T = ZXing::ContentType;
    switch (t) {
    case T::Text: return "text";
    case T::Binary: return "binary";
    case T::Mixed: return "mixed";
    case T::GS1: return "gs1";
    case T::ISO15434: return "iso15434";
    case T::UnknownECI: return "unknown_eci";
    }
    return "binary";
}

// Strict UTF-8 (no overlong forms, surrogates or code points above U+10FFFF) without NUL, which
// PostgreSQL's jsonb cannot store. Other controls are fine: JSON escapes them.
bool is_storable_utf8(std::string_view s) {
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    const std::size_t n = s.size();
    for (std::size_t i = 0; i < n;) {
        const unsigned c = p[i];
        if (c == 0) return false;
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        unsigned cp, min;
        if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
        else return false;
        if (i + len > n) return false;
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

// The longest prefix of at most `max` bytes that does not split a UTF-8 sequence.
std::size_t utf8_prefix(std::string_view s, std::size_t max) {
    if (s.size() <= max) return s.size();
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return end;
}

std::string base64(const unsigned char *data, std::size_t n) {
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((n + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < n; i += 3) {
        const unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        out += tbl[v >> 18];
        out += tbl[(v >> 12) & 63];
        out += tbl[(v >> 6) & 63];
        out += tbl[v & 63];
    }
    if (i < n) {
        unsigned v = data[i] << 16;
        if (i + 1 < n) v |= data[i + 1] << 8;
        out += tbl[v >> 18];
        out += tbl[(v >> 12) & 63];
        out += i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

double round1(double v) { return std::round(v * 10) / 10; }

// Fills the payload fields: "text" when zxing's UTF-8 rendering (ECI / guessed character set) is
// text, or when the raw bytes are storable UTF-8 (e.g. AAMVA PDF417, whose record separators make
// zxing call it binary); "bytes_base64" of the raw bytes otherwise.
void put_payload(nlohmann::json &b, const ZXing::Result &r, std::size_t cap) {
    const ZXing::ByteArray &raw = r.bytes();
    const std::string_view raw_view(reinterpret_cast<const char *>(raw.data()), raw.size());
    const ZXing::ContentType type = r.contentType();
    b["content"] = content_name(type);
    std::string text;
    bool is_text = false;
    if (type == ZXing::ContentType::Text || type == ZXing::ContentType::GS1 ||
        type == ZXing::ContentType::ISO15434) {
        text = r.text();
        is_text = is_storable_utf8(text);
    }
    if (!is_text && is_storable_utf8(raw_view)) {
        text.assign(raw_view);
        is_text = true;
    }
    if (is_text) {
        const std::size_t keep = utf8_prefix(text, cap);
        if (keep < text.size()) {
            text.resize(keep);
            b["truncated"] = true;
        }
        b["text"] = std::move(text);
    } else {
        const std::size_t keep = std::min(raw.size(), cap);
        if (keep < raw.size()) b["truncated"] = true;
        b["bytes_base64"] = base64(raw.data(), keep);
    }
}

nlohmann::json describe(const ZXing::Result &r, double scale, std::size_t cap) {
    nlohmann::json b = nlohmann::json::object();
    b["format"] = format_name(r.format());
    put_payload(b, r, cap);
    const auto &pos = r.position();
    int x0 = pos[0].x, y0 = pos[0].y, x1 = x0, y1 = y0;
    for (const auto &pt : pos) {
        x0 = std::min(x0, pt.x), y0 = std::min(y0, pt.y);
        x1 = std::max(x1, pt.x), y1 = std::max(y1, pt.y);
    }
    // zxing's corners are pixel indices: the box covers the last pixel too.
    b["box"] = {round1(x0 * scale), round1(y0 * scale), round1((x1 + 1) * scale),
                round1((y1 + 1) * scale)};
    b["orientation"] = r.orientation();
    const std::string ec = r.ecLevel();
    if (!ec.empty() && is_storable_utf8(ec) && ec.size() < 16) b["ec_level"] = ec;
    const std::string si = r.symbologyIdentifier();
    if (!si.empty() && is_storable_utf8(si) && si.size() < 8) b["symbology_identifier"] = si;
    return b;
}

// Averages the buffer down by `f` in both directions.
std::vector<unsigned char> shrink(const unsigned char *gray, int width, int height, int stride,
                                  int f, int &out_w, int &out_h) {
    out_w = width / f;
    out_h = height / f;
    std::vector<unsigned char> out(static_cast<std::size_t>(out_w) * out_h);
    std::vector<unsigned> row(out_w);
    for (int y = 0; y < out_h; ++y) {
        std::fill(row.begin(), row.end(), 0u);
        for (int dy = 0; dy < f; ++dy) {
            const unsigned char *src = gray + static_cast<std::size_t>(y * f + dy) * stride;
            for (int x = 0; x < out_w; ++x)
                for (int dx = 0; dx < f; ++dx) row[x] += src[x * f + dx];
        }
        const unsigned div = static_cast<unsigned>(f * f);
        unsigned char *dst = out.data() + static_cast<std::size_t>(y) * out_w;
        for (int x = 0; x < out_w; ++x) dst[x] = static_cast<unsigned char>(row[x] / div);
    }
    return out;
}

// Scans of one page at most; only a pass that found something leads to another.
constexpr int kMaxPasses = 8;

void scan_into(BarcodeScan &scan, const unsigned char *gray, int width, int height, int stride,
               double scale, const BarcodeLimits &limits) {
    const std::int64_t pixels = static_cast<std::int64_t>(width) * height;
    if (pixels > limits.max_input_pixels) {
        scan.skipped = scan.too_large = true;
        scan.warnings.push_back("barcode scan skipped: the image is " + std::to_string(width) + "x" +
                                std::to_string(height) + " pixels");
        return;
    }
    std::vector<unsigned char> small;
    if (limits.max_pixels > 0 && pixels > limits.max_pixels) {
        const int f = static_cast<int>(
            std::ceil(std::sqrt(static_cast<double>(pixels) / static_cast<double>(limits.max_pixels))));
        int w = 0, h = 0;
        small = shrink(gray, width, height, stride, f, w, h);
        gray = small.data();
        width = w;
        height = h;
        stride = w;
        scale *= f;
        scan.downscaled = true;
        scan.warnings.push_back("barcode scan at 1/" + std::to_string(f) +
                                " resolution: the image has " + std::to_string(pixels) + " pixels");
        if (width <= 0 || height <= 0) return;
    }
    using F = ZXing::BarcodeFormat;
    ZXing::DecodeHints hints;
    hints.setFormats(F::QRCode | F::PDF417 | F::DataMatrix | F::Aztec | F::EAN8 | F::EAN13 |
                     F::UPCA | F::UPCE | F::Code128 | F::Code39);
    hints.setTryHarder(true);
    hints.setTryRotate(true);
    const int want = std::clamp(limits.max_barcodes + 1, 1, 255);  // one more: "too many" is known
    hints.setMaxNumberOfSymbols(static_cast<std::uint8_t>(want));
    // zxing 1.4.0 finds only some of several codes that share rows or columns (their finder
    // patterns confuse one another): the codes found are painted white and the page is scanned
    // again, while new codes turn up. A page without codes costs one pass.
    std::vector<unsigned char> work;
    for (int pass = 0; pass < kMaxPasses; ++pass) {
        ZXing::Results results = ZXing::ReadBarcodes(
            ZXing::ImageView(gray, width, height, ZXing::ImageFormat::Lum, stride), hints);
        std::vector<ZXing::Position> found;
        for (const auto &r : results) {
            if (!r.isValid()) continue;
            if (static_cast<int>(scan.barcodes.size()) >= limits.max_barcodes) {
                scan.too_many = true;
                scan.warnings.push_back("more than " + std::to_string(limits.max_barcodes) +
                                        " barcodes: the rest are not reported");
                return;
            }
            scan.barcodes.push_back(describe(r, scale, limits.max_payload));
            found.push_back(r.position());
        }
        if (found.empty() || pass + 1 == kMaxPasses) break;
        if (work.empty()) {
            work.resize(static_cast<std::size_t>(width) * height);
            for (int y = 0; y < height; ++y)
                std::copy_n(gray + static_cast<std::size_t>(y) * stride, width,
                            work.data() + static_cast<std::size_t>(y) * width);
            gray = work.data();
            stride = width;
        }
        for (const auto &pos : found) {
            int x0 = pos[0].x, y0 = pos[0].y, x1 = x0, y1 = y0;
            for (const auto &pt : pos) {
                x0 = std::min(x0, pt.x), y0 = std::min(y0, pt.y);
                x1 = std::max(x1, pt.x), y1 = std::max(y1, pt.y);
            }
            // A margin of a tenth of the size: finder patterns and guard bars are gone too.
            const int mx = (x1 - x0) / 10 + 2, my = (y1 - y0) / 10 + 2;
            x0 = std::max(0, x0 - mx), y0 = std::max(0, y0 - my);
            x1 = std::min(width - 1, x1 + mx), y1 = std::min(height - 1, y1 + my);
            for (int y = y0; y <= y1; ++y)
                std::fill_n(work.data() + static_cast<std::size_t>(y) * width + x0, x1 - x0 + 1, 255);
        }
    }
}

// Bilinear rotation of a gray buffer by `deg` (clockwise on screen) onto a canvas that holds the
// whole turned image, white outside it.
struct Turned {
    std::vector<unsigned char> px;
    int w = 0, h = 0;
    double cos_a = 1, sin_a = 0, cx = 0, cy = 0, ox = 0, oy = 0;
    // A point of the turned canvas back in the source's pixels.
    void to_source(double x, double y, double &sx, double &sy) const {
        const double dx = x - ox, dy = y - oy;
        sx = cx + dx * cos_a + dy * sin_a;
        sy = cy - dx * sin_a + dy * cos_a;
    }
};

Turned turn(const unsigned char *gray, int width, int height, int stride, double deg) {
    Turned t;
    const double a = deg * 3.14159265358979323846 / 180;
    t.cos_a = std::cos(a);
    t.sin_a = std::sin(a);
    const double ac = std::fabs(t.cos_a), as = std::fabs(t.sin_a);
    t.w = static_cast<int>(std::ceil(width * ac + height * as));
    t.h = static_cast<int>(std::ceil(width * as + height * ac));
    t.cx = width / 2.0, t.cy = height / 2.0, t.ox = t.w / 2.0, t.oy = t.h / 2.0;
    t.px.assign(static_cast<std::size_t>(t.w) * t.h, 255);
    for (int y = 0; y < t.h; ++y) {
        unsigned char *dst = t.px.data() + static_cast<std::size_t>(y) * t.w;
        for (int x = 0; x < t.w; ++x) {
            double sx, sy;
            t.to_source(x + 0.5, y + 0.5, sx, sy);
            sx -= 0.5, sy -= 0.5;
            const int x0 = static_cast<int>(std::floor(sx)), y0 = static_cast<int>(std::floor(sy));
            if (x0 < 0 || y0 < 0 || x0 + 1 >= width || y0 + 1 >= height) continue;
            const double fx = sx - x0, fy = sy - y0;
            const unsigned char *r0 = gray + static_cast<std::size_t>(y0) * stride + x0;
            const unsigned char *r1 = r0 + stride;
            const double v = (r0[0] * (1 - fx) + r0[1] * fx) * (1 - fy) + (r1[0] * (1 - fx) + r1[1] * fx) * fy;
            dst[x] = static_cast<unsigned char>(v + 0.5);
        }
    }
    return t;
}

// zxing reads a PDF417 turned by a quarter (tryRotate) but not one skewed by more than about 4
// degrees, as in a photographed licence. Without a PDF417 found, a block that looks like one is
// looked for; the page (a copy of at most kRetryPixels) is turned back by the angle of its bars
// and scanned again for PDF417 only, at most three times.
constexpr std::int64_t kRetryPixels = 4'000'000;

// Each retry costs about a full scan, so they run only where the page has a block that looks like
// a PDF417: at least kDenseTiles 16x16 tiles, outside the codes already found, with 30-70 % ink and
// many black/white changes along the rows (text has less ink, photos and solid areas fewer changes).
// Returns the box (pixels) of those tiles, empty when there are too few.
constexpr int kTile = 16;
constexpr int kDenseTiles = 12;

struct Region {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // x1, y1 exclusive
    bool empty() const { return x1 <= x0 || y1 <= y0; }
};

Region code_like_block(const unsigned char *gray, int width, int height, int stride, double scale,
                       const nlohmann::json &found) {
    int dense = 0;
    Region r{width, height, 0, 0};
    for (int ty = 0; ty + kTile <= height; ty += kTile) {
        for (int tx = 0; tx + kTile <= width; tx += kTile) {
            bool inside = false;
            for (const auto &b : found) {
                const auto &box = b["box"];
                const double x = (tx + kTile / 2.0) * scale, y = (ty + kTile / 2.0) * scale;
                if (x >= box[0].get<double>() && x <= box[2].get<double>() && y >= box[1].get<double>() &&
                    y <= box[3].get<double>())
                    inside = true;
            }
            if (inside) continue;
            int ink = 0, across = 0, down = 0;
            for (int y = ty; y < ty + kTile; ++y) {
                const unsigned char *row = gray + static_cast<std::size_t>(y) * stride;
                for (int x = tx; x < tx + kTile; ++x) {
                    const bool dark = row[x] < 128;
                    ink += dark;
                    if (x > tx && dark != (row[x - 1] < 128)) ++across;
                    if (y > ty && dark != (row[static_cast<std::ptrdiff_t>(x) - stride] < 128)) ++down;
                }
            }
            const int area = kTile * kTile;
            // bars may run either way: changes along rows or along columns
            if (ink * 10 >= area * 3 && ink * 10 <= area * 7 && std::max(across, down) >= 3 * kTile &&
                std::min(across, down) >= 2) {
                ++dense;
                r.x0 = std::min(r.x0, tx), r.y0 = std::min(r.y0, ty);
                r.x1 = std::max(r.x1, tx + kTile), r.y1 = std::max(r.y1, ty + kTile);
            }
        }
    }
    return dense >= kDenseTiles ? r : Region{};
}

// The direction of the bars in the region: the angle (degrees, -90..89, clockwise) of the normal
// along which the dark pixels' projection is sharpest (bars upright: 0).
int bar_angle(const unsigned char *gray, int stride, const Region &r) {
    const int step = std::max(1, std::max(r.x1 - r.x0, r.y1 - r.y0) / 300);  // at most ~300x300 samples
    std::vector<std::pair<float, float>> dark;
    for (int y = r.y0; y < r.y1; y += step)
        for (int x = r.x0; x < r.x1; x += step)
            if (gray[static_cast<std::size_t>(y) * stride + x] < 128)
                dark.emplace_back(static_cast<float>((x - r.x0) / step), static_cast<float>((y - r.y0) / step));
    const int span = 2 * (std::max(r.x1 - r.x0, r.y1 - r.y0) / step + 2);
    std::vector<int> bins(static_cast<std::size_t>(2 * span + 1));
    int best = 0;
    double best_score = -1;
    for (int a = -90; a < 90; ++a) {
        const double rad = a * 3.14159265358979323846 / 180;
        const float c = static_cast<float>(std::cos(rad)), s = static_cast<float>(std::sin(rad));
        std::fill(bins.begin(), bins.end(), 0);
        for (const auto &[x, y] : dark) ++bins[static_cast<std::size_t>(static_cast<int>(std::lround(x * c + y * s)) + span)];
        double score = 0;
        for (int v : bins) score += static_cast<double>(v) * v;
        if (score > best_score) best_score = score, best = a;
    }
    return best;
}

void retry_pdf417_skewed(BarcodeScan &scan, const unsigned char *gray, int width, int height, int stride,
                         double scale, const BarcodeLimits &limits) {
    for (const auto &b : scan.barcodes)
        if (b.value("format", "") == "PDF417") return;
    if (static_cast<int>(scan.barcodes.size()) >= limits.max_barcodes) return;
    std::vector<unsigned char> small;
    const std::int64_t pixels = static_cast<std::int64_t>(width) * height;
    if (pixels > kRetryPixels) {
        const int f = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(pixels) / kRetryPixels)));
        int w = 0, h = 0;
        small = shrink(gray, width, height, stride, f, w, h);
        if (w <= 0 || h <= 0) return;
        gray = small.data(), width = w, height = h, stride = w;
        scale *= f;
    }
    const Region region = code_like_block(gray, width, height, stride, scale, scan.barcodes);
    if (region.empty()) return;
    const int bars = bar_angle(gray, stride, region);
    ZXing::DecodeHints hints;
    hints.setFormats(ZXing::BarcodeFormat::PDF417);
    hints.setTryHarder(true);
    hints.setTryRotate(true);
    hints.setMaxNumberOfSymbols(1);
    // turned back by the bars' angle (zxing's quarter turns take care of sideways bars), and 3
    // degrees either way for an estimate that is a little off
    for (int deg : {-bars, -bars + 3, -bars - 3}) {
        if (deg == 0) continue;  // the plain scan saw that already
        const Turned t = turn(gray, width, height, stride, deg);
        ZXing::Results results =
            ZXing::ReadBarcodes(ZXing::ImageView(t.px.data(), t.w, t.h, ZXing::ImageFormat::Lum, t.w), hints);
        for (const auto &r : results) {
            if (!r.isValid()) continue;
            nlohmann::json b = describe(r, scale, limits.max_payload);
            // the box of the code's corners, taken back to the page as it is
            double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
            for (const auto &pt : r.position()) {
                double sx, sy;
                t.to_source(pt.x + 0.5, pt.y + 0.5, sx, sy);
                x0 = std::min(x0, sx), y0 = std::min(y0, sy), x1 = std::max(x1, sx), y1 = std::max(y1, sy);
            }
            x0 = std::clamp(x0, 0.0, static_cast<double>(width)), x1 = std::clamp(x1, 0.0, static_cast<double>(width));
            y0 = std::clamp(y0, 0.0, static_cast<double>(height)), y1 = std::clamp(y1, 0.0, static_cast<double>(height));
            b["box"] = {round1(x0 * scale), round1(y0 * scale), round1(x1 * scale), round1(y1 * scale)};
            // zxing's orientation is that of the turned copy: the page's is off by the turn
            b["orientation"] = r.orientation() - deg;
            scan.barcodes.push_back(std::move(b));
            return;
        }
    }
}

}  // namespace

BarcodeScan scan_barcodes(const unsigned char *gray, int width, int height, int stride,
                          double unit_per_pixel, const BarcodeLimits &limits) noexcept {
    BarcodeScan scan;
    try {
        if (!gray || width <= 0 || height <= 0 || stride < width || !(unit_per_pixel > 0)) {
            scan.skipped = true;
            scan.warnings.push_back("barcode scan skipped: no usable gray image");
            return scan;
        }
        scan_into(scan, gray, width, height, stride, unit_per_pixel, limits);
        if (!scan.skipped) retry_pdf417_skewed(scan, gray, width, height, stride, unit_per_pixel, limits);
    } catch (const std::bad_alloc &) {
        scan = BarcodeScan{};
        scan.skipped = true;
        scan.warnings.push_back("barcode scan failed: out of memory");
    } catch (const std::exception &e) {
        scan = BarcodeScan{};
        scan.skipped = true;
        // e.what() comes from the decoder, perhaps from the document's bytes: keep it short and ASCII.
        std::string what = e.what();
        what.resize(std::min<std::size_t>(what.size(), 200));
        for (char &c : what)
            if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
        scan.warnings.push_back("barcode scan failed: " + what);
    } catch (...) {
        scan = BarcodeScan{};
        scan.skipped = true;
        scan.warnings.push_back("barcode scan failed");
    }
    return scan;
}

double put_barcodes(nlohmann::json &page, const unsigned char *gray, int width, int height,
                    int stride, double unit_per_pixel, Context &ctx) {
    if (ctx.remaining_ms() < 0) {
        ctx.limit("time_budget");
        return 0;
    }
    const auto t0 = Clock::now();
    BarcodeScan scan = scan_barcodes(gray, width, height, stride, unit_per_pixel);
    const std::string where = "page " + std::to_string(page.value("page", 0)) + ": ";
    for (const auto &w : scan.warnings) ctx.warn(where + w);
    if (scan.too_many) ctx.limit("max_barcodes");
    if (scan.downscaled || scan.too_large) ctx.limit("max_pixels");
    page["barcodes"] = std::move(scan.barcodes);
    return ms_since(t0);
}

double put_barcodes(nlohmann::json &page, Pix *pix, double unit_per_pixel, Context &ctx) try {
    if (!pix) return 0;
    Pix *gray = pix;
    std::unique_ptr<Pix, void (*)(Pix *)> owned(nullptr, [](Pix *p) { pixDestroy(&p); });
    if (pixGetDepth(pix) != 8 || pixGetColormap(pix)) {
        owned.reset(pixConvertTo8(pix, 0));
        gray = owned.get();
        if (!gray) {
            ctx.warn("page " + std::to_string(page.value("page", 0)) +
                     ": barcode scan skipped: the image could not be converted to gray");
            page["barcodes"] = nlohmann::json::array();
            return 0;
        }
    }
    // Leptonica stores 8-bit pixels big-endian within 32-bit words: copy into plain bytes.
    const int w = pixGetWidth(gray), h = pixGetHeight(gray);
    const int wpl = pixGetWpl(gray);
    const l_uint32 *data = pixGetData(gray);
    std::vector<unsigned char> bytes(static_cast<std::size_t>(w) * h);
    for (int y = 0; y < h; ++y) {
        const l_uint32 *line = data + static_cast<std::size_t>(y) * wpl;
        unsigned char *dst = bytes.data() + static_cast<std::size_t>(y) * w;
        for (int x = 0; x < w; ++x) dst[x] = static_cast<unsigned char>(GET_DATA_BYTE(line, x));
    }
    return put_barcodes(page, bytes.data(), w, h, w, unit_per_pixel, ctx);
} catch (const std::bad_alloc &) {
    ctx.warn("page " + std::to_string(page.value("page", 0)) + ": barcode scan failed: out of memory");
    page["barcodes"] = nlohmann::json::array();
    return 0;
}

}  // namespace docextract::extract
