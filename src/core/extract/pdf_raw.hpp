// A small, bounded reader of the raw PDF bytes for the few facts poppler-cpp does not expose: the
// pixel size of each page's image XObjects (scanned pages: effective resolution and coverage) and
// the raw bytes of Info strings (PDFDocEncoding or UTF-16).
//
// Untrusted input: one linear scan builds the object table; every later lookup is bounded by a
// token budget, the page tree walk by a visited set and a node cap, XObject nesting by a fixed
// depth. Objects inside compressed object streams are not visible to it: lookups then fail and
// the callers fall back (see pdf.cpp). It never decompresses anything.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace docextract::extract {

struct RawImage {
    long width = 0, height = 0;  // pixels, as the image dictionary says
};

class RawPdf {
public:
    explicit RawPdf(std::string_view bytes);

    // The image XObjects each page uses (through its resources, inherited ones and Form XObjects
    // up to two levels), for the first max_pages pages in page-tree order. nullopt when the page
    // tree cannot be walked (object streams, damage) or disagrees with expected_pages.
    std::optional<std::vector<std::vector<RawImage>>> page_images(int max_pages, int expected_pages) const;

    // Every image XObject in the file, in file order (at most kMaxImages).
    std::vector<RawImage> all_images() const;

    // The raw bytes of the string value of key (e.g. "Producer") in the trailer's Info
    // dictionary, after literal-string escapes or hex decoding; nullopt when not found.
    std::optional<std::string> info_string(const std::string &key) const;

    static constexpr std::size_t kMaxImages = 10'000;

private:
    struct Value;
    std::optional<std::size_t> object_start(long num) const;
    std::optional<Value> dict_value(std::size_t dict, std::string_view key) const;
    std::optional<Value> resolve(const Value &v) const;
    std::optional<std::size_t> resolve_dict(const Value &v) const;
    void collect_images(std::size_t resources_dict, std::vector<RawImage> &out) const;
    std::optional<RawImage> image_at(std::size_t dict) const;
    std::optional<long> resolve_int(const Value &v) const;

    std::string_view b_;
    std::unordered_map<long, std::size_t> objects_;  // object number -> offset after "obj"
    std::optional<std::size_t> trailer_root_, trailer_info_;  // offsets of "/Root", "/Info"
};

}  // namespace docextract::extract
