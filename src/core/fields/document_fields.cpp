// Field extraction from the helper's document model (docs/fields.md "From the document model to
// fields"). Sources by priority: payment QR codes, AAMVA PDF417, embedded invoice XML (all 1.0 when
// their checks pass), the MRZ, then labelled values in the text, graded by how they were found and
// raised to >= 0.95 only by a second confirmation (a checksum, the EN 16931 totals, the balance).
#include "core/fields/document_fields.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/fields/aamva.hpp"
#include "core/fields/checks.hpp"
#include "core/fields/entities.hpp"
#include "core/fields/mrz.hpp"
#include "core/fields/normalize.hpp"
#include "core/fields/payment_qr.hpp"
#include "core/fields/viz.hpp"
#include "core/utf8.hpp"
#include "core/purity.hpp"

namespace docextract::fields {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxPages = 500;
constexpr std::size_t kMaxLines = 20000;        // over all pages
constexpr std::size_t kMaxWordsPerPage = 20000;
constexpr std::size_t kMaxLineBytes = 2000;     // longer lines are cut
constexpr std::size_t kMaxTextBytes = 4u << 20;  // text looked at
constexpr std::size_t kMaxXmlBytes = 2u << 20;
constexpr std::size_t kMaxXmlElements = 50000;
constexpr std::size_t kMaxXmlDepth = 64;
constexpr std::size_t kMaxBarcodes = 200;

// Confidence grades (docs/fields.md).
constexpr double kIntegrity = 1.0;       // QR / PDF417 / XML whose checks pass
constexpr double kConfirmed = 0.96;      // label + checksum / totals / balance
constexpr double kMrzConfirmed = 0.97;   // MRZ field the visual zone repeats
constexpr double kMrzValid = 0.95;       // its own check digit and every other, no correction
constexpr double kMrzUnchecked = 0.9;    // no check digit covers it (names, countries, sex)
constexpr double kMrzCorrected = 0.85;   // a corrected MRZ field (checks pass after it)
constexpr double kSameLine = 0.8;        // label, value on the same line
constexpr double kBelow = 0.7;           // label, value below it
constexpr double kWeak = 0.6;            // position or format only
constexpr double kFailed = 0.2;          // a check failed (never >= 0.5)
constexpr double kContradiction = 0.3;   // totals that contradict each other

// ---------------------------------------------------------------- text model

struct Word {
    std::size_t begin = 0, end = 0;  // byte range in Line::text
    double box[4] = {0, 0, 0, 0};
    bool has_box = false;
};

struct Line {
    int page = 1;
    std::string text;
    std::string lower;  // ASCII lower case, same byte offsets
    std::vector<Word> words;
    bool ocr = false;
};

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
bool wordish(char c) { return is_alnum(c) || static_cast<unsigned char>(c) >= 0x80; }

std::string lower_of(std::string_view s) {
    std::string out(s);
    for (auto &c : out) c = ascii_lower(c);
    return out;
}

const json *member(const json &j, const char *key) {
    if (!j.is_object()) return nullptr;
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

std::string string_of(const json *j) { return j && j->is_string() ? j->get<std::string>() : ""; }

bool number_of(const json &j, double &out) {
    if (!j.is_number()) return false;
    out = j.get<double>();
    return std::isfinite(out);
}

void finish_line(Line &l) {
    if (l.text.size() > kMaxLineBytes) l.text.resize(kMaxLineBytes);
    l.lower = lower_of(l.text);
}

// Lines from a page's words and lines when it has them, else from its text.
void page_lines(const json &page, int page_no, std::vector<Line> &out, std::size_t &budget) {
    const bool ocr = string_of(member(page, "method")) == "ocr" ||
                     string_of(member(page, "words_source")) == "ocr";
    const json *words = member(page, "words");
    const json *lines = member(page, "lines");
    // A PDF page OCR read turned by a quarter has its boxes in the page as displayed, where its
    // lines run sideways: "right of the label" and "under it" mean nothing there, so its words
    // are used as lines of text only.
    const bool sideways = member(page, "ocr_rotation") != nullptr;
    if (words && words->is_array() && lines && lines->is_array() && !words->empty()) {
        const std::size_t nwords = std::min(words->size(), kMaxWordsPerPage);
        for (const auto &range : *lines) {
            if (out.size() >= kMaxLines || budget == 0) return;
            // (integers as the helper builds them, unsigned as a parser reads them)
            if (!range.is_array() || range.size() != 2 || !range[0].is_number_integer() ||
                !range[1].is_number_integer() || range[0].get<std::int64_t>() < 0 ||
                range[1].get<std::int64_t>() < 0)
                continue;
            const auto first = static_cast<std::size_t>(range[0].get<std::int64_t>());
            const auto count = static_cast<std::size_t>(range[1].get<std::int64_t>());
            if (first >= nwords) continue;
            Line l;
            l.page = page_no;
            l.ocr = ocr;
            for (std::size_t i = first; i < nwords && i - first < count; ++i) {
                const json &w = (*words)[i];
                if (!w.is_array() || w.size() < 5 || !w[0].is_string()) continue;
                const auto &t = w[0].get_ref<const std::string &>();
                if (l.text.size() + t.size() + 1 > kMaxLineBytes) break;
                if (!l.text.empty()) l.text += ' ';
                Word word;
                word.begin = l.text.size();
                l.text += t;
                word.end = l.text.size();
                word.has_box = !sideways;
                for (int k = 0; k < 4 && !sideways; ++k)
                    if (!number_of(w[static_cast<std::size_t>(k) + 1], word.box[k])) word.has_box = false;
                l.words.push_back(word);
            }
            budget = budget > l.text.size() ? budget - l.text.size() : 0;
            finish_line(l);
            if (!l.text.empty()) out.push_back(std::move(l));
        }
        return;
    }
    std::string_view text;
    if (const json *t = member(page, "text"); t && t->is_string()) text = t->get_ref<const std::string &>();
    if (text.size() > budget) text = text.substr(0, budget);
    budget -= text.size();
    std::size_t pos = 0;
    while (pos < text.size() && out.size() < kMaxLines) {
        std::size_t nl = text.find_first_of("\n\f", pos);
        if (nl == std::string_view::npos) nl = text.size();
        Line l;
        l.page = page_no;
        l.ocr = ocr;
        l.text = std::string(text.substr(pos, nl - pos));
        while (!l.text.empty() && (l.text.back() == '\r' || l.text.back() == ' ')) l.text.pop_back();
        finish_line(l);
        if (!l.text.empty()) out.push_back(std::move(l));
        pos = nl + 1;
    }
}

// ---------------------------------------------------------------- candidates

struct Candidate {
    json value;
    double confidence = 0;
    int page = 0;  // 0: none
    std::optional<std::array<double, 4>> bbox;
    std::string source;
    std::vector<std::string> checks, failed_checks;
};

using Candidates = std::map<std::string, Candidate>;

// Amounts BR-CO-16 needs besides the total and the amount due; not fields of their own.
struct DueAdjustments {
    std::optional<std::int64_t> prepaid, rounding;  // millionths
};


// Keeps the better candidate: higher confidence; equal: the first.
void offer(Candidates &out, const std::string &name, Candidate c) {
    auto it = out.find(name);
    if (it == out.end() || c.confidence > it->second.confidence) out[name] = std::move(c);
}

void add_check(Candidate &c, const std::string &check, bool passed) {
    auto &list = passed ? c.checks : c.failed_checks;
    if (std::find(list.begin(), list.end(), check) == list.end()) list.push_back(check);
}

// Decimal string -> millionths; nullopt when out of range or malformed.
std::optional<std::int64_t> micro(const std::string &s) {
    std::int64_t ip = 0, fp = 0;
    int fd = 0;
    bool neg = false, dot = false, any = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (i == 0 && c == '-') { neg = true; continue; }
        if (c == '.' && !dot) { dot = true; continue; }
        if (!is_digit(c)) return std::nullopt;
        any = true;
        if (dot) {
            if (fd < 6) { fp = fp * 10 + (c - '0'); ++fd; }
        } else {
            if (ip > 1'000'000'000'000LL) return std::nullopt;
            ip = ip * 10 + (c - '0');
        }
    }
    if (!any) return std::nullopt;
    while (fd < 6) { fp *= 10; ++fd; }
    std::int64_t v = ip * 1'000'000 + fp;
    return neg ? -v : v;
}

json amount_json(const std::string &decimal) {
    // A JSON number from the decimal string (jsonb keeps it exactly as written).
    json j = json::parse(decimal, nullptr, false);
    if (j.is_discarded() || !j.is_number()) return json(decimal);
    return j;
}

std::optional<std::int64_t> micro_of(const Candidate &c) {
    if (c.value.is_number()) {
        double d = c.value.get<double>();
        if (!std::isfinite(d) || std::fabs(d) > 1e12) return std::nullopt;
        return static_cast<std::int64_t>(std::llround(d * 1e6));
    }
    if (c.value.is_string()) return micro(c.value.get<std::string>());
    return std::nullopt;
}

// A value from an integrity-protected payload's FieldMap (QR, PDF417).
void offer_fieldmap(Candidates &out, const FieldMap &map, bool payload_valid, const std::string &source,
                    int page, const std::optional<std::array<double, 4>> &bbox,
                    const std::vector<std::string> &amount_fields) {
    for (const auto &[name, f] : map) {
        Candidate c;
        const bool is_amount =
            std::find(amount_fields.begin(), amount_fields.end(), name) != amount_fields.end();
        c.value = is_amount ? amount_json(f.value) : json(f.value);
        c.checks = f.checks;
        c.failed_checks = f.failed_checks;
        c.source = source;
        c.page = page;
        c.bbox = bbox;
        if (!f.failed_checks.empty()) c.confidence = kFailed;
        else if (payload_valid) c.confidence = kIntegrity;
        else c.confidence = kBelow;  // the payload breaks a rule elsewhere
        offer(out, name, std::move(c));
    }
}

// ---------------------------------------------------------------- barcodes

struct Barcode {
    std::string format, text;
    int page = 1;
    std::optional<std::array<double, 4>> box;
};

constexpr std::size_t kMaxPayloadBytes = 64u << 10;  // as the barcode scan caps them

// Standard base64 (RFC 4648, padding optional); nullopt when malformed or longer than max bytes.
std::optional<std::string> base64_decode(std::string_view in, std::size_t max) {
    if (in.size() / 4 * 3 > max + 3) return std::nullopt;
    std::string out;
    unsigned acc = 0;
    int bits = 0;
    std::size_t pad = 0;
    for (char ch : in) {
        int v;
        if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
        else if (ch == '+') v = 62;
        else if (ch == '/') v = 63;
        else if (ch == '=') { ++pad; continue; }
        else return std::nullopt;
        if (pad) return std::nullopt;  // data after padding
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    if (pad > 2 || out.size() > max) return std::nullopt;
    return out;
}

// ISO 8859-1 bytes as UTF-8; NUL bytes are dropped (jsonb cannot store them).
std::string latin1_text(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (char ch : bytes) {
        const auto u = static_cast<unsigned char>(ch);
        if (u == 0) continue;
        core::append_utf8(out, static_cast<char32_t>(u));
    }
    return out;
}

std::vector<Barcode> collect_barcodes(const json &pages) {
    std::vector<Barcode> out;
    if (!pages.is_array()) return out;
    std::size_t pno = 0;
    for (const auto &page : pages) {
        if (++pno > kMaxPages) break;
        const json *bcs = member(page, "barcodes");
        if (!bcs || !bcs->is_array()) continue;
        int page_no = static_cast<int>(pno);
        if (const json *p = member(page, "page"); p && p->is_number_integer()) page_no = p->get<int>();
        for (const auto &b : *bcs) {
            if (out.size() >= kMaxBarcodes) return out;
            Barcode bc;
            bc.format = string_of(member(b, "format"));
            bc.text = string_of(member(b, "text"));
            // A binary payload (bytes_base64): AAMVA data whose bytes are not UTF-8 (a Latin-1
            // name, a stray NUL) is read as ISO 8859-1.
            if (bc.text.empty())
                if (auto bytes = base64_decode(string_of(member(b, "bytes_base64")), kMaxPayloadBytes);
                    bytes && !bytes->empty() && (*bytes)[0] == '@')
                    bc.text = latin1_text(*bytes);
            bc.page = page_no;
            if (const json *box = member(b, "box"); box && box->is_array() && box->size() == 4) {
                std::array<double, 4> a{};
                bool ok = true;
                for (std::size_t k = 0; k < 4; ++k) ok = ok && number_of((*box)[k], a[k]);
                if (ok) bc.box = a;
            }
            out.push_back(std::move(bc));
        }
    }
    return out;
}

// ---------------------------------------------------------------- embedded XML

struct XmlNode {
    std::string name;  // local name
    std::string text;  // direct character data, trimmed
    std::map<std::string, std::string> attrs;
    std::vector<std::size_t> children;
    std::size_t parent = 0;
};

std::string xml_unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '&') { out += s[i]; continue; }
        std::size_t semi = s.find(';', i);
        if (semi == std::string_view::npos || semi - i > 10) { out += s[i]; continue; }
        std::string_view ent = s.substr(i + 1, semi - i - 1);
        if (ent == "amp") out += '&';
        else if (ent == "lt") out += '<';
        else if (ent == "gt") out += '>';
        else if (ent == "quot") out += '"';
        else if (ent == "apos") out += '\'';
        else if (!ent.empty() && ent[0] == '#') {
            unsigned long cp = 0;
            bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
            for (std::size_t k = hex ? 2 : 1; k < ent.size() && cp < 0x110000; ++k)
                cp = cp * (hex ? 16 : 10) +
                     static_cast<unsigned long>(is_digit(ent[k]) ? ent[k] - '0'
                                                                 : (ascii_lower(ent[k]) - 'a' + 10) & 15);
            if (cp == 0 || cp >= 0x110000) cp = 0xFFFD;
            core::append_utf8(out, static_cast<char32_t>(cp));
        } else {
            out += s.substr(i, semi - i + 1);
        }
        i = semi;
    }
    return out;
}

