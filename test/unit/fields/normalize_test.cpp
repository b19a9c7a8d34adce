// Amounts, currencies, dates and times in the formats FIELDS.md and issue 10 name.
#include <gtest/gtest.h>

#include <string>

#include "core/fields/normalize.hpp"

namespace {

using namespace docextract::fields;

std::string amount(const char *text, Locale hint = Locale::unknown, int decimals = 2) {
    auto a = parse_amount(text, hint, decimals);
    return a ? a->value : "none";
}
std::string currency(const char *text, Locale hint = Locale::unknown) {
    auto a = parse_amount(text, hint);
    return a ? a->currency : "none";
}

// FIELDS.md: "1.234,56, 1 234,56 and 1,234.56 all become 1234.56".
TEST(Amount, EachFormat) {
    EXPECT_EQ(amount("1.234,56"), "1234.56");
    EXPECT_EQ(amount("1 234,56"), "1234.56");
    EXPECT_EQ(amount("1\xC2\xA0" "234,56"), "1234.56");   // U+00A0 NO-BREAK SPACE
    EXPECT_EQ(amount("1\xE2\x80\xAF" "234,56"), "1234.56");  // U+202F NARROW NO-BREAK SPACE
    EXPECT_EQ(amount("1,234.56"), "1234.56");
    EXPECT_EQ(amount("1234.56"), "1234.56");
    EXPECT_EQ(amount("1234,56"), "1234.56");
    EXPECT_EQ(amount("1'234.56"), "1234.56");                 // Swiss
    EXPECT_EQ(amount("1\xE2\x80\x99" "234.56"), "1234.56");   // Swiss, U+2019
    EXPECT_EQ(amount("12.345.678,90"), "12345678.90");
    EXPECT_EQ(amount("12,345,678.90"), "12345678.90");
    EXPECT_EQ(amount("1.234.567"), "1234567.00");
    EXPECT_EQ(amount("0,5"), "0.50");
    EXPECT_EQ(amount("42"), "42.00");
    EXPECT_EQ(amount("42", Locale::unknown, 0), "42");
    EXPECT_EQ(amount("0.125"), "0.125");  // more decimals are kept, never rounded
    EXPECT_EQ(amount("12,-"), "12.00");
    EXPECT_EQ(amount("CHF 1'250.\xE2\x80\x93"), "1250.00");  // "1'250.–"
}

TEST(Amount, NegativeAndParenthesised) {
    EXPECT_EQ(amount("-1.234,56"), "-1234.56");
    EXPECT_EQ(amount("\xE2\x88\x92" "12.50"), "-12.50");  // U+2212 MINUS SIGN
    EXPECT_EQ(amount("(1,234.56)"), "-1234.56");
    EXPECT_EQ(amount("12,50-"), "-12.50");
    EXPECT_EQ(amount("-0,00"), "0.00");
    EXPECT_EQ(amount("-EUR 5,00"), "-5.00");
    EXPECT_EQ(amount("€ -5,00"), "-5.00");
}

TEST(Amount, Currencies) {
    EXPECT_EQ(currency("1.234,56 €"), "EUR");
    EXPECT_EQ(currency("€1,234.56"), "EUR");
    EXPECT_EQ(currency("EUR 1.234,56"), "EUR");
    EXPECT_EQ(currency("EUR12.34"), "EUR");  // the EPC amount line
    EXPECT_EQ(currency("$1,234.56"), "USD");
    EXPECT_EQ(currency("US$ 10.00"), "USD");
    EXPECT_EQ(currency("C$10.00"), "CAD");
    EXPECT_EQ(currency("£99.99"), "GBP");
    EXPECT_EQ(currency("CHF 1'234.50"), "CHF");
    EXPECT_EQ(currency("Fr. 12.50"), "CHF");
    EXPECT_EQ(currency("12,50 zł"), "PLN");
    EXPECT_EQ(currency("1 234,50 Kč"), "CZK");
    EXPECT_EQ(currency("12.50 usd"), "USD");
    EXPECT_EQ(currency("12.50"), "");
    EXPECT_EQ(currency_code("€"), "EUR");
    EXPECT_EQ(currency_code("gbp"), "GBP");
    EXPECT_EQ(currency_code("SFr."), "CHF");
    EXPECT_EQ(currency_code("kr"), "");  // SEK, NOK, DKK, ISK: ambiguous
    EXPECT_EQ(currency_code("XYZ"), "");
}

// "1.234" alone: thousands in decimal-comma locales, decimal in English; refused without hint.
TEST(Amount, AmbiguityRules) {
    EXPECT_EQ(amount("1.234"), "none");
    EXPECT_EQ(amount("1,234"), "none");
    EXPECT_EQ(amount("1.234", Locale::de), "1234.00");
    EXPECT_EQ(amount("1.234", Locale::nl), "1234.00");
    EXPECT_EQ(amount("1.234", Locale::en), "1.234");
    EXPECT_EQ(amount("1,234", Locale::en), "1234.00");
    EXPECT_EQ(amount("1,234", Locale::fr), "1.234");
    EXPECT_EQ(amount("1'234", Locale::unknown), "1234.00");
    EXPECT_EQ(amount("1 234", Locale::unknown), "1234.00");
    EXPECT_EQ(amount("0.123"), "0.123");      // "0" is no thousands group
    EXPECT_EQ(amount("1234.567"), "1234.567");  // 4 digits before: no grouping
    EXPECT_EQ(amount("1 234.567"), "1234.567");  // spaces group, so '.' is decimal
}

TEST(Amount, Refused) {
    for (const char *bad : {"", "abc", "1.23.45", "12,34,5", "1.234,56,78", "1,234.567.8",
                            "12..5", "12.", ".5", "1 23", "1.2345,00", "EUR", "12 EUR 5",
                            "1,234.56.", "--12", "12a", "0.000.001", "1234567890123456"}) {
        EXPECT_EQ(amount(bad), "none") << bad;
    }
    EXPECT_EQ(amount(std::string(100000, '1').c_str()), "none");
}

TEST(Date, NumericFormats) {
    EXPECT_EQ(parse_date("15.06.2020"), "2020-06-15");
    EXPECT_EQ(parse_date("5.6.2020"), "2020-06-05");
    EXPECT_EQ(parse_date("15. 06. 2020"), "2020-06-15");
    EXPECT_EQ(parse_date("15/06/2020"), "2020-06-15");
    EXPECT_EQ(parse_date("06/15/2020"), "2020-06-15");  // only month first possible
    EXPECT_EQ(parse_date("15-06-2020"), "2020-06-15");  // Dutch
    EXPECT_EQ(parse_date("2020-06-15"), "2020-06-15");
    EXPECT_EQ(parse_date("2020/06/15"), "2020-06-15");
    EXPECT_EQ(parse_date("15.06.20"), "2020-06-15");
    EXPECT_EQ(parse_date("01.01.99"), "1999-01-01");
}

TEST(Date, DayMonthOrderNeedsAHint) {
    EXPECT_EQ(parse_date("03/04/2024"), std::nullopt);
    EXPECT_EQ(parse_date("03/04/2024", Locale::en_us), "2024-03-04");
    EXPECT_EQ(parse_date("03/04/2024", Locale::en), "2024-04-03");
    EXPECT_EQ(parse_date("03/04/2024", Locale::fr), "2024-04-03");
    EXPECT_EQ(parse_date("03.04.2024", Locale::en_us), "2024-04-03");  // dots: day first
    EXPECT_EQ(parse_date("04/04/2024"), "2024-04-04");
}

TEST(Date, OnlyDatesThatExist) {
    EXPECT_EQ(parse_date("31.02.2024"), std::nullopt);  // the trap
    EXPECT_EQ(parse_date("29.02.2023"), std::nullopt);
    EXPECT_EQ(parse_date("29.02.2024"), "2024-02-29");
    EXPECT_EQ(parse_date("2024-13-01"), std::nullopt);
    EXPECT_EQ(parse_date("31 April 2024"), std::nullopt);
    EXPECT_EQ(parse_date("00.01.2024"), std::nullopt);
}

TEST(Date, MonthNames) {
    EXPECT_EQ(parse_date("5 March 2024"), "2024-03-05");
    EXPECT_EQ(parse_date("March 5, 2024"), "2024-03-05");
    EXPECT_EQ(parse_date("5th March 2024"), "2024-03-05");
    EXPECT_EQ(parse_date("Tuesday, 5 March 2024"), "2024-03-05");
    EXPECT_EQ(parse_date("05-Mar-2024"), "2024-03-05");
    EXPECT_EQ(parse_date("Sept. 30, 2023"), "2023-09-30");
    EXPECT_EQ(parse_date("5. M\xC3\xA4rz 2024"), "2024-03-05");  // German, UTF-8 ä
    EXPECT_EQ(parse_date("5. Maerz 2024"), "2024-03-05");
    EXPECT_EQ(parse_date("1. Dezember 2023"), "2023-12-01");
    EXPECT_EQ(parse_date("1er f\xC3\xA9vrier 2024"), "2024-02-01");  // French
    EXPECT_EQ(parse_date("le 15 ao\xC3\xBBt 2024"), "2024-08-15");
    EXPECT_EQ(parse_date("3 maart 2024"), "2024-03-03");  // Dutch
    EXPECT_EQ(parse_date("17 mei 2024"), "2024-05-17");
    EXPECT_EQ(parse_date("5 de marzo de 2024"), "2024-03-05");  // Spanish
    EXPECT_EQ(parse_date("12 dicembre 2024"), "2024-12-12");   // Italian
    EXPECT_EQ(parse_date("30 February 2024"), std::nullopt);
    EXPECT_EQ(parse_date("5 Smarch 2024"), std::nullopt);
    EXPECT_EQ(month_from_name("D\xC3\xA9" "c."), 12);
    EXPECT_EQ(month_from_name("OKT"), 10);
}

TEST(Time, Formats) {
    EXPECT_EQ(parse_time("14:30"), "14:30");
    EXPECT_EQ(parse_time("9:05"), "09:05");
    EXPECT_EQ(parse_time("14:30:59"), "14:30");
    EXPECT_EQ(parse_time("2:30 pm"), "14:30");
    EXPECT_EQ(parse_time("12:15 AM"), "00:15");
    EXPECT_EQ(parse_time("12:15 p.m."), "12:15");
    EXPECT_EQ(parse_time("14h30"), "14:30");
    EXPECT_EQ(parse_time("14 h 30"), "14:30");
    EXPECT_EQ(parse_time("14.30 Uhr"), "14:30");
    EXPECT_EQ(parse_time("24:00"), std::nullopt);
    EXPECT_EQ(parse_time("12:60"), std::nullopt);
    EXPECT_EQ(parse_time("13:00 pm"), std::nullopt);
    EXPECT_EQ(parse_time("1430"), std::nullopt);
}

TEST(Locale, FromLanguage) {
    EXPECT_EQ(locale_from_language("deu"), Locale::de);
    EXPECT_EQ(locale_from_language("de-CH"), Locale::ch);
    EXPECT_EQ(locale_from_language("en-US"), Locale::en_us);
    EXPECT_EQ(locale_from_language("eng"), Locale::en);
    EXPECT_EQ(locale_from_language("fra"), Locale::fr);
    EXPECT_EQ(locale_from_language("xx"), Locale::unknown);
}

}  // namespace
