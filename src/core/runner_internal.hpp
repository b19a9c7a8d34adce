// Shared between runner.cpp and runner_classify.cpp; not part of the public API.
#pragma once

#include "core/runner.hpp"

namespace docextract::core {

// Sets outcome, error_code and error_message of a child that ended on its own (exit or signal),
// from its exit status / signal and its stdout.
void classify_finished(RunResult &result);

}  // namespace docextract::core
