#include "core/fields/viz.hpp"

#include <cctype>
#include <sstream>

#include "core/fields/normalize.hpp"
#include "core/purity.hpp"

namespace docextract::fields {
namespace {

bool is_mrz_line(std::string_view line) {
    int lt = 0, n = 0;
    for (char c : line) {
        if (c == ' ') continue;
        ++n;
        if (c == '<') ++lt;
    }
    return n >= 25 && lt >= 2;
}

// Upper-case ASCII: Latin-1 letters folded to their base letter; with `expand`, Ä Ö Ü as AE OE UE
// and ß as SS (the MRZ transliteration of ICAO 9303 part 3).
std::string fold(std::string_view s, bool expand) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
            continue;
        }
        if (c == 0xC3 && i + 1 < s.size()) {
            unsigned cp = 0xC0 + (static_cast<unsigned char>(s[i + 1]) & 0x3F);
            ++i;
            if (cp >= 0xE0) cp -= 0x20;  // lower to upper
            if (expand && (cp == 0xC4 || cp == 0xD6 || cp == 0xDC)) {
                out += cp == 0xC4 ? "AE" : cp == 0xD6 ? "OE" : "UE";
                continue;
            }
            if (cp == 0xDF) { out += "SS"; continue; }
            static const char base[] = "AAAAAAACEEEEIIIIDNOOOOOXOUUUUYPS";  // U+00C0..U+00DF
            out += base[cp - 0xC0];
            continue;
        }
        out += ' ';  // other non-ASCII: a separator
    }
    return out;
}

std::vector<std::string> split_words(const std::string &s) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) cur += c;
        else if (!cur.empty()) out.push_back(std::move(cur)), cur.clear();
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

}  // namespace

VisualZone::VisualZone(std::string_view text) {
    std::size_t pos = 0;
    int lines = 0;
    while (pos < text.size() && lines < 2000 && pos < (1u << 20)) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++lines;
        if (is_mrz_line(line)) continue;
        for (bool expand : {false, true}) {
            std::string f = fold(line, expand);
            folded_.push_back(' ' + f + ' ');
            for (auto &w : split_words(f)) words_.insert(w);
        }
        // dates: 1-4 words of the line; a bilingual month ("AUG/AOUT") counts by its first half
        std::string cleaned;
        for (std::size_t i = 0; i < line.size(); ++i) {
            if (line[i] == '/' && i > 0 && i + 1 < line.size() && std::isalpha(static_cast<unsigned char>(line[i - 1])) &&
                (std::isalpha(static_cast<unsigned char>(line[i + 1])) || static_cast<unsigned char>(line[i + 1]) >= 0x80)) {
                while (i + 1 < line.size() && line[i + 1] != ' ') ++i;
                continue;
            }
            cleaned += line[i];
        }
        std::istringstream in(cleaned);
        std::vector<std::string> t;
        for (std::string w; in >> w && t.size() < 40;) t.push_back(w);
        for (std::size_t i = 0; i < t.size(); ++i) {
            std::string span;
            for (std::size_t n = 0; n < 4 && i + n < t.size(); ++n) {
                span += (n ? " " : "") + t[i + n];
                for (Locale loc : {Locale::de, Locale::en}) {
                    auto d = parse_date(span, loc);
                    if (!d) continue;
                    dates_.insert(*d);
                    dates_.insert(d->substr(2));  // yy-MM-DD: a two-digit year's century may differ
                }
            }
        }
    }
}

bool VisualZone::agrees(const std::string &field, const std::string &value) const {
    if (value.empty()) return false;
    if (field == "birth_date" || field == "expiry_date")
        return dates_.count(value) > 0 || (value.size() == 10 && dates_.count(value.substr(2)) > 0);
    if (field == "document_number" || field == "issuing_country" || field == "nationality" ||
        field == "personal_number")
        return words_.count(value) > 0;
    if (field == "surname" || field == "given_names") {
        // every word of the name, as a word of the zone, and the whole name on one line
        const std::string want = ' ' + value + ' ';
        for (const auto &line : folded_) {
            std::string spaced;
            for (char c : line) spaced += (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : ' ';
            std::string collapsed;
            for (char c : spaced)
                if (c != ' ' || (collapsed.empty() || collapsed.back() != ' ')) collapsed += c;
            if (collapsed.find(want) != std::string::npos) return true;
        }
        return false;
    }
    return false;
}

}  // namespace docextract::fields
