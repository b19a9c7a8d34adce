// The real helper on generated documents: exact text and metadata where deterministic, the known
// words where OCR is involved.
#include <algorithm>

#include "support.hpp"

using docextract::core::RunOutcome;
using docextract::test::parse;
using docextract::test::run_fixture;

namespace {

class Documents : public docextract::test::NoLeaks {};

bool contains(const nlohmann::json &text, const std::string &word) {
    return text.get<std::string>().find(word) != std::string::npos;
}

TEST_F(Documents, TextPdfGivesTheExactNativeText) {
    auto r = run_fixture("text.pdf");
    ASSERT_EQ(r.outcome, RunOutcome::ok) << r.error_message << r.stderr_tail;
    auto j = parse(r);
    EXPECT_EQ(j["schema"], "docextract-extract/2");
    EXPECT_EQ(j["text"], "The quick brown fox jumps over the lazy dog while docextract reads the native text layer.");
    ASSERT_EQ(j["pages"].size(), 1u);
    EXPECT_EQ(j["pages"][0]["method"], "native");
    EXPECT_TRUE(j["pages"][0]["ocr_confidence"].is_null());
    EXPECT_EQ(j["pages"][0]["width"], 595.0);
    EXPECT_EQ(j["pages"][0]["height"], 842.0);
    EXPECT_EQ(j["metadata"]["content_type"], "application/pdf");
    EXPECT_EQ(j["metadata"]["encrypted"], false);
    EXPECT_EQ(j["timings_ms"]["ocr_pages"], 0);
}

TEST_F(Documents, MultiPagePdfMetadata) {
    auto r = run_fixture("meta.pdf");
    ASSERT_EQ(r.outcome, RunOutcome::ok) << r.error_message;
    auto j = parse(r);
    const auto &m = j["metadata"];
    EXPECT_EQ(m["title"], "Quarterly Report");
    EXPECT_EQ(m["author"], "Jane Doe");
    EXPECT_EQ(m["subject"], "Testing");
    EXPECT_EQ(m["keywords"], "alpha, beta");
    EXPECT_EQ(m["pages"], 3);
    EXPECT_EQ(m["pdf_version"], "1.7");
    EXPECT_EQ(m["creator"], "groff version 1.22.4");
    EXPECT_EQ(m["created"].get<std::string>().size(), 20u);  // 2023-11-14T22:13:20Z
    ASSERT_EQ(j["pages"].size(), 3u);
    const char *words[] = {"alpha", "bravo", "charlie"};
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(j["pages"][i]["page"], i + 1);
        EXPECT_EQ(j["pages"][i]["method"], "native");
        EXPECT_TRUE(contains(j["pages"][i]["text"], words[i]));
    }
    const std::string text = j["text"];
    EXPECT_EQ(std::count(text.begin(), text.end(), '\f'), 2);
}

TEST_F(Documents, ScannedPdfIsOcrd) {
    auto r = run_fixture("scanned.pdf");
    ASSERT_EQ(r.outcome, RunOutcome::ok) << r.error_message;
    auto j = parse(r);
    ASSERT_EQ(j["pages"].size(), 1u);
    EXPECT_EQ(j["pages"][0]["method"], "ocr");
    EXPECT_GT(j["pages"][0]["ocr_confidence"].get<double>(), 0.5);
    for (const char *w : {"SCANNED", "INVOICE", "4711"}) EXPECT_TRUE(contains(j["text"], w)) << w;
    EXPECT_EQ(j["timings_ms"]["ocr_pages"], 1);
}

TEST_F(Documents, EncryptedPdfFailsWithEncrypted) {
    auto r = run_fixture("encrypted.pdf");
    EXPECT_EQ(r.outcome, RunOutcome::helper_error);
    EXPECT_EQ(r.error_code, "encrypted");
    EXPECT_EQ(r.exit_status, 3);
}

