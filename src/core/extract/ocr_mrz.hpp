// The MRZ pass of the OCR (issue 10): the machine-readable zone of a passport or ID card is printed
// in OCR-B, which tesseract's general model reads poorly (the filler '<' becomes K, X or nothing).
// The page's first OCR locates the zone; it is read again alone with an MRZ setup (characters
// A-Z 0-9 <, one block), and each line is rebuilt from its glyphs: OCR-B is fixed-pitch with
// separate glyphs, so the connected components give the character positions, and a '<' is told
// from letters by its shape; tesseract's letters and digits are aligned onto the other positions.
#pragma once

#include <string>
#include <vector>

#include "core/extract/words.hpp"

struct Pix;

namespace docextract::extract {

struct MrzBand {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // pixels of the page image, x1/y1 exclusive
    double line_height = 0;              // of the MRZ lines found, 0 when guessed
    bool empty() const { return x1 <= x0 || y1 <= y0; }
};

// The band of a page: the lines that look like MRZ lines (at least 20 characters of A-Z, 0-9 and
// '<' with at least three '<' or "<<", or '«'), one line height around them; without such lines,
// the bottom 35 % of a page whose text names a passport or identity card; else empty.
MrzBand locate_mrz_band(const std::vector<Word> &words, const std::vector<Line> &lines,
                        const std::string &text, int width, int height);

// One line of tesseract's reading of the band: its text and vertical extent (band pixels).
struct MrzTessLine {
    std::string text;
    int y0 = 0, y1 = 0;
    // its characters with the horizontal centre of their boxes (may be empty)
    std::vector<std::pair<char, double>> symbols;
};

// Rebuilds the MRZ lines from the glyphs of the band (8-bit gray) and tesseract's lines: rows of at
// least 20 glyphs, '<' where the glyph has its shape, tesseract's characters placed on the others
// by the position of their boxes (or, without boxes, by an alignment of the two sequences). Rows without a matching tesseract line, and bands without such rows, give tesseract's
// text (spaces removed).
std::vector<std::string> rebuild_mrz_lines(Pix *band8, const std::vector<MrzTessLine> &tess);

}  // namespace docextract::extract
