// docextract's configuration parameters (GUCs). Defined once, in _PG_init.
#pragma once

namespace docextract::pg {

// Validation
extern int guc_min_file_size;
extern int guc_max_file_size;
// Workers
extern char *guc_extract_program;
extern int guc_workers_per_database;
extern int guc_max_workers;
extern int guc_reserved_worker_slots;
extern int guc_worker_idle_timeout_ms;
extern int guc_job_timeout_s;
extern int guc_poll_interval_ms;
extern int guc_worker_statement_timeout_ms;
extern char *guc_ocr_language;
extern int guc_max_pages;
extern int guc_helper_memory_mb;
// docextract.helper_mode: a pre-initialised helper per worker, or one process per document.
enum HelperMode { helper_mode_zygote, helper_mode_spawn };
extern int guc_helper_mode;
// docextract.workers: which workers may claim a database's jobs (README, Settings).
enum WorkersMode { workers_all, workers_external, workers_none };
extern int guc_workers_mode;
// Queue
extern int guc_lease_duration_s;
extern int guc_retry_backoff_base_s;
extern int guc_retry_backoff_max_s;
// Extension
extern bool guc_allow_drop_with_documents;

void define_gucs();

}  // namespace docextract::pg
