// Identifier checks. Sources: ISO 13616 and the SWIFT IBAN registry (lengths), ISO 9362 (BIC),
// ISO 11649 (RF), SIX Swiss Payment Standards (QR reference), ISO/IEC 7812 (Luhn), GS1 General
// Specifications 7.9 (GTIN), ABA (routing numbers), the national VAT id rules (docs/fields.md).
#include "core/fields/checks.hpp"

#include <array>
#include <cstring>

#include "core/purity.hpp"

namespace docextract::fields {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
bool is_alnum_upper(char c) noexcept { return is_digit(c) || is_upper(c); }

bool all_digits(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_digit(c)) return false;
    return true;
}
bool all_upper(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_upper(c)) return false;
    return true;
}
bool all_alnum_upper(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_alnum_upper(c)) return false;
    return true;
}
int dv(char c) noexcept { return c - '0'; }

// Lower-case letters are folded; spaces etc. removed. Returns false if the result would exceed
// `max` characters or holds anything but [A-Z0-9].
bool compact_into(std::string_view in, char *out, std::size_t max, std::size_t &len) noexcept {
    len = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (c == ' ' || c == '\t' || c == '-' || c == '.') continue;
        if (c == 0xC2 && i + 1 < in.size() && static_cast<unsigned char>(in[i + 1]) == 0xA0) {
            ++i;  // U+00A0
            continue;
        }
        if (c == 0xE2 && i + 2 < in.size() && static_cast<unsigned char>(in[i + 1]) == 0x80 &&
            (static_cast<unsigned char>(in[i + 2]) == 0xAF ||
             static_cast<unsigned char>(in[i + 2]) == 0x89)) {
            i += 2;  // U+202F, U+2009
            continue;
        }
        if (c >= 'a' && c <= 'z') c = static_cast<unsigned char>(c - 'a' + 'A');
        if (!is_alnum_upper(static_cast<char>(c))) return false;
        if (len >= max) return false;
        out[len++] = static_cast<char>(c);
    }
    return true;
}

struct CountryLength {
    char code[3];
    int length;
};

