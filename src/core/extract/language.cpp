#include "core/extract/language.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include <cld2/public/compact_lang_det.h>

#include "core/purity.hpp"

namespace docextract::extract {

Language detect_language(std::string_view text, std::size_t max_bytes) {
    Language out;
    const int len = static_cast<int>(std::min<std::size_t>(text.size(), std::min<std::size_t>(max_bytes, 64 * 1024)));
    if (len == 0) return out;
    CLD2::Language top3[3];
    int percent3[3] = {0, 0, 0};
    int text_bytes = 0;
    bool reliable = false;
    // The text is sanitised UTF-8 (text.hpp); cut at a character boundary.
    int n = len;
    while (n > 0 && n < static_cast<int>(text.size()) && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    CLD2::Language lang = CLD2::DetectLanguageSummary(text.data(), n, true, top3, percent3,
                                                      &text_bytes, &reliable);
    if (lang == CLD2::UNKNOWN_LANGUAGE || lang == CLD2::TG_UNKNOWN_LANGUAGE) return out;
    const char *code = CLD2::LanguageCode(lang);
    if (code == nullptr || std::strcmp(code, "un") == 0) return out;
    out.code = code;
    out.reliable = reliable;
    out.percent = percent3[0];
    return out;
}

nlohmann::json to_json(const Language &l) {
    if (l.code.empty()) return nullptr;
    return {{"code", l.code}, {"reliable", l.reliable}};
}

Language document_language(const nlohmann::json &pages) {
    std::string all;
    for (const auto &p : pages) {
        if (all.size() > 64 * 1024) break;
        if (const auto t = p.find("text"); t != p.end() && t->is_string()) {
            all += t->get_ref<const std::string &>();
            all += '\n';
        }
    }
    return detect_language(all);
}

Language vote_language(const nlohmann::json &pages) {
    std::map<std::string, std::pair<double, double>> weight;  // code -> (all, reliable)
    double known = 0;
    for (const auto &p : pages) {
        const auto l = p.find("language");
        const auto t = p.find("text");
        if (l == p.end() || !l->is_object() || t == p.end() || !t->is_string()) continue;
        const auto c = l->find("code");
        if (c == l->end() || !c->is_string()) continue;
        const double w = static_cast<double>(t->get_ref<const std::string &>().size());
        auto &[all, reliable] = weight[c->get<std::string>()];
        all += w;
        if (l->value("reliable", false)) reliable += w;
        known += w;
    }
    Language out;
    double best = 0;
    for (const auto &[code, w] : weight)
        if (w.first > best) {
            best = w.first;
            out.code = code;
            out.reliable = known > 0 && w.second * 2 >= known;
            out.percent = known > 0 ? static_cast<int>(100 * w.first / known) : 0;
        }
    return out;
}

std::string tesseract_language(const std::string &code) {
    static const struct {
        const char *iso1, *tess;
    } kMap[] = {
        {"en", "eng"}, {"de", "deu"}, {"fr", "fra"}, {"nl", "nld"}, {"es", "spa"}, {"it", "ita"},
        {"pt", "por"}, {"da", "dan"}, {"sv", "swe"}, {"no", "nor"}, {"nb", "nor"}, {"fi", "fin"},
        {"pl", "pol"}, {"cs", "ces"}, {"sk", "slk"}, {"sl", "slv"}, {"hr", "hrv"}, {"hu", "hun"},
        {"ro", "ron"}, {"ca", "cat"}, {"et", "est"}, {"lv", "lav"}, {"lt", "lit"}, {"tr", "tur"},
        {"el", "ell"}, {"ru", "rus"}, {"uk", "ukr"}, {"bg", "bul"}, {"sr", "srp"}, {"ga", "gle"},
        {"is", "isl"}, {"lb", "ltz"}, {"mt", "mlt"}, {"eu", "eus"}, {"gl", "glg"}, {"sq", "sqi"},
    };
    for (const auto &m : kMap)
        if (code == m.iso1) return m.tess;
    return "";
}

std::string default_tessdata() {
    if (const char *prefix = std::getenv("TESSDATA_PREFIX"); prefix && *prefix) return prefix;
    return "/usr/share/tesseract-ocr/5/tessdata";
}

bool traineddata_installed(const std::string &tessdata, const std::string &lang) {
    if (lang.empty() || lang.find_first_of("/.") != std::string::npos) return false;
    const std::string dir = tessdata.empty() ? default_tessdata() : tessdata;
    std::FILE *f = std::fopen((dir + "/" + lang + ".traineddata").c_str(), "rb");
    if (f == nullptr) return false;
    std::fclose(f);
    return true;
}

}  // namespace docextract::extract
