// TIFF frames that leptonica cannot decode (16-bit gray+alpha, among others) read with libtiff
// directly, from memory, into 8-bit gray with the alpha channel composited over white.
#pragma once

#include <cstddef>
#include <string>

#include "core/extract/pixconv.hpp"

namespace docextract::extract {

// Frame `frame` (0-based) of the TIFF in data as 8-bit gray, alpha over white, with the file's
// resolution. Strips or tiles, contiguous or separate planes, 8 or 16 bits per sample for gray
// and RGB (with associated or unassociated alpha); other layouts through libtiff's RGBA reader.
// max_pixels bounds the frame. Returns null and sets *why when the frame cannot be read.
PixPtr read_tiff_frame(const unsigned char *data, std::size_t size, int frame, long long max_pixels,
                       std::string *why);

}  // namespace docextract::extract
