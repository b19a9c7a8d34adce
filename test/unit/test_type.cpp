// Type rules of validate_file: accepted formats, extension consistency, signatures at offset 0 and
// polyglots.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "samples.hpp"

namespace {

using docextract::core::SizeLimits;
using docextract::test::bytes_of;
using docextract::test::sample;
using docextract::test::tiny_zip;
using docextract::test::validate;
using Errors = std::vector<std::string>;

const std::string kTypes = "allowed types are PDF, JPEG, PNG, TIFF, BMP and WebP.";

struct FormatCase {
    std::string sample_file;
    std::string upload_name;
    std::string file_format;
    std::string mime_type;
};

class RealDocument : public testing::TestWithParam<FormatCase> {};

TEST_P(RealDocument, IsAccepted) {
    const auto &param = GetParam();
    const auto result = validate(param.upload_name.c_str(), sample(param.sample_file));
    EXPECT_TRUE(result.valid);
    EXPECT_EQ(result.errors, Errors{});
    EXPECT_EQ(result.file_format, param.file_format);
    EXPECT_EQ(result.mime_type, param.mime_type);
    EXPECT_EQ(result.safe_filename, param.upload_name);
    EXPECT_EQ(result.file_size, sample(param.sample_file).size());
}

INSTANTIATE_TEST_SUITE_P(
    Formats, RealDocument,
    testing::Values(FormatCase{"sample.pdf", "doc.pdf", "pdf", "application/pdf"},
                    FormatCase{"sample.jpg", "photo.jpg", "jpg", "image/jpeg"},
                    FormatCase{"sample.jpg", "photo.JPEG", "jpeg", "image/jpeg"},
                    FormatCase{"sample.png", "scan.png", "png", "image/png"},
                    FormatCase{"sample.tiff", "fax.tiff", "tiff", "image/tiff"},
                    FormatCase{"sample_be.tiff", "fax.TIFF", "tiff", "image/tiff"},
                    FormatCase{"sample.bmp", "paint.bmp", "bmp", "image/bmp"},
                    FormatCase{"sample.webp", "web.webp", "webp", "image/webp"}),
    [](const auto &info) {
        return docextract::test::param_name(info.param.upload_name, info.index);
    });

TEST(Type, ContentMustMatchExtension) {
    EXPECT_EQ(validate("scan.pdf", sample("sample.png")).errors,
              Errors{"File content is image/png but the extension is .pdf."});
    EXPECT_EQ(validate("doc.jpg", sample("sample.pdf")).errors,
              Errors{"File content is application/pdf but the extension is .jpg."});
    EXPECT_EQ(validate("a.webp", sample("sample.tiff")).errors,
              Errors{"File content is image/tiff but the extension is .webp."});
    EXPECT_EQ(validate("a.bmp", sample("sample.webp")).errors,
              Errors{"File content is image/webp but the extension is .bmp."});
    EXPECT_EQ(validate("a.tiff", sample("sample.bmp")).errors,
              Errors{"File content is image/bmp but the extension is .tiff."});
    EXPECT_EQ(validate("a.png", sample("sample.jpg")).errors,
              Errors{"File content is image/jpeg but the extension is .png."});
}

TEST(Type, OtherTypesAreRefusedByName) {
    const std::string zeros(200, '\0');
    auto gif = validate("a.png", "GIF89a" + zeros);
    EXPECT_EQ(gif.mime_type, "image/gif");
    EXPECT_EQ(gif.errors, Errors{"File type image/gif is not allowed; " + kTypes});
    auto zip = validate("a.pdf", bytes_of("PK\x03\x04", 4) + zeros);
    EXPECT_EQ(zip.errors, Errors{"File type application/zip is not allowed; " + kTypes});
    auto exe = validate("a.pdf", "MZ" + zeros);
    EXPECT_EQ(exe.errors, Errors{"File type application/x-dosexec is not allowed; " + kTypes});
    auto svg = validate("a.png",
                        "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\">"
                        "<script>alert(1)</script></svg>\n" +
                            std::string(20, '\n'));
    EXPECT_EQ(svg.errors, Errors{"File type image/svg+xml is not allowed; " + kTypes});
}

TEST(Type, RandomBytesAreRefused) {
    std::mt19937 generator(42);
    std::string noise(4096, '\0');
    for (char &c : noise)
        c = static_cast<char>(generator());
    const auto result = validate("noise.pdf", noise);
    EXPECT_EQ(result.mime_type, "application/octet-stream");
    EXPECT_EQ(result.errors,
              Errors{"File type application/octet-stream is not allowed; " + kTypes});
}

// libmagic only reads the leading bytes: the validator cannot prove more than the signature.
TEST(Type, MagicOnlyPdfIsAccepted) {
    const auto result = validate("fake.pdf", "%PDF-" + std::string(200, '\0'));
    EXPECT_EQ(result.mime_type, "application/pdf");
    EXPECT_TRUE(result.valid);
}

TEST(Type, MinimalHeadersOfEveryImageAreAccepted) {
    const std::string zeros(200, '\0');
    EXPECT_TRUE(validate("a.tiff", bytes_of("II*\0", 4) + zeros).valid);
    EXPECT_TRUE(validate("a.tiff", bytes_of("MM\0*", 4) + zeros).valid);
    EXPECT_TRUE(validate("a.jpg", bytes_of("\xFF\xD8\xFF\xE0", 4) + zeros).valid);
    EXPECT_TRUE(validate("a.webp", bytes_of("RIFF\0\0\0\0WEBPVP8 ", 16) + zeros).valid);
}

// libmagic calls these PDFs, but something precedes the signature.
TEST(Type, SignatureMustBeAtOffsetZero) {
    const std::string body = sample("sample.pdf");
    for (const std::string &prefix : {std::string("\n"), std::string("\xEF\xBB\xBF")}) {
        const auto result = validate("doc.pdf", prefix + body);
        EXPECT_EQ(result.mime_type, "application/pdf");
        EXPECT_EQ(result.errors, Errors{"File does not start with the PDF signature."});
    }
}

TEST(Type, PngWithAppendedPdfIsRefused) {
    const auto result = validate("scan.png", sample("sample.png") + sample("sample.pdf"));
    EXPECT_EQ(result.mime_type, "image/png");
    EXPECT_EQ(result.errors, Errors{"File contains an embedded PDF document."});
}

TEST(Type, JpegWithAppendedZipIsRefused) {
    const auto result = validate("photo.jpg", sample("sample.jpg") + tiny_zip());
    EXPECT_EQ(result.mime_type, "image/jpeg");
    EXPECT_EQ(result.errors, Errors{"File contains an embedded ZIP archive."});
}

// Four bytes are not an archive: only a ZIP that a reader would open counts (test_polyglot.cpp).
TEST(Type, BareZipHeadersAreNotAnArchive) {
    for (const char *header : {"PK\x03\x04", "PK\x01\x02", "PK\x05\x06"})
        EXPECT_TRUE(validate("a.bmp", sample("sample.bmp") + bytes_of(header, 4)).valid)
            << header + 2;
}

TEST(Type, ImageWithBothIsRefusedTwice) {
    const auto result = validate("a.webp", sample("sample.webp") + "%PDF-1.7" + tiny_zip());
    EXPECT_EQ(result.errors, (Errors{"File contains an embedded PDF document.",
                                     "File contains an embedded ZIP archive."}));
}

// Inside the document, before its last %%EOF, the markers alone mean nothing.
TEST(Type, PdfMayContainZipAndPdfMarkers) {
    std::string pdf = sample("sample.pdf");
    pdf.insert(pdf.size() / 2, bytes_of("PK\x03\x04PK\x05\x06%PDF-1.7", 16));
    EXPECT_TRUE(validate("doc.pdf", pdf).valid);
}

// Problems are reported in a stable order: file name, then size, then type.
TEST(Type, AllProblemsInOrder) {
    const auto result =
        validate("x.exe.jpg", sample("sample.png").substr(0, 60) + "%PDF-", SizeLimits{100, 1000});
    EXPECT_FALSE(result.valid);
    EXPECT_EQ(result.errors, (Errors{"File name contains the executable or script extension .exe.",
                                     "File is too small: 65 bytes, the minimum is 100 bytes.",
                                     "File content is image/png but the extension is .jpg.",
                                     "File contains an embedded PDF document."}));
    EXPECT_EQ(result.safe_filename, "");
    EXPECT_EQ(result.file_format, "jpg");
}

// Worst case for the polyglot scan: a near-match at every position, and still no false match.
TEST(Type, PolyglotScanIsLinear) {
    std::string png = sample("sample.png");
    const std::size_t target = 50u * 1024 * 1024;
    png.reserve(target);
    while (png.size() + 6 <= target)
        png += "%PDFPK";
    const auto result = validate("a.png", png);
    EXPECT_TRUE(result.valid);
}

}  // namespace
