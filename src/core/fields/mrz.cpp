// ICAO Doc 9303 MRZ parsing: Part 3 (check digits, character values), Part 4 (TD3), Part 5
// (TD1), Part 6 (TD2).
#include "core/fields/mrz.hpp"

#include <ctime>
#include <set>
#include <utility>

#include "core/fields/checks.hpp"
#include "core/purity.hpp"

namespace docextract::fields {
namespace {

constexpr std::size_t kMaxText = 1u << 20;
constexpr std::size_t kMaxLines = 4096;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }

// OCR confusions: letter read where a digit belongs, and the reverse.
char letter_to_digit(char c) noexcept {
    switch (c) {
    case 'O': case 'Q': case 'D': case 'U': return '0';
    case 'I': case 'L': case 'T': return c == 'T' ? '7' : '1';
    case 'Z': return '2';
    case 'S': return '5';
    case 'G': return '6';
    case 'B': return '8';
    default: return 0;
    }
}
char digit_to_letter(char c) noexcept {
    switch (c) {
    case '0': return 'O';
    case '1': return 'I';
    case '2': return 'Z';
    case '5': return 'S';
    case '6': return 'G';
    case '8': return 'B';
    default: return 0;
    }
}
// The other reading of an ambiguous character in an alphanumeric field, 0 if none.
char alternative(char c) noexcept {
    switch (c) {
    case '0': return 'O';
    case 'O': return '0';
    case '1': return 'I';
    case 'I': return '1';
    case '2': return 'Z';
    case 'Z': return '2';
    case '5': return 'S';
    case 'S': return '5';
    case '6': return 'G';
    case 'G': return '6';
    case '8': return 'B';
    case 'B': return '8';
    default: return 0;
    }
}

// Pairs OCR-B glyphs are misread as, wider than alternative(): the generated and scanned ID
// cards also show 9/I, T/Z, T/7, 6/B, 0/D/Q/U, 1/L/J.
bool confusable(char a, char b) noexcept {
    static constexpr const char *kPairs[] = {"0O", "0Q", "0D", "0U", "OQ", "OD", "1I", "1L", "1J",
                                             "IL", "IJ", "2Z", "5S", "6G", "6B", "8B", "9I", "7T",
                                             "TZ"};
    for (const char *p : kPairs)
        if ((a == p[0] && b == p[1]) || (a == p[1] && b == p[0])) return true;
    return false;
}

struct Span {
    int line;
    int pos;
    int len;
};

struct Layout {
    const char *name;
    int lines;
    int width;
    Span code, issuer, names, number, number_cd, nationality, birth, birth_cd, sex, expiry,
        expiry_cd, optional1, optional1_cd, optional2, composite;
    Span composite_parts[4];
    int composite_count;
};

constexpr Span kNone{-1, 0, 0};

// ICAO 9303-4 (TD3), -5 (TD1), -6 (TD2); positions 0-based.
constexpr Layout kTD3{"TD3", 2, 44,
                      {0, 0, 2}, {0, 2, 3}, {0, 5, 39}, {1, 0, 9}, {1, 9, 1}, {1, 10, 3},
                      {1, 13, 6}, {1, 19, 1}, {1, 20, 1}, {1, 21, 6}, {1, 27, 1}, {1, 28, 14},
                      {1, 42, 1}, kNone, {1, 43, 1},
                      {{1, 0, 10}, {1, 13, 7}, {1, 21, 22}, kNone}, 3};
constexpr Layout kTD2{"TD2", 2, 36,
                      {0, 0, 2}, {0, 2, 3}, {0, 5, 31}, {1, 0, 9}, {1, 9, 1}, {1, 10, 3},
                      {1, 13, 6}, {1, 19, 1}, {1, 20, 1}, {1, 21, 6}, {1, 27, 1}, {1, 28, 7},
                      kNone, kNone, {1, 35, 1},
                      {{1, 0, 10}, {1, 13, 7}, {1, 21, 14}, kNone}, 3};
constexpr Layout kTD1{"TD1", 3, 30,
                      {0, 0, 2}, {0, 2, 3}, {2, 0, 30}, {0, 5, 9}, {0, 14, 1}, {1, 15, 3},
                      {1, 0, 6}, {1, 6, 1}, {1, 7, 1}, {1, 8, 6}, {1, 14, 1}, {0, 15, 15},
                      kNone, {1, 18, 11}, {1, 29, 1},
                      {{0, 5, 25}, {1, 0, 7}, {1, 8, 7}, {1, 18, 11}}, 4};

struct Zone {
    const Layout *layout;
    std::vector<std::string> lines;
    std::vector<std::string> corrections;
    std::vector<std::string> corrected_fields;  // field names whose value was corrected

