// The Info dictionary as pdfinfo prints it: PDFDocEncoding and UTF-16 strings decoded, dates read
// the way poppler's pdfinfo reads them, in ISO 8601 UTC.
#pragma once

#include <nlohmann/json.hpp>

namespace poppler {
class document;
}

namespace docextract::extract {

class RawPdf;

// content_type, pages, title ... modified, pdf_version, encrypted, linearized, has_embedded_files.
nlohmann::json pdf_metadata(const poppler::document &doc, int pages, const RawPdf &raw);

// PDFDocEncoding bytes (PDF 32000-1 Annex D) as UTF-8; undefined codes are dropped.
std::string pdfdoc_to_utf8(const std::string &bytes);

// time_t as 2023-11-14T22:13:20Z; empty when out of range.
std::string iso_utc(long long t);

}  // namespace docextract::extract
