// Pixel conversion for OCR: every depth, colormap and alpha channel leptonica decodes becomes one
// 8-bit gray image, transparent pixels composited over white (pixConvertTo8 alone drops alpha,
// and the colour under transparent pixels, often black, then swallows the text).
#pragma once

#include <memory>
#include <string>

struct Pix;

namespace docextract::extract {

struct PixDeleter {
    void operator()(Pix *p) const;
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

// What the conversion found, for the page report.
struct PixelFormat {
    int depth = 0;        // bits per pixel as decoded
    int spp = 0;          // samples per pixel as decoded
    bool colormap = false;
    bool alpha = false;   // an alpha channel or a transparent colormap entry was composited
};

// An 8-bit gray copy of pix without colormap, alpha composited over white. Throws
// ExtractError("corrupt") if leptonica cannot convert it. pix keeps its resolution.
PixPtr to_gray8(Pix *pix, PixelFormat *format = nullptr);

}  // namespace docextract::extract
