#include "pg/guc.hpp"

#include "core/limits.hpp"
#include "pg/postgres_headers.hpp"

extern "C" {
#include "postmaster/postmaster.h"
}

namespace docextract::pg {

int guc_min_file_size = 100;
int guc_max_file_size = 50 * 1024 * 1024;
char *guc_extract_program = nullptr;
int guc_workers_per_database = 2;
int guc_max_workers = 4;
int guc_reserved_worker_slots = 2;
int guc_worker_idle_timeout_ms = 60000;
int guc_job_timeout_s = core::kDefaultJobTimeoutSeconds;
int guc_poll_interval_ms = 5000;
int guc_worker_statement_timeout_ms = 30000;
char *guc_ocr_language = nullptr;
int guc_max_pages = 500;
int guc_helper_memory_mb = core::kDefaultHelperMemoryMb;
int guc_helper_mode = helper_mode_zygote;
int guc_workers_mode = workers_all;
int guc_lease_duration_s = 300;
int guc_retry_backoff_base_s = 60;
int guc_retry_backoff_max_s = 3600;
bool guc_allow_drop_with_documents = false;

namespace {

const config_enum_entry helper_mode_options[] = {
    {"zygote", helper_mode_zygote, false},
    {"spawn", helper_mode_spawn, false},
    {nullptr, 0, false},
};
const config_enum_entry workers_mode_options[] = {
    {"all", workers_all, false},
    {"external", workers_external, false},
    {"none", workers_none, false},
    {nullptr, 0, false},
};
// Queue policy that only the SQL worker API reads (current_setting()); README, Settings.
int guc_max_lease_expirations = 3;
int guc_owner_jobs_in_flight = 0;
int guc_user_priority_min = -10;
int guc_user_priority_max = 10;
int guc_quota_documents = 0;
int guc_quota_storage_mb = 0;
int guc_job_retention_s = 0;

// The helper is installed beside the postgres binary; the default points there.
char default_extract_program[MAXPGPATH];

void compute_default_extract_program() {
    strlcpy(default_extract_program, my_exec_path, sizeof default_extract_program);
    get_parent_directory(default_extract_program);
    join_path_components(default_extract_program, default_extract_program, "docextract-extract");
}

bool check_ocr_language(char **newval, void **, GucSource) {
    // Passed to the helper as one argument; tesseract language names are [a-z_]+ joined by '+'.
    for (const char *p = *newval; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || *p == '+')) {
            GUC_check_errdetail("Use auto, or tesseract language names such as eng or eng+deu.");
            return false;
        }
    return **newval != '\0';
}

void define_int(const char *name, const char *short_desc, const char *long_desc, int *var,
                int boot, int min, int max, GucContext context, int flags) {
    DefineCustomIntVariable(name, short_desc, long_desc, var, boot, min, max, context, flags,
                            nullptr, nullptr, nullptr);
}

}  // namespace