    std::string_view at(Span s) const {
        return std::string_view(lines[static_cast<std::size_t>(s.line)])
            .substr(static_cast<std::size_t>(s.pos), static_cast<std::size_t>(s.len));
    }
    char &ch(Span s, int i) {
        return lines[static_cast<std::size_t>(s.line)][static_cast<std::size_t>(s.pos + i)];
    }
};

bool check_digit_ok(std::string_view field, char cd) {
    int v = mrz_check_digit(field);
    if (v < 0) return false;
    // An empty optional field may carry '<' as its check digit (ICAO 9303-4, 4.2.2.2).
    if (cd == '<') return field.find_first_not_of('<') == std::string_view::npos;
    return is_digit(cd) && v == cd - '0';
}

std::string composite_string(const Zone &z) {
    std::string s;
    for (int i = 0; i < z.layout->composite_count; ++i) s += z.at(z.layout->composite_parts[i]);
    return s;
}

bool composite_ok(const Zone &z) {
    return check_digit_ok(composite_string(z), z.at(z.layout->composite)[0]);
}

// Digits-only positions: letters read there become digits; recorded as corrections.
void force_digits(Zone &z, Span s, const char *what) {
    if (s.line < 0) return;
    for (int i = 0; i < s.len; ++i) {
        char &c = z.ch(s, i);
        if (is_digit(c) || c == '<') continue;
        char d = letter_to_digit(c);
        if (d != 0) {
            z.corrections.push_back(std::string(what) + ": " + c + "->" + d + " at " +
                                    std::to_string(i + 1));
            z.corrected_fields.push_back(what);
            c = d;
        }
    }
}
// Letters-only positions.
void force_letters(Zone &z, Span s, const char *what) {
    if (s.line < 0) return;
    for (int i = 0; i < s.len; ++i) {
        char &c = z.ch(s, i);
        if (is_upper(c) || c == '<') continue;
        char l = digit_to_letter(c);
        if (l != 0) {
            z.corrections.push_back(std::string(what) + ": " + c + "->" + l + " at " +
                                    std::to_string(i + 1));
            z.corrected_fields.push_back(what);
            c = l;
        }
    }
}

// Alphanumeric field with its own check digit (and the composite): if the check fails, try up
// to two substitutions of ambiguous characters; keep the single combination that passes both.
void search_alphanumeric(Zone &z, Span field, Span cd, const char *what) {
    if (field.line < 0 || cd.line < 0) return;
    if (check_digit_ok(z.at(field), z.at(cd)[0])) return;
    std::vector<int> positions;
    for (int i = 0; i < field.len; ++i)
        if (alternative(z.ch(field, i)) != 0) positions.push_back(i);
    if (positions.empty() || positions.size() > 14) return;
    std::vector<std::pair<int, int>> found;  // (i, j), j = -1 for a single substitution
    auto passes = [&] {
        return check_digit_ok(z.at(field), z.at(cd)[0]) && composite_ok(z);
    };
    for (int level = 1; level <= 2 && found.empty(); ++level) {
        for (std::size_t a = 0; a < positions.size(); ++a) {
            char &ca = z.ch(field, positions[a]);
            ca = alternative(ca);
            if (level == 1) {
                if (passes()) found.push_back({positions[a], -1});
            } else {
                for (std::size_t b = a + 1; b < positions.size(); ++b) {
                    char &cb = z.ch(field, positions[b]);
                    cb = alternative(cb);
                    if (passes()) found.push_back({positions[a], positions[b]});
                    cb = alternative(cb);
                }
            }
            ca = alternative(ca);
        }
    }
    if (found.size() != 1) return;  // none, or ambiguous: leave it failed
    for (int p : {found[0].first, found[0].second}) {
        if (p < 0) continue;
        char &c = z.ch(field, p);
        char to = alternative(c);
        z.corrections.push_back(std::string(what) + ": " + c + "->" + to + " at " +
                                std::to_string(p + 1));
        z.corrected_fields.push_back(what);
        c = to;
    }
}

// The printed number where the MRZ's reading of it fails: a candidate that agrees with the
// reading in at least a third of the positions, differs from it only by confusable glyphs, and makes the number's check digit (as read) and
// the composite pass, if it is the only one. Confusions beyond the bounded search (OCR-B 9/I,
// T/Z, several in one field) are thus confirmed by two check digits and the printed page.
void recover_number(Zone &z, const std::vector<std::string> &candidates) {
    const Layout &L = *z.layout;
    if (candidates.empty()) return;
    if (check_digit_ok(z.at(L.number), z.at(L.number_cd)[0]) && composite_ok(z)) return;
    const std::string read(z.at(L.number));
    std::set<std::string> passing;
    for (const auto &w : candidates) {
        if (w.empty() || w.size() > read.size()) continue;
        const std::string padded = w + std::string(read.size() - w.size(), '<');
        std::size_t same = 0;
        bool confusions = true;
        for (std::size_t i = 0; i < read.size(); ++i) {
            same += padded[i] == read[i];
            confusions = confusions && (padded[i] == read[i] || confusable(padded[i], read[i]));
        }
        if (!confusions || same == read.size() || same * 3 < read.size()) continue;
        for (int i = 0; i < L.number.len; ++i) z.ch(L.number, i) = padded[static_cast<std::size_t>(i)];
        if (check_digit_ok(padded, z.at(L.number_cd)[0]) && composite_ok(z)) passing.insert(padded);
        for (int i = 0; i < L.number.len; ++i) z.ch(L.number, i) = read[static_cast<std::size_t>(i)];
    }
    if (passing.size() != 1) return;
    const std::string &to = *passing.begin();
    for (int i = 0; i < L.number.len; ++i) z.ch(L.number, i) = to[static_cast<std::size_t>(i)];
    z.corrections.push_back("document_number: " + read + "->" + to + " from the visual zone");
    z.corrected_fields.push_back("document_number");
}

std::string strip_fillers(std::string_view s) {
    std::size_t end = s.find_last_not_of('<');
    if (end == std::string_view::npos) return {};
    std::string out(s.substr(0, end + 1));
    for (char &c : out)
        if (c == '<') c = ' ';
    // Collapse runs of spaces.
    std::string collapsed;
    for (char c : out) {
        if (c == ' ' && (collapsed.empty() || collapsed.back() == ' ')) continue;
        collapsed += c;
    }
    while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
    return collapsed;
}

int two_digits(std::string_view s) noexcept {
    if (s.size() != 2 || !is_digit(s[0]) || !is_digit(s[1])) return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

// YYMMDD -> YYYY-MM-DD with the century rule, "" if unknown ('<') or impossible.
std::string mrz_date(std::string_view d, bool birth, int current_year, bool &exists) {
    exists = false;
    int yy = two_digits(d.substr(0, 2)), mm = two_digits(d.substr(2, 2)),
        dd = two_digits(d.substr(4, 2));
    if (yy < 0 || mm < 0 || dd < 0) return {};
    int year = 2000 + yy;
    if (birth && year > current_year) year -= 100;
    if (!birth && year > current_year + 50) year -= 100;
    if (!date_exists(year, mm, dd)) return {};
    exists = true;
    std::string out = "0000-00-00";
    out[0] = static_cast<char>('0' + year / 1000 % 10);
    out[1] = static_cast<char>('0' + year / 100 % 10);
    out[2] = static_cast<char>('0' + year / 10 % 10);
    out[3] = static_cast<char>('0' + year % 10);
    out[5] = static_cast<char>('0' + mm / 10);
    out[6] = static_cast<char>('0' + mm % 10);
    out[8] = static_cast<char>('0' + dd / 10);
    out[9] = static_cast<char>('0' + dd % 10);
    return out;
}

void add_unique(std::vector<std::string> &v, const std::string &s) {
    for (const auto &x : v)
        if (x == s) return;
    v.push_back(s);
}

MrzResult interpret(Zone z, int current_year, const std::vector<std::string> &candidates) {
    const Layout &L = *z.layout;
    // 1. Positions that allow only digits, or only letters.
    force_digits(z, L.birth, "birth_date");
    force_digits(z, L.birth_cd, "birth_date check digit");
    force_digits(z, L.expiry, "expiry_date");
    force_digits(z, L.expiry_cd, "expiry_date check digit");
    force_digits(z, L.number_cd, "document_number check digit");
    force_digits(z, L.optional1_cd, "personal_number check digit");
    force_digits(z, L.composite, "composite check digit");
    force_letters(z, L.code, "document_code");
    force_letters(z, L.issuer, "issuing_country");
    force_letters(z, L.nationality, "nationality");
    force_letters(z, L.names, "names");
    force_letters(z, L.sex, "sex");

    // 2. TD1 long document numbers continue in the optional data (ICAO 9303-5, 4.2.4 note j).
    bool long_number = L.lines == 3 && z.at(L.number_cd)[0] == '<' &&
                       z.at(L.number).find('<') == std::string_view::npos &&
                       z.at(L.optional1)[0] != '<';
    std::string number_field, number_cd;
    if (long_number) {
        std::string_view opt = z.at(L.optional1);
        std::size_t end = opt.find('<');
        if (end == std::string_view::npos) end = opt.size();
        number_field = std::string(z.at(L.number)) + std::string(opt.substr(0, end - 1));
        number_cd = std::string(1, opt[end - 1]);
    } else {
        // 3. The alphanumeric fields with their own check digit: bounded search.
        // the printed number first: blind substitutions pass a wrong number one time in ten
        recover_number(z, candidates);
        search_alphanumeric(z, L.number, L.number_cd, "document_number");
        if (L.optional1_cd.line >= 0)
            search_alphanumeric(z, L.optional1, L.optional1_cd, "personal_number");
        number_field = std::string(z.at(L.number));
        number_cd = std::string(z.at(L.number_cd));
    }

    MrzResult r;
    r.format = L.name;
    r.lines = z.lines;
    r.corrections = z.corrections;
    auto record = [&](const char *name, bool ok) {
        if (ok) r.checks.push_back(name);
        else r.failed_checks.push_back(name);
        return ok;
    };
    bool number_ok = record(kMrzDocumentNumberCheck, check_digit_ok(number_field, number_cd[0]));
    bool birth_ok = record(kMrzBirthDateCheck, check_digit_ok(z.at(L.birth), z.at(L.birth_cd)[0]));
    bool expiry_ok =
        record(kMrzExpiryDateCheck, check_digit_ok(z.at(L.expiry), z.at(L.expiry_cd)[0]));
    bool personal_ok = true;
    if (L.optional1_cd.line >= 0)
        personal_ok = record(kMrzPersonalNumberCheck,
                             check_digit_ok(z.at(L.optional1), z.at(L.optional1_cd)[0]));
    bool composite = record(kMrzCompositeCheck, composite_ok(z));

    auto put = [&](const char *name, std::string value,
                   std::initializer_list<std::pair<const char *, bool>> checks) {
        if (value.empty()) return;
        Field f;
        f.value = std::move(value);
        std::string_view n(name);
        for (const auto &c : z.corrected_fields) {
            std::string_view cf(c);
            if (cf.substr(0, n.size()) == n ||
                ((n == "surname" || n == "given_names") && cf == "names"))
                f.corrected = true;
        }
        for (auto &c : checks) (c.second ? f.checks : f.failed_checks).push_back(c.first);
        r.fields[name] = std::move(f);
    };
    put("document_code", strip_fillers(z.at(L.code)), {});
    put("issuing_country", strip_fillers(z.at(L.issuer)), {});
    put("nationality", strip_fillers(z.at(L.nationality)), {});
    // Names: primary identifier << secondary identifier, '<' between name parts.
    std::string_view names = z.at(L.names);
    std::size_t split = names.find("<<");
    std::string surname = strip_fillers(names.substr(0, split));
    std::string given = split == std::string_view::npos ? "" : strip_fillers(names.substr(split + 2));
    put("surname", surname, {});
    put("given_names", given, {});
    put("document_number", strip_fillers(number_field),
        {{kMrzDocumentNumberCheck, number_ok}, {kMrzCompositeCheck, composite}});
    bool exists = false;
    std::string birth = mrz_date(z.at(L.birth), true, current_year, exists);
    put("birth_date", birth,
        {{kMrzBirthDateCheck, birth_ok}, {kMrzCompositeCheck, composite}, {kDateExists, exists}});
    if (birth.empty() && z.at(L.birth).find('<') == std::string_view::npos)
        add_unique(r.failed_checks, kDateExists);
    std::string expiry = mrz_date(z.at(L.expiry), false, current_year, exists);
    put("expiry_date", expiry,
        {{kMrzExpiryDateCheck, expiry_ok}, {kMrzCompositeCheck, composite}, {kDateExists, exists}});
    if (expiry.empty() && z.at(L.expiry).find('<') == std::string_view::npos)
        add_unique(r.failed_checks, kDateExists);
    char sex = z.at(L.sex)[0];
    put("sex", sex == 'M' || sex == 'F' ? std::string(1, sex) : sex == '<' || sex == 'X' ? "X" : "",
        {});
    if (sex != 'M' && sex != 'F' && sex != '<' && sex != 'X') r.failed_checks.push_back("mrz_sex");
    std::string personal;
    if (L.optional1_cd.line >= 0) {
        personal = strip_fillers(z.at(L.optional1));
        put("personal_number", personal,
            {{kMrzPersonalNumberCheck, personal_ok}, {kMrzCompositeCheck, composite}});
    } else {
        // TD1/TD2: optional data, covered by the composite only (TD1: line 1 unless it holds
        // the end of a long document number, else line 2).
        std::string opt1 = long_number ? "" : strip_fillers(z.at(L.optional1));
        std::string opt2 = L.optional2.line >= 0 ? strip_fillers(z.at(L.optional2)) : "";
        personal = !opt1.empty() ? opt1 : opt2;
        put("personal_number", personal, {{kMrzCompositeCheck, composite}});
    }
    std::string raw;
    for (const auto &l : z.lines) raw += (raw.empty() ? "" : "\n") + l;
    Field mrz;
    mrz.value = raw;
    mrz.checks = r.checks;
    mrz.failed_checks = r.failed_checks;
    r.fields["mrz"] = std::move(mrz);
    return r;
}

// Cleans an OCR line: spaces dropped, lower case raised, '«' read as "<<"; "" if anything else
// than [A-Z0-9<] remains or the line is too long to be an MRZ line.
std::string clean_line(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (out.size() > 48) return {};
        if (c == ' ' || c == '\t' || c == '\r') continue;
        if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xAB) {
            out += "<<";
            ++i;
            continue;
        }
        if (c >= 'a' && c <= 'z') c = static_cast<unsigned char>(c - 'a' + 'A');
        if (!(is_upper(static_cast<char>(c)) || is_digit(static_cast<char>(c)) || c == '<'))
            return {};
        out += static_cast<char>(c);
    }
    return out;
}

