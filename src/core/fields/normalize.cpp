// Amounts, currencies, dates and times. Hand-written scanners, no std::regex, everything bounded.
#include "core/fields/normalize.hpp"

#include <cstring>
#include <vector>

#include "core/fields/checks.hpp"
#include "core/purity.hpp"

namespace docextract::fields {
namespace {

constexpr std::size_t kMaxInput = 128;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
unsigned char u(char c) noexcept { return static_cast<unsigned char>(c); }

// Byte length of a space at s[i]: ASCII space/tab, U+00A0, U+2007, U+2009, U+202F; 0 if none.
std::size_t space_len(std::string_view s, std::size_t i) noexcept {
    if (i >= s.size()) return 0;
    if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') return 1;
    if (u(s[i]) == 0xC2 && i + 1 < s.size() && u(s[i + 1]) == 0xA0) return 2;
    if (u(s[i]) == 0xE2 && i + 2 < s.size() && u(s[i + 1]) == 0x80 &&
        (u(s[i + 2]) == 0xAF || u(s[i + 2]) == 0x89 || u(s[i + 2]) == 0x87))
        return 3;
    return 0;
}
// '\'' or U+2019 (the Swiss thousands separator as typeset).
std::size_t apostrophe_len(std::string_view s, std::size_t i) noexcept {
    if (i >= s.size()) return 0;
    if (s[i] == '\'') return 1;
    if (u(s[i]) == 0xE2 && i + 2 < s.size() && u(s[i + 1]) == 0x80 && u(s[i + 2]) == 0x99)
        return 3;
    return 0;
}
// '-' or U+2212 MINUS SIGN.
std::size_t minus_len(std::string_view s, std::size_t i) noexcept {
    if (i >= s.size()) return 0;
    if (s[i] == '-') return 1;
    if (u(s[i]) == 0xE2 && i + 2 < s.size() && u(s[i + 1]) == 0x88 && u(s[i + 2]) == 0x92)
        return 3;
    return 0;
}
// U+2013 EN DASH / U+2014 EM DASH ("12.–" = 12.00).
std::size_t dash_len(std::string_view s, std::size_t i) noexcept {
    if (i >= s.size()) return 0;
    if (u(s[i]) == 0xE2 && i + 2 < s.size() && u(s[i + 1]) == 0x80 &&
        (u(s[i + 2]) == 0x93 || u(s[i + 2]) == 0x94))
        return 3;
    return 0;
}

std::string_view trim(std::string_view s) noexcept {
    for (;;) {
        std::size_t n = space_len(s, 0);
        if (n == 0) break;
        s.remove_prefix(n);
    }
    for (;;) {
        bool cut = false;
        for (std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{3}}) {
            if (s.size() >= n && space_len(s, s.size() - n) == n) {
                s.remove_suffix(n);
                cut = true;
                break;
            }
        }
        if (!cut) break;
    }
    return s;
}

bool decimal_comma(Locale l) noexcept {
    return l == Locale::de || l == Locale::fr || l == Locale::nl || l == Locale::es ||
           l == Locale::it;
}

struct Symbol {
    const char *text;
    const char *code;
};
// Longest first where one is a prefix of another.
constexpr Symbol kSymbols[] = {
    {"US$", "USD"}, {"CA$", "CAD"}, {"AU$", "AUD"}, {"NZ$", "NZD"}, {"HK$", "HKD"},
    {"C$", "CAD"},  {"A$", "AUD"},  {"S$", "SGD"},  {"R$", "BRL"},  {"$", "USD"},
    {"\xE2\x82\xAC", "EUR"}, {"\xC2\xA3", "GBP"}, {"\xC2\xA5", "JPY"}, {"\xE2\x82\xB9", "INR"},
    {"\xE2\x82\xBD", "RUB"}, {"\xE2\x82\xBA", "TRY"}, {"\xE2\x82\xA9", "KRW"},
    {"\xE2\x82\xAA", "ILS"}, {"SFr.", "CHF"}, {"sFr.", "CHF"}, {"Fr.", "CHF"},
    {"z\xC5\x82", "PLN"}, {"K\xC4\x8D", "CZK"}, {"Ft", "HUF"}, {"lei", "RON"},
};

constexpr const char *kIsoCodes =
    "EUR USD GBP CHF JPY CNY SEK NOK DKK ISK PLN CZK HUF RON BGN HRK RSD BAM MKD ALL TRY RUB UAH "
    "BYN MDL GEL AMD AZN KZT CAD AUD NZD SGD HKD TWD KRW INR PKR BDT LKR NPR IDR MYR THB VND PHP "
    "BRL MXN ARS CLP COP PEN UYU ZAR EGP MAD TND DZD NGN KES GHS ILS AED SAR QAR KWD BHD OMR JOD "
    "LBP IQD IRR XOF XAF XPF";

bool iso_code(std::string_view t, char out[4]) noexcept {
    if (t.size() != 3) return false;
    for (int i = 0; i < 3; ++i) {
        if (!is_alpha(t[i])) return false;
        out[i] = static_cast<char>(lower(t[i]) - 'a' + 'A');
    }
    out[3] = '\0';
    for (const char *p = kIsoCodes; *p != '\0'; p += 4) {
        if (std::strncmp(p, out, 3) == 0) return true;
        if (p[3] == '\0') break;
    }
    return false;
}

// A currency token at the start of s: returns its length and sets code.
std::size_t currency_prefix(std::string_view s, std::string &code) {
    for (const Symbol &sym : kSymbols) {
        std::size_t n = std::strlen(sym.text);
        if (s.size() >= n && s.compare(0, n, sym.text) == 0) {
            // An alphabetic symbol must not run into more letters ("Ftp", "leis").
            if (is_alpha(sym.text[n - 1]) && s.size() > n && is_alpha(s[n])) continue;
            code = sym.code;
            return n;
        }
    }
    char c[4];
    if (s.size() >= 3 && iso_code(s.substr(0, 3), c) && (s.size() == 3 || !is_alpha(s[3]))) {
        code = c;
        return 3;
    }
    return 0;
}

// A currency token at the end of s: returns its length and sets code.
std::size_t currency_suffix(std::string_view s, std::string &code) {
    for (const Symbol &sym : kSymbols) {
        std::size_t n = std::strlen(sym.text);
        if (s.size() >= n && s.compare(s.size() - n, n, sym.text) == 0) {
            if (is_alpha(sym.text[0]) && s.size() > n && is_alpha(s[s.size() - n - 1])) continue;
            code = sym.code;
            return n;
        }
    }
    // "Fr" without the dot, after a number only.
    if (s.size() >= 2 && s.compare(s.size() - 2, 2, "Fr") == 0 &&
        (s.size() == 2 || !is_alpha(s[s.size() - 3]))) {
        code = "CHF";
        return 2;
    }
    char c[4];
    if (s.size() >= 3 && iso_code(s.substr(s.size() - 3), c) &&
        (s.size() == 3 || !is_alpha(s[s.size() - 4]))) {
        code = c;
        return 3;
    }
    return 0;
}

// Separator kinds inside a number.
enum class Sep { dot, comma, apostrophe, space };

struct NumberParts {
    std::vector<std::string_view> groups;
    std::vector<Sep> seps;
    bool zero_fraction = false;  // ",-" / ".–": fraction 00
};

// Splits the core "1.234,56" into digit groups and single separators.
bool split_number(std::string_view s, NumberParts &out) {
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t start = i;
        while (i < s.size() && is_digit(s[i])) ++i;
        if (i == start) {
            // A dash after a decimal separator at the very end: "12,-", "12.–", "12,--".
            if (!out.seps.empty() && out.groups.size() == out.seps.size() &&
                (out.seps.back() == Sep::dot || out.seps.back() == Sep::comma)) {
                std::size_t j = i;
                std::size_t n = 0;
                while ((n = (s[j] == '-' ? 1 : dash_len(s, j))) != 0) {
                    j += n;
                    if (j >= s.size()) break;
                }
                if (j == s.size() && j > i) {
                    out.zero_fraction = true;
                    out.groups.push_back("00");
                    return true;
                }
            }
            return false;
        }
        out.groups.push_back(s.substr(start, i - start));
        if (i == s.size()) break;
        std::size_t n = 0;
        if (s[i] == '.') {
            out.seps.push_back(Sep::dot);
            n = 1;
        } else if (s[i] == ',') {
            out.seps.push_back(Sep::comma);
            n = 1;
        } else if ((n = apostrophe_len(s, i)) != 0) {
            out.seps.push_back(Sep::apostrophe);
        } else if ((n = space_len(s, i)) != 0) {
            out.seps.push_back(Sep::space);
        } else {
            return false;
        }
        i += n;
        if (i == s.size()) return false;  // a trailing separator
    }
    return out.groups.size() == out.seps.size() + 1 && out.groups.size() <= 8;
}

}  // namespace

