// File-name rules of issue 11: invisible characters, spaces hiding an extension, Windows device
// names, and the visible removal of directory parts (a note, not an error).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "samples.hpp"

namespace {

using docextract::test::sample;
using docextract::test::validate;
using Errors = std::vector<std::string>;

const std::string kInvisible = "File name contains invisible formatting characters.";
const std::string kSeparator = "File name contains line or paragraph separators.";

std::string device(const std::string &name) {
    return "File name is the reserved Windows device name " + name + ".";
}

struct NameCase {
    std::string label;
    std::string name;
    Errors errors;
};

class IssueElevenName : public testing::TestWithParam<NameCase> {};

TEST_P(IssueElevenName, ReportsExactly) {
    const auto result = validate(GetParam().name.c_str(), sample("sample.png"));
    EXPECT_EQ(result.errors, GetParam().errors);
    EXPECT_EQ(result.valid, GetParam().errors.empty());
    EXPECT_EQ(result.safe_filename.empty(), !GetParam().errors.empty());
    EXPECT_EQ(result.notes, Errors{});
}

INSTANTIATE_TEST_SUITE_P(
    Names, IssueElevenName,
    testing::Values(
        NameCase{"ZeroWidthSpace", "in\xE2\x80\x8Bvoice.png", {kInvisible}},
        NameCase{"ZeroWidthJoiner", "a\xE2\x80\x8D.png", {kInvisible}},
        NameCase{"ByteOrderMark", "\xEF\xBB\xBFscan.png", {kInvisible}},
        NameCase{"SoftHyphen", "sc\xC2\xAD" "an.png", {kInvisible}},
        NameCase{"WordJoiner", "scan\xE2\x81\xA0.png", {kInvisible}},
        NameCase{"MongolianVowelSeparator", "scan\xE1\xA0\x8E.png", {kInvisible}},
        NameCase{"ArabicNumberSign", "\xD8\x80scan.png", {kInvisible}},
        NameCase{"InterlinearAnnotation", "scan\xEF\xBF\xB9.png", {kInvisible}},
        NameCase{"Tag", "scan\xF3\xA0\x81\x81.png", {kInvisible}},
        NameCase{"LineSeparator", "scan\xE2\x80\xA8.png", {kSeparator}},
        NameCase{"ParagraphSeparator", "scan\xE2\x80\xA9.png", {kSeparator}},
        // A bidi control is reported once, as such, not also as invisible.
        NameCase{"BidiOnlyOnce",
                 "a\xE2\x80\xAE\xE2\x80\x8Bgnp.png",
                 {"File name contains bidirectional text control characters.", kInvisible}},
        NameCase{"SpaceBeforeFinalExtension",
                 "x.php .png",
                 {"File name contains the executable or script extension .php."}},
        NameCase{"SpacesAroundHiddenExtension",
                 "x. PHP  .png",
                 {"File name contains the executable or script extension .php."}},
        NameCase{"DotAndSpace",
                 "x.php. .png",
                 {"File name contains the executable or script extension .php."}},
        NameCase{"ExecutableLast",
                 "invoice.png.exe",
                 {"File extension .exe is not allowed; allowed extensions are pdf, jpg, jpeg, "
                  "png, tiff, bmp, webp."}},
        NameCase{"Con", "CON.png", {device("CON")}},
        NameCase{"ConLower", "con.png", {device("CON")}},
        NameCase{"NulMixed", "Nul.png", {device("NUL")}},
        NameCase{"AuxDoubleExtension", "aux.tar.png", {device("AUX")}},
        NameCase{"Prn", "prn.png", {device("PRN")}},
        NameCase{"Com1", "COM1.png", {device("COM1")}},
        NameCase{"Com9", "com9.png", {device("COM9")}},
        NameCase{"Lpt1", "LPT1.png", {device("LPT1")}},
        NameCase{"Lpt9", "lpt9.png", {device("LPT9")}},
        NameCase{"ComSuperscript", "COM\xC2\xB9.png", {device("COM\xC2\xB9")}},
        NameCase{"ConTrailingSpace", "CON .png", {device("CON")}},
        NameCase{"ConOut", "conout$.png", {device("CONOUT$")}},
        NameCase{"DeviceInPath", "C:\\x\\NUL.png", {device("NUL")}},
        NameCase{"NulWithoutExtension",
                 "NUL",
                 {"File name has no extension.", device("NUL")}},
        NameCase{"Com10IsAName", "COM10.png", {}},
        NameCase{"ConsoleIsAName", "console.png", {}},
        NameCase{"DeviceNotFirst", "my CON.png", {}},
        NameCase{"SpaceInStem", "my scan .png", {}}),
    [](const testing::TestParamInfo<NameCase> &info) { return info.param.label; });

struct PathCase {
    std::string name;
    std::string base;
    std::string note;
};

class PathName : public testing::TestWithParam<PathCase> {};

TEST_P(PathName, IsStrippedWithANote) {
    const auto result = validate(GetParam().name.c_str(), sample("sample.png"));
    EXPECT_TRUE(result.valid);
    EXPECT_EQ(result.safe_filename, GetParam().base);
    EXPECT_EQ(result.notes, Errors{GetParam().note});
}

INSTANTIATE_TEST_SUITE_P(
    Paths, PathName,
    testing::Values(
        PathCase{"../../etc/inv.png", "inv.png",
                 "Directory part \"../../etc/\" removed from the file name; it is stored as "
                 "\"inv.png\"."},
        PathCase{"C:\\x\\inv.png", "inv.png",
                 "Directory part \"C:\\x\\\" removed from the file name; it is stored as "
                 "\"inv.png\"."},
        PathCase{"C:inv.png", "inv.png",
                 "Directory part \"C:\" removed from the file name; it is stored as \"inv.png\"."},
        PathCase{"/abs.png", "abs.png",
                 "Directory part \"/\" removed from the file name; it is stored as \"abs.png\"."}),
    [](const auto &info) { return "Path" + std::to_string(info.index); });

TEST(PathName, PlainNameHasNoNote) {
    EXPECT_EQ(validate("inv.png", sample("sample.png")).notes, Errors{});
}

// A refused name is not stored, so nothing is said about how it would have been stored.
TEST(PathName, RefusedNameHasNoNote) {
    const auto result = validate("../x.php.png", sample("sample.png"));
    EXPECT_FALSE(result.valid);
    EXPECT_EQ(result.notes, Errors{});
}

}  // namespace
