#include "core/extract/pdf_metadata.hpp"

#include <ctime>
#include <string>

#include <poppler/cpp/poppler-document.h>

#include "core/extract/pdf_raw.hpp"
#include "core/extract/text.hpp"
#include "core/utf8.hpp"
#include "core/purity.hpp"

namespace docextract::extract {
namespace {

// PDFDocEncoding where it differs from Latin-1; 0 marks an undefined code.
char32_t pdfdoc_code_point(unsigned char c) {
    static const char32_t k18[8] = {0x02D8, 0x02C7, 0x02C6, 0x02D9, 0x02DD, 0x02DB, 0x02DA, 0x02DC};
    static const char32_t k80[33] = {
        0x2022, 0x2020, 0x2021, 0x2026, 0x2014, 0x2013, 0x0192, 0x2044, 0x2039, 0x203A, 0x2212,
        0x2030, 0x201E, 0x201C, 0x201D, 0x2018, 0x2019, 0x201A, 0x2122, 0xFB01, 0xFB02, 0x0141,
        0x0152, 0x0160, 0x0178, 0x017D, 0x0131, 0x0142, 0x0153, 0x0161, 0x017E, 0x0000, 0x20AC};
    if (c >= 0x18 && c <= 0x1F) return k18[c - 0x18];
    if (c == 0x7F) return 0;
    if (c >= 0x80 && c <= 0xA0) return k80[c - 0x80];
    return c;
}

using core::append_utf8;

bool is_utf16(const std::string &raw) {
    return raw.size() >= 2 && ((raw[0] == '\xFE' && raw[1] == '\xFF') || (raw[0] == '\xFF' && raw[1] == '\xFE'));
}

// poppler-cpp decodes UTF-16 strings (with a byte order mark) and hands every other string over
// byte for byte, as Latin-1 code units: PDFDocEncoding's ™ (0x92) arrives as U+0092. The raw
// string in the file says which case it is; when the Info dictionary cannot be read raw (object
// streams, encryption), a string of code units <= U+00FF with a C1 control or one of 0x18..0x1F
// is taken for PDFDocEncoding (UTF-16 text has no reason to hold those).
std::string info_text(const poppler::ustring &value, const RawPdf &raw, const std::string &key, bool encrypted) {
    bool all_latin1 = true, pdfdoc_hint = false;
    for (auto u : value) {
        if (u > 0xFF) all_latin1 = false;
        if ((u >= 0x18 && u <= 0x1F) || (u >= 0x7F && u <= 0x9F)) pdfdoc_hint = true;
    }
    bool pdfdoc = false;
    if (all_latin1) {
        std::optional<std::string> bytes;
        if (!encrypted) bytes = raw.info_string(key);
        pdfdoc = bytes ? !is_utf16(*bytes) : pdfdoc_hint;
    }
    if (pdfdoc) {
        std::string latin1;
        latin1.reserve(value.size());
        for (auto u : value) latin1 += static_cast<char>(u);
        return sanitize_utf8(pdfdoc_to_utf8(latin1));
    }
    auto bytes = value.to_utf8();
    return sanitize_utf8(std::string_view(bytes.data(), bytes.size()));
}

void put_string(nlohmann::json &meta, const char *json_key, const poppler::ustring &value,
                const RawPdf &raw, const char *info_key, bool encrypted) {
    std::string v = info_text(value, raw, info_key, encrypted);
    if (!v.empty()) meta[json_key] = v;
}

void put_date(nlohmann::json &meta, const char *key, time_t t) {
    // poppler's dateStringToTime, as pdfinfo uses it: no zone is UTC, "Z" followed by an offset
    // (D:20230410074654Z07'46') counts the offset like "+"; -1 means absent or unparsable.
    if (t <= 0) return;
    std::string s = iso_utc(t);
    if (!s.empty()) meta[key] = s;
}

}  // namespace

std::string pdfdoc_to_utf8(const std::string &bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (unsigned char c : bytes) {
        const char32_t cp = pdfdoc_code_point(c);
        if (cp != 0) append_utf8(out, cp);
    }
    return out;
}

std::string iso_utc(long long t) {
    const time_t tt = static_cast<time_t>(t);
    std::tm tm{};
    if (!gmtime_r(&tt, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) return {};
    char buf[32];
    if (!strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm)) return {};
    return buf;
}

nlohmann::json pdf_metadata(const poppler::document &doc, int pages, const RawPdf &raw) {
    nlohmann::json meta = nlohmann::json::object();
    meta["content_type"] = "application/pdf";
    meta["pages"] = pages;
    const bool enc = doc.is_encrypted();
    put_string(meta, "title", doc.get_title(), raw, "Title", enc);
    put_string(meta, "author", doc.get_author(), raw, "Author", enc);
    put_string(meta, "subject", doc.get_subject(), raw, "Subject", enc);
    put_string(meta, "keywords", doc.get_keywords(), raw, "Keywords", enc);
    put_string(meta, "creator", doc.get_creator(), raw, "Creator", enc);
    put_string(meta, "producer", doc.get_producer(), raw, "Producer", enc);
    put_date(meta, "created", doc.get_creation_date_t());
    put_date(meta, "modified", doc.get_modification_date_t());
    int major = 0, minor = 0;
    doc.get_pdf_version(&major, &minor);
    meta["pdf_version"] = std::to_string(major) + "." + std::to_string(minor);
    meta["encrypted"] = enc;
    meta["linearized"] = doc.is_linearized();
    meta["has_embedded_files"] = doc.has_embedded_files();
    return meta;
}

}  // namespace docextract::extract
