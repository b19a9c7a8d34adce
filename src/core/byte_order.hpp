// Fixed-width integers read from untrusted bytes; the caller has checked that they are in range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace docextract::core::detail {

inline std::uint32_t be32(std::string_view b, std::size_t at) {
    const auto *p = reinterpret_cast<const unsigned char *>(b.data() + at);
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

inline std::uint32_t le32(std::string_view b, std::size_t at) {
    const auto *p = reinterpret_cast<const unsigned char *>(b.data() + at);
    return std::uint32_t{p[3]} << 24 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[1]} << 8 | p[0];
}

inline std::uint16_t le16(std::string_view b, std::size_t at) {
    const auto *p = reinterpret_cast<const unsigned char *>(b.data() + at);
    return static_cast<std::uint16_t>(p[1] << 8 | p[0]);
}

}  // namespace docextract::core::detail