std::string collapse_ws(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { space = !out.empty(); continue; }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::string local_name(std::string_view qname) {
    auto colon = qname.rfind(':');
    return std::string(colon == std::string_view::npos ? qname : qname.substr(colon + 1));
}

// A bounded scanner: elements, attributes, character data, CDATA; comments, processing
// instructions and the doctype are skipped (no entity definitions are honoured).
std::vector<XmlNode> parse_xml(std::string_view x) {
    std::vector<XmlNode> nodes;
    if (x.size() > kMaxXmlBytes) return nodes;
    nodes.push_back({});  // 0: document
    std::vector<std::size_t> stack{0};
    std::size_t i = 0;
    while (i < x.size()) {
        if (x[i] != '<') {
            std::size_t lt = x.find('<', i);
            if (lt == std::string_view::npos) lt = x.size();
            if (stack.size() > 1 && nodes[stack.back()].text.size() < 4096)
                nodes[stack.back()].text += xml_unescape(x.substr(i, lt - i));
            i = lt;
            continue;
        }
        if (x.compare(i, 4, "<!--") == 0) {
            std::size_t e = x.find("-->", i + 4);
            i = e == std::string_view::npos ? x.size() : e + 3;
            continue;
        }
        if (x.compare(i, 9, "<![CDATA[") == 0) {
            std::size_t e = x.find("]]>", i + 9);
            if (e == std::string_view::npos) e = x.size();
            if (stack.size() > 1 && nodes[stack.back()].text.size() < 4096)
                nodes[stack.back()].text += std::string(x.substr(i + 9, e - i - 9));
            i = e + 3;
            continue;
        }
        if (i + 1 < x.size() && (x[i + 1] == '?' || x[i + 1] == '!')) {
            std::size_t e = x.find('>', i);
            i = e == std::string_view::npos ? x.size() : e + 1;
            continue;
        }
        std::size_t gt = x.find('>', i);
        if (gt == std::string_view::npos) break;
        std::string_view tag = x.substr(i + 1, gt - i - 1);
        i = gt + 1;
        if (!tag.empty() && tag[0] == '/') {
            if (stack.size() > 1) stack.pop_back();
            continue;
        }
        const bool self_closing = !tag.empty() && tag.back() == '/';
        if (self_closing) tag.remove_suffix(1);
        std::size_t n = 0;
        while (n < tag.size() && tag[n] != ' ' && tag[n] != '\t' && tag[n] != '\n' && tag[n] != '\r') ++n;
        if (nodes.size() >= kMaxXmlElements || stack.size() > kMaxXmlDepth) break;
        XmlNode node;
        node.name = local_name(tag.substr(0, n));
        node.parent = stack.back();
        // attributes: name="value" or name='value'
        std::size_t a = n;
        while (a < tag.size()) {
            while (a < tag.size() && (tag[a] == ' ' || tag[a] == '\t' || tag[a] == '\n' || tag[a] == '\r')) ++a;
            std::size_t eq = tag.find('=', a);
            if (eq == std::string_view::npos || eq + 1 >= tag.size()) break;
            char q = tag[eq + 1];
            if (q != '"' && q != '\'') break;
            std::size_t close = tag.find(q, eq + 2);
            if (close == std::string_view::npos) break;
            std::string_view an = tag.substr(a, eq - a);
            while (!an.empty() && (an.back() == ' ' || an.back() == '\t')) an.remove_suffix(1);
            if (node.attrs.size() < 16)
                node.attrs[local_name(an)] = xml_unescape(tag.substr(eq + 2, close - eq - 2));
            a = close + 1;
        }
        const std::size_t id = nodes.size();
        nodes[stack.back()].children.push_back(id);
        nodes.push_back(std::move(node));
        if (!self_closing) stack.push_back(id);
    }
    for (auto &n : nodes) n.text = collapse_ws(n.text);
    return nodes;
}

// The first element reached from `from` by the path, each step a descendant (or, with a leading
// '/', a direct child) of the previous. 0 when there is none.
// `budget` bounds the nodes visited (nested matches of an early step would otherwise multiply).
std::size_t xml_find_in(const std::vector<XmlNode> &nodes, std::size_t from,
                        const std::vector<std::string> &path, std::size_t step, std::size_t &budget) {
    if (step == path.size()) return from;
    const bool child_only = !path[step].empty() && path[step][0] == '/';
    const std::string want = child_only ? path[step].substr(1) : path[step];
    // iterative pre-order over the subtree (bounded by the node count)
    std::vector<std::size_t> stack(nodes[from].children.rbegin(), nodes[from].children.rend());
    while (!stack.empty()) {
        if (budget == 0) return 0;
        --budget;
        std::size_t n = stack.back();
        stack.pop_back();
        if (nodes[n].name == want) {
            std::size_t r = xml_find_in(nodes, n, path, step + 1, budget);
            if (r) return r;
        }
        if (!child_only)
            for (auto it = nodes[n].children.rbegin(); it != nodes[n].children.rend(); ++it)
                stack.push_back(*it);
    }
    return 0;
}

std::size_t xml_find(const std::vector<XmlNode> &nodes, std::size_t from,
                     const std::vector<std::string> &path) {
    std::size_t budget = 4 * kMaxXmlElements;
    return xml_find_in(nodes, from, path, 0, budget);
}

std::string xml_date(const std::string &s) {
    // CII format 102 (YYYYMMDD) or ISO (UBL)
    if (s.size() == 8 && std::all_of(s.begin(), s.end(), is_digit)) {
        int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(4, 2)), d = std::stoi(s.substr(6, 2));
        if (!date_exists(y, m, d)) return "";
        return s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2);
    }
    auto p = parse_date(s);
    return p ? *p : "";
}

std::string xml_decimal(const std::string &s) {
    auto a = parse_amount(s, Locale::en);
    return a ? a->value : "";
}

void offer_xml(Candidates &out, const std::string &name, const std::string &raw, const char *kind) {
    if (raw.empty()) return;
    Candidate c;
    c.source = "xml";
    c.confidence = kIntegrity;
    const std::string k = kind;
    if (k == "date") {
        std::string d = xml_date(raw);
        if (d.empty()) {
            c.value = raw;
            c.confidence = kFailed;
            add_check(c, kDateExists, false);
        } else {
            c.value = d;
            add_check(c, kDateExists, true);
        }
    } else if (k == "amount") {
        std::string d = xml_decimal(raw);
        if (d.empty()) return;
        c.value = amount_json(d);
    } else if (k == "iban") {
        std::string v = compact_identifier(raw);
        c.value = v;
        bool ok = iban_valid(v);
        add_check(c, "iban_mod97", ok);
        if (!ok) c.confidence = kFailed;
    } else if (k == "bic") {
        std::string v = compact_identifier(raw);
        c.value = v;
        bool ok = bic_valid(v);
        add_check(c, "bic_format", ok);
        if (!ok) c.confidence = kFailed;
    } else if (k == "vat") {
        std::string v = normalize_vat_id(raw);
        if (v.empty()) {
            c.value = compact_identifier(raw);
            c.confidence = kFailed;
            add_check(c, "vat_id_format", false);
        } else {
            c.value = v;
            add_check(c, vat_id_check(v) == VatCheck::checksum ? "vat_id_checksum" : "vat_id_format", true);
        }
    } else if (k == "ref") {
        std::string v = collapse_ws(raw);
        c.value = v;
        std::string compact = compact_identifier(v);
        if (compact.size() > 2 && compact.compare(0, 2, "RF") == 0) {
            bool ok = rf_valid(compact);
            add_check(c, "rf_mod97", ok);
            if (ok) c.value = compact;
            else c.confidence = kFailed;
        }
    } else {
        c.value = collapse_ws(raw);
    }
    offer(out, name, std::move(c));
}

std::optional<std::int64_t> xml_micro(const std::string &raw) {
    std::string d = xml_decimal(raw);
    if (d.empty()) return std::nullopt;
    return micro(d);
}

