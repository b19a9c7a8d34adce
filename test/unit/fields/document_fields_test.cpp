// document_fields: from hand-built helper results (docs/extract-json.md) to FIELDS.md fields.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "core/fields/document_fields.hpp"

namespace {

using docextract::fields::document_fields;
using docextract::fields::DocumentFieldsOptions;
using nlohmann::json;

// A native PDF page whose words are laid out on lines 12 pt apart, words 6 pt per character.
json page_from_lines(const std::vector<std::string> &lines, int page_no = 1) {
    json words = json::array(), ranges = json::array();
    std::string text;
    double y = 50;
    for (const auto &line : lines) {
        std::istringstream in(line);
        std::string w;
        double x = 40;
        std::size_t first = words.size();
        while (in >> w) {
            double x1 = x + 6.0 * static_cast<double>(w.size());
            words.push_back({w, x, y, x1, y + 10, nullptr});
            x = x1 + 6;
        }
        ranges.push_back({first, words.size() - first});
        if (!text.empty()) text += '\n';
        text += line;
        y += 12;
    }
    return {{"page", page_no}, {"text", text}, {"method", "native"}, {"ocr_confidence", nullptr},
            {"unit", "pt"}, {"width", 595}, {"height", 842}, {"words", words}, {"lines", ranges},
            {"barcodes", json::array()}};
}

json result_of(std::vector<json> pages) {
    json r = {{"schema", "docextract-extract/2"}, {"format", "pdf"}, {"metadata", json::object()}};
    r["pages"] = pages;
    std::string text;
    for (const auto &p : pages) {
        if (!text.empty()) text += '\f';
        text += p["text"].get<std::string>();
    }
    r["text"] = text;
    return r;
}

json run(const json &result, const std::string &type = "other") {
    DocumentFieldsOptions o;
    o.document_type = type;
    o.current_year = 2024;
    return document_fields(result, o);
}

double conf(const json &out, const char *name) {
    if (!out["field_confidence"].contains(name)) return -1;
    return out["field_confidence"][name].get<double>();
}

const char kEpc[] =
    "BCD\n002\n1\nSCT\nBFSWDE33BER\nWikimedia Foerdergesellschaft\nDE33100205000001194700\n"
    "EUR123.45\n\n\nSpende fuer Wikipedia";

TEST(DocumentFields, EpcQrGivesPaymentFieldsAtOne) {
    json page = page_from_lines({"Spendenaufruf", "Bitte scannen Sie den Code"});
    page["barcodes"] = json::array({{{"format", "QRCode"}, {"text", kEpc}, {"box", {300, 40, 380, 120}}}});
    json out = run(result_of({page}));
    EXPECT_EQ(out["fields"]["iban"], "DE33100205000001194700");
    EXPECT_EQ(out["fields"]["bic"], "BFSWDE33BER");
    EXPECT_EQ(out["fields"]["beneficiary_name"], "Wikimedia Foerdergesellschaft");
    EXPECT_EQ(out["fields"]["total_amount"], 123.45);
    EXPECT_EQ(out["fields"]["currency"], "EUR");
    for (const char *f : {"iban", "bic", "beneficiary_name", "total_amount", "currency"})
        EXPECT_EQ(conf(out, f), 1.0) << f;
    const json &d = out["field_details"]["iban"];
    EXPECT_EQ(d["source"], "qr");
    EXPECT_EQ(d["page"], 1);
    EXPECT_EQ(d["bbox"], json({300, 40, 380, 120}));
    EXPECT_NE(std::find(d["checks"].begin(), d["checks"].end(), "iban_mod97"), d["checks"].end());
    EXPECT_EQ(out["entities"]["barcodes"][0]["format"], "QRCode");
}

TEST(DocumentFields, EpcQrWithBrokenIbanIsNeverConfident) {
    std::string bad = kEpc;
    bad.replace(bad.find("DE3310"), 4, "DE34");
    json page = page_from_lines({"Zahlung"});
    page["barcodes"] = json::array({{{"format", "QRCode"}, {"text", bad}}});
    json out = run(result_of({page}));
    ASSERT_TRUE(out["fields"].contains("iban"));
    EXPECT_LT(conf(out, "iban"), 0.5);
    EXPECT_TRUE(out["field_details"]["iban"].contains("failed_checks"));
    for (auto &[name, c] : out["field_confidence"].items()) EXPECT_LT(c.get<double>(), 1.0) << name;
}

TEST(DocumentFields, SwissQrBill) {
    const std::string spc =
        "SPC\r\n0200\r\n1\r\nCH4431999123000889012\r\nS\r\nRobert Schneider AG\r\nRue du Lac\r\n1268\r\n"
        "2501\r\nBiel\r\nCH\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n1949.75\r\nCHF\r\nS\r\n"
        "Pia-Maria Rutschmann-Schnyder\r\nGrosse Marktgasse\r\n28\r\n9400\r\nRorschach\r\nCH\r\n"
        "QRR\r\n210000000003139471430009017\r\nInstruction of 15.09.2019\r\nEPD";
    json page = page_from_lines({"Zahlteil"});
    page["barcodes"] = json::array({{{"format", "QRCode"}, {"text", spc}}});
    json out = run(result_of({page}));
    EXPECT_EQ(out["fields"]["iban"], "CH4431999123000889012");
    EXPECT_EQ(out["fields"]["total_amount"], 1949.75);
    EXPECT_EQ(out["fields"]["currency"], "CHF");
    EXPECT_EQ(out["fields"]["payment_reference"], "210000000003139471430009017");
    EXPECT_EQ(conf(out, "payment_reference"), 1.0);
    EXPECT_EQ(out["detected_type"], "invoice");  // a payment part and nothing else
}

const std::vector<std::string> kGermanInvoice = {
    "Muster GmbH",
    "Rechnung Nr. 2024-0815",
    "Rechnungsdatum: 14.03.2024",
    "Fällig am: 28.03.2024",
    "USt-IdNr. DE136695976",
    "Nettobetrag 1.000,00 EUR",
    "MwSt 19 % 190,00 EUR",
    "Gesamtbetrag 1.190,00 EUR",
    "IBAN DE89 3704 0044 0532 0130 00",
    "BIC COBADEFFXXX"};

TEST(DocumentFields, GermanInvoiceWithTotalsCheck) {
    json out = run(result_of({page_from_lines(kGermanInvoice)}), "invoice");
    const json &f = out["fields"];
    EXPECT_EQ(f["invoice_number"], "2024-0815");
    EXPECT_EQ(f["invoice_date"], "2024-03-14");
    EXPECT_EQ(f["due_date"], "2024-03-28");
    EXPECT_EQ(f["net_amount"], 1000.0);
    EXPECT_EQ(f["tax_amount"], 190.0);
    EXPECT_EQ(f["total_amount"], 1190.0);
    EXPECT_EQ(f["currency"], "EUR");
    EXPECT_EQ(f["iban"], "DE89370400440532013000");
    EXPECT_EQ(f["bic"], "COBADEFFXXX");
    EXPECT_EQ(f["vendor_vat_id"], "DE136695976");
    for (const char *n : {"net_amount", "tax_amount", "total_amount", "iban"}) EXPECT_GE(conf(out, n), 0.95) << n;
    for (const char *n : {"invoice_number", "invoice_date", "due_date", "bic"}) {
        EXPECT_GE(conf(out, n), 0.6) << n;
        EXPECT_LE(conf(out, n), 0.85) << n;
    }
    const json &d = out["field_details"]["total_amount"];
    EXPECT_EQ(d["source"], "text");
    EXPECT_EQ(d["page"], 1);
    EXPECT_EQ(d["checks"], json({"en16931_br_co_15"}));
    ASSERT_TRUE(d.contains("bbox"));
    EXPECT_EQ(d["bbox"][1], 50 + 7 * 12);  // the 8th line
    EXPECT_EQ(out["detected_type"], "invoice");
    EXPECT_GT(out["overall_confidence"].get<double>(), 0.8);
    EXPECT_EQ(out["entities"]["ibans"], json({"DE89370400440532013000"}));
}

TEST(DocumentFields, ContradictingTotalsAreNeverConfident) {
    auto lines = kGermanInvoice;
    lines[7] = "Gesamtbetrag 1.290,00 EUR";
    json out = run(result_of({page_from_lines(lines)}), "invoice");
    for (const char *n : {"net_amount", "tax_amount", "total_amount"}) {
        EXPECT_LT(conf(out, n), 0.5) << n;
        EXPECT_EQ(out["field_details"][n]["failed_checks"], json({"en16931_br_co_15"})) << n;
    }
}

TEST(DocumentFields, BadIbanInTextIsNeverConfident) {
    auto lines = kGermanInvoice;
    lines[8] = "IBAN DE88 3704 0044 0532 0130 00";
    json out = run(result_of({page_from_lines(lines)}), "invoice");
    EXPECT_LT(conf(out, "iban"), 0.5);
    EXPECT_EQ(out["field_details"]["iban"]["failed_checks"], json({"iban_mod97"}));
}

TEST(DocumentFields, UnlabelledIbanByChecksumOnly) {
    auto lines = kGermanInvoice;
    lines[8] = "Bitte überweisen Sie auf DE89 3704 0044 0532 0130 00";
    json out = run(result_of({page_from_lines(lines)}), "invoice");
    EXPECT_EQ(out["fields"]["iban"], "DE89370400440532013000");
    EXPECT_EQ(conf(out, "iban"), 0.85);
}

TEST(DocumentFields, NonexistentDateIsNotReported) {
    auto lines = kGermanInvoice;
    lines[2] = "Rechnungsdatum: 30.02.2024";
    json out = run(result_of({page_from_lines(lines)}), "invoice");
    EXPECT_LT(conf(out, "invoice_date"), 0.5);
}

TEST(DocumentFields, EnglishInvoiceWithValuesBelowLabels) {
    json out = run(result_of({page_from_lines({
        "ACME Ltd", "INVOICE", "Invoice number: INV-10042", "Invoice date: March 5, 2024",
        "Due date: 04/04/2024", "Purchase order: PO-7781", "Subtotal $1,234.50", "Sales tax $98.76",
        "Total $1,333.26", "Amount due $1,333.26"})}));
    EXPECT_EQ(out["detected_type"], "invoice");
    const json &f = out["fields"];
    EXPECT_EQ(f["invoice_number"], "INV-10042");
    EXPECT_EQ(f["invoice_date"], "2024-03-05");
    EXPECT_EQ(f["due_date"], "2024-04-04");
    EXPECT_EQ(f["purchase_order_number"], "PO-7781");
    EXPECT_EQ(f["net_amount"], 1234.5);
    EXPECT_EQ(f["tax_amount"], 98.76);
    EXPECT_EQ(f["total_amount"], 1333.26);
    EXPECT_EQ(f["amount_due"], 1333.26);
    EXPECT_EQ(f["currency"], "USD");
    EXPECT_GE(conf(out, "total_amount"), 0.95);
    EXPECT_GE(conf(out, "amount_due"), 0.95);
}

TEST(DocumentFields, UsDatesAndGenericDateLabel) {
    json out = run(result_of({page_from_lines({
        "Invoice", "Invoice # 5521", "Due date: 03/05/2024", "Date: 02/04/2024", "Total $10.00"})}));
    EXPECT_EQ(out["fields"]["due_date"], "2024-03-05");      // month first with dollars
    EXPECT_EQ(out["fields"]["invoice_date"], "2024-02-04");  // not the due date's line
    EXPECT_LT(conf(out, "invoice_date"), 0.8);               // a generic label
}

TEST(DocumentFields, FrenchInvoice) {
    json out = run(result_of({page_from_lines({
        "Dupont SARL", "Facture n° F2024-117", "Date de facture : 1er février 2024",
        "Date d'échéance : 2 mars 2024", "Total HT 2 500,00 €", "TVA 20 % 500,00 €",
        "Total TTC 3 000,00 €", "Référence RF18 5390 0754 7034"})}));
    EXPECT_EQ(out["detected_type"], "invoice");
    const json &f = out["fields"];
    EXPECT_EQ(f["invoice_number"], "F2024-117");
    EXPECT_EQ(f["invoice_date"], "2024-02-01");
    EXPECT_EQ(f["due_date"], "2024-03-02");
    EXPECT_EQ(f["net_amount"], 2500.0);
    EXPECT_EQ(f["tax_amount"], 500.0);
    EXPECT_EQ(f["total_amount"], 3000.0);
    EXPECT_EQ(f["currency"], "EUR");
    EXPECT_EQ(f["payment_reference"], "RF18539007547034");
    EXPECT_GE(conf(out, "payment_reference"), 0.95);
    EXPECT_GE(conf(out, "total_amount"), 0.95);
}

TEST(DocumentFields, DutchInvoice) {
    json out = run(result_of({page_from_lines({
        "Jansen BV", "Factuur", "Factuurnummer: 2024/0042", "Factuurdatum: 12-01-2024",
        "Subtotaal € 400,00", "BTW 21% € 84,00", "Totaal € 484,00"})}));
    EXPECT_EQ(out["detected_type"], "invoice");
    EXPECT_EQ(out["fields"]["invoice_number"], "2024/0042");
    EXPECT_EQ(out["fields"]["invoice_date"], "2024-01-12");
    EXPECT_EQ(out["fields"]["total_amount"], 484.0);
    EXPECT_GE(conf(out, "total_amount"), 0.95);
}

TEST(DocumentFields, LineItemsSumToNet) {
    json out = run(result_of({page_from_lines({
        "Invoice", "Invoice number: 77", "Description Qty Price Amount", "Widget 2 50.00 100.00",
        "Gadget 1 20.00 20.00", "Subtotal 120.00 EUR", "VAT 20% 24.00 EUR", "Total 144.00 EUR"})}));
    ASSERT_TRUE(out["fields"].contains("line_items"));
    EXPECT_EQ(out["fields"]["line_items"].size(), 2u);
    EXPECT_EQ(out["fields"]["line_items"][0]["description"], "Widget");
    EXPECT_EQ(out["fields"]["line_items"][0]["amount"], 100.0);
    EXPECT_NE(std::find(out["field_details"]["net_amount"]["checks"].begin(),
                        out["field_details"]["net_amount"]["checks"].end(), "en16931_br_co_10"),
              out["field_details"]["net_amount"]["checks"].end());
}

const char kTd3Line1[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
const char kTd3Line2[] = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";

TEST(DocumentFields, Td3PassportCheckedFieldsAt095) {
    json out = run(result_of({page_from_lines({"PASSPORT", "Utopia", kTd3Line1, kTd3Line2})}));
    EXPECT_EQ(out["detected_type"], "passport");
    const json &f = out["fields"];
    EXPECT_EQ(f["document_number"], "L898902C3");
    EXPECT_EQ(f["surname"], "ERIKSSON");
    EXPECT_EQ(f["given_names"], "ANNA MARIA");
    EXPECT_EQ(f["birth_date"], "1974-08-12");
    EXPECT_EQ(f["expiry_date"], "2012-04-15");
    EXPECT_EQ(f["sex"], "F");
    EXPECT_EQ(f["issuing_country"], "UTO");
    // check digits confirm the number and the dates; nothing confirms the names, countries, sex
    for (const char *n : {"document_number", "birth_date", "expiry_date", "personal_number"})
        EXPECT_EQ(conf(out, n), 0.95) << n;
    for (const char *n : {"surname", "given_names", "sex", "nationality", "document_code", "mrz"})
        EXPECT_EQ(conf(out, n), 0.9) << n;
    EXPECT_EQ(out["field_details"]["document_number"]["source"], "mrz");
    EXPECT_TRUE(out["field_details"]["mrz"].contains("bbox"));
}

TEST(DocumentFields, CorrectedMrzFieldIsLower) {
    std::string l2 = kTd3Line2;
    l2[15] = 'O';  // birth date 740812 read as 74O812: a digits-only field, corrected
    json out = run(result_of({page_from_lines({"PASSPORT", kTd3Line1, l2})}));
    EXPECT_EQ(out["fields"]["birth_date"], "1974-08-12");
    EXPECT_EQ(conf(out, "birth_date"), 0.85);
    EXPECT_EQ(conf(out, "document_number"), 0.95);
}

TEST(DocumentFields, MrzWithBrokenCheckDigit) {
    std::string l2 = kTd3Line2;
    l2[19] = '3';  // birth date check digit 2 -> 3
    json out = run(result_of({page_from_lines({"PASSPORT", kTd3Line1, l2})}));
    ASSERT_TRUE(out["fields"].contains("birth_date"));
    EXPECT_LT(conf(out, "birth_date"), 0.5);
    ASSERT_TRUE(out["field_details"]["birth_date"].contains("failed_checks"));
    for (auto &[name, c] : out["field_confidence"].items()) EXPECT_LT(c.get<double>(), 0.5) << name;
}

TEST(DocumentFields, TypeDetection) {
    auto type = [](std::vector<std::string> lines) {
        return run(result_of({page_from_lines(lines)}))["detected_type"].get<std::string>();
    };
    EXPECT_EQ(type({"Kontoauszug Nr. 3/2024", "Alter Kontostand 1.000,00 EUR", "Neuer Kontostand 900,00 EUR"}),
              "bank_statement");
    EXPECT_EQ(type({"Relevé de compte", "Ancien solde 100,00", "Nouveau solde 50,00"}), "bank_statement");
    EXPECT_EQ(type({"Rekeningafschrift", "Beginsaldo 10,00", "Eindsaldo 20,00"}), "bank_statement");
    EXPECT_EQ(type({"SUPERMARKT KG", "Kassenbon", "Summe EUR 12,50", "Kartenzahlung girocard"}), "receipt");
    EXPECT_EQ(type({"Rechnung", "Rechnungsnummer 12", "Gesamtbetrag 10,00 EUR"}), "invoice");
    EXPECT_EQ(type({"Dear Sir or Madam,", "thank you for your letter."}), "other");
}

TEST(DocumentFields, DeclaredTypeIsNotOverwritten) {
    // declared receipt, content says invoice: fields of a receipt, detected_type says invoice
    json out = run(result_of({page_from_lines(kGermanInvoice)}), "receipt");
    EXPECT_EQ(out["detected_type"], "invoice");
    EXPECT_TRUE(out["fields"].contains("merchant_name"));
    EXPECT_FALSE(out["fields"].contains("invoice_number"));
}

TEST(DocumentFields, Receipt) {
    json out = run(result_of({page_from_lines({"Bäckerei Schmidt", "Hauptstr. 1, Berlin", "Kassenbon",
                                               "14.03.2024 08:15", "Brötchen 2,40", "Summe EUR 2,40",
                                               "MwSt 7% 0,16", "Kartenzahlung ************4242"})}));
    EXPECT_EQ(out["detected_type"], "receipt");
    const json &f = out["fields"];
    EXPECT_EQ(f["merchant_name"], "Bäckerei Schmidt");
    EXPECT_EQ(f["transaction_date"], "2024-03-14");
    EXPECT_EQ(f["transaction_time"], "08:15");
    EXPECT_EQ(f["total_amount"], 2.4);
    EXPECT_EQ(f["tax_amount"], 0.16);
    EXPECT_EQ(f["card_last4"], "4242");
}

TEST(DocumentFields, BankStatementBalance) {
    std::vector<std::string> lines = {"Kontoauszug", "Kontoinhaber: Erika Mustermann",
                                      "IBAN DE89 3704 0044 0532 0130 00", "Zeitraum 01.03.2024 - 31.03.2024",
                                      "Alter Kontostand 1.000,00 EUR", "05.03. Miete -700,00",
                                      "15.03. Gehalt 2.500,00", "Neuer Kontostand 2.800,00 EUR"};
    json out = run(result_of({page_from_lines(lines)}));
    EXPECT_EQ(out["detected_type"], "bank_statement");
    const json &f = out["fields"];
    EXPECT_EQ(f["account_holder"], "Erika Mustermann");
    EXPECT_EQ(f["iban"], "DE89370400440532013000");
    EXPECT_EQ(f["period_start"], "2024-03-01");
    EXPECT_EQ(f["period_end"], "2024-03-31");
    EXPECT_EQ(f["opening_balance"], 1000.0);
    EXPECT_EQ(f["closing_balance"], 2800.0);
    EXPECT_GE(conf(out, "closing_balance"), 0.95);
    lines[7] = "Neuer Kontostand 2.900,00 EUR";
    out = run(result_of({page_from_lines(lines)}));
    EXPECT_LT(conf(out, "closing_balance"), 0.5);
}

TEST(DocumentFields, EmbeddedCiiXmlIsTheSourceOfTruth) {
    const char xml[] =
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<rsm:CrossIndustryInvoice xmlns:rsm='urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100' "
        "xmlns:ram='urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100' "
        "xmlns:udt='urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100'>"
        "<rsm:ExchangedDocument><ram:ID>471102</ram:ID><ram:TypeCode>380</ram:TypeCode>"
        "<ram:IssueDateTime><udt:DateTimeString format='102'>20240314</udt:DateTimeString></ram:IssueDateTime>"
        "</rsm:ExchangedDocument><rsm:SupplyChainTradeTransaction>"
        "<ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty><ram:Name>Lieferant GmbH</ram:Name>"
        "<ram:SpecifiedTaxRegistration><ram:ID schemeID='VA'>DE136695976</ram:ID></ram:SpecifiedTaxRegistration>"
        "</ram:SellerTradeParty></ram:ApplicableHeaderTradeAgreement>"
        "<ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>"
        "<ram:SpecifiedTradeSettlementPaymentMeans><ram:PayeePartyCreditorFinancialAccount>"
        "<ram:IBANID>DE89370400440532013000</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>"
        "</ram:SpecifiedTradeSettlementPaymentMeans>"
        "<ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
        "<ram:LineTotalAmount>1000.00</ram:LineTotalAmount><ram:TaxBasisTotalAmount>1000.00</ram:TaxBasisTotalAmount>"
        "<ram:TaxTotalAmount currencyID='EUR'>190.00</ram:TaxTotalAmount>"
        "<ram:GrandTotalAmount>1190.00</ram:GrandTotalAmount><ram:DuePayableAmount>1190.00</ram:DuePayableAmount>"
        "</ram:SpecifiedTradeSettlementHeaderMonetarySummation></ram:ApplicableHeaderTradeSettlement>"
        "</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>";
    json r = result_of({page_from_lines({"Rechnung 471102", "Gesamtbetrag 1.190,00 EUR"})});
    r["metadata"]["invoice_xml"] = {{"name", "factur-x.xml"}, {"xml", xml}};
    json out = run(r);
    EXPECT_EQ(out["detected_type"], "invoice");
    const json &f = out["fields"];
    EXPECT_EQ(f["invoice_number"], "471102");
    EXPECT_EQ(f["invoice_date"], "2024-03-14");
    EXPECT_EQ(f["vendor_name"], "Lieferant GmbH");
    EXPECT_EQ(f["vendor_vat_id"], "DE136695976");
    EXPECT_EQ(f["total_amount"], 1190.0);
    EXPECT_EQ(f["iban"], "DE89370400440532013000");
    for (const char *n : {"invoice_number", "invoice_date", "total_amount", "net_amount", "iban", "currency"})
        EXPECT_EQ(conf(out, n), 1.0) << n;
    EXPECT_EQ(out["field_details"]["total_amount"]["source"], "xml");
}

TEST(DocumentFields, UblXml) {
    const char xml[] =
        "<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2' "
        "xmlns:cbc='urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2' "
        "xmlns:cac='urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2'>"
        "<cbc:ID>UBL-1</cbc:ID><cbc:IssueDate>2024-02-29</cbc:IssueDate>"
        "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"
        "<cac:TaxTotal><cbc:TaxAmount currencyID='EUR'>21.00</cbc:TaxAmount></cac:TaxTotal>"
        "<cac:LegalMonetaryTotal><cbc:TaxExclusiveAmount>100.00</cbc:TaxExclusiveAmount>"
        "<cbc:TaxInclusiveAmount>122.00</cbc:TaxInclusiveAmount><cbc:PayableAmount>122.00</cbc:PayableAmount>"
        "</cac:LegalMonetaryTotal></Invoice>";
    json r = result_of({page_from_lines({"Invoice"})});
    r["metadata"]["invoice_xml"] = {{"xml", xml}};
    json out = run(r);
    EXPECT_EQ(out["fields"]["invoice_number"], "UBL-1");
    EXPECT_EQ(out["fields"]["invoice_date"], "2024-02-29");
    // 100 + 21 != 122: the XML contradicts itself
    EXPECT_LT(conf(out, "total_amount"), 0.5);
}

TEST(DocumentFields, AamvaPdf417) {
    const std::string payload =
        "@\n\x1e\rANSI 636014040002DL00410278ZC03190008DLDAQD1234562\nDCSPUBLIC\nDACJOHN\nDBB01151990\n"
        "DBA01152030\nDBD01152022\nDBC1\nDAG123 MAIN ST\nDAISACRAMENTO\nDAJCA\nDAK958230000  \nDCAC\n\r";
    json page = page_from_lines({"DRIVER LICENSE"});
    page["barcodes"] = json::array({{{"format", "PDF417"}, {"text", payload}}});
    json out = run(result_of({page}));
    EXPECT_EQ(out["detected_type"], "drivers_license");
    EXPECT_EQ(out["fields"]["surname"], "PUBLIC");
    EXPECT_EQ(out["field_details"]["surname"]["source"], "pdf417");
}

TEST(DocumentFields, EmptyAndHostileInput) {
    json out = run(json::object());
    EXPECT_EQ(out["fields"], json::object());
    EXPECT_EQ(out["detected_type"], "other");
    EXPECT_EQ(out["overall_confidence"], 0);
    json r = {{"pages", {{{"text", 5}, {"words", "x"}, {"lines", {1, 2}}, {"barcodes", {1, {{"text", 3}}}}}}},
              {"metadata", {{"invoice_xml", {{"xml", std::string(100000, '<')}}}}}};
    EXPECT_NO_THROW(run(r));
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "<a>";
    r["metadata"]["invoice_xml"]["xml"] = "<Invoice>" + deep;
    EXPECT_NO_THROW(run(r));
    // a long text of label-like lines stays bounded
    std::vector<std::string> many(20000, "Total Total Total 1,00 IBAN DE89 3704");
    EXPECT_NO_THROW(run(result_of({page_from_lines(many)}), "invoice"));
    std::vector<std::string> vat(20000, "USt-IdNr DE000000000 VAT FR00000000000 BTW NL000000000B00");
    EXPECT_NO_THROW(run(result_of({page_from_lines(vat)}), "invoice"));
}

}  // namespace

namespace {

// EN 16931 BR-CO-16: amount due = total - prepaid + rounding.
TEST(DocumentFieldsTotals, PrepaidAmountConfirmsTheAmountDue) {
    std::vector<std::string> lines = {"Muster GmbH", "Rechnung Nr. 2024-77", "Rechnungsdatum: 14.03.2024",
                                      "Nettobetrag 1.000,00 EUR", "MwSt 19 % 190,00 EUR",
                                      "Gesamtbetrag 1.190,00 EUR", "Anzahlung 500,00 EUR", "Zahlbetrag 690,00 EUR"};
    json out = run(result_of({page_from_lines(lines)}));
    EXPECT_EQ(out["fields"]["amount_due"], 690.0);
    EXPECT_EQ(conf(out, "amount_due"), 0.96);
    EXPECT_EQ(conf(out, "total_amount"), 0.96);
    EXPECT_EQ(out["field_details"]["amount_due"]["checks"], json::array({"en16931_br_co_16"}));
    // a due amount that is not total - prepaid: the due amount is the contradiction, the total
    // that net + VAT confirm stays
    lines[7] = "Zahlbetrag 790,00 EUR";
    out = run(result_of({page_from_lines(lines)}));
    EXPECT_EQ(conf(out, "amount_due"), 0.3);
    EXPECT_EQ(out["field_details"]["amount_due"]["failed_checks"], json::array({"en16931_br_co_16"}));
    EXPECT_EQ(conf(out, "total_amount"), 0.96);
}

TEST(DocumentFieldsTotals, RoundingAndPrepaidInEnglish) {
    json out = run(result_of({page_from_lines({
        "ACME Ltd", "Invoice number: 5", "Invoice date: 2024-05-01", "Subtotal 100.00 EUR", "VAT 21% 21.00 EUR",
        "Total 121.00 EUR", "Amount paid -20.00 EUR", "Rounding 0.02 EUR", "Amount due 101.02 EUR"})}));
    EXPECT_EQ(out["fields"]["amount_due"], 101.02);
    EXPECT_EQ(conf(out, "amount_due"), 0.96);
}

TEST(DocumentFieldsTotals, DueAboveTotalWithoutPrepaidContradicts) {
    json out = run(result_of({page_from_lines({
        "ACME Ltd", "Invoice number: 6", "Total 121.00 EUR", "Amount due 130.00 EUR"})}));
    EXPECT_EQ(conf(out, "amount_due"), 0.3);
    EXPECT_EQ(conf(out, "total_amount"), 0.3);
    // below the total without a prepaid amount read: unconfirmed, not contradicted
    out = run(result_of({page_from_lines({"ACME Ltd", "Invoice number: 6", "Total 121.00 EUR",
                                          "Amount due 100.00 EUR"})}));
    EXPECT_EQ(conf(out, "amount_due"), 0.8);
    EXPECT_FALSE(out["field_details"]["amount_due"].contains("failed_checks"));
}

TEST(DocumentFieldsTotals, CiiPrepaidAmount) {
    auto cii = [](const char *due) {
        return std::string(
                   "<rsm:CrossIndustryInvoice xmlns:rsm='x' xmlns:ram='y'><rsm:ExchangedDocument><ram:ID>9</ram:ID>"
                   "</rsm:ExchangedDocument><ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
                   "<ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount><ram:TaxTotalAmount>19.00</ram:TaxTotalAmount>"
                   "<ram:GrandTotalAmount>119.00</ram:GrandTotalAmount><ram:TotalPrepaidAmount>19.00</ram:TotalPrepaidAmount>"
                   "<ram:DuePayableAmount>") +
               due + "</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation></rsm:CrossIndustryInvoice>";
    };
    json r = result_of({page_from_lines({"Rechnung"})});
    r["metadata"]["invoice_xml"] = {{"xml", cii("100.00")}};
    json out = run(r);
    EXPECT_EQ(conf(out, "amount_due"), 1.0);
    EXPECT_EQ(out["field_details"]["amount_due"]["checks"], json::array({"en16931_br_co_16"}));
    r["metadata"]["invoice_xml"] = {{"xml", cii("110.00")}};
    out = run(r);
    EXPECT_EQ(conf(out, "amount_due"), 0.3);
    EXPECT_EQ(conf(out, "total_amount"), 1.0);
}

}  // namespace

namespace {

TEST(DocumentFieldsStatement, RunningBalanceColumn) {
    std::vector<std::string> lines = {"Bank Statement", "Account holder: John Smith",
                                      "IBAN GB82 WEST 1234 5698 7654 32", "Opening balance 1,000.00 GBP",
                                      "02/03/2024 Rent -700.00 300.00", "15/03/2024 Salary 2,500.00 2,800.00",
                                      "20/03/2024 Card 12.50 DR 2,787.50", "Closing balance 2,787.50 GBP"};
    json out = run(result_of({page_from_lines(lines)}));
    EXPECT_EQ(out["detected_type"], "bank_statement");
    EXPECT_EQ(out["fields"]["closing_balance"], 2787.5);
    EXPECT_EQ(conf(out, "opening_balance"), 0.96);
    EXPECT_EQ(conf(out, "closing_balance"), 0.96);
    EXPECT_EQ(out["field_details"]["closing_balance"]["checks"], json::array({"balance_movements"}));
    // one running balance that does not follow: no confirmation
    lines[5] = "15/03/2024 Salary 2,500.00 2,900.00";
    out = run(result_of({page_from_lines(lines)}));
    EXPECT_EQ(conf(out, "closing_balance"), 0.3);
}

}  // namespace

namespace {

std::string base64_of(const std::string &s) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < s.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) |
                     static_cast<unsigned char>(s[i + 2]);
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
    }
    if (i < s.size()) {
        unsigned v = static_cast<unsigned char>(s[i]) << 16;
        if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
        out += {t[v >> 18], t[(v >> 12) & 63], i + 1 < s.size() ? t[(v >> 6) & 63] : '=', '='};
    }
    return out;
}

