// MRZ parsing on the ICAO Doc 9303 specimens (Part 4 TD3, Part 5 TD1, Part 6 TD2: the "UTOPIA"
// specimen of ANNA MARIA ERIKSSON) and the German identity card specimen (BMI, 2010, ERIKA
// MUSTERMANN), with OCR noise and broken check digits.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/fields/mrz.hpp"

namespace {

using namespace docextract::fields;

const MrzOptions kOpts{2024, {}};

const char kTD3[] =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
const char kTD1[] =
    "I<UTOD231458907<<<<<<<<<<<<<<<\n"
    "7408122F1204159UTO<<<<<<<<<<<6\n"
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
const char kTD2[] =
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n"
    "D231458907UTO7408122F1204159<<<<<<<6";

std::string value(const MrzResult &r, const char *name) {
    auto it = r.fields.find(name);
    return it == r.fields.end() ? "<absent>" : it->second.value;
}

TEST(Mrz, CheckDigit) {
    // ICAO 9303-3, 4.9: examples of the check digit computation.
    EXPECT_EQ(mrz_check_digit("520727"), 3);
    EXPECT_EQ(mrz_check_digit("L898902C3"), 6);
    EXPECT_EQ(mrz_check_digit("AB2134<<<"), 5);
    EXPECT_EQ(mrz_check_digit("a"), -1);
}

TEST(Mrz, Td3Specimen) {
    auto r = parse_mrz(kTD3, kOpts);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->format, "TD3");
    EXPECT_TRUE(r->valid()) << r->failed_checks.size();
    EXPECT_EQ(r->checks.size(), 5u);
    EXPECT_EQ(value(*r, "document_code"), "P");
    EXPECT_EQ(value(*r, "issuing_country"), "UTO");
    EXPECT_EQ(value(*r, "surname"), "ERIKSSON");
    EXPECT_EQ(value(*r, "given_names"), "ANNA MARIA");
    EXPECT_EQ(value(*r, "document_number"), "L898902C3");
    EXPECT_EQ(value(*r, "nationality"), "UTO");
    EXPECT_EQ(value(*r, "birth_date"), "1974-08-12");
    EXPECT_EQ(value(*r, "sex"), "F");
    EXPECT_EQ(value(*r, "expiry_date"), "2012-04-15");
    EXPECT_EQ(value(*r, "personal_number"), "ZE184226B");
    EXPECT_EQ(value(*r, "mrz"), kTD3);
    const Field &n = r->fields.at("document_number");
    EXPECT_EQ(n.checks, (std::vector<std::string>{kMrzDocumentNumberCheck, kMrzCompositeCheck}));
    EXPECT_TRUE(n.failed_checks.empty());
    EXPECT_TRUE(r->corrections.empty());
}

TEST(Mrz, Td1Specimen) {
    auto r = parse_mrz(kTD1, kOpts);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->format, "TD1");
    EXPECT_TRUE(r->valid());
    EXPECT_EQ(value(*r, "document_code"), "I");
    EXPECT_EQ(value(*r, "document_number"), "D23145890");
    EXPECT_EQ(value(*r, "surname"), "ERIKSSON");
    EXPECT_EQ(value(*r, "given_names"), "ANNA MARIA");
    EXPECT_EQ(value(*r, "birth_date"), "1974-08-12");
    EXPECT_EQ(value(*r, "expiry_date"), "2012-04-15");
    EXPECT_EQ(value(*r, "sex"), "F");
    EXPECT_EQ(value(*r, "nationality"), "UTO");
    EXPECT_EQ(value(*r, "personal_number"), "<absent>");
}

TEST(Mrz, Td2Specimen) {
    auto r = parse_mrz(kTD2, kOpts);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->format, "TD2");
    EXPECT_TRUE(r->valid());
    EXPECT_EQ(value(*r, "document_number"), "D23145890");
    EXPECT_EQ(value(*r, "surname"), "ERIKSSON");
    EXPECT_EQ(value(*r, "birth_date"), "1974-08-12");
    EXPECT_EQ(value(*r, "expiry_date"), "2012-04-15");
}

