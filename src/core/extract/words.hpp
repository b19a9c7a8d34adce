// The positioned words of one page, as the document model stores them: compact rows, lines as
// index ranges, and a budget for the whole document so that a 500-page file stays a few MB.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace docextract::extract {

struct Context;

// One word. The box is in the page's unit (PDF points or image pixels), origin at the top left
// of the page as extracted (after any rotation the page reports), x to the right, y down.
struct Word {
    std::string text;
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    double conf = -1;  // OCR: the engine's word confidence, 0..1; native text: -1 (none)
};

// A line: the index of its first word in the page's word list, and how many words follow.
using Line = std::pair<int, int>;

// Words in a whole document, at most: about 45 bytes each in the JSON.
inline constexpr std::size_t kMaxWords = 200'000;

// Sets page["words"] to [[text, x0, y0, x1, y1, conf], ...] (coordinates rounded to 0.1, conf
// to 0.001, null for native words) and page["lines"] to [[first, count], ...]. Words beyond the
// document's budget are dropped with a warning and limits_hit "max_words"; lines are clipped to
// the words kept.
void put_words(nlohmann::json &page, const std::vector<Word> &words,
               const std::vector<Line> &lines, Context &ctx);

}  // namespace docextract::extract