TEST_F(Documents, OcrInEveryImageFormat) {
    const std::pair<const char *, const char *> files[] = {
        {"hello.png", "image/png"}, {"hello.jpg", "image/jpeg"}, {"hello.bmp", "image/bmp"},
        {"hello.webp", "image/webp"}};
    for (auto [file, mime] : files) {
        auto r = run_fixture(file);
        ASSERT_EQ(r.outcome, RunOutcome::ok) << file << ": " << r.error_message;
        auto j = parse(r);
        EXPECT_EQ(j["text"], "HELLO DOCEXTRACT") << file;
        EXPECT_EQ(j["metadata"]["content_type"], mime);
        EXPECT_EQ(j["metadata"]["width"], 1200);
        EXPECT_EQ(j["metadata"]["height"], 300);
        EXPECT_EQ(j["pages"][0]["method"], "ocr");
        EXPECT_GT(j["pages"][0]["ocr_confidence"].get<double>(), 0.5) << file;
    }
    auto jpeg = run_fixture("hello.jpg", {}, "jpeg");
    EXPECT_EQ(jpeg.outcome, RunOutcome::ok);
}

TEST_F(Documents, RunLengthEncodedBmpIsUnsupported) {
    auto r = run_fixture("rle.bmp");
    EXPECT_EQ(r.outcome, RunOutcome::helper_error);
    EXPECT_EQ(r.error_code, "unsupported");
    EXPECT_EQ(r.error_message, "run-length encoded (RLE) BMP files are not supported; store the "
                               "image as uncompressed BMP or as PNG");
}

TEST_F(Documents, MultiPageTiff) {
    auto r = run_fixture("multi.tiff");
    ASSERT_EQ(r.outcome, RunOutcome::ok) << r.error_message;
    auto j = parse(r);
    EXPECT_EQ(j["metadata"]["frames"], 2);
    ASSERT_EQ(j["pages"].size(), 2u);
    EXPECT_EQ(j["pages"][0]["text"], "FIRST PAGE");
    EXPECT_EQ(j["pages"][1]["text"], "SECOND PAGE");
    EXPECT_EQ(j["text"], "FIRST PAGE\fSECOND PAGE");
}

TEST_F(Documents, OcrPageCapIsReported) {
    auto j = parse(run_fixture("multi.tiff", {"--max-ocr-pages", "1"}));
    EXPECT_EQ(j["pages"][1]["text"], "");
    EXPECT_EQ(j["limits_hit"], nlohmann::json::array({"max_ocr_pages"}));
}

TEST_F(Documents, PageCapTruncatesOrFails) {
    auto j = parse(run_fixture("meta.pdf", {"--max-pages", "2"}));
    EXPECT_EQ(j["pages"].size(), 2u);
    EXPECT_EQ(j["metadata"]["pages"], 3);
    EXPECT_EQ(j["limits_hit"], nlohmann::json::array({"max_pages"}));
    auto r = run_fixture("meta.pdf", {"--max-pages", "2", "--fail-on-page-limit"});
    EXPECT_EQ(r.error_code, "too_many_pages");
    auto t = run_fixture("multi.tiff", {"--max-pages", "1", "--fail-on-page-limit"});
    EXPECT_EQ(t.error_code, "too_many_pages");
}

TEST_F(Documents, DeclaredFormatDecidesTheParser) {
    auto r = run_fixture("hello.png", {}, "jpg");
    EXPECT_EQ(r.outcome, RunOutcome::helper_error);
    EXPECT_EQ(r.error_code, "corrupt");
    auto pdf_as_png = run_fixture("text.pdf", {}, "png");
    EXPECT_EQ(pdf_as_png.error_code, "corrupt");
    auto docx = run_fixture("text.pdf", {}, "docx");
    EXPECT_EQ(docx.error_code, "unsupported");
}

TEST_F(Documents, BadArgumentsAreUsageErrors) {
    auto r = docextract::test::run_bytes("x", {"--format", "pdf", "--max-pages", "zero"});
    EXPECT_EQ(r.outcome, RunOutcome::helper_error);
    EXPECT_EQ(r.error_code, "usage");
    EXPECT_EQ(r.exit_status, 2);
}

TEST_F(Documents, InputSizeCap) {
    std::string big(2u << 20, ' ');
    auto r = docextract::test::run_bytes(big, {"--format", "pdf", "--max-input-mb", "1"});
    EXPECT_EQ(r.error_code, "limits");
}

}  // namespace
