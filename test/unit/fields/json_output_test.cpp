// dump_json: amounts as JSON numbers with two decimals (FIELDS.md), everything else as nlohmann
// writes it.
#include <gtest/gtest.h>

#include "core/fields/document_fields.hpp"
#include "core/fields/json_output.hpp"

namespace {

using docextract::fields::amount_text;
using docextract::fields::dump_json;
using docextract::fields::is_amount_field;
using nlohmann::json;

TEST(JsonOutput, AmountText) {
    EXPECT_EQ(amount_text(1190.0), "1190.00");
    EXPECT_EQ(amount_text(1234.56), "1234.56");
    EXPECT_EQ(amount_text(1234.5), "1234.50");
    EXPECT_EQ(amount_text(-0.5), "-0.50");
    EXPECT_EQ(amount_text(-0.0), "0.00");
    EXPECT_EQ(amount_text(0.125), "0.125");  // more decimals only when printed: never rounded
    EXPECT_EQ(amount_text(999999999.99), "999999999.99");
}

TEST(JsonOutput, AmountFields) {
    for (const char *n : {"total_amount", "net_amount", "tax_amount", "amount_due", "opening_balance",
                          "closing_balance"})
        EXPECT_TRUE(is_amount_field(n)) << n;
    for (const char *n : {"iban", "card_last4", "invoice_number", "line_items", "currency"})
        EXPECT_FALSE(is_amount_field(n)) << n;
}

TEST(JsonOutput, OtherJsonIsUnchanged) {
    json j = {{"schema", "docextract-extract/2"}, {"ocr_confidence", 1.0}, {"x", {1.5, 2, "a\"b"}},
              {"error", {{"code", "usage"}, {"message", "bad \u00e9"}}}, {"empty", json::object()}};
    EXPECT_EQ(dump_json(j), j.dump());
    EXPECT_EQ(dump_json(json::array({1.0, 2})), "[1.0,2]");
}

TEST(JsonOutput, FieldsDetailsLineItemsAndEntities) {
    json j = {{"fields", {{"total_amount", 1190.0}, {"tax_amount", 190}, {"iban", "DE89"},
                          {"line_items", {{{"description", "Widget"}, {"quantity", 2.0},
                                           {"unit_price", 50.0}, {"amount", 100.0}}}}}},
              {"field_confidence", {{"total_amount", 1.0}}},
              {"field_details", {{"total_amount", {{"value", 1190.0}, {"confidence", 1.0}}}}},
              {"entities", {{"amounts", {{{"value", 12.5}, {"currency", "EUR"}}}}, {"dates", json::array()}}},
              {"overall_confidence", 0.5}};
    EXPECT_EQ(dump_json(j),
              "{\"entities\":{\"amounts\":[{\"currency\":\"EUR\",\"value\":12.50}],\"dates\":[]},"
              "\"field_confidence\":{\"total_amount\":1.0},"
              "\"field_details\":{\"total_amount\":{\"confidence\":1.0,\"value\":1190.00}},"
              "\"fields\":{\"iban\":\"DE89\",\"line_items\":[{\"amount\":100.00,\"description\":\"Widget\","
              "\"quantity\":2.0,\"unit_price\":50.00}],\"tax_amount\":190.00,\"total_amount\":1190.00},"
              "\"overall_confidence\":0.5}");
    // the text is JSON that reads back as the same values
    EXPECT_EQ(json::parse(dump_json(j)), j);
}

TEST(JsonOutput, DocumentFieldsFromXmlWithFourDecimals) {
    const char xml[] =
        "<Invoice><ID>A-1</ID><IssueDate>2024-02-29</IssueDate>"
        "<DocumentCurrencyCode>EUR</DocumentCurrencyCode>"
        "<TaxTotal><TaxAmount>190.0000</TaxAmount></TaxTotal><LegalMonetaryTotal>"
        "<TaxExclusiveAmount>1000.0</TaxExclusiveAmount><TaxInclusiveAmount>1190</TaxInclusiveAmount>"
        "<PayableAmount>1190.00</PayableAmount></LegalMonetaryTotal></Invoice>";
    json r = {{"pages", json::array({{{"page", 1}, {"text", "Invoice"}}})},
              {"metadata", {{"invoice_xml", {{"xml", xml}}}}}};
    const std::string out = dump_json(docextract::fields::document_fields(r));
    for (const char *want : {"\"net_amount\":1000.00", "\"tax_amount\":190.00", "\"total_amount\":1190.00",
                             "\"amount_due\":1190.00", "\"value\":1190.00"})
        EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;
    EXPECT_EQ(out.find("1190.0,"), std::string::npos) << out;
}

}  // namespace
