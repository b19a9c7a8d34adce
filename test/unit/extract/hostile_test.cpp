// Hostile documents: each must end as a classified failure or a bounded result, quickly, with the
// calling process unharmed (NoLeaks checks descriptors and children).
#include <csignal>

#include "support.hpp"

using docextract::core::outcome_name;
using docextract::core::RunOutcome;
using docextract::test::parse;
using docextract::test::run_fixture;

namespace {

constexpr int kTimeoutMs = 30000;

class Hostile : public docextract::test::NoLeaks {
protected:
    void expect_error(const std::string &file, const std::string &code) {
        auto r = run_fixture(file, {}, "", kTimeoutMs);
        EXPECT_EQ(r.outcome, RunOutcome::helper_error) << file << ": " << outcome_name(r.outcome) << " " << r.stderr_tail;
        EXPECT_EQ(r.error_code, code) << file << ": " << r.error_message;
        EXPECT_LT(r.elapsed_ms, kTimeoutMs);
    }
    nlohmann::json expect_bounded_ok(const std::string &file, std::vector<std::string> args = {}) {
        auto r = run_fixture(file, std::move(args), "", kTimeoutMs);
        EXPECT_EQ(r.outcome, RunOutcome::ok) << file << ": " << outcome_name(r.outcome) << " " << r.error_message;
        EXPECT_LT(r.elapsed_ms, kTimeoutMs);
        return r.outcome == RunOutcome::ok ? parse(r) : nlohmann::json::object();
    }
};

TEST_F(Hostile, TruncatedPdfIsCorrupt) { expect_error("truncated.pdf", "corrupt"); }

TEST_F(Hostile, SelfReferencingPageTreeIsBounded) {
    auto j = expect_bounded_ok("selfref.pdf");
    EXPECT_LE(j["pages"].size(), 2u);
}

TEST_F(Hostile, DeflateBombIsBounded) {
    auto j = expect_bounded_ok("deflate-bomb.pdf");
    EXPECT_EQ(j["text"], "");
}

TEST_F(Hostile, HugeMediaBoxIsNotRenderedAtFullSize) {
    auto j = expect_bounded_ok("huge-mediabox.pdf");
    EXPECT_EQ(j["limits_hit"], nlohmann::json::array({"max_pixels"}));
    EXPECT_EQ(j["pages"][0]["width"], 100000.0);
}

TEST_F(Hostile, PngClaiming65535SquaredIsRefusedBeforeDecoding) {
    expect_error("huge-claim.png", "too_many_pixels");
}

TEST_F(Hostile, PngDecodingTo400MBIsRefusedBeforeDecoding) {
    expect_error("decode-400mb.png", "too_many_pixels");
}

TEST_F(Hostile, PngDecodingTo400MBHitsTheMemoryLimitWhenThePixelCapIsRaised) {
    auto r = run_fixture("decode-400mb.png", {"--max-pixels", "200000000", "--max-memory-mb", "256"}, "",
                         kTimeoutMs);
    EXPECT_TRUE(r.outcome == RunOutcome::helper_error || r.outcome == RunOutcome::killed_by_signal)
        << outcome_name(r.outcome);
    EXPECT_LT(r.elapsed_ms, kTimeoutMs);
}

TEST_F(Hostile, TiffWhoseIfdPointsToItselfIsBounded) {
    auto j = expect_bounded_ok("ifd-loop.tiff");
    EXPECT_EQ(j["metadata"]["frames"], 1);
}

TEST_F(Hostile, RandomBytesBehindAValidSignatureAreCorrupt) {
    for (const char *ext : {"pdf", "png", "jpg", "tiff", "bmp", "webp"})
        expect_error(std::string("random-sig.") + ext, "corrupt");
}

TEST_F(Hostile, CpuLimitEndsWithTheTimeoutCode) {
    auto r = run_fixture("deflate-bomb.pdf", {"--timeout-cpu", "1"}, "", kTimeoutMs);
    EXPECT_EQ(r.outcome, RunOutcome::helper_error) << outcome_name(r.outcome);
    EXPECT_EQ(r.error_code, "timeout");
    EXPECT_EQ(r.exit_status, 4);
}

TEST_F(Hostile, WallClockTimeoutStillApplies) {
    auto r = run_fixture("scanned.pdf", {}, "", 50);
    EXPECT_EQ(r.outcome, RunOutcome::timeout);
    EXPECT_EQ(r.term_signal, SIGKILL);
}

}  // namespace
