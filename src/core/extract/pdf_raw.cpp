#include "core/extract/pdf_raw.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "core/purity.hpp"

namespace docextract::extract {
namespace {

constexpr std::size_t kTokenBudget = 100'000;   // tokens read by one lookup
constexpr std::size_t kMaxNodes = 200'000;      // page tree nodes visited
constexpr std::size_t kMaxXObjects = 64;        // XObjects looked at per page
constexpr std::size_t kMaxStringBytes = 64 << 10;
constexpr std::size_t kMaxScannedObjects = 200'000;

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0'; }
bool is_delim(char c) {
    return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
           c == '}' || c == '/' || c == '%';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

enum class Tok { end, name, number, dict_open, dict_close, array_open, array_close, string, hexstring, keyword };

struct Token {
    Tok kind = Tok::end;
    std::size_t start = 0, end = 0;  // the raw span
};

class Lexer {
public:
    Lexer(std::string_view b, std::size_t pos) : b_(b), pos_(pos) {}
    std::size_t pos() const { return pos_; }
    void seek(std::size_t p) { pos_ = p; }
    bool spent() const { return budget_ == 0; }

    Token next() {
        Token t;
        if (budget_ == 0) return t;
        --budget_;
        const std::size_t n = b_.size();
        while (pos_ < n) {  // whitespace and comments
            if (is_space(b_[pos_])) ++pos_;
            else if (b_[pos_] == '%') {
                while (pos_ < n && b_[pos_] != '\n' && b_[pos_] != '\r') ++pos_;
            } else break;
        }
        if (pos_ >= n) return t;
        t.start = pos_;
        const char c = b_[pos_];
        if (c == '<' && pos_ + 1 < n && b_[pos_ + 1] == '<') {
            t.kind = Tok::dict_open;
            pos_ += 2;
        } else if (c == '>' && pos_ + 1 < n && b_[pos_ + 1] == '>') {
            t.kind = Tok::dict_close;
            pos_ += 2;
        } else if (c == '<') {
            t.kind = Tok::hexstring;
            const std::size_t close = b_.find('>', pos_);
            pos_ = close == std::string_view::npos ? n : close + 1;
        } else if (c == '[' || c == ']') {
            t.kind = c == '[' ? Tok::array_open : Tok::array_close;
            ++pos_;
        } else if (c == '(') {
            t.kind = Tok::string;
            int depth = 0;
            while (pos_ < n) {
                const char d = b_[pos_++];
                if (d == '\\') ++pos_;
                else if (d == '(') ++depth;
                else if (d == ')' && --depth == 0) break;
            }
            pos_ = std::min(pos_, n);
        } else if (c == '/') {
            t.kind = Tok::name;
            ++pos_;
            while (pos_ < n && !is_space(b_[pos_]) && !is_delim(b_[pos_])) ++pos_;
        } else {
            ++pos_;
            if (!is_delim(c))
                while (pos_ < n && !is_space(b_[pos_]) && !is_delim(b_[pos_])) ++pos_;
            const auto text = b_.substr(t.start, pos_ - t.start);
            t.kind = text.find_first_not_of("0123456789+-.") == std::string_view::npos ? Tok::number : Tok::keyword;
        }
        t.end = pos_;
        return t;
    }

private:
    std::string_view b_;
    std::size_t pos_;
    std::size_t budget_ = kTokenBudget;
};

long to_long(std::string_view s) {
    long v = 0;
    bool neg = false;
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    for (; i < s.size() && is_digit(s[i]); ++i) {
        if (v > 100'000'000'000L) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return neg ? -v : v;
}

bool is_integer(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Literal "( ... )" or hex "< ... >" string bytes, capped.
std::string decode_string(std::string_view raw, bool hex) {
    std::string out;
    if (hex) {
        int hi = -1;
        for (std::size_t i = 1; i < raw.size() && out.size() < kMaxStringBytes; ++i) {
            const int d = hex_digit(raw[i]);
            if (d < 0) continue;
            if (hi < 0) hi = d;
            else {
                out += static_cast<char>(hi * 16 + d);
                hi = -1;
            }
        }
        if (hi >= 0 && out.size() < kMaxStringBytes) out += static_cast<char>(hi * 16);
        return out;
    }
    const std::size_t end = raw.size() > 1 && raw.back() == ')' ? raw.size() - 1 : raw.size();
    for (std::size_t i = 1; i < end && out.size() < kMaxStringBytes; ++i) {
        char c = raw[i];
        if (c == '\r') {  // an end of line inside a string reads as \n
            if (i + 1 < end && raw[i + 1] == '\n') ++i;
            out += '\n';
            continue;
        }
        if (c != '\\' || i + 1 >= end) {
            out += c;
            continue;
        }
        c = raw[++i];
        switch (c) {
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case '\r': if (i + 1 < end && raw[i + 1] == '\n') ++i; break;  // line continuation
        case '\n': break;
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0';
                for (int k = 0; k < 2 && i + 1 < end && raw[i + 1] >= '0' && raw[i + 1] <= '7'; ++k)
                    v = v * 8 + (raw[++i] - '0');
                out += static_cast<char>(v & 0xFF);
            } else {
                out += c;
            }
        }
    }
    return out;
}

}  // namespace

struct RawPdf::Value {
    Tok kind = Tok::end;
    std::size_t start = 0, end = 0;  // for a dictionary or array: the offset of "<<" or "["
    long ref = -1;                   // an indirect reference's object number
};

RawPdf::RawPdf(std::string_view bytes) : b_(bytes) {
    // Object table: every "N G obj" in the file; later definitions (incremental updates) win.
    const std::size_t n = b_.size();
    for (std::size_t p = b_.find("obj"); p != std::string_view::npos; p = b_.find("obj", p + 3)) {
        if (p + 3 < n && !is_space(b_[p + 3]) && !is_delim(b_[p + 3])) continue;
        std::size_t i = p;
        auto skip_space_back = [&] {
            std::size_t k = 0;
            while (i > 0 && is_space(b_[i - 1]) && k++ < 64) --i;
            return k > 0;
        };
        auto digits_back = [&] {
            std::size_t k = 0;
            while (i > 0 && is_digit(b_[i - 1]) && k++ < 12) --i;
            return k > 0;
        };
        if (!skip_space_back() || !digits_back() || !skip_space_back()) continue;
        const std::size_t num_end = i;
        if (!digits_back()) continue;
        if (i > 0 && !is_space(b_[i - 1]) && !is_delim(b_[i - 1])) continue;
        const long num = to_long(b_.substr(i, num_end - i));
        if (num > 0) objects_[num] = p + 3;
    }
    // The trailer's (or cross-reference stream's) /Root and /Info: the last ones in the file.
    auto last_key = [&](std::string_view key) -> std::optional<std::size_t> {
        std::size_t p = b_.size();
        for (int tries = 0; tries < 1000; ++tries) {
            p = b_.rfind(key, p == 0 ? 0 : p - 1);
            if (p == std::string_view::npos) return std::nullopt;
            const std::size_t after = p + key.size();
            if (after < n && (is_space(b_[after]) || is_delim(b_[after]))) return after;
            if (p == 0) return std::nullopt;
        }
        return std::nullopt;
    };
    trailer_root_ = last_key("/Root");
    trailer_info_ = last_key("/Info");
}

std::optional<std::size_t> RawPdf::object_start(long num) const {
    auto it = objects_.find(num);
    if (it == objects_.end()) return std::nullopt;
    return it->second;
}

namespace {

// Reads one value at the lexer's position; nested dictionaries and arrays are skipped with a depth
// counter (no recursion).
template <typename V>
std::optional<V> read_value(Lexer &lx, std::string_view b) {
    Token t = lx.next();
    V v;
    v.kind = t.kind;
    v.start = t.start;
    v.end = t.end;
    if (t.kind == Tok::end || t.kind == Tok::dict_close || t.kind == Tok::array_close) return std::nullopt;
    if (t.kind == Tok::number && is_integer(b.substr(t.start, t.end - t.start))) {
        const std::size_t after = lx.pos();
        Token g = lx.next();
        if (g.kind == Tok::number && is_integer(b.substr(g.start, g.end - g.start))) {
            Token r = lx.next();
            if (r.kind == Tok::keyword && b.substr(r.start, r.end - r.start) == "R") {
                v.ref = to_long(b.substr(t.start, t.end - t.start));
                v.end = r.end;
                return v;
            }
        }
        lx.seek(after);
        return v;
    }
    if (t.kind == Tok::dict_open || t.kind == Tok::array_open) {
        int depth = 1;
        while (depth > 0) {
            Token u = lx.next();
            if (u.kind == Tok::end) return std::nullopt;
            if (u.kind == Tok::dict_open || u.kind == Tok::array_open) ++depth;
            else if (u.kind == Tok::dict_close || u.kind == Tok::array_close) --depth;
        }
        v.end = lx.pos();
    }
    return v;
}

// Calls fn(key, value) for each entry of the dictionary at dict ("<<"); stops when fn returns
// false. Returns false on malformed input.
template <typename V, typename Fn>
bool for_each_entry(std::string_view b, std::size_t dict, Fn &&fn) {
    Lexer lx(b, dict);
    if (lx.next().kind != Tok::dict_open) return false;
    for (;;) {
        Token k = lx.next();
        if (k.kind == Tok::dict_close) return true;
        if (k.kind != Tok::name) return false;
        auto v = read_value<V>(lx, b);
        if (!v) return false;
        if (!fn(b.substr(k.start + 1, k.end - k.start - 1), *v)) return true;
    }
}

}  // namespace

std::optional<RawPdf::Value> RawPdf::dict_value(std::size_t dict, std::string_view key) const {
    std::optional<Value> found;
    for_each_entry<Value>(b_, dict, [&](std::string_view k, const Value &v) {
        if (k != key) return true;
        found = v;
        return false;
    });
    return found;
}

std::optional<RawPdf::Value> RawPdf::resolve(const Value &v) const {
    if (v.ref < 0) return v;
    auto start = object_start(v.ref);
    if (!start) return std::nullopt;
    Lexer lx(b_, *start);
    auto r = read_value<Value>(lx, b_);
    if (r && r->ref >= 0) return std::nullopt;  // a reference to a reference: not followed
    return r;
}

std::optional<std::size_t> RawPdf::resolve_dict(const Value &v) const {
    auto r = resolve(v);
    if (!r || r->kind != Tok::dict_open) return std::nullopt;
    return r->start;
}

std::optional<long> RawPdf::resolve_int(const Value &v) const {
    auto r = resolve(v);
    if (!r || r->kind != Tok::number) return std::nullopt;
    const auto s = b_.substr(r->start, r->end - r->start);
    if (!is_integer(s)) return std::nullopt;
    return to_long(s);
}

std::optional<RawImage> RawPdf::image_at(std::size_t dict) const {
    auto subtype = dict_value(dict, "Subtype");
    if (!subtype || subtype->kind != Tok::name || b_.substr(subtype->start, subtype->end - subtype->start) != "/Image")
        return std::nullopt;
    auto w = dict_value(dict, "Width");
    auto h = dict_value(dict, "Height");
    if (!w || !h) return std::nullopt;
    auto wi = resolve_int(*w), hi = resolve_int(*h);
    if (!wi || !hi || *wi <= 0 || *hi <= 0) return std::nullopt;
    return RawImage{*wi, *hi};
}

void RawPdf::collect_images(std::size_t resources, std::vector<RawImage> &out) const {
    // Breadth first over XObjects: the page's, then those of its Form XObjects (two levels).
    std::vector<std::pair<std::size_t, int>> queue{{resources, 0}};
    std::unordered_set<long> seen;
    for (std::size_t qi = 0; qi < queue.size() && seen.size() < kMaxXObjects; ++qi) {
        // Not a structured binding: C++17 lambdas cannot capture those.
        const std::size_t res = queue[qi].first;
        const int depth = queue[qi].second;
        auto xobjects = dict_value(res, "XObject");
        if (!xobjects) continue;
        auto xdict = resolve_dict(*xobjects);
        if (!xdict) continue;
        for_each_entry<Value>(b_, *xdict, [&](std::string_view, const Value &v) {
            if (v.ref < 0 || !seen.insert(v.ref).second) return seen.size() < kMaxXObjects;
            auto dict = resolve_dict(v);
            if (!dict) return true;
            if (auto img = image_at(*dict)) {
                out.push_back(*img);
            } else if (depth < 2) {
                auto sub = dict_value(*dict, "Subtype");
                if (sub && b_.substr(sub->start, sub->end - sub->start) == "/Form")
                    if (auto r = dict_value(*dict, "Resources"))
                        if (auto rd = resolve_dict(*r)) queue.emplace_back(*rd, depth + 1);
            }
            return seen.size() < kMaxXObjects;
        });
    }
}

std::optional<std::vector<std::vector<RawImage>>> RawPdf::page_images(int max_pages, int expected_pages) const {
    if (!trailer_root_ || max_pages <= 0) return std::nullopt;
    Lexer lx(b_, *trailer_root_);
    auto root_ref = read_value<Value>(lx, b_);
    if (!root_ref || root_ref->ref < 0) return std::nullopt;
    auto catalog = resolve_dict(*root_ref);
    if (!catalog) return std::nullopt;
    auto pages_ref = dict_value(*catalog, "Pages");
    if (!pages_ref || pages_ref->ref < 0) return std::nullopt;

    std::vector<std::vector<RawImage>> pages;
    struct Node {
        long obj;
        std::optional<std::size_t> resources;  // inherited
    };
    std::vector<Node> stack{{pages_ref->ref, std::nullopt}};
    std::unordered_set<long> visited;
    const std::size_t want = static_cast<std::size_t>(std::min(max_pages, expected_pages));
    while (!stack.empty() && pages.size() < want) {
        if (visited.size() >= kMaxNodes) return std::nullopt;
        Node node = stack.back();
        stack.pop_back();
        if (!visited.insert(node.obj).second) return std::nullopt;  // a cycle or a shared node
        Value ref;
        ref.ref = node.obj;
        auto dict = resolve_dict(ref);
        if (!dict) return std::nullopt;
        if (auto r = dict_value(*dict, "Resources"))
            if (auto rd = resolve_dict(*r)) node.resources = rd;
        auto kids = dict_value(*dict, "Kids");
        auto type = dict_value(*dict, "Type");
        const bool is_page = type && b_.substr(type->start, type->end - type->start) == "/Page";
        if (is_page || !kids) {
            std::vector<RawImage> images;
            if (node.resources) collect_images(*node.resources, images);
            pages.push_back(std::move(images));
            continue;
        }
        auto arr = resolve(*kids);
        if (!arr || arr->kind != Tok::array_open) return std::nullopt;
        std::vector<long> refs;
        Lexer ak(b_, arr->start + 1);
        for (;;) {
            if (ak.pos() >= arr->end) break;
            auto v = read_value<Value>(ak, b_);
            if (!v) break;
            if (v->ref >= 0) refs.push_back(v->ref);
            if (refs.size() > kMaxNodes) return std::nullopt;
        }
        for (auto it = refs.rbegin(); it != refs.rend(); ++it) stack.push_back({*it, node.resources});
    }
    if (pages.size() != want) return std::nullopt;
    return pages;
}

std::vector<RawImage> RawPdf::all_images() const {
    std::vector<std::size_t> offsets;
    offsets.reserve(std::min(objects_.size(), kMaxScannedObjects));
    for (const auto &[num, off] : objects_) {
        (void)num;
        offsets.push_back(off);
    }
    std::sort(offsets.begin(), offsets.end());
    if (offsets.size() > kMaxScannedObjects) offsets.resize(kMaxScannedObjects);
    std::vector<RawImage> out;
    for (std::size_t off : offsets) {
        Lexer lx(b_, off);
        Token t = lx.next();
        if (t.kind != Tok::dict_open) continue;
        // Cheap filter before parsing: image dictionaries are short and say /Image early.
        const auto window = b_.substr(t.start, std::min<std::size_t>(2048, b_.size() - t.start));
        if (window.find("/Image") == std::string_view::npos) continue;
        if (auto img = image_at(t.start)) out.push_back(*img);
        if (out.size() >= kMaxImages) break;
    }
    return out;
}

std::optional<std::string> RawPdf::info_string(const std::string &key) const {
    if (!trailer_info_) return std::nullopt;
    Lexer lx(b_, *trailer_info_);
    auto info_ref = read_value<Value>(lx, b_);
    if (!info_ref) return std::nullopt;
    auto dict = resolve_dict(*info_ref);
    if (!dict) return std::nullopt;
    auto v = dict_value(*dict, key);
    if (!v) return std::nullopt;
    auto r = resolve(*v);
    if (!r || (r->kind != Tok::string && r->kind != Tok::hexstring)) return std::nullopt;
    return decode_string(b_.substr(r->start, r->end - r->start), r->kind == Tok::hexstring);
}

}  // namespace docextract::extract