// A licence whose payload is not UTF-8 (a Latin-1 name and a NUL): the barcode scan reports it as
// bytes_base64, the fields come from the decoded bytes.
TEST(DocumentFieldsAamva, BinaryPayload) {
    std::string payload =
        "@\n\x1e\rANSI 636014040002DL00410278ZC03190008DLDAQD1234562\nDCSM\xdcLLER\nDACJOS\xc9\nDBB01151990\n"
        "DBA01152030\nDBD01152022\nDBC2\nDAG123 MAIN ST\nDAISACRAMENTO\nDAJCA\nDAK958230000  \nDCAC\n\r";
    payload += std::string(1, '\0');
    json page = page_from_lines({"DRIVER LICENSE"});
    page["barcodes"] = json::array({{{"format", "PDF417"}, {"content", "binary"},
                                     {"bytes_base64", base64_of(payload)}, {"box", {10, 10, 200, 60}}}});
    json out = run(result_of({page}));
    EXPECT_EQ(out["detected_type"], "drivers_license");
    EXPECT_EQ(out["fields"]["surname"], "M\xc3\x9cLLER");
    EXPECT_EQ(out["fields"]["given_names"], "JOS\xc3\x89");
    EXPECT_EQ(out["fields"]["document_number"], "D1234562");
    EXPECT_EQ(out["fields"]["birth_date"], "1990-01-15");
    EXPECT_EQ(out["fields"]["sex"], "F");
    EXPECT_EQ(conf(out, "document_number"), 1.0);
    EXPECT_EQ(out["field_details"]["surname"]["source"], "pdf417");
    EXPECT_EQ(out["field_details"]["surname"]["bbox"], json::array({10, 10, 200, 60}));
    // malformed base64 is no payload
    page["barcodes"][0]["bytes_base64"] = "QA=$";
    out = run(result_of({page}));
    EXPECT_FALSE(out["fields"].contains("surname"));
}

}  // namespace

