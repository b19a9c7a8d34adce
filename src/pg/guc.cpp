#include "pg/guc.hpp"

#include "pg/postgres_headers.hpp"

namespace docextract::pg {

int guc_min_file_size = 100;
int guc_max_file_size = 50 * 1024 * 1024;
char *guc_extract_program = nullptr;

namespace {

// The helper is installed beside the postgres binary; the default points there.
char default_extract_program[MAXPGPATH];

void compute_default_extract_program() {
    strlcpy(default_extract_program, my_exec_path, sizeof default_extract_program);
    get_parent_directory(default_extract_program);
    join_path_components(default_extract_program, default_extract_program, "docextract-extract");
}

}  // namespace

void define_gucs() {
    // The size limits are a security boundary: PGC_SUSET, so that an ordinary user cannot SET a
    // limit away for their own session.
    DefineCustomIntVariable("docextract.min_file_size", "Smallest accepted document size.",
                            "Smaller files are refused by validate_file() and upload().",
                            &guc_min_file_size, 100, 1, MaxAllocSize, PGC_SUSET, GUC_UNIT_BYTE,
                            nullptr, nullptr, nullptr);
    DefineCustomIntVariable("docextract.max_file_size", "Largest accepted document size.",
                            "Larger files are refused by validate_file() and upload().",
                            &guc_max_file_size, 50 * 1024 * 1024, 1, MaxAllocSize, PGC_SUSET,
                            GUC_UNIT_BYTE, nullptr, nullptr, nullptr);

    // It names a program the server runs, so only the server configuration may set it.
    compute_default_extract_program();
    DefineCustomStringVariable("docextract.extract_program",
                               "Path of the sandboxed extraction helper program.",
                               "The background workers run it once per document.",
                               &guc_extract_program, default_extract_program, PGC_SIGHUP,
                               GUC_SUPERUSER_ONLY, nullptr, nullptr, nullptr);

    MarkGUCPrefixReserved("docextract");
}

}  // namespace docextract::pg
