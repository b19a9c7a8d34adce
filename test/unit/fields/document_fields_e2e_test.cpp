// The helper end to end: a text PDF invoice made with groff, read by docextract-extract, whose
// result carries the FIELDS.md keys (docs/fields.md "From the document model to fields").
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
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
    std::string dir_;
};

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

}  // namespace
