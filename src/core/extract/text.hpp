// Text hygiene: what leaves the helper is valid UTF-8 without NUL bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace docextract::extract {

// Replaces each invalid UTF-8 sequence with U+FFFD and drops NUL and other C0 controls except
// tab, newline, carriage return and form feed.
std::string sanitize_utf8(std::string_view in);

// Number of code points that are not whitespace.
std::size_t visible_chars(std::string_view utf8);

// Removes trailing whitespace and form feeds.
void trim_right(std::string &s);

}  // namespace docextract::extract