namespace {

// The visual zone repeats the MRZ: the fields it shows are confirmed twice (0.97), a corrected
// field it shows reaches 0.95, and a name it shows differently stays below.
TEST(DocumentFieldsMrz, VisualZoneAgreement) {
    std::vector<std::string> viz = {"PASSPORT PASSEPORT", "Type P Code UTO Passport No. L898902C3",
                                    "Surname/Nom ERIKSSON", "Given names/Prénoms Anna Maria",
                                    "Date of birth 12 AUG/AOÛT 74", "Date of expiry 15.04.2012"};
    auto lines = viz;
    lines.push_back(kTd3Line1);
    lines.push_back(kTd3Line2);
    json out = run(result_of({page_from_lines(lines)}));
    for (const char *n : {"document_number", "birth_date", "expiry_date", "surname", "given_names",
                          "issuing_country", "nationality"})
        EXPECT_EQ(conf(out, n), 0.97) << n;
    EXPECT_EQ(conf(out, "mrz"), 0.97);
    EXPECT_EQ(conf(out, "sex"), 0.9);
    EXPECT_EQ(out["field_details"]["surname"]["checks"], json::array({"visual_zone"}));
    // birth date read 74O812: corrected, then confirmed by the printed date
    lines.back()[15] = 'O';
    lines[2] = "Surname/Nom ERIKSON";
    out = run(result_of({page_from_lines(lines)}));
    EXPECT_EQ(out["fields"]["birth_date"], "1974-08-12");
    EXPECT_EQ(conf(out, "birth_date"), 0.95);
    EXPECT_EQ(conf(out, "surname"), 0.9);
    EXPECT_EQ(conf(out, "mrz"), 0.9);
}

// The OCR's MRZ pass (pages[].mrz_ocr) is read before the page text, with its box.
TEST(DocumentFieldsMrz, MrzPassOfTheOcr) {
    json page = page_from_lines({"PASSPORT", "P<UTOERIKSSON<<ANNAKMARIAK<K<<<<<", "L898902C36UT07408122F1204159ZE184226B<<<<<10"});
    page["method"] = "ocr";
    page["mrz_ocr"] = {{"text", std::string(kTd3Line1) + "\n" + kTd3Line2}, {"box", {0, 700, 1250, 860}}};
    json out = run(result_of({page}));
    EXPECT_EQ(out["fields"]["given_names"], "ANNA MARIA");
    EXPECT_EQ(out["fields"]["nationality"], "UTO");
    EXPECT_EQ(out["field_details"]["surname"]["bbox"], json::array({0, 700, 1250, 860}));
    EXPECT_EQ(conf(out, "document_number"), 0.95);
}

}  // namespace

