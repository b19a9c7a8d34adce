// The visual inspection zone of a passport or ID card: the printed name, number, dates and
// country codes, compared with the MRZ's values. An MRZ value the printed page repeats is
// confirmed twice (FIELDS.md: the MRZ agreeing with the visual zone).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace docextract::fields {

class VisualZone {
public:
    // The page text without its MRZ lines (lines that look like MRZ lines are skipped here too).
    explicit VisualZone(std::string_view text);
    // Whether the zone shows the MRZ field's value: names word by word (accents folded, German
    // umlauts also as AE/OE/UE), the document number and country codes as a word, dates in any
    // printed form (numeric day first, month names, two-digit years: day, month and the year's last
    // two digits must match). Other fields: false.
    bool agrees(const std::string &field, const std::string &value) const;

private:
    std::vector<std::string> folded_;  // upper-case ASCII words, two foldings
    std::set<std::string> words_;
    std::set<std::string> dates_;       // "YYYY-MM-DD" and "yy-MM-DD"
};

}  // namespace docextract::fields
