#include "core/extract/text.hpp"
#include "core/purity.hpp"

namespace docextract::extract {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid (overlong forms,
// surrogates and code points above U+10FFFF are invalid).
std::size_t valid_sequence(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    if (c < 0x80) return 1;
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k)
        if ((b(k) & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0; // surrogate
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0; // > U+10FFFF
    return len;
}

}  // namespace

std::string sanitize_utf8(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size();) {
        std::size_t len = valid_sequence(in, i);
        if (len == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
            continue;
        }
        if (len == 1) {
            unsigned char c = static_cast<unsigned char>(in[i]);
            bool allowed = c >= 0x20 || c == '\t' || c == '\n' || c == '\r' || c == '\f';
            if (allowed && c != 0x7F) out += in[i];
        } else {
            out.append(in.substr(i, len));
        }
        i += len;
    }
    return out;
}

std::size_t visible_chars(std::string_view utf8) {
    std::size_t n = 0;
    for (unsigned char c : utf8) {
        if ((c & 0xC0) == 0x80) continue;  // continuation byte
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') continue;
        ++n;
    }
    return n;
}

void trim_right(std::string &s) {
    std::size_t end = s.find_last_not_of(" \t\r\n\f\v");
    s.erase(end == std::string::npos ? 0 : end + 1);
}

}  // namespace docextract::extract