// Fits a cleaned line to `width`: trailing fillers beyond it are cut; a name line (`pad`) that
// lost up to 8 trailing fillers is padded. False if it does not fit.
bool fit(std::string &line, std::size_t width, bool pad) {
    if (line.size() > width) {
        if (line.find_first_not_of('<', width) != std::string::npos) return false;
        line.resize(width);
    }
    if (line.size() < width) {
        if (!pad || line.size() + 8 < width) return false;
        line.append(width - line.size(), '<');
    }
    return true;
}

// Date and check-digit positions hold digits, '<' or letters OCR confuses with digits; the
// sex is M, F, X or '<'. Rejects name lines and prose taken for data lines.
bool structurally_plausible(const Zone &z) {
    const Layout &L = *z.layout;
    for (Span s : {L.birth, L.birth_cd, L.expiry, L.expiry_cd, L.number_cd, L.optional1_cd,
                   L.composite}) {
        if (s.line < 0) continue;
        for (char c : z.at(s))
            if (!is_digit(c) && c != '<' && letter_to_digit(c) == 0) return false;
    }
    char sex = z.at(L.sex)[0];
    return sex == 'M' || sex == 'F' || sex == 'X' || sex == '<';
}

bool plausible_code(char c, const Layout &L) {
    if (&L == &kTD3) return c == 'P';
    return c == 'I' || c == 'A' || c == 'C';
}

