// The sandbox limits of one extraction, with their defaults, in one place: the helper's command
// line, the runner and the server's settings (docextract.helper_memory_limit, job_timeout) all
// start from these. Shared with src/pg, so it must not include core/purity.hpp (whose assertion
// would fire after a PostgreSQL header); core .cpp files include that last themselves.
#pragma once

namespace docextract::core {

// Address space of the helper (RLIMIT_AS).
constexpr int kDefaultHelperMemoryMb = 2048;
constexpr int kMinHelperMemoryMb = 64;
// Wall-clock limit of one extraction; the helper's CPU limit (RLIMIT_CPU) is the same number.
constexpr int kDefaultJobTimeoutSeconds = 300;
// OCR stops at this share of the time limit so that the pages done so far are still returned.
constexpr int kTimeBudgetPermille = 800;
// Descriptors the helper may hold (RLIMIT_NOFILE).
constexpr int kHelperMaxOpenFiles = 32;
// Largest document the helper reads from stdin.
constexpr unsigned long kHelperMaxInputBytes = 256ul << 20;
// Largest result the runner accepts on the helper's stdout.
constexpr unsigned long kHelperMaxOutputBytes = 64ul << 20;

}  // namespace docextract::core
