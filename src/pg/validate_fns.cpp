// SQL wrappers of the validation core: detect_mime() and validate_file().
#include "core/validate.hpp"
#include "pg/boundary.hpp"
#include "pg/guc.hpp"
#include "pg/hooks.hpp"
#include "pg/postgres_headers.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/array.h"
}

using docextract::core::SizeLimits;
using docextract::core::Validation;
using docextract::pg::call_cpp;
using docextract::pg::pg_guard;
using docextract::pg::pg_strdup;

namespace {

// validate_file()'s result row, as PostgreSQL values built inside call_cpp.
struct ValidationRow {
    bool valid;
    Datum file_format;
    Datum mime_type;
    int64 file_size;
    Datum errors;
    Datum safe_filename;
    Datum notes;
    bool has_format, has_mime, has_filename;
};

Datum text_datum(const std::string &s) {
    return pg_guard([&] { return PointerGetDatum(cstring_to_text_with_len(s.data(), s.size())); });
}

Datum text_array_datum(const std::vector<std::string> &items) {
    std::vector<Datum> elems;
    elems.reserve(items.size());
    for (const auto &item : items) elems.push_back(text_datum(item));
    return pg_guard([&] {
        return PointerGetDatum(construct_array(elems.data(), static_cast<int>(elems.size()),
                                               TEXTOID, -1, false, TYPALIGN_INT));
    });
}

SizeLimits current_limits() {
    if (docextract::pg::guc_min_file_size > docextract::pg::guc_max_file_size)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("docextract.min_file_size is greater than docextract.max_file_size"),
                        errdetail("The minimum is %d bytes and the maximum is %d bytes.",
                                  docextract::pg::guc_min_file_size,
                                  docextract::pg::guc_max_file_size)));
    SizeLimits limits;
    limits.min_size = static_cast<std::size_t>(docextract::pg::guc_min_file_size);
    limits.max_size = static_cast<std::size_t>(docextract::pg::guc_max_file_size);
    return limits;
}

}  // namespace

extern "C" {
PG_FUNCTION_INFO_V1(docextract_detect_mime);
PG_FUNCTION_INFO_V1(docextract_validate_file);
}

// detect_mime(content bytea) returns text; STRICT.
Datum docextract_detect_mime(PG_FUNCTION_ARGS) {
    docextract::pg::note_document_in_statement();
    bytea *content = PG_GETARG_BYTEA_PP(0);
    const char *data = VARDATA_ANY(content);
    const std::size_t len = VARSIZE_ANY_EXHDR(content);
    text *result = call_cpp([&] {
        const std::string mime = docextract::core::detect_mime(data, len);
        return pg_guard([&] { return cstring_to_text_with_len(mime.data(), mime.size()); });
    });
    PG_RETURN_TEXT_P(result);
}

// validate_file(filename text, content bytea) returns one row; not STRICT, so that a missing
// name or missing content is reported as a problem instead of a NULL row.
Datum docextract_validate_file(PG_FUNCTION_ARGS) {
    docextract::pg::note_document_in_statement();
    TupleDesc tupdesc;
    if (get_call_result_type(fcinfo, nullptr, &tupdesc) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("function returning record called in context "
                               "that cannot accept type record")));
    tupdesc = BlessTupleDesc(tupdesc);

    const char *filename = PG_ARGISNULL(0) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(0));
    const char *data = nullptr;
    std::size_t len = 0;
    if (!PG_ARGISNULL(1)) {
        bytea *content = PG_GETARG_BYTEA_PP(1);
        data = VARDATA_ANY(content);
        len = VARSIZE_ANY_EXHDR(content);
    }
    const SizeLimits limits = current_limits();

    ValidationRow row = call_cpp([&] {
        const Validation v = docextract::core::validate_file(filename, data, len, limits);
        ValidationRow r{};
        r.valid = v.valid;
        r.has_format = !v.file_format.empty();
        r.has_mime = !v.mime_type.empty();
        r.has_filename = !v.safe_filename.empty();
        if (r.has_format) r.file_format = text_datum(v.file_format);
        if (r.has_mime) r.mime_type = text_datum(v.mime_type);
        if (r.has_filename) r.safe_filename = text_datum(v.safe_filename);
        r.file_size = static_cast<int64>(v.file_size);
        r.errors = text_array_datum(v.errors);
        r.notes = text_array_datum(v.notes);
        return r;
    });

    Datum values[7] = {BoolGetDatum(row.valid), row.file_format, row.mime_type,
                       Int64GetDatum(row.file_size), row.errors, row.safe_filename, row.notes};
    bool nulls[7] = {false, !row.has_format, !row.has_mime, false, false, !row.has_filename, false};
    HeapTuple tuple = heap_form_tuple(tupdesc, values, nulls);
    PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}