bool extract_invoice_xml(const std::string &xml, Candidates &out, DueAdjustments &adj) {
    auto nodes = parse_xml(xml);
    if (nodes.size() < 2) return false;
    auto text = [&](std::vector<std::string> path) {
        std::size_t n = xml_find(nodes, 0, path);
        return n ? nodes[n].text : std::string();
    };
    std::size_t root = nodes[0].children.empty() ? 0 : nodes[0].children.front();
    if (!root) return false;
    const std::string rn = nodes[root].name;
    if (rn == "CrossIndustryInvoice" || rn == "CrossIndustryDocument") {
        offer_xml(out, "invoice_number", text({"ExchangedDocument", "/ID"}), "text");
        if (!out.count("invoice_number"))
            offer_xml(out, "invoice_number", text({"HeaderExchangedDocument", "/ID"}), "text");
        offer_xml(out, "invoice_date", text({"IssueDateTime", "DateTimeString"}), "date");
        offer_xml(out, "due_date", text({"SpecifiedTradePaymentTerms", "DueDateDateTime", "DateTimeString"}), "date");
        offer_xml(out, "currency", text({"InvoiceCurrencyCode"}), "text");
        const std::string sum = "SpecifiedTradeSettlementHeaderMonetarySummation";
        std::string net = text({sum, "TaxBasisTotalAmount"});
        offer_xml(out, "net_amount", net, "amount");
        offer_xml(out, "tax_amount", text({sum, "TaxTotalAmount"}), "amount");
        offer_xml(out, "total_amount", text({sum, "GrandTotalAmount"}), "amount");
        offer_xml(out, "amount_due", text({sum, "DuePayableAmount"}), "amount");
        adj.prepaid = xml_micro(text({sum, "TotalPrepaidAmount"}));
        adj.rounding = xml_micro(text({sum, "RoundingAmount"}));
        offer_xml(out, "vendor_name", text({"SellerTradeParty", "/Name"}), "text");
        // the VAT registration (schemeID VA) of seller and buyer
        for (const char *party : {"SellerTradeParty", "BuyerTradeParty"}) {
            std::size_t p = xml_find(nodes, 0, {party});
            if (!p) continue;
            std::vector<std::size_t> children(nodes[p].children);
            for (std::size_t k = 0; k < children.size() && k < 1000; ++k) {
                const auto &n = nodes[children[k]];
                if (n.name == "ID" && nodes[n.parent].name == "SpecifiedTaxRegistration") {
                    auto it = n.attrs.find("schemeID");
                    if (it != n.attrs.end() && it->second == "VA") {
                        offer_xml(out, std::string(party) == "SellerTradeParty" ? "vendor_vat_id" : "customer_vat_id",
                                  n.text, "vat");
                        break;
                    }
                }
                children.insert(children.end(), n.children.begin(), n.children.end());
            }
        }
        offer_xml(out, "iban", text({"PayeePartyCreditorFinancialAccount", "IBANID"}), "iban");
        offer_xml(out, "bic", text({"PayeeSpecifiedCreditorFinancialInstitution", "BICID"}), "bic");
        offer_xml(out, "payment_reference", text({"ApplicableHeaderTradeSettlement", "/PaymentReference"}), "ref");
        offer_xml(out, "purchase_order_number", text({"BuyerOrderReferencedDocument", "IssuerAssignedID"}), "text");
        return true;
    }
    if (rn == "Invoice" || rn == "CreditNote") {
        offer_xml(out, "invoice_number", text({"/" + rn, "/ID"}), "text");
        offer_xml(out, "invoice_date", text({"/" + rn, "/IssueDate"}), "date");
        std::string due = text({"/" + rn, "/DueDate"});
        if (due.empty()) due = text({"PaymentMeans", "PaymentDueDate"});
        offer_xml(out, "due_date", due, "date");
        offer_xml(out, "currency", text({"/" + rn, "/DocumentCurrencyCode"}), "text");
        offer_xml(out, "net_amount", text({"LegalMonetaryTotal", "TaxExclusiveAmount"}), "amount");
        offer_xml(out, "tax_amount", text({"/" + rn, "/TaxTotal", "/TaxAmount"}), "amount");
        offer_xml(out, "total_amount", text({"LegalMonetaryTotal", "TaxInclusiveAmount"}), "amount");
        offer_xml(out, "amount_due", text({"LegalMonetaryTotal", "PayableAmount"}), "amount");
        adj.prepaid = xml_micro(text({"LegalMonetaryTotal", "PrepaidAmount"}));
        adj.rounding = xml_micro(text({"LegalMonetaryTotal", "PayableRoundingAmount"}));
        std::string vendor = text({"AccountingSupplierParty", "PartyLegalEntity", "RegistrationName"});
        if (vendor.empty()) vendor = text({"AccountingSupplierParty", "PartyName", "Name"});
        offer_xml(out, "vendor_name", vendor, "text");
        offer_xml(out, "vendor_vat_id", text({"AccountingSupplierParty", "PartyTaxScheme", "CompanyID"}), "vat");
        offer_xml(out, "customer_vat_id", text({"AccountingCustomerParty", "PartyTaxScheme", "CompanyID"}), "vat");
        offer_xml(out, "iban", text({"PayeeFinancialAccount", "/ID"}), "iban");
        offer_xml(out, "bic", text({"PayeeFinancialAccount", "FinancialInstitutionBranch", "/ID"}), "bic");
        offer_xml(out, "payment_reference", text({"PaymentMeans", "PaymentID"}), "ref");
        offer_xml(out, "purchase_order_number", text({"OrderReference", "/ID"}), "text");
        return true;
    }
    return false;
}

// ---------------------------------------------------------------- labels in text

struct Label {
    const char *text;       // ASCII lower case (UTF-8 as printed for accented letters)
    double weight = 1.0;    // generic labels ("date") are weaker
};

// Position of a label in a line at word boundaries; npos if absent.
std::size_t find_label(const Line &l, std::string_view label, std::size_t from = 0) {
    std::size_t p = from;
    while ((p = l.lower.find(label, p)) != std::string::npos) {
        bool left = p == 0 || !wordish(l.lower[p - 1]);
        std::size_t e = p + label.size();
        bool right = e >= l.lower.size() || !is_alpha(l.lower[e]) || !is_alpha(label.back());
        if (left && right) return p;
        ++p;
    }
    return std::string::npos;
}

std::optional<std::array<double, 4>> bbox_of(const Line &l, std::size_t begin, std::size_t end) {
    std::optional<std::array<double, 4>> box;
    for (const auto &w : l.words) {
        if (!w.has_box || w.end <= begin || w.begin >= end) continue;
        if (!box) box = std::array<double, 4>{w.box[0], w.box[1], w.box[2], w.box[3]};
        else {
            (*box)[0] = std::min((*box)[0], w.box[0]);
            (*box)[1] = std::min((*box)[1], w.box[1]);
            (*box)[2] = std::max((*box)[2], w.box[2]);
            (*box)[3] = std::max((*box)[3], w.box[3]);
        }
    }
    return box;
}

struct Token {
    std::size_t begin, end;
};

std::vector<Token> tokens(std::string_view s, std::size_t from, std::size_t max = 24) {
    std::vector<Token> out;
    std::size_t i = from;
    while (i < s.size() && out.size() < max) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        if (i >= s.size()) break;
        std::size_t b = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        out.push_back({b, i});
    }
    return out;
}

// A found value: text range in a line.
struct Hit {
    const Line *line = nullptr;
    std::size_t begin = 0, end = 0;
    std::string value;     // normalised
    std::string currency;  // amounts
    double grade = 0;      // kSameLine / kBelow
};

enum class Kind { identifier, date, amount, iban, bic, reference, name };

// Skips separators and filler words ("Nr.", "No", "number", "n°", ":", "#") after a label.
std::size_t skip_filler(const Line &l, std::size_t p) {
    static const char *const kFiller[] = {"nummer", "number", "numéro", "nr.", "nr", "no.", "no", "n°",
                                          "nº", "num.", "#", ":", "-", "(", ")", "/"};
    for (int round = 0; round < 4; ++round) {
        while (p < l.text.size() && (l.text[p] == ' ' || l.text[p] == ':' || l.text[p] == '.' ||
                                     l.text[p] == '#' || l.text[p] == '\t'))
            ++p;
        bool any = false;
        for (const char *f : kFiller) {
            std::string_view fs(f);
            // a '-' before a digit is the value's sign, not a filler
            if (fs == "-" && p + 1 < l.lower.size() && is_digit(l.lower[p + 1])) continue;
            if (l.lower.compare(p, fs.size(), fs) == 0) {
                std::size_t e = p + fs.size();
                if (e < l.lower.size() && is_alnum(l.lower[e]) && is_alpha(fs.back())) continue;
                p = e;
                any = true;
                break;
            }
        }
        if (!any) break;
    }
    while (p < l.text.size() && (l.text[p] == ' ' || l.text[p] == ':' || l.text[p] == '#')) ++p;
    return p;
}

bool is_percent_at(const Line &l, const std::vector<Token> &t, std::size_t i, std::size_t span) {
    const Token &last = t[i + span - 1];
    if (l.text[last.end - 1] == '%') return true;
    return i + span < t.size() && l.text[t[i + span].begin] == '%';
}

