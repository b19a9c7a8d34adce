// AAMVA PDF417 payloads. The first is the example of the AAMVA DL/ID Card Design Standard 2016,
// Annex D (D.12.3, "Virginia" sample: header "ANSI 636000090002DL00410278ZV03190008").
#include <gtest/gtest.h>

#include <string>

#include "core/fields/aamva.hpp"

namespace {

using namespace docextract::fields;

std::string value(const AamvaResult &r, const char *name) {
    auto it = r.fields.find(name);
    return it == r.fields.end() ? "<absent>" : it->second.value;
}

const std::string kDlBody =
    "DLDAQT64235789\nDCSSAMPLE\nDDEN\nDACMICHAEL\nDDFN\nDADJOHN\nDDGN\nDCUJR\nDCAD\nDCBK\n"
    "DCDPH\nDBD06062016\nDBB06061986\nDBA12102024\nDBC1\nDAU068 in\nDAYBRO\n"
    "DAG2300 WEST BROAD STREET\nDAIRICHMOND\nDAJVA\nDAK232690000  \nDCF2424244747474786102204\n"
    "DCGUSA\nDCK123456789\nDDAF\nDDB06062008\nDDC06062009\nDDD1\r";

std::string with_header(const std::string &iin, const std::string &version, const std::string &dl,
                        int offset_error = 0) {
    std::string header = "@\n\x1e\rANSI " + iin + version + "0002";
    std::size_t dl_offset = header.size() + 20;
    char des[64];
    std::snprintf(des, sizeof des, "DL%04zu%04zuZV%04zu%04d", dl_offset + offset_error, dl.size(),
                  dl_offset + dl.size(), 8);
    return header + des + dl + "ZVZVA01\r";
}

TEST(Aamva, Standard2016Example) {
    std::string p = with_header("636000", "09", kDlBody);
    ASSERT_EQ(p.substr(0, 41), std::string("@\n\x1e\rANSI 636000090002DL00410278ZV03190008"));
    auto r = parse_aamva(p);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->valid());
    EXPECT_TRUE(r->warnings.empty());
    EXPECT_EQ(r->iin, "636000");
    EXPECT_EQ(r->aamva_version, 9);
    EXPECT_EQ(r->subfile_type, "DL");
    EXPECT_EQ(value(*r, "document_number"), "T64235789");
    EXPECT_EQ(value(*r, "surname"), "SAMPLE");
    EXPECT_EQ(value(*r, "given_names"), "MICHAEL JOHN");
    EXPECT_EQ(value(*r, "birth_date"), "1986-06-06");
    EXPECT_EQ(value(*r, "issue_date"), "2016-06-06");
    EXPECT_EQ(value(*r, "expiry_date"), "2024-12-10");
    EXPECT_EQ(value(*r, "sex"), "M");
    EXPECT_EQ(value(*r, "address_street"), "2300 WEST BROAD STREET");
    EXPECT_EQ(value(*r, "address_city"), "RICHMOND");
    EXPECT_EQ(value(*r, "address_state"), "VA");
    EXPECT_EQ(value(*r, "address_postal_code"), "23269");
    EXPECT_EQ(value(*r, "license_class"), "D");
    EXPECT_EQ(value(*r, "issuing_jurisdiction"), "VA");
    EXPECT_EQ(r->fields.at("birth_date").checks, (std::vector<std::string>{"date_exists"}));
}

TEST(Aamva, CanadianDatesAndSexCodes) {
    std::string body =
        "DLDAQ123456789\nDCSTREMBLAY\nDACMARIE\nDADNONE\nDBB19860606\nDBA20301231\n"
        "DBD20220115\nDBC2\nDAJON\nDAKM5V 2T6\nDCGCAN\r";
    auto r = parse_aamva(with_header("636012", "08", body));
    ASSERT_TRUE(r);
    EXPECT_EQ(value(*r, "birth_date"), "1986-06-06");
    EXPECT_EQ(value(*r, "expiry_date"), "2030-12-31");
    EXPECT_EQ(value(*r, "sex"), "F");
    EXPECT_EQ(value(*r, "given_names"), "MARIE");  // DAD "NONE" dropped
    EXPECT_EQ(value(*r, "address_postal_code"), "M5V 2T6");
    body.replace(body.find("DCGCAN"), 6, "DCGXXX");  // no country: the IIN (Ontario) decides
    r = parse_aamva(with_header("636012", "08", body));
    EXPECT_EQ(value(*r, "birth_date"), "1986-06-06");
    std::string x = "DLDAQ1\nDCSA\nDACB\nDBC9\nDBB01021990\r";
    EXPECT_EQ(value(*parse_aamva(with_header("636000", "09", x)), "sex"), "X");
}

TEST(Aamva, RealWorldDeviations) {
    // Missing CR in the header, and a DL offset one byte off.
    std::string p = with_header("636000", "09", kDlBody, 1);
    p.erase(3, 1);
    auto r = parse_aamva(p);
    ASSERT_TRUE(r);
    EXPECT_EQ(value(*r, "document_number"), "T64235789");
    EXPECT_FALSE(r->warnings.empty());

    // Version 01: no jurisdiction version, DAA full name, DAR class, sex as a letter.
    std::string body = "DLDAQ0123456\nDAASMITH,JOHN,Q\nDBB07041976\nDBA07042026\nDBCM\nDARC\r";
    std::string v1 = "@\n\x1e\rANSI 63602901" "01";
    char des[16];
    std::snprintf(des, sizeof des, "DL%04zu%04zu", v1.size() + 10, body.size());
    r = parse_aamva(v1 + des + body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->aamva_version, 1);
    EXPECT_EQ(value(*r, "surname"), "SMITH");
    EXPECT_EQ(value(*r, "given_names"), "JOHN Q");
    EXPECT_EQ(value(*r, "license_class"), "C");
    EXPECT_EQ(value(*r, "sex"), "M");
    EXPECT_EQ(value(*r, "birth_date"), "1976-07-04");
}

TEST(Aamva, ImpossibleDateAndGarbage) {
    std::string body = "DLDAQ1\nDCSA\nDACB\nDBB02311990\r";  // 31 February
    auto r = parse_aamva(with_header("636000", "09", body));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->valid());
    EXPECT_EQ(r->fields.count("birth_date"), 0u);
    EXPECT_FALSE(parse_aamva("hello world, this is no licence"));
    EXPECT_FALSE(parse_aamva("@\n\x1e\rANSI 63600009000" "1"));
    EXPECT_FALSE(parse_aamva(std::string(100000, 'D')));
}

}  // namespace
