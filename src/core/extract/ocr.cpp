#include "core/extract/ocr.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <dlfcn.h>
#include <memory>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "core/extract/extract.hpp"
#include "core/extract/ocr_mrz.hpp"
#include "core/extract/orient.hpp"
#include "core/extract/pixconv.hpp"
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
    decltype(&TessBaseAPISetVariable) set_variable;
    decltype(&TessBaseAPISetImage2) set_pix;
    decltype(&TessBaseAPISetSourceResolution) set_resolution;
    decltype(&TessBaseAPIRecognize) recognize;
    decltype(&TessBaseAPIGetUTF8Text) utf8_text;
    decltype(&TessDeleteText) delete_text;
    decltype(&TessBaseAPIMeanTextConf) mean_conf;
    decltype(&TessBaseAPIClear) clear;
    decltype(&TessMonitorCreate) monitor_create;
    decltype(&TessMonitorDelete) monitor_delete;
    decltype(&TessMonitorSetDeadlineMSecs) monitor_deadline;
    decltype(&TessBaseAPIGetIterator) iterator;
    decltype(&TessResultIteratorDelete) iterator_delete;
    decltype(&TessResultIteratorNext) iterator_next;
    decltype(&TessResultIteratorGetPageIterator) page_iterator;
    decltype(&TessResultIteratorGetUTF8Text) iterator_text;
    decltype(&TessResultIteratorConfidence) iterator_conf;
    decltype(&TessResultIteratorWordIsFromDictionary) from_dictionary;
    decltype(&TessPageIteratorIsAtBeginningOf) at_beginning;
    decltype(&TessPageIteratorBoundingBox) bounding_box;
    decltype(&TessPageIteratorOrientation) orientation;
    decltype(&TessBaseAPIDetectOrientationScript) detect_os;
};

struct Ocr::Pass {
    std::string text;
    std::vector<Word> words;
    std::vector<Line> lines;
    double engine_confidence = 0, confidence = 0;
    bool sideways = false;  // tesseract found blocks that are not upright
    bool deadline_hit = false;
    bool ran = false;
};

namespace {

constexpr const char *kLibrary = "libtesseract.so.5";
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

template <typename T>
void resolve(void *handle, const char *name, T &out) {
    out = reinterpret_cast<T>(dlsym(handle, name));
    if (out == nullptr) throw ExtractError("internal", std::string("tesseract lacks ") + name);
}

using Deadline = Clock::time_point;

// Milliseconds left until end (0: no deadline; -1: spent).
long left_ms(bool has_deadline, Deadline end) {
    if (!has_deadline) return 0;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    return left > 0 ? static_cast<long>(left) : -1;
}

// --- how much a recognised word looks like a word -------------------------------------------

bool is_edge_punct(unsigned char c) { return std::strchr(".,;:!?\"'()[]{}<>-_*/\\|`~", c) != nullptr && c != 0; }
bool is_inner_ok(unsigned char c) { return std::strchr("-'./,:%&@+#", c) != nullptr && c != 0; }

// 1: a word or a number; lower: case jumbles, symbols inside, bare punctuation.
double plausibility(const std::string &w, bool in_dictionary) {
    std::size_t b = 0, e = w.size();
    while (b < e && is_edge_punct(static_cast<unsigned char>(w[b]))) ++b;
    while (e > b && is_edge_punct(static_cast<unsigned char>(w[e - 1]))) --e;
    if (b == e) return w.size() <= 1 ? 0.6 : 0.3;
    int upper = 0, lower = 0, other_letters = 0, digits = 0, symbols = 0, upper_after_first = 0;
    for (std::size_t i = b; i < e; ++i) {
        const unsigned char c = static_cast<unsigned char>(w[i]);
        if (c >= 'A' && c <= 'Z') {
            ++upper;
            if (i > b) ++upper_after_first;
        } else if (c >= 'a' && c <= 'z') {
            ++lower;
        } else if (c >= '0' && c <= '9') {
            ++digits;
        } else if (c >= 0x80) {
            if ((c & 0xC0) != 0x80) ++other_letters;  // a non-ASCII character: count once
        } else if (!is_inner_ok(c)) {
            ++symbols;
        }
    }
    if (symbols > 0) return in_dictionary ? 0.8 : 0.4;
    const int letters = upper + lower + other_letters;
    if (letters == 0) return 1.0;           // a number, a date, an amount
    if (in_dictionary) return 1.0;
    if (digits > 0) return 0.8;             // codes such as A4 or 4711B
    // One case pattern: lower, UPPER or Capitalised.
    const bool cased = lower == 0 || upper == 0 || (upper == 1 && upper_after_first == 0);
    return cased ? 1.0 : 0.5;
}

std::size_t chars_of(const std::string &s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80 && c != ' ') ++n;
    return n;
}

