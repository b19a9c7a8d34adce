// Machine-readable zones of travel documents (ICAO Doc 9303 Parts 3-6): TD1 (3 x 30, ID cards),
// TD2 (2 x 36) and TD3 (2 x 44, passports), found among other lines of OCR text. Every check
// digit (7-3-1) is verified, including the composite. OCR confusions (0/O, 1/I, 2/Z, 5/S, 6/G,
// 8/B, ...) are corrected where a field allows only digits or only letters; in the document
// number and the TD3 personal number, which allow both, a bounded search keeps a substitution
// only where it is the single one that makes the field's check digit and the composite pass.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/fields/field.hpp"

namespace docextract::fields {

struct MrzOptions {
    // The year two-digit years are resolved against (birth dates in the future are 19xx, expiry
    // dates more than 50 years ahead are 19xx); 0 takes the current year of the system clock.
    int current_year = 0;
    // Words of the printed (visual) zone that may be the document number (visual_zone_numbers()).
    // A number whose reading fails its check digit or the composite is replaced by the only one
    // of them that differs from the reading only by OCR-B confusions (agreeing in a third of the
    // positions at least) and makes both pass; a TD1 line 1 one character short is restored by
    // the only one that is the reading with one character more and makes every check pass.
    std::vector<std::string> number_candidates;
};

// The words of a page that may be a printed document number: 5 to 9 upper-case letters and
// digits, at least one digit; at most 64, each once.
std::vector<std::string> visual_zone_numbers(std::string_view text);

// Check names, as they appear in Field::checks / failed_checks and MrzResult.
inline constexpr const char *kMrzDocumentNumberCheck = "mrz_document_number_check";
inline constexpr const char *kMrzBirthDateCheck = "mrz_birth_date_check";
inline constexpr const char *kMrzExpiryDateCheck = "mrz_expiry_date_check";
inline constexpr const char *kMrzPersonalNumberCheck = "mrz_personal_number_check";  // TD3
inline constexpr const char *kMrzCompositeCheck = "mrz_composite_check";
inline constexpr const char *kDateExists = "date_exists";

struct MrzResult {
    std::string format;              // "TD1", "TD2" or "TD3"
    std::vector<std::string> lines;  // the MRZ lines, after corrections
    // FIELDS.md passport/id_document fields: document_code, issuing_country, document_number,
    // surname, given_names, nationality, birth_date, sex, expiry_date, personal_number, mrz.
    // Each field lists the check digits covering it (checks / failed_checks); fields no check
    // digit covers (names, countries, sex, code) have none.
    FieldMap fields;
    std::vector<std::string> checks;         // check digits that passed
    std::vector<std::string> failed_checks;  // check digits that failed
    std::vector<std::string> corrections;    // e.g. "birth_date: O->0 at 3"
    // Every check digit passes (after corrections) and the dates exist.
    bool valid() const { return failed_checks.empty(); }
};

// The ICAO 9303 check digit of a field ('<' = 0, digits, A-Z = 10-35, weights 7 3 1); -1 if a
// character is none of these.
int mrz_check_digit(std::string_view field) noexcept;

// Finds and parses an MRZ in OCR text: lines are cleaned of spaces and case noise; the first
// MRZ whose check digits all pass is returned, else the first well-formed one (with its failed
// checks), else nullopt. Text beyond 1 MiB or lines beyond 4096 are not looked at.
std::optional<MrzResult> parse_mrz(std::string_view text, const MrzOptions &options = {});

}  // namespace docextract::fields
