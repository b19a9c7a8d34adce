// Entity scanners over plain text.
#include "core/fields/entities.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <utility>

#include "core/fields/checks.hpp"
#include "core/purity.hpp"

namespace docextract::fields {
namespace {

constexpr std::size_t kMaxText = 4u << 20;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || is_upper(c); }
bool is_alnum(char c) noexcept { return is_digit(c) || is_alpha(c); }
char lower(char c) noexcept { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }
unsigned char u(char c) noexcept { return static_cast<unsigned char>(c); }

// A "word character" for boundaries: ASCII alphanumerics and any UTF-8 byte.
bool wordish(char c) noexcept { return is_alnum(c) || u(c) >= 0x80; }

// Byte length of a horizontal space at s[i] (ASCII space, U+00A0, U+202F, U+2009), else 0.
std::size_t hspace(std::string_view s, std::size_t i) noexcept {
    if (i >= s.size()) return 0;
    if (s[i] == ' ') return 1;
    if (u(s[i]) == 0xC2 && i + 1 < s.size() && u(s[i + 1]) == 0xA0) return 2;
    if (u(s[i]) == 0xE2 && i + 2 < s.size() && u(s[i + 1]) == 0x80 &&
        (u(s[i + 2]) == 0xAF || u(s[i + 2]) == 0x89))
        return 3;
    return 0;
}

struct Collector {
    std::size_t max;
    template <typename T>
    void add(std::vector<T> &v, T item) {
        if (v.size() >= max) return;
        if (std::find(v.begin(), v.end(), item) != v.end()) return;
        v.push_back(std::move(item));
    }
};

// Text ranges already taken by an entity, by start (ranges do not overlap): O(log n) lookups.
struct Spans {
    std::map<std::size_t, std::size_t> v;
    bool overlaps(std::size_t a, std::size_t b) const {
        auto it = v.lower_bound(b);  // first range starting at or after b: cannot overlap
        if (it == v.begin()) return false;
        --it;  // the last range starting before b
        return it->second > a;
    }
    void add(std::size_t a, std::size_t b) {
        if (v.size() < 1000000 && !overlaps(a, b)) v[a] = b;
    }
};

// ---- e-mails and URLs ----
bool local_char(char c) {
    return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool domain_char(char c) { return is_alnum(c) || c == '.' || c == '-'; }

void scan_emails(std::string_view t, Entities &e, Collector &c, Spans &used) {
    for (std::size_t at = t.find('@'); at != std::string_view::npos; at = t.find('@', at + 1)) {
        std::size_t a = at;
        while (a > 0 && at - a < 64 && local_char(t[a - 1])) --a;
        while (a < at && (t[a] == '.' || t[a] == '-')) ++a;
        std::size_t b = at + 1;
        while (b < t.size() && b - at < 253 && domain_char(t[b])) ++b;
        while (b > at + 1 && (t[b - 1] == '.' || t[b - 1] == '-')) --b;
        if (a == at || b == at + 1) continue;
        std::string_view domain = t.substr(at + 1, b - at - 1);
        std::size_t dot = domain.rfind('.');
        if (dot == std::string_view::npos || dot == 0 || domain.size() - dot - 1 < 2) continue;
        bool tld_ok = true;
        for (char ch : domain.substr(dot + 1)) tld_ok = tld_ok && is_alpha(ch);
        if (!tld_ok || domain.find("..") != std::string_view::npos) continue;
        std::string mail(t.substr(a, at - a + 1));
        for (char ch : domain) mail += lower(ch);
        c.add(e.emails, mail);
        used.add(a, b);
    }
}

bool starts_ci(std::string_view t, std::size_t i, const char *p) {
    std::size_t n = std::strlen(p);
    if (i + n > t.size()) return false;
    for (std::size_t k = 0; k < n; ++k)
        if (lower(t[i + k]) != p[k]) return false;
    return true;
}

void scan_urls(std::string_view t, Entities &e, Collector &c, Spans &used) {
    for (std::size_t i = 0; i < t.size(); ++i) {
        char ch = lower(t[i]);
        if (ch != 'h' && ch != 'w') continue;
        if (i > 0 && (wordish(t[i - 1]) || t[i - 1] == '@' || t[i - 1] == '.')) continue;
        if (!(starts_ci(t, i, "https://") || starts_ci(t, i, "http://") || starts_ci(t, i, "www.")))
            continue;
        std::size_t b = i;
        while (b < t.size() && b - i < 2048 && u(t[b]) > ' ' && t[b] != '<' && t[b] != '>' &&
               t[b] != '"' && t[b] != '\'' && t[b] != '`')
            ++b;
        // Trailing punctuation; a ')' only if unbalanced.
        while (b > i) {
            char last = t[b - 1];
            if (last == '.' || last == ',' || last == ';' || last == ':' || last == '!' ||
                last == '?') {
                --b;
            } else if (last == ')') {
                std::string_view s = t.substr(i, b - i);
                if (std::count(s.begin(), s.end(), '(') < std::count(s.begin(), s.end(), ')')) --b;
                else break;
            } else {
                break;
            }
        }
        std::string_view url = t.substr(i, b - i);
        std::size_t host = url.find("//");
        host = host == std::string_view::npos ? 0 : host + 2;
        if (url.find('.', host) == std::string_view::npos || b - i < host + 4) continue;
        if (used.overlaps(i, b)) continue;
        c.add(e.urls, std::string(url));
        used.add(i, b);
        i = b;
    }
}

// ---- IBANs and VAT ids ----
void scan_ibans(std::string_view t, Entities &e, Collector &c, Spans &used) {
    for (std::size_t i = 0; i + 4 < t.size(); ++i) {
        if (!is_upper(t[i]) || !is_upper(t[i + 1]) || !is_digit(t[i + 2]) || !is_digit(t[i + 3]))
            continue;
        if (i > 0 && wordish(t[i - 1])) continue;
        int len = iban_length(t.substr(i, 2));
        if (len == 0) continue;
        std::string compact;
        std::size_t j = i;
        while (j < t.size() && static_cast<int>(compact.size()) < len) {
            if (is_digit(t[j]) || is_upper(t[j])) {
                compact += t[j++];
            } else if (std::size_t n = hspace(t, j); n != 0 && j + n < t.size() &&
                                                     is_alnum(t[j + n]) && !compact.empty()) {
                j += n;  // one space between groups
            } else {
                break;
            }
        }
        if (static_cast<int>(compact.size()) != len) continue;
        if (j < t.size() && is_alnum(t[j])) continue;
        if (!iban_valid(compact)) continue;
        c.add(e.ibans, compact);
        used.add(i, j);
        i = j;
    }
}

constexpr const char *kVatPrefixes[] = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL",
                                        "GR", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT",
                                        "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI",
                                        "SK", "GB", "XI", "NO", "CHE"};

void scan_vat_ids(std::string_view t, Entities &e, Collector &c, const Spans &used) {
    for (std::size_t i = 0; i + 4 < t.size(); ++i) {
        if (!is_upper(t[i]) || !is_upper(t[i + 1])) continue;
        if (i > 0 && wordish(t[i - 1])) continue;
        std::size_t plen = 0;
        for (const char *p : kVatPrefixes) {
            std::size_t n = std::strlen(p);
            if (t.compare(i, n, p) == 0) {
                plen = n;
                break;
            }
        }
        if (plen == 0) continue;
        // Compact characters after the prefix and where each ends in the text.
        std::string compact(t.substr(i, plen));
        std::vector<std::size_t> ends;
        std::size_t j = i + plen;
        while (j < t.size() && compact.size() < 20) {
            char ch = t[j];
            if (is_digit(ch) || is_upper(ch)) {
                compact += ch;
                ends.push_back(++j);
            } else if ((ch == ' ' || ch == '.' || ch == '-') && j + 1 < t.size() &&
                       is_alnum(t[j + 1])) {
                ++j;
            } else if (std::size_t n = hspace(t, j); n > 1) {
                j += n;
            } else {
                break;
            }
        }
        for (std::size_t k = ends.size(); k-- > 0;) {
            std::size_t end = ends[k];
            if (end < t.size() && wordish(t[end])) continue;
            std::string cand = compact.substr(0, plen + k + 1);
            if (used.overlaps(i, end)) break;
            std::string norm = normalize_vat_id(cand);
            if (norm.empty()) continue;
            c.add(e.vat_ids, norm);
            i = end;
            break;
        }
    }
}

// ---- dates ----
void scan_dates(std::string_view t, Entities &e, Collector &c, Locale loc, Spans &used) {
    std::map<std::size_t, std::string> found;  // by position, for the order of appearance
    auto take = [&](std::size_t a, std::size_t b, std::string d) {
        if (used.overlaps(a, b) || found.size() >= 100000) return;
        found[a] = std::move(d);
        used.add(a, b);
    };
    // Numeric: runs of digits and . / - starting at a word boundary.
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (!is_digit(t[i]) || (i > 0 && (wordish(t[i - 1]) || t[i - 1] == '.' || t[i - 1] == '/' ||
                                          t[i - 1] == '-' || t[i - 1] == ',')))
            continue;
        std::size_t j = i;
        while (j < t.size() && j - i < 11 &&
               (is_digit(t[j]) || t[j] == '.' || t[j] == '/' || t[j] == '-'))
            ++j;
        std::size_t end = j;
        while (end > i && (t[end - 1] == '.' || t[end - 1] == '-' || t[end - 1] == '/')) --end;
        if (j < t.size() && wordish(t[j])) {
            i = j;
            continue;
        }
        if (auto d = parse_date(t.substr(i, end - i), loc)) take(i, end, *d);
        i = j;
    }
    // Month names: "5. März 2024", "March 5, 2024", "1er février 2024", "5 de marzo de 2024".
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (!is_alpha(t[i]) || (i > 0 && wordish(t[i - 1]))) continue;
        std::size_t j = i;
        while (j < t.size() && wordish(t[j]) && j - i < 24) ++j;
        std::string_view word = t.substr(i, j - i);
        std::size_t word_end = j < t.size() && t[j] == '.' ? j + 1 : j;
        if (month_from_name(word) == 0) {
            i = j;
            continue;
        }
        // Day before: up to 8 bytes back ("12. ", "1er ", "5 de ").
        std::size_t a = i;
        std::size_t k = i;
        while (k > 0 && i - k < 10 && !is_digit(t[k - 1])) --k;
        if (k > 0 && is_digit(t[k - 1])) {
            std::size_t ds = k - 1;
            while (ds > 0 && is_digit(t[ds - 1]) && k - ds < 2) --ds;
            if (ds == 0 || !wordish(t[ds - 1])) a = ds;
        }
        // Year (and possibly day) after: up to 14 bytes.
        std::size_t b = word_end;
        std::size_t m = word_end;
        std::size_t last_digit_end = 0;
        while (m < t.size() && m - word_end < 16) {
            if (is_digit(t[m])) {
                std::size_t st = m;
                while (m < t.size() && is_digit(t[m])) ++m;
                last_digit_end = m;
                if (m - st == 4) break;
            } else if (t[m] == ' ' || t[m] == ',' || t[m] == '.' || t[m] == '-' || is_alpha(t[m])) {
                ++m;
            } else {
                break;
            }
        }
        if (last_digit_end != 0) b = last_digit_end;
        for (std::size_t start : {a, i}) {  // "5 March 2024", else "March 5, 2024"
            if (auto d = parse_date(t.substr(start, b - start), loc)) {
                take(start, b, *d);
                break;
            }
        }
        i = j;
    }
    for (auto &d : found) c.add(e.dates, std::move(d.second));
}