// Parses a value of `kind` from line l starting at byte `from`; `whole` requires the value to be
// the rest of the line (values below a label without word boxes).
std::optional<Hit> value_at(const Line &l, std::size_t from, Kind kind, Locale loc, bool whole,
                            std::size_t until = std::string::npos) {
    std::string_view s(l.text);
    if (until < s.size()) s = s.substr(0, until);
    auto t = tokens(s, from);
    if (t.empty()) return std::nullopt;
    Hit h;
    h.line = &l;
    auto join = [&](std::size_t i, std::size_t span) {
        return std::string(s.substr(t[i].begin, t[i + span - 1].end - t[i].begin));
    };
    auto trim_punct = [](std::string v) {
        while (!v.empty() && (v.back() == ',' || v.back() == ';' || v.back() == '.' || v.back() == ')'))
            v.pop_back();
        return v;
    };
    switch (kind) {
    case Kind::identifier: {
        std::string v = trim_punct(join(0, 1));
        if (v.empty() || v.size() > 40 || std::none_of(v.begin(), v.end(), is_digit)) return std::nullopt;
        if (whole && t.size() != 1) return std::nullopt;
        if (parse_date(v)) return std::nullopt;  // a date, not a number
        h.begin = t[0].begin;
        h.end = t[0].begin + v.size();
        h.value = v;
        return h;
    }
    case Kind::name: {
        std::string v = collapse_ws(s.substr(t[0].begin));
        if (v.empty() || v.size() > 200) return std::nullopt;
        h.begin = t[0].begin;
        h.end = s.size();
        h.value = v;
        return h;
    }
    case Kind::date: {
        for (std::size_t span = std::min<std::size_t>(4, t.size()); span >= 1; --span) {
            if (whole && span != t.size()) continue;
            auto d = parse_date(trim_punct(join(0, span)), loc);
            if (d) {
                h.begin = t[0].begin;
                h.end = t[span - 1].end;
                h.value = *d;
                return h;
            }
        }
        return std::nullopt;
    }
    case Kind::amount: {
        // the last amount after the label, not a percentage
        std::optional<Hit> last;
        for (std::size_t i = 0; i < t.size();) {
            bool found = false;
            for (std::size_t span = std::min<std::size_t>(3, t.size() - i); span >= 1; --span) {
                if (whole && (i != 0 || span != t.size())) continue;
                auto a = parse_amount(trim_punct(join(i, span)), loc);
                if (!a) continue;
                if (is_percent_at(l, t, i, span)) continue;
                Hit x = h;
                x.begin = t[i].begin;
                x.end = t[i + span - 1].end;
                x.value = a->value;
                x.currency = a->currency;
                // a currency code in the next token ("1.000,00 EUR" read as two spans)
                if (x.currency.empty() && i + span < t.size()) {
                    std::string cur = currency_code(join(i + span, 1));
                    if (!cur.empty()) x.currency = cur;
                }
                last = x;
                i += span;
                found = true;
                break;
            }
            if (!found) ++i;
        }
        return last;
    }
    case Kind::iban: {
        std::size_t i = 0;
        while (i < t.size()) {
            std::string first = compact_identifier(join(i, 1));
            if (first.size() >= 4 && is_alpha(first[0]) && is_alpha(first[1]) && is_digit(first[2]) &&
                is_digit(first[3]))
                break;
            ++i;
        }
        if (i >= t.size()) return std::nullopt;
        std::string acc;
        const int want = iban_length(compact_identifier(join(i, 1)).substr(0, 2));
        std::size_t j = i;
        for (; j < t.size(); ++j) {
            std::string part = compact_identifier(join(j, 1));
            if (part.empty() || !std::all_of(part.begin(), part.end(), is_alnum)) break;
            if (want > 0 && static_cast<int>(acc.size() + part.size()) > want) break;
            acc += part;
            if (acc.size() >= 34 || (want > 0 && static_cast<int>(acc.size()) == want)) { ++j; break; }
        }
        if (acc.size() < 15) return std::nullopt;
        h.begin = t[i].begin;
        h.end = t[j - 1].end;
        h.value = acc;
        return h;
    }
    case Kind::bic: {
        std::string v = compact_identifier(trim_punct(join(0, 1)));
        if (!bic_valid(v)) return std::nullopt;
        h.begin = t[0].begin;
        h.end = t[0].end;
        h.value = v;
        return h;
    }
    case Kind::reference: {
        std::string first = compact_identifier(join(0, 1));
        if (first.size() >= 4 && first.compare(0, 2, "RF") == 0) {
            std::string acc;
            std::size_t j = 0;
            for (; j < t.size() && acc.size() < 25; ++j) {
                std::string part = compact_identifier(join(j, 1));
                if (part.empty() || !std::all_of(part.begin(), part.end(), is_alnum)) break;
                acc += part;
                if (rf_valid(acc)) { ++j; break; }
            }
            h.begin = t[0].begin;
            h.end = t[j - 1].end;
            h.value = acc;
            return h;
        }
        std::string v = trim_punct(join(0, 1));
        if (v.empty() || v.size() > 40 || std::none_of(v.begin(), v.end(), is_digit)) return std::nullopt;
        h.begin = t[0].begin;
        h.end = t[0].begin + v.size();
        h.value = v;
        return h;
    }
    }
    return std::nullopt;
}

// The line below `idx` on the same page: with word boxes, only its words under the label's
// horizontal extent; without, the whole line.
std::optional<Hit> value_below(const std::vector<Line> &lines, std::size_t idx, std::size_t label_begin,
                               std::size_t label_end, Kind kind, Locale loc, bool boxes_only = false) {
    if (idx + 1 >= lines.size() || lines[idx + 1].page != lines[idx].page) return std::nullopt;
    const Line &l = lines[idx];
    const Line &n = lines[idx + 1];
    auto lb = bbox_of(l, label_begin, label_end);
    if (lb && !n.words.empty()) {
        // the words of the next line overlapping the label (extended to the right by its width)
        const double x0 = (*lb)[0], x1 = (*lb)[2] + ((*lb)[2] - (*lb)[0]);
        std::size_t b = std::string::npos, e = 0;
        for (const auto &w : n.words) {
            if (!w.has_box || w.box[2] < x0 || w.box[0] > x1) continue;
            b = std::min(b, w.begin);
            e = std::max(e, w.end);
        }
        if (b == std::string::npos) return std::nullopt;
        auto h = value_at(n, b, kind, loc, false, e);
        if (h) h->grade = kBelow;
        return h;
    }
    if (boxes_only) return std::nullopt;
    auto h = value_at(n, 0, kind, loc, kind != Kind::name);
    if (h) h->grade = kBelow;
    return h;
}

// OCR reads a column of labels and the column of their values as separate lines: the value of a
// label that ends its line is then on another line of the page, at the label's height, to its
// right (the nearest such words whose vertical centre lies within the label's box).
std::optional<Hit> value_right(const std::vector<Line> &lines, std::size_t idx, std::size_t label_begin,
                               std::size_t label_end, Kind kind, Locale loc) {
    const Line &l = lines[idx];
    auto lb = bbox_of(l, label_begin, label_end);
    if (!lb) return std::nullopt;
    std::optional<Hit> best;
    double best_x = 0;
    for (std::size_t k = idx > 200 ? idx - 200 : 0; k < lines.size() && k < idx + 200; ++k) {
        const Line &n = lines[k];
        if (k == idx || n.page != l.page) continue;
        std::size_t b = std::string::npos, e = 0;
        double x0 = 0;
        for (const auto &w : n.words) {
            const double cy = (w.box[1] + w.box[3]) / 2;
            if (!w.has_box || cy < (*lb)[1] || cy > (*lb)[3] || w.box[0] < (*lb)[2]) continue;
            if (b == std::string::npos) x0 = w.box[0];
            b = std::min(b, w.begin);
            e = std::max(e, w.end);
        }
        if (b == std::string::npos || (best && x0 >= best_x)) continue;
        if (auto h = value_at(n, b, kind, loc, false, e)) {
            best = h;
            best_x = x0;
        }
    }
    return best;
}

// The first value found next to one of the labels, label order first, then document order.
std::optional<Hit> find_labelled(const std::vector<Line> &lines, const std::vector<Label> &labels,
                                 Kind kind, Locale loc,
                                 const std::vector<const char *> &line_excludes = {}) {
    int right_budget = 50;
    for (const auto &lab : labels) {
        for (std::size_t i = 0; i < lines.size(); ++i) {
            const Line &l = lines[i];
            std::size_t p = find_label(l, lab.text);
            if (p == std::string::npos) continue;
            bool excluded = false;
            for (const char *x : line_excludes)
                if (find_label(l, x) != std::string::npos) excluded = true;
            if (excluded) continue;
            std::size_t after = skip_filler(l, p + std::string_view(lab.text).size());
            auto h = value_at(l, after, kind, loc, false);
            if (h) {
                h->grade = kSameLine * lab.weight;
            } else {
                // the value in another OCR line at the label's height, else below it (with word
                // boxes only when the label's line goes on: "Rechnungsnummer: Rechnungsdatum:")
                const std::size_t label_end = p + std::string_view(lab.text).size();
                const bool line_ends = after >= l.text.size();
                // (a bounded number of such searches per field: hostile pages repeat labels)
                if (right_budget > 0 && (--right_budget, h = value_right(lines, i, p, label_end, kind, loc)))
                    h->grade = kSameLine * lab.weight;
                else if ((line_ends || !l.words.empty()) &&
                         (h = value_below(lines, i, p, label_end, kind, loc, !line_ends)))
                    h->grade *= lab.weight;
            }
            if (h) return h;
        }
    }
    return std::nullopt;
}

Candidate text_candidate(const Hit &h, json value, double confidence) {
    Candidate c;
    c.value = std::move(value);
    c.confidence = confidence;
    c.page = h.line->page;
    c.bbox = bbox_of(*h.line, h.begin, h.end);
    c.source = h.line->ocr ? "ocr" : "text";
    return c;
}

// ---------------------------------------------------------------- label lists

const std::vector<Label> kInvoiceNumber = {
    {"rechnungsnummer"}, {"rechnungs-nr"}, {"rechnung-nr"}, {"rechnung nr"}, {"rechnung"},
    {"invoice number"}, {"invoice no"}, {"invoice #"}, {"invoice"},
    {"numéro de facture"}, {"n° de facture"}, {"facture n°"}, {"facture no"}, {"facture"},
    {"factuurnummer"}, {"factuur nr"}, {"factuur"}};
const std::vector<Label> kInvoiceDate = {
    {"rechnungsdatum"}, {"invoice date"}, {"date of invoice"}, {"date de facture"},
    {"date de la facture"}, {"date d'émission"}, {"factuurdatum"}, {"datum", 0.8}, {"date", 0.8}};
const std::vector<Label> kDueDate = {
    {"fälligkeitsdatum"}, {"fällig am"}, {"fällig bis"}, {"fallig am"}, {"zahlbar bis"}, {"zahlungsziel"},
    {"due date"}, {"payment due"}, {"due by"}, {"date d'échéance"}, {"échéance"}, {"payable avant"},
    {"vervaldatum"}, {"uiterste betaaldatum"}, {"te betalen voor"}};
const std::vector<Label> kNet = {
    {"nettobetrag"}, {"summe netto"}, {"netto"}, {"zwischensumme"}, {"net amount"}, {"net total"},
    {"total net"}, {"subtotal"}, {"sub-total"}, {"total excl"}, {"total ht"}, {"montant ht"},
    {"sous-total"}, {"totaal excl"}, {"subtotaal"}, {"netto bedrag"}};
const std::vector<Label> kTax = {
    {"mehrwertsteuer"}, {"umsatzsteuer"}, {"mwst"}, {"ust"}, {"vat amount"}, {"total vat"}, {"vat"},
    {"sales tax"}, {"tax"}, {"montant tva"}, {"total tva"}, {"tva"}, {"btw-bedrag"}, {"btw"}};
const std::vector<const char *> kTaxExcludes = {
    "ust-idnr", "ust-id", "ust id", "ustid", "ust-idnr.", "idnr", "vat id", "vat no", "vat number",
    "vat reg", "vat registration", "n° tva", "tva intracommunautaire", "numéro de tva", "btw-nummer",
    "btw nr", "btw-nr", "btw nummer", "inkl", "incl", "ttc", "einschl", "steuernummer", "tax id",
    "tax number", "netto", "nettobetrag", "subtotal"};
const std::vector<Label> kTotal = {
    {"gesamtbetrag"}, {"rechnungsbetrag"}, {"bruttobetrag"}, {"gesamtsumme"}, {"summe brutto"},
    {"brutto"}, {"total amount"}, {"invoice total"}, {"grand total"}, {"total due", 0.9},
    {"total ttc"}, {"montant ttc"}, {"totaal incl"}, {"totaalbedrag"}, {"totaal"}, {"gesamt"},
    {"total"}, {"summe", 0.9}};
const std::vector<const char *> kTotalExcludes = {
    "subtotal", "sub-total", "total ht", "total net", "net total", "total excl", "totaal excl",
    "total tva", "total vat", "sous-total", "zwischensumme", "summe netto"};
const std::vector<Label> kDue = {
    {"amount due"}, {"balance due"}, {"amount payable"}, {"zahlbetrag"}, {"zu zahlen"},
    {"offener betrag"}, {"net à payer"}, {"montant dû"}, {"reste à payer"}, {"te betalen"},
    {"openstaand bedrag"}};
const std::vector<Label> kPrepaid = {
    {"bereits gezahlt"}, {"bereits bezahlt"}, {"geleistete anzahlung"}, {"anzahlung"},
    {"abschlagszahlung"}, {"prepaid amount"}, {"prepaid"}, {"prepayment"}, {"amount paid"},
    {"paid amount"}, {"less paid"}, {"acompte versé"}, {"acompte"}, {"déjà payé"}, {"déjà réglé"},
    {"aanbetaling"}, {"reeds betaald"}, {"vooruitbetaald"}};
