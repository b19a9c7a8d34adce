// Language of a page's or a document's text with CLD2, and the tesseract traineddata that reads
// it.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace docextract::extract {

struct Language {
    std::string code;       // ISO 639-1 ("de"), or "" when unknown
    bool reliable = false;  // CLD2's verdict (enough text, a clear winner)
    int percent = 0;        // share of the text in that language
};

// Detects from UTF-8 text (at most the first max_bytes are read). Too little text: code "".
// CLD2 costs about 0.5 ms a call plus some 0.15 us a byte (2 vCPU), so callers on the text path
// read a sample.
Language detect_language(std::string_view text, std::size_t max_bytes = 64 * 1024);

// The bytes of a native PDF page's text its language is detected from: a sample is as reliable
// as the whole page for CLD2, at a fraction of the cost.
inline constexpr std::size_t kPageLanguageSample = 2048;

// A document's language from its pages' (each page's "language" and "text"): the language of
// most of the text, weighted by text length; reliable when its reliable pages hold at least half
// of the text whose language is known. No second pass of CLD2 over the whole text.
Language vote_language(const nlohmann::json &pages);

// {"code": "de", "reliable": true} or null when unknown.
nlohmann::json to_json(const Language &l);

// The language of a whole document: of its pages' texts joined (the first 64 KB or so).
Language document_language(const nlohmann::json &pages);

// The tesseract language for an ISO 639-1 code ("de" -> "deu"), "" when there is none.
std::string tesseract_language(const std::string &code);

// The traineddata directory used when none is given (Debian's tesseract 5).
std::string default_tessdata();

// Whether <tessdata>/<lang>.traineddata exists and is readable.
bool traineddata_installed(const std::string &tessdata, const std::string &lang);

}  // namespace docextract::extract
