// fields_version(): the version of the field extractors this library was built with, which the
// helper installed beside it writes into its results (src/core/fields/version.hpp).
#include "pg/postgres_headers.hpp"

#include "core/fields/version.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(docextract_fields_version);
}

Datum docextract_fields_version(PG_FUNCTION_ARGS) {
    PG_RETURN_INT32(docextract::fields::kFieldsVersion);
}