const std::vector<Label> kRounding = {
    {"rundungsbetrag"}, {"rundung"}, {"rounding amount"}, {"rounding"}, {"arrondi"}, {"afronding"}};
const std::vector<Label> kIban = {{"iban"}};
const std::vector<Label> kBic = {{"bic/swift"}, {"swift/bic"}, {"bic"}, {"swift"}};
const std::vector<Label> kReference = {
    {"zahlungsreferenz"}, {"verwendungszweck"}, {"payment reference"}, {"référence de paiement"},
    {"référence"}, {"betalingskenmerk"}, {"kenmerk"}, {"creditor reference"}, {"reference", 0.9}};
const std::vector<Label> kPurchaseOrder = {
    {"purchase order"}, {"po number"}, {"p.o."}, {"po"}, {"bestellnummer"}, {"bestell-nr"},
    {"ihre bestellung"}, {"auftragsnummer"}, {"bon de commande"}, {"commande n°"}, {"commande"},
    {"inkoopordernummer"}, {"bestelnummer"}, {"order number"}, {"order no"}};
const std::vector<const char *> kCustomerMarks = {
    "kunde", "kunden", "customer", "client", "klant", "ihre ust", "your vat", "buyer", "acheteur",
    "bill to", "rechnungsempfänger", "afnemer"};
const std::vector<const char *> kVatLabels = {
    "ust-idnr", "ust-id", "ust id", "ustid", "vat", "tva", "btw", "uid", "mwst-nr", "vat reg",
    "identification", "steuer-nr", "p.iva", "nif", "cif"};

// ---------------------------------------------------------------- locale

Locale document_locale(const json &result, const std::vector<Line> &lines) {
    if (const json *pages = member(result, "pages"); pages && pages->is_array()) {
        std::size_t n = 0;
        for (const auto &p : *pages) {
            if (++n > 20) break;
            const json *lang = member(p, "language");
            Locale l = locale_from_language(string_of(member(lang ? *lang : json(), "code")));
            if (l != Locale::unknown) return l;
        }
    }
    int de = 0, fr = 0, nl = 0, en = 0;
    for (std::size_t i = 0; i < lines.size() && i < 400; ++i) {
        const auto &s = lines[i].lower;
        for (const char *k : {"rechnung", "mwst", "betrag", "datum", "summe", "ust", "fällig", "kontoauszug"})
            if (find_label(lines[i], k) != std::string::npos || s.find(k) != std::string::npos) ++de;
        for (const char *k : {"facture", "tva", "montant", "ttc", "échéance", "relevé", "total ht"})
            if (s.find(k) != std::string::npos) ++fr;
        for (const char *k : {"factuur", "btw", "bedrag", "totaal", "rekening", "datum"})
            if (s.find(k) != std::string::npos) ++nl;
        for (const char *k : {"invoice", "amount", "total", "date", "statement", "receipt", "due"})
            if (find_label(lines[i], k) != std::string::npos) ++en;
    }
    int best = std::max({de, fr, nl, en});
    if (best == 0) return Locale::unknown;
    if (de == best) return Locale::de;
    if (fr == best) return Locale::fr;
    if (nl == best) return Locale::nl;
    return Locale::en;
}

// ---------------------------------------------------------------- invoices

void offer_hit_amount(Candidates &out, const char *name, const std::optional<Hit> &h) {
    if (!h) return;
    offer(out, name, text_candidate(*h, amount_json(h->value), h->grade));
}

void apply_totals_check(Candidates &out, const DueAdjustments &adj = {}) {
    // EN 16931 BR-CO-15 (net + VAT = total) and BR-CO-16 (due = total - prepaid + rounding).
    // Only within one source: a 1.0 payload value is not re-graded.
    auto get = [&](const char *n) -> Candidate * {
        auto it = out.find(n);
        return it == out.end() ? nullptr : &it->second;
    };
    Candidate *net = get("net_amount"), *tax = get("tax_amount"), *total = get("total_amount"),
              *due = get("amount_due");
    auto regrade = [](Candidate *c, bool ok, const char *check, double conf_ok) {
        if (!c) return;
        add_check(*c, check, ok);
        if (c->confidence >= kIntegrity && ok) return;
        if (ok) c->confidence = std::max(c->confidence, conf_ok);
        else c->confidence = std::min(c->confidence, kContradiction);
    };
    bool total_confirmed = false;
    if (net && tax && total) {
        auto n = micro_of(*net), t = micro_of(*tax), g = micro_of(*total);
        if (n && t && g) {
            bool ok = std::llabs(*n + *t - *g) <= 5000;  // half a cent
            regrade(net, ok, "en16931_br_co_15", kConfirmed);
            regrade(tax, ok, "en16931_br_co_15", kConfirmed);
            regrade(total, ok, "en16931_br_co_15", kConfirmed);
            total_confirmed = ok;
        }
    }
    if (!total || !due) return;
    auto g = micro_of(*total), d = micro_of(*due);
    if (!g || !d) return;
    const std::int64_t rounding = adj.rounding.value_or(0);
    // a prepaid amount is subtracted whatever sign it is printed with
    const std::int64_t prepaid = adj.prepaid ? std::llabs(*adj.prepaid) : 0;
    const bool exact = std::llabs(*g - prepaid + rounding - *d) <= 5000;
    // Without a prepaid amount read, a due amount below the total may be a prepayment we did not
    // find: only a due amount above the total contradicts it.
    const bool ok = exact || (!adj.prepaid && *d <= *g + rounding + 5000);
    if (!ok) {
        // a total that net + VAT confirm stays: the due amount (or the prepaid) is the misread
        if (!total_confirmed) regrade(total, false, "en16931_br_co_16", 0);
        regrade(due, false, "en16931_br_co_16", 0);
    } else if (exact) {
        // the due amount follows from a total that was itself confirmed
        double conf = total->confidence >= 0.95 ? kConfirmed : due->confidence;
        regrade(due, true, "en16931_br_co_16", conf);
    }
}

bool qty_price_amount(const std::string &q, const std::string &p, const std::string &a) {
    auto mq = micro(q), mp = micro(p), ma = micro(a);
    return mq && mp && ma && std::llabs(*mq / 1000 * (*mp / 1000) - *ma) <= 5000;
}

// "1 390,56" with a space (or a no-break space the text layer split) as the grouping separator
// reads as two numbers, as does "3 118,71" (a quantity and a price): of the ways to join a 1-3
// digit token with a following "ddd,dd" one, the one where quantity x unit price = amount is kept.
void regroup_spaced_numbers(const Line &l, const std::vector<Token> &t,
                            std::vector<std::pair<std::size_t, std::string>> &nums, Locale loc) {
    const std::size_t n = nums.size();
    if (n < 3 || n > 6) return;
    // three numbers that agree need no join; more than three may be fewer numbers with spaces
    if (n == 3 && qty_price_amount(nums[0].second, nums[1].second, nums[2].second)) return;
    auto raw = [&](std::size_t i) { return l.text.substr(t[nums[i].first].begin, t[nums[i].first].end - t[nums[i].first].begin); };
    auto joinable = [&](std::size_t i) {  // nums[i] and nums[i + 1]
        const std::string a = raw(i), b = raw(i + 1);
        return a.size() <= 3 && std::all_of(a.begin(), a.end(), is_digit) && b.size() >= 4 &&
               std::all_of(b.begin(), b.begin() + 3, is_digit) && (b[3] == ',' || b[3] == '.');
    };
    // every subset of joins (at most 5 places), fewest joins first
    for (int joins = 1; joins <= 2; ++joins)
        for (unsigned mask = 1; mask < (1u << (n - 1)); ++mask) {
            if (__builtin_popcount(mask) != joins || (mask & (mask << 1))) continue;
            std::vector<std::pair<std::size_t, std::string>> out;
            bool ok = true;
            for (std::size_t i = 0; i < n && ok; ++i) {
                if (mask & (1u << i)) {
                    if (!joinable(i)) { ok = false; break; }
                    auto a = parse_amount(raw(i) + " " + raw(i + 1), loc, 0);
                    if (!a) { ok = false; break; }
                    out.push_back({nums[i].first, a->value});
                    ++i;
                } else {
                    out.push_back(nums[i]);
                }
            }
            const std::size_t m = out.size();
            if (ok && m == 3 && qty_price_amount(out[0].second, out[1].second, out[2].second)) {
                nums = std::move(out);
                return;
            }
        }
}

// Line items: lines below a table header with a description and at least two amounts whose
// last one is the line amount (quantity x unit price = amount when three numbers are read).
json find_line_items(const std::vector<Line> &lines, Locale loc, std::int64_t &sum, bool &all_checked) {
    json items = json::array();
    sum = 0;
    all_checked = true;
    static const char *const kHeader[] = {"beschreibung", "bezeichnung", "artikel", "description", "désignation",
                                          "omschrijving", "item"};
    static const char *const kStop[] = {"summe", "total", "netto", "zwischensumme", "subtotal", "totaal",
                                        "gesamt", "mwst", "vat", "tva", "btw", "montant", "nettobetrag",
                                        "gesamtbetrag", "rechnungsbetrag", "subtotaal", "sous-total", "iban",
                                        "bic", "anzahlung", "acompte", "aanbetaling", "zahlbetrag"};
    std::size_t start = lines.size();
    for (std::size_t i = 0; i < lines.size(); ++i) {
        for (const char *h : kHeader)
            if (find_label(lines[i], h) != std::string::npos) { start = i + 1; break; }
        if (start != lines.size()) break;
    }
    for (std::size_t i = start; i < lines.size() && items.size() < 200; ++i) {
        const Line &l = lines[i];
        bool stop = false;
        for (const char *s : kStop)
            if (find_label(l, s) != std::string::npos) stop = true;
        if (stop) break;
        auto t = tokens(l.text, 0, 40);
        // numbers at the end of the line
        std::vector<std::pair<std::size_t, std::string>> nums;  // token index, decimal
        std::size_t k = t.size();
        while (k > 0) {
            std::string tok = l.text.substr(t[k - 1].begin, t[k - 1].end - t[k - 1].begin);
            if (!currency_code(tok).empty() || tok == "x" || tok == "×") { --k; continue; }
            auto a = parse_amount(tok, loc, 0);
            if (!a) break;
            nums.insert(nums.begin(), {k - 1, a->value});
            --k;
        }
        regroup_spaced_numbers(l, t, nums, loc);
        if (nums.size() < 2 || k == 0) continue;
        std::size_t desc_begin = 0;
        // a leading position number
        if (t.size() > 1 && std::all_of(l.text.begin() + static_cast<long>(t[0].begin),
                                        l.text.begin() + static_cast<long>(t[0].end), is_digit) &&
            nums.front().first > 0)
            desc_begin = 1;
        if (desc_begin >= k) continue;
        std::string desc = collapse_ws(l.text.substr(t[desc_begin].begin, t[k - 1].end - t[desc_begin].begin));
        if (desc.empty() || std::none_of(desc.begin(), desc.end(), is_alpha)) continue;
        auto amount = micro(nums.back().second);
        if (!amount) continue;
        json item = {{"description", desc}, {"amount", amount_json(nums.back().second)}};
        if (nums.size() >= 3) {
            auto q = micro(nums[nums.size() - 3].second), p = micro(nums[nums.size() - 2].second);
            item["quantity"] = amount_json(nums[nums.size() - 3].second);
            item["unit_price"] = amount_json(nums[nums.size() - 2].second);
            if (!q || !p || std::llabs(*q / 1000 * (*p / 1000) - *amount) > 5000) all_checked = false;
        } else {
            item["unit_price"] = amount_json(nums[nums.size() - 2].second);
        }
        sum += *amount;
        items.push_back(std::move(item));
    }
    return items;
}

