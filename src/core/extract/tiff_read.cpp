#include "core/extract/tiff_read.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <leptonica/allheaders.h>
#include <tiffio.h>

#include "core/purity.hpp"

namespace docextract::extract {
namespace {

// --- libtiff over a memory buffer, read-only, its messages kept instead of printed ----------

struct Source {
    const unsigned char *data;
    toff_t size, pos = 0;
    std::string first_error;
};

tsize_t mem_read(thandle_t h, tdata_t buf, tsize_t n) {
    auto *s = static_cast<Source *>(h);
    if (n <= 0 || s->pos >= s->size) return 0;
    const toff_t take = std::min<toff_t>(static_cast<toff_t>(n), s->size - s->pos);
    std::memcpy(buf, s->data + s->pos, take);
    s->pos += take;
    return static_cast<tsize_t>(take);
}
tsize_t mem_write(thandle_t, tdata_t, tsize_t) { return 0; }
toff_t mem_seek(thandle_t h, toff_t off, int whence) {
    auto *s = static_cast<Source *>(h);
    toff_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->size : 0;
    if (off > UINT64_MAX - base) return static_cast<toff_t>(-1);
    s->pos = base + off;  // past the end reads nothing
    return s->pos;
}
int mem_close(thandle_t) { return 0; }
toff_t mem_size(thandle_t h) { return static_cast<Source *>(h)->size; }
int no_map(thandle_t, tdata_t *, toff_t *) { return 0; }
void no_unmap(thandle_t, tdata_t, toff_t) {}

int keep_error(TIFF *, void *user, const char *, const char *fmt, va_list ap) {
    auto *s = static_cast<Source *>(user);
    if (s->first_error.empty()) {
        char buf[256];
        std::vsnprintf(buf, sizeof buf, fmt, ap);
        s->first_error = buf;
    }
    return 1;
}
int drop_warning(TIFF *, void *, const char *, const char *, va_list) { return 1; }

struct TiffCloser {
    void operator()(TIFF *t) const { TIFFClose(t); }
};

// --- samples to gray: 16-bit scale (0..65535), alpha over white ------------------------------

struct Layout {
    int bps = 8, spp = 1, colors = 1;
    int alpha = -1;      // sample index of the alpha channel, -1 without one
    bool associated = false;
    bool min_is_white = false;
};

inline std::uint32_t sample(const unsigned char *plane, std::size_t i, int bps) {
    if (bps == 16) {
        std::uint16_t v;
        std::memcpy(&v, plane + 2 * i, 2);  // libtiff has swapped it to host order
        return v;
    }
    return plane[i] * 257u;
}

// One run of count pixels: sample k of pixel i is element planes[k] + i * step.
void convert_run(const Layout &L, const unsigned char *const *planes, int step, int count, l_uint32 *line, int x0) {
    for (int i = 0; i < count; ++i) {
        const std::size_t e = static_cast<std::size_t>(i) * step;
        std::uint64_t c;
        if (L.colors == 3)
            c = (19595u * sample(planes[0], e, L.bps) + 38470u * sample(planes[1], e, L.bps) +
                 7471u * sample(planes[2], e, L.bps)) >> 16;
        else
            c = sample(planes[0], e, L.bps);
        if (L.min_is_white) c = 65535 - c;
        if (L.alpha >= 0) {
            const std::uint64_t a = sample(planes[L.alpha], e, L.bps);
            c = L.associated ? std::min<std::uint64_t>(65535, c + 65535 - a)
                             : (c * a + 65535 * (65535 - a)) / 65535;
        }
        SET_DATA_BYTE(line, x0 + i, static_cast<l_uint32>(c >> 8));
    }
}

// Strips or tiles of gray/RGB at 8 or 16 bits, decoded block by block into out.
bool read_direct(TIFF *tif, const Layout &L, bool separate, Pix *out, std::string *why) {
    const int w = pixGetWidth(out), h = pixGetHeight(out);
    const int planes_n = separate ? L.spp : 1;
    const bool tiled = TIFFIsTiled(tif);
    std::uint32_t bw = static_cast<std::uint32_t>(w), bh = 0;
    if (tiled) {
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &bw);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &bh);
    } else {
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &bh);
        bh = std::min<std::uint32_t>(bh, static_cast<std::uint32_t>(h));
    }
    const tmsize_t block = tiled ? TIFFTileSize(tif) : TIFFStripSize(tif);
    const tmsize_t stride = tiled ? TIFFTileRowSize(tif) : TIFFScanlineSize(tif);
    // A block is at most a few frames' worth of samples (tags can claim absurd tiles).
    if (bw == 0 || bh == 0 || block <= 0 || stride <= 0 ||
        block / 16 > static_cast<tmsize_t>(w) * static_cast<tmsize_t>(h) + (1 << 20)) {
        *why = "the TIFF's strip or tile layout is invalid";
        return false;
    }
    std::vector<std::vector<unsigned char>> buf(planes_n, std::vector<unsigned char>(static_cast<std::size_t>(block)));
    const int bytes = L.bps / 8;
    const std::uint32_t strips = TIFFNumberOfStrips(tif) / static_cast<std::uint32_t>(planes_n);
    l_uint32 *rows = pixGetData(out);
    const int wpl = pixGetWpl(out);
    for (std::uint32_t y = 0; y < static_cast<std::uint32_t>(h); y += bh) {
        for (std::uint32_t x = 0; x < static_cast<std::uint32_t>(w); x += bw) {
            for (int p = 0; p < planes_n; ++p) {
                const tmsize_t got =
                    tiled ? TIFFReadEncodedTile(tif, TIFFComputeTile(tif, x, y, 0, static_cast<std::uint16_t>(p)),
                                                buf[p].data(), block)
                          : TIFFReadEncodedStrip(tif, static_cast<std::uint32_t>(p) * strips + y / bh, buf[p].data(), block);
                if (got < 0) {
                    *why = "a TIFF strip or tile could not be decoded";
                    return false;
                }
                if (got < block) std::memset(buf[p].data() + got, 0xff, static_cast<std::size_t>(block - got));
            }
            const int rows_here = static_cast<int>(std::min<std::uint32_t>(bh, static_cast<std::uint32_t>(h) - y));
            const int cols_here = static_cast<int>(std::min<std::uint32_t>(bw, static_cast<std::uint32_t>(w) - x));
            for (int r = 0; r < rows_here; ++r) {
                const unsigned char *planes[8];
                for (int k = 0; k < L.spp; ++k)
                    planes[k] = separate ? buf[k].data() + r * stride
                                         : buf[0].data() + r * stride + static_cast<std::ptrdiff_t>(k) * bytes;
                convert_run(L, planes, separate ? 1 : L.spp, cols_here,
                            rows + static_cast<std::ptrdiff_t>(y + r) * wpl, static_cast<int>(x));
            }
        }
    }
    return true;
}