bool alphabetic(const std::string &s) {
    if (s.size() < 3) return false;
    for (unsigned char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0x80)) return false;
    return true;
}

}  // namespace

double page_confidence(const std::vector<Word> &words, const std::vector<bool> &in_dictionary) {
    double weighted = 0, weight = 0;
    int long_words = 0, dictionary_words = 0;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const bool dict = i < in_dictionary.size() && in_dictionary[i];
        const double n = static_cast<double>(std::max<std::size_t>(1, chars_of(words[i].text)));
        weighted += n * std::clamp(words[i].conf, 0.0, 1.0) * plausibility(words[i].text, dict);
        weight += n;
        if (alphabetic(words[i].text)) {
            ++long_words;
            if (dict) ++dictionary_words;
        }
    }
    if (weight <= 0) return 0;
    double conf = weighted / weight;
    // Text that reads as words has most of its longer words in the dictionary; garbage from a
    // page read upside down or from noise has few. Only when the dictionary was consulted.
    if (!in_dictionary.empty() && long_words >= 4) {
        const double share = static_cast<double>(dictionary_words) / long_words;
        if (share < 0.5) conf *= 0.4 + 1.2 * share;  // 0.4 at none, 1.0 at half
    }
    return conf;
}

void scale_words(std::vector<Word> &words, double factor) {
    for (auto &w : words) {
        w.x0 *= factor;
        w.y0 *= factor;
        w.x1 *= factor;
        w.y1 *= factor;
    }
}

void unturn_box(double box[4], int rotation, double skew, int in_w, int in_h) {
    const int q = ((rotation / 90) % 4 + 4) % 4;
    // The recognised image: the quarter-turned input (sides swapped for odd turns), same size
    // after the skew.
    const double w = q % 2 ? in_h : in_w, h = q % 2 ? in_w : in_h;
    const double cx = w / 2, cy = h / 2;
    const double t = -skew * 3.14159265358979323846 / 180, c = std::cos(t), s = std::sin(t);
    double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
    for (int i = 0; i < 4; ++i) {
        double x = i & 1 ? box[2] : box[0], y = i & 2 ? box[3] : box[1];
        if (skew != 0) {  // turned back counter-clockwise about the centre (y down)
            const double dx = x - cx, dy = y - cy;
            x = cx + dx * c - dy * s;
            y = cy + dx * s + dy * c;
        }
        double ix = x, iy = y;  // undo q clockwise quarter turns of the in_w x in_h input
        if (q == 1) ix = y, iy = in_h - x;
        else if (q == 2) ix = in_w - x, iy = in_h - y;
        else if (q == 3) ix = in_w - y, iy = x;
        x0 = std::min(x0, ix), y0 = std::min(y0, iy), x1 = std::max(x1, ix), y1 = std::max(y1, iy);
    }
    box[0] = std::clamp(x0, 0.0, static_cast<double>(in_w));
    box[1] = std::clamp(y0, 0.0, static_cast<double>(in_h));
    box[2] = std::clamp(x1, 0.0, static_cast<double>(in_w));
    box[3] = std::clamp(y1, 0.0, static_cast<double>(in_h));
}

