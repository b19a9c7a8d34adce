// Native PDF words and lines: poppler-cpp's page::text_list() boxes grouped into lines, and the
// page text rebuilt from them (one text pass per page instead of two).
#pragma once

#include <string>
#include <vector>

#include "core/extract/words.hpp"

namespace docextract::extract {

// One box of page::text_list(), already in the page's displayed coordinates (points, origin at the
// top left of the MediaBox after /Rotate, y down) — the system poppler-cpp reports them in.
struct NativeBox {
    std::string text;             // sanitised UTF-8
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    bool space_after = false;     // poppler saw a space between this word and the next
    int rotation = 0;             // text direction on the displayed page, in quarter turns
};

struct NativeLayout {
    std::vector<Word> words;      // conf -1 (native)
    std::vector<Line> lines;      // consecutive runs of words
    std::string text;             // lines joined by '\n', a blank line between blocks
};

// Groups the boxes (in poppler's reading order) into lines: a word continues the current line when
// it runs in the same direction, overlaps the line across by at least half the smaller height, and
// does not jump back along it. Bounded: linear in the number of boxes.
NativeLayout layout_native(const std::vector<NativeBox> &boxes);

}  // namespace docextract::extract
