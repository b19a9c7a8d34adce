// One tesseract engine per language per helper process (initialising costs ~70 ms and ~18 MB).
// libtesseract is opened with dlopen only when a document needs OCR: it pulls in some 50 further
// libraries (libcurl, libarchive, TLS, Kerberos...), whose loading would otherwise cost every
// text-only PDF about 18 ms of start-up.
//
// recognize() is the whole page pipeline: any pixel format to gray (alpha over white), skew
// (leptonica), resolution estimate when none is known, OCR with words, lines and confidences,
// orientation (tesseract OSD) when the first pass looks wrong, and, with language "auto", the
// language of the text (CLD2) choosing the traineddata.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/extract/language.hpp"
#include "core/extract/words.hpp"

struct Pix;
namespace tesseract {
class TessBaseAPI;
}

namespace docextract::extract {

class Ocr {
public:
    // lang: tesseract language(s) such as "eng" or "eng+deu", or "auto" (read with eng first,
    // then with the traineddata of the language detected in the text, where installed).
    Ocr(std::string lang, std::string tessdata);
    ~Ocr();
    Ocr(const Ocr &) = delete;
    Ocr &operator=(const Ocr &) = delete;

    // Loads the first language (eng for "auto"). Idempotent; throws ExtractError("internal") if
    // tesseract or the language data cannot be loaded.
    void init();
    bool initialised() const { return !engines_.empty(); }
    double init_ms() const { return init_ms_; }
    bool auto_language() const { return auto_; }

    struct Page {
        std::string text;               // sanitised UTF-8, trailing whitespace trimmed
        double confidence = 0;          // 0..1, from the word confidences (see docs/extract-json.md)
        double engine_confidence = 0;   // tesseract's mean word confidence / 100
        bool deadline_hit = false;
        // Words and lines in pixels of the image as recognised: the input turned clockwise by
        // `rotation`, then by `skew` degrees about its centre (same size as the turned input).
        std::vector<Word> words;
        std::vector<Line> lines;
        int width = 0, height = 0;      // of that image
        int resolution = 0;             // dpi given to tesseract
        bool resolution_estimated = false;  // from the text height (no dpi was known)
        int rotation = 0;               // 0, 90, 180, 270: clockwise quarter turns applied
        double skew = 0;                // degrees turned clockwise to level the lines
        std::string ocr_language;       // traineddata used for the result ("eng", "deu+eng"...)
        Language language;              // detected in the text
        int passes = 0;                 // recognitions run (1, or more for orientation/language)
        bool osd = false;               // whether orientation detection ran
        bool alpha = false;             // an alpha channel was composited over white
        // The MRZ pass (ocr_mrz.hpp): its lines joined by '\n' ("" when it did not run or read
        // nothing) and the band read, in pixels of the image as recognised.
        std::string mrz_text;
        int mrz_box[4] = {0, 0, 0, 0};
    };

    // pix: any depth, colormap or alpha. dpi <= 0: unknown, estimated from the text height (300
    // when there is too little text to tell). deadline_ms <= 0 means none.
    Page recognize(Pix *pix, int dpi, long deadline_ms);
    // An 8-bit gray buffer (as poppler renders it) at a known dpi.
    Page recognize_gray(const unsigned char *data, int width, int height, int bytes_per_line,
                        int dpi, long deadline_ms);

    struct Library;  // the C API's entry points, resolved once per process
    struct Pass;     // one recognition

private:
    tesseract::TessBaseAPI *engine(const std::string &lang);
    tesseract::TessBaseAPI *osd_engine();
    Pass run(const std::string &lang, Pix *gray8, int dpi, long deadline_ms);
    int detect_quarters(Pix *gray8, int dpi);
    void read_mrz(Page &page, Pix *gray8, int dpi, long deadline_ms);

    std::string lang_, tessdata_;
    bool auto_ = false;
    std::string doc_lang_;  // auto: the language the document's pages turned out to be in
    const Library *lib_ = nullptr;
    std::map<std::string, tesseract::TessBaseAPI *> engines_;
    tesseract::TessBaseAPI *osd_ = nullptr;
    bool osd_failed_ = false;
    double init_ms_ = 0;
};

// Multiplies every box by factor (pixels at dpi -> PDF points: 72.0 / dpi).
void scale_words(std::vector<Word> &words, double factor);

// Maps a box [x0, y0, x1, y1] from the image as recognised (the input turned clockwise by
// rotation degrees, a multiple of 90, then by skew degrees about its centre) back to the input
// image of in_w x in_h pixels: the box that encloses the turned box's corners.
void unturn_box(double box[4], int rotation, double skew, int in_w, int in_h);
void unturn_words(std::vector<Word> &words, int rotation, double skew, int in_w, int in_h);

// The page confidence from the words: the mean of word confidences weighted by word length and
// by how much each word looks like a word (letters in one case pattern, a number, a dictionary
// word), lowered when few of the longer words are dictionary words. in_dictionary may be empty.
double page_confidence(const std::vector<Word> &words, const std::vector<bool> &in_dictionary);

}  // namespace docextract::extract
