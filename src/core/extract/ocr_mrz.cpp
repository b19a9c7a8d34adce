#include "core/extract/ocr_mrz.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <leptonica/allheaders.h>

#include "core/extract/pixconv.hpp"
#include "core/purity.hpp"

namespace docextract::extract {
namespace {

bool mrz_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<'; }

// A line of the first OCR that looks like MRZ text.
bool mrz_like(const std::string &line) {
    int chars = 0, fillers = 0;
    bool guillemet = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == ' ') continue;
        if (static_cast<unsigned char>(c) == 0xC2 && i + 1 < line.size() &&
            static_cast<unsigned char>(line[i + 1]) == 0xAB) {  // '«'
            guillemet = true;
            chars += 2, fillers += 2, ++i;
            continue;
        }
        if (mrz_char(c)) ++chars;
        if (c == '<') ++fillers;
    }
    return chars >= 20 && (fillers >= 3 || guillemet || line.find("<<") != std::string::npos);
}

std::string lower_ascii(std::string s) {
    for (char &c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

struct Glyph {
    int x0, y0, x1, y1;  // inclusive
    double cy() const { return (y0 + y1) / 2.0; }
    double cx() const { return (x0 + x1) / 2.0; }
    int w() const { return x1 - x0 + 1; }
    int h() const { return y1 - y0 + 1; }
};

// OCR-B '<': a chevron. Its left quarter has ink only around the middle (K, X, E ... have a
// stem or arms reaching top and bottom); its right quarter has ink at the top and the bottom and
// none in the middle.
bool filler_shape(Pix *bin, const Glyph &g) {
    if (g.w() < 4 || g.h() < 6) return false;
    const int strip = std::max(1, g.w() / 4);
    int left_top = g.y1 + 1, left_bottom = g.y0 - 1;
    for (int x = g.x0; x < g.x0 + strip; ++x)
        for (int y = g.y0; y <= g.y1; ++y) {
            l_uint32 v = 0;
            pixGetPixel(bin, x, y, &v);
            if (v) left_top = std::min(left_top, y), left_bottom = std::max(left_bottom, y);
        }
    if (left_bottom < left_top) return false;
    if ((left_bottom - left_top + 1) * 2 > g.h()) return false;
    const double mid = g.y0 + g.h() / 2.0;
    if (std::fabs((left_top + left_bottom) / 2.0 - mid) > g.h() / 5.0) return false;
    bool top = false, bottom = false;
    int middle = 0;
    for (int x = g.x1 - strip + 1; x <= g.x1; ++x)
        for (int y = g.y0; y <= g.y1; ++y) {
            l_uint32 v = 0;
            pixGetPixel(bin, x, y, &v);
            if (!v) continue;
            const double rel = static_cast<double>(y - g.y0) / g.h();
            if (rel < 0.3) top = true;
            else if (rel > 0.7) bottom = true;
            else if (rel > 0.4 && rel < 0.6) ++middle;
        }
    return top && bottom && middle == 0;
}

// Edit-distance alignment of tesseract's line onto the glyph row: kinds[j] is '<' for a filler
// glyph, '?' for another. Returns one character per glyph.
std::string align(const std::string &t, const std::string &kinds) {
    const std::size_t n = t.size(), m = kinds.size();
    std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1, 0));
    // costs: same kind 0; a letter tesseract often makes of a filler (K, X, C, L) on a filler
    // glyph 1; another mismatch 3; a character or glyph left out 2
    constexpr int kGap = 2;
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i) * kGap;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j) * kGap;
    auto cost = [&](std::size_t i, std::size_t j) {
        if ((t[i] == '<') == (kinds[j] == '<')) return 0;
        if (kinds[j] == '<' && std::string_view("KXCL").find(t[i]) != std::string_view::npos) return 1;
        return 3;
    };
    for (std::size_t i = 1; i <= n; ++i)
        for (std::size_t j = 1; j <= m; ++j)
            d[i][j] = std::min({d[i - 1][j - 1] + cost(i - 1, j - 1), d[i - 1][j] + kGap, d[i][j - 1] + kGap});
    std::string out(m, '<');
    std::size_t i = n, j = m;
    while (i > 0 && j > 0) {
        if (d[i][j] == d[i - 1][j - 1] + cost(i - 1, j - 1)) {
            // a filler's shape wins over a letter tesseract saw there; elsewhere tesseract's reading
            out[j - 1] = kinds[j - 1] == '<' ? '<' : t[i - 1];
            --i, --j;
        } else if (d[i][j] == d[i - 1][j] + kGap) {
            --i;
        } else {
            --j;
        }
    }
    return out;
}