namespace {

// A page whose words are given with their boxes: (text, x, y) per word, one line per inner vector.
json page_of_words(const std::vector<std::vector<std::tuple<std::string, double, double>>> &lines) {
    json words = json::array(), ranges = json::array();
    std::string text;
    for (const auto &line : lines) {
        std::size_t first = words.size();
        std::string lt;
        for (const auto &[w, x, y] : line) {
            words.push_back({w, x, y, x + 6.0 * static_cast<double>(w.size()), y + 10, 0.9});
            lt += (lt.empty() ? "" : " ") + w;
        }
        ranges.push_back({first, words.size() - first});
        text += (text.empty() ? "" : "\n") + lt;
    }
    return {{"page", 1}, {"text", text}, {"method", "ocr"}, {"ocr_confidence", 0.9}, {"unit", "px"},
            {"words", words}, {"lines", ranges}, {"barcodes", json::array()}};
}

// OCR read the column of labels and the column of values as separate lines: each value is found
// at its label's height; a row of labels gets the values under them.
TEST(DocumentFieldsLayout, ValuesInAnotherOcrLine) {
    json page = page_of_words({
        {{"Muster", 40, 20}, {"GmbH", 90, 20}},
        {{"Rechnung", 40, 50}},
        {{"Rechnungsnummer:", 40, 80}, {"Rechnungsdatum:", 240, 80}},
        {{"R-4711", 40, 95}, {"14.03.2024", 240, 95}},
        {{"Nettobetrag", 300, 200}},
        {{"MwSt", 300, 215}, {"19", 330, 215}, {"%", 345, 215}},
        {{"Gesamtbetrag", 300, 230}},
        {{"1.000,00", 450, 200}, {"EUR", 500, 200}},
        {{"190,00", 450, 215}, {"EUR", 500, 215}},
        {{"1.190,00", 450, 230}, {"EUR", 500, 230}},
    });
    json out = run(result_of({page}));
    EXPECT_EQ(out["fields"]["invoice_number"], "R-4711");
    EXPECT_EQ(out["fields"]["invoice_date"], "2024-03-14");
    EXPECT_EQ(out["fields"]["net_amount"], 1000.0);
    EXPECT_EQ(out["fields"]["tax_amount"], 190.0);
    EXPECT_EQ(out["fields"]["total_amount"], 1190.0);
    EXPECT_EQ(conf(out, "total_amount"), 0.96);
    EXPECT_EQ(out["field_details"]["total_amount"]["source"], "ocr");
    EXPECT_EQ(out["field_details"]["total_amount"]["bbox"], json::array({450, 230, 518, 240}));
}

// "1 390,56" split by the text layer, next to "3 118,71" (a quantity and a price).
TEST(DocumentFieldsLayout, SpaceGroupedLineItems) {
    json out = run(result_of({page_from_lines({
        "Dupont SARL", "Facture", "Numéro de facture : F-1", "Désignation Qté Prix Montant",
        "Conseil 1 1 390,56 1 390,56", "Installation 3 118,71 356,13", "Total HT 1 746,69 EUR",
        "TVA 20 % 349,34 EUR", "Total TTC 2 096,03 EUR"})}));
    ASSERT_TRUE(out["fields"].contains("line_items"));
    const json &items = out["fields"]["line_items"];
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0]["amount"], 1390.56);
    EXPECT_EQ(items[0]["unit_price"], 1390.56);
    EXPECT_EQ(items[0]["quantity"], 1);
    EXPECT_EQ(items[1]["amount"], 356.13);
    EXPECT_EQ(items[1]["quantity"], 3);
    EXPECT_EQ(conf(out, "line_items"), 0.9);
    EXPECT_EQ(out["fields"]["net_amount"], 1746.69);
    EXPECT_EQ(conf(out, "net_amount"), 0.96);
}

}  // namespace

namespace {

TEST(DocumentFieldsStatement, NegativeClosingBalance) {
    json out = run(result_of({page_from_lines({
        "Bank statement", "Account holder: Jane Doe", "Opening balance 1,161.48 EUR", "03/05/2024 Rent -2,000.00",
        "08/05/2024 Card -615.43", "Closing balance -1,453.95 EUR"})}));
    EXPECT_EQ(out["fields"]["closing_balance"], -1453.95);
    EXPECT_EQ(conf(out, "closing_balance"), 0.96);
}

}  // namespace
