// refresh_fields / parse_stored_result: a stored result in, the field keys of document_fields out;
// what is not a stored result is refused before the extractors see it.
#include <gtest/gtest.h>

#include <string>

#include "core/fields/refresh.hpp"

namespace {

using docextract::fields::document_fields;
using docextract::fields::parse_stored_result;
using docextract::fields::refresh_fields;
using docextract::fields::StoredResultError;
using nlohmann::json;

const json kModel = {
    {"schema", "docextract-extract/2"},
    {"pages", {{{"page", 1}, {"method", "native"}, {"width", 595}, {"height", 842},
                {"text", "Rechnung Nr. 2024-0815\nIBAN: DE89 3704 0044 0532 0130 00\nGesamtbetrag 1.190,00 EUR"}}}},
    {"text", "Rechnung Nr. 2024-0815"}};

TEST(Refresh, SameFieldsAsDocumentFields) {
    docextract::fields::DocumentFieldsOptions o;
    o.document_type = "invoice";
    o.current_year = 2026;
    const json expected = document_fields(kModel, o);
    EXPECT_EQ(refresh_fields(kModel.dump(), o), expected);
    EXPECT_EQ(expected["fields"]["iban"], "DE89370400440532013000");
    EXPECT_EQ(expected["fields_version"], docextract::fields::kFieldsVersion);
}

TEST(Refresh, StoredFieldsDoNotMatter) {
    json stale = kModel;
    stale["fields"] = {{"iban", "DE00"}};
    stale["detected_type"] = "receipt";
    stale["fields_version"] = 0;
    EXPECT_EQ(refresh_fields(stale.dump()), refresh_fields(kModel.dump()));
}

TEST(Refresh, RefusesWhatIsNoStoredResult) {
    EXPECT_THROW(parse_stored_result("not json"), StoredResultError);
    EXPECT_THROW(parse_stored_result("[]"), StoredResultError);
    EXPECT_THROW(parse_stored_result("\"text\""), StoredResultError);
    EXPECT_THROW(parse_stored_result(R"({"error": {"code": "corrupt"}})"), StoredResultError);
    EXPECT_THROW(parse_stored_result(""), StoredResultError);
}

TEST(Refresh, DepthLimit) {
    const auto nested = [](int depth) {
        return "{\"a\": " + std::string(static_cast<std::size_t>(depth - 1), '[') +
               std::string(static_cast<std::size_t>(depth - 1), ']') + "}";
    };
    EXPECT_NO_THROW(parse_stored_result(nested(docextract::fields::kMaxStoredResultDepth)));
    EXPECT_THROW(parse_stored_result(nested(docextract::fields::kMaxStoredResultDepth + 1)), StoredResultError);
    // Brackets inside strings (and escaped quotes) are text, not nesting.
    const std::string in_string = "{\"a\": \"\\\"" + std::string(1000, '[') + "\"}";
    EXPECT_NO_THROW(parse_stored_result(in_string));
}

}  // namespace
