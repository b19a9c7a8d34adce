// Running the sandboxed helper for one claimed job, from a background worker. This is the only
// C++-heavy code of the worker; it never lets an exception or a PostgreSQL error escape.
#pragma once

#include "pg/job_queue.hpp"

namespace docextract::pg {

enum class ExtractionEnd {
    succeeded,     // json holds the helper's result
    failed,        // error holds "code: message"; the SQL retry policy reads the code
    claim_lost,    // the job was cancelled or reclaimed meanwhile: drop the work
    shutdown,      // the worker was asked to stop: give the job back
    extension_gone,  // DROP EXTENSION took the job with it: nothing to report
};

struct ExtractionResult {
    ExtractionEnd end;
    bool helper_crashed;
    bool timed_out;
    char *json;    // palloc'd
    char *error;   // palloc'd
    int64 elapsed_ms;
};

// got_sigterm is polled while the helper runs.
ExtractionResult run_extraction(const ClaimedJob *job, volatile sig_atomic_t *got_sigterm) noexcept;

}  // namespace docextract::pg
