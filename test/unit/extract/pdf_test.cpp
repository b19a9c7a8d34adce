// The PDF side of the document model through the real helper, on documents make_pdf_fixtures.sh
// generates: word boxes and lines, rotated pages, OCR only where it adds something, scans read at
// their own resolution, attachments and invoice XML, hostile attachments, Info strings.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>

#include "support.hpp"

using docextract::core::RunOutcome;
using docextract::test::parse;
using docextract::test::run_fixture;

namespace {

class Pdf : public docextract::test::NoLeaks {
protected:
    nlohmann::json ok(const std::string &file, std::vector<std::string> args = {}) {
        auto r = run_fixture(file, std::move(args), "", 60000);
        EXPECT_EQ(r.outcome, RunOutcome::ok) << file << ": " << r.error_message << r.stderr_tail;
        return r.outcome == RunOutcome::ok ? parse(r) : nlohmann::json::object();
    }
};

// words[i] is [text, x0, y0, x1, y1, conf].
void expect_word(const nlohmann::json &w, const std::string &text, double x0, double y0, double x1, double y1) {
    constexpr double tol = 0.6;
    ASSERT_TRUE(w.is_array() && w.size() == 6u) << w.dump();
    EXPECT_EQ(w[0], text);
    EXPECT_NEAR(w[1].get<double>(), x0, tol) << text;
    EXPECT_NEAR(w[2].get<double>(), y0, tol) << text;
    EXPECT_NEAR(w[3].get<double>(), x1, tol) << text;
    EXPECT_NEAR(w[4].get<double>(), y1, tol) << text;
    EXPECT_TRUE(w[5].is_null()) << "native words have no confidence";
}

TEST_F(Pdf, NativeWordsHaveBoxesInPointsFromTheTopLeft) {
    auto j = ok("words.pdf");
    const auto &p = j["pages"][0];
    EXPECT_EQ(p["unit"], "pt");
    EXPECT_EQ(p["rotation"], 0);
    EXPECT_EQ(p["method"], "native");
    const auto &w = p["words"];
    ASSERT_EQ(w.size(), 9u) << w.dump();
    // Helvetica 20 pt drawn at baseline y = 700 of an 800 pt page: 100 pt from the top.
    expect_word(w[0], "Hello", 100, 85.64, 145.56, 104.14);
    expect_word(w[1], "world", 151.12, 85.64, 198.9, 104.14);
    expect_word(w[2], "Second", 300, 385.64, 367.82, 404.14);
    expect_word(w[3], "line", 373.38, 385.64, 404.5, 404.14);
    expect_word(w[4], "here", 410.06, 385.64, 450.08, 404.14);
    EXPECT_EQ(p["lines"][0], nlohmann::json::array({0, 2}));
    EXPECT_EQ(p["lines"][1], nlohmann::json::array({2, 3}));
    EXPECT_EQ(p["text"].get<std::string>().substr(0, 29), "Hello world\n\nSecond line here");
    EXPECT_EQ(j["timings_ms"]["ocr_pages"], 0);
}

TEST_F(Pdf, RotatedPageBoxesAreInTheDisplayedPage) {
    auto j = ok("words-rot90.pdf");
    const auto &p = j["pages"][0];
    EXPECT_EQ(p["rotation"], 90);
    EXPECT_EQ(p["width"], 600.0);   // the MediaBox, as stored
    EXPECT_EQ(p["height"], 800.0);
    // Turned a quarter clockwise: the displayed page is 800 x 600, x' = 800 - y, y' = x.
    auto find = [&](const std::string &text) {
        for (const auto &w : p["words"])
            if (w[0] == text) return w;
        return nlohmann::json();
    };
    expect_word(find("Hello"), "Hello", 695.86, 100, 714.36, 145.56);
    expect_word(find("Second"), "Second", 395.86, 300, 414.36, 367.82);
    EXPECT_NE(p["text"].get<std::string>().find("Hello world"), std::string::npos) << p["text"];
    EXPECT_NE(p["text"].get<std::string>().find("Second line here"), std::string::npos) << p["text"];
}

TEST_F(Pdf, ExistingTextFixtureKeepsItsText) {
    auto j = ok("text.pdf");  // from make_fixtures.sh (groff)
    EXPECT_EQ(j["text"], "The quick brown fox jumps over the lazy dog while docextract reads the native text layer.");
    EXPECT_EQ(j["pages"][0]["words"].size(), 16u);
    EXPECT_EQ(j["timings_ms"]["ocr_pages"], 0);
}

// Native pages get their language (the search index's configuration follows it); the document's
// is the language of most of its text.
TEST_F(Pdf, NativePagesHaveTheirLanguage) {
    auto j = ok("lang-de-fr.pdf");
    ASSERT_EQ(j["pages"].size(), 2u);
    EXPECT_EQ(j["pages"][0]["method"], "native");
    EXPECT_EQ(j["pages"][0]["language"], nlohmann::json({{"code", "de"}, {"reliable", true}}));
    EXPECT_EQ(j["pages"][1]["language"], nlohmann::json({{"code", "fr"}, {"reliable", true}}));
    EXPECT_EQ(j["metadata"]["language"], nlohmann::json({{"code", "de"}, {"reliable", true}}));
    EXPECT_EQ(j["timings_ms"]["ocr_pages"], 0);
    auto en = ok("text.pdf");
    EXPECT_EQ(en["pages"][0]["language"]["code"], "en");
    EXPECT_EQ(en["metadata"]["language"]["code"], "en");
    auto title = ok("title.pdf");  // "Annual Report 2023": CLD2 is sure even of three words
    EXPECT_EQ(title["pages"][0]["language"], nlohmann::json({{"code", "en"}, {"reliable", true}}));
    EXPECT_EQ(title["metadata"]["language"], title["pages"][0]["language"]);
}

TEST_F(Pdf, TitleOnlyPageIsNotOcrd) {
    auto j = ok("title.pdf");
    EXPECT_EQ(j["text"], "Annual Report 2023");
    EXPECT_EQ(j["pages"][0]["method"], "native");
    EXPECT_FALSE(j["pages"][0].contains("ocr_dpi"));
    EXPECT_EQ(j["timings_ms"]["ocr_pages"], 0);
    // Only the 12 dpi look for ink outside the words is rendered: no barcode scan, no OCR render.
    EXPECT_EQ(j["timings_ms"]["barcodes"], 0.0);
    EXPECT_FALSE(j["pages"][0].contains("barcodes"));
}

TEST_F(Pdf, QrCodeOnATextPageIsReadWithoutOcr) {
    auto j = ok("text-qr.pdf");
    const auto &page = j["pages"][0];
    EXPECT_EQ(page["method"], "native");
    EXPECT_EQ(j["timings_ms"]["ocr_pages"], 0);
    ASSERT_TRUE(page.contains("barcodes"));
    ASSERT_EQ(page["barcodes"].size(), 1u);
    EXPECT_EQ(page["barcodes"][0]["format"], "QRCode");
    EXPECT_EQ(page["barcodes"][0]["text"],
              "BCD\n002\n1\nSCT\n\nRed Cross\nBE72000000001616\nEUR12.50\n\n\nDonation");
    // In points from the top left: drawn at x 72..192, y 842-620..842-500 (quiet zone inside).
    const auto &box = page["barcodes"][0]["box"];
    EXPECT_GT(box[0].get<double>(), 70);
    EXPECT_LT(box[2].get<double>(), 194);
    EXPECT_GT(box[1].get<double>(), 220);
    EXPECT_LT(box[3].get<double>(), 344);
}

TEST_F(Pdf, ScanUnderAShortTextLayerIsOcrd) {
    auto j = ok("stamped-scan.pdf");
    const auto &p = j["pages"][0];
    EXPECT_EQ(p["method"], "ocr");
    EXPECT_EQ(p["ocr_reason"], "image_covered");
    EXPECT_EQ(p["ocr_dpi"], 300);
    EXPECT_NE(p["text"].get<std::string>().find("RESOLUTION TEST 300"), std::string::npos) << p["text"];
    // The OCR words replace the stamp's, in points: 36 pt text centred on a 595 x 216 pt page.
    EXPECT_EQ(p["words_source"], "ocr");
    ASSERT_EQ(p["words"].size(), 3u) << p["words"];
    EXPECT_EQ(p["words"][0][0], "RESOLUTION");
    EXPECT_NEAR(p["words"][0][2].get<double>(), 99, 6);
    EXPECT_NEAR(p["words"][2][3].get<double>(), 430, 10);
    EXPECT_GT(p["words"][0][5].get<double>(), 0.5);
    EXPECT_EQ(j["timings_ms"]["ocr_pages"], 1);
}

// --- OCR of quarter-turned pages: boxes in the page as displayed ---------------------------

// The box [x0, y0, x1, y1] of a w x h (points) page turned clockwise by deg, as displayed.
std::array<double, 4> turned_box(const nlohmann::json &w, double pw, double ph, int deg) {
    const double x0 = w[1], y0 = w[2], x1 = w[3], y1 = w[4];
    if (deg == 90) return {ph - y1, x0, ph - y0, x1};
    if (deg == 180) return {pw - x1, ph - y1, pw - x0, ph - y0};
    if (deg == 270) return {y0, pw - x1, y1, pw - x0};
    return {x0, y0, x1, y1};
}

// Each word read on the turned page lies where the same word of the upright page lies once
// turned; words that occur once on the upright page are compared (most of the paragraph).
void expect_turned_boxes(const nlohmann::json &upright, const nlohmann::json &page, int deg) {
    const double pw = upright["width"], ph = upright["height"];
    std::map<std::string, std::vector<nlohmann::json>> by_text;
    for (const auto &w : upright["words"]) by_text[w[0].get<std::string>()].push_back(w);
    int compared = 0;
    for (const auto &w : page["words"]) {
        auto it = by_text.find(w[0].get<std::string>());
        if (it == by_text.end() || it->second.size() != 1) continue;
        const auto want = turned_box(it->second[0], pw, ph, deg);
        for (int k = 0; k < 4; ++k)
            EXPECT_NEAR(w[k + 1].get<double>(), want[k], 1.5) << deg << " " << w << " k=" << k;
        ++compared;
    }
    EXPECT_GE(compared, 25) << page["words"];
}

TEST_F(Pdf, TurnedScansHaveWordBoxesInThePageAsDisplayed) {
    auto j = ok("turned.pdf");
    ASSERT_EQ(j["pages"].size(), 5u);
    const auto &up = j["pages"][0];
    ASSERT_EQ(up["words_source"], "ocr");
    EXPECT_FALSE(up.contains("ocr_rotation"));
    // 1100 x 330 pixels at 300 dpi: 264 x 79.2 points; "The" drawn at x 40, baseline 70 pixels.
    EXPECT_NEAR(up["width"].get<double>(), 264, 0.01);
    EXPECT_NEAR(up["height"].get<double>(), 79.2, 0.01);
    ASSERT_EQ(up["words"][0][0], "The");
    EXPECT_NEAR(up["words"][0][1].get<double>(), 40 * 0.24, 1);
    EXPECT_NEAR(up["words"][0][4].get<double>(), 70 * 0.24, 1);
    const int turned[] = {90, 180, 270};
    for (int i = 0; i < 3; ++i) {
        const auto &p = j["pages"][i + 1];
        SCOPED_TRACE(turned[i]);
        EXPECT_EQ(p["method"], "ocr");
        EXPECT_EQ(p["rotation"], 0);                          // no /Rotate: the content is turned
        EXPECT_EQ(p["ocr_rotation"], (360 - turned[i]) % 360);  // OCR turned it back
        EXPECT_EQ(p["words_source"], "ocr");
        EXPECT_NE(p["text"].get<std::string>().find("Seven wizards count the boxes"), std::string::npos) << p["text"];
        expect_turned_boxes(up, p, turned[i]);
    }
}

// A scan skewed by 4 degrees (clockwise, on a canvas grown to fit): OCR levels it, and each word's
// box, turned back, is centred where the word's centre lies on the skewed page.
TEST_F(Pdf, SkewedScanHasWordBoxesOnTheSkewedPage) {
    auto j = ok("turned.pdf");
    ASSERT_EQ(j["pages"].size(), 5u);
    const auto &up = j["pages"][0], &p = j["pages"][4];
    EXPECT_NEAR(p["ocr_skew"].get<double>(), -4, 0.5);
    EXPECT_FALSE(p.contains("ocr_rotation"));
    const double t = 4 * 3.14159265358979 / 180, uw = up["width"], uh = up["height"];
    const double pw = p["width"], ph = p["height"];
    std::map<std::string, int> count;
    for (const auto &w : up["words"]) ++count[w[0].get<std::string>()];
    int compared = 0;
    for (const auto &w : p["words"]) {
        if (count[w[0].get<std::string>()] != 1) continue;
        for (const auto &u : up["words"]) {
            if (u[0] != w[0]) continue;
            const double dx = (u[1].get<double>() + u[3].get<double>()) / 2 - uw / 2;
            const double dy = (u[2].get<double>() + u[4].get<double>()) / 2 - uh / 2;
            EXPECT_NEAR((w[1].get<double>() + w[3].get<double>()) / 2, pw / 2 + dx * std::cos(t) - dy * std::sin(t), 1.5) << w;
            EXPECT_NEAR((w[2].get<double>() + w[4].get<double>()) / 2, ph / 2 + dx * std::sin(t) + dy * std::cos(t), 1.5) << w;
            ++compared;
        }
    }
    EXPECT_GE(compared, 25) << p["words"];
}

TEST_F(Pdf, PagesTurnedByRotateHaveWordBoxesInThePageAsDisplayed) {
    auto upright = ok("turned.pdf");
    auto j = ok("rotate-attr.pdf");
    ASSERT_EQ(j["pages"].size(), 3u);
    const int turned[] = {90, 180, 270};
    for (int i = 0; i < 3; ++i) {
        const auto &p = j["pages"][i];
        SCOPED_TRACE(turned[i]);
        EXPECT_EQ(p["rotation"], turned[i]);
        EXPECT_EQ(p["width"], upright["pages"][0]["width"]);  // the MediaBox, as stored
        EXPECT_EQ(p["ocr_rotation"], (360 - turned[i]) % 360);
        EXPECT_EQ(p["words_source"], "ocr");
        expect_turned_boxes(upright["pages"][0], p, turned[i]);
    }
}

TEST_F(Pdf, ScansAreRenderedAtTheirOwnResolution) {
    auto j = ok("scans.pdf");
    ASSERT_EQ(j["pages"].size(), 3u);
    const int dpis[] = {150, 200, 300};
    for (int i = 0; i < 3; ++i) {
        const auto &p = j["pages"][i];
        EXPECT_EQ(p["method"], "ocr");
        EXPECT_EQ(p["ocr_reason"], "no_text");
        EXPECT_EQ(p["resolution_source"], "image");
        EXPECT_EQ(p["ocr_dpi"], dpis[i]);
        EXPECT_NEAR(p["image_dpi"].get<double>(), dpis[i], 1);
        EXPECT_EQ(p["text"], "RESOLUTION TEST " + std::to_string(dpis[i]));
    }
    EXPECT_EQ(j["timings_ms"]["ocr_pages"], 3);
}

TEST_F(Pdf, ScannedPdfStillOcrdAtItsResolution) {
    auto j = ok("scanned.pdf");  // make_fixtures.sh: img2pdf of a 300-dpi PNG
    EXPECT_EQ(j["pages"][0]["ocr_dpi"], 300);
    EXPECT_EQ(j["pages"][0]["resolution_source"], "image");
}

TEST_F(Pdf, FacturXAttachmentIsReadAndAttachmentsListed) {
    auto j = ok("facturx.pdf");
    const auto &m = j["metadata"];
    EXPECT_EQ(m["has_embedded_files"], true);
    ASSERT_EQ(m["attachments"].size(), 2u) << m.dump();
    EXPECT_EQ(m["attachments"][0], nlohmann::json({{"name", "factur-x.xml"}, {"mime", "text/xml"}, {"size", 320}}));
    EXPECT_EQ(m["attachments"][1], nlohmann::json({{"name", "notes.txt"}, {"mime", "text/plain"}, {"size", 11}}));
    const auto &x = m["invoice_xml"];
    EXPECT_EQ(x["name"], "factur-x.xml");
    EXPECT_EQ(x["mime"], "text/xml");
    EXPECT_EQ(x["size"], 320);
    EXPECT_EQ(x["xml"], docextract::test::read_file(docextract::test::fixture_path("factur-x.xml")));
    EXPECT_TRUE(j["warnings"].empty()) << j["warnings"];
}

TEST_F(Pdf, InvoiceXmlFoundByItsRootElement) {
    auto j = ok("ubl.pdf");
    EXPECT_EQ(j["metadata"]["attachments"].size(), 2u);
    EXPECT_EQ(j["metadata"]["invoice_xml"]["name"], "ubl-invoice-17.xml");  // not data.xml
}

TEST_F(Pdf, TenThousandAttachmentsAreBounded) {
    auto j = ok("many-attachments.pdf");
    EXPECT_EQ(j["metadata"]["attachments"].size(), 1000u);
    EXPECT_NE(std::find(j["limits_hit"].begin(), j["limits_hit"].end(), "max_attachments"), j["limits_hit"].end());
    EXPECT_EQ(j["text"], "Metadata fixture");
}

TEST_F(Pdf, GigabyteAttachmentIsAWarning) {
    auto j = ok("huge-attachment.pdf");
    EXPECT_FALSE(j["metadata"].contains("invoice_xml"));
    EXPECT_EQ(j["metadata"]["attachments"][0]["size"], 1073741824);
    EXPECT_EQ(j["limits_hit"], nlohmann::json::array({"max_attachment_bytes"}));
}

// A stream that declares 1000 bytes and inflates to 1 GiB is read only up to the 2 MB cap: in
// little time, and within an address space far below 1 GiB.
TEST_F(Pdf, LyingAttachmentIsReadOnlyUpToTheCap) {
    const auto start = std::chrono::steady_clock::now();
    auto j = ok("lying-attachment.pdf", {"--max-memory-mb", "400"});
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(s, 10.0);  // inflating the whole GiB takes about 40 s
    EXPECT_FALSE(j["metadata"].contains("invoice_xml"));
    EXPECT_EQ(j["metadata"]["attachments"][0]["size"], 1000);
    EXPECT_EQ(j["limits_hit"], nlohmann::json::array({"max_attachment_bytes"}));
    EXPECT_EQ(j["warnings"], nlohmann::json::array(
        {"embedded file 'factur-x.xml' holds more than the 2097152 bytes read (it declares 1000); it was not kept"}));
    EXPECT_EQ(j["text"], "Metadata fixture");
}

// The other way round: a real invoice that declares 1 GiB is read (the read is bounded anyway)
// and kept, with a warning about the declared size.
TEST_F(Pdf, OverstatedAttachmentIsReadAndKept) {
    auto j = ok("overstated-attachment.pdf");
    EXPECT_EQ(j["metadata"]["attachments"][0]["size"], 1073741824);
    EXPECT_EQ(j["metadata"]["invoice_xml"]["size"], 320);
    EXPECT_EQ(j["metadata"]["invoice_xml"]["xml"],
              docextract::test::read_file(docextract::test::fixture_path("factur-x.xml")));
    EXPECT_EQ(j["limits_hit"], nlohmann::json::array());
    EXPECT_EQ(j["warnings"], nlohmann::json::array({"embedded file 'factur-x.xml' declares 1073741824 bytes but holds 320"}));
}

TEST_F(Pdf, InfoStringsAndDatesAsPdfinfoReadsThem) {
    auto j = ok("pdfdoc-meta.pdf");
    const auto &m = j["metadata"];
    EXPECT_EQ(m["producer"], "Acme\u2122 PDF Writer \u2022 5\u20ac");   // PDFDocEncoding
    EXPECT_EQ(m["title"], "Rapport\u00a0: \u00e9t\u00e9");               // UTF-16: the no-break space stays
    EXPECT_EQ(m["author"], "Ren\u00e9 (R) M\u00fcller");                 // octal escapes
    // pdfinfo: "Z07'46'" counts like "+07'46'": 07:46:54 - 07:46 = 00:00:54 UTC.
    EXPECT_EQ(m["created"], "2023-04-10T00:00:54Z");
    EXPECT_EQ(m["modified"], "2023-04-10T10:16:54Z");                    // -02'30'
}

}  // namespace
