// MIME sniffing with libmagic. Only the soft magic runs: the built-in parsers we skip (CDF, ELF,
// TAR, text, JSON, CSV, encodings, decompression) are where libmagic's CVEs have been, and none
// of them is needed for the seven accepted formats.
#include <magic.h>

#include <stdexcept>
#include <string>

#include "core/validate.hpp"
#include "core/purity.hpp"

namespace docextract::core {
namespace {

constexpr int kMagicFlags = MAGIC_MIME_TYPE | MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS |
                            MAGIC_NO_CHECK_ELF | MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_CDF |
                            MAGIC_NO_CHECK_TEXT | MAGIC_NO_CHECK_JSON | MAGIC_NO_CHECK_CSV |
                            MAGIC_NO_CHECK_ENCODING | MAGIC_NO_CHECK_APPTYPE;

// libmagic only looks at this many leading bytes, so a 50 MiB upload costs the same as a small one.
constexpr std::size_t kMagicBytesMax = 1024 * 1024;

class MagicCookie {
public:
    MagicCookie() : cookie_(magic_open(kMagicFlags)) {
        if (cookie_ == nullptr)
            throw std::runtime_error("libmagic: cannot open a magic cookie.");
        std::size_t bytes_max = kMagicBytesMax;
        if (magic_setparam(cookie_, MAGIC_PARAM_BYTES_MAX, &bytes_max) != 0 ||
            magic_load(cookie_, nullptr) != 0) {
            std::string message = error_message();
            magic_close(cookie_);
            throw std::runtime_error(message);
        }
    }
    ~MagicCookie() { magic_close(cookie_); }
    MagicCookie(const MagicCookie &) = delete;
    MagicCookie &operator=(const MagicCookie &) = delete;

    std::string mime_of(const void *data, std::size_t len) {
        const char *mime = magic_buffer(cookie_, data, len);
        if (mime == nullptr)
            throw std::runtime_error(error_message());
        return mime;
    }

private:
    std::string error_message() const {
        const char *message = magic_error(cookie_);
        return std::string("libmagic: ") + (message != nullptr ? message : "unknown error");
    }

    magic_t cookie_;
};

MagicCookie &cookie() {
    // Created on first use; if creation throws, the next call tries again.
    static MagicCookie instance;
    return instance;
}

}  // namespace

std::string detect_mime(const void *data, std::size_t len) {
    static const char kNoBytes[1] = {0};
    if (data == nullptr) {
        if (len != 0)
            throw std::invalid_argument("detect_mime: data is null but len is not 0.");
        data = kNoBytes;  // libmagic is not documented to accept a null buffer
    }
    return cookie().mime_of(data, len);
}

}  // namespace docextract::core
