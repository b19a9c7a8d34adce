// The polyglot rule (docs/validation.md): archives, executables and PDFs after the end of an
// accepted document are refused; chance bytes inside its data are not.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "samples.hpp"

namespace {

using docextract::test::bytes_of;
using docextract::test::png_chunk;
using docextract::test::sample;
using docextract::test::tiny_elf;
using docextract::test::tiny_pe;
using docextract::test::tiny_zip;
using docextract::test::validate;
using Errors = std::vector<std::string>;

const Errors kZip{"File contains an embedded ZIP archive."};

std::string appended(const std::string &what, const std::string &format) {
    return "File has " + what + " appended after the end of the " + format + " data.";
}

// Compressed-looking bytes: a fixed seed, so that a failure can be reproduced.
std::string noise(std::size_t size, unsigned seed) {
    std::mt19937 generator(seed);
    std::string bytes(size, '\0');
    for (char &c : bytes)
        c = static_cast<char>(generator());
    return bytes;
}

// The sample's signature and IHDR, then the given chunks, then IEND.
std::string png_with(const std::vector<std::string> &chunks) {
    std::string png = sample("sample.png").substr(0, 8 + 25);
    for (const std::string &chunk : chunks)
        png += chunk;
    return png + png_chunk("IEND", "");
}

TEST(Polyglot, PdfWithZipAfterEofIsRefused) {
    EXPECT_EQ(validate("doc.pdf", sample("sample.pdf") + tiny_zip()).errors, kZip);
}

TEST(Polyglot, ZipWithAbsoluteOffsetsIsRefused) {
    const std::string pdf = sample("sample.pdf");
    const auto zip = tiny_zip(static_cast<std::uint32_t>(pdf.size()));
    EXPECT_EQ(validate("doc.pdf", pdf + zip).errors, kZip);
}

// A ZIP reader looks for the end record in the last 64 KiB whatever precedes it.
TEST(Polyglot, PdfWithZipBeforeItsLastEofIsRefused) {
    EXPECT_EQ(validate("doc.pdf", sample("sample.pdf") + tiny_zip() + "\n%%EOF\n").errors, kZip);
}

TEST(Polyglot, PngWithZipAfterIendIsRefused) {
    const auto result = validate("scan.png", sample("sample.png") + tiny_zip());
    EXPECT_EQ(result.mime_type, "image/png");
    EXPECT_EQ(result.errors, kZip);
}

TEST(Polyglot, JpegWithElfAfterEoiIsRefused) {
    EXPECT_EQ(validate("photo.jpg", sample("sample.jpg") + tiny_elf()).errors,
              Errors{appended("an ELF executable", "JPEG")});
}

TEST(Polyglot, WebpWithZipAppendedIsRefused) {
    EXPECT_EQ(validate("web.webp", sample("sample.webp") + tiny_zip()).errors, kZip);
}

TEST(Polyglot, BmpWithExecutableAfterPixelsIsRefused) {
    EXPECT_EQ(validate("a.bmp", sample("sample.bmp") + tiny_pe()).errors,
              Errors{appended("a Windows executable", "BMP")});
}

// bfSize made to cover the payload: the pixel array's computed end still decides.
TEST(Polyglot, BmpWhoseDeclaredSizeCoversThePayloadIsRefused) {
    std::string bmp = sample("sample.bmp") + tiny_elf();
    const auto size = static_cast<std::uint32_t>(bmp.size());
    for (int i = 0; i < 4; ++i)
        bmp[2 + i] = static_cast<char>((size >> (8 * i)) & 0xFF);
    EXPECT_EQ(validate("a.bmp", bmp).errors, Errors{appended("an ELF executable", "BMP")});
}

// A forged IEND at the very end does not hide what follows the real one.
TEST(Polyglot, ForgedFinalIendDoesNotHideThePayload) {
    const std::string png = sample("sample.png") + tiny_elf() + png_chunk("IEND", "");
    EXPECT_EQ(validate("a.png", png).errors, Errors{appended("an ELF executable", "PNG")});
}

TEST(Polyglot, PaddingBeforeThePayloadIsSkipped) {
    const std::string png = sample("sample.png") + std::string(3, '\0') + "\r\n#!/bin/sh\nid\n";
    EXPECT_EQ(validate("a.png", png).errors, Errors{appended("a script", "PNG")});
}

struct PayloadCase {
    std::string label;
    std::string bytes;
    std::string kind;
};

class AppendedPayload : public testing::TestWithParam<PayloadCase> {};

TEST_P(AppendedPayload, IsRefusedAfterEveryFormat) {
    const auto &param = GetParam();
    const std::string payload = param.bytes + std::string(300, '\0');
    for (const auto &[file, name, format] :
         {std::tuple{"sample.png", "a.png", "PNG"}, std::tuple{"sample.jpg", "a.jpg", "JPEG"},
          std::tuple{"sample.pdf", "a.pdf", "PDF"}, std::tuple{"sample.webp", "a.webp", "WebP"},
          std::tuple{"sample.bmp", "a.bmp", "BMP"}}) {
        const auto result = validate(name, sample(file) + payload);
        EXPECT_EQ(result.errors, Errors{appended(param.kind, format)}) << file;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, AppendedPayload,
    testing::Values(
        PayloadCase{"Zip", bytes_of("PK\x03\x04\x0A\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x05\0\0\0", 30) +
                               "a.php", "a ZIP archive"},
        PayloadCase{"SevenZip", bytes_of("7z\xBC\xAF\x27\x1C\0\x04", 8), "a 7z archive"},
        PayloadCase{"Rar4", bytes_of("Rar!\x1A\x07\0", 7), "a RAR archive"},
        PayloadCase{"Rar5", bytes_of("Rar!\x1A\x07\x01\0", 8), "a RAR archive"},
        PayloadCase{"Gzip", bytes_of("\x1F\x8B\x08\0", 4), "a gzip archive"},
        PayloadCase{"Xz", bytes_of("\xFD" "7zXZ\0", 6), "an xz archive"},
        PayloadCase{"Bzip2", "BZh91AY&SY", "a bzip2 archive"},
        PayloadCase{"Zstd", bytes_of("\x28\xB5\x2F\xFD", 4), "a Zstandard archive"},
        PayloadCase{"Cab", bytes_of("MSCF\0\0\0\0", 8), "a cabinet archive"},
        PayloadCase{"Tar", "a.php" + std::string(252, '\0') + "ustar", "a tar archive"},
        PayloadCase{"Elf", tiny_elf(), "an ELF executable"},
        PayloadCase{"Pe", tiny_pe(), "a Windows executable"},
        PayloadCase{"MachO64", bytes_of("\xCF\xFA\xED\xFE\x07\0\0\x01", 8), "a Mach-O executable"},
        PayloadCase{"MachOFat", bytes_of("\xCA\xFE\xBA\xBE\0\0\0\x02", 8), "a Mach-O executable"},
        PayloadCase{"Script", "#!/bin/sh\nrm -rf ~\n", "a script"}),
    [](const auto &info) { return info.param.label; });

// Only what a tool would open counts: these are bytes, not payloads.
TEST(Polyglot, LookalikesAfterTheEndAreAccepted) {
    for (const std::string &tail :
         {bytes_of("PK\x03\x04", 4), bytes_of("PK\x05\x06", 4) + std::string(18, '\x7F'),
          "MZ" + std::string(100, '\0'), bytes_of("\x7F" "ELF\x09\x09\x09", 7),
          bytes_of("\xCA\xFE\xBA\xBE\0\0\0\x34", 8) /* a Java class */,
          std::string(4096, '\0'), std::string("\r\n"), noise(4096, 3)})
        EXPECT_TRUE(validate("a.png", sample("sample.png") + tail).valid);
}

// A reader-visible ZIP end record whose directory points outside the file is no archive.
TEST(Polyglot, ZipEndRecordPointingOutsideIsAccepted) {
    std::string zip = tiny_zip();
    zip[zip.size() - 6] = '\x7F';   // the directory offset and size now point where no
    zip[zip.size() - 10] = '\x7F';  // central directory is
    EXPECT_TRUE(validate("a.png", sample("sample.png") + "x" + zip.substr(30 + 5 + 46 + 5)).valid);
}

TEST(Polyglot, PngWithChanceZipBytesInIdatIsAccepted) {
    std::string data = noise(200000, 1);
    data.replace(1000, 4, "PK\x03\x04");
    data.replace(5000, 4, "PK\x01\x02");
    data.replace(data.size() - 100, 4, "PK\x05\x06");  // in the last 64 KiB, but no directory
    const auto result = validate("scan.png", png_with({png_chunk("IDAT", data)}));
    EXPECT_EQ(result.mime_type, "image/png");
    EXPECT_TRUE(result.valid);
    EXPECT_EQ(result.errors, Errors{});
}

// 50 MiB of 8 KiB IDAT chunks, as libpng writes them, with a chance ZIP header every 64 KiB.
TEST(Polyglot, FiftyMebibyteImageWithManyZipHeadersIsAccepted) {
    const std::string block = noise(8192, 2);
    std::vector<std::string> chunks;
    std::size_t size = 8 + 25 + 12;
    for (std::size_t i = 0; size + 8192 + 12 <= 50u * 1024 * 1024; ++i) {
        std::string data = block;
        if (i % 8 == 0)
            data.replace(i % 8000, 4, i % 16 ? "PK\x03\x04" : "PK\x05\x06");
        chunks.push_back(png_chunk("IDAT", data));
        size += data.size() + 12;
    }
    const auto result = validate("big.png", png_with(chunks));
    EXPECT_EQ(result.errors, Errors{});
    EXPECT_TRUE(result.valid);
}

TEST(Polyglot, EmbeddedPdfHeaderNearTheStartOfAnImageIsRefused) {
    const std::string png = png_with({png_chunk("tEXt", std::string("Comment\0%PDF-1.4 1 0 obj", 24)),
                                     png_chunk("IDAT", std::string(200, '\0'))});
    EXPECT_EQ(validate("a.png", png).errors, Errors{"File contains an embedded PDF document."});
}

TEST(Polyglot, PdfAfterAnImageIsRefused) {
    EXPECT_EQ(validate("a.jpg", sample("sample.jpg") + sample("sample.pdf")).errors,
              Errors{"File contains an embedded PDF document."});
}

// TIFF data may sit anywhere: without an end, the last 64 KiB are searched for what can be found
// anywhere (docs/validation.md).
TEST(Polyglot, TiffTailIsSearched) {
    const std::string tiff = sample("sample.tiff");
    EXPECT_EQ(validate("a.tiff", tiff + tiny_zip()).errors, kZip);
    EXPECT_EQ(validate("a.tiff", tiff + tiny_elf()).errors,
              Errors{"File contains an ELF executable near its end."});
    EXPECT_EQ(validate("a.tiff", tiff + bytes_of("7z\xBC\xAF\x27\x1C", 6)).errors,
              Errors{"File contains a 7z archive near its end."});
    EXPECT_TRUE(validate("a.tiff", tiff + noise(100000, 4)).valid);
}

// A PNG cut short has no IEND: its tail is searched the same way.
TEST(Polyglot, TruncatedImageTailIsSearched) {
    const std::string png = sample("sample.png");
    const std::string cut = png.substr(0, png.size() - 12);
    EXPECT_EQ(validate("a.png", cut + tiny_elf()).errors,
              Errors{"File contains an ELF executable near its end."});
    EXPECT_TRUE(validate("a.png", cut + std::string(200, '\0')).valid);
}

}  // namespace
