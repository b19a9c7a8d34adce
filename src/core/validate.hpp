// File validation: what docextract accepts, decided from the bytes and the file name only.
// Pure C++17; the PostgreSQL wrappers live in src/pg/validate_fns.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace docextract::core {

struct SizeLimits {
    std::size_t min_size = 100;               // bytes, inclusive
    std::size_t max_size = 50u * 1024 * 1024;  // bytes, inclusive
};

struct Validation {
    bool valid = false;
    std::string file_format;      // normalised extension: pdf, jpg, jpeg, png, tiff, bmp, webp; "" if none
    std::string mime_type;        // what libmagic says of the bytes; "" if there are no bytes
    std::size_t file_size = 0;
    std::string safe_filename;    // the name to store: base name only; "" when the name is refused
    std::vector<std::string> errors;  // one plain sentence per problem, in a stable order
    // What was changed without refusing the file, one plain sentence each (e.g. a directory part
    // removed from the name); upload() raises them as NOTICEs.
    std::vector<std::string> notes;
};

// libmagic's MIME type of the bytes, e.g. "application/pdf". The magic database is loaded once
// per process (a backend is single-threaded). Throws std::runtime_error if libmagic fails.
std::string detect_mime(const void *data, std::size_t len);

// Applies every rule and reports every problem found (not just the first one).
// filename may be null (absent); data may be null only when len == 0.
Validation validate_file(const char *filename, const void *data, std::size_t len,
                         const SizeLimits &limits);

}  // namespace docextract::core