void extract_invoice_text(const std::vector<Line> &lines, Locale loc, Candidates &out) {
    if (auto h = find_labelled(lines, kInvoiceNumber, Kind::identifier, loc))
        offer(out, "invoice_number", text_candidate(*h, h->value, std::min(h->grade, 0.85)));
    static const std::vector<const char *> kNotInvoiceDate = {
        "due", "fällig", "zahlbar", "échéance", "vervaldatum", "liefer", "lieferdatum", "delivery",
        "livraison", "leverdatum", "order date", "bestelldatum", "leistungsdatum", "period", "zeitraum"};
    if (auto h = find_labelled(lines, kInvoiceDate, Kind::date, loc, kNotInvoiceDate)) {
        auto c = text_candidate(*h, h->value, h->grade);
        add_check(c, kDateExists, true);
        offer(out, "invoice_date", std::move(c));
    }
    if (auto h = find_labelled(lines, kDueDate, Kind::date, loc)) {
        auto c = text_candidate(*h, h->value, h->grade);
        add_check(c, kDateExists, true);
        auto inv = out.find("invoice_date");
        if (inv != out.end() && inv->second.value.is_string() &&
            h->value < inv->second.value.get<std::string>()) {
            add_check(c, "due_date_after_invoice_date", false);
            c.confidence = std::min(c.confidence, kContradiction);
        }
        offer(out, "due_date", std::move(c));
    }
    auto net = find_labelled(lines, kNet, Kind::amount, loc);
    auto tax = find_labelled(lines, kTax, Kind::amount, loc, kTaxExcludes);
    auto total = find_labelled(lines, kTotal, Kind::amount, loc, kTotalExcludes);
    auto due = find_labelled(lines, kDue, Kind::amount, loc);
    // the same printed number cannot be two different totals
    if (total && net && total->line == net->line && total->begin == net->begin) total.reset();
    Candidates amounts;
    offer_hit_amount(amounts, "net_amount", net);
    offer_hit_amount(amounts, "tax_amount", tax);
    offer_hit_amount(amounts, "total_amount", total);
    offer_hit_amount(amounts, "amount_due", due);
    // line items, BR-CO-10
    std::int64_t sum = 0;
    bool items_checked = true;
    json items = find_line_items(lines, loc, sum, items_checked);
    if (!items.empty()) {
        Candidate c;
        c.value = items;
        c.source = lines.front().ocr ? "ocr" : "text";
        c.confidence = 0.6;
        auto it = amounts.find("net_amount");
        if (it != amounts.end()) {
            auto n = micro_of(it->second);
            bool ok = n && std::llabs(*n - sum) <= 5000;
            add_check(c, "en16931_br_co_10", ok);
            add_check(it->second, "en16931_br_co_10", ok);
            if (ok) {
                c.confidence = items_checked ? 0.9 : 0.8;
                it->second.confidence = std::max(it->second.confidence, kConfirmed);
            } else {
                c.confidence = kContradiction;
            }
        }
        offer(out, "line_items", std::move(c));
    }
    DueAdjustments adj;
    if (auto p = find_labelled(lines, kPrepaid, Kind::amount, loc)) adj.prepaid = micro(p->value);
    if (auto r = find_labelled(lines, kRounding, Kind::amount, loc)) adj.rounding = micro(r->value);
    apply_totals_check(amounts, adj);
    // A "total" label that is the net (no tax line) is left as found.
    for (auto &[name, c] : amounts) offer(out, name, std::move(c));
    // currency: of the totals, else a code in the text
    std::string cur;
    for (const auto *h : {&total, &net, &due, &tax})
        if (*h && !(*h)->currency.empty()) { cur = (*h)->currency; break; }
    if (!cur.empty()) {
        Candidate c;
        c.value = cur;
        c.confidence = kSameLine;
        c.source = lines.front().ocr ? "ocr" : "text";
        const Hit &h = total ? *total : net ? *net : due ? *due : *tax;
        c.page = h.line->page;
        c.bbox = bbox_of(*h.line, h.begin, h.end);
        offer(out, "currency", std::move(c));
    }
    if (auto h = find_labelled(lines, kPurchaseOrder, Kind::identifier, loc))
        offer(out, "purchase_order_number", text_candidate(*h, h->value, std::min(h->grade, 0.75)));
    // vendor name: the first line of page 1 that is not a document title
    for (std::size_t i = 0; i < lines.size() && i < 5 && lines[i].page == lines.front().page; ++i) {
        const Line &l = lines[i];
        bool title = false;
        for (const char *k : {"rechnung", "invoice", "facture", "factuur", "seite", "page"})
            if (find_label(l, k) != std::string::npos) title = true;
        if (title || std::none_of(l.text.begin(), l.text.end(), is_alpha)) continue;
        Hit h;
        h.line = &l;
        h.begin = 0;
        h.end = l.text.size();
        offer(out, "vendor_name", text_candidate(h, collapse_ws(l.text), 0.5 - 0.01));
        break;
    }
}

// IBAN, BIC, payment reference and VAT ids: identifiers with checks (invoices, statements).
void extract_identifiers(const std::vector<Line> &lines, Locale loc, Candidates &out, bool vat_ids,
                         const Entities &entities) {
    if (auto h = find_labelled(lines, kIban, Kind::iban, loc)) {
        bool ok = iban_valid(h->value);
        auto c = text_candidate(*h, h->value, ok ? kConfirmed : kFailed);
        add_check(c, "iban_mod97", ok);
        offer(out, "iban", std::move(c));
    } else {
        // an IBAN without a label (the entities validated it): checksum only
        if (!entities.ibans.empty()) {
            const std::string &iban = entities.ibans.front();
            for (const auto &l : lines) {
                std::string compact;
                for (char ch : l.text)
                    if (ch != ' ') compact += ch;
                if (compact.find(iban) == std::string::npos) continue;
                Hit h;
                h.line = &l;
                h.begin = 0;
                h.end = l.text.size();
                auto c = text_candidate(h, iban, 0.85);
                add_check(c, "iban_mod97", true);
                offer(out, "iban", std::move(c));
                break;
            }
        }
    }
    if (auto h = find_labelled(lines, kBic, Kind::bic, loc)) {
        auto c = text_candidate(*h, h->value, std::min(h->grade, 0.8));
        add_check(c, "bic_format", true);
        offer(out, "bic", std::move(c));
    }
    if (auto h = find_labelled(lines, kReference, Kind::reference, loc)) {
        auto c = text_candidate(*h, h->value, std::min(h->grade, 0.7));
        if (h->value.compare(0, 2, "RF") == 0) {
            bool ok = rf_valid(h->value);
            add_check(c, "rf_mod97", ok);
            c.confidence = ok ? kConfirmed : kFailed;
        }
        offer(out, "payment_reference", std::move(c));
    }
    if (!vat_ids) return;
    bool vendor_done = false, customer_done = false;
    std::size_t looked_at = 0;
    for (const auto &l : lines) {
        if ((vendor_done && customer_done) || looked_at > 500) break;
        bool labelled = false;
        for (const char *k : kVatLabels)
            if (find_label(l, k) != std::string::npos) labelled = true;
        if (!labelled) continue;
        ++looked_at;
        auto e = find_entities(l.text, {loc, "", 4});
        if (e.vat_ids.empty()) continue;
        bool customer = false;
        for (const char *k : kCustomerMarks)
            if (l.lower.find(k) != std::string::npos) customer = true;
        const std::string &v = e.vat_ids.front();
        Hit h;
        h.line = &l;
        // locate the id's first characters for the box
        std::size_t pos = l.text.find(v.substr(0, 2));
        h.begin = pos == std::string::npos ? 0 : pos;
        h.end = pos == std::string::npos ? l.text.size() : std::min(l.text.size(), pos + v.size() + 4);
        const bool checksum = vat_id_check(v) == VatCheck::checksum;
        // the role (vendor or customer) is read from the layout: below 0.95 even with a checksum
        auto c = text_candidate(h, v, checksum ? 0.9 : 0.75);
        add_check(c, checksum ? "vat_id_checksum" : "vat_id_format", true);
        if (customer && !customer_done) {
            offer(out, "customer_vat_id", std::move(c));
            customer_done = true;
        } else if (!customer && !vendor_done) {
            offer(out, "vendor_vat_id", std::move(c));
            vendor_done = true;
        }
    }
}

// ---------------------------------------------------------------- receipts

void extract_receipt_text(const std::vector<Line> &lines, Locale loc, Candidates &out) {
    for (std::size_t i = 0; i < lines.size() && i < 5; ++i) {
        const Line &l = lines[i];
        if (std::count_if(l.text.begin(), l.text.end(), is_alpha) < 2) continue;
        Hit h;
        h.line = &l;
        h.begin = 0;
        h.end = l.text.size();
        offer(out, "merchant_name", text_candidate(h, collapse_ws(l.text), kWeak));
        break;
    }
    bool date_done = false, time_done = false;
    for (const auto &l : lines) {
        if (date_done && time_done) break;
        auto t = tokens(l.text, 0, 40);
        for (std::size_t i = 0; i < t.size(); ++i) {
            std::string tok = l.text.substr(t[i].begin, t[i].end - t[i].begin);
            if (!date_done) {
                if (auto d = parse_date(tok, loc)) {
                    Hit h{&l, t[i].begin, t[i].end, *d, "", 0};
                    auto c = text_candidate(h, *d, 0.7);
                    add_check(c, kDateExists, true);
                    offer(out, "transaction_date", std::move(c));
                    date_done = true;
                    continue;
                }
            }
            if (!time_done && tok.find(':') != std::string::npos) {
                if (auto tm = parse_time(tok)) {
                    Hit h{&l, t[i].begin, t[i].end, *tm, "", 0};
                    offer(out, "transaction_time", text_candidate(h, *tm, 0.7));
                    time_done = true;
                }
            }
        }
    }
    static const std::vector<Label> kReceiptTotal = {
        {"zu zahlen"}, {"gesamtbetrag"}, {"summe"}, {"gesamt"}, {"total ttc"}, {"total"}, {"totaal"},
        {"te betalen"}, {"amount"}, {"betrag", 0.9}};
    auto total = find_labelled(lines, kReceiptTotal, Kind::amount, loc, kTotalExcludes);
    auto tax = find_labelled(lines, kTax, Kind::amount, loc, kTaxExcludes);
    if (total) offer(out, "total_amount", text_candidate(*total, amount_json(total->value), std::min(total->grade, 0.75)));
    if (tax) offer(out, "tax_amount", text_candidate(*tax, amount_json(tax->value), std::min(tax->grade, 0.7)));
    if (total && tax) {
        auto g = micro(total->value), t = micro(tax->value);
        if (g && t && *t > *g) {  // the tax cannot exceed the total
            for (const char *n : {"total_amount", "tax_amount"}) {
                add_check(out[n], "tax_below_total", false);
                out[n].confidence = kContradiction;
            }
        }
    }
    for (const auto *h : {&total, &tax})
        if (*h && !(*h)->currency.empty()) {
            offer(out, "currency", text_candidate(**h, (*h)->currency, 0.75));
            break;
        }
    // the card's last four digits: "**** 1234", "XXXX1234", "xxxx xxxx xxxx 1234"
    for (const auto &l : lines) {
        std::size_t p = 0;
        const std::string &s = l.lower;
        bool found = false;
        while (p < s.size() && !found) {
            if (s[p] != '*' && s[p] != 'x' && s[p] != '#') { ++p; continue; }
            std::size_t q = p;
            int masks = 0;
            while (q < s.size() && (s[q] == '*' || s[q] == 'x' || s[q] == ' ' || s[q] == '#' || s[q] == '-')) {
                if (s[q] == '*' || s[q] == 'x' || s[q] == '#') ++masks;
                ++q;
            }
            if (masks >= 4 && q + 4 <= s.size() && std::all_of(s.begin() + static_cast<long>(q),
                                                                s.begin() + static_cast<long>(q + 4), is_digit) &&
                (q + 4 == s.size() || !is_digit(s[q + 4])) && (p == 0 || !is_alpha(s[p - 1]))) {
                Hit h{&l, q, q + 4, s.substr(q, 4), "", 0};
                offer(out, "card_last4", text_candidate(h, s.substr(q, 4), 0.7));
                found = true;
            }
            p = q > p ? q : p + 1;
        }
        if (found) break;
    }
}

