// File-name rules of validate_file. The content is always a real PNG so that only the name matters.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "samples.hpp"

namespace {

using docextract::test::sample;
using docextract::test::validate;
using Errors = std::vector<std::string>;

const std::string kAllowed = "allowed extensions are pdf, jpg, jpeg, png, tiff, bmp, webp.";

struct NameCase {
    std::string label;
    std::string name;
    Errors errors;
};

std::string case_label(const testing::TestParamInfo<NameCase> &info) {
    return info.param.label;
}

class AcceptedName : public testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(AcceptedName, KeepsTheBaseName) {
    const auto &[name, base] = GetParam();
    const auto result = validate(name.c_str(), sample("sample.png"));
    EXPECT_TRUE(result.valid);
    EXPECT_EQ(result.errors, Errors{});
    EXPECT_EQ(result.safe_filename, base);
    EXPECT_EQ(result.file_format, "png");
}

INSTANTIATE_TEST_SUITE_P(
    Names, AcceptedName,
    testing::Values(std::pair{"scan.png", "scan.png"}, std::pair{"SCAN.PNG", "SCAN.PNG"},
                    std::pair{"C:\\Users\\x\\scan.png", "scan.png"},
                    std::pair{"/home/u/scan.png", "scan.png"},
                    std::pair{"dir\\sub/mixed.png", "mixed.png"},
                    std::pair{"my scan (1).png", "my scan (1).png"},
                    std::pair{"rapport \xC3\xA9t\xC3\xA9 \xE2\x82\xAC.png",
                              "rapport \xC3\xA9t\xC3\xA9 \xE2\x82\xAC.png"},
                    std::pair{"php.png", "php.png"},  // the stem is a name, not an extension
                    std::pair{"a.b.c.png", "a.b.c.png"}, std::pair{"a..png", "a..png"},
                    std::pair{std::string(251, 'a') + ".png", std::string(251, 'a') + ".png"}),
    [](const auto &info) { return docextract::test::param_name(info.param.first, info.index); });

class RefusedName : public testing::TestWithParam<NameCase> {};

TEST_P(RefusedName, ReportsExactly) {
    const auto result = validate(GetParam().name.c_str(), sample("sample.png"));
    EXPECT_FALSE(result.valid);
    EXPECT_EQ(result.errors, GetParam().errors);
    EXPECT_EQ(result.safe_filename, "");
    EXPECT_EQ(result.mime_type, "image/png");
}

INSTANTIATE_TEST_SUITE_P(
    Names, RefusedName,
    testing::Values(
        NameCase{"Empty", "", {"File name is missing."}},
        NameCase{"TooLong",
                 std::string(252, 'a') + ".png",
                 {"File name is too long: 256 bytes, the maximum is 255 bytes."}},
        NameCase{"InvalidByte", "scan\xFF.png", {"File name is not valid UTF-8."}},
        NameCase{"Overlong", "scan\xC0\xAF.png", {"File name is not valid UTF-8."}},
        NameCase{"Surrogate", "scan\xED\xA0\x80.png", {"File name is not valid UTF-8."}},
        NameCase{"AboveMax", "scan\xF4\x90\x80\x80.png", {"File name is not valid UTF-8."}},
        NameCase{"Truncated", "scan\xE2\x82.png", {"File name is not valid UTF-8."}},
        NameCase{"LoneContinuation", "\x80scan.png", {"File name is not valid UTF-8."}},
        NameCase{"Newline", "scan\n.png", {"File name contains control characters."}},
        NameCase{"Tab", "scan\t.png", {"File name contains control characters."}},
        NameCase{"Delete", "scan\x7F.png", {"File name contains control characters."}},
        NameCase{"C1Control", "scan\xC2\x85.png", {"File name contains control characters."}},
        NameCase{"Escape", "\x1B[31mscan.png", {"File name contains control characters."}},
        NameCase{"NoBaseName", "C:\\dir\\", {"File name has no base name."}},
        NameCase{"Slash", "/", {"File name has no base name."}},
        NameCase{"Dot", ".", {"File name has no base name."}},
        NameCase{"DotDot", "..", {"File name has no base name."}},
        NameCase{"PathDotDot", "uploads/..", {"File name has no base name."}},
        NameCase{"OnlyExtension", ".png", {"File name starts with a dot."}},
        NameCase{"DotFile", "dir/.htaccess", {"File name starts with a dot."}},
        NameCase{"TrailingDot", "scan.png.", {"File name ends with a dot or a space."}},
        NameCase{"TrailingSpace", "scan.png ", {"File name ends with a dot or a space."}},
        NameCase{"NoExtension", "scan", {"File name has no extension."}},
        NameCase{"Tif", "scan.tif", {"File extension .tif is not allowed; " + kAllowed}},
        NameCase{"Gif", "scan.GIF", {"File extension .gif is not allowed; " + kAllowed}},
        NameCase{"Exe", "setup.exe", {"File extension .exe is not allowed; " + kAllowed}},
        NameCase{"OddExtension", "scan.p\xC3\xA9", {"File extension is not allowed; " + kAllowed}},
        NameCase{"HiddenAndRefused",
                 "a.php.tif",
                 {"File extension .tif is not allowed; " + kAllowed,
                  "File name contains the executable or script extension .php."}},
        NameCase{"EverythingWrong",
                 "C:\\x\\a\x01\xE2\x80\xAE.PHP.txt",
                 {"File name contains control characters.",
                  "File name contains bidirectional text control characters.",
                  "File extension .txt is not allowed; " + kAllowed,
                  "File name contains the executable or script extension .php."}}),
    case_label);

TEST(Filename, NullIsMissing) {
    const std::string png = sample("sample.png");
    const auto result = docextract::core::validate_file(nullptr, png.data(), png.size(), {});
    EXPECT_FALSE(result.valid);
    EXPECT_EQ(result.errors, Errors{"File name is missing."});
    EXPECT_EQ(result.safe_filename, "");
    EXPECT_EQ(result.file_format, "");
    EXPECT_EQ(result.mime_type, "image/png");
}

TEST(Filename, OverlongNameStillReportsItsFormat) {
    const auto result = validate((std::string(300, 'a') + ".png").c_str(), sample("sample.png"));
    EXPECT_EQ(result.file_format, "png");
    EXPECT_EQ(result.errors.size(), 1u);
}

// Every code point that reorders how a name is displayed ("invoice<U+202E>gnp.exe").
std::string hex_name(const testing::TestParamInfo<const char *> &info) {
    static const char kDigits[] = "0123456789ABCDEF";
    std::string hex;
    for (const char *p = info.param; *p != '\0'; ++p) {
        hex += kDigits[(static_cast<unsigned char>(*p) >> 4) & 0xF];
        hex += kDigits[static_cast<unsigned char>(*p) & 0xF];
    }
    return hex;
}

class BidiName : public testing::TestWithParam<const char *> {};

TEST_P(BidiName, IsRefused) {
    const std::string name = std::string("invoice") + GetParam() + "x.png";
    const auto result = validate(name.c_str(), sample("sample.png"));
    EXPECT_EQ(result.errors, Errors{"File name contains bidirectional text control characters."});
}

INSTANTIATE_TEST_SUITE_P(CodePoints, BidiName,
                         testing::Values("\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC",
                                         "\xE2\x80\xAD", "\xE2\x80\xAE", "\xE2\x81\xA6",
                                         "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9",
                                         "\xE2\x80\x8E", "\xE2\x80\x8F", "\xD8\x9C"),
                         hex_name);

// An executable or script extension before the final one, in any letter case.
class HiddenExtension : public testing::TestWithParam<const char *> {};

TEST_P(HiddenExtension, IsRefused) {
    const std::string inner = GetParam();
    for (const std::string &name : {"f." + inner + ".png", "f.x." + inner + ".png"}) {
        const auto result = validate(name.c_str(), sample("sample.png"));
        std::string lower = inner;
        for (char &c : lower)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EXPECT_EQ(result.errors,
                  Errors{"File name contains the executable or script extension ." + lower + "."})
            << name;
        EXPECT_EQ(result.safe_filename, "");
    }
}

INSTANTIATE_TEST_SUITE_P(Extensions, HiddenExtension,
                         testing::Values("php", "PHP", "php3", "php4", "php5", "php6", "Php7",
                                         "phtml", "pht", "phps", "phar", "asp", "aspx", "jsp",
                                         "cgi", "pl", "py", "sh", "js", "exe", "EXE", "dll", "bat",
                                         "cmd", "com", "scr", "vbs", "ps1", "jar", "msi", "html",
                                         "htm", "shtml", "xhtml", "svg", "svgz", "hta"),
                         [](const auto &info) {
                             return docextract::test::param_name(info.param, info.index);
                         });

}  // namespace
