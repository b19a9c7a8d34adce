// Entities in plain text: an invoice-like page in German, English and French conventions.
#include <gtest/gtest.h>

#include <string>

#include "core/fields/entities.hpp"

namespace {

using namespace docextract::fields;
using Strings = std::vector<std::string>;

TEST(Entities, GermanInvoice) {
    const std::string text =
        "Muster GmbH · Hauptstr. 1 · 10115 Berlin\n"
        "Tel. 030 1234567 · Fax +49 (0)30 7654321 · info@Muster-GmbH.DE · www.muster-gmbh.de.\n"
        "USt-IdNr.: DE 136 695 976\n"
        "Rechnungsdatum: 15.06.2020, fällig am 5. März 2024 (nicht 31.02.2024)\n"
        "Gesamtbetrag: 1.234,56 € inkl. MwSt, bereits bezahlt EUR 100,00\n"
        "IBAN: DE89 3704 0044 0532 0130 00 BIC: DEUTDEFF\n"
        "Falsche IBAN: DE89 3704 0044 0532 0130 01\n";
    Entities e = find_entities(text, {Locale::de, "", 200});
    EXPECT_EQ(e.emails, Strings{"info@muster-gmbh.de"});
    EXPECT_EQ(e.urls, Strings{"www.muster-gmbh.de"});
    EXPECT_EQ(e.ibans, Strings{"DE89370400440532013000"});  // the bad checksum is not reported
    EXPECT_EQ(e.vat_ids, Strings{"DE136695976"});
    EXPECT_EQ(e.dates, (Strings{"2020-06-15", "2024-03-05"}));  // not 31.02.2024
    ASSERT_EQ(e.amounts.size(), 2u);
    EXPECT_EQ(e.amounts[0].value, "1234.56");
    EXPECT_EQ(e.amounts[0].currency, "EUR");
    EXPECT_EQ(e.amounts[1].value, "100.00");
    EXPECT_EQ(e.phones, (Strings{"+49301234567", "+49307654321"}));
}

TEST(Entities, EnglishAndInternational) {
    const std::string text =
        "Acme Corp., https://acme.example.com/invoices?id=7 (see terms), sales@acme.example.com\n"
        "Phone: (212) 555-0187, +44 20 7946 0958, 0041 44 668 18 00\n"
        "Invoice date: March 5, 2024. Due 04/15/2024. Total: $1,234.56; tax USD 98.77\n"
        "VAT GB 980 7806 84, NL004495445B01, FR 40 303 265 045, bad DE136695978\n"
        "Pay to GB29 NWBK 6016 1331 9268 19 or GB29NWBK60161331926819\n";
    Entities e = find_entities(text, {Locale::en_us, "", 200});
    EXPECT_EQ(e.urls, Strings{"https://acme.example.com/invoices?id=7"});
    EXPECT_EQ(e.emails, Strings{"sales@acme.example.com"});
    EXPECT_EQ(e.phones, (Strings{"+12125550187", "+442079460958", "+41446681800"}));
    EXPECT_EQ(e.dates, (Strings{"2024-03-05", "2024-04-15"}));
    EXPECT_EQ(e.vat_ids, (Strings{"GB980780684", "NL004495445B01", "FR40303265045"}));
    EXPECT_EQ(e.ibans, Strings{"GB29NWBK60161331926819"});  // duplicates merged
    ASSERT_EQ(e.amounts.size(), 2u);
    EXPECT_EQ(e.amounts[0].value, "1234.56");
    EXPECT_EQ(e.amounts[0].currency, "USD");
    EXPECT_EQ(e.amounts[1].value, "98.77");
}

TEST(Entities, FrenchAndSwissFormats) {
    const std::string text =
        "Facture du 1er février 2024 — total 1\xE2\x80\xAF" "234,56\xC2\xA0€ — "
        "Montant CHF 1'250.50 — CHE-107.787.577 TVA — tél. 01 23 45 67 89";
    Entities e = find_entities(text, {Locale::fr, "", 200});
    EXPECT_EQ(e.dates, Strings{"2024-02-01"});
    ASSERT_EQ(e.amounts.size(), 2u);
    EXPECT_EQ(e.amounts[0].value, "1234.56");
    EXPECT_EQ(e.amounts[0].currency, "EUR");
    EXPECT_EQ(e.amounts[1].value, "1250.50");
    EXPECT_EQ(e.amounts[1].currency, "CHF");
    EXPECT_EQ(e.vat_ids, Strings{"CHE107787577"});
    EXPECT_EQ(e.phones, Strings{"+33123456789"});
}

TEST(Entities, NationalNumbersNeedACountry) {
    Entities e = find_entities("Tel. 030 1234567");
    EXPECT_TRUE(e.phones.empty());
    e = find_entities("Tel. 030 1234567", {Locale::unknown, "DE", 200});
    EXPECT_EQ(e.phones, Strings{"+49301234567"});
}

TEST(Entities, BoundedOnHostileInput) {
    std::string many;
    for (int i = 0; i < 20000; ++i) many += "a@b.cd DE89370400440532013000 12.03.2024 5,00 € ";
    Entities e = find_entities(many, {Locale::de, "", 50});
    EXPECT_EQ(e.emails.size(), 1u);
    EXPECT_EQ(e.ibans.size(), 1u);
    std::string at(3u << 20, '@');
    EXPECT_TRUE(find_entities(at).emails.empty());
    std::string digits(3u << 20, '1');
    EXPECT_TRUE(find_entities(digits).phones.empty());
    std::string dots(1u << 20, '.');
    EXPECT_TRUE(find_entities(dots).dates.empty());
}

}  // namespace
