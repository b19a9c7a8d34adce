// From the document model to fields (FIELDS.md, docs/fields.md "From the document model to
// fields"): takes the result object of docextract-extract (docs/extract-json.md: pages with text,
// words, lines and barcodes, metadata.invoice_xml) and the declared document type, and derives
// fields, field_confidence, field_details, detected_type(+_confidence), entities and
// overall_confidence. Deterministic, bounded on hostile input (pages, lines, words, XML size and
// element counts are capped), throws nothing but std::bad_alloc.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/fields/version.hpp"

namespace docextract::fields {

struct DocumentFieldsOptions {
    // The user's declared type (documents.document_type); "other" (or "") lets the content decide.
    std::string document_type = "other";
    // Year two-digit MRZ years are resolved against; 0: the system clock's.
    int current_year = 0;
};

// The eight keys: "fields", "field_confidence", "field_details", "detected_type",
// "detected_type_confidence", "entities", "overall_confidence" and "fields_version"
// (kFieldsVersion, the extractors that made them).
nlohmann::json document_fields(const nlohmann::json &result,
                               const DocumentFieldsOptions &options = {});

// Adds those keys to the top level of `result` (overwriting them if present).
void add_document_fields(nlohmann::json &result, const DocumentFieldsOptions &options = {});

}  // namespace docextract::fields
