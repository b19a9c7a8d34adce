// The barcode module (core/extract/barcode.hpp) on codes generated at test time with qrencode and
// zint: exact payloads, formats, boxes within a tolerance, rotations, and junk that stays bounded.
#include <cmath>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <leptonica/allheaders.h>
#include <nlohmann/json.hpp>

#include "core/extract/barcode.hpp"

using docextract::extract::BarcodeLimits;
using docextract::extract::BarcodeScan;
using docextract::extract::scan_barcodes;

namespace {

// One directory per process: ctest may run several of these tests at once.
const std::string kDir = std::string(BARCODE_FIXTURES) + "/" + std::to_string(getpid());

struct PixDeleter {
    void operator()(Pix *p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

// An 8-bit gray image as plain bytes, with a stride wider than the width to prove it is honoured.
struct Gray {
    int w = 0, h = 0, stride = 0;
    std::vector<unsigned char> px;
    BarcodeScan scan(double unit = 1.0, const BarcodeLimits &l = {}) const {
        return scan_barcodes(px.data(), w, h, stride, unit, l);
    }
};

Gray to_gray(Pix *pix) {
    PixPtr noalpha(pixGetDepth(pix) == 32 ? pixRemoveAlpha(pix) : pixClone(pix));
    PixPtr g(pixConvertTo8(noalpha.get(), 0));
    EXPECT_TRUE(g);
    Gray out;
    out.w = pixGetWidth(g.get());
    out.h = pixGetHeight(g.get());
    out.stride = out.w + 13;
    out.px.assign(static_cast<std::size_t>(out.stride) * out.h, 0x55);
    const int wpl = pixGetWpl(g.get());
    const l_uint32 *data = pixGetData(g.get());
    for (int y = 0; y < out.h; ++y)
        for (int x = 0; x < out.w; ++x)
            out.px[static_cast<std::size_t>(y) * out.stride + x] =
                static_cast<unsigned char>(GET_DATA_BYTE(data + y * wpl, x));
    return out;
}

PixPtr read_pix(const std::string &name) {
    PixPtr p(pixRead((kDir + "/" + name).c_str()));
    EXPECT_TRUE(p) << name;
    return p;
}

// The code pasted at (x, y) on a white page of w x h pixels.
PixPtr on_page(Pix *code, int w, int h, int x, int y) {
    PixPtr code8(pixConvertTo8(code, 0));
    PixPtr page(pixCreate(w, h, 8));
    pixSetAll(page.get());
    pixRasterop(page.get(), x, y, pixGetWidth(code8.get()), pixGetHeight(code8.get()), PIX_SRC,
                code8.get(), 0, 0);
    return page;
}

void write_file(const std::string &name, const std::string &bytes) {
    std::ofstream out(kDir + "/" + name, std::ios::binary);
    out << bytes;
}

void sh(const std::string &cmd) {
    const int rc = std::system(("cd '" + kDir + "' && " + cmd).c_str());
    ASSERT_EQ(rc, 0) << cmd;
}

const std::string kUtf8 = "Grüße – 東京";
const std::string kEpc =
    "BCD\n002\n1\nSCT\nBFSWDE33BER\nWikimedia Foerdergesellschaft\nDE33100205000001194700\n"
    "EUR123.45\n\n\nSpende fuer Wikipedia";
const std::string kAamva =
    "@\n\x1e\rANSI 636014040002DL00410278ZC03190024DLDAQD1234562\nDCSPUBLIC\nDDEN\nDACJOHN\n"
    "DDFN\nDADQUINCY\nDDGN\nDCAC\nDCBNONE\nDCDNONE\nDBD08312013\nDBB08311977\nDBA08312018\n"
    "DBC1\nDAU069 in\nDAYBRO\nDAG123 MAIN STREET\nDAIANYTOWN\nDAJCA\nDAK000000000\nDCF00/00/0000NNNAN/ANFD/YY\n"
    "DCGUSA\nDAW180\nDAZBRO\nDCK0000000000000000\nDDB00000000\nDDK1\r"
    "ZCZCAGRN\nZCBBRN\x1d\r";

std::string binary_payload() {
    std::string b;
    for (int i = 0; i < 64; ++i) b += static_cast<char>((i * 37 + 11) & 0xff);
    b[5] = '\0';
    b[6] = static_cast<char>(0xff);
    return b;
}

std::string base64(const std::string &s) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    const auto *d = reinterpret_cast<const unsigned char *>(s.data());
    for (; i + 2 < s.size(); i += 3) {
        unsigned v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
    }
    if (i < s.size()) {
        unsigned v = d[i] << 16 | (i + 1 < s.size() ? d[i + 1] << 8 : 0);
        out += {t[v >> 18], t[(v >> 12) & 63], i + 1 < s.size() ? t[(v >> 6) & 63] : '=', '='};
    }
    return out;
}

class Barcodes : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        setMsgSeverity(L_SEVERITY_WARNING);  // no "Info in pixReadStreamPng" lines
        mkdir(BARCODE_FIXTURES, 0755);
        mkdir(kDir.c_str(), 0755);
        write_file("utf8.txt", kUtf8);
        write_file("epc.txt", kEpc);
        write_file("aamva.bin", kAamva);
        write_file("binary.bin", binary_payload());
        // qrencode: -s module size in pixels, -m quiet zone in modules.
        sh("qrencode -s 6 -m 4 -o qr-utf8.png -r utf8.txt");
        sh("qrencode -s 6 -m 4 -l M -o qr-epc.png -r epc.txt");
        sh("qrencode -s 6 -m 4 -8 -o qr-binary.png -r binary.bin");
        sh("zint -b PDF417 --binary --scale 2 --notext -i aamva.bin -o pdf417-aamva.png");
        sh("zint -b DATAMATRIX --scale 4 --notext -d 'docextract DataMatrix 12345' -o dm.png");
        sh("zint -b EANX --scale 2 -d 400638133393 -o ean13.png");
        sh("zint -b CODE128 --scale 2 -d 'DOCX-128-abc' -o c128.png");
        sh("zint -b CODE39 --scale 2 -d 'CODE39 TEST' -o c39.png");
        sh("zint -b AZTEC --scale 4 -d 'Aztec payload 0123456789' -o aztec.png");
    }

