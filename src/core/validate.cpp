#include "core/validate.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string_view>

#include "core/filename.hpp"
#include "core/polyglot.hpp"
#include "core/purity.hpp"

namespace docextract::core {
namespace {

using detail::DocFormat;

struct Format {
    DocFormat id;
    std::string_view name;                  // for messages
    std::array<std::string_view, 2> mimes;  // what libmagic may call it
    std::array<std::string_view, 2> extensions;
};

constexpr std::array<Format, 6> kFormats = {{
    {DocFormat::Pdf, "PDF", {"application/pdf", ""}, {"pdf", ""}},
    {DocFormat::Jpeg, "JPEG", {"image/jpeg", ""}, {"jpg", "jpeg"}},
    {DocFormat::Png, "PNG", {"image/png", ""}, {"png", ""}},
    {DocFormat::Tiff, "TIFF", {"image/tiff", ""}, {"tiff", ""}},
    {DocFormat::Bmp, "BMP", {"image/bmp", "image/x-ms-bmp"}, {"bmp", ""}},
    {DocFormat::Webp, "WebP", {"image/webp", ""}, {"webp", ""}},
}};

const Format *format_of_mime(std::string_view mime) {
    for (const Format &format : kFormats)
        if (std::find(format.mimes.begin(), format.mimes.end(), mime) != format.mimes.end())
            return &format;
    return nullptr;
}

bool starts_with(std::string_view bytes, std::string_view prefix) {
    return bytes.substr(0, prefix.size()) == prefix;
}

// libmagic also accepts a signature found further in (e.g. junk before "%PDF-"); we do not.
bool has_signature(const Format &format, std::string_view bytes) {
    using namespace std::string_view_literals;
    if (format.name == "PDF")
        return starts_with(bytes, "%PDF-");
    if (format.name == "JPEG")
        return starts_with(bytes, "\xFF\xD8\xFF");
    if (format.name == "PNG")
        return starts_with(bytes, "\x89PNG\r\n\x1A\n");
    if (format.name == "TIFF")
        return starts_with(bytes, "II*\0"sv) || starts_with(bytes, "MM\0*"sv);
    if (format.name == "BMP")
        return starts_with(bytes, "BM");
    return starts_with(bytes, "RIFF") && bytes.size() >= 12 && bytes.substr(8, 4) == "WEBP";
}

void check_size(std::size_t len, const SizeLimits &limits, std::vector<std::string> &errors) {
    const std::size_t min_size = std::max<std::size_t>(limits.min_size, 1);  // never accept nothing
    if (len == 0)
        errors.push_back("File has no content.");
    else if (len < min_size)
        errors.push_back("File is too small: " + std::to_string(len) + " bytes, the minimum is " +
                         std::to_string(min_size) + " bytes.");
    else if (len > limits.max_size)
        errors.push_back("File is too large: " + std::to_string(len) + " bytes, the maximum is " +
                         std::to_string(limits.max_size) + " bytes.");
}

void check_type(std::string_view bytes, Validation &result) {
    auto &errors = result.errors;
    const Format *format = format_of_mime(result.mime_type);
    if (format == nullptr) {
        errors.push_back("File type " + result.mime_type +
                         " is not allowed; allowed types are PDF, JPEG, PNG, TIFF, BMP and WebP.");
        return;
    }
    const auto &extensions = format->extensions;
    if (!result.file_format.empty() &&
        std::find(extensions.begin(), extensions.end(), result.file_format) == extensions.end())
        errors.push_back("File content is " + result.mime_type + " but the extension is ." +
                         result.file_format + ".");
    if (!has_signature(*format, bytes))
        errors.push_back("File does not start with the " + std::string(format->name) +
                         " signature.");
    // A document that also parses as an archive, an executable or a PDF (a polyglot) could be
    // served or opened as one.
    for (std::string &error : detail::check_polyglot(format->id, format->name, bytes))
        errors.push_back(std::move(error));
}

}  // namespace

Validation validate_file(const char *filename, const void *data, std::size_t len,
                         const SizeLimits &limits) {
    if (data == nullptr && len != 0)
        throw std::invalid_argument("validate_file: data is null but len is not 0.");
    Validation result;
    detail::FilenameCheck name = detail::check_filename(filename);
    result.errors = std::move(name.errors);
    result.notes = std::move(name.notes);
    result.file_format = std::move(name.extension);
    if (result.errors.empty())
        result.safe_filename = std::move(name.base_name);

    result.file_size = len;
    check_size(len, limits, result.errors);

    if (len > 0) {
        result.mime_type = detect_mime(data, len);
        check_type(std::string_view(static_cast<const char *>(data), len), result);
    }
    result.valid = result.errors.empty();
    return result;
}

}  // namespace docextract::core
