// The few Unicode facts the file-name rules need. Internal to src/core.
#pragma once

#include <string_view>
#include <vector>

namespace docextract::core::detail {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. False if invalid.
bool decode_utf8(std::string_view text, std::vector<char32_t> &out);

// C0, DEL and C1 controls.
bool is_control(char32_t cp);

// Bidirectional controls (a subset of Cf): they reorder how a name is displayed.
bool is_bidi_control(char32_t cp);

// General category Cf (Unicode 15.0): zero-width spaces and joiners, BOM, soft hyphen, tags, ...
bool is_format_char(char32_t cp);

// U+2028 and U+2029 (categories Zl and Zp): line breaks to most renderers.
bool is_line_separator(char32_t cp);

}  // namespace docextract::core::detail