// Any layout libtiff's RGBA reader knows (palette, YCbCr, CMYK, 1-4 bits...); its alpha comes
// premultiplied, so over white it is colour + (255 - alpha).
bool read_rgba(TIFF *tif, Pix *out, std::string *why) {
    char emsg[1024] = "";
    if (!TIFFRGBAImageOK(tif, emsg)) {
        *why = std::string("libtiff cannot read this TIFF layout: ") + emsg;
        return false;
    }
    const int w = pixGetWidth(out), h = pixGetHeight(out);
    std::vector<std::uint32_t> raster(static_cast<std::size_t>(w) * h);
    if (!TIFFReadRGBAImageOriented(tif, static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h), raster.data(),
                                   ORIENTATION_TOPLEFT, 0)) {
        *why = "the TIFF could not be decoded";
        return false;
    }
    l_uint32 *rows = pixGetData(out);
    const int wpl = pixGetWpl(out);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const std::uint32_t p = raster[static_cast<std::size_t>(y) * w + x];
            const std::uint32_t lum = (19595u * TIFFGetR(p) + 38470u * TIFFGetG(p) + 7471u * TIFFGetB(p)) >> 16;
            SET_DATA_BYTE(rows + static_cast<std::ptrdiff_t>(y) * wpl, x, std::min<std::uint32_t>(255, lum + 255 - TIFFGetA(p)));
        }
    return true;
}

}  // namespace

