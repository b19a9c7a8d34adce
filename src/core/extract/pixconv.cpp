#include "core/extract/pixconv.hpp"

#include <leptonica/allheaders.h>

#include "core/extract/extract.hpp"
#include "core/purity.hpp"

namespace docextract::extract {

void PixDeleter::operator()(Pix *p) const { pixDestroy(&p); }

namespace {

PixPtr checked(Pix *p, const char *what) {
    if (p == nullptr) throw ExtractError("corrupt", std::string("the image could not be converted (") + what + ")");
    return PixPtr(p);
}

// 32 bpp RGBA: blend over white, then luminance.
PixPtr rgba_to_gray(Pix *pix) {
    PixPtr rgb = checked(pixAlphaBlendUniform(pix, 0xffffff00), "alpha");
    pixSetSpp(rgb.get(), 3);
    return checked(pixConvertRGBToLuminance(rgb.get()), "rgb");
}

}  // namespace

PixPtr to_gray8(Pix *pix, PixelFormat *format) {
    PixelFormat f;
    f.depth = pixGetDepth(pix);
    f.spp = pixGetSpp(pix);
    PixColormap *cmap = pixGetColormap(pix);
    f.colormap = cmap != nullptr;
    PixPtr out;
    if (cmap) {
        l_int32 opaque = 1;
        pixcmapIsOpaque(cmap, &opaque);
        if (!opaque) {
            // Palette with transparency (PNG tRNS): to RGBA, then composite.
            f.alpha = true;
            PixPtr rgba = checked(pixRemoveColormap(pix, REMOVE_CMAP_WITH_ALPHA), "palette");
            out = pixGetDepth(rgba.get()) == 32 && pixGetSpp(rgba.get()) == 4
                      ? rgba_to_gray(rgba.get())
                      : checked(pixConvertTo8(rgba.get(), 0), "palette");
        } else {
            out = checked(pixConvertTo8(pix, 0), "palette");
        }
    } else if (f.depth == 32 && f.spp == 4) {
        f.alpha = true;
        out = rgba_to_gray(pix);
    } else if (f.depth == 32) {
        out = checked(pixConvertRGBToLuminance(pix), "rgb");
    } else if (f.depth == 16) {
        out = checked(pixConvert16To8(pix, L_MS_BYTE), "16 bit");
    } else if (f.depth == 8) {
        out = checked(pixClone(pix), "gray");
    } else {
        out = checked(pixConvertTo8(pix, 0), "gray");
    }
    if (pixGetDepth(out.get()) != 8 || pixGetColormap(out.get())) {
        PixPtr gray = checked(pixConvertTo8(out.get(), 0), "gray");
        if (pixGetColormap(gray.get()))
            gray = checked(pixRemoveColormap(gray.get(), REMOVE_CMAP_TO_GRAYSCALE), "gray");
        out = std::move(gray);
    }
    pixCopyResolution(out.get(), pix);
    if (format) *format = f;
    return out;
}

}  // namespace docextract::extract
