// AAMVA DL/ID Card Design Standard, Annex D (mandatory PDF417): header, subfile designators,
// data elements. Version 01 (2000) used DAA/DAB/DAR; 02 onward DCS/DAC/DAD/DCA, 04 onward DCT
// was replaced by DAC/DAD.
#include "core/fields/aamva.hpp"

#include <map>
#include <utility>

#include "core/fields/checks.hpp"
#include "core/fields/text_util.hpp"
#include "core/purity.hpp"

namespace docextract::fields {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }

int number(std::string_view s) noexcept {
    if (s.empty() || s.size() > 6) return -1;
    int v = 0;
    for (char c : s) {
        if (!is_digit(c)) return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

bool truncation_or_none(const std::string &v) {
    return v.empty() || v == "NONE" || v == "unavl" || v == "UNAVL" || v == "unavail";
}

// Element lines of a subfile body: "DAQ..." separated by LF (CR, RS tolerated).
void read_elements(std::string_view body, std::map<std::string, std::string> &out) {
    std::size_t i = 0;
    int count = 0;
    while (i < body.size() && count < 256) {
        std::size_t end = body.find_first_of("\n\r\x1e", i);
        if (end == std::string_view::npos) end = body.size();
        std::string_view line = body.substr(i, end - i);
        if (line.size() >= 3 && is_upper(line[0]) && is_upper(line[1]) &&
            (is_upper(line[2]) || is_digit(line[2]))) {
            std::string id(line.substr(0, 3));
            if (out.find(id) == out.end()) out[id] = trim_collapse(line.substr(3));
            ++count;
        }
        i = end + 1;
    }
}

// MMDDCCYY (US) or CCYYMMDD (Canada) -> YYYY-MM-DD; "" if impossible.
std::string aamva_date(const std::string &d, bool canada, bool &exists) {
    exists = false;
    if (d.size() != 8) return {};
    for (char c : d)
        if (!is_digit(c)) return {};
    auto try_order = [&](bool ccyy_first) -> std::string {
        int y = ccyy_first ? number(d.substr(0, 4)) : number(d.substr(4, 4));
        int m = ccyy_first ? number(d.substr(4, 2)) : number(d.substr(0, 2));
        int dd = ccyy_first ? number(d.substr(6, 2)) : number(d.substr(2, 2));
        if (!date_exists(y, m, dd) || y < 1800) return {};
        std::string s = std::to_string(y) + "-" + (m < 10 ? "0" : "") + std::to_string(m) + "-" +
                        (dd < 10 ? "0" : "") + std::to_string(dd);
        return s;
    };
    std::string v = try_order(canada);
    if (v.empty()) v = try_order(!canada);  // a jurisdiction writing the other order
    exists = !v.empty();
    return v;
}

// Canadian IINs (AAMVA IIN list): 604426-604434 and the 6360xx of some provinces.
bool canadian_iin(const std::string &iin) {
    if (iin.size() != 6) return false;
    if (iin.compare(0, 4, "6044") == 0) return true;
    for (const char *c : {"636012", "636013", "636016", "636017", "636028", "636044", "636048"})
        if (iin == c) return true;
    return false;
}

std::string postal_code(const std::string &raw) {
    std::string v = trim_collapse(raw);
    bool digits = v.size() == 9;
    for (char c : v) digits = digits && is_digit(c);
    if (digits) {
        if (v.compare(5, 4, "0000") == 0) return v.substr(0, 5);
        return v.substr(0, 5) + "-" + v.substr(5);
    }
    return v;
}

}  // namespace

std::optional<AamvaResult> parse_aamva(std::string_view p) {
    if (p.size() > 65536 || p.size() < 16) return std::nullopt;
    AamvaResult r;
    // Header: "@" LF RS CR "ANSI " (some issuers: "AAMVA"), tolerate missing separators.
    std::size_t ansi = p.substr(0, 16).find("ANSI ");
    std::size_t after = std::string_view::npos;
    if (ansi != std::string_view::npos) after = ansi + 5;
    else if ((ansi = p.substr(0, 16).find("AAMVA")) != std::string_view::npos) after = ansi + 5;
    if (after == std::string_view::npos || p[0] != '@') return std::nullopt;
    if (p.substr(0, ansi) != "@\n\x1e\r") r.warnings.push_back("header_separators");
    std::string_view h = p.substr(after);
    if (h.size() < 10) return std::nullopt;
    r.iin = std::string(h.substr(0, 6));
    if (number(r.iin) < 0) return std::nullopt;
    r.aamva_version = number(h.substr(6, 2));
    // Version 01: IIN, version, entries. Version 02+: IIN, version, jurisdiction version, entries.
    std::size_t pos = r.aamva_version <= 1 ? 8 : 10;
    int entries = number(h.substr(pos, 2));
    pos += 2;
    std::size_t designators_start = after + pos;
    std::string_view body;
    for (int e = 0; e < entries && e < 16; ++e) {
        std::size_t d = designators_start + static_cast<std::size_t>(e) * 10;
        if (d + 10 > p.size()) break;
        std::string type(p.substr(d, 2));
        int offset = number(p.substr(d + 2, 4));
        int length = number(p.substr(d + 6, 4));
        if (type != "DL" && type != "ID") continue;
        if (offset < 0 || length < 0) continue;
        // The subfile starts with its type; some issuers' offsets are off by a few bytes.
        std::size_t start = std::string_view::npos;
        for (int delta : {0, -1, 1, -2, 2, -3, 3}) {
            long o = offset + delta;
            if (o >= 0 && static_cast<std::size_t>(o) + 2 <= p.size() &&
                p.substr(static_cast<std::size_t>(o), 2) == type) {
                start = static_cast<std::size_t>(o);
                if (delta != 0) r.warnings.push_back("subfile_offset");
                break;
            }
        }
        if (start == std::string_view::npos) continue;
        body = p.substr(start + 2, static_cast<std::size_t>(length) + 4);
        r.subfile_type = type;
        break;
    }
    if (r.subfile_type.empty()) {
        // No usable designator: the first "DL"/"ID" followed by an element id after the header.
        for (const char *t : {"DLDA", "DLDB", "DLDC", "IDDA", "IDDB", "IDDC"}) {
            std::size_t at = p.find(t, designators_start);
            if (at != std::string_view::npos) {
                r.subfile_type = std::string(t, 2);
                body = p.substr(at + 2);
                r.warnings.push_back("subfile_designator");
                break;
            }
        }
    }
    if (r.subfile_type.empty()) return std::nullopt;
    std::map<std::string, std::string> el;
    read_elements(body, el);
    if (el.empty()) return std::nullopt;
    auto get = [&](const char *id) -> std::string {
        auto it = el.find(id);
        return it == el.end() ? std::string() : it->second;
    };
    bool canada;
    std::string country = get("DCG");
    if (country == "CAN") canada = true;
    else if (country == "USA") canada = false;
    else canada = canadian_iin(r.iin);

    auto put = [&](const char *name, std::string value) {
        if (truncation_or_none(value)) return;
        r.fields[name].value = std::move(value);
    };
    put("document_number", get("DAQ"));
    std::string surname = get("DCS"), given = get("DAC"), middle = get("DAD");
    if (surname.empty()) surname = get("DAB");  // version 01
    if (given.empty()) {
        std::string dct = get("DCT");  // versions 02-03: given names, ',' or ' ' separated
        for (char &c : dct)
            if (c == ',' || c == '$') c = ' ';
        given = trim_collapse(dct);
    }
    if (surname.empty()) {
        // Version 01 (and some 03): DAA full name "LAST,FIRST,MIDDLE" (or '$' separated).
        std::string full = get("DAA");
        char sep = full.find(',') != std::string::npos ? ',' : '$';
        std::size_t a = full.find(sep);
        if (a != std::string::npos) {
            surname = trim_collapse(full.substr(0, a));
            std::string rest = full.substr(a + 1);
            for (char &c : rest)
                if (c == ',' || c == '$') c = ' ';
            given = trim_collapse(rest);
        } else {
            surname = trim_collapse(full);
        }
    }
    put("surname", surname);
    if (!truncation_or_none(middle)) given = trim_collapse(given + " " + middle);
    put("given_names", given);
    auto date = [&](const char *name, const char *id) {
        std::string raw = get(id);
        if (raw.empty()) return;
        bool exists = false;
        std::string v = aamva_date(raw, canada, exists);
        if (!exists) {
            r.failed_checks.push_back(std::string(name) + ":date_exists");
            return;
        }
        Field &f = r.fields[name];
        f.value = v;
        f.checks.push_back("date_exists");
    };
    date("birth_date", "DBB");
    date("issue_date", "DBD");
    date("expiry_date", "DBA");
    std::string sex = get("DBC");
    if (sex == "1" || sex == "M") put("sex", "M");
    else if (sex == "2" || sex == "F") put("sex", "F");
    else if (sex == "9" || sex == "X") put("sex", "X");
    put("address_street", get("DAG"));
    put("address_city", get("DAI"));
    put("address_state", get("DAJ"));
    put("address_postal_code", postal_code(get("DAK")));
    std::string cls = get("DCA");
    if (cls.empty()) cls = get("DAR");  // version 01
    put("license_class", cls);
    // The issuing jurisdiction: the address's jurisdiction code (DAJ), which on a licence is the
    // issuer's; the IIN is returned beside it.
    put("issuing_jurisdiction", get("DAJ"));
    return r;
}

}  // namespace docextract::fields
