#include "core/extract/ocr.hpp"

#include <chrono>
#include <dlfcn.h>
#include <memory>

#include <tesseract/capi.h>

#include "core/extract/extract.hpp"
#include "core/extract/text.hpp"
#include "core/purity.hpp"

namespace docextract::extract {

// tesseract's C API, resolved from the library at run time.
struct Ocr::Library {
    decltype(&TessBaseAPICreate) create;
    decltype(&TessBaseAPIDelete) destroy;
    decltype(&TessBaseAPIInit2) init;
    decltype(&TessBaseAPIEnd) end;
    decltype(&TessBaseAPISetPageSegMode) set_psm;
    decltype(&TessBaseAPISetImage2) set_pix;
    decltype(&TessBaseAPISetImage) set_buffer;
    decltype(&TessBaseAPISetSourceResolution) set_resolution;
    decltype(&TessBaseAPIRecognize) recognize;
    decltype(&TessBaseAPIGetUTF8Text) utf8_text;
    decltype(&TessDeleteText) delete_text;
    decltype(&TessBaseAPIMeanTextConf) mean_conf;
    decltype(&TessBaseAPIClear) clear;
    decltype(&TessMonitorCreate) monitor_create;
    decltype(&TessMonitorDelete) monitor_delete;
    decltype(&TessMonitorSetDeadlineMSecs) monitor_deadline;
};

namespace {

constexpr const char *kLibrary = "libtesseract.so.5";

template <typename T>
void resolve(void *handle, const char *name, T &out) {
    out = reinterpret_cast<T>(dlsym(handle, name));
    if (out == nullptr) throw ExtractError("internal", std::string("tesseract lacks ") + name);
}

}  // namespace

static const Ocr::Library &library() {
    static Ocr::Library lib = [] {
        void *h = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
        if (h == nullptr)
            throw ExtractError("internal", std::string("cannot load ") + kLibrary + ": " + dlerror());
        Ocr::Library l{};
        resolve(h, "TessBaseAPICreate", l.create);
        resolve(h, "TessBaseAPIDelete", l.destroy);
        resolve(h, "TessBaseAPIInit2", l.init);
        resolve(h, "TessBaseAPIEnd", l.end);
        resolve(h, "TessBaseAPISetPageSegMode", l.set_psm);
        resolve(h, "TessBaseAPISetImage2", l.set_pix);
        resolve(h, "TessBaseAPISetImage", l.set_buffer);
        resolve(h, "TessBaseAPISetSourceResolution", l.set_resolution);
        resolve(h, "TessBaseAPIRecognize", l.recognize);
        resolve(h, "TessBaseAPIGetUTF8Text", l.utf8_text);
        resolve(h, "TessDeleteText", l.delete_text);
        resolve(h, "TessBaseAPIMeanTextConf", l.mean_conf);
        resolve(h, "TessBaseAPIClear", l.clear);
        resolve(h, "TessMonitorCreate", l.monitor_create);
        resolve(h, "TessMonitorDelete", l.monitor_delete);
        resolve(h, "TessMonitorSetDeadlineMSecs", l.monitor_deadline);
        return l;  // the library stays loaded for the life of the process
    }();
    return lib;
}

Ocr::Ocr(std::string lang, std::string tessdata)
    : lang_(std::move(lang)), tessdata_(std::move(tessdata)) {}

Ocr::~Ocr() {
    if (api_) {
        lib_->end(api_);
        lib_->destroy(api_);
    }
}

void Ocr::init() {
    if (api_) return;
    auto start = std::chrono::steady_clock::now();
    lib_ = &library();
    TessBaseAPI *api = lib_->create();
    const char *path = tessdata_.empty() ? nullptr : tessdata_.c_str();
    if (lib_->init(api, path, lang_.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
        lib_->destroy(api);
        throw ExtractError("internal", "tesseract could not load language data '" + lang_ + "'");
    }
    // Whole pages of documents: automatic layout analysis, like the tesseract CLI.
    lib_->set_psm(api, tesseract::PSM_AUTO);
    api_ = api;
    init_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

Ocr::Page Ocr::recognize(Pix *pix, int dpi, long deadline_ms) {
    init();
    lib_->set_pix(api_, pix);
    return run(dpi, deadline_ms);
}

Ocr::Page Ocr::recognize_gray(const unsigned char *data, int width, int height, int bytes_per_line,
                              int dpi, long deadline_ms) {
    init();
    lib_->set_buffer(api_, data, width, height, 1, bytes_per_line);
    return run(dpi, deadline_ms);
}

Ocr::Page Ocr::run(int dpi, long deadline_ms) {
    Page page;
    lib_->set_resolution(api_, dpi);
    std::unique_ptr<ETEXT_DESC, decltype(lib_->monitor_delete)> monitor(lib_->monitor_create(),
                                                                        lib_->monitor_delete);
    if (deadline_ms > 0) lib_->monitor_deadline(monitor.get(), static_cast<int>(deadline_ms));
    const auto start = std::chrono::steady_clock::now();
    int rc = lib_->recognize(api_, monitor.get());
    // The C API does not expose the monitor's verdict: a run that took the whole budget hit it.
    page.deadline_hit = deadline_ms > 0 &&
                        std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(deadline_ms);
    if (rc == 0) {
        if (char *text = lib_->utf8_text(api_)) {
            page.text = sanitize_utf8(text);
            lib_->delete_text(text);
        }
        int conf = lib_->mean_conf(api_);
        page.confidence = conf > 0 ? conf / 100.0 : 0.0;
    }
    lib_->clear(api_);
    trim_right(page.text);
    return page;
}

}  // namespace docextract::extract