// TD1 line 1 one character short (a glyph lost in the document number): the printed numbers
// that differ from the reading by one lost character give the candidate lines; the zone is
// taken only if exactly one of them makes every check digit pass.
std::optional<MrzResult> restore_short_line1(const Zone &z, const std::string &line1, int year,
                                             const std::vector<std::string> &candidates) {
    const Layout &L = *z.layout;
    const std::size_t pos = static_cast<std::size_t>(L.number.pos);
    const std::size_t len = static_cast<std::size_t>(L.number.len);
    const std::string read = line1.substr(pos, len - 1);
    std::set<std::string> tried;
    std::optional<MrzResult> found;
    int valid = 0;
    for (const auto &w : candidates) {
        if (w.size() > len) continue;
        const std::string padded = w + std::string(len - w.size(), '<');
        bool lost_one = false;
        for (std::size_t p = 0; p < len && !lost_one; ++p)
            lost_one = std::string(padded).erase(p, 1) == read;
        if (!lost_one) continue;
        std::string line = line1.substr(0, pos) + padded + line1.substr(pos + len - 1);
        if (!tried.insert(line).second) continue;
        Zone c = z;
        c.lines[0] = std::move(line);
        if (!structurally_plausible(c)) continue;
        MrzResult r = interpret(std::move(c), year, {});
        if (!r.valid()) continue;
        ++valid;
        found = std::move(r);
    }
    if (valid != 1) return std::nullopt;
    found->corrections.push_back("document_number: a character lost in line 1 restored from the visual zone");
    found->fields["document_number"].corrected = true;
    return found;
}

}  // namespace

