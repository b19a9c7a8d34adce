// The polyglot rule of validate_file (docs/validation.md): nothing after the document's own data
// may be an archive, an executable or (for images) a PDF, and no ZIP directory may end the file.
// The cost is the headers, the end marker, the trailing bytes and the last 64 KiB.
#include "core/polyglot.hpp"

#include <algorithm>

#include "core/purity.hpp"

namespace docextract::core::detail {
namespace {

// PDF readers look for the header in the first 1024 bytes (and lenient ones anywhere).
constexpr std::size_t kPdfHeaderWindow = 1024;
// Without a known end (TIFF, truncated files), the last 64 KiB stand for the trailing data.
constexpr std::size_t kTailWindow = 64 * 1024;

bool is_padding(char c) {
    return c == '\0' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

std::string_view skip_padding(std::string_view b) {
    const auto first = std::find_if_not(b.begin(), b.end(), is_padding);
    return b.substr(static_cast<std::size_t>(first - b.begin()));
}

bool contains_pdf(std::string_view b) {
    return b.find("%PDF-") != std::string_view::npos;
}

}  // namespace

std::vector<std::string> check_polyglot(DocFormat format, std::string_view format_name,
                                        std::string_view bytes) {
    const bool image = format != DocFormat::Pdf;
    const std::optional<std::size_t> end = document_end(format, bytes);
    // What follows the document, or the file's tail when the end is unknown.
    const std::string_view trailing =
        end ? bytes.substr(*end)
            : bytes.substr(bytes.size() > kTailWindow ? bytes.size() - kTailWindow : 0);

    std::vector<std::string> errors;
    if (image && (contains_pdf(bytes.substr(1, kPdfHeaderWindow - 1)) || contains_pdf(trailing)))
        errors.emplace_back("File contains an embedded PDF document.");
    const bool zip = has_zip_directory(bytes);
    if (zip)
        errors.emplace_back("File contains an embedded ZIP archive.");

    std::optional<std::string_view> payload;
    if (end) {
        payload = payload_at(skip_padding(trailing));
        if (zip && payload == std::string_view("a ZIP archive"))
            payload.reset();  // already reported
    }
    if (!payload)
        payload = payload_inside(trailing);
    if (payload && end)
        errors.push_back("File has " + std::string(*payload) + " appended after the end of the " +
                         std::string(format_name) + " data.");
    else if (payload)
        errors.push_back("File contains " + std::string(*payload) + " near its end.");
    return errors;
}

}  // namespace docextract::core::detail