// Each tesseract character goes to the glyph cell nearest to its box's centre; a cell keeps a
// letter or digit over a '<' (tesseract adds K/X/'<' around fillers, not inside letters). Filler
// glyphs stay '<'; a cell nothing reached is '<' (its check digit then decides).
std::string place(const std::vector<std::pair<char, double>> &symbols, const std::vector<Glyph> &cells,
                  const std::string &kinds, double pitch) {
    std::string out(cells.size(), '<');
    std::vector<double> best(cells.size(), 1e18);
    for (const auto &[ch, x] : symbols) {
        if (ch == '<') continue;
        std::size_t at = cells.size();
        double d = 1e18;
        for (std::size_t k = 0; k < cells.size(); ++k) {
            if (cells[k].x0 < 0 || kinds[k] == '<') continue;
            const double dk = std::fabs(cells[k].cx() - x);
            if (dk < d) d = dk, at = k;
        }
        if (at == cells.size() || d > pitch * 0.75 || d >= best[at]) continue;
        best[at] = d;
        out[at] = ch;
    }
    return out;
}

std::string compact(const std::string &s) {
    std::string out;
    for (char c : s)
        if (c != ' ') out += c;
    return out;
}

}  // namespace

MrzBand locate_mrz_band(const std::vector<Word> &words, const std::vector<Line> &lines,
                        const std::string &text, int width, int height) {
    MrzBand band;
    double y0 = 1e18, y1 = -1e18, heights = 0;
    int found = 0;
    for (const auto &[first, count] : lines) {
        if (first < 0 || count <= 0 || static_cast<std::size_t>(first) + count > words.size()) continue;
        std::string line;
        double ly0 = 1e18, ly1 = -1e18;
        for (int k = first; k < first + count; ++k) {
            line += words[static_cast<std::size_t>(k)].text;
            ly0 = std::min(ly0, words[static_cast<std::size_t>(k)].y0);
            ly1 = std::max(ly1, words[static_cast<std::size_t>(k)].y1);
        }
        if (!mrz_like(line)) continue;
        ++found;
        y0 = std::min(y0, ly0), y1 = std::max(y1, ly1);
        heights += ly1 - ly0;
    }
    if (found > 0) {
        band.line_height = heights / found;
        // one line height around the lines: a neighbouring MRZ line the first OCR missed
        // (TD1 has three lines: the first OCR may have missed the one above or below)
        const double margin = band.line_height * 2.5;
        band.y0 = std::max(0, static_cast<int>(y0 - margin));
        band.y1 = std::min(height, static_cast<int>(y1 + margin) + 1);
        band.x0 = 0, band.x1 = width;
        return band;
    }
    const std::string lower = lower_ascii(text);
    for (const char *k : {"passport", "passeport", "reisepass", "pasaporte", "paspoort", "identity card",
                          "personalausweis", "carte nationale d'identit", "identiteitskaart", "id card",
                          "identitätskarte", "residence permit", "aufenthaltstitel"})
        if (lower.find(k) != std::string::npos) {
            band.x0 = 0, band.x1 = width;
            band.y0 = height - height * 35 / 100, band.y1 = height;
            return band;
        }
    return band;
}