int mrz_check_digit(std::string_view field) noexcept {
    static constexpr int kWeights[3] = {7, 3, 1};
    int sum = 0;
    for (std::size_t i = 0; i < field.size(); ++i) {
        char c = field[i];
        int v;
        if (c == '<') v = 0;
        else if (is_digit(c)) v = c - '0';
        else if (is_upper(c)) v = c - 'A' + 10;
        else return -1;
        sum += v * kWeights[i % 3];
    }
    return sum % 10;
}

std::vector<std::string> visual_zone_numbers(std::string_view text) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    std::string w;
    auto flush = [&] {
        const bool digit = w.find_first_of("0123456789") != std::string::npos;
        if (w.size() >= 5 && w.size() <= 9 && digit && out.size() < 64 && seen.insert(w).second)
            out.push_back(w);
        w.clear();
    };
    for (std::size_t i = 0; i < text.size() && i < kMaxText; ++i) {
        if (is_upper(text[i]) || is_digit(text[i])) w += text[i];
        else flush();
        if (w.size() > 9) w.assign(10, '#');  // longer than a number: never kept
    }
    flush();
    return out;
}

std::optional<MrzResult> parse_mrz(std::string_view text, const MrzOptions &options) {
    if (text.size() > kMaxText) text = text.substr(0, kMaxText);
    int year = options.current_year;
    if (year == 0) {
        std::time_t now = std::time(nullptr);
        std::tm tm{};
        gmtime_r(&now, &tm);
        year = tm.tm_year + 1900;
    }
    // Candidate lines (cleaned), with their line numbers.
    std::vector<std::pair<std::size_t, std::string>> cand;
    std::size_t lineno = 0;
    std::size_t start = 0;
    while (start <= text.size() && lineno < kMaxLines) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string c = clean_line(text.substr(start, end - start));
        if (c.size() >= 22 && c.size() <= 48) cand.push_back({lineno, std::move(c)});
        ++lineno;
        start = end + 1;
    }
    std::optional<MrzResult> fallback;
    for (const Layout *L : {&kTD3, &kTD1, &kTD2}) {
        for (std::size_t i = 0; i + static_cast<std::size_t>(L->lines) <= cand.size(); ++i) {
            Zone z{L, {}, {}, {}};
            bool ok = true;
            std::string short_line1;  // a TD1 line 1 of 29 characters
            for (int k = 0; k < L->lines && ok; ++k) {
                const auto &c = cand[i + static_cast<std::size_t>(k)];
                // Consecutive lines, at most one blank or noise line between them.
                if (k > 0 && c.first - cand[i + static_cast<std::size_t>(k) - 1].first > 2) ok = false;
                std::string line = c.second;
                bool is_name_line = L->names.line == k;
                if (ok && k == 0 && L == &kTD1 && line.size() == 29 && !options.number_candidates.empty()) {
                    short_line1 = line;
                    line += '<';  // stands in until restore_short_line1() rebuilds it
                } else if (ok && !fit(line, static_cast<std::size_t>(L->width), is_name_line)) {
                    ok = false;
                }
                z.lines.push_back(std::move(line));
            }
            if (!ok) continue;
            char code = z.lines[0][0];
            if (code == '0') code = 'O';
            // OCR-B I read as L: no document code begins with L (ICAO 9303-5, -6: A, C or I)
            if (code == 'L' && L != &kTD3) {
                code = 'I';
                z.lines[0][0] = 'I';
                if (!short_line1.empty()) short_line1[0] = 'I';
                z.corrections.push_back("document_code: L->I at 1");
                z.corrected_fields.push_back("document_code");
            }
            if (!plausible_code(code, *L)) continue;
            if (!short_line1.empty()) {
                if (auto r = restore_short_line1(z, short_line1, year, options.number_candidates)) return r;
                continue;
            }
            if (!structurally_plausible(z)) continue;
            // The data line must hold digits where the dates are (after OCR mapping).
            MrzResult r = interpret(std::move(z), year, options.number_candidates);
            if (r.valid()) return r;
            if (!fallback) fallback = std::move(r);
        }
        if (fallback) break;  // a well-formed zone of this size: do not reinterpret as another
    }
    return fallback;
}

}  // namespace docextract::fields