Locale locale_from_language(std::string_view l) noexcept {
    char buf[4] = {0, 0, 0, 0};
    std::size_t n = 0;
    while (n < l.size() && n < 3 && is_alpha(l[n])) {
        buf[n] = lower(l[n]);
        ++n;
    }
    std::string_view code(buf, n);
    std::string_view region = n < l.size() && (l[n] == '-' || l[n] == '_') ? l.substr(n + 1) : "";
    if (code == "en" || code == "eng") {
        if (region == "US" || region == "us") return Locale::en_us;
        return Locale::en;
    }
    if ((code == "de" || code == "deu" || code == "ger") && (region == "CH" || region == "ch"))
        return Locale::ch;
    if (code == "de" || code == "deu" || code == "ger") return Locale::de;
    if (code == "fr" || code == "fra" || code == "fre") return Locale::fr;
    if (code == "nl" || code == "nld" || code == "dut") return Locale::nl;
    if (code == "es" || code == "spa") return Locale::es;
    if (code == "it" || code == "ita") return Locale::it;
    return Locale::unknown;
}

std::string currency_code(std::string_view token) {
    token = trim(token);
    if (token.empty() || token.size() > 8) return {};
    std::string code;
    std::size_t n = currency_prefix(token, code);
    if (n == token.size()) return code;
    if (token == "Fr" || token == "fr" || token == "CHF.") return "CHF";
    return {};
}

