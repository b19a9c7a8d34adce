#include "core/extract/orient.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <leptonica/allheaders.h>

#include "core/extract/extract.hpp"
#include "core/purity.hpp"

namespace docextract::extract {

namespace {

constexpr double kPi = 3.14159265358979323846;

}  // namespace

PixPtr binarize(Pix *gray8) {
    // Otsu on tiles adapts to uneven scans; a plain threshold is enough for clean ones, but the
    // tiled version costs little more.
    Pix *bin = nullptr;
    if (pixOtsuAdaptiveThreshold(gray8, 2000, 2000, 0, 0, 0.1f, nullptr, &bin) != 0 || bin == nullptr)
        bin = pixThresholdToBinary(gray8, 128);
    if (bin == nullptr) throw ExtractError("corrupt", "the image could not be binarised");
    return PixPtr(bin);
}

double find_skew(Pix *binary) {
    l_float32 angle = 0, conf = 0;
    // Search +-7 degrees (leptonica's defaults), on a 4x (2x for small images) reduced copy.
    const int w = pixGetWidth(binary), h = pixGetHeight(binary);
    const int reduction = std::min(w, h) >= 1200 ? 4 : 2;
    if (pixFindSkewSweepAndSearch(binary, &angle, &conf, reduction, 2, 7.0f, 1.0f, 0.01f) != 0)
        return 0;
    if (conf < 3.0f || std::fabs(angle) < 0.2f) return 0;
    return angle;
}

PixPtr rotate_small(Pix *gray8, double degrees) {
    Pix *r = pixRotate(gray8, static_cast<l_float32>(degrees * kPi / 180.0), L_ROTATE_AREA_MAP,
                       L_BRING_IN_WHITE, 0, 0);
    if (r == nullptr) throw ExtractError("corrupt", "the image could not be deskewed");
    pixCopyResolution(r, gray8);
    return PixPtr(r);
}

PixPtr rotate_quarters(Pix *gray8, int quarters) {
    Pix *r = pixRotateOrth(gray8, quarters & 3);
    if (r == nullptr) throw ExtractError("corrupt", "the image could not be rotated");
    pixCopyResolution(r, gray8);
    return PixPtr(r);
}

int estimate_resolution(Pix *binary) {
    // Components on a copy reduced 2x when large keep this cheap; heights scale back.
    const int w = pixGetWidth(binary), h = pixGetHeight(binary);
    const int factor = std::min(w, h) >= 1500 ? 2 : 1;
    PixPtr reduced(factor == 2 ? pixReduceRankBinary2(binary, 1, nullptr) : pixClone(binary));
    if (!reduced) return 0;
    Boxa *boxa = pixConnComp(reduced.get(), nullptr, 8);
    if (boxa == nullptr) return 0;
    std::vector<int> heights;
    const int n = boxaGetCount(boxa);
    for (int i = 0; i < n; ++i) {
        l_int32 bx, by, bw, bh;
        if (boxaGetBoxGeometry(boxa, i, &bx, &by, &bw, &bh) != 0) continue;
        // Character-sized: not specks, not rules or pictures.
        if (bh * factor < 6 || bw > 3 * bh || bh > 20 * bw || bh * factor > 400) continue;
        heights.push_back(bh * factor);
    }
    boxaDestroy(&boxa);
    if (heights.size() < 8) return 0;
    std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
    const int res = static_cast<int>(std::lround(heights[heights.size() / 2] * 12.5));
    return std::clamp(res, 70, 1200);
}

}  // namespace docextract::extract
