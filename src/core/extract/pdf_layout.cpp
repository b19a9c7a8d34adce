#include "core/extract/pdf_layout.hpp"

#include <algorithm>

#include "core/purity.hpp"

namespace docextract::extract {
namespace {

// A box seen in its own reading direction: "along" grows as the text is read, "across" grows from
// one line to the next.
struct Oriented {
    double a0, a1, c0, c1;
};

Oriented orient(const NativeBox &b) {
    switch (b.rotation & 3) {
    case 1: return {b.y0, b.y1, -b.x1, -b.x0};   // top to bottom, lines go left
    case 2: return {-b.x1, -b.x0, -b.y1, -b.y0}; // upside down
    case 3: return {-b.y1, -b.y0, b.x0, b.x1};   // bottom to top, lines go right
    default: return {b.x0, b.x1, b.y0, b.y1};
    }
}

}  // namespace

NativeLayout layout_native(const std::vector<NativeBox> &boxes) {
    NativeLayout out;
    out.words.reserve(boxes.size());
    int line_first = 0;
    Oriented line{};      // the current line's extent (across: union of its words)
    Oriented prev{};      // the previous word
    int line_rotation = 0;
    bool prev_space = false;
    double prev_line_c1 = 0, prev_line_height = 0;
    int prev_line_rotation = -1;
    std::string line_text;

    auto close_line = [&](int end) {
        if (end <= line_first) return;
        out.lines.emplace_back(line_first, end - line_first);
        const double height = line.c1 - line.c0;
        if (!out.text.empty()) {
            out.text += '\n';
            // A new block: another direction, a gap of more than about one line, or a jump back
            // up (the next column).
            const double gap = line.c0 - prev_line_c1;
            if (line_rotation != prev_line_rotation || gap > 0.8 * std::max(height, prev_line_height) ||
                gap < -2 * std::max(height, prev_line_height))
                out.text += '\n';
        }
        out.text += line_text;
        prev_line_c1 = line.c1;
        prev_line_height = height;
        prev_line_rotation = line_rotation;
        line_text.clear();
    };

    for (const NativeBox &b : boxes) {
        if (b.text.empty()) continue;
        const Oriented o = orient(b);
        const int index = static_cast<int>(out.words.size());
        bool same_line = index > line_first && (b.rotation & 3) == line_rotation;
        if (same_line) {
            const double overlap = std::min(o.c1, line.c1) - std::max(o.c0, line.c0);
            const double smaller = std::min(o.c1 - o.c0, line.c1 - line.c0);
            const double height = std::max(o.c1 - o.c0, 0.0);
            same_line = overlap >= 0.5 * smaller && o.a0 >= prev.a1 - 0.5 * height;
        }
        if (!same_line) {
            close_line(index);
            line_first = index;
            line = o;
            line_rotation = b.rotation & 3;
        } else {
            if (prev_space || o.a0 - prev.a1 > 0.25 * (o.c1 - o.c0)) line_text += ' ';
            line.a0 = std::min(line.a0, o.a0);
            line.a1 = std::max(line.a1, o.a1);
            line.c0 = std::min(line.c0, o.c0);
            line.c1 = std::max(line.c1, o.c1);
        }
        line_text += b.text;
        prev = o;
        prev_space = b.space_after;
        Word w;
        w.text = b.text;
        w.x0 = std::min(b.x0, b.x1);
        w.y0 = std::min(b.y0, b.y1);
        w.x1 = std::max(b.x0, b.x1);
        w.y1 = std::max(b.y0, b.y1);
        w.conf = -1;
        out.words.push_back(std::move(w));
    }
    close_line(static_cast<int>(out.words.size()));
    return out;
}

}  // namespace docextract::extract