std::optional<Amount> parse_amount(std::string_view text, Locale hint, int decimals) {
    if (text.size() > kMaxInput || decimals < 0 || decimals > 6) return std::nullopt;
    std::string_view s = trim(text);
    bool negative = false;
    Amount out;
    // Signs, parentheses and currency around the number, in any order (bounded).
    for (int round = 0; round < 6 && !s.empty(); ++round) {
        std::size_t n = 0;
        std::string code;
        if ((n = minus_len(s, 0)) != 0 && !negative) {
            negative = true;
            s = trim(s.substr(n));
        } else if (s[0] == '+') {
            s = trim(s.substr(1));
        } else if (s.front() == '(' && s.back() == ')' && !negative) {
            negative = true;
            s = trim(s.substr(1, s.size() - 2));
        } else if (!is_digit(s[0]) && (n = currency_prefix(s, code)) != 0 && out.currency.empty()) {
            out.currency = code;
            s = trim(s.substr(n));
        } else if (!s.empty() && s.back() == '-' && !negative && s.size() >= 2 &&
                   is_digit(s[s.size() - 2])) {
            negative = true;  // accounting: "12,50-"
            s = trim(s.substr(0, s.size() - 1));
        } else if (!is_digit(s.back()) && s.back() != '-' && (n = currency_suffix(s, code)) != 0 &&
                   out.currency.empty()) {
            out.currency = code;
            s = trim(s.substr(0, s.size() - n));
        } else {
            break;
        }
    }
    if (s.empty() || !is_digit(s[0])) return std::nullopt;

    NumberParts p;
    if (!split_number(s, p)) return std::nullopt;
    const auto &g = p.groups;
    const auto &seps = p.seps;
    int dots = 0, commas = 0, others = 0;
    for (Sep k : seps) {
        if (k == Sep::dot) ++dots;
        else if (k == Sep::comma) ++commas;
        else ++others;
    }
    // Which separator (index into seps) is the decimal one, -1 for none.
    int decimal = -1;
    if (!seps.empty()) {
        Sep last = seps.back();
        int last_count = last == Sep::dot ? dots : last == Sep::comma ? commas : 0;
        if (last == Sep::apostrophe || last == Sep::space) {
            decimal = -1;
        } else if (dots > 0 && commas > 0) {
            if (last_count != 1) return std::nullopt;  // "1.234.567" after a comma
            decimal = static_cast<int>(seps.size()) - 1;
        } else if (last_count > 1) {
            decimal = -1;  // "1.234.567": grouping
        } else if (p.zero_fraction || others > 0 || g.back().size() != 3 || g.size() != 2 ||
                   g.front().size() > 3 || g.front() == "0") {
            // A lone '.' or ',' is the decimal separator when it cannot be grouping: other
            // grouping separators present, not 3 digits after it, "0.123", "1234.567".
            decimal = static_cast<int>(seps.size()) - 1;
        } else {
            // "1.234" / "1,234": the locale decides; without one it is ambiguous.
            if (hint == Locale::unknown) return std::nullopt;
            bool comma_is_decimal = decimal_comma(hint);
            decimal = ((last == Sep::comma) == comma_is_decimal) ? 0 : -1;
        }
    }
    std::size_t int_groups = decimal < 0 ? g.size() : static_cast<std::size_t>(decimal) + 1;
    // Grouping: one kind of separator, first group 1-3 digits, then groups of exactly 3.
    if (int_groups > 1) {
        Sep kind = seps[0];
        for (std::size_t i = 0; i + 1 < int_groups; ++i)
            if (seps[i] != kind) return std::nullopt;
        if (decimal >= 0 && seps[static_cast<std::size_t>(decimal)] == kind) return std::nullopt;
        if (g[0].size() > 3 || (g[0].size() > 1 && g[0][0] == '0') || g[0] == "0")
            return std::nullopt;
        for (std::size_t i = 1; i < int_groups; ++i)
            if (g[i].size() != 3) return std::nullopt;
    }
    std::string digits;
    for (std::size_t i = 0; i < int_groups; ++i) digits += g[i];
    std::string fraction = decimal >= 0 ? std::string(g.back()) : std::string();
    std::size_t lead = digits.find_first_not_of('0');
    digits = lead == std::string::npos ? "0" : digits.substr(lead);
    if (digits.size() > 15 || fraction.size() > 6) return std::nullopt;
    while (fraction.size() < static_cast<std::size_t>(decimals)) fraction += '0';
    bool zero = digits == "0" && fraction.find_first_not_of('0') == std::string::npos;
    out.value = (negative && !zero ? "-" : "") + digits;
    if (!fraction.empty()) out.value += "." + fraction;
    return out;
}