// German identity card specimen: issuer and nationality "D", sex unspecified ('<').
TEST(Mrz, GermanIdCardSpecimen) {
    auto r = parse_mrz(
        "IDD<<T220001293<<<<<<<<<<<<<<<\n"
        "6408125<2010315D<<<<<<<<<<<<<4\n"
        "MUSTERMANN<<ERIKA<<<<<<<<<<<<<",
        kOpts);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->valid());
    EXPECT_EQ(value(*r, "document_code"), "ID");
    EXPECT_EQ(value(*r, "issuing_country"), "D");
    EXPECT_EQ(value(*r, "nationality"), "D");
    EXPECT_EQ(value(*r, "document_number"), "T22000129");
    EXPECT_EQ(value(*r, "birth_date"), "1964-08-12");
    EXPECT_EQ(value(*r, "expiry_date"), "2020-10-31");
    EXPECT_EQ(value(*r, "sex"), "X");
    EXPECT_EQ(value(*r, "given_names"), "ERIKA");
}

TEST(Mrz, FoundAmongOtherTextWithNoise) {
    std::string text =
        "PASSPORT  PASSEPORT  PASAPORTE\n"
        "Surname / Nom: ERIKSSON\n"
        "\n"
        "p<uto eriksson<<anna<maria<<<<<<<<<<<<<<<<\n"  // lower case, spaces, fillers lost
        "L898902C36 UTO7408122F 1204159ZE184226B<<<<<10\n"
        "signature\n";
    auto r = parse_mrz(text, kOpts);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->valid());
    EXPECT_EQ(value(*r, "surname"), "ERIKSSON");
    EXPECT_EQ(value(*r, "mrz"), kTD3);
}

TEST(Mrz, CorrectsOcrConfusionsWhereChecksThenPass) {
    // Dates and check digits: O for 0, I for 1, S for 5, B for 8; the country read with a 0.
    auto r = parse_mrz(
        "P<UT0ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
        "L898902C36UTO74O8I22FI2O4IS9ZE184226B<<<<<IO",
        kOpts);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->valid());
    EXPECT_EQ(value(*r, "birth_date"), "1974-08-12");
    EXPECT_EQ(value(*r, "expiry_date"), "2012-04-15");
    EXPECT_EQ(value(*r, "issuing_country"), "UTO");
    EXPECT_FALSE(r->corrections.empty());
    EXPECT_EQ(value(*r, "mrz"), kTD3);

    // The document number allows letters and digits: O read for 0 is found by the search.
    r = parse_mrz(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
        "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10",
        kOpts);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->valid());
    EXPECT_EQ(value(*r, "document_number"), "L898902C3");
    EXPECT_TRUE(r->fields.at("document_number").corrected);
    EXPECT_FALSE(r->fields.at("birth_date").corrected);
    ASSERT_EQ(r->corrections.size(), 1u);
    EXPECT_EQ(r->corrections[0], "document_number: O->0 at 6");

    // The personal number: 8 read as B. More than one substitution makes its check digit pass
    // (Z->2, 1->I, B->8, ...): ambiguous, so nothing is corrected and the check fails.
    r = parse_mrz(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
        "L898902C36UTO7408122F1204159ZE1B4226B<<<<<10",
        kOpts);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->valid());
    EXPECT_EQ(value(*r, "personal_number"), "ZE1B4226B");
    EXPECT_FALSE(r->fields.at("personal_number").failed_checks.empty());
}

TEST(Mrz, BrokenCheckDigitsAreReported) {
    // Birth date check digit 2 -> 3: the birth date and the composite fail.
    auto r = parse_mrz(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
        "L898902C36UTO7408123F1204159ZE184226B<<<<<10",
        kOpts);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->valid());
    const Field &b = r->fields.at("birth_date");
    EXPECT_EQ(b.failed_checks,
              (std::vector<std::string>{kMrzBirthDateCheck, kMrzCompositeCheck}));
    EXPECT_EQ(r->fields.at("mrz").failed_checks.size(), 2u);

    // A document number digit changed (C3 -> C7): no OCR confusion explains it.
    r = parse_mrz(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
        "L898902C76UTO7408122F1204159ZE184226B<<<<<10",
        kOpts);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->valid());
    EXPECT_EQ(value(*r, "document_number"), "L898902C7");
    EXPECT_FALSE(r->fields.at("document_number").failed_checks.empty());
    EXPECT_TRUE(r->corrections.empty());

    // Only the composite broken.
    r = parse_mrz(kTD2 + std::string(), kOpts);
    std::string td2 = kTD2;
    td2.back() = '7';
    r = parse_mrz(td2, kOpts);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->failed_checks, (std::vector<std::string>{kMrzCompositeCheck}));
}