PixPtr read_tiff_frame(const unsigned char *data, std::size_t size, int frame, long long max_pixels,
                       std::string *why) {
    Source src{data, size, 0, {}};
    std::unique_ptr<TIFFOpenOptions, void (*)(TIFFOpenOptions *)> opts(TIFFOpenOptionsAlloc(), TIFFOpenOptionsFree);
    TIFFOpenOptionsSetErrorHandlerExtR(opts.get(), keep_error, &src);
    TIFFOpenOptionsSetWarningHandlerExtR(opts.get(), drop_warning, nullptr);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts.get(), static_cast<tmsize_t>(max_pixels) * 8);
    std::unique_ptr<TIFF, TiffCloser> tif(TIFFClientOpenExt("document", "rm", &src, mem_read, mem_write, mem_seek,
                                                            mem_close, mem_size, no_map, no_unmap, opts.get()));
    auto fail = [&](const std::string &what) {
        *why = src.first_error.empty() ? what : what + " (" + src.first_error + ")";
        return PixPtr();
    };
    if (!tif) return fail("libtiff cannot open the TIFF");
    if (frame < 0 || frame > 65535 || !TIFFSetDirectory(tif.get(), static_cast<tdir_t>(frame)))
        return fail("the TIFF has no frame " + std::to_string(frame + 1));
    std::uint32_t w = 0, h = 0;
    std::uint16_t bps = 1, spp = 1, photometric = PHOTOMETRIC_MINISBLACK, planar = PLANARCONFIG_CONTIG,
                  format = SAMPLEFORMAT_UINT, extra_n = 0;
    std::uint16_t *extra = nullptr;
    TIFFGetField(tif.get(), TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif.get(), TIFFTAG_IMAGELENGTH, &h);
    TIFFGetFieldDefaulted(tif.get(), TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif.get(), TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif.get(), TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif.get(), TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetFieldDefaulted(tif.get(), TIFFTAG_EXTRASAMPLES, &extra_n, &extra);
    const bool has_photometric = TIFFGetField(tif.get(), TIFFTAG_PHOTOMETRIC, &photometric) != 0;
    if (w == 0 || h == 0) return fail("the TIFF frame has no valid size");
    if (static_cast<long long>(w) * h > max_pixels) return fail("the TIFF frame has too many pixels");
    PixPtr out(pixCreate(static_cast<l_int32>(w), static_cast<l_int32>(h), 8));
    if (!out) return fail("no memory for the TIFF frame");

    Layout L;
    L.bps = bps;
    L.spp = spp;
    L.colors = photometric == PHOTOMETRIC_RGB ? 3 : 1;
    L.min_is_white = photometric == PHOTOMETRIC_MINISWHITE;
    if (extra_n > 0 && spp > L.colors && extra != nullptr &&
        (extra[0] == EXTRASAMPLE_ASSOCALPHA || extra[0] == EXTRASAMPLE_UNASSALPHA)) {
        L.alpha = L.colors;
        L.associated = extra[0] == EXTRASAMPLE_ASSOCALPHA;
    }
    const bool direct = has_photometric && (bps == 8 || bps == 16) && format == SAMPLEFORMAT_UINT &&
                        spp <= 8 && spp >= L.colors &&
                        (photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE ||
                         photometric == PHOTOMETRIC_RGB);
    const bool ok = direct ? read_direct(tif.get(), L, planar == PLANARCONFIG_SEPARATE, out.get(), why)
                           : read_rgba(tif.get(), out.get(), why);
    if (!ok) return fail(*why);
    float xres = 0;
    std::uint16_t unit = RESUNIT_INCH;
    if (TIFFGetField(tif.get(), TIFFTAG_XRESOLUTION, &xres) && xres > 0 && xres < 100000) {
        TIFFGetFieldDefaulted(tif.get(), TIFFTAG_RESOLUTIONUNIT, &unit);
        const int dpi = static_cast<int>(unit == RESUNIT_CENTIMETER ? xres * 2.54f + 0.5f : xres + 0.5f);
        if (unit != RESUNIT_NONE) pixSetResolution(out.get(), dpi, dpi);
    }
    return out;
}

}  // namespace docextract::extract
