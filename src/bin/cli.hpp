// Command line of docextract-extract (see --help text in cli.cpp and docs/extract-json.md).
#pragma once

#include <cstddef>
#include <string>

#include "core/extract/extract.hpp"
#include "core/limits.hpp"
#include "sandbox.hpp"

namespace docextract::helper {

struct Cli {
    extract::Options options;
    Limits limits;
    std::size_t max_input_bytes = core::kHelperMaxInputBytes;
    // Sandbox layers; the runner never turns one off (tests of the fallbacks, debugging).
    bool seccomp = true;
    bool namespaces = true;
    bool landlock = true;
    // The user's declared document type (documents.document_type), the hint of the field
    // extraction (src/core/fields/document_fields.hpp); "other" lets the content decide.
    std::string document_type = "other";
    // --refresh-fields: stdin is a stored result (docs/extract-json.md), not a document; only the
    // field extractors run on it, and only the field keys come out. No --format then.
    bool refresh_fields = false;
    // --zygote: serve documents from a pre-initialised process (zygote.hpp); no --format then.
    bool zygote = false;
    std::string selftest_violate;  // hidden test mode
    std::string selftest_arg;      // its target: a path or a pid
};

// false with a message on bad usage.
bool parse_cli(int argc, char **argv, Cli &cli, std::string &error);

}  // namespace docextract::helper