TEST(Mrz, ImpossibleDateFailsEvenWithMatchingCheckDigit) {
    // Birth date 740231 (31 February) with its correct check digit (ICAO 7-3-1: 7).
    std::string line2 = "L898902C36UTO740231" + std::to_string(mrz_check_digit("740231")) +
                        "F1204159ZE184226B<<<<<1";
    int composite = mrz_check_digit(line2.substr(0, 10) + line2.substr(13, 7) + line2.substr(21, 22));
    line2 += static_cast<char>('0' + composite);
    auto r = parse_mrz("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" + line2, kOpts);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->valid());
    EXPECT_EQ(r->fields.count("birth_date"), 0u);
    EXPECT_EQ(r->failed_checks, (std::vector<std::string>{kDateExists}));
}

TEST(Mrz, CenturyRule) {
    auto r = parse_mrz(kTD3, MrzOptions{1970, {}});  // seen from 1970, 74 is 1874? no: in the future
    ASSERT_TRUE(r);
    EXPECT_EQ(value(*r, "birth_date"), "1974-08-12");  // 2074 > 1970 -> 1974
    r = parse_mrz(kTD3, MrzOptions{2080, {}});
    EXPECT_EQ(value(*r, "birth_date"), "2074-08-12");
}

TEST(Mrz, NothingOrHostile) {
    EXPECT_FALSE(parse_mrz("no machine readable zone here"));
    EXPECT_FALSE(parse_mrz(""));
    std::string many;
    for (int i = 0; i < 5000; ++i) many += "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n";
    EXPECT_FALSE(parse_mrz(many, kOpts));
    std::string junk(2u << 20, '<');
    EXPECT_FALSE(parse_mrz(junk, kOpts));
}

// TD1 line 1 as OCR misread it on small ID cards; lines 2 and 3 of the specimen.
const char kTD1Rest[] =
    "7408122F1204159UTO<<<<<<<<<<<6\n"
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";

MrzOptions with_numbers(std::vector<std::string> numbers) {
    MrzOptions o = kOpts;
    o.number_candidates = std::move(numbers);
    return o;
}

TEST(Mrz, VisualZoneNumbers) {
    EXPECT_EQ(visual_zone_numbers("Nr. D23145890 born 12.08.1974\nABCDEFGHIJK 12345 D23145890 X1234567890"),
              (std::vector<std::string>{"D23145890", "12345"}));
}

