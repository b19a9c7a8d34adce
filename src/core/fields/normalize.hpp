// Normalisation of amounts, currencies, dates and times (FIELDS.md "Value normalisation").
// Every function is deterministic, bounded (inputs longer than 128 bytes are refused) and throws
// nothing but std::bad_alloc. The ambiguity rules are in docs/fields.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace docextract::fields {

// The conventions of a document, as far as numbers and numeric dates differ.
enum class Locale {
    unknown,  // no hint: ambiguous forms are refused
    en,       // decimal point, grouping comma; numeric dates day first (en-GB, en-IE, ...)
    en_us,    // decimal point, grouping comma; numeric dates with '/' or '-' month first
    de,       // decimal comma, grouping '.', ' ' or '\''; day first
    fr,       // decimal comma, grouping ' ' / U+202F / '.'; day first
    nl,       // decimal comma, grouping '.'; day first
    es,       // decimal comma, grouping '.'; day first
    it,       // decimal comma, grouping '.'; day first
    ch,       // Switzerland: decimal point, grouping '\''; day first
};

// Maps a language code (ISO 639-1 "de", ISO 639-2 "deu"/"ger", BCP 47 "de-CH", "en-US") to a
// Locale; unknown for anything else.
Locale locale_from_language(std::string_view language) noexcept;

struct Amount {
    // A decimal number: optional '-', integer digits without leading zeros, '.', then at least
    // `decimals` fraction digits (more only if the text had more; never rounded): "1234.56".
    std::string value;
    // ISO 4217 code from a symbol or code next to the number, "" if none.
    std::string currency;
};

// Parses one amount such as "1.234,56", "1 234,56" (also U+00A0 / U+202F), "1,234.56", "1234.56",
// "1'234.56", "-12,50", "(12.50)", "12,50-", "EUR 12,50", "12,50 €", "$1,234.56", "CHF 1'234.–",
// "12,-". Returns nullopt for anything else, and for an ambiguous "1.234"/"1,234" without a
// locale hint. `decimals` (0-6) is the minimum number of fraction digits of the value.
std::optional<Amount> parse_amount(std::string_view text, Locale hint = Locale::unknown,
                                   int decimals = 2);

// ISO 4217 code of a currency symbol or code ("€", "eur", "US$", "Fr.", "zł", ...); "" if it is
// none or ambiguous ("kr" without context). "$" alone is USD, "¥" alone JPY (docs/fields.md).
std::string currency_code(std::string_view token);

// "YYYY-MM-DD" of a date written as YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY, DD/MM/YYYY, MM/DD/YYYY
// (en_us hint), DD-MM-YYYY, two-digit years, or with a month name in English, German, French,
// Dutch, Spanish or Italian ("5. März 2024", "1er février 2024", "March 5, 2024",
// "5 de marzo de 2024", "05-Mar-2024", optionally after a weekday). Only dates that exist.
std::optional<std::string> parse_date(std::string_view text, Locale hint = Locale::unknown);

// "HH:MM" of "14:30", "14:30:15", "2:30 pm", "2.30 p.m.", "14h30", "14.30 Uhr", "14 h 30".
std::optional<std::string> parse_time(std::string_view text);

// Month number 1-12 of a month name or abbreviation in the six languages (case and accents
// ignored, a trailing '.' allowed); 0 if none.
int month_from_name(std::string_view word);

// Two-digit years: 00-69 are 20xx, 70-99 are 19xx (as POSIX strptime %y).
int expand_two_digit_year(int yy) noexcept;

}  // namespace docextract::fields