    static void TearDownTestSuite() { std::system(("rm -rf '" + kDir + "'").c_str()); }

    // The one barcode of the scan (fails the test when there is not exactly one).
    static nlohmann::json only(const BarcodeScan &s) {
        EXPECT_EQ(s.barcodes.size(), 1u) << s.barcodes.dump();
        for (const auto &w : s.warnings) ADD_FAILURE() << "warning: " << w;
        return s.barcodes.empty() ? nlohmann::json::object() : s.barcodes[0];
    }
};

void expect_box(const nlohmann::json &b, double x0, double y0, double x1, double y1, double tol) {
    ASSERT_TRUE(b.contains("box")) << b.dump();
    const auto &box = b["box"];
    EXPECT_NEAR(box[0].get<double>(), x0, tol) << box.dump();
    EXPECT_NEAR(box[1].get<double>(), y0, tol) << box.dump();
    EXPECT_NEAR(box[2].get<double>(), x1, tol) << box.dump();
    EXPECT_NEAR(box[3].get<double>(), y1, tol) << box.dump();
}

TEST_F(Barcodes, QrUtf8TextIsExactAndBoxInPixels) {
    PixPtr code = read_pix("qr-utf8.png");
    const int cw = pixGetWidth(code.get()), ch = pixGetHeight(code.get());
    PixPtr page = on_page(code.get(), 1200, 900, 300, 200);
    auto b = only(to_gray(page.get()).scan());
    EXPECT_EQ(b["format"], "QRCode");
    EXPECT_EQ(b["text"], kUtf8);
    EXPECT_FALSE(b.contains("bytes_base64"));
    EXPECT_EQ(b["orientation"], 0);
    EXPECT_EQ(b["symbology_identifier"].get<std::string>().substr(0, 2), "]Q");
    // The symbol without its 4-module quiet zone (6 px per module).
    expect_box(b, 300 + 24, 200 + 24, 300 + cw - 24, 200 + ch - 24, 4);
}

TEST_F(Barcodes, BoxInPdfPoints) {
    PixPtr code = read_pix("qr-utf8.png");
    const int cw = pixGetWidth(code.get());
    PixPtr page = on_page(code.get(), 1240, 1754, 600, 1000);  // A4 at 150 dpi
    auto b = only(to_gray(page.get()).scan(72.0 / 150));
    const double k = 72.0 / 150;
    expect_box(b, (600 + 24) * k, (1000 + 24) * k, (600 + cw - 24) * k, (1000 + cw - 24) * k, 2);
}