TEST(Mrz, Td1NumberFromVisualZone) {
    // four confusions (2/Z, 1/I, 5/S, 0/O): beyond the two-substitution search
    const std::string text = std::string("I<UTODZ3I4S89O7<<<<<<<<<<<<<<<\n") + kTD1Rest;
    auto plain = parse_mrz(text, kOpts);
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->valid());
    auto r = parse_mrz(text, with_numbers({"12345", "D23145890"}));
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->valid());
    EXPECT_EQ(value(*r, "document_number"), "D23145890");
    EXPECT_TRUE(r->fields.at("document_number").corrected);
    EXPECT_EQ(r->corrections,
              (std::vector<std::string>{"document_number: DZ3I4S89O->D23145890 from the visual zone"}));
    // a printed word that differs by other than OCR-B confusions (X/D ...) is not the number
    auto far = parse_mrz(std::string("I<UTOXXXXXX890<<<<<<<<<<<<<<<<\n") + kTD1Rest,
                         with_numbers({"D23145890"}));
    ASSERT_TRUE(far);
    EXPECT_FALSE(far->valid());
    EXPECT_EQ(value(*far, "document_number"), "XXXXXX890");
    // I/V is no OCR-B confusion: D23V45890 passes the check digits but is not the reading
    auto odd = parse_mrz(std::string("I<UTODZ3I4589O7<<<<<<<<<<<<<<<\n") + kTD1Rest, with_numbers({"D23V45890"}));
    ASSERT_TRUE(odd);
    EXPECT_FALSE(odd->valid());
    EXPECT_EQ(value(*odd, "document_number"), "DZ3I4589O");
    // the printed number goes before the two-substitution search, which would take 404MBIKT5
    // (OCR-B 8/B, 9/I, Z/T read in the generated card id006; both pass check digit 9)
    auto card = parse_mrz("I<D<<4O4MBIKTS9<<<<<<<<<<<<<<<\n7912229F3208140D<<<<<<<<<<<<<2\n"
                          "WEBER<<JONAS<<<<<<<<<<<<<<<<<<",
                          with_numbers({"404M89KZ5"}));
    ASSERT_TRUE(card);
    EXPECT_TRUE(card->valid());
    EXPECT_EQ(value(*card, "document_number"), "404M89KZ5");
    EXPECT_EQ(card->corrections,
              (std::vector<std::string>{"document_number: 4O4MBIKTS->404M89KZ5 from the visual zone"}));
    auto blind = parse_mrz("I<D<<4O4MBIKTS9<<<<<<<<<<<<<<<\n7912229F3208140D<<<<<<<<<<<<<2\n"
                           "WEBER<<JONAS<<<<<<<<<<<<<<<<<<",
                           kOpts);
    ASSERT_TRUE(blind);
    EXPECT_EQ(value(*blind, "document_number"), "404MBIKT5");
}

TEST(Mrz, Td1NumberFromVisualZoneNeedsBothCheckDigits) {
    // a wrong number check digit (8, not 7): the printed number passes the composite only
    auto r = parse_mrz(std::string("I<UTODZ3I4S89O8<<<<<<<<<<<<<<<\n") + kTD1Rest,
                       with_numbers({"D23145890"}));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->valid());
    EXPECT_EQ(value(*r, "document_number"), "DZ3I4S89O");
    EXPECT_TRUE(r->corrections.empty());
}

TEST(Mrz, Td1DocumentCodeReadAsL) {
    auto r = parse_mrz(std::string("L<UTOD231458907<<<<<<<<<<<<<<<\n") + kTD1Rest, kOpts);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->valid());
    EXPECT_EQ(value(*r, "document_code"), "I");
    EXPECT_EQ(r->lines[0], "I<UTOD231458907<<<<<<<<<<<<<<<");
    EXPECT_EQ(r->corrections, (std::vector<std::string>{"document_code: L->I at 1"}));
}

TEST(Mrz, Td1LostCharacterRestoredFromVisualZone) {
    // the 9 of D23145890 lost: line 1 has 29 characters
    const std::string text = std::string("I<UTOD23145807<<<<<<<<<<<<<<<\n") + kTD1Rest;
    auto plain = parse_mrz(text, kOpts);
    EXPECT_FALSE(plain && plain->format == "TD1");
    // D23145807 (the reading with 7 lost after it) passes too: the composite repeats the number's
    // own check, so two such words are ambiguous and neither is taken
    auto two = parse_mrz(text, with_numbers({"D23145890", "D23145807"}));
    EXPECT_FALSE(two && two->format == "TD1");
    auto r = parse_mrz(text, with_numbers({"12345", "D23145890"}));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->format, "TD1");
    EXPECT_TRUE(r->valid());
    EXPECT_EQ(r->lines[0], "I<UTOD231458907<<<<<<<<<<<<<<<");
    EXPECT_EQ(value(*r, "document_number"), "D23145890");
    EXPECT_TRUE(r->fields.at("document_number").corrected);
    EXPECT_EQ(r->corrections, (std::vector<std::string>{
                                  "document_number: a character lost in line 1 restored from the visual zone"}));
    // a printed number that is not the reading with one character lost: nothing restored
    auto other = parse_mrz(text, with_numbers({"D23145999"}));
    EXPECT_FALSE(other && other->format == "TD1");
}

}  // namespace