std::vector<std::string> rebuild_mrz_lines(Pix *band8, const std::vector<MrzTessLine> &tess) {
    std::vector<std::string> plain;
    for (const auto &t : tess) {
        std::string c = compact(t.text);
        if (c.size() >= 20) plain.push_back(c);
    }
    if (band8 == nullptr || tess.empty()) return plain;
    Pix *bin_raw = nullptr;
    // Otsu over the whole band (one tile)
    const int w = pixGetWidth(band8), h = pixGetHeight(band8);
    if (pixOtsuAdaptiveThreshold(band8, w, h, 0, 0, 0.1f, nullptr, &bin_raw) != 0 || bin_raw == nullptr)
        return plain;
    PixPtr bin(bin_raw);
    Boxa *boxa = pixConnCompBB(bin.get(), 8);
    if (boxa == nullptr) return plain;
    std::vector<Glyph> glyphs;
    const int n = boxaGetCount(boxa);
    for (int i = 0; i < n && i < 5000; ++i) {
        l_int32 x, y, bw, bh;
        if (boxaGetBoxGeometry(boxa, i, &x, &y, &bw, &bh) != 0) continue;
        glyphs.push_back({x, y, x + bw - 1, y + bh - 1});
    }
    boxaDestroy(&boxa);
    std::vector<std::string> out;
    for (const auto &t : tess) {
        const std::string tc = compact(t.text);
        if (tc.size() < 20) continue;
        const double th = t.y1 - t.y0;
        // the glyphs of this line: centred within its extent, not specks, not taller than two lines
        std::vector<Glyph> row;
        for (const auto &g : glyphs)
            if (g.cy() >= t.y0 && g.cy() <= t.y1 && g.h() >= th * 0.35 && g.h() <= th * 1.6) row.push_back(g);
        std::sort(row.begin(), row.end(), [](const Glyph &a, const Glyph &b) { return a.x0 < b.x0; });
        // parts of one broken glyph overlap in x
        std::vector<Glyph> merged;
        for (const auto &g : row) {
            if (!merged.empty()) {
                Glyph &p = merged.back();
                const int overlap = std::min(p.x1, g.x1) - std::max(p.x0, g.x0) + 1;
                if (overlap * 2 >= std::min(p.w(), g.w())) {
                    p.x0 = std::min(p.x0, g.x0), p.y0 = std::min(p.y0, g.y0);
                    p.x1 = std::max(p.x1, g.x1), p.y1 = std::max(p.y1, g.y1);
                    continue;
                }
            }
            merged.push_back(g);
        }
        if (merged.size() < 20 || merged.size() > 50) {
            out.push_back(tc);
            continue;
        }
        std::vector<double> steps;
        for (std::size_t k = 1; k < merged.size(); ++k) steps.push_back(merged[k].cx() - merged[k - 1].cx());
        std::nth_element(steps.begin(), steps.begin() + static_cast<long>(steps.size() / 2), steps.end());
        const double pitch = steps[steps.size() / 2];
        // glyphs run together (blur) are cut at the pitch; a missing one leaves a gap of a pitch
        std::vector<Glyph> cells;
        for (std::size_t k = 0; k < merged.size(); ++k) {
            const Glyph &g = merged[k];
            if (k > 0 && pitch > 0) {
                const double gap = g.cx() - cells.back().cx();
                for (int miss = static_cast<int>(std::lround(gap / pitch)) - 1; miss > 0 && cells.size() < 50; --miss)
                    cells.push_back({-1, -1, -1, -1});
            }
            const int parts = pitch > 0 ? std::max(1, static_cast<int>(std::lround(g.w() / pitch))) : 1;
            for (int p = 0; p < parts && cells.size() < 50; ++p) {
                Glyph c = g;
                c.x0 = g.x0 + g.w() * p / parts;
                c.x1 = g.x0 + g.w() * (p + 1) / parts - 1;
                cells.push_back(c);
            }
        }
        std::string kinds;
        for (const auto &c : cells) kinds += c.x0 < 0 || filler_shape(bin.get(), c) ? '<' : '?';
        out.push_back(t.symbols.empty() ? align(tc, kinds) : place(t.symbols, cells, kinds, pitch));
    }
    return out.empty() ? plain : out;
}

}  // namespace docextract::extract