void unturn_words(std::vector<Word> &words, int rotation, double skew, int in_w, int in_h) {
    if (rotation % 360 == 0 && skew == 0) return;
    for (auto &w : words) {
        double b[4] = {w.x0, w.y0, w.x1, w.y1};
        unturn_box(b, rotation, skew, in_w, in_h);
        w.x0 = b[0], w.y0 = b[1], w.x1 = b[2], w.y1 = b[3];
    }
}

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
        resolve(h, "TessBaseAPISetVariable", l.set_variable);
        resolve(h, "TessBaseAPISetImage2", l.set_pix);
        resolve(h, "TessBaseAPISetSourceResolution", l.set_resolution);
        resolve(h, "TessBaseAPIRecognize", l.recognize);
        resolve(h, "TessBaseAPIGetUTF8Text", l.utf8_text);
        resolve(h, "TessDeleteText", l.delete_text);
        resolve(h, "TessBaseAPIMeanTextConf", l.mean_conf);
        resolve(h, "TessBaseAPIClear", l.clear);
        resolve(h, "TessMonitorCreate", l.monitor_create);
        resolve(h, "TessMonitorDelete", l.monitor_delete);
        resolve(h, "TessMonitorSetDeadlineMSecs", l.monitor_deadline);
        resolve(h, "TessBaseAPIGetIterator", l.iterator);
        resolve(h, "TessResultIteratorDelete", l.iterator_delete);
        resolve(h, "TessResultIteratorNext", l.iterator_next);
        resolve(h, "TessResultIteratorGetPageIterator", l.page_iterator);
        resolve(h, "TessResultIteratorGetUTF8Text", l.iterator_text);
        resolve(h, "TessResultIteratorConfidence", l.iterator_conf);
        resolve(h, "TessResultIteratorWordIsFromDictionary", l.from_dictionary);
        resolve(h, "TessPageIteratorIsAtBeginningOf", l.at_beginning);
        resolve(h, "TessPageIteratorBoundingBox", l.bounding_box);
        resolve(h, "TessPageIteratorOrientation", l.orientation);
        resolve(h, "TessBaseAPIDetectOrientationScript", l.detect_os);
        return l;  // the library stays loaded for the life of the process
    }();
    return lib;
}

Ocr::Ocr(std::string lang, std::string tessdata)
    : lang_(std::move(lang)), tessdata_(std::move(tessdata)) {
    auto_ = lang_ == "auto";
    if (auto_) lang_ = "eng";
}

Ocr::~Ocr() {
    for (auto &[name, api] : engines_) {
        lib_->end(api);
        lib_->destroy(api);
    }
    if (osd_) {
        lib_->end(osd_);
        lib_->destroy(osd_);
    }
}

void Ocr::init() { engine(doc_lang_.empty() ? lang_ : doc_lang_); }

