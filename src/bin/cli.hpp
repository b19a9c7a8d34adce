// Command line of docextract-extract (see --help text in cli.cpp and docs/extract-json.md).
#pragma once

#include <cstddef>
#include <string>

#include "core/extract/extract.hpp"
#include "sandbox.hpp"

namespace docextract::helper {

struct Cli {
    extract::Options options;
    Limits limits;
    std::size_t max_input_bytes = 256u << 20;
    bool seccomp = true;
    std::string selftest_violate;  // hidden test mode
};

// false with a message on bad usage.
bool parse_cli(int argc, char **argv, Cli &cli, std::string &error);

}  // namespace docextract::helper