// SWIFT IBAN registry (release 98, 2024). Countries with IBANs and their fixed lengths.
constexpr CountryLength kIbanLengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
    {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22},
    {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20},
    {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22},
    {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HN", 28}, {"HR", 21},
    {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30},
    {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20},
    {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23},
    {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22},
    {"RU", 33}, {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24},
    {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26},
    {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
};

// ISO 3166-1 alpha-2 officially assigned codes (249) + XK.
constexpr const char *kCountries =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW XK";

// Remainder of the IBAN-style number (letters 10..35) of `s` taken in order, mod 97.
int mod97_of(std::string_view s, int acc) noexcept {
    for (char c : s) {
        if (is_digit(c)) {
            acc = (acc * 10 + dv(c)) % 97;
        } else {
            int v = c - 'A' + 10;
            acc = (acc * 100 + v) % 97;
        }
    }
    return acc;
}

int weighted(std::string_view digits, std::initializer_list<int> weights) noexcept {
    int sum = 0;
    std::size_t i = 0;
    for (int w : weights) sum += dv(digits[i++]) * w;
    return sum;
}

// ISO 7064 MOD 11,10 (DE, HR).
bool iso7064_mod11_10(std::string_view d) noexcept {
    int product = 10;
    for (std::size_t i = 0; i + 1 < d.size(); ++i) {
        int sum = (dv(d[i]) + product) % 10;
        if (sum == 0) sum = 10;
        product = (2 * sum) % 11;
    }
    int check = 11 - product;
    if (check == 10) check = 0;
    return check == dv(d.back());
}

bool luhn_digits(std::string_view d) noexcept {
    int sum = 0;
    bool dbl = false;
    for (std::size_t i = d.size(); i-- > 0;) {
        int v = dv(d[i]);
        if (dbl) {
            v *= 2;
            if (v > 9) v -= 9;
        }
        sum += v;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}

// Check digit = 11 - sum mod 11 with weights; 11 -> 0, 10 -> invalid (returns -1).
int mod11_check(std::string_view d, std::initializer_list<int> weights) noexcept {
    int c = 11 - weighted(d, weights) % 11;
    if (c == 11) return 0;
    if (c == 10) return -1;
    return c;
}

VatCheck ok(bool checksum_passes) noexcept {
    return checksum_passes ? VatCheck::checksum : VatCheck::invalid;
}

VatCheck vat_at(std::string_view n) noexcept {
    if (n.size() != 9 || n[0] != 'U' || !all_digits(n.substr(1))) return VatCheck::invalid;
    std::string_view d = n.substr(1);
    int sum = 0;
    for (int i = 0; i < 7; ++i) {
        int v = dv(d[i]);
        if (i % 2 == 1) {
            v *= 2;
            v = v / 10 + v % 10;
        }
        sum += v;
    }
    return ok((10 - (sum + 4) % 10) % 10 == dv(d[7]));
}

VatCheck vat_be(std::string_view n) noexcept {
    if (n.size() == 9 && all_digits(n)) {  // before 2005: 9 digits, now written with a leading 0
        char buf[10] = {'0'};
        std::memcpy(buf + 1, n.data(), 9);
        return vat_be(std::string_view(buf, 10));
    }
    if (n.size() != 10 || !all_digits(n) || (n[0] != '0' && n[0] != '1')) return VatCheck::invalid;
    long first = 0;
    for (int i = 0; i < 8; ++i) first = first * 10 + dv(n[i]);
    return ok(97 - first % 97 == dv(n[8]) * 10 + dv(n[9]));
}

VatCheck vat_dk(std::string_view n) noexcept {
    if (n.size() != 8 || !all_digits(n) || n[0] == '0') return VatCheck::invalid;
    return ok(weighted(n, {2, 7, 6, 5, 4, 3, 2, 1}) % 11 == 0);
}

VatCheck vat_ee(std::string_view n) noexcept {
    if (n.size() != 9 || !all_digits(n)) return VatCheck::invalid;
    return ok((10 - weighted(n, {3, 7, 1, 3, 7, 1, 3, 7}) % 10) % 10 == dv(n[8]));
}

VatCheck vat_el(std::string_view n) noexcept {
    if (n.size() == 8 && all_digits(n)) {
        char buf[9] = {'0'};
        std::memcpy(buf + 1, n.data(), 8);
        return vat_el(std::string_view(buf, 9));
    }
    if (n.size() != 9 || !all_digits(n)) return VatCheck::invalid;
    int sum = 0;
    for (int i = 0; i < 8; ++i) sum += dv(n[i]) << (8 - i);
    return ok(sum % 11 % 10 == dv(n[8]));
}

bool cif_like(std::string_view n, char &digit_check, char &letter_check) noexcept {
    // n[1..7] digits of a Spanish CIF; computes both forms of its check character.
    int sum = 0;
    for (int i = 1; i <= 7; ++i) {
        int v = dv(n[i]);
        if (i % 2 == 1) {
            v *= 2;
            v = v / 10 + v % 10;
        }
        sum += v;
    }
    int c = (10 - sum % 10) % 10;
    digit_check = static_cast<char>('0' + c);
    letter_check = "JABCDEFGHI"[c];
    return true;
}

VatCheck vat_es(std::string_view n) noexcept {
    if (n.size() != 9 || !all_digits(n.substr(1, 7)) || !is_alnum_upper(n[0]) ||
        !is_alnum_upper(n[8]))
        return VatCheck::invalid;
    static constexpr char kDni[] = "TRWAGMYFPDXBNJZSQVHLCKE";
    char first = n[0];
    if (is_digit(first) || first == 'X' || first == 'Y' || first == 'Z') {
        // DNI (8 digits + letter) or NIE (X/Y/Z = 0/1/2, 7 digits, letter).
        long v = 0;
        if (is_digit(first)) {
            v = dv(first);
        } else {
            v = first - 'X';
        }
        for (int i = 1; i <= 7; ++i) v = v * 10 + dv(n[i]);
        return ok(kDni[v % 23] == n[8]);
    }
    char dcheck = 0, lcheck = 0;
    cif_like(n, dcheck, lcheck);
    if (first == 'K' || first == 'L' || first == 'M') return ok(n[8] == lcheck);  // special NIF
    if (std::strchr("ABCDEFGHJNPQRSUVW", first) == nullptr) return VatCheck::invalid;
    // Some entity types take a letter, some a digit, others either.
    if (std::strchr("PQRSNW", first) != nullptr) return ok(n[8] == lcheck);
    if (std::strchr("ABEH", first) != nullptr) return ok(n[8] == dcheck);
    return ok(n[8] == dcheck || n[8] == lcheck);
}

VatCheck vat_fi(std::string_view n) noexcept {
    if (n.size() != 8 || !all_digits(n)) return VatCheck::invalid;
    return ok(mod11_check(n, {7, 9, 10, 5, 8, 4, 2}) == dv(n[7]));
}

VatCheck vat_fr(std::string_view n) noexcept {
    if (n.size() != 11 || !all_digits(n.substr(2))) return VatCheck::invalid;
    std::string_view siren = n.substr(2);
    if (all_digits(n.substr(0, 2))) {
        long s = 0;
        for (char c : siren) s = s * 10 + dv(c);
        return ok((12 + 3 * (s % 97)) % 97 == dv(n[0]) * 10 + dv(n[1]));
    }
    // New-style keys (letters other than I and O, with a digit or a letter): format only.
    for (int i = 0; i < 2; ++i)
        if (!is_alnum_upper(n[i]) || n[i] == 'I' || n[i] == 'O') return VatCheck::invalid;
    return VatCheck::format_only;
}

VatCheck vat_gb(std::string_view n) noexcept {
    if (n.size() == 5 && (n.substr(0, 2) == "GD" || n.substr(0, 2) == "HA") &&
        all_digits(n.substr(2))) {
        int v = dv(n[2]) * 100 + dv(n[3]) * 10 + dv(n[4]);
        return (n[0] == 'G' ? v < 500 : v >= 500) ? VatCheck::format_only : VatCheck::invalid;
    }
    if ((n.size() != 9 && n.size() != 12) || !all_digits(n)) return VatCheck::invalid;
    int sum = weighted(n, {8, 7, 6, 5, 4, 3, 2}) + dv(n[7]) * 10 + dv(n[8]);
    // Traditional numbers: sum ≡ 0 (mod 97); numbers issued since 2010: sum + 55 ≡ 0.
    return ok(sum % 97 == 0 || (sum + 55) % 97 == 0);
}

VatCheck vat_hr(std::string_view n) noexcept {
    if (n.size() != 11 || !all_digits(n)) return VatCheck::invalid;
    return ok(iso7064_mod11_10(n));
}

VatCheck vat_hu(std::string_view n) noexcept {
    if (n.size() != 8 || !all_digits(n)) return VatCheck::invalid;
    return ok((10 - weighted(n, {9, 7, 3, 1, 9, 7, 3}) % 10) % 10 == dv(n[7]));
}

VatCheck vat_ie(std::string_view n) noexcept {
    // 7 digits + 1 letter, or + 2 letters (since 2013: second letter A-I or W); old style:
    // digit, letter/'+'/'*', 5 digits, letter.
    if ((n.size() == 8 || n.size() == 9) && all_digits(n.substr(0, 7)) && is_upper(n[7]) &&
        (n.size() == 8 || is_upper(n[8])))
        return VatCheck::format_only;
    if (n.size() == 8 && is_digit(n[0]) && (is_upper(n[1]) || n[1] == '+' || n[1] == '*') &&
        all_digits(n.substr(2, 5)) && is_upper(n[7]))
        return VatCheck::format_only;
    return VatCheck::invalid;
}

VatCheck vat_it(std::string_view n) noexcept {
    if (n.size() != 11 || !all_digits(n) || n.substr(0, 7) == "0000000") return VatCheck::invalid;
    int office = dv(n[7]) * 100 + dv(n[8]) * 10 + dv(n[9]);
    if (!((office >= 1 && office <= 100) || office == 120 || office == 121 || office == 888 ||
          office == 999))
        return VatCheck::invalid;
    return ok(luhn_digits(n));
}

VatCheck vat_lu(std::string_view n) noexcept {
    if (n.size() != 8 || !all_digits(n)) return VatCheck::invalid;
    long first = 0;
    for (int i = 0; i < 6; ++i) first = first * 10 + dv(n[i]);
    return ok(first % 89 == dv(n[6]) * 10 + dv(n[7]));
}

VatCheck vat_nl(std::string_view n) noexcept {
    if (n.size() != 12 || !all_digits(n.substr(0, 9)) || n[9] != 'B' ||
        !all_digits(n.substr(10)))
        return VatCheck::invalid;
    // Legal entities: mod 11 of the RSIN (weights 9..2, -1). Sole proprietors (since 2020): the
    // whole id "NL" + number, read as an IBAN-style number, is 1 mod 97.
    int sum = weighted(n, {9, 8, 7, 6, 5, 4, 3, 2}) - dv(n[8]);
    if (sum % 11 == 0 && n.substr(0, 9) != "000000000") return VatCheck::checksum;
    int r = mod97_of("NL", 0);
    r = mod97_of(n, r);
    return ok(r == 1);
}

VatCheck vat_no(std::string_view n) noexcept {
    if (n.size() != 9 || !all_digits(n)) return VatCheck::invalid;
    return ok(mod11_check(n, {3, 2, 7, 6, 5, 4, 3, 2}) == dv(n[8]));
}

VatCheck vat_ch(std::string_view n) noexcept {
    if (n.size() != 9 || !all_digits(n)) return VatCheck::invalid;
    return ok(mod11_check(n, {5, 4, 3, 2, 7, 6, 5, 4}) == dv(n[8]));
}

VatCheck vat_pl(std::string_view n) noexcept {
    if (n.size() != 10 || !all_digits(n)) return VatCheck::invalid;
    int c = weighted(n, {6, 5, 7, 2, 3, 4, 5, 6, 7}) % 11;
    return ok(c != 10 && c == dv(n[9]));
}

VatCheck vat_pt(std::string_view n) noexcept {
    if (n.size() != 9 || !all_digits(n) || n[0] == '0') return VatCheck::invalid;
    int c = 11 - weighted(n, {9, 8, 7, 6, 5, 4, 3, 2}) % 11;
    if (c >= 10) c = 0;
    return ok(c == dv(n[8]));
}

VatCheck vat_se(std::string_view n) noexcept {
    if (n.size() != 12 || !all_digits(n) || n.substr(10) != "01") return VatCheck::invalid;
    return ok(luhn_digits(n.substr(0, 10)));
}

VatCheck vat_si(std::string_view n) noexcept {
    if (n.size() != 8 || !all_digits(n) || n[0] == '0') return VatCheck::invalid;
    int c = 11 - weighted(n, {8, 7, 6, 5, 4, 3, 2}) % 11;
    if (c == 11) return VatCheck::invalid;
    if (c == 10) c = 0;
    return ok(c == dv(n[7]));
}

VatCheck vat_sk(std::string_view n) noexcept {
    if (n.size() != 10 || !all_digits(n) || n[0] == '0') return VatCheck::invalid;
    if (std::strchr("234789", n[2]) == nullptr) return VatCheck::invalid;
    long long v = 0;
    for (char c : n) v = v * 10 + dv(c);
    return ok(v % 11 == 0);
}

VatCheck vat_de(std::string_view n) noexcept {
    if (n.size() != 9 || !all_digits(n) || n[0] == '0') return VatCheck::invalid;
    return ok(iso7064_mod11_10(n));
}

VatCheck digits_format(std::string_view n, std::size_t lo, std::size_t hi) noexcept {
    return n.size() >= lo && n.size() <= hi && all_digits(n) ? VatCheck::format_only
                                                             : VatCheck::invalid;
}

// Splits a compact VAT id into the normalised country prefix and the number.
bool split_vat(std::string_view c, std::string_view &country, std::string_view &number) noexcept {
    if (c.size() < 4) return false;
    if (c.substr(0, 3) == "CHE") {
        std::string_view rest = c.substr(3);
        for (std::string_view suffix : {"MWST", "TVA", "IVA", "TPV"}) {
            if (rest.size() > suffix.size() &&
                rest.substr(rest.size() - suffix.size()) == suffix) {
                rest.remove_suffix(suffix.size());
                break;
            }
        }
        country = "CHE";
        number = rest;
        return true;
    }
    country = c.substr(0, 2);
    number = c.substr(2);
    if (country == "NO" && number.size() > 3 && number.substr(number.size() - 3) == "MVA")
        number.remove_suffix(3);
    return true;
}

VatCheck vat_dispatch(std::string_view country, std::string_view n) noexcept {
    if (country == "AT") return vat_at(n);
    if (country == "BE") return vat_be(n);
    if (country == "BG") return digits_format(n, 9, 10);
    if (country == "CY")
        return n.size() == 9 && all_digits(n.substr(0, 8)) && is_upper(n[8])
                   ? VatCheck::format_only
                   : VatCheck::invalid;
    if (country == "CZ") return digits_format(n, 8, 10);
    if (country == "DE") return vat_de(n);
    if (country == "DK") return vat_dk(n);
    if (country == "EE") return vat_ee(n);
    if (country == "EL" || country == "GR") return vat_el(n);
    if (country == "ES") return vat_es(n);
    if (country == "FI") return vat_fi(n);
    if (country == "FR") return vat_fr(n);
    if (country == "HR") return vat_hr(n);
    if (country == "HU") return vat_hu(n);
    if (country == "IE") return vat_ie(n);
    if (country == "IT") return vat_it(n);
    if (country == "LT")
        return (n.size() == 9 || n.size() == 12) && all_digits(n) ? VatCheck::format_only
                                                                   : VatCheck::invalid;
    if (country == "LU") return vat_lu(n);
    if (country == "LV") return digits_format(n, 11, 11);
    if (country == "MT") return digits_format(n, 8, 8);
    if (country == "NL") return vat_nl(n);
    if (country == "PL") return vat_pl(n);
    if (country == "PT") return vat_pt(n);
    if (country == "RO") return n.empty() || n[0] == '0' ? VatCheck::invalid : digits_format(n, 2, 10);
    if (country == "SE") return vat_se(n);
    if (country == "SI") return vat_si(n);
    if (country == "SK") return vat_sk(n);
    if (country == "GB" || country == "XI") return vat_gb(n);
    if (country == "NO") return vat_no(n);
    if (country == "CHE") return vat_ch(n);
    return VatCheck::invalid;
}

}  // namespace

std::string compact_identifier(std::string_view text) {
    char buf[256];
    std::size_t len = 0;
    if (text.size() > 256 || !compact_into(text, buf, sizeof buf, len)) return {};
    return std::string(buf, len);
}

bool iso_country_valid(std::string_view a) noexcept {
    if (a.size() != 2 || !is_upper(a[0]) || !is_upper(a[1])) return false;
    for (const char *p = kCountries; *p != '\0'; p += 3) {
        if (p[0] == a[0] && p[1] == a[1]) return true;
        if (p[2] == '\0') break;
    }
    return false;
}

int iban_length(std::string_view country) noexcept {
    if (country.size() != 2) return 0;
    for (const auto &e : kIbanLengths)
        if (e.code[0] == country[0] && e.code[1] == country[1]) return e.length;
    return 0;
}

bool mod97_valid(std::string_view s) noexcept {
    if (s.size() < 5 || !all_alnum_upper(s)) return false;
    int r = mod97_of(s.substr(4), 0);
    r = mod97_of(s.substr(0, 4), r);
    return r == 1;
}

bool iban_valid(std::string_view iban) noexcept {
    char buf[40];
    std::size_t len = 0;
    if (iban.size() > 80 || !compact_into(iban, buf, sizeof buf, len) || len < 5) return false;
    std::string_view c(buf, len);
    if (!is_upper(c[0]) || !is_upper(c[1]) || !is_digit(c[2]) || !is_digit(c[3])) return false;
    int expected = iban_length(c.substr(0, 2));
    if (expected == 0 || static_cast<int>(len) != expected) return false;
    return mod97_valid(c);
}

bool qr_iban(std::string_view iban) noexcept {
    char buf[40];
    std::size_t len = 0;
    if (iban.size() > 80 || !compact_into(iban, buf, sizeof buf, len) || len != 21) return false;
    std::string_view c(buf, len);
    if (c.substr(0, 2) != "CH" && c.substr(0, 2) != "LI") return false;
    if (!all_digits(c.substr(4, 5))) return false;
    int iid = 0;
    for (char ch : c.substr(4, 5)) iid = iid * 10 + dv(ch);
    return iid >= 30000 && iid <= 31999;
}

bool bic_valid(std::string_view bic) noexcept {
    if (bic.size() != 8 && bic.size() != 11) return false;
    return all_upper(bic.substr(0, 4)) && iso_country_valid(bic.substr(4, 2)) &&
           all_alnum_upper(bic.substr(6));
}

bool rf_valid(std::string_view reference) noexcept {
    char buf[32];
    std::size_t len = 0;
    if (reference.size() > 64 || !compact_into(reference, buf, sizeof buf, len)) return false;
    std::string_view c(buf, len);
    if (len < 5 || len > 25 || c.substr(0, 2) != "RF" || !is_digit(c[2]) || !is_digit(c[3]))
        return false;
    return mod97_valid(c);
}

int swiss_mod10_check_digit(std::string_view digits) noexcept {
    static constexpr int kTable[10] = {0, 9, 4, 6, 8, 2, 7, 1, 3, 5};
    int carry = 0;
    for (char c : digits) {
        if (!is_digit(c)) return -1;
        carry = kTable[(carry + dv(c)) % 10];
    }
    return (10 - carry) % 10;
}

bool swiss_qr_reference_valid(std::string_view reference) noexcept {
    char buf[32];
    std::size_t len = 0;
    if (reference.size() > 64 || !compact_into(reference, buf, sizeof buf, len) || len != 27)
        return false;
    std::string_view c(buf, len);
    if (!all_digits(c)) return false;
    return swiss_mod10_check_digit(c.substr(0, 26)) == dv(c[26]);
}

bool luhn_valid(std::string_view digits) noexcept {
    char buf[32];
    std::size_t len = 0;
    if (digits.size() > 64 || !compact_into(digits, buf, sizeof buf, len) || len < 2) return false;
    std::string_view c(buf, len);
    return all_digits(c) && luhn_digits(c);
}

bool gtin_valid(std::string_view d) noexcept {
    if (d.size() != 8 && d.size() != 12 && d.size() != 13 && d.size() != 14) return false;
    if (!all_digits(d)) return false;
    // From the right, excluding the check digit: weights 3, 1, 3, 1, ...
    int sum = 0;
    int w = 3;
    for (std::size_t i = d.size() - 1; i-- > 0;) {
        sum += dv(d[i]) * w;
        w = 4 - w;
    }
    return (10 - sum % 10) % 10 == dv(d.back());
}

bool aba_valid(std::string_view d) noexcept {
    if (d.size() != 9 || !all_digits(d)) return false;
    return weighted(d, {3, 7, 1, 3, 7, 1, 3, 7, 1}) % 10 == 0;
}

VatCheck vat_id_check(std::string_view vat_id) noexcept {
    char buf[32];
    std::size_t len = 0;
    if (vat_id.size() > 64 || !compact_into(vat_id, buf, sizeof buf, len)) return VatCheck::invalid;
    std::string_view country, number;
    if (!split_vat(std::string_view(buf, len), country, number)) return VatCheck::invalid;
    return vat_dispatch(country, number);
}

std::string normalize_vat_id(std::string_view vat_id) {
    char buf[32];
    std::size_t len = 0;
    if (vat_id.size() > 64 || !compact_into(vat_id, buf, sizeof buf, len)) return {};
    std::string_view country, number;
    if (!split_vat(std::string_view(buf, len), country, number)) return {};
    if (vat_dispatch(country, number) == VatCheck::invalid) return {};
    std::string out(country == "GR" ? std::string_view("EL") : country);
    if (country == "BE" && number.size() == 9) out += '0';
    out += number;
    return out;
}

bool date_exists(int year, int month, int day) noexcept {
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
    static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int days = kDays[month - 1];
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 2 && leap) days = 29;
    return day <= days;
}

}  // namespace docextract::fields