// ---- dates ----

int expand_two_digit_year(int yy) noexcept { return yy < 70 ? 2000 + yy : 1900 + yy; }

namespace {

// Lower-case ASCII with the Latin-1 accented letters folded to their base letter; other bytes
// are kept. "März" -> "marz", "Février" -> "fevrier", "août" -> "aout".
std::string fold(std::string_view w) {
    std::string out;
    for (std::size_t i = 0; i < w.size(); ++i) {
        unsigned char c = u(w[i]);
        if (c == 0xC3 && i + 1 < w.size()) {
            unsigned char d = static_cast<unsigned char>(u(w[i + 1]) | 0x20);  // lower case
            ++i;
            if (d >= 0xA0 && d <= 0xA5) out += 'a';
            else if (d == 0xA7) out += 'c';
            else if (d >= 0xA8 && d <= 0xAB) out += 'e';
            else if (d >= 0xAC && d <= 0xAF) out += 'i';
            else if (d == 0xB1) out += 'n';
            else if (d >= 0xB2 && d <= 0xB6) out += 'o';
            else if (d >= 0xB9 && d <= 0xBC) out += 'u';
            else out += '?';
        } else {
            out += lower(static_cast<char>(c));
        }
    }
    return out;
}

struct MonthName {
    const char *name;
    int month;
};
constexpr MonthName kMonths[] = {
    // English
    {"january", 1}, {"february", 2}, {"march", 3}, {"april", 4}, {"may", 5}, {"june", 6},
    {"july", 7}, {"august", 8}, {"september", 9}, {"october", 10}, {"november", 11},
    {"december", 12}, {"jan", 1}, {"feb", 2}, {"mar", 3}, {"apr", 4}, {"jun", 6}, {"jul", 7},
    {"aug", 8}, {"sep", 9}, {"sept", 9}, {"oct", 10}, {"nov", 11}, {"dec", 12},
    // German (and Austrian)
    {"januar", 1}, {"janner", 1}, {"jaenner", 1}, {"februar", 2}, {"feber", 2}, {"marz", 3},
    {"maerz", 3}, {"mrz", 3}, {"mai", 5}, {"juni", 6}, {"juli", 7}, {"oktober", 10},
    {"dezember", 12}, {"okt", 10}, {"dez", 12},
    // French
    {"janvier", 1}, {"fevrier", 2}, {"mars", 3}, {"avril", 4}, {"juin", 6}, {"juillet", 7},
    {"aout", 8}, {"septembre", 9}, {"octobre", 10}, {"novembre", 11}, {"decembre", 12},
    {"janv", 1}, {"fevr", 2}, {"fev", 2}, {"avr", 4}, {"juil", 7},
    // Dutch
    {"januari", 1}, {"februari", 2}, {"maart", 3}, {"mei", 5}, {"augustus", 8}, {"mrt", 3},
    // Spanish
    {"enero", 1}, {"febrero", 2}, {"marzo", 3}, {"abril", 4}, {"mayo", 5}, {"junio", 6},
    {"julio", 7}, {"agosto", 8}, {"septiembre", 9}, {"setiembre", 9}, {"octubre", 10},
    {"noviembre", 11}, {"diciembre", 12}, {"ene", 1}, {"abr", 4}, {"ago", 8}, {"dic", 12},
    // Italian
    {"gennaio", 1}, {"febbraio", 2}, {"aprile", 4}, {"maggio", 5}, {"giugno", 6},
    {"luglio", 7}, {"settembre", 9}, {"ottobre", 10}, {"dicembre", 12}, {"gen", 1},
    {"mag", 5}, {"giu", 6}, {"lug", 7}, {"set", 9}, {"ott", 10},
};

constexpr const char *kWeekdays[] = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue",
    "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "montag", "dienstag", "mittwoch",
    "donnerstag", "freitag", "samstag", "sonnabend", "sonntag", "mo", "di", "mi", "do", "fr",
    "sa", "so", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag", "lunes",
    "martes", "miercoles", "jueves", "viernes", "sabado", "domingo", "lunedi", "martedi",
    "mercoledi", "giovedi", "venerdi", "sabato", "domenica"};

