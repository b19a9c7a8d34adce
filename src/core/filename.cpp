#include "core/filename.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string_view>

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

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool decode_utf8(std::string_view text, std::vector<char32_t> &out) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b0 = static_cast<unsigned char>(text[i]);
        std::size_t extra;
        char32_t cp;
        char32_t min;
        if (b0 < 0x80) {
            out.push_back(b0);
            ++i;
            continue;
        } else if ((b0 & 0xE0) == 0xC0) {
            extra = 1, cp = b0 & 0x1F, min = 0x80;
        } else if ((b0 & 0xF0) == 0xE0) {
            extra = 2, cp = b0 & 0x0F, min = 0x800;
        } else if ((b0 & 0xF8) == 0xF0) {
            extra = 3, cp = b0 & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (text.size() - i <= extra)
            return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto b = static_cast<unsigned char>(text[i + k]);
            if ((b & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (b & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        out.push_back(cp);
        i += extra + 1;
    }
    return true;
}

bool is_control(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

// These reorder how the name is displayed, e.g. "invoice\u202Efdp.exe" shows as "invoiceexe.pdf".
bool is_bidi_control(char32_t cp) {
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
           cp == 0x200F || cp == 0x061C;
}

void check_characters(std::string_view name, std::vector<std::string> &errors) {
    std::vector<char32_t> code_points;
    if (!decode_utf8(name, code_points)) {
        errors.emplace_back("file name is not valid UTF-8.");
        return;
    }
    if (std::any_of(code_points.begin(), code_points.end(), is_control))
        errors.emplace_back("file name contains control characters.");
    if (std::any_of(code_points.begin(), code_points.end(), is_bidi_control))
        errors.emplace_back("file name contains bidirectional text control characters.");
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
        errors.emplace_back("file name has no base name.");
        return;
    }
    if (base.front() == '.') {
        errors.emplace_back("file name starts with a dot.");
        return;
    }
    // Windows drops these, so "a.php." would be saved as "a.php".
    if (base.back() == '.' || base.back() == ' ') {
        errors.emplace_back("file name ends with a dot or a space.");
        return;
    }
    const std::size_t last_dot = base.rfind('.');
    if (last_dot == std::string_view::npos) {
        errors.emplace_back("file name has no extension.");
        return;
    }
    const std::string extension = ascii_lower(base.substr(last_dot + 1));
    if (contains(kAllowedExtensions, extension)) {
        check.extension = extension;
    } else if (is_plain_word(extension)) {
        errors.push_back("file extension ." + extension +
                         " is not allowed; allowed extensions are " + allowed_list() + ".");
    } else {
        errors.push_back("file extension is not allowed; allowed extensions are " + allowed_list() +
                         ".");
    }
    // Every segment between the stem and the final extension.
    std::size_t dot = base.find('.');
    while (dot < last_dot) {
        const std::size_t next = base.find('.', dot + 1);
        const std::string segment = ascii_lower(base.substr(dot + 1, next - dot - 1));
        if (contains(kExecutableExtensions, segment)) {
            errors.push_back("file name contains the executable or script extension ." + segment +
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
        check.errors.emplace_back("file name is missing.");
        return check;
    }
    const std::string_view name(filename, std::strlen(filename));
    if (name.size() > kMaxNameBytes)
        check.errors.push_back("file name is too long: " + std::to_string(name.size()) +
                               " bytes, the maximum is " + std::to_string(kMaxNameBytes) +
                               " bytes.");
    check_characters(name, check.errors);
    // Browsers may send a full client path such as C:\Users\x\scan.pdf.
    const std::size_t separator = name.find_last_of("/\\");
    check.base_name =
        std::string(separator == std::string_view::npos ? name : name.substr(separator + 1));
    check_base_name(check);
    return check;
}

}  // namespace docextract::core::detail
