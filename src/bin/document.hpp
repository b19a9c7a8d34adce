// The one code path that extracts a document, for the one-shot helper and for every child of a
// zygote: read stdin, load tesseract if needed, seccomp, extract, write the JSON on stdout.
#pragma once

#include <chrono>
#include <string>
#include <sys/types.h>

#include "cli.hpp"
#include "sandbox.hpp"

namespace docextract::extract {
class Ocr;
}

namespace docextract::helper {

// Runs after the process confined itself (early_hardening and confine, or a zygote child's
// setup). preloaded: a tesseract engine set initialised before the fork (the zygote's), used
// when its language and tessdata are the document's; null otherwise. Returns the exit status.
int run_document(const Cli &cli, const SandboxReport &sandbox, extract::Ocr *preloaded,
                 std::chrono::steady_clock::time_point start, pid_t original_parent);

// {"error": ...} on stdout (with the sandbox report once known); returns status.
int fail(const std::string &code, const std::string &message, int status);

}  // namespace docextract::helper