// Filler words between the parts of a written date.
constexpr const char *kFillers[] = {"de", "del", "le", "the", "of", "den", "der", "il", "el"};

std::string format_date(int y, int m, int d) {
    char buf[16];
    buf[0] = static_cast<char>('0' + y / 1000 % 10);
    buf[1] = static_cast<char>('0' + y / 100 % 10);
    buf[2] = static_cast<char>('0' + y / 10 % 10);
    buf[3] = static_cast<char>('0' + y % 10);
    buf[4] = '-';
    buf[5] = static_cast<char>('0' + m / 10);
    buf[6] = static_cast<char>('0' + m % 10);
    buf[7] = '-';
    buf[8] = static_cast<char>('0' + d / 10);
    buf[9] = static_cast<char>('0' + d % 10);
    return std::string(buf, 10);
}

std::optional<std::string> checked(int y, int m, int d) {
    if (y < 1000 || y > 2999 || !date_exists(y, m, d)) return std::nullopt;
    return format_date(y, m, d);
}

struct Token {
    bool number;
    std::string text;  // digits, or the folded word
    char sep_after;    // the first punctuation character after the token, 0 if none
};

// Numbers and words (letters, UTF-8 bytes), separated by spaces and punctuation.
bool tokenize(std::string_view s, std::vector<Token> &out) {
    std::size_t i = 0;
    while (i < s.size()) {
        if (out.size() > 8) return false;
        char c = s[i];
        if (is_digit(c)) {
            std::size_t st = i;
            while (i < s.size() && is_digit(s[i])) ++i;
            out.push_back({true, std::string(s.substr(st, i - st)), 0});
            // Ordinal suffixes glued to the day: 1st 2nd 3rd 4th 1er 1re 1º 1°.
            std::size_t st2 = i;
            while (i < s.size() && is_alpha(s[i]) && i - st2 < 3) ++i;
            std::string suf = fold(s.substr(st2, i - st2));
            if (!suf.empty() && suf != "st" && suf != "nd" && suf != "rd" && suf != "th" &&
                suf != "er" && suf != "re" && suf != "e")
                return false;
            if (i + 1 < s.size() && ((u(s[i]) == 0xC2 && (u(s[i + 1]) == 0xBA || u(s[i + 1]) == 0xB0))))
                i += 2;
        } else if (is_alpha(c) || u(c) >= 0x80) {
            std::size_t st = i;
            while (i < s.size() && (is_alpha(s[i]) || u(s[i]) >= 0x80)) {
                if (space_len(s, i) != 0) break;
                ++i;
            }
            out.push_back({false, fold(s.substr(st, i - st)), 0});
        } else {
            if (!out.empty() && out.back().sep_after == 0 && c != ' ') out.back().sep_after = c;
            if (c != ' ' && c != '.' && c != ',' && c != '/' && c != '-' && c != '\t')
                return false;
            ++i;
        }
        std::size_t n = space_len(s, i);
        if (n > 1) i += n;
    }
    return true;
}

