// Module entry point: docextract must be preloaded, because its background workers (and the
// shared memory they use) can only be registered by the postmaster at start-up.
#include "pg/background.hpp"
#include "pg/guc.hpp"
#include "pg/hooks.hpp"
#include "pg/postgres_headers.hpp"
#include "pg/shmem.hpp"

extern "C" {
PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
}

void _PG_init(void) {
    if (IsBinaryUpgrade) return;

    if (!process_shared_preload_libraries_in_progress)
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                 errmsg("docextract must be loaded via shared_preload_libraries"),
                 errhint("Add docextract to shared_preload_libraries in postgresql.conf and "
                         "restart the server.")));

    docextract::pg::define_gucs();
    docextract::pg::request_shared_memory();
    docextract::pg::install_shmem_hooks();
    docextract::pg::install_session_hooks();
    docextract::pg::register_launcher();
}
