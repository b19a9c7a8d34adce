// Shared by the extraction tests: running the helper through the runner, reading fixtures, and
// checking that the calling process is left without stray descriptors or children.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/runner.hpp"

namespace docextract::test {

std::string fixture_path(const std::string &name);
std::string read_file(const std::string &path);

// Runs the real helper on a fixture through run_helper; format defaults to the file extension.
core::RunResult run_fixture(const std::string &name, std::vector<std::string> extra_args = {},
                            std::string format = "", int timeout_ms = 60000);
// Same, but with the bytes given.
core::RunResult run_bytes(const std::string &bytes, std::vector<std::string> args, int timeout_ms = 60000);

// The result's JSON as a DOM (fails the test if it is not parseable).
nlohmann::json parse(const core::RunResult &r);

int open_fd_count();
bool has_children();  // true while some child (even a zombie) exists

// Fails the test if a test body leaves descriptors or children behind.
class NoLeaks : public ::testing::Test {
protected:
    void SetUp() override { fds_before_ = open_fd_count(); }
    void TearDown() override {
        EXPECT_EQ(open_fd_count(), fds_before_) << "descriptors leaked";
        EXPECT_FALSE(has_children()) << "a child or zombie remains";
    }

private:
    int fds_before_ = 0;
};

}  // namespace docextract::test
