// EPC069-12 (v2.1 and 3.0) and the Swiss QR-bill implementation guidelines (v2.2/2.3).
#include "core/fields/payment_qr.hpp"

#include <utility>

#include "core/fields/checks.hpp"
#include "core/fields/normalize.hpp"
#include "core/utf8.hpp"
#include "core/fields/text_util.hpp"
#include "core/purity.hpp"

namespace docextract::fields {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::vector<std::string_view> split_lines(std::string_view s, std::size_t max_lines) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= s.size() && out.size() < max_lines) {
        std::size_t end = s.find('\n', start);
        if (end == std::string_view::npos) end = s.size();
        std::string_view line = s.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.push_back(line);
        if (end == s.size()) break;
        start = end + 1;
    }
    return out;
}

// ISO 8859-1 to UTF-8 (EPC character set 2).
std::string latin1_to_utf8(std::string_view s) {
    std::string out;
    for (char ch : s) core::append_utf8(out, static_cast<unsigned char>(ch));
    return out;
}

// "12.34", at most 2 decimals, 0.01 <= v <= 999999999.99; normalised to 2 decimals.
bool amount_ok(std::string_view a, std::string &value) {
    std::size_t dot = a.find('.');
    std::string_view ip = a.substr(0, dot);
    std::string_view fp = dot == std::string_view::npos ? std::string_view() : a.substr(dot + 1);
    if (ip.empty() || ip.size() > 9 || fp.size() > 2 || (dot != std::string_view::npos && fp.empty()))
        return false;
    for (char c : ip)
        if (!is_digit(c)) return false;
    for (char c : fp)
        if (!is_digit(c)) return false;
    std::size_t lead = ip.find_first_not_of('0');
    std::string i = lead == std::string_view::npos ? "0" : std::string(ip.substr(lead));
    std::string f(fp);
    while (f.size() < 2) f += '0';
    if (i == "0" && f == "00") return false;
    value = i + "." + f;
    return true;
}

void add_field(PaymentQr &q, const char *name, std::string value,
               std::vector<std::pair<const char *, bool>> checks) {
    if (value.empty()) return;
    Field f;
    f.value = std::move(value);
    for (auto &c : checks) {
        (c.second ? f.checks : f.failed_checks).push_back(c.first);
        (c.second ? q.checks : q.failed_checks).push_back(c.first);
    }
    q.fields[name] = std::move(f);
}

std::optional<PaymentQr> parse_epc(std::string_view payload) {
    PaymentQr q;
    q.kind = "epc";
    if (payload.size() > 331) q.failed_checks.push_back("epc_size");
    auto l = split_lines(payload, 14);
    if (l.size() < 2 || (l[1] != "001" && l[1] != "002")) return std::nullopt;
    while (l.size() < 12) l.push_back({});
    bool v1 = l[1] == "001";
    std::string_view charset = l[2];
    bool utf8 = charset == "1";
    if (charset.size() != 1 || charset[0] < '1' || charset[0] > '8')
        q.failed_checks.push_back("epc_charset");
    auto text = [&](std::string_view s) {
        if (utf8 || charset != "2") return trim_collapse(s);
        return trim_collapse(latin1_to_utf8(s));
    };
    if (l[3] != "SCT" && l[3] != "INST") q.failed_checks.push_back("epc_identification");
    std::string bic = compact_identifier(l[4]);
    if (!l[4].empty()) add_field(q, "bic", bic, {{"bic_format", bic_valid(bic)}});
    else if (v1) q.failed_checks.push_back("epc_bic_required");  // optional only in 002
    std::string name = text(l[5]);
    if (name.empty() || name.size() > 70 * 4) q.failed_checks.push_back("epc_name");
    add_field(q, "beneficiary_name", name, {});
    std::string iban = compact_identifier(l[6]);
    if (iban.empty()) q.failed_checks.push_back("epc_iban_required");
    add_field(q, "iban", iban, {{"iban_mod97", iban_valid(iban)}});
    if (!l[7].empty()) {
        std::string value;
        bool ok = l[7].size() > 3 && l[7].substr(0, 3) == "EUR" && amount_ok(l[7].substr(3), value);
        if (ok) {
            add_field(q, "total_amount", value, {{"amount_format", true}});
            add_field(q, "currency", "EUR", {});
        } else {
            q.failed_checks.push_back("amount_format");
        }
    }
    q.purpose = trim_collapse(l[8]);
    std::string ref = compact_identifier(l[9]);
    q.remittance_text = text(l[10]);
    if (!l[9].empty()) {
        // EPC: the structured reference is an ISO 11649 RF reference (or, in Belgium, a
        // structured communication, not checked here).
        bool rf = ref.size() >= 2 && ref.substr(0, 2) == "RF";
        add_field(q, "payment_reference", ref.empty() ? std::string(l[9]) : ref,
                  rf ? std::vector<std::pair<const char *, bool>>{{"rf_mod97", rf_valid(ref)}}
                     : std::vector<std::pair<const char *, bool>>{});
        q.reference_type = rf ? "RF" : "structured";
        if (!q.remittance_text.empty()) q.failed_checks.push_back("epc_reference_and_text");
    }
    return q;
}