// ---- amounts ----
bool number_char(std::string_view t, std::size_t i, std::size_t &n) {
    n = 1;
    if (is_digit(t[i]) || t[i] == '.' || t[i] == ',' || t[i] == '\'') return true;
    if ((n = hspace(t, i)) != 0) return true;
    if (u(t[i]) == 0xE2 && i + 2 < t.size() && u(t[i + 1]) == 0x80 && u(t[i + 2]) == 0x99) {
        n = 3;
        return true;
    }
    return false;
}

void scan_amounts(std::string_view t, Entities &e, Collector &c, Locale loc, const Spans &used) {
    // Candidates: a number run (digits with grouping/decimal separators; a space only inside
    // groups of 3) joined with the currency token before or after it.
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (!is_digit(t[i]) || (i > 0 && (is_alnum(t[i - 1]) || t[i - 1] == '.' || t[i - 1] == ',')))
            continue;
        std::size_t j = i;
        std::size_t n = 0;
        while (j < t.size() && j - i < 40 && number_char(t, j, n)) {
            if (n > 0 && hspace(t, j) != 0) {
                // A space continues the number only before exactly 3 digits.
                std::size_t k = j + n;
                std::size_t d = 0;
                while (k + d < t.size() && is_digit(t[k + d])) ++d;
                if (d != 3) break;
            }
            j += n;
        }
        std::size_t end = j;
        while (end > i && !is_digit(t[end - 1])) --end;
        // Trailing ",-" / ".–".
        if (end + 1 < t.size() && (t[end] == ',' || t[end] == '.') && t[end + 1] == '-') end += 2;
        if (used.overlaps(i, end)) {
            i = j;
            continue;
        }
        std::string_view num = t.substr(i, end - i);
        // Currency after: spaces then a token.
        std::size_t k = end;
        while (std::size_t s = hspace(t, k)) k += s;
        std::size_t te = k;
        while (te < t.size() && te - k < 6 && !(u(t[te]) <= ' ') && !is_digit(t[te]) && t[te] != ',' &&
               t[te] != ';' && t[te] != ')')
            ++te;
        std::string after = te > k ? currency_code(t.substr(k, te - k)) : std::string();
        if (after.empty() && te > k && t[te - 1] == '.') after = currency_code(t.substr(k, te - k - 1));
        // Currency before: a token ending just before (spaces allowed).
        std::size_t p = i;
        bool minus = false;
        if (p > 0 && t[p - 1] == '-') {
            --p;
            minus = true;
        }
        while (p > 0 && t[p - 1] == ' ') --p;
        std::size_t ts = p;
        while (ts > 0 && p - ts < 6 && u(t[ts - 1]) > ' ' && !is_digit(t[ts - 1]) &&
               t[ts - 1] != '(' && t[ts - 1] != ':')
            --ts;
        std::string before = ts < p ? currency_code(t.substr(ts, p - ts)) : std::string();
        std::string cur = !before.empty() ? before : after;
        if (!cur.empty()) {
            std::string text = (minus ? "-" : "") + std::string(num);
            if (auto a = parse_amount(text, loc)) c.add(e.amounts, EntityAmount{a->value, cur});
        }
        i = j;
    }
}

