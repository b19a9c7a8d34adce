// Geometry before OCR, with leptonica: small skew (found on a binarised copy and corrected by
// rotation about the centre), quarter turns, and a resolution estimated from the text's height
// when the file records none.
#pragma once

#include "core/extract/pixconv.hpp"

namespace docextract::extract {

// A 1-bpp copy of an 8-bit gray image (text black = 1).
PixPtr binarize(Pix *gray8);

// The skew of the text lines in degrees, found on binary (leptonica's sign: positive means the
// image must be turned clockwise to be level). 0 when below 0.2 degree or not confident.
double find_skew(Pix *binary);

// gray8 turned clockwise by degrees about its centre, same size, white brought in.
PixPtr rotate_small(Pix *gray8, double degrees);

// gray8 turned clockwise by quarter turns (1, 2, 3).
PixPtr rotate_quarters(Pix *gray8, int quarters);

// The resolution at which the text of binary would be of usual size, from the median height of
// its character-sized connected components (tesseract's own estimate uses the same measure:
// 12.5 times the median blob height). 0 when there are too few components to tell.
int estimate_resolution(Pix *binary);

}  // namespace docextract::extract
