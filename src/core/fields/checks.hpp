// Identifier checks (issue 10, item 8): IBAN, BIC, RF creditor reference, Swiss QR reference, Luhn,
// GTIN, ABA routing numbers, EU/CH/GB/NO VAT ids and calendar dates. All noexcept, allocation-light,
// linear in the input and bounded (inputs longer than any identifier are rejected at once).
// The rules and which VAT ids are format-only are in docs/fields.md.
#pragma once

#include <string>
#include <string_view>

namespace docextract::fields {

// Upper case, without spaces, tabs, no-break spaces (U+00A0, U+202F), '-' and '.': the form
// IBANs, BICs and VAT ids are compared and reported in. Inputs over 256 bytes give "".
std::string compact_identifier(std::string_view text);

// ISO 3166-1 alpha-2 (officially assigned codes, plus XK for Kosovo as SWIFT uses it).
bool iso_country_valid(std::string_view alpha2) noexcept;

// Length of the IBANs of a country (SWIFT IBAN registry), 0 if the country has no IBAN.
int iban_length(std::string_view country) noexcept;

// ISO 7064 MOD 97-10 over an alphanumeric string (letters are 10..35), after moving the first
// four characters to the end; true if the remainder is 1. Used by IBAN and RF.
bool mod97_valid(std::string_view compact) noexcept;

// ISO 13616: country with an IBAN, its registry length, 2 check digits, alphanumeric BBAN, mod-97.
// Accepts spaces and lower case (compact_identifier is applied first).
bool iban_valid(std::string_view iban) noexcept;

// The IBAN's country is CH or LI and its institution id (positions 5-9) is 30000-31999.
bool qr_iban(std::string_view iban) noexcept;

// ISO 9362 format: 4 letters (bank), a valid ISO country, 2 alphanumerics (location, the
// second not 'O' is NOT required: test BICs end in 0), optional 3 alphanumerics (branch).
bool bic_valid(std::string_view bic) noexcept;

// ISO 11649 creditor reference: "RF", 2 check digits, 1-21 alphanumerics, mod 97 = 1.
bool rf_valid(std::string_view reference) noexcept;

// Swiss QR reference: 27 digits whose last is the recursive mod-10 check digit of the first 26.
bool swiss_qr_reference_valid(std::string_view reference) noexcept;
// The recursive mod-10 check digit (table 0 9 4 6 8 2 7 1 3 5) of a digit string; -1 if a
// character is not a digit.
int swiss_mod10_check_digit(std::string_view digits) noexcept;

// Luhn (ISO/IEC 7812-1), e.g. payment card numbers; spaces and '-' are ignored, 2-32 digits.
bool luhn_valid(std::string_view digits) noexcept;

// GS1 mod-10 check digit of a GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN-13) or GTIN-14.
bool gtin_valid(std::string_view digits) noexcept;

// ABA routing transit number: 9 digits, 3·d1 + 7·d2 + d3 + 3·d4 ... ≡ 0 (mod 10).
bool aba_valid(std::string_view digits) noexcept;

// VAT id with its country prefix (EL for Greece, also accepted as GR; XI for Northern Ireland;
// CHE for Switzerland, with an optional MWST/TVA/IVA suffix; NO with an optional MVA suffix).
enum class VatCheck {
    invalid,      // wrong country, format or checksum
    format_only,  // the format is right; the country has no (implemented) checksum
    checksum,     // the format is right and the checksum passes
};
VatCheck vat_id_check(std::string_view vat_id) noexcept;
inline bool vat_id_valid(std::string_view vat_id) noexcept {
    return vat_id_check(vat_id) != VatCheck::invalid;
}
// The normalised VAT id (upper case, no separators, Greece as EL, Switzerland as CHE + 9 digits
// without the language suffix, Norway without MVA); "" if it is not valid.
std::string normalize_vat_id(std::string_view vat_id);

// Proleptic Gregorian calendar, years 1-9999.
bool date_exists(int year, int month, int day) noexcept;

}  // namespace docextract::fields
