// Where an accepted document's own data ends. Only headers and end markers are read, never the
// compressed body, so that the cost stays close to libmagic's whatever the file size.
#include <string.h>  // memrchr (GNU)

#include <algorithm>
#include <cstdint>

#include "core/byte_order.hpp"
#include "core/polyglot.hpp"
#include "core/purity.hpp"

namespace docextract::core::detail {
namespace {

using Bytes = std::string_view;
using End = std::optional<std::size_t>;

bool is_letter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// Decoders stop at the first IEND of the chunk chain, so a forged IEND at the very end of the
// file does not hide what follows the real one.
End png_end(Bytes b) {
    std::size_t at = 8;
    while (b.size() - at >= 12) {
        const std::uint64_t length = be32(b, at);
        const Bytes type = b.substr(at + 4, 4);
        if (length > 0x7FFFFFFF || !std::all_of(type.begin(), type.end(), is_letter))
            return std::nullopt;
        if (12 + length > b.size() - at)
            return std::nullopt;
        at += 12 + length;
        if (type == "IEND")
            return at;
    }
    return std::nullopt;
}

// The position just after the last occurrence of marker, searched backwards with memrchr on its
// final byte: O(1) for a well-formed file, O(trailing bytes) otherwise.
End after_last(Bytes b, Bytes marker, std::size_t min_start) {
    std::size_t limit = b.size();
    const char last = marker.back();
    while (limit > min_start + marker.size() - 1) {
        const void *hit = memrchr(b.data() + min_start + marker.size() - 1, last,
                                  limit - min_start - (marker.size() - 1));
        if (hit == nullptr)
            return std::nullopt;
        const auto pos = static_cast<std::size_t>(static_cast<const char *>(hit) - b.data());
        if (b.substr(pos + 1 - marker.size(), marker.size()) == marker)
            return pos + 1;
        limit = pos;
    }
    return std::nullopt;
}

std::uint64_t magnitude(std::uint32_t field) {
    const std::int64_t value = static_cast<std::int32_t>(field);
    return static_cast<std::uint64_t>(value < 0 ? -value : value);
}

End within(std::uint64_t end, Bytes b) {
    return end <= b.size() ? End(static_cast<std::size_t>(end)) : std::nullopt;
}

// RIFF: the size field counts everything after the first 8 bytes; chunks are padded to even.
End webp_end(Bytes b) {
    if (b.size() < 12)
        return std::nullopt;
    const std::uint64_t size = le32(b, 4);
    return within(8 + size + (size & 1), b);
}

// The end of the pixel array (and of a BITMAPV5HEADER's embedded ICC profile, which may follow it);
// the declared bfSize when the pixel array's size cannot be computed (RLE without biSizeImage).
End bmp_end(Bytes b) {
    if (b.size() < 26)
        return std::nullopt;
    const std::uint64_t declared = le32(b, 2), pixels_at = le32(b, 10), header = le32(b, 14);
    std::uint64_t width, height, bpp, compression = 0, image_size = 0;
    if (header == 12) {
        width = le16(b, 18), height = le16(b, 20), bpp = le16(b, 24);
    } else if (header >= 40 && b.size() >= 38) {
        width = magnitude(le32(b, 18)), height = magnitude(le32(b, 22));  // negative: top-down
        bpp = le16(b, 28), compression = le32(b, 30), image_size = le32(b, 34);
    } else {
        return within(declared, b);
    }
    std::uint64_t end;
    if (compression == 0 || compression == 3 || compression == 6)  // RGB, BITFIELDS
        end = pixels_at + (width * bpp + 31) / 32 * 4 * height;
    else if (image_size != 0)
        end = pixels_at + image_size;
    else
        return within(declared, b);
    constexpr std::uint32_t kEmbeddedProfile = 0x4D424544;  // 'MBED'
    if (header >= 124 && b.size() >= 14 + 124 && le32(b, 14 + 56) == kEmbeddedProfile)
        end = std::max<std::uint64_t>(end, 14 + std::uint64_t{le32(b, 14 + 112)} + le32(b, 14 + 116));
    return within(end, b);
}

}  // namespace

End document_end(DocFormat format, Bytes b) {
    switch (format) {
    case DocFormat::Png:
        return png_end(b);
    case DocFormat::Jpeg:
        // The entropy-coded data would have to be scanned to find the first EOI: the last one is
        // found from the end instead (docs/validation.md says what that misses).
        return after_last(b, "\xFF\xD9", 2);
    case DocFormat::Pdf:
        return after_last(b, "%%EOF", 5);
    case DocFormat::Webp:
        return webp_end(b);
    case DocFormat::Bmp:
        return bmp_end(b);
    case DocFormat::Tiff:
        break;
    }
    return std::nullopt;
}

}  // namespace docextract::core::detail
