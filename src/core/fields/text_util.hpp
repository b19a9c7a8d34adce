// Small text helpers shared by the payload parsers (AAMVA, payment QR codes).
#pragma once

#include <string>
#include <string_view>

namespace docextract::fields {

// Without leading and trailing blanks (space, tab), and with runs of spaces collapsed to one.
inline std::string trim_collapse(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    std::string out;
    for (char c : s) {
        if (c == ' ' && !out.empty() && out.back() == ' ') continue;
        out += c;
    }
    return out;
}

}  // namespace docextract::fields