// ---------------------------------------------------------------- bank statements

void extract_statement_text(const std::vector<Line> &lines, Locale loc, Candidates &out) {
    static const std::vector<Label> kHolder = {{"kontoinhaber"}, {"account holder"}, {"account name"},
                                               {"titulaire du compte"}, {"titulaire"}, {"rekeninghouder"},
                                               {"ten name van"}};
    static const std::vector<Label> kOpening = {{"anfangssaldo"}, {"alter kontostand"}, {"alter saldo"},
                                                {"opening balance"}, {"previous balance"}, {"solde initial"},
                                                {"ancien solde"}, {"solde précédent"}, {"beginsaldo"},
                                                {"vorheriger kontostand"}};
    static const std::vector<Label> kClosing = {{"endsaldo"}, {"neuer kontostand"}, {"neuer saldo"},
                                                {"closing balance"}, {"new balance"}, {"solde final"},
                                                {"nouveau solde"}, {"eindsaldo"}, {"nieuw saldo"}};
    static const std::vector<Label> kPeriod = {{"zeitraum"}, {"abrechnungszeitraum"}, {"statement period"},
                                               {"period"}, {"période"}, {"periode"}, {"du"}, {"vom"},
                                               {"from"}, {"van"}};
    if (auto h = find_labelled(lines, kHolder, Kind::name, loc))
        offer(out, "account_holder", text_candidate(*h, h->value, std::min(h->grade, 0.7)));
    // period: two dates on the labelled line
    for (const auto &lab : kPeriod) {
        bool done = false;
        for (const auto &l : lines) {
            std::size_t p = find_label(l, lab.text);
            if (p == std::string::npos) continue;
            auto t = tokens(l.text, p, 40);
            std::vector<Hit> dates;
            for (std::size_t i = 0; i < t.size() && dates.size() < 2; ++i) {
                for (std::size_t span = std::min<std::size_t>(3, t.size() - i); span >= 1; --span) {
                    std::string s = l.text.substr(t[i].begin, t[i + span - 1].end - t[i].begin);
                    while (!s.empty() && (s.back() == ',' || s.back() == '-')) s.pop_back();
                    if (auto d = parse_date(s, loc)) {
                        dates.push_back({&l, t[i].begin, t[i + span - 1].end, *d, "", 0});
                        i += span - 1;
                        break;
                    }
                }
            }
            if (dates.size() == 2) {
                bool ordered = dates[0].value <= dates[1].value;
                auto a = text_candidate(dates[0], dates[0].value, ordered ? kSameLine : kContradiction);
                auto b = text_candidate(dates[1], dates[1].value, ordered ? kSameLine : kContradiction);
                add_check(a, kDateExists, true);
                add_check(b, kDateExists, true);
                if (!ordered) {
                    add_check(a, "period_order", false);
                    add_check(b, "period_order", false);
                }
                offer(out, "period_start", std::move(a));
                offer(out, "period_end", std::move(b));
                done = true;
                break;
            }
        }
        if (done) break;
    }
    auto opening = find_labelled(lines, kOpening, Kind::amount, loc);
    auto closing = find_labelled(lines, kClosing, Kind::amount, loc);
    if (opening) offer(out, "opening_balance", text_candidate(*opening, amount_json(opening->value), opening->grade));
    if (closing) offer(out, "closing_balance", text_candidate(*closing, amount_json(closing->value), closing->grade));
    if (opening && closing) {
        // movements: the last amount of each line between the two balances, or, where the
        // statement prints a running balance, the amount before it
        std::size_t a = static_cast<std::size_t>(opening->line - lines.data());
        std::size_t b = static_cast<std::size_t>(closing->line - lines.data());
        auto signed_at = [&](const Line &l, const Hit &h) -> std::optional<std::int64_t> {
            auto v = micro(h.value);
            if (!v) return std::nullopt;
            // "- 12,50", "12,50 S" (Soll) and "12,50 DR" are debits
            std::string tail = l.lower.substr(h.end);
            std::string head = l.lower.substr(0, h.begin);
            bool debit = (!head.empty() && head.back() == '-') || (head.size() > 1 && head[head.size() - 2] == '-') ||
                         tail.compare(0, 2, " s") == 0 || tail.compare(0, 3, " dr") == 0 ||
                         tail.compare(0, 6, " debit") == 0;
            return debit && *v > 0 ? -*v : *v;
        };
        std::int64_t sum = 0;
        int moves = 0;
        // running balance: every line's balance = the previous one + its movement
        bool running = true;
        auto o = micro(opening->value), c = micro(closing->value);
        std::int64_t balance = o.value_or(0);
        for (std::size_t i = a + 1; i < b && i < lines.size(); ++i) {
            auto h = value_at(lines[i], 0, Kind::amount, loc, false);
            if (!h) continue;
            auto v = signed_at(lines[i], *h);
            if (!v) continue;
            sum += *v;
            ++moves;
            auto before = value_at(lines[i], 0, Kind::amount, loc, false, h->begin);
            auto m = before ? signed_at(lines[i], *before) : std::nullopt;
            if (!m || std::llabs(balance + *m - *v) > 5000) running = false;
            balance = *v;
        }
        if (moves > 0 && o && c) {
            bool ok = std::llabs(*o + sum - *c) <= 5000;
            const bool by_balance = !ok && running && std::llabs(balance - *c) <= 5000;
            ok = ok || by_balance;
            for (const char *n : {"opening_balance", "closing_balance"}) {
                auto &cand = out[n];
                add_check(cand, "balance_movements", ok);
                cand.confidence = ok ? kConfirmed : kContradiction;
            }
        }
    }
    for (const auto *h : {&closing, &opening})
        if (*h && !(*h)->currency.empty()) {
            offer(out, "currency", text_candidate(**h, (*h)->currency, 0.75));
            break;
        }
}

// ---------------------------------------------------------------- type detection

struct Detection {
    std::string type = "other";
    double confidence = 0.3;
};

int keyword_score(const std::vector<Line> &lines, const std::vector<std::pair<const char *, int>> &keys) {
    int score = 0;
    for (const auto &[k, w] : keys) {
        for (std::size_t i = 0; i < lines.size() && i < 2000; ++i)
            if (find_label(lines[i], k) != std::string::npos) {
                score += w;
                break;
            }
    }
    return score;
}

// A value the MRZ took from the printed zone: the zone repeating it confirms nothing more.
bool from_visual_zone(const MrzResult &mrz, const std::string &name) {
    return std::any_of(mrz.corrections.begin(), mrz.corrections.end(), [&](const std::string &c) {
        return c.compare(0, name.size() + 1, name + ":") == 0 && c.find("from the visual zone") != std::string::npos;
    });
}

Detection detect_type(const std::vector<Line> &lines, const std::optional<MrzResult> &mrz,
                      const std::optional<AamvaResult> &aamva, bool payment_qr, bool invoice_xml) {
    if (aamva) return {aamva->subfile_type == "ID" ? "id_document" : "drivers_license", aamva->valid() ? 0.98 : 0.8};
    if (mrz) {
        const auto it = mrz->fields.find("document_code");
        const bool passport = it != mrz->fields.end() && !it->second.value.empty() && it->second.value[0] == 'P';
        return {passport ? "passport" : "id_document", mrz->valid() ? 0.97 : 0.75};
    }
    if (invoice_xml) return {"invoice", 0.99};
    const int invoice = keyword_score(lines, {{"rechnung", 3}, {"invoice", 3}, {"facture", 3}, {"factuur", 3},
                                               {"rechnungsnummer", 2}, {"invoice number", 2}, {"rechnungsdatum", 2},
                                               {"invoice date", 2}, {"factuurnummer", 2}, {"numéro de facture", 2},
                                               {"mwst", 1}, {"ust-idnr", 1}, {"vat", 1}, {"tva", 1}, {"btw", 1},
                                               {"nettobetrag", 1}, {"gesamtbetrag", 1}, {"total ttc", 1},
                                               {"total ht", 1}, {"subtotal", 1}, {"due date", 1}, {"fällig", 1},
                                               {"iban", 1}, {"zahlungsziel", 1}, {"amount due", 1}});
    const int receipt = keyword_score(lines, {{"kassenbon", 3}, {"kassenbeleg", 3}, {"quittung", 3}, {"receipt", 3},
                                               {"ticket de caisse", 3}, {"reçu", 2}, {"kassabon", 3}, {"bon", 1},
                                               {"rückgeld", 2}, {"change", 1}, {"kartenzahlung", 2}, {"bar", 1},
                                               {"visa", 1}, {"mastercard", 1}, {"terminal", 1}, {"ec-karte", 2},
                                               {"girocard", 2}, {"thank you", 1}, {"vielen dank", 1}, {"cash", 1},
                                               {"merci", 1}, {"tse", 1}, {"kasse", 2}});
    const int statement = keyword_score(lines, {{"kontoauszug", 4}, {"relevé de compte", 4}, {"relevé", 2},
                                                 {"rekeningafschrift", 4}, {"bank statement", 4}, {"statement", 2},
                                                 {"account statement", 3}, {"opening balance", 2},
                                                 {"closing balance", 2}, {"anfangssaldo", 2}, {"endsaldo", 2},
                                                 {"alter kontostand", 2}, {"neuer kontostand", 2},
                                                 {"solde initial", 2}, {"nouveau solde", 2}, {"ancien solde", 2},
                                                 {"beginsaldo", 2}, {"eindsaldo", 2}});
    std::vector<std::pair<int, const char *>> scores = {
        {invoice, "invoice"}, {receipt, "receipt"}, {statement, "bank_statement"}};
    std::sort(scores.begin(), scores.end(), [](auto &a, auto &b) { return a.first > b.first; });
    const int best = scores[0].first, second = scores[1].first;
    if (best < 2) {
        if (payment_qr) return {"invoice", 0.6};
        return {"other", best == 0 ? 0.5 : 0.4};
    }
    double conf = best >= 6 ? 0.9 : best >= 4 ? 0.8 : 0.65;
    if (second * 2 > best) conf -= 0.15;  // close call
    return {scores[0].second, conf};
}

