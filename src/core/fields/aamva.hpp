// AAMVA DL/ID Card Design Standard (2000-2020) PDF417 payloads of US and Canadian driving
// licences and ID cards, parsed into the FIELDS.md drivers_license fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/fields/field.hpp"

namespace docextract::fields {

struct AamvaResult {
    std::string iin;             // Issuer Identification Number (6 digits), "" if not read
    int aamva_version = -1;      // 0-10, -1 if not read
    std::string subfile_type;    // "DL" or "ID"
    // document_number, surname, given_names, birth_date, issue_date, expiry_date, sex,
    // address_street, address_city, address_state, address_postal_code, license_class,
    // issuing_jurisdiction. Dates carry "date_exists" in checks (or failed_checks).
    FieldMap fields;
    std::vector<std::string> warnings;  // deviations tolerated (missing \r, offsets off, ...)
    std::vector<std::string> failed_checks;
    bool valid() const { return failed_checks.empty(); }
};

// Parses a payload starting "@\n\x1e\rANSI " (tolerating a missing or different separator
// byte, "AAMVA" for "ANSI ", subfile offsets that are off, versions 01-10 with the element ids
// of each). nullopt if it is no AAMVA payload or holds no DL/ID subfile. Payloads over 64 KiB
// are refused.
std::optional<AamvaResult> parse_aamva(std::string_view payload);

}  // namespace docextract::fields
