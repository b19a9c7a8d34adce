// Payment QR payloads: the EPC069-12 example (Belgian Red Cross), the GiroCode example of the
// German Wikipedia article "EPC-QR-Code" (Wikimedia Fördergesellschaft), and the examples of
// the SIX Swiss Implementation Guidelines for the QR-bill (Robert Schneider AG, QRR and SCOR).
#include <gtest/gtest.h>

#include <string>

#include "core/fields/payment_qr.hpp"

namespace {

using namespace docextract::fields;

std::string value(const PaymentQr &q, const char *name) {
    auto it = q.fields.find(name);
    return it == q.fields.end() ? "<absent>" : it->second.value;
}

const std::string kEpcRedCross =
    "BCD\n001\n1\nSCT\nBPOTBEB1\nRed Cross of Belgium\nBE72000000001616\nEUR1\nCHAR\n\n"
    "Urgency fund\nSample EPC QR code";

const std::string kGiroCode =
    "BCD\n002\n1\nSCT\nBFSWDE33BER\nWikimedia Foerdergesellschaft\nDE33100205000001194700\n"
    "EUR123.45\n\n\nSpende fuer Wikipedia";

std::string swiss(const std::string &iban, const std::string &amount, const std::string &type,
                  const std::string &ref) {
    return "SPC\r\n0200\r\n1\r\n" + iban +
           "\r\nS\r\nRobert Schneider AG\r\nRue du Lac\r\n1268\r\n2501\r\nBiel\r\nCH\r\n"
           "\r\n\r\n\r\n\r\n\r\n\r\n\r\n" +
           amount +
           "\r\nCHF\r\nS\r\nPia-Maria Rutschmann-Schnyder\r\nGrosse Marktgasse\r\n28\r\n9400\r\n"
           "Rorschach\r\nCH\r\n" +
           type + "\r\n" + ref +
           "\r\nInstruction of 15.09.2019\r\nEPD\r\n"
           "//S1/10/10201409/11/190512/20/1400.000-53/30/106017086/31/180508/32/7.7/40/2:10;0:30";
}

TEST(Epc, Epc069Example) {
    auto q = parse_payment_qr(kEpcRedCross);
    ASSERT_TRUE(q);
    EXPECT_EQ(q->kind, "epc");
    EXPECT_TRUE(q->valid());
    EXPECT_EQ(value(*q, "bic"), "BPOTBEB1");
    EXPECT_EQ(value(*q, "beneficiary_name"), "Red Cross of Belgium");
    EXPECT_EQ(value(*q, "iban"), "BE72000000001616");
    EXPECT_EQ(value(*q, "total_amount"), "1.00");
    EXPECT_EQ(value(*q, "currency"), "EUR");
    EXPECT_EQ(q->purpose, "CHAR");
    EXPECT_EQ(q->remittance_text, "Urgency fund");
    EXPECT_EQ(q->fields.at("iban").checks, (std::vector<std::string>{"iban_mod97"}));
    EXPECT_EQ(q->fields.at("bic").checks, (std::vector<std::string>{"bic_format"}));
}

TEST(Epc, GiroCodeVersion002WithCrLf) {
    std::string crlf;
    for (char c : kGiroCode) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    for (const std::string &p : {kGiroCode, crlf}) {
        auto q = parse_payment_qr(p);
        ASSERT_TRUE(q);
        EXPECT_TRUE(q->valid());
        EXPECT_EQ(value(*q, "iban"), "DE33100205000001194700");
        EXPECT_EQ(value(*q, "bic"), "BFSWDE33BER");
        EXPECT_EQ(value(*q, "beneficiary_name"), "Wikimedia Foerdergesellschaft");
        EXPECT_EQ(value(*q, "total_amount"), "123.45");
        EXPECT_EQ(q->remittance_text, "Spende fuer Wikipedia");
    }
}

TEST(Epc, Version002WithoutBicAndWithRfReference) {
    auto q = parse_payment_qr(
        "BCD\n002\n2\nSCT\n\nM\xFC" "ller GmbH\nDE89 3704 0044 0532 0130 00\nEUR1234.5\n\n"
        "RF18 5390 0754 7034\n");
    ASSERT_TRUE(q);
    EXPECT_TRUE(q->valid());
    EXPECT_EQ(value(*q, "bic"), "<absent>");
    EXPECT_EQ(value(*q, "beneficiary_name"), "M\xC3\xBCller GmbH");  // ISO 8859-1 -> UTF-8
    EXPECT_EQ(value(*q, "iban"), "DE89370400440532013000");
    EXPECT_EQ(value(*q, "total_amount"), "1234.50");
    EXPECT_EQ(value(*q, "payment_reference"), "RF18539007547034");
    EXPECT_EQ(q->fields.at("payment_reference").checks, (std::vector<std::string>{"rf_mod97"}));
}

TEST(Epc, FailedChecksAreFlagged) {
    std::string bad = kGiroCode;
    bad.replace(bad.find("DE3310"), 4, "DE34");  // IBAN checksum
    auto q = parse_payment_qr(bad);
    ASSERT_TRUE(q);
    EXPECT_FALSE(q->valid());
    EXPECT_EQ(q->fields.at("iban").failed_checks, (std::vector<std::string>{"iban_mod97"}));

    q = parse_payment_qr("BCD\n001\n1\nSCT\n\nX\nDE89370400440532013000\nEUR1,50\n");
    ASSERT_TRUE(q);
    EXPECT_FALSE(q->valid());  // BIC required in 001, amount with a comma
    EXPECT_EQ(q->fields.count("total_amount"), 0u);

    q = parse_payment_qr("BCD\n002\n1\nSCT\n\nX\nDE89370400440532013000\nEUR0\n\nRF19539007547034");
    ASSERT_TRUE(q);
    EXPECT_FALSE(q->valid());
    EXPECT_EQ(q->fields.at("payment_reference").failed_checks,
              (std::vector<std::string>{"rf_mod97"}));

    EXPECT_FALSE(parse_payment_qr("BCD\n003\n1\nSCT"));  // unknown version
    EXPECT_FALSE(parse_payment_qr("hello"));
    EXPECT_FALSE(parse_payment_qr(std::string(100000, '\n')));
}

TEST(SwissQr, QrReferenceExample) {
    auto q = parse_payment_qr(
        swiss("CH4431999123000889012", "1949.75", "QRR", "210000000003139471430009017"));
    ASSERT_TRUE(q);
    EXPECT_EQ(q->kind, "swiss_qr");
    EXPECT_TRUE(q->valid());
    EXPECT_EQ(value(*q, "iban"), "CH4431999123000889012");
    EXPECT_EQ(value(*q, "beneficiary_name"), "Robert Schneider AG");
    EXPECT_EQ(value(*q, "total_amount"), "1949.75");
    EXPECT_EQ(value(*q, "currency"), "CHF");
    EXPECT_EQ(value(*q, "payment_reference"), "210000000003139471430009017");
    EXPECT_EQ(q->fields.at("payment_reference").checks,
              (std::vector<std::string>{"qr_reference_mod10"}));
    EXPECT_EQ(q->reference_type, "QRR");
    EXPECT_EQ(q->debtor_name, "Pia-Maria Rutschmann-Schnyder");
    EXPECT_EQ(q->remittance_text, "Instruction of 15.09.2019");
}

TEST(SwissQr, CreditorReferenceAndNoReference) {
    auto q = parse_payment_qr(swiss("CH5800791123000889012", "199.95", "SCOR", "RF18539007547034"));
    ASSERT_TRUE(q);
    EXPECT_TRUE(q->valid());
    EXPECT_EQ(value(*q, "payment_reference"), "RF18539007547034");
    q = parse_payment_qr(swiss("CH5800791123000889012", "", "NON", ""));
    ASSERT_TRUE(q);
    EXPECT_TRUE(q->valid());
    EXPECT_EQ(value(*q, "total_amount"), "<absent>");  // amount left open
    EXPECT_EQ(value(*q, "payment_reference"), "<absent>");
}

TEST(SwissQr, Traps) {
    // QR reference check digit wrong.
    auto q = parse_payment_qr(
        swiss("CH4431999123000889012", "1949.75", "QRR", "210000000003139471430009016"));
    ASSERT_TRUE(q);
    EXPECT_FALSE(q->valid());
    EXPECT_EQ(q->fields.at("payment_reference").failed_checks,
              (std::vector<std::string>{"qr_reference_mod10"}));
    // A QR-IBAN with SCOR, a plain IBAN with QRR.
    EXPECT_FALSE(parse_payment_qr(swiss("CH4431999123000889012", "1", "SCOR", "RF18539007547034"))
                     ->valid());
    EXPECT_FALSE(parse_payment_qr(
                     swiss("CH5800791123000889012", "1", "QRR", "210000000003139471430009017"))
                     ->valid());
    // IBAN checksum, amount format, missing trailer.
    EXPECT_FALSE(parse_payment_qr(swiss("CH4431999123000889013", "1", "QRR",
                                        "210000000003139471430009017"))
                     ->valid());
    EXPECT_FALSE(parse_payment_qr(swiss("CH5800791123000889012", "1'949.75", "NON", ""))->valid());
    std::string cut = swiss("CH5800791123000889012", "1.00", "NON", "");
    cut = cut.substr(0, cut.find("EPD"));
    EXPECT_FALSE(parse_payment_qr(cut)->valid());
}

}  // namespace