// ---------------------------------------------------------------- output

json details_json(const Candidate &c) {
    json d = {{"value", c.value}, {"confidence", c.confidence}, {"source", c.source}, {"checks", c.checks}};
    if (c.page > 0) d["page"] = c.page;
    if (c.bbox) d["bbox"] = {(*c.bbox)[0], (*c.bbox)[1], (*c.bbox)[2], (*c.bbox)[3]};
    if (!c.failed_checks.empty()) d["failed_checks"] = c.failed_checks;
    return d;
}

double text_confidence(const json &pages) {
    double weighted = 0, chars = 0;
    if (!pages.is_array()) return 0;
    std::size_t n = 0;
    for (const auto &p : pages) {
        if (++n > kMaxPages) break;
        double len = static_cast<double>(string_of(member(p, "text")).size());
        double conf = 1.0;
        if (const json *c = member(p, "ocr_confidence"); c && c->is_number()) conf = c->get<double>();
        weighted += conf * len;
        chars += len;
    }
    return chars > 0 ? weighted / chars : 0;
}

}  // namespace

json document_fields(const json &result, const DocumentFieldsOptions &options) {
    static const json kEmpty = json::array();
    const json *pages_p = member(result, "pages");
    const json &pages = pages_p && pages_p->is_array() ? *pages_p : kEmpty;

    std::vector<Line> lines;
    std::string all_text;
    {
        std::size_t budget = kMaxTextBytes;
        std::size_t pno = 0;
        for (const auto &page : pages) {
            if (++pno > kMaxPages || lines.size() >= kMaxLines || budget == 0) break;
            int page_no = static_cast<int>(pno);
            if (const json *p = member(page, "page"); p && p->is_number_integer()) page_no = p->get<int>();
            page_lines(page, page_no, lines, budget);
        }
        // the page texts as printed (MRZ lines, entities)
        for (const auto &page : pages) {
            const std::string t = string_of(member(page, "text"));
            if (all_text.size() + t.size() + 1 > kMaxTextBytes) break;
            if (!all_text.empty()) all_text += '\n';
            all_text += t;
        }
    }
    Locale loc = document_locale(result, lines);
    // English with dollars and neither pounds nor euros: US month-first numeric dates
    if (loc == Locale::en && (all_text.find('$') != std::string::npos || all_text.find("USD") != std::string::npos) &&
        all_text.find("\xC2\xA3") == std::string::npos && all_text.find("\xE2\x82\xAC") == std::string::npos &&
        all_text.find("GBP") == std::string::npos && all_text.find("EUR") == std::string::npos)
        loc = Locale::en_us;
    Candidates fields;

    // 1. payment QR codes and AAMVA PDF417
    const auto barcodes = collect_barcodes(pages);
    bool payment_qr = false;
    std::optional<AamvaResult> aamva;
    for (const auto &b : barcodes) {
        if (b.text.empty()) continue;
        if (b.text.compare(0, 3, "BCD") == 0 || b.text.compare(0, 3, "SPC") == 0) {
            if (auto q = parse_payment_qr(b.text)) {
                payment_qr = true;
                offer_fieldmap(fields, q->fields, q->valid(), "qr", b.page, b.box, {"total_amount"});
            }
        } else if (b.format == "PDF417" && b.text[0] == '@' && !aamva) {
            if (auto a = parse_aamva(b.text)) {
                offer_fieldmap(fields, a->fields, a->valid(), "pdf417", b.page, b.box, {});
                aamva = std::move(a);
            }
        }
    }

    // 2. embedded invoice XML
    bool has_xml = false;
    if (const json *meta = member(result, "metadata")) {
        if (const json *ix = member(*meta, "invoice_xml")) {
            std::string xml = string_of(member(*ix, "xml"));
            if (!xml.empty()) {
                Candidates x;
                DueAdjustments adj;
                has_xml = extract_invoice_xml(xml, x, adj);
                apply_totals_check(x, adj);
                for (auto &[name, c] : x) offer(fields, name, std::move(c));
            }
        }
    }

    // 3. the MRZ: the OCR's MRZ pass (pages[].mrz_ocr) first, then the page texts
    MrzOptions mo;
    mo.current_year = options.current_year;
    mo.number_candidates = visual_zone_numbers(all_text);
    std::optional<MrzResult> mrz;
    int mrz_page = 0;
    std::optional<std::array<double, 4>> mrz_box;
    {
        std::size_t pno = 0;
        for (const auto &page : pages) {
            if (++pno > kMaxPages) break;
            const json *m = member(page, "mrz_ocr");
            const std::string t = m ? string_of(member(*m, "text")) : "";
            if (t.empty() || t.size() > 4096) continue;
            auto r = parse_mrz(t, mo);
            if (!r || (mrz && (mrz->valid() || !r->valid()))) continue;
            mrz = std::move(r);
            mrz_page = static_cast<int>(pno);
            if (const json *p = member(page, "page"); p && p->is_number_integer()) mrz_page = p->get<int>();
            mrz_box.reset();
            if (const json *b = member(*m, "box"); b && b->is_array() && b->size() == 4) {
                std::array<double, 4> a{};
                bool ok = true;
                for (std::size_t k = 0; k < 4; ++k) ok = ok && number_of((*b)[k], a[k]);
                if (ok) mrz_box = a;
            }
        }
    }
    if (!mrz || !mrz->valid()) {
        if (auto r = parse_mrz(all_text, mo); r && (!mrz || r->valid())) {
            mrz = std::move(r);
            mrz_page = 0;
            mrz_box.reset();
            // page and box of the MRZ lines
            for (const auto &l : lines) {
                std::string compact;
                for (char c : l.text)
                    if (c != ' ') compact += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
                if (std::find(mrz->lines.begin(), mrz->lines.end(), compact) == mrz->lines.end()) continue;
                if (mrz_page == 0) mrz_page = l.page;
                if (l.page != mrz_page) continue;
                auto b = bbox_of(l, 0, l.text.size());
                if (!b) continue;
                if (!mrz_box) mrz_box = b;
                else {
                    (*mrz_box)[0] = std::min((*mrz_box)[0], (*b)[0]);
                    (*mrz_box)[1] = std::min((*mrz_box)[1], (*b)[1]);
                    (*mrz_box)[2] = std::max((*mrz_box)[2], (*b)[2]);
                    (*mrz_box)[3] = std::max((*mrz_box)[3], (*b)[3]);
                }
            }
        }
    }
    if (mrz) {
        const bool valid = mrz->valid();
        const VisualZone viz(all_text);
        for (const auto &[name, f] : mrz->fields) {
            Candidate c;
            c.value = f.value;
            c.checks = f.checks;
            c.failed_checks = f.failed_checks;
            c.source = "mrz";
            c.page = mrz_page;
            c.bbox = mrz_box;
            // a check digit covers the field (number, dates, personal number)
            const bool checked = name != "mrz" && std::any_of(f.checks.begin(), f.checks.end(), [](const std::string &k) {
                return k != kMrzCompositeCheck && k.compare(0, 4, "mrz_") == 0;
            });
            if (!f.failed_checks.empty()) c.confidence = kFailed;
            else if (!valid) {
                // another check digit failed (the composite covers most fields): unconfirmed
                c.confidence = 0.45;
                if (name == "mrz") add_check(c, "mrz_all_checks", false);
            } else {
                // the raw lines hold the names, which no check digit covers
                auto value_of = [&](const char *n) {
                    auto it = mrz->fields.find(n);
                    return it == mrz->fields.end() ? std::string() : it->second.value;
                };
                const bool agrees = name == "mrz" ? viz.agrees("surname", value_of("surname")) &&
                                                        viz.agrees("given_names", value_of("given_names"))
                                                  : viz.agrees(name, f.value) && !from_visual_zone(*mrz, name);
                if (agrees) add_check(c, "visual_zone", true);
                if (checked && !f.corrected) c.confidence = agrees ? kMrzConfirmed : kMrzValid;
                else if (checked) c.confidence = agrees ? kMrzValid : kMrzCorrected;
                else c.confidence = agrees ? kMrzConfirmed : kMrzUnchecked;
            }
            offer(fields, name, std::move(c));
        }
    }

    // entities (also the IBAN fallback of the text extractors)
    EntityOptions eo;
    eo.locale = loc;
    const Entities e = find_entities(all_text, eo);

    // 4. type detection, then the text of the effective type
    const Detection det = detect_type(lines, mrz, aamva, payment_qr, has_xml);
    std::string declared = options.document_type.empty() ? "other" : options.document_type;
    const std::string type = declared == "other" ? det.type : declared;
    if (!lines.empty()) {
        if (type == "invoice") {
            extract_invoice_text(lines, loc, fields);
            extract_identifiers(lines, loc, fields, true, e);
        } else if (type == "receipt") {
            extract_receipt_text(lines, loc, fields);
        } else if (type == "bank_statement") {
            extract_statement_text(lines, loc, fields);
            extract_identifiers(lines, loc, fields, false, e);
            fields.erase("payment_reference");
        }
    }
    // Across sources: a text total contradicting a 1.0 payload total is dropped by offer();
    // the payload wins.

    // 5. entities
    json amounts = json::array();
    for (const auto &a : e.amounts) amounts.push_back({{"value", amount_json(a.value)}, {"currency", a.currency}});
    json bc = json::array();
    for (const auto &b : barcodes) bc.push_back({{"format", b.format}, {"text", b.text}});
    json entities = {{"emails", e.emails}, {"phones", e.phones},   {"urls", e.urls},
                     {"ibans", e.ibans},   {"vat_ids", e.vat_ids}, {"dates", e.dates},
                     {"amounts", amounts}, {"barcodes", bc}};

    // 6. output
    json out;
    out["fields"] = json::object();
    out["field_confidence"] = json::object();
    out["field_details"] = json::object();
    double sum = 0;
    for (const auto &[name, c] : fields) {
        const double conf = std::round(c.confidence * 1000) / 1000;
        out["fields"][name] = c.value;
        out["field_confidence"][name] = conf;
        Candidate rounded = c;
        rounded.confidence = conf;
        out["field_details"][name] = details_json(rounded);
        sum += conf;
    }
    out["detected_type"] = det.type;
    out["detected_type_confidence"] = det.confidence;
    out["entities"] = std::move(entities);
    const double overall =
        fields.empty() ? text_confidence(pages) : sum / static_cast<double>(fields.size());
    out["overall_confidence"] = std::round(overall * 1000) / 1000;
    out["fields_version"] = kFieldsVersion;
    return out;
}

void add_document_fields(json &result, const DocumentFieldsOptions &options) {
    json f = document_fields(result, options);
    for (auto &[k, v] : f.items()) result[k] = std::move(v);
}

}  // namespace docextract::fields
