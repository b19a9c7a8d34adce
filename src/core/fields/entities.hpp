// Entities found in any document's text (FIELDS.md "entities"): e-mails, phones, URLs, IBANs,
// VAT ids, dates and amounts (barcodes come from the document model, not from text). Linear
// hand-written scanners, no std::regex; the text is cut at 4 MiB and each list at
// EntityOptions::max_per_kind entries. Throws nothing but std::bad_alloc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/fields/normalize.hpp"

namespace docextract::fields {

struct EntityAmount {
    std::string value;     // decimal string as parse_amount gives it, e.g. "1234.56"
    std::string currency;  // ISO 4217
};
inline bool operator==(const EntityAmount &a, const EntityAmount &b) {
    return a.value == b.value && a.currency == b.currency;
}

struct Entities {
    std::vector<std::string> emails;   // as printed, domain lower-cased
    std::vector<std::string> phones;   // "+" and digits (E.164)
    std::vector<std::string> urls;     // as printed, trailing punctuation removed
    std::vector<std::string> ibans;    // validated (mod 97 + length), upper case, no spaces
    std::vector<std::string> vat_ids;  // validated (format, and checksum where one exists)
    std::vector<std::string> dates;    // "YYYY-MM-DD", existing dates only
    std::vector<EntityAmount> amounts;  // numbers with a currency symbol or code next to them
};

struct EntityOptions {
    Locale locale = Locale::unknown;  // numbers and numeric dates
    // ISO country ("DE", "FR", "NL", "GB", "US", "CH", "AT", "BE", "IT", "ES") for national phone
    // numbers ("030 1234567"); "" derives it from the locale, or reports international ones only.
    std::string default_country;
    std::size_t max_per_kind = 200;
};

// Each list in order of first appearance, without duplicates.
Entities find_entities(std::string_view text, const EntityOptions &options = {});

}  // namespace docextract::fields
