// The helper end to end: a text PDF invoice made with groff, read by docextract-extract, whose
// result carries the FIELDS.md keys (docs/fields.md "From the document model to fields").
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

std::string run(const std::string &cmd) {
    std::string out;
    FILE *p = popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[65536];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
    return out;
}

class HelperFields : public ::testing::Test {
protected:
    void SetUp() override {
        if (system("command -v groff >/dev/null 2>&1") != 0) GTEST_SKIP() << "groff is not installed";
        char tmpl[] = "/tmp/docextract-fields-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        const std::string roff =
            ".LP\nMuster GmbH\n.br\nRechnung Nr. 2024-0815\n.br\nRechnungsdatum: 14.03.2024\n.br\n"
            "Nettobetrag 1.000,00 EUR\n.br\nMwSt 19 %% 190,00 EUR\n.br\nGesamtbetrag 1.190,00 EUR\n.br\n"
            "IBAN DE89 3704 0044 0532 0130 00\n";
        ASSERT_EQ(system(("printf '" + roff + "' | groff -ms -Tpdf > " + dir_ + "/invoice.pdf").c_str()), 0);
    }
    void TearDown() override {
        if (!dir_.empty()) (void)system(("rm -rf " + dir_).c_str());
    }
    json extract(const std::string &extra) {
        std::string out = raw(extra);
        json j = json::parse(out, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << out;
        return j;
    }
    std::string raw(const std::string &extra) {
        return run(std::string(DOCEXTRACT_HELPER) + " --format pdf " + extra + " < " + dir_ +
                              "/invoice.pdf");
    }
    // docextract-extract --refresh-fields on the given stored result.
    json refresh(const std::string &stored, const std::string &extra = "") {
        {
            std::ofstream f(dir_ + "/stored.json", std::ios::binary);
            f << stored;
        }
        const std::string out = run(std::string(DOCEXTRACT_HELPER) + " --refresh-fields " + extra + " < " +
                                    dir_ + "/stored.json");
        json j = json::parse(out, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << out;
        return j;
    }
    std::string dir_;
};

const char *const kFieldKeys[] = {"fields", "field_confidence", "field_details", "detected_type",
                                  "detected_type_confidence", "entities", "overall_confidence",
                                  "fields_version"};

// What the database keeps and refresh_source() hands back: the result without its field keys.
json stored_model(json result) {
    for (const char *k : kFieldKeys) result.erase(k);
    return result;
}

TEST_F(HelperFields, TextPdfInvoice) {
    json r = extract("");
    ASSERT_TRUE(r.contains("fields")) << r.dump();
    for (const char *k : {"fields", "field_confidence", "field_details", "detected_type",
                          "detected_type_confidence", "entities", "overall_confidence"})
        EXPECT_TRUE(r.contains(k)) << k;
    EXPECT_EQ(r["detected_type"], "invoice");
    EXPECT_EQ(r["fields"]["invoice_number"], "2024-0815");
    EXPECT_EQ(r["fields"]["invoice_date"], "2024-03-14");
    EXPECT_EQ(r["fields"]["total_amount"], 1190.0);
    EXPECT_EQ(r["fields"]["iban"], "DE89370400440532013000");
    EXPECT_GE(r["field_confidence"]["total_amount"].get<double>(), 0.95);
    EXPECT_EQ(r["field_details"]["total_amount"]["page"], 1);
    EXPECT_EQ(r["field_details"]["total_amount"]["bbox"].size(), 4u);
    EXPECT_TRUE(r["timings_ms"].contains("fields"));
    // amounts as JSON numbers with two decimals (FIELDS.md), as jsonb will keep them
    const std::string text = raw("");
    EXPECT_NE(text.find("\"total_amount\":1190.00,"), std::string::npos) << text;
    EXPECT_NE(text.find("\"net_amount\":1000.00,"), std::string::npos) << text;
}

TEST_F(HelperFields, DeclaredTypeIsAHint) {
    json r = extract("--document-type receipt");
    EXPECT_EQ(r["detected_type"], "invoice");
    EXPECT_FALSE(r["fields"].contains("invoice_number"));
    json bad = extract("--document-type nonsense");
    EXPECT_EQ(bad["error"]["code"], "usage");
}

TEST_F(HelperFields, RefreshGivesTheFieldsOfAnExtraction) {
    const json full = extract("");
    ASSERT_TRUE(full.contains("fields")) << full.dump();
    EXPECT_EQ(full["fields_version"], 2);
    const json r = refresh(stored_model(full).dump());
    ASSERT_FALSE(r.contains("error")) << r.dump();
    for (const char *k : kFieldKeys) EXPECT_EQ(r[k], full[k]) << k;
    // Only the field keys come back, with the refresh's own timings and sandbox report.
    EXPECT_EQ(r["mode"], "refresh_fields");
    EXPECT_FALSE(r.contains("pages"));
    EXPECT_FALSE(r.contains("text"));
    EXPECT_TRUE(r["timings_ms"].contains("fields"));
    EXPECT_TRUE(r["sandbox"]["seccomp"].get<bool>());
}

TEST_F(HelperFields, RefreshIgnoresTheStoredFields) {
    const json full = extract("");
    json altered = full;  // old, wrong fields left in the input change nothing
    altered["fields"] = {{"total_amount", 1.0}, {"iban", "DE00"}};
    altered["field_confidence"] = {{"total_amount", 1.0}};
    altered["fields_version"] = 0;
    altered["detected_type"] = "receipt";
    const json r = refresh(altered.dump());
    for (const char *k : kFieldKeys) EXPECT_EQ(r[k], full[k]) << k;
}

TEST_F(HelperFields, RefreshUsesTheDeclaredType) {
    const json as_receipt = extract("--document-type receipt");
    const json r = refresh(stored_model(extract("")).dump(), "--document-type receipt");
    for (const char *k : kFieldKeys) EXPECT_EQ(r[k], as_receipt[k]) << k;
    EXPECT_FALSE(r["fields"].contains("invoice_number"));
}

TEST_F(HelperFields, RefreshRefusesWhatIsNoStoredResult) {
    EXPECT_EQ(refresh("not json")["error"]["code"], "corrupt");
    EXPECT_EQ(refresh("[1, 2]")["error"]["code"], "corrupt");
    EXPECT_EQ(refresh(R"({"error": {"code": "encrypted"}})")["error"]["code"], "corrupt");
    // Deep nesting is refused before parsing (the parser recurses when it frees the tree).
    const std::string deep = "{\"pages\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
    const json d = refresh(deep);
    EXPECT_EQ(d["error"]["code"], "corrupt");
    EXPECT_NE(d["error"]["message"].get<std::string>().find("nested"), std::string::npos);
    // An empty model is a document without fields, not an error.
    const json empty = refresh("{}");
    EXPECT_EQ(empty["fields"], json::object());
    EXPECT_EQ(empty["detected_type"], "other");
    EXPECT_EQ(refresh("{}", "--format pdf")["error"]["code"], "usage");
}

}  // namespace