// ---- phones ----
struct Cc {
    const char *country;
    const char *code;
    int min_digits, max_digits;  // national significant number, without the trunk 0
    bool keep_zero;              // Italy keeps the leading 0
};
constexpr Cc kCountryCodes[] = {
    {"DE", "49", 6, 12, false}, {"FR", "33", 9, 9, false}, {"NL", "31", 9, 9, false},
    {"GB", "44", 9, 10, false}, {"CH", "41", 9, 9, false}, {"AT", "43", 6, 12, false},
    {"BE", "32", 8, 9, false},  {"IT", "39", 6, 11, true}, {"ES", "34", 9, 9, false},
    {"US", "1", 10, 10, false},
};

const char *country_for(Locale l) {
    switch (l) {
    case Locale::de: return "DE";
    case Locale::fr: return "FR";
    case Locale::nl: return "NL";
    case Locale::en: return "GB";
    case Locale::en_us: return "US";
    case Locale::ch: return "CH";
    case Locale::it: return "IT";
    case Locale::es: return "ES";
    default: return "";
    }
}

bool label_before(std::string_view t, std::size_t i) {
    std::size_t a = i > 24 ? i - 24 : 0;
    std::string w;
    for (std::size_t k = a; k < i; ++k) w += lower(t[k]);
    for (const char *l : {"tel", "phone", "fon", "fax", "mobil", "handy", "gsm", "natel", "t\xc3\xa9l",
                          "call"})
        if (w.find(l) != std::string::npos) return true;
    return false;
}

