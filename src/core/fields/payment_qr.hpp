// Payment QR codes: EPC069-12 "Quick Response Code: guidelines to enable data capture for the
// initiation of a SEPA credit transfer" (GiroCode, service tag BCD, versions 001 and 002) and
// the Swiss QR-bill (SIX Swiss Implementation Guidelines for the QR-bill, version 2.x, QR type
// SPC, version 0200). Parsed into the FIELDS.md payment fields with their checks.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/fields/field.hpp"

namespace docextract::fields {

struct PaymentQr {
    std::string kind;  // "epc" or "swiss_qr"
    // iban, bic, beneficiary_name, total_amount, currency, payment_reference (each present only
    // when the payload holds it), with checks such as "iban_mod97", "bic_format", "rf_mod97",
    // "qr_reference_mod10", "amount_format".
    FieldMap fields;
    std::vector<std::string> checks;         // every check that passed
    std::vector<std::string> failed_checks;  // every check or structural rule that failed
    // Extra data of the payload, not FIELDS.md fields: EPC purpose code and remittance text,
    // the QR-bill reference type, unstructured message and debtor name.
    std::string purpose, remittance_text, reference_type, debtor_name;
    bool valid() const { return failed_checks.empty(); }
};

// Parses an EPC or Swiss QR-bill payload (LF or CR LF line ends; at most 331 bytes for EPC and
// 997 for the QR-bill, as the standards allow). nullopt if the payload is neither (wrong service
// tag or version); a recognised payload that breaks a rule is returned with failed_checks.
std::optional<PaymentQr> parse_payment_qr(std::string_view payload);

}  // namespace docextract::fields
