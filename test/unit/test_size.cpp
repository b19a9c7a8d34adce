// Size rules of validate_file: boundaries with small custom limits, the empty file, and one real
// upload of the default maximum plus one byte.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "samples.hpp"

namespace {

using docextract::core::SizeLimits;
using docextract::core::validate_file;
using docextract::test::sample;
using docextract::test::validate;
using Errors = std::vector<std::string>;

// A real PNG with zeros after IEND: still image/png, and no polyglot marker.
std::string png_of_size(std::size_t size) {
    std::string png = sample("sample.png");
    png.resize(size, '\0');
    return png;
}

const SizeLimits kSmallLimits{1000, 2000};

TEST(Size, OneBelowMinimumIsRefused) {
    const auto result = validate("a.png", png_of_size(999), kSmallLimits);
    EXPECT_EQ(result.errors, Errors{"File is too small: 999 bytes, the minimum is 1000 bytes."});
    EXPECT_EQ(result.file_size, 999u);
    EXPECT_FALSE(result.valid);
}

TEST(Size, MinimumIsAccepted) {
    const auto result = validate("a.png", png_of_size(1000), kSmallLimits);
    EXPECT_TRUE(result.valid);
    EXPECT_EQ(result.file_size, 1000u);
}

TEST(Size, MaximumIsAccepted) {
    const auto result = validate("a.png", png_of_size(2000), kSmallLimits);
    EXPECT_TRUE(result.valid);
    EXPECT_EQ(result.file_size, 2000u);
}

TEST(Size, OneAboveMaximumIsRefused) {
    const auto result = validate("a.png", png_of_size(2001), kSmallLimits);
    EXPECT_EQ(result.errors, Errors{"File is too large: 2001 bytes, the maximum is 2000 bytes."});
    EXPECT_EQ(result.file_size, 2001u);
}

TEST(Size, DefaultLimits) {
    const SizeLimits limits;
    EXPECT_EQ(limits.min_size, 100u);
    EXPECT_EQ(limits.max_size, 52428800u);
    EXPECT_EQ(validate("a.png", png_of_size(99)).errors,
              Errors{"File is too small: 99 bytes, the minimum is 100 bytes."});
    EXPECT_TRUE(validate("a.png", png_of_size(100)).valid);
}

TEST(Size, NullEmptyContentIsTooSmallAndHasNoType) {
    const auto result = validate_file("a.png", nullptr, 0, {});
    EXPECT_FALSE(result.valid);
    EXPECT_EQ(result.errors, Errors{"File has no content."});
    EXPECT_EQ(result.file_size, 0u);
    EXPECT_EQ(result.mime_type, "");
    EXPECT_EQ(result.file_format, "png");
    EXPECT_EQ(result.safe_filename, "a.png");
}

TEST(Size, EmptyContentIsRefusedEvenWithoutMinimum) {
    const auto result = validate_file("a.png", "", 0, SizeLimits{0, 10});
    EXPECT_EQ(result.errors, Errors{"File has no content."});
}

TEST(Size, NullDataWithLengthThrows) {
    EXPECT_THROW(validate_file("a.png", nullptr, 5, {}), std::invalid_argument);
}

TEST(Size, NullEverything) {
    const auto result = validate_file(nullptr, nullptr, 0, {});
    EXPECT_EQ(result.errors, (Errors{"File name is missing.",
                                     "File has no content."}));
    EXPECT_FALSE(result.valid);
}

// 50 MiB + 1 with the default limits: refused for its size only. (Speed is measured in bench/,
// not here; ctest's timeout catches a scan gone quadratic.)
TEST(Size, FiftyMebibytesPlusOneIsRefusedForItsSizeOnly) {
    const std::size_t size = 50u * 1024 * 1024 + 1;
    const std::string png = png_of_size(size);
    const auto result = validate("big.png", png);
    EXPECT_EQ(result.errors,
              Errors{"File is too large: 52428801 bytes, the maximum is 52428800 bytes."});
    EXPECT_EQ(result.mime_type, "image/png");
    EXPECT_EQ(result.file_size, size);
}

TEST(Size, FiftyMebibytesIsAccepted) {
    EXPECT_TRUE(validate("big.png", png_of_size(50u * 1024 * 1024)).valid);
}

}  // namespace
