// detect_mime: the exact strings libmagic 5.44 returns with docextract's flags.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "samples.hpp"

namespace {

using docextract::core::detect_mime;
using docextract::test::bytes_of;
using docextract::test::sample;

std::string mime_of(const std::string &bytes) {
    return detect_mime(bytes.data(), bytes.size());
}

class SampleMime : public testing::TestWithParam<std::pair<const char *, const char *>> {};

TEST_P(SampleMime, IsDetected) {
    EXPECT_EQ(mime_of(sample(GetParam().first)), GetParam().second);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, SampleMime,
    testing::Values(std::pair{"sample.pdf", "application/pdf"},
                    std::pair{"sample.jpg", "image/jpeg"}, std::pair{"sample.png", "image/png"},
                    std::pair{"sample.tiff", "image/tiff"},
                    std::pair{"sample_be.tiff", "image/tiff"}, std::pair{"sample.bmp", "image/bmp"},
                    std::pair{"sample.webp", "image/webp"}),
    [](const auto &info) { return docextract::test::param_name(info.param.first, info.index); });

TEST(Mime, EmptyInput) {
    EXPECT_EQ(detect_mime(nullptr, 0), "application/x-empty");
    EXPECT_EQ(detect_mime("", 0), "application/x-empty");
}

TEST(Mime, NullDataWithLengthThrows) {
    EXPECT_THROW(detect_mime(nullptr, 1), std::invalid_argument);
}

TEST(Mime, LeadingBytesDecide) {
    EXPECT_EQ(mime_of("%PDF-" + std::string(200, '\0')), "application/pdf");
    EXPECT_EQ(mime_of("\n%PDF-1.4\n"), "application/pdf");
    EXPECT_EQ(mime_of("abc%PDF-1.4\n"), "application/octet-stream");
}

TEST(Mime, OddInputs) {
    EXPECT_EQ(mime_of("x"), "application/octet-stream");
    EXPECT_EQ(mime_of(std::string(1, '\0')), "application/octet-stream");
    EXPECT_EQ(mime_of("hello world\n"), "application/octet-stream");  // text checks are off
    EXPECT_EQ(mime_of(bytes_of("\x1F\x8B\x08", 3) + std::string(200, '\0')), "application/gzip");
    std::mt19937 generator(7);
    for (int round = 0; round < 50; ++round) {
        std::string noise(1 + generator() % 8192, '\0');
        for (char &c : noise)
            c = static_cast<char>(generator());
        EXPECT_FALSE(mime_of(noise).empty());
    }
}

// Only the first MiB is read, so a large file is still identified by its header.
TEST(Mime, LargeInputsKeepTheirType) {
    for (const char *name :
         {"sample.pdf", "sample.png", "sample.jpg", "sample.tiff", "sample.bmp", "sample.webp"}) {
        std::string big = sample(name);
        const std::string mime = mime_of(big);
        big.resize(8u * 1024 * 1024, '\0');
        EXPECT_EQ(mime_of(big), mime) << name;
    }
}

}  // namespace
