#include "core/filename.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string_view>

#include "core/unicode.hpp"
#include "core/purity.hpp"

namespace docextract::core::detail {
namespace {

constexpr std::size_t kMaxNameBytes = 255;

// The schema's CHECK on file_format allows exactly these.
constexpr std::string_view kAllowedExtensions[] = {"pdf",  "jpg", "jpeg", "png",
                                                   "tiff", "bmp", "webp"};

// A web server may run or serve as active content a file with any of these anywhere in its name
// (Apache's mod_mime maps every extension, not only the last one).
constexpr std::string_view kExecutableExtensions[] = {
    "php", "php3", "php4", "php5", "php6", "php7", "phtml", "pht",   "phps", "phar", "asp", "aspx",
    "jsp", "cgi",  "pl",   "py",   "sh",   "js",   "exe",   "dll",   "bat",  "cmd",  "com", "scr",
    "vbs", "ps1",  "jar",  "msi",  "html", "htm",  "shtml", "xhtml", "svg",  "svgz", "hta"};

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char &c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

template <std::size_t N>
bool contains(const std::string_view (&list)[N], std::string_view word) {
    return std::find(std::begin(list), std::end(list), word) != std::end(list);
}

void check_characters(std::string_view name, std::vector<std::string> &errors) {
    std::vector<char32_t> code_points;
    if (!decode_utf8(name, code_points)) {
        errors.emplace_back("File name is not valid UTF-8.");
        return;
    }
    if (std::any_of(code_points.begin(), code_points.end(), is_control))
        errors.emplace_back("File name contains control characters.");
    if (std::any_of(code_points.begin(), code_points.end(), is_bidi_control))
        errors.emplace_back("File name contains bidirectional text control characters.");
    // Zero-width spaces, BOMs, soft hyphens, tags: two names that look alike, or a hidden dot.
    if (std::any_of(code_points.begin(), code_points.end(),
                    [](char32_t cp) { return is_format_char(cp) && !is_bidi_control(cp); }))
        errors.emplace_back("File name contains invisible formatting characters.");
    if (std::any_of(code_points.begin(), code_points.end(), is_line_separator))
        errors.emplace_back("File name contains line or paragraph separators.");
}

// Windows opens the device instead of a file for these, whatever the extension ("CON.pdf",
// "nul .txt"); the superscript digits count too.
constexpr std::string_view kDeviceNames[] = {
    "CON",  "PRN",  "AUX",  "NUL",  "CONIN$", "CONOUT$", "COM1", "COM2", "COM3", "COM4", "COM5",
    "COM6", "COM7", "COM8", "COM9", "COM\xC2\xB9", "COM\xC2\xB2", "COM\xC2\xB3", "LPT1",
    "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\xC2\xB9", "LPT\xC2\xB2",
    "LPT\xC2\xB3"};

std::string ascii_upper(std::string_view text) {
    std::string out(text);
    for (char &c : out)
        if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
    return out;
}

void check_device_name(std::string_view base, std::vector<std::string> &errors) {
    std::string_view stem = base.substr(0, base.find('.'));
    while (!stem.empty() && stem.back() == ' ')
        stem.remove_suffix(1);
    const std::string upper = ascii_upper(stem);
    if (contains(kDeviceNames, upper))
        errors.push_back("File name is the reserved Windows device name " + upper + ".");
}

// "php " in "x.php .pdf" is still php to some servers and to the eye.
std::string_view trim_spaces(std::string_view text) {
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ')
        text.remove_suffix(1);
    return text;
}

// Only such an extension is quoted back, so that a message never carries odd characters.
bool is_plain_word(std::string_view text) {
    return !text.empty() && text.size() <= 16 && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    });
}

std::string allowed_list() {
    std::string list;
    for (std::string_view ext : kAllowedExtensions) {
        if (!list.empty())
            list += ", ";
        list += ext;
    }
    return list;
}

// Rules on the base name's shape and extensions. Fills check.extension when it is accepted.
void check_base_name(FilenameCheck &check) {
    const std::string_view base = check.base_name;
    auto &errors = check.errors;
    if (base.empty() || base == "." || base == "..") {
        errors.emplace_back("File name has no base name.");
        return;
    }
    if (base.front() == '.') {
        errors.emplace_back("File name starts with a dot.");
        return;
    }
    // Windows drops these, so "a.php." would be saved as "a.php".
    if (base.back() == '.' || base.back() == ' ') {
        errors.emplace_back("File name ends with a dot or a space.");
        return;
    }
    const std::size_t last_dot = base.rfind('.');
    if (last_dot == std::string_view::npos) {
        errors.emplace_back("File name has no extension.");
        return;
    }
    const std::string extension = ascii_lower(base.substr(last_dot + 1));
    if (contains(kAllowedExtensions, extension)) {
        check.extension = extension;
    } else if (is_plain_word(extension)) {
        errors.push_back("File extension ." + extension +
                         " is not allowed; allowed extensions are " + allowed_list() + ".");
    } else {
        errors.push_back("File extension is not allowed; allowed extensions are " + allowed_list() +
                         ".");
    }
    // Every segment between the stem and the final extension.
    std::size_t dot = base.find('.');
    while (dot < last_dot) {
        const std::size_t next = base.find('.', dot + 1);
        const std::string segment =
            ascii_lower(trim_spaces(base.substr(dot + 1, next - dot - 1)));
        if (contains(kExecutableExtensions, segment)) {
            errors.push_back("File name contains the executable or script extension ." + segment +
                             ".");
            break;
        }
        dot = next;
    }
}

}  // namespace

FilenameCheck check_filename(const char *filename) {
    FilenameCheck check;
    if (filename == nullptr || filename[0] == '\0') {
        check.errors.emplace_back("File name is missing.");
        return check;
    }
    const std::string_view name(filename, std::strlen(filename));
    if (name.size() > kMaxNameBytes)
        check.errors.push_back("File name is too long: " + std::to_string(name.size()) +
                               " bytes, the maximum is " + std::to_string(kMaxNameBytes) +
                               " bytes.");
    check_characters(name, check.errors);
    // Browsers may send a full client path such as C:\Users\x\scan.pdf: the directory part is
    // removed, visibly (a note), since refusing would break those uploads.
    const std::size_t separator = name.find_last_of("/\\");
    std::size_t base_at = separator == std::string_view::npos ? 0 : separator + 1;
    if (base_at == 0 && name.size() >= 2 && name[1] == ':' &&
        ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z')))
        base_at = 2;  // drive-relative "C:scan.pdf"
    check.base_name = std::string(name.substr(base_at));
    check_base_name(check);
    if (!check.base_name.empty())
        check_device_name(check.base_name, check.errors);
    if (base_at > 0 && check.errors.empty())
        check.notes.push_back("Directory part \"" + std::string(name.substr(0, base_at)) +
                              "\" removed from the file name; it is stored as \"" +
                              check.base_name + "\".");
    return check;
}

}  // namespace docextract::core::detail
