// Barcodes on a page image with zxing-cpp: QR, PDF417, DataMatrix, Aztec, EAN/UPC, Code 128 and
// Code 39. The scan works on an 8-bit gray buffer (a decoded image or a rendered PDF page) and
// reports positions in the caller's unit (image pixels or PDF points). It is bounded (barcodes
// per page, payload size, pixels) and never throws: zxing's exceptions become warnings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

struct Pix;

namespace docextract::extract {

struct Context;

struct BarcodeLimits {
    int max_barcodes = 50;                  // per page; more are dropped (limits_hit max_barcodes)
    std::size_t max_payload = 64 * 1024;    // bytes of one payload; longer ones are truncated
    std::int64_t max_pixels = 40'000'000;   // larger buffers are averaged down before the scan
    std::int64_t max_input_pixels = 400'000'000;  // larger ones are not scanned at all
};

struct BarcodeScan {
    nlohmann::json barcodes = nlohmann::json::array();
    std::vector<std::string> warnings;
    bool too_many = false;   // more than max_barcodes were found
    bool downscaled = false; // the buffer was above max_pixels and was averaged down
    bool skipped = false;    // not scanned (too large, or zxing failed)
    bool too_large = false;  // not scanned: above max_input_pixels
};

// Scans an 8-bit gray buffer (row stride in bytes, at least width). `unit_per_pixel` converts
// pixel positions to the caller's unit: 1 for image pixels, 72/dpi for PDF points. Each barcode:
//   {"format": "QRCode"|"PDF417"|"DataMatrix"|"Aztec"|"EAN-13"|"EAN-8"|"UPC-A"|"UPC-E"|
//              "Code128"|"Code39",
//    "text": "..." (the payload as UTF-8 when it is text) | "bytes_base64": "..." (otherwise),
//    "content": "text"|"binary"|"mixed"|"gs1"|"iso15434"|"unknown_eci",
//    "box": [x0, y0, x1, y1], "orientation": degrees, "ec_level": "M" (when known),
//    "symbology_identifier": "]Q1", "truncated": true (only when the payload was cut)}
BarcodeScan scan_barcodes(const unsigned char *gray, int width, int height, int stride,
                          double unit_per_pixel, const BarcodeLimits &limits = {}) noexcept;

// For the extractors: scans and sets page["barcodes"] (always an array, possibly empty); the
// scan's warnings go to ctx with the page number, and its limits to limits_hit (max_barcodes,
// max_pixels). Skipped (no key set) once the time budget is spent. Returns the milliseconds the
// scan took (the caller decides which timing it belongs to).
double put_barcodes(nlohmann::json &page, const unsigned char *gray, int width, int height,
                  int stride, double unit_per_pixel, Context &ctx);

// Same, from a leptonica image of any depth (converted to 8-bit gray for the scan; composite
// alpha over white before, as for OCR).
double put_barcodes(nlohmann::json &page, Pix *pix, double unit_per_pixel, Context &ctx);

}  // namespace docextract::extract
