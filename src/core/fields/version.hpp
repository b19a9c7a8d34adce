// The version of the field extractors (src/core/fields). Raise it whenever a change makes them
// give other fields, confidences or details for the same document model: results carry the
// version that produced their fields ("fields_version"), and docextract.refresh_all_fields()
// re-runs the extractors on the stored results made by an older one.
#pragma once

namespace docextract::fields {

constexpr int kFieldsVersion = 2;

}  // namespace docextract::fields
