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

// Detects from UTF-8 text (at most the first 64 KB are read). Too little text: code "".
Language detect_language(std::string_view text);

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
