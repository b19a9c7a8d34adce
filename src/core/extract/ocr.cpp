#include "core/extract/ocr.hpp"

#include <chrono>
#include <memory>

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>

#include "core/extract/extract.hpp"
#include "core/extract/text.hpp"

namespace docextract::extract {

Ocr::Ocr(std::string lang, std::string tessdata)
    : lang_(std::move(lang)), tessdata_(std::move(tessdata)) {}

Ocr::~Ocr() {
    if (api_) api_->End();
}

void Ocr::init() {
    if (api_) return;
    auto start = std::chrono::steady_clock::now();
    auto api = std::make_unique<tesseract::TessBaseAPI>();
    const char *path = tessdata_.empty() ? nullptr : tessdata_.c_str();
    if (api->Init(path, lang_.c_str(), tesseract::OEM_LSTM_ONLY) != 0)
        throw ExtractError("internal", "tesseract could not load language data '" + lang_ + "'");
    // Whole pages of documents: automatic layout analysis, like the tesseract CLI.
    api->SetPageSegMode(tesseract::PSM_AUTO);
    api_ = std::move(api);
    init_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

Ocr::Page Ocr::recognize(Pix *pix, int dpi, long deadline_ms) {
    init();
    api_->SetImage(pix);
    return run(dpi, deadline_ms);
}

Ocr::Page Ocr::recognize_gray(const unsigned char *data, int width, int height, int bytes_per_line,
                              int dpi, long deadline_ms) {
    init();
    api_->SetImage(data, width, height, 1, bytes_per_line);
    return run(dpi, deadline_ms);
}

Ocr::Page Ocr::run(int dpi, long deadline_ms) {
    Page page;
    api_->SetSourceResolution(dpi);
    tesseract::ETEXT_DESC monitor;
    if (deadline_ms > 0) monitor.set_deadline_msecs(static_cast<int32_t>(deadline_ms));
    int rc = api_->Recognize(&monitor);
    page.deadline_hit = deadline_ms > 0 && monitor.deadline_exceeded();
    if (rc == 0) {
        std::unique_ptr<char[]> text(api_->GetUTF8Text());  // allocated with new[]
        if (text) page.text = sanitize_utf8(text.get());
        int conf = api_->MeanTextConf();
        page.confidence = conf > 0 ? conf / 100.0 : 0.0;
    }
    api_->Clear();
    trim_right(page.text);
    return page;
}

}  // namespace docextract::extract
