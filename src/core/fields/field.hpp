// A field value as the parsers of src/core/fields return it: the normalised value and the names of
// the checks that passed or failed (FIELDS.md "field_details": checks / failed_checks).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace docextract::fields {

struct Field {
    std::string value;
    std::vector<std::string> checks;         // checks that passed, e.g. "iban_mod97"
    std::vector<std::string> failed_checks;  // checks that failed
    // The value differs from what was read: an OCR confusion was corrected (MRZ). Where the field
    // allows letters and digits, its check digit alone cannot tell a correction from a
    // coincidence (1 in 10): such a value needs a second confirmation (docs/fields.md).
    bool corrected = false;
};

// Field name (FIELDS.md) -> field. A field that was not found is absent.
using FieldMap = std::map<std::string, Field>;

}  // namespace docextract::fields
