#include "core/extract/words.hpp"

#include <algorithm>
#include <cmath>

#include "core/extract/context.hpp"
#include "core/extract/text.hpp"
#include "core/purity.hpp"

namespace docextract::extract {

namespace {

// Rounds to 1/per (10: one decimal); v * per / per, not v / step * step, keeps 117.3 exact.
double round_to(double v, double per) { return std::round(v * per) / per; }

}  // namespace

void put_words(nlohmann::json &page, const std::vector<Word> &words,
               const std::vector<Line> &lines, Context &ctx) {
    const std::size_t keep = std::min(words.size(), ctx.words_left);
    if (keep < words.size()) {
        ctx.limit("max_words");
        ctx.warn("page " + std::to_string(page.value("page", 0)) + ": only " +
                 std::to_string(keep) + " of " + std::to_string(words.size()) +
                 " word positions kept (the document's limit is " + std::to_string(kMaxWords) + ")");
    }
    ctx.words_left -= keep;

    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t i = 0; i < keep; i++) {
        const Word &w = words[i];
        nlohmann::json conf = nullptr;
        if (w.conf >= 0) conf = round_to(std::clamp(w.conf, 0.0, 1.0), 1000);
        rows.push_back({sanitize_utf8(w.text), round_to(w.x0, 10), round_to(w.y0, 10),
                        round_to(w.x1, 10), round_to(w.y1, 10), conf});
    }
    nlohmann::json spans = nlohmann::json::array();
    for (const auto &[first, count] : lines) {
        if (first < 0 || count <= 0 || static_cast<std::size_t>(first) >= keep) continue;
        const int kept = static_cast<int>(std::min<std::size_t>(count, keep - first));
        spans.push_back({first, kept});
    }
    page["words"] = std::move(rows);
    page["lines"] = std::move(spans);
}

}  // namespace docextract::extract