void scan_phones(std::string_view t, Entities &e, Collector &c, const std::string &country,
                 const Spans &used) {
    const Cc *home = nullptr;
    for (const Cc &cc : kCountryCodes)
        if (country == cc.country) home = &cc;
    for (std::size_t i = 0; i < t.size(); ++i) {
        char ch = t[i];
        if (!(ch == '+' || ch == '(' || is_digit(ch))) continue;
        if (i > 0 && (wordish(t[i - 1]) || t[i - 1] == '.' || t[i - 1] == ',' || t[i - 1] == '/' ||
                      t[i - 1] == '-' || t[i - 1] == '+'))
            continue;
        std::size_t j = i + (ch == '+' ? 1 : 0);
        std::string digits;
        bool separators = false, trunk_removed = false;
        while (j < t.size() && j - i < 32) {
            char d = t[j];
            if (is_digit(d)) {
                digits += d;
                ++j;
            } else if (d == '(' && j + 2 < t.size() && t[j + 1] == '0' && t[j + 2] == ')' &&
                       ch == '+') {
                trunk_removed = true;  // "+49 (0)30 ..."
                j += 3;
            } else if ((d == ' ' || d == '-' || d == '.' || d == '/' || d == '(' || d == ')') &&
                       j + 1 < t.size() &&
                       (is_digit(t[j + 1]) || t[j + 1] == '(' || t[j + 1] == ' ')) {
                separators = true;
                ++j;
            } else {
                break;
            }
        }
        (void)trunk_removed;
        std::size_t end = j;
        while (end > i && !is_digit(t[end - 1])) --end;
        if (end < t.size() && (wordish(t[end]) || t[end] == '@')) {
            i = j;
            continue;
        }
        if (digits.size() < 7 || used.overlaps(i, end)) {
            i = j;
            continue;
        }
        std::string_view raw = t.substr(i, end - i);
        // Dates and amounts are no phone numbers.
        if (parse_date(raw).has_value() || raw.find(',') != std::string_view::npos) {
            i = j;
            continue;
        }
        std::string out;
        if (ch == '+' || (digits.size() > 2 && digits[0] == '0' && digits[1] == '0')) {
            std::string intl = ch == '+' ? digits : digits.substr(2);
            if (intl.size() >= 8 && intl.size() <= 15 && intl[0] != '0') out = "+" + intl;
        } else if (home != nullptr && (separators || label_before(t, i))) {
            std::string national = digits;
            if (home->code == std::string("1")) {
                if (national.size() == 11 && national[0] == '1') national.erase(0, 1);
                if (national.size() == 10 && national[0] >= '2') out = "+1" + national;
            } else if (national[0] == '0' && national.size() > 1 && national[1] != '0') {
                std::string nsn = home->keep_zero ? national : national.substr(1);
                int n = static_cast<int>(nsn.size());
                if (n >= home->min_digits && n <= home->max_digits + (home->keep_zero ? 1 : 0))
                    out = std::string("+") + home->code + nsn;
            }
        }
        if (!out.empty()) c.add(e.phones, out);
        i = j;
    }
}

}  // namespace

Entities find_entities(std::string_view text, const EntityOptions &options) {
    if (text.size() > kMaxText) text = text.substr(0, kMaxText);
    Entities e;
    Collector c{options.max_per_kind};
    Spans used;
    scan_emails(text, e, c, used);
    scan_urls(text, e, c, used);
    scan_ibans(text, e, c, used);
    scan_vat_ids(text, e, c, used);
    Spans ids = used;
    scan_dates(text, e, c, options.locale, used);
    scan_amounts(text, e, c, options.locale, ids);
    std::string country = options.default_country;
    if (country.empty()) country = country_for(options.locale);
    scan_phones(text, e, c, country, used);
    return e;
}

}  // namespace docextract::fields
