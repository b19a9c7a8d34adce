// One tesseract engine per helper process (initialising costs ~70 ms and ~18 MB). libtesseract is
// opened with dlopen only when a document needs OCR: it pulls in some 50 further libraries
// (libcurl, libarchive, TLS, Kerberos...), whose loading would otherwise cost every text-only PDF
// about 18 ms of start-up.
#pragma once

#include <string>

struct Pix;
namespace tesseract {
class TessBaseAPI;
}

namespace docextract::extract {

class Ocr {
public:
    Ocr(std::string lang, std::string tessdata);
    ~Ocr();
    Ocr(const Ocr &) = delete;
    Ocr &operator=(const Ocr &) = delete;

    // Idempotent; throws ExtractError("internal") if tesseract or the language data cannot be
    // loaded.
    void init();
    bool initialised() const { return api_ != nullptr; }
    double init_ms() const { return init_ms_; }

    struct Page {
        std::string text;        // sanitised UTF-8
        double confidence = 0;   // 0..1 (tesseract's mean word confidence / 100)
        bool deadline_hit = false;
    };
    // pix: 1, 8 or 32 bpp without colormap. deadline_ms <= 0 means none.
    Page recognize(Pix *pix, int dpi, long deadline_ms);
    // An 8-bit gray buffer (as poppler renders it).
    Page recognize_gray(const unsigned char *data, int width, int height, int bytes_per_line,
                        int dpi, long deadline_ms);

    struct Library;  // the C API's entry points, resolved once per process

private:
    Page run(int dpi, long deadline_ms);
    std::string lang_, tessdata_;
    const Library *lib_ = nullptr;
    tesseract::TessBaseAPI *api_ = nullptr;
    double init_ms_ = 0;
};

}  // namespace docextract::extract