TEST_F(Barcodes, EpcGiroCodeKeepsItsLines) {
    PixPtr code = read_pix("qr-epc.png");
    auto b = only(to_gray(code.get()).scan());
    EXPECT_EQ(b["format"], "QRCode");
    EXPECT_EQ(b["text"], kEpc);
    EXPECT_EQ(b["ec_level"], "M");
}

TEST_F(Barcodes, AamvaPdf417KeepsItsSeparators) {
    PixPtr code = read_pix("pdf417-aamva.png");
    PixPtr page = on_page(code.get(), pixGetWidth(code.get()) + 200, pixGetHeight(code.get()) + 200, 100, 100);
    auto b = only(to_gray(page.get()).scan());
    EXPECT_EQ(b["format"], "PDF417");
    EXPECT_EQ(b["text"], kAamva);
    EXPECT_FALSE(b.contains("bytes_base64"));
    // The JSON stays valid: controls are escaped and read back exactly.
    auto again = nlohmann::json::parse(b.dump());
    EXPECT_EQ(again["text"], kAamva);
    EXPECT_NE(b.dump().find("\\u001e"), std::string::npos);
}

TEST_F(Barcodes, DataMatrixAztecAndLinearCodes) {
    const struct {
        const char *file, *format, *text;
    } cases[] = {
        {"dm.png", "DataMatrix", "docextract DataMatrix 12345"},
        {"aztec.png", "Aztec", "Aztec payload 0123456789"},
        {"ean13.png", "EAN-13", "4006381333931"},
        {"c128.png", "Code128", "DOCX-128-abc"},
        {"c39.png", "Code39", "CODE39 TEST"},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.file);
        PixPtr code = read_pix(c.file);
        const int cw = pixGetWidth(code.get()), ch = pixGetHeight(code.get());
        PixPtr page = on_page(code.get(), cw + 400, ch + 300, 150, 120);
        auto b = only(to_gray(page.get()).scan());
        EXPECT_EQ(b["format"], c.format);
        EXPECT_EQ(b["text"], c.text);
        // Within the pasted image (the symbol lies inside it, text and quiet zone around it).
        const auto &box = b["box"];
        EXPECT_GE(box[0].get<double>(), 150 - 2);
        EXPECT_GE(box[1].get<double>(), 120 - 2);
        EXPECT_LE(box[2].get<double>(), 150 + cw + 2);
        EXPECT_LE(box[3].get<double>(), 120 + ch + 2);
        EXPECT_GT(box[2].get<double>() - box[0].get<double>(), cw / 2.0) << box.dump();
    }
}

TEST_F(Barcodes, QrRotated90Degrees) {
    PixPtr code = read_pix("qr-utf8.png");
    PixPtr page = on_page(code.get(), 800, 800, 100, 150);
    PixPtr rotated(pixRotateOrth(page.get(), 1));  // clockwise
    auto b = only(to_gray(rotated.get()).scan());
    EXPECT_EQ(b["text"], kUtf8);
    EXPECT_EQ(b["orientation"], 90);
    // The upright box (100,150)-(100+cw,150+ch) turned clockwise in an 800x800 page.
    const int cw = pixGetWidth(code.get()), ch = pixGetHeight(code.get());
    expect_box(b, 800 - (150 + ch) + 24, 100 + 24, 800 - 150 - 24, 100 + cw - 24, 4);
}

TEST_F(Barcodes, Pdf417SlightlyRotated) {
    PixPtr code = read_pix("pdf417-aamva.png");
    PixPtr page = on_page(code.get(), pixGetWidth(code.get()) + 300, pixGetHeight(code.get()) + 400, 150, 200);
    PixPtr skewed(pixRotate(page.get(), 2.0 * 3.14159265 / 180, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0));
    auto b = only(to_gray(skewed.get()).scan());
    EXPECT_EQ(b["format"], "PDF417");
    EXPECT_EQ(b["text"], kAamva);
}

TEST_F(Barcodes, BinaryQrPayloadIsBase64) {
    PixPtr code = read_pix("qr-binary.png");
    auto b = only(to_gray(code.get()).scan());
    EXPECT_EQ(b["format"], "QRCode");
    EXPECT_FALSE(b.contains("text")) << b.dump();
    EXPECT_EQ(b["bytes_base64"], base64(binary_payload()));
    EXPECT_EQ(b["content"], "binary");
    EXPECT_NO_THROW(b.dump());
}