std::optional<PaymentQr> parse_spc(std::string_view payload) {
    PaymentQr q;
    q.kind = "swiss_qr";
    if (payload.size() > 997) q.failed_checks.push_back("qrbill_size");
    auto l = split_lines(payload, 40);
    if (l.size() < 2 || l[1].size() != 4 || l[1].substr(0, 2) != "02") return std::nullopt;
    if (l.size() < 31) {
        q.failed_checks.push_back("qrbill_structure");
        l.resize(31);
    }
    if (l[2] != "1") q.failed_checks.push_back("qrbill_coding");
    std::string iban = compact_identifier(l[3]);
    bool iban_ok = iban_valid(iban) && (iban.substr(0, 2) == "CH" || iban.substr(0, 2) == "LI");
    add_field(q, "iban", iban, {{"iban_mod97", iban_ok}});
    if (iban.empty()) q.failed_checks.push_back("qrbill_iban_required");
    if (l[4] != "S" && l[4] != "K") q.failed_checks.push_back("qrbill_address_type");
    std::string name = trim_collapse(l[5]);
    if (name.empty()) q.failed_checks.push_back("qrbill_creditor_name");
    add_field(q, "beneficiary_name", name, {});
    for (int i = 11; i <= 17; ++i)  // ultimate creditor: reserved, must be empty
        if (!l[static_cast<std::size_t>(i)].empty()) {
            q.failed_checks.push_back("qrbill_ultimate_creditor");
            break;
        }
    if (!l[18].empty()) {
        std::string value;
        if (amount_ok(l[18], value)) add_field(q, "total_amount", value, {{"amount_format", true}});
        else q.failed_checks.push_back("amount_format");
    }
    if (l[19] == "CHF" || l[19] == "EUR") add_field(q, "currency", std::string(l[19]), {});
    else q.failed_checks.push_back("qrbill_currency");
    q.debtor_name = trim_collapse(l[21]);
    q.reference_type = std::string(l[27]);
    std::string ref = compact_identifier(l[28]);
    bool qr = qr_iban(iban);
    if (l[27] == "QRR") {
        if (!qr) q.failed_checks.push_back("qrbill_qr_iban_required");
        add_field(q, "payment_reference", ref, {{"qr_reference_mod10", swiss_qr_reference_valid(ref)}});
        if (ref.empty()) q.failed_checks.push_back("qr_reference_mod10");
    } else if (l[27] == "SCOR") {
        if (qr) q.failed_checks.push_back("qrbill_qr_iban_needs_qrr");
        add_field(q, "payment_reference", ref, {{"rf_mod97", rf_valid(ref)}});
        if (ref.empty()) q.failed_checks.push_back("rf_mod97");
    } else if (l[27] == "NON") {
        if (qr) q.failed_checks.push_back("qrbill_qr_iban_needs_qrr");
        if (!l[28].empty()) q.failed_checks.push_back("qrbill_reference_with_non");
    } else {
        q.failed_checks.push_back("qrbill_reference_type");
    }
    q.remittance_text = trim_collapse(l[29]);
    if (l[30] != "EPD") q.failed_checks.push_back("qrbill_trailer");
    return q;
}

}  // namespace

std::optional<PaymentQr> parse_payment_qr(std::string_view payload) {
    if (payload.size() > 4096) return std::nullopt;
    // A UTF-8 byte order mark some generators put first.
    if (payload.substr(0, 3) == "\xEF\xBB\xBF") payload.remove_prefix(3);
    std::size_t nl = payload.find('\n');
    std::string_view first = payload.substr(0, nl);
    if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
    if (first == "BCD") return parse_epc(payload);
    if (first == "SPC") return parse_spc(payload);
    return std::nullopt;
}

}  // namespace docextract::fields