void define_gucs() {
    // The size limits are a security boundary: PGC_SUSET, so that an ordinary user cannot SET a
    // limit away for their own session.
    define_int("docextract.min_file_size", "Smallest accepted document size.",
               "Smaller files are refused by validate_file() and upload().", &guc_min_file_size,
               100, 1, MaxAllocSize, PGC_SUSET, GUC_UNIT_BYTE);
    define_int("docextract.max_file_size", "Largest accepted document size.",
               "Larger files are refused by validate_file() and upload().", &guc_max_file_size,
               50 * 1024 * 1024, 1, MaxAllocSize, PGC_SUSET, GUC_UNIT_BYTE);

    // It names a program the server runs, so only the server configuration may set it.
    compute_default_extract_program();
    DefineCustomStringVariable("docextract.extract_program",
                               "Path of the sandboxed extraction helper program.",
                               "The background workers run it once per document.",
                               &guc_extract_program, default_extract_program, PGC_SIGHUP,
                               GUC_SUPERUSER_ONLY, nullptr, nullptr, nullptr);
    define_int("docextract.workers_per_database", "Extraction workers per database.",
               "Each database with the extension gets this many background workers; 0 stops them.",
               &guc_workers_per_database, 2, 0, 32, PGC_SIGHUP, 0);
    // The worker budget (README, Settings): every background worker shares max_worker_processes.
    define_int("docextract.max_workers", "Extraction workers on the whole server at most.",
               "Databases with pending jobs share them; the launcher is not counted.",
               &guc_max_workers, 4, 0, 1024, PGC_SIGHUP, 0);
    define_int("docextract.reserved_worker_slots",
               "Slots of max_worker_processes that docextract leaves free.",
               "A worker is started only if this many slots stay free, counting every running "
               "background worker (parallel query, replication, other extensions).",
               &guc_reserved_worker_slots, 2, 0, MAX_BACKENDS, PGC_SIGHUP, 0);
    define_int("docextract.worker_idle_timeout", "How long a worker waits for work before it exits.",
               "A database without workers is also looked at this often, for retries that came "
               "due and expired leases.",
               &guc_worker_idle_timeout_ms, 60000, 1000, 86400000, PGC_SIGHUP, GUC_UNIT_MS);
    define_int("docextract.job_timeout", "Wall-clock limit for extracting one document.",
               "The helper is killed when it runs longer; the job is retried.",
               &guc_job_timeout_s, core::kDefaultJobTimeoutSeconds, 1, 86400, PGC_SIGHUP, GUC_UNIT_S);
    define_int("docextract.poll_interval", "How often idle workers look for work unprompted.",
               "Uploads wake a worker at once; this poll is the fallback.",
               &guc_poll_interval_ms, 5000, 10, 3600000, PGC_SIGHUP, GUC_UNIT_MS);
    define_int("docextract.worker_statement_timeout",
               "Statement timeout of the workers' own queries.", nullptr,
               &guc_worker_statement_timeout_ms, 30000, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS);
    DefineCustomStringVariable("docextract.ocr_language", "Tesseract language(s) for OCR.",
                               "auto reads with eng, detects the page's language and reads again "
                               "with its traineddata when installed; or fixed, e.g. eng+deu.",
                               &guc_ocr_language, "auto", PGC_SIGHUP, 0, check_ocr_language,
                               nullptr, nullptr);
    define_int("docextract.max_pages", "Pages extracted per document at most.", nullptr,
               &guc_max_pages, 500, 1, 100000, PGC_SIGHUP, 0);
    define_int("docextract.helper_memory_limit", "Address-space limit of the helper process.",
               nullptr, &guc_helper_memory_mb, core::kDefaultHelperMemoryMb, core::kMinHelperMemoryMb,
               1048576, PGC_SIGHUP, GUC_UNIT_MB);
    DefineCustomEnumVariable("docextract.helper_mode", "How the workers run the helper.",
                             "zygote: each worker keeps one pre-initialised helper that forks a "
                             "sandboxed child per document; spawn: a new helper process per "
                             "document.",
                             &guc_helper_mode, helper_mode_zygote, helper_mode_options, PGC_SIGHUP,
                             0, nullptr, nullptr, nullptr);

    // Per database (ALTER DATABASE ... SET), so PGC_SUSET; claim_jobs() reads the session's
    // value, the in-server workers the catalog (database_setting.cpp).
    DefineCustomEnumVariable("docextract.workers", "Which workers may claim the database's jobs.",
                             "all: the background workers and external workers; external: only "
                             "external workers, the background workers stay off the database; "
                             "none: nobody, claim_jobs() returns no rows.",
                             &guc_workers_mode, workers_all, workers_mode_options, PGC_SUSET, 0,
                             nullptr, nullptr, nullptr);

    // Queue policy: PGC_SUSET, since external workers read them in their own sessions.
    define_int("docextract.lease_duration", "How long a claim lasts without a heartbeat.",
               "A job whose holder neither finishes nor sends a heartbeat within this time is "
               "reclaimed.",
               &guc_lease_duration_s, 300, 5, 86400, PGC_SUSET, GUC_UNIT_S);
    define_int("docextract.retry_backoff_base", "Delay before the first retry of a failed job.",
               "Each further retry waits twice as long, with jitter, up to retry_backoff_max.",
               &guc_retry_backoff_base_s, 60, 0, 86400, PGC_SUSET, GUC_UNIT_S);
    define_int("docextract.retry_backoff_max", "Longest delay between retries.", nullptr,
               &guc_retry_backoff_max_s, 3600, 0, 604800, PGC_SUSET, GUC_UNIT_S);
    define_int("docextract.max_lease_expirations", "Lost leases after which a job fails.",
               "A job whose holder loses the lease goes back to pending without counting an "
               "attempt, up to this many times.",
               &guc_max_lease_expirations, 3, 0, 1000, PGC_SUSET, 0);
    define_int("docextract.owner_jobs_in_flight", "Processing jobs per owner at most.",
               "0: no limit. Claims skip the owners that have this many jobs in flight.",
               &guc_owner_jobs_in_flight, 0, 0, 1000000, PGC_SUSET, 0);
    define_int("docextract.user_priority_min", "Lowest job priority a non-admin may choose.",
               nullptr, &guc_user_priority_min, -10, -1000, 1000, PGC_SUSET, 0);
    define_int("docextract.user_priority_max", "Highest job priority a non-admin may choose.",
               nullptr, &guc_user_priority_max, 10, -1000, 1000, PGC_SUSET, 0);
    define_int("docextract.quota_documents", "Documents one owner may store; 0: no quota.",
               nullptr, &guc_quota_documents, 0, 0, INT_MAX, PGC_SUSET, 0);
    define_int("docextract.quota_storage", "Document bytes one owner may store; 0: no quota.",
               nullptr, &guc_quota_storage_mb, 0, 0, INT_MAX, PGC_SUSET, GUC_UNIT_MB);
    define_int("docextract.job_retention", "How long finished jobs and their results are kept.",
               "0 keeps them for good. Older ones are pruned in small batches, except each "
               "document's latest job and latest result.",
               &guc_job_retention_s, 0, 0, INT_MAX, PGC_SUSET, GUC_UNIT_S);

    DefineCustomBoolVariable("docextract.allow_drop_with_documents",
                             "Lets DROP EXTENSION docextract delete stored documents.",
                             "Off: DROP EXTENSION fails while documents exist.",
                             &guc_allow_drop_with_documents, false, PGC_USERSET, 0, nullptr,
                             nullptr, nullptr);

    MarkGUCPrefixReserved("docextract");
}

}  // namespace docextract::pg