TEST_F(Barcodes, NoiseHasNoBarcode) {
    Gray g;
    g.w = 2000, g.h = 1500, g.stride = 2000;
    g.px.resize(static_cast<std::size_t>(g.w) * g.h);
    std::mt19937 rng(42);
    for (auto &p : g.px) p = static_cast<unsigned char>(rng() & 0xff);
    auto s = g.scan();
    EXPECT_TRUE(s.barcodes.empty()) << s.barcodes.dump();
    EXPECT_TRUE(s.warnings.empty());
    // Binary noise (black and white blocks) too.
    for (std::size_t i = 0; i < g.px.size(); ++i) g.px[i] = ((rng() >> 7) & 1) ? 255 : 0;
    s = g.scan();
    EXPECT_TRUE(s.barcodes.empty()) << s.barcodes.dump();
}

TEST_F(Barcodes, BadBuffersAreWarningsNotCrashes) {
    unsigned char px[16] = {};
    auto s = scan_barcodes(nullptr, 10, 10, 10, 1.0);
    EXPECT_TRUE(s.skipped);
    EXPECT_EQ(s.warnings.size(), 1u);
    s = scan_barcodes(px, 4, 4, 2, 1.0);  // stride < width
    EXPECT_TRUE(s.skipped);
    s = scan_barcodes(px, 0, 4, 4, 1.0);
    EXPECT_TRUE(s.skipped);
    s = scan_barcodes(px, 4, 4, 4, 0.0);
    EXPECT_TRUE(s.skipped);
    // Uniform images: nothing to find.
    s = scan_barcodes(px, 4, 4, 4, 1.0);
    EXPECT_TRUE(s.barcodes.empty());
    EXPECT_FALSE(s.skipped);
}

TEST_F(Barcodes, PayloadCapTruncatesWithAFlag) {
    PixPtr code = read_pix("qr-epc.png");
    BarcodeLimits l;
    l.max_payload = 10;
    auto s = to_gray(code.get()).scan(1.0, l);
    ASSERT_EQ(s.barcodes.size(), 1u);
    EXPECT_EQ(s.barcodes[0]["text"], kEpc.substr(0, 10));
    EXPECT_EQ(s.barcodes[0]["truncated"], true);
    // Never inside a UTF-8 sequence: "Grüße" cut at 3 bytes keeps "Gr".
    code = read_pix("qr-utf8.png");
    l.max_payload = 3;
    s = to_gray(code.get()).scan(1.0, l);
    ASSERT_EQ(s.barcodes.size(), 1u);
    EXPECT_EQ(s.barcodes[0]["text"], "Gr");
}

TEST_F(Barcodes, ManyCodesAreCapped) {
    // Twelve different QR codes on one page, well apart.
    PixPtr page(pixCreate(4 * 400, 3 * 400, 8));
    pixSetAll(page.get());
    for (int i = 0; i < 12; ++i) {
        const std::string name = "many" + std::to_string(i) + ".png";
        sh("qrencode -s 5 -m 4 -o " + name + " 'code number " + std::to_string(i) + "'");
        PixPtr code = read_pix(name);
        PixPtr code8(pixConvertTo8(code.get(), 0));
        pixRasterop(page.get(), 40 + (i % 4) * 400, 40 + (i / 4) * 400, pixGetWidth(code8.get()),
                    pixGetHeight(code8.get()), PIX_SRC, code8.get(), 0, 0);
    }
    auto g = to_gray(page.get());
    auto all = g.scan();
    EXPECT_EQ(all.barcodes.size(), 12u) << all.barcodes.dump();
    EXPECT_FALSE(all.too_many);
    BarcodeLimits l;
    l.max_barcodes = 5;
    auto s = g.scan(1.0, l);
    EXPECT_EQ(s.barcodes.size(), 5u);
    EXPECT_TRUE(s.too_many);
    EXPECT_EQ(s.warnings.size(), 1u);
}

