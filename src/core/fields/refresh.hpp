// Field refresh (docs/fields.md "Refreshing fields"): the field extractors re-run on a stored
// result instead of a document. The stored result is derived from untrusted bytes, so it is parsed
// only here, in the sandboxed helper (docextract-extract --refresh-fields), never in a backend.
#pragma once

#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/fields/document_fields.hpp"

namespace docextract::fields {

// Deeper than any document model (pages, words, a word's array: 4 levels).
constexpr int kMaxStoredResultDepth = 64;

// A stored result that cannot be read: not JSON, not an object, nested too deeply, or an error
// object. The helper reports it as "corrupt" (no retry changes it).
struct StoredResultError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Parses a stored result (extracted_data.data with its text, docs/extract-json.md).
nlohmann::json parse_stored_result(std::string_view text);

// The field keys of document_fields() for the stored result: exactly what the extraction that
// stored it would give with these extractors and this declared type.
nlohmann::json refresh_fields(std::string_view stored, const DocumentFieldsOptions &options = {});

}  // namespace docextract::fields
