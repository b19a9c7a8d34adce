// Embedded files (PDF attachments): listed with name, MIME type and size; the XML of a Factur-X,
// ZUGFeRD or XRechnung invoice kept for the field extractors.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace poppler {
class document;
}

namespace docextract::extract {

struct Context;

inline constexpr std::size_t kMaxAttachmentsListed = 1000;
inline constexpr std::size_t kMaxInvoiceXmlBytes = 2u << 20;
inline constexpr int kMaxAttachmentReads = 4;

struct Embedded {
    nlohmann::json attachments = nlohmann::json::array();  // [{name, mime, size}]
    nlohmann::json invoice_xml;                              // null or {name, mime, size, xml}
};

// Whether the XML's root element (after the prolog, any namespace prefix removed) is an invoice:
// CrossIndustryInvoice (Factur-X, ZUGFeRD 2, XRechnung CII), CrossIndustryDocument (ZUGFeRD 1),
// Invoice or CreditNote (UBL, XRechnung UBL). Bounded scan of the first 64 KB.
bool is_invoice_xml(const std::string &xml);

// Whether the attachment name is one the invoice standards prescribe (case-insensitive).
bool is_invoice_name(const std::string &name);

// The attachments of doc (loaded from bytes). Every read stops at the cap, whatever the file
// declares: a lying or huge stream costs at most kMaxInvoiceXmlBytes, and is a warning.
Embedded pdf_embedded_files(std::string_view bytes, const poppler::document &doc, Context &ctx);

}  // namespace docextract::extract