TEST_F(Barcodes, HugeImagesAreDownscaledOrSkipped) {
    // A QR on a 6000x8000 page (48 MP), scanned under a 10 MP cap: found, box in full-size pixels.
    PixPtr code = read_pix("qr-epc.png");
    PixPtr big(pixScale(code.get(), 3.0, 3.0));
    const int cw = pixGetWidth(big.get());
    PixPtr page = on_page(big.get(), 6000, 8000, 2500, 4000);
    auto g = to_gray(page.get());
    page.reset();
    BarcodeLimits l;
    l.max_pixels = 10'000'000;
    auto s = g.scan(1.0, l);
    EXPECT_TRUE(s.downscaled);
    ASSERT_EQ(s.barcodes.size(), 1u);
    EXPECT_EQ(s.barcodes[0]["text"], kEpc);
    expect_box(s.barcodes[0], 2500 + 72, 4000 + 72, 2500 + cw - 72, 4000 + cw - 72, 12);
    // Above the absolute cap: not scanned, one warning.
    l.max_input_pixels = 20'000'000;
    s = g.scan(1.0, l);
    EXPECT_TRUE(s.skipped);
    EXPECT_TRUE(s.too_large);
    EXPECT_TRUE(s.barcodes.empty());
    EXPECT_EQ(s.warnings.size(), 1u);
}

// The cost of a scan of an A4 page with text-like ink, at 300 and 150 dpi, without a code (one
// pass) and with one QR (a second pass looks for more): CPU time per page, printed for the
// benchmark report, and bounded generously.
TEST_F(Barcodes, CostPerPage) {
    PixPtr code = read_pix("qr-epc.png");
    for (int dpi : {300, 150}) {
        for (bool with_code : {false, true}) {
            const int w = 210 * dpi * 10 / 254, h = 297 * dpi * 10 / 254;
            PixPtr page(pixCreate(w, h, 8));
            pixSetAll(page.get());
            if (with_code) page = on_page(code.get(), w, h, w / 2, h / 20);
            for (int y = h / 3; y < h * 9 / 10; y += dpi / 6)
                for (int x = w / 10; x < w * 9 / 10; x += dpi / 10)
                    pixRasterop(page.get(), x, y, dpi / 14, dpi / 12, PIX_CLR, nullptr, 0, 0);
            auto g = to_gray(page.get());
            g.scan();  // warm-up
            const int runs = 3;
            const std::clock_t c0 = std::clock();
            std::size_t found = 0;
            for (int i = 0; i < runs; ++i) found += g.scan().barcodes.size();
            const double ms = 1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC / runs;
            EXPECT_EQ(found, with_code ? static_cast<std::size_t>(runs) : 0u) << dpi;
            std::printf("barcode scan, A4 gray at %d dpi (%dx%d), %s: %.1f ms CPU per page\n", dpi, w,
                        h, with_code ? "one QR" : "no code", ms);
            EXPECT_LT(ms, 5000);
        }
    }
}

}  // namespace

namespace {

// A photographed licence: the PDF417 skewed by more than zxing reads (about 4 degrees) is found by
// the turned retries, its box back in the page's pixels.
TEST_F(Barcodes, Pdf417SkewedIsRetriedTurned) {
    PixPtr code = read_pix("pdf417-aamva.png");
    const int cw = pixGetWidth(code.get()), ch = pixGetHeight(code.get());
    const int pw = cw + 400, ph = ch + 600;
    PixPtr page = on_page(code.get(), pw, ph, 200, 300);
    for (double deg : {-13.0, 11.0, 30.0, 200.0}) {
        SCOPED_TRACE(deg);
        PixPtr skewed(pixRotate(page.get(), deg * 3.14159265 / 180, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0));
        auto b = only(to_gray(skewed.get()).scan());
        EXPECT_EQ(b["format"], "PDF417");
        EXPECT_EQ(b["text"], kAamva);
        // the centre of the box is the code's centre turned about the page's centre
        const double a = deg * 3.14159265 / 180, mx = 200 + cw / 2.0 - pw / 2.0, my = 300 + ch / 2.0 - ph / 2.0;
        const double ex = pw / 2.0 + mx * std::cos(a) - my * std::sin(a);
        const double ey = ph / 2.0 + mx * std::sin(a) + my * std::cos(a);
        const auto &box = b["box"];
        EXPECT_NEAR((box[0].get<double>() + box[2].get<double>()) / 2, ex, 12) << box.dump();
        EXPECT_NEAR((box[1].get<double>() + box[3].get<double>()) / 2, ey, 12) << box.dump();
    }
}

}  // namespace