bool is_weekday(const std::string &w) {
    for (const char *d : kWeekdays)
        if (w == d) return true;
    return false;
}
bool is_filler(const std::string &w) {
    for (const char *f : kFillers)
        if (w == f) return true;
    return false;
}

int to_int(const std::string &digits) noexcept {
    if (digits.empty() || digits.size() > 4) return -1;
    int v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    return v;
}

int year_of(const std::string &digits) noexcept {
    if (digits.size() == 4) return to_int(digits);
    if (digits.size() == 2) return expand_two_digit_year(to_int(digits));
    return -1;
}

std::optional<std::string> numeric_date(std::string_view s, Locale hint) {
    // n1 sep n2 sep n3, one separator kind ('.', '/', '-'), spaces allowed after '.'.
    int parts[3] = {0, 0, 0};
    std::size_t lens[3] = {0, 0, 0};
    char sep = 0;
    std::size_t i = 0;
    for (int k = 0; k < 3; ++k) {
        std::size_t st = i;
        while (i < s.size() && is_digit(s[i]) && i - st < 5) ++i;
        lens[k] = i - st;
        if (lens[k] == 0 || lens[k] > 4) return std::nullopt;
        parts[k] = to_int(std::string(s.substr(st, lens[k])));
        if (k == 2) break;
        if (i >= s.size()) return std::nullopt;
        char c = s[i];
        if (c != '.' && c != '/' && c != '-') return std::nullopt;
        if (sep != 0 && c != sep) return std::nullopt;
        sep = c;
        ++i;
        if (c == '.')
            while (i < s.size() && s[i] == ' ') ++i;
    }
    if (i != s.size() && !(i + 1 == s.size() && s[i] == '.')) return std::nullopt;
    if (lens[0] == 4) {  // ISO order
        if (lens[1] > 2 || lens[2] > 2) return std::nullopt;
        return checked(parts[0], parts[1], parts[2]);
    }
    if (lens[0] > 2 || lens[1] > 2 || (lens[2] != 4 && lens[2] != 2)) return std::nullopt;
    int y = lens[2] == 4 ? parts[2] : expand_two_digit_year(parts[2]);
    int a = parts[0], b = parts[1];
    if (sep == '.') return checked(y, b, a);  // day first wherever dots are used
    bool day_first;
    if (a > 12 && b <= 12) day_first = true;
    else if (b > 12 && a <= 12) day_first = false;
    else if (a == b) day_first = true;
    else if (hint == Locale::en_us) day_first = false;
    else if (hint == Locale::unknown) return std::nullopt;  // "03/04/2024": ambiguous
    else day_first = true;
    return day_first ? checked(y, b, a) : checked(y, a, b);
}

}  // namespace

int month_from_name(std::string_view word) {
    if (word.empty() || word.size() > 24) return 0;
    std::string w = fold(word);
    if (!w.empty() && w.back() == '.') w.pop_back();
    for (const MonthName &m : kMonths)
        if (w == m.name) return m.month;
    return 0;
}

