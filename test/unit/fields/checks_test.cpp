// Identifier checks on published test vectors.
#include <gtest/gtest.h>

#include <string>

#include "core/fields/checks.hpp"

namespace {

using namespace docextract::fields;

// The example IBANs of the SWIFT IBAN registry (ISO 13616), one per country.
TEST(Iban, RegistryExamplesPass) {
    for (const char *iban : {
             "DE89 3704 0044 0532 0130 00", "GB29 NWBK 6016 1331 9268 19",
             "FR14 2004 1010 0505 0001 3M02 606", "NL91 ABNA 0417 1643 00",
             "CH93 0076 2011 6238 5295 7", "BE68 5390 0754 7034", "AT61 1904 3002 3457 3201",
             "ES91 2100 0418 4502 0005 1332", "IT60 X054 2811 1010 0000 0123 456",
             "NO93 8601 1117 947", "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
             "SE45 5000 0000 0583 9825 7466", "PL61 1090 1014 0000 0712 1981 2874",
             "LU28 0019 4006 4475 0000", "FI21 1234 5600 0007 85", "DK50 0040 0440 1162 43",
             "IE29 AIBK 9311 5212 3456 78", "PT50 0002 0123 1234 5678 9015 4",
             "LI21 0881 0000 2324 013A A", "GR16 0110 1250 0000 0001 2300 695"}) {
        EXPECT_TRUE(iban_valid(iban)) << iban;
    }
    EXPECT_TRUE(iban_valid("de89370400440532013000"));  // lower case, no spaces
}

TEST(Iban, Traps) {
    EXPECT_FALSE(iban_valid("DE89 3704 0044 0532 0130 01"));  // bad checksum
    EXPECT_FALSE(iban_valid("DE88 3704 0044 0532 0130 00"));  // bad check digits
    EXPECT_FALSE(iban_valid("DE89 3704 0044 0532 0130 0"));   // DE is 22 long
    EXPECT_FALSE(iban_valid("GB82 WEST 1234 5698 7654 3"));   // truncated
    EXPECT_FALSE(iban_valid("XX89 3704 0044 0532 0130 00"));  // no such country
    EXPECT_FALSE(iban_valid(""));
    EXPECT_FALSE(iban_valid(std::string(10000, '9')));
    EXPECT_EQ(iban_length("DE"), 22);
    EXPECT_EQ(iban_length("NO"), 15);
    EXPECT_EQ(iban_length("US"), 0);
}

TEST(Iban, QrIban) {
    // SIX, Swiss Implementation Guidelines for the QR-bill, example 1: QR-IBAN.
    EXPECT_TRUE(qr_iban("CH44 3199 9123 0008 8901 2"));
    EXPECT_TRUE(iban_valid("CH44 3199 9123 0008 8901 2"));
    EXPECT_FALSE(qr_iban("CH93 0076 2011 6238 5295 7"));
}

TEST(Bic, Format) {
    for (const char *bic : {"DEUTDEFF", "DEUTDEFF500", "NWBKGB2L", "BPOTBEB1", "BFSWDE33BER",
                            "UBSWCHZH80A"})
        EXPECT_TRUE(bic_valid(bic)) << bic;
    EXPECT_FALSE(bic_valid("DEUTXXFF"));    // XX is no country
    EXPECT_FALSE(bic_valid("DEU1DEFF"));    // digit in the bank code
    EXPECT_FALSE(bic_valid("DEUTDEFF5"));   // 9 characters
    EXPECT_FALSE(bic_valid("deutdeff"));    // lower case (normalise first)
}

// ISO 11649 example: RF18 5390 0754 7034 (and the same in the EPC/SIX guidelines).
TEST(Rf, Iso11649) {
    EXPECT_TRUE(rf_valid("RF18 5390 0754 7034"));
    EXPECT_TRUE(rf_valid("RF18539007547034"));
    EXPECT_FALSE(rf_valid("RF19539007547034"));
    EXPECT_FALSE(rf_valid("RF18539007547035"));
    EXPECT_FALSE(rf_valid("RF18"));
    EXPECT_FALSE(rf_valid("RF18123456789012345678901234"));  // more than 21 characters
}

// SIX Swiss Payment Standards, QR-bill implementation guidelines: QR reference example.
TEST(SwissQrReference, RecursiveMod10) {
    EXPECT_TRUE(swiss_qr_reference_valid("21 00000 00003 13947 14300 09017"));
    EXPECT_TRUE(swiss_qr_reference_valid("210000000003139471430009017"));
    EXPECT_FALSE(swiss_qr_reference_valid("210000000003139471430009016"));
    EXPECT_FALSE(swiss_qr_reference_valid("21000000000313947143000901"));  // 26 digits
    EXPECT_EQ(swiss_mod10_check_digit("21000000000313947143000901"), 7);
    EXPECT_EQ(swiss_mod10_check_digit("12x"), -1);
}

// Luhn: the example of ISO/IEC 7812 as given on Wikipedia, and the card networks' test numbers.
TEST(Luhn, Vectors) {
    EXPECT_TRUE(luhn_valid("79927398713"));
    EXPECT_TRUE(luhn_valid("4111 1111 1111 1111"));
    EXPECT_TRUE(luhn_valid("5555-5555-5555-4444"));
    EXPECT_TRUE(luhn_valid("378282246310005"));
    EXPECT_FALSE(luhn_valid("79927398710"));
    EXPECT_FALSE(luhn_valid("4111 1111 1111 1112"));
    EXPECT_FALSE(luhn_valid("4111a"));
}

// GS1 General Specifications, check digit calculation: GTIN-13 "629104150021" + 3; the
// EAN-13 4006381333931, UPC-A 036000291452 and EAN-8 96385074 of the GS1/Wikipedia examples.
TEST(Gtin, Vectors) {
    EXPECT_TRUE(gtin_valid("6291041500213"));
    EXPECT_TRUE(gtin_valid("4006381333931"));
    EXPECT_TRUE(gtin_valid("036000291452"));
    EXPECT_TRUE(gtin_valid("96385074"));
    EXPECT_TRUE(gtin_valid("10614141000415"));  // GS1 US GTIN-14 example
    EXPECT_FALSE(gtin_valid("6291041500214"));
    EXPECT_FALSE(gtin_valid("036000291453"));
    EXPECT_FALSE(gtin_valid("123456789"));  // 9 digits is no GTIN
}

// ABA routing numbers published by the Federal Reserve (E-Payments Routing Directory).
TEST(Aba, Vectors) {
    EXPECT_TRUE(aba_valid("011000015"));  // Federal Reserve Bank of Boston
    EXPECT_TRUE(aba_valid("021000021"));  // JPMorgan Chase, New York
    EXPECT_TRUE(aba_valid("111000025"));  // Federal Reserve Bank of Dallas
    EXPECT_FALSE(aba_valid("021000022"));
    EXPECT_FALSE(aba_valid("02100002"));
}

// VAT ids: the examples of the national rules as collected in python-stdnum's documentation
// (stdnum/<country>/*.py doctests), which cite the tax administrations' specifications.
TEST(VatId, ChecksumCountries) {
    struct Case {
        const char *valid;
        const char *invalid;
    };
    for (const Case &c : {
             Case{"DE 136 695 976", "DE136695978"}, Case{"ATU13585627", "ATU13585626"},
             Case{"BE 0403019261", "BE0403019262"}, Case{"BE 428759497", "BE0428759498"},
             Case{"DK 13585628", "DK13585627"}, Case{"FI 20774740", "FI20774741"},
             Case{"FR 40 303 265 045", "FR84 323 140 391"}, Case{"FR23334175221", "FR24334175221"},
             Case{"IT 00743110157", "IT00743110158"}, Case{"ES B-58378431", "ESB58378432"},
             Case{"ES54362315K", "ES54362315Z"}, Case{"ESX2482300W", "ESX2482300A"},
             Case{"NL004495445B01", "NL123456789B90"}, Case{"PL 8567346215", "PL8567346216"},
             Case{"PT 501 964 843", "PT501964842"}, Case{"SE 123456789701", "SE123456789101"},
             Case{"GB 980 7806 84", "GB802311781"}, Case{"NO 995 525 828 MVA", "NO995525829"},
             Case{"CHE-107.787.577 IVA", "CHE107787578"}, Case{"LU 150 274 42", "LU15027443"},
             Case{"HU-12892312", "HU12892313"}, Case{"SK 202 274 96 19", "SK2022749618"},
             Case{"SI 5022 3054", "SI50223055"}, Case{"HR 33392005961", "HR33392005962"},
             Case{"EL 094259216", "EL094259217"}}) {
        EXPECT_EQ(vat_id_check(c.valid), VatCheck::checksum) << c.valid;
        EXPECT_EQ(vat_id_check(c.invalid), VatCheck::invalid) << c.invalid;
    }
}

TEST(VatId, FormatOnlyCountries) {
    for (const char *v : {"BG 175074752", "CY10259033P", "CZ 25123891", "IE 6433435F",
                          "IE 6433435OA", "LT 119511515", "LV 40003521600", "MT 11679112",
                          "RO 18547290", "FR K7399859412", "GBGD001"})
        EXPECT_EQ(vat_id_check(v), VatCheck::format_only) << v;
    for (const char *v : {"BG 1750747", "CY10259033", "CZ 2512389", "LT 1195115", "MT 1167911",
                          "RO 0123", "XX123456789", "DE", "", "DE12345678a"})
        EXPECT_EQ(vat_id_check(v), VatCheck::invalid) << v;
}

TEST(VatId, Normalised) {
    EXPECT_EQ(normalize_vat_id("de 136 695 976"), "DE136695976");
    EXPECT_EQ(normalize_vat_id("GR 094259216"), "EL094259216");
    EXPECT_EQ(normalize_vat_id("BE 428759497"), "BE0428759497");
    EXPECT_EQ(normalize_vat_id("CHE-107.787.577 MWST"), "CHE107787577");
    EXPECT_EQ(normalize_vat_id("NO 995 525 828 MVA"), "NO995525828");
    EXPECT_EQ(normalize_vat_id("DE136695978"), "");
}

TEST(Dates, Exist) {
    EXPECT_TRUE(date_exists(2024, 2, 29));
    EXPECT_TRUE(date_exists(2000, 2, 29));
    EXPECT_FALSE(date_exists(1900, 2, 29));
    EXPECT_FALSE(date_exists(2023, 2, 29));
    EXPECT_FALSE(date_exists(2024, 2, 31));  // the 31.02.2024 trap
    EXPECT_FALSE(date_exists(2024, 4, 31));
    EXPECT_FALSE(date_exists(2024, 13, 1));
    EXPECT_FALSE(date_exists(2024, 0, 1));
    EXPECT_TRUE(date_exists(2024, 12, 31));
}

}  // namespace