TessBaseAPI *Ocr::engine(const std::string &lang) {
    if (auto it = engines_.find(lang); it != engines_.end()) return it->second;
    const auto start = Clock::now();
    lib_ = &library();
    // At most three languages stay loaded (~18 MB or more each); the first stays.
    while (engines_.size() >= 3) {
        auto victim = std::find_if(engines_.begin(), engines_.end(),
                                   [&](const auto &e) { return e.first != lang_; });
        lib_->end(victim->second);
        lib_->destroy(victim->second);
        engines_.erase(victim);
    }
    TessBaseAPI *api = lib_->create();
    const char *path = tessdata_.empty() ? nullptr : tessdata_.c_str();
    if (lib_->init(api, path, lang.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
        lib_->destroy(api);
        throw ExtractError("internal", "tesseract could not load language data '" + lang + "'");
    }
    // Whole pages of documents: automatic layout analysis, like the tesseract CLI.
    lib_->set_psm(api, tesseract::PSM_AUTO);
    engines_[lang] = api;
    init_ms_ += ms_since(start);
    return api;
}

TessBaseAPI *Ocr::osd_engine() {
    if (osd_ || osd_failed_) return osd_;
    const auto start = Clock::now();
    lib_ = &library();
    TessBaseAPI *api = lib_->create();
    const char *path = tessdata_.empty() ? nullptr : tessdata_.c_str();
    // osd.traineddata is a legacy-engine model.
    if (lib_->init(api, path, "osd", tesseract::OEM_TESSERACT_ONLY) != 0) {
        lib_->destroy(api);
        osd_failed_ = true;
        return nullptr;
    }
    osd_ = api;
    init_ms_ += ms_since(start);
    return osd_;
}

// Clockwise quarter turns that make the page upright, 0 when OSD is unsure or unavailable.
int Ocr::detect_quarters(Pix *gray8, int dpi) {
    TessBaseAPI *api = osd_engine();
    if (api == nullptr) return 0;
    lib_->set_pix(api, gray8);
    lib_->set_resolution(api, dpi);
    int deg = 0;
    float conf = 0, script_conf = 0;
    const char *script = nullptr;
    const bool ok = lib_->detect_os(api, &deg, &conf, &script, &script_conf);
    lib_->clear(api);
    if (!ok || conf < 1.0f) return 0;
    // deg: how far the text is turned counter-clockwise... as tesseract reports it, the
    // page is corrected by turning it (360 - deg) clockwise.
    return ((360 - deg) % 360) / 90;
}

Ocr::Pass Ocr::run(const std::string &lang, Pix *gray8, int dpi, long deadline_ms) {
    Pass pass;
    TessBaseAPI *api = engine(lang);
    lib_->set_pix(api, gray8);
    lib_->set_resolution(api, dpi);
    std::unique_ptr<ETEXT_DESC, decltype(lib_->monitor_delete)> monitor(lib_->monitor_create(),
                                                                        lib_->monitor_delete);
    if (deadline_ms > 0) lib_->monitor_deadline(monitor.get(), static_cast<int>(deadline_ms));
    const auto start = Clock::now();
    const int rc = lib_->recognize(api, monitor.get());
    // The C API does not expose the monitor's verdict: a run that took the whole budget hit it.
    pass.deadline_hit = deadline_ms > 0 && Clock::now() - start >= std::chrono::milliseconds(deadline_ms);
    pass.ran = true;
    std::vector<bool> dictionary;
    if (rc == 0) {
        if (char *text = lib_->utf8_text(api)) {
            pass.text = sanitize_utf8(text);
            lib_->delete_text(text);
        }
        const int conf = lib_->mean_conf(api);
        pass.engine_confidence = conf > 0 ? conf / 100.0 : 0.0;
        if (TessResultIterator *ri = lib_->iterator(api)) {
            TessPageIterator *pi = lib_->page_iterator(ri);
            do {
                char *t = lib_->iterator_text(ri, tesseract::RIL_WORD);
                if (t == nullptr) continue;
                Word w;
                w.text = sanitize_utf8(t);
                lib_->delete_text(t);
                if (w.text.find_first_not_of(" \t\r\n") == std::string::npos) continue;
                int l = 0, tp = 0, r = 0, b = 0;
                if (!lib_->bounding_box(pi, tesseract::RIL_WORD, &l, &tp, &r, &b)) continue;
                w.x0 = l, w.y0 = tp, w.x1 = r, w.y1 = b;
                w.conf = std::clamp(lib_->iterator_conf(ri, tesseract::RIL_WORD) / 100.0, 0.0, 1.0);
                TessOrientation o = tesseract::ORIENTATION_PAGE_UP;
                TessWritingDirection wd;
                TessTextlineOrder order;
                float deskew = 0;
                lib_->orientation(pi, &o, &wd, &order, &deskew);
                if (o != tesseract::ORIENTATION_PAGE_UP) pass.sideways = true;
                if (pass.lines.empty() || lib_->at_beginning(pi, tesseract::RIL_TEXTLINE))
                    pass.lines.emplace_back(static_cast<int>(pass.words.size()), 0);
                ++pass.lines.back().second;
                dictionary.push_back(lib_->from_dictionary(ri) != 0);
                pass.words.push_back(std::move(w));
            } while (lib_->iterator_next(ri, tesseract::RIL_WORD));
            lib_->iterator_delete(ri);
        }
    }
    lib_->clear(api);
    trim_right(pass.text);
    pass.confidence = page_confidence(pass.words, dictionary);
    // Tesseract reads some pages turned by a quarter as vertical text, with tall word boxes, and
    // without saying so in the block orientation.
    int tall = 0, longer = 0;
    for (const auto &w : pass.words) {
        if (chars_of(w.text) < 3) continue;
        ++longer;
        if (w.y1 - w.y0 > w.x1 - w.x0) ++tall;
    }
    if (longer >= 2 && tall * 2 > longer) pass.sideways = true;
    return pass;
}

// The MRZ pass: the band the first reading points to, read again with the MRZ characters only as
// one block, at about 40 pixels per line, its lines rebuilt from the glyphs (ocr_mrz.hpp). eng is
// used when installed (no MRZ/OCR-B model is packaged in Debian).
void Ocr::read_mrz(Page &page, Pix *gray8, int dpi, long deadline_ms) {
    const MrzBand band = locate_mrz_band(page.words, page.lines, page.text, page.width, page.height);
    if (band.empty()) return;
    BOX *box = boxCreate(band.x0, band.y0, band.x1 - band.x0, band.y1 - band.y0);
    PixPtr crop(pixClipRectangle(gray8, box, nullptr));
    boxDestroy(&box);
    if (!crop) return;
    const float scale = band.line_height > 0 ? static_cast<float>(std::clamp(40.0 / band.line_height, 0.5, 3.0)) : 1.0f;
    PixPtr scaled(scale != 1.0f ? pixScale(crop.get(), scale, scale) : pixClone(crop.get()));
    if (!scaled) return;
    const std::string lang = traineddata_installed(tessdata_, "eng") ? "eng" : (doc_lang_.empty() ? lang_ : doc_lang_);
    TessBaseAPI *api = engine(lang);
    lib_->set_psm(api, tesseract::PSM_SINGLE_BLOCK);
    lib_->set_variable(api, "tessedit_char_whitelist", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<");
    lib_->set_pix(api, scaled.get());
    lib_->set_resolution(api, static_cast<int>(dpi * scale));
    std::unique_ptr<ETEXT_DESC, decltype(lib_->monitor_delete)> monitor(lib_->monitor_create(),
                                                                        lib_->monitor_delete);
    if (deadline_ms > 0) lib_->monitor_deadline(monitor.get(), static_cast<int>(deadline_ms));
    std::vector<MrzTessLine> tess;
    if (lib_->recognize(api, monitor.get()) == 0) {
        if (TessResultIterator *ri = lib_->iterator(api)) {
            TessPageIterator *pi = lib_->page_iterator(ri);
            do {
                char *t = lib_->iterator_text(ri, tesseract::RIL_TEXTLINE);
                if (t == nullptr) continue;
                MrzTessLine line;
                line.text = sanitize_utf8(t);
                lib_->delete_text(t);
                while (!line.text.empty() && (line.text.back() == '\n' || line.text.back() == ' '))
                    line.text.pop_back();
                int l = 0, tp = 0, r = 0, b = 0;
                if (!lib_->bounding_box(pi, tesseract::RIL_TEXTLINE, &l, &tp, &r, &b)) continue;
                line.y0 = tp, line.y1 = b;
                if (tess.size() < 16) tess.push_back(std::move(line));
            } while (lib_->iterator_next(ri, tesseract::RIL_TEXTLINE));
            lib_->iterator_delete(ri);
        }
        // the characters' positions, to place them on the glyphs
        if (TessResultIterator *ri = lib_->iterator(api)) {
            TessPageIterator *pi = lib_->page_iterator(ri);
            int count = 0;
            do {
                char *t = lib_->iterator_text(ri, tesseract::RIL_SYMBOL);
                if (t == nullptr) continue;
                const char ch = t[0] != 0 && t[1] == 0 ? t[0] : 0;
                lib_->delete_text(t);
                int l = 0, tp = 0, r = 0, b = 0;
                if (ch == 0 || !lib_->bounding_box(pi, tesseract::RIL_SYMBOL, &l, &tp, &r, &b)) continue;
                const double cy = (tp + b) / 2.0;
                for (auto &line : tess)
                    if (cy >= line.y0 && cy <= line.y1) {
                        line.symbols.emplace_back(ch, (l + r) / 2.0);
                        break;
                    }
            } while (++count < 2000 && lib_->iterator_next(ri, tesseract::RIL_SYMBOL));
            lib_->iterator_delete(ri);
        }
    }
    lib_->clear(api);
    lib_->set_variable(api, "tessedit_char_whitelist", "");
    lib_->set_psm(api, tesseract::PSM_AUTO);
    std::string text;
    for (const auto &l : rebuild_mrz_lines(scaled.get(), tess)) {
        if (!text.empty()) text += '\n';
        text += l;
    }
    page.mrz_text = std::move(text);
    page.mrz_box[0] = band.x0, page.mrz_box[1] = band.y0, page.mrz_box[2] = band.x1, page.mrz_box[3] = band.y1;
}

Ocr::Page Ocr::recognize_gray(const unsigned char *data, int width, int height, int bytes_per_line,
                              int dpi, long deadline_ms) {
    PixPtr pix(pixCreate(width, height, 8));
    if (!pix) throw ExtractError("limits", "no memory for the page image");
    l_uint32 *rows = pixGetData(pix.get());
    const int wpl = pixGetWpl(pix.get());
    for (int y = 0; y < height; ++y) {
        l_uint32 *line = rows + static_cast<std::ptrdiff_t>(y) * wpl;
        const unsigned char *src = data + static_cast<std::ptrdiff_t>(y) * bytes_per_line;
        for (int x = 0; x < width; ++x) SET_DATA_BYTE(line, x, src[x]);
    }
    pixSetResolution(pix.get(), dpi, dpi);
    return recognize(pix.get(), dpi, deadline_ms);
}

Ocr::Page Ocr::recognize(Pix *input, int dpi, long deadline_ms) {
    const bool has_deadline = deadline_ms > 0;
    const Deadline end = Clock::now() + std::chrono::milliseconds(std::max(0L, deadline_ms));
    Page page;
    PixelFormat format;
    PixPtr original = to_gray8(input, &format);
    page.alpha = format.alpha;

    // Skew, on a binarised copy; the same copy gives the resolution estimate.
    PixPtr binary = binarize(original.get());
    page.skew = find_skew(binary.get());
    if (dpi <= 0) {
        const int estimate = estimate_resolution(binary.get());
        page.resolution_estimated = estimate > 0;
        dpi = estimate > 0 ? estimate : 300;
    }
    page.resolution = dpi;
    binary.reset();
    PixPtr level = page.skew != 0 ? rotate_small(original.get(), page.skew) : PixPtr(pixClone(original.get()));

    std::string lang = doc_lang_.empty() ? lang_ : doc_lang_;
    Pass best = run(lang, level.get(), dpi, left_ms(has_deadline, end));
    page.passes = 1;
    page.ocr_language = lang;
    Pix *best_image = level.get();
    PixPtr turned;

    // Orientation: only when the first pass looks wrong (low confidence, or tesseract found
    // sideways blocks); an upright page that reads well never pays for OSD.
    const bool suspicious = !best.words.empty() && (best.confidence < 0.7 || best.sideways);
    if (suspicious && !best.deadline_hit && left_ms(has_deadline, end) >= 0) {
        page.osd = true;
        const int quarters = detect_quarters(original.get(), dpi);
        if (quarters != 0) {
            turned = rotate_quarters(original.get(), quarters);
            PixPtr bin = binarize(turned.get());
            const double skew = find_skew(bin.get());
            bin.reset();
            if (skew != 0) turned = rotate_small(turned.get(), skew);
            Pass second = run(lang, turned.get(), dpi, left_ms(has_deadline, end));
            ++page.passes;
            // Kept when better, or as good and upright where the first pass read sideways text.
            if (second.confidence > best.confidence ||
                (best.sideways && !second.sideways && second.confidence >= best.confidence - 0.05)) {
                best = std::move(second);
                best_image = turned.get();
                page.rotation = quarters * 90;
                page.skew = skew;
            }
        }
    }

    // Language: with "auto", re-read with the traineddata of the detected language when it is
    // reliable, differs and is installed; later pages start with it.
    page.language = detect_language(best.text);
    if (auto_ && page.language.reliable && !best.deadline_hit && left_ms(has_deadline, end) >= 0) {
        const std::string detected = tesseract_language(page.language.code);
        if (!detected.empty() && detected != lang && traineddata_installed(tessdata_, detected)) {
            Pass third = run(detected, best_image, dpi, left_ms(has_deadline, end));
            ++page.passes;
            doc_lang_ = detected;
            if (third.confidence >= best.confidence - 0.05) {
                best = std::move(third);
                page.ocr_language = detected;
                Language again = detect_language(best.text);
                if (!again.code.empty()) page.language = again;
            }
        }
    }

    page.width = pixGetWidth(best_image);
    page.height = pixGetHeight(best_image);
    page.text = std::move(best.text);
    page.words = std::move(best.words);
    page.lines = std::move(best.lines);
    if (!best.deadline_hit && left_ms(has_deadline, end) >= 0)
        read_mrz(page, best_image, dpi, left_ms(has_deadline, end));
    page.confidence = best.confidence;
    page.engine_confidence = best.engine_confidence;
    page.deadline_hit = best.deadline_hit || (has_deadline && left_ms(has_deadline, end) < 0);
    return page;
}

}  // namespace docextract::extract