std::optional<std::string> parse_date(std::string_view text, Locale hint) {
    if (text.size() > kMaxInput) return std::nullopt;
    std::string_view s = trim(text);
    if (s.empty()) return std::nullopt;
    if (is_digit(s[0])) {
        if (auto d = numeric_date(s, hint)) return d;
    }
    std::vector<Token> toks;
    if (!tokenize(s, toks)) return std::nullopt;
    std::vector<Token> t;
    for (std::size_t i = 0; i < toks.size(); ++i) {
        if (!toks[i].number && i == 0 && is_weekday(toks[i].text)) continue;
        if (!toks[i].number && is_filler(toks[i].text)) continue;
        t.push_back(toks[i]);
    }
    if (t.size() != 3) return std::nullopt;
    // D Month Y
    if (t[0].number && !t[1].number && t[2].number) {
        int m = month_from_name(t[1].text);
        int d = t[0].text.size() <= 2 ? to_int(t[0].text) : -1;
        int y = year_of(t[2].text);
        if (m == 0 || d < 1 || y < 0) return std::nullopt;
        return checked(y, m, d);
    }
    // Month D, Y
    if (!t[0].number && t[1].number && t[2].number) {
        int m = month_from_name(t[0].text);
        int d = t[1].text.size() <= 2 ? to_int(t[1].text) : -1;
        int y = t[2].text.size() == 4 ? to_int(t[2].text) : -1;
        if (m == 0 || d < 1 || y < 0) return std::nullopt;
        return checked(y, m, d);
    }
    // Y Month D (ISO-like with a month name: "2024 Mar 05", "2024-Mar-05")
    if (t[0].number && t[0].text.size() == 4 && !t[1].number && t[2].number &&
        t[2].text.size() <= 2) {
        int m = month_from_name(t[1].text);
        if (m == 0) return std::nullopt;
        return checked(to_int(t[0].text), m, to_int(t[2].text));
    }
    return std::nullopt;
}

std::optional<std::string> parse_time(std::string_view text) {
    if (text.size() > kMaxInput) return std::nullopt;
    std::string_view s = trim(text);
    std::size_t i = 0;
    auto digits = [&](std::size_t max) {
        std::size_t st = i;
        while (i < s.size() && is_digit(s[i]) && i - st < max) ++i;
        return s.substr(st, i - st);
    };
    auto skip_spaces = [&] {
        while (i < s.size() && s[i] == ' ') ++i;
    };
    std::string_view hh = digits(2);
    if (hh.empty() || (i < s.size() && is_digit(s[i]))) return std::nullopt;
    skip_spaces();
    if (i >= s.size()) return std::nullopt;
    char sep = lower(s[i]);
    if (sep != ':' && sep != '.' && sep != 'h') return std::nullopt;
    ++i;
    skip_spaces();
    std::string_view mm = digits(2);
    if (mm.size() != 2 || (i < s.size() && is_digit(s[i]))) return std::nullopt;
    if (i < s.size() && s[i] == ':') {
        ++i;
        std::string_view ss = digits(2);
        if (ss.size() != 2 || to_int(std::string(ss)) > 59) return std::nullopt;
    }
    skip_spaces();
    std::string rest = fold(s.substr(i));
    std::string compact;
    for (char c : rest)
        if (c != '.' && c != ' ') compact += c;
    int h = to_int(std::string(hh));
    int m = to_int(std::string(mm));
    if (m > 59) return std::nullopt;
    if (compact == "am" || compact == "pm") {
        if (h < 1 || h > 12) return std::nullopt;
        if (compact == "am" && h == 12) h = 0;
        if (compact == "pm" && h != 12) h += 12;
    } else if (!(compact.empty() || compact == "uhr" || compact == "h")) {
        return std::nullopt;
    }
    if (h > 23) return std::nullopt;
    std::string out = "00:00";
    out[0] = static_cast<char>('0' + h / 10);
    out[1] = static_cast<char>('0' + h % 10);
    out[3] = static_cast<char>('0' + m / 10);
    out[4] = static_cast<char>('0' + m % 10);
    return out;
}

}  // namespace docextract::fields
