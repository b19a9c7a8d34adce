// Polyglot detection of validate_file: archives, executables and PDFs hidden after (or near the end
// of) an accepted document. Internal to src/core; the rules are in docs/validation.md.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace docextract::core::detail {

enum class DocFormat { Pdf, Jpeg, Png, Tiff, Bmp, Webp };

// Where the document's own data ends, found from its structure (PNG chunks, last JPEG EOI, last
// PDF %%EOF, the RIFF size of WebP, the BMP pixel array); nullopt for TIFF, whose data may sit
// anywhere, and for truncated or malformed files.
std::optional<std::size_t> document_end(DocFormat format, std::string_view bytes);

// A payload that starts at bytes[0]: "a ZIP archive", "an ELF executable", ...; nullopt if none.
std::optional<std::string_view> payload_at(std::string_view bytes);

// A payload signature long and specific enough to be searched for anywhere in bytes.
std::optional<std::string_view> payload_inside(std::string_view bytes);

// A structurally valid ZIP end-of-central-directory record in the last 64 KiB + 22 bytes (where
// every ZIP reader looks), whose central directory lies inside the file.
bool has_zip_directory(std::string_view bytes);

// One plain sentence per polyglot problem, in a stable order.
std::vector<std::string> check_polyglot(DocFormat format, std::string_view format_name,
                                        std::string_view bytes);

}  // namespace docextract::core::detail
