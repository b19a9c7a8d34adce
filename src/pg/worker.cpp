// A per-database extraction worker: claims one job at a time through the SQL worker API, runs
// the sandboxed helper on it with no transaction open, and stores the outcome. The loop follows
// PostgreSQL's worker_spi: latch waits that end with the postmaster, SIGHUP reloads settings,
// SIGTERM ends the loop cleanly (a job in flight goes back to pending, its helper killed).
#include "pg/background.hpp"
#include "pg/extraction.hpp"
#include "pg/guc.hpp"
#include "pg/job_queue.hpp"
#include "pg/shmem.hpp"

extern "C" {
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}

#include <csignal>

namespace docextract::pg {

namespace {

volatile sig_atomic_t got_sigterm = false;
WorkerArgs args;
Oid dboid;

void handle_sigterm(SIGNAL_ARGS) {
    int save_errno = errno;
    got_sigterm = true;
    SetLatch(MyLatch);
    errno = save_errno;
}

WorkerSlot &my_slot() { return shared->dbs[args.slot].workers[args.index]; }

void set_state(DbState state) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    DbSlot &db = shared->dbs[args.slot];
    if (db.dboid == dboid && db.state != DbState::dropping && db.state != state) {
        db.state = state;
        db.state_since = GetCurrentTimestamp();
    }
    LWLockRelease(shared->lock);
}

void set_idle(bool idle) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    my_slot().idle = idle;
    LWLockRelease(shared->lock);
}

void on_worker_exit(int, Datum) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    WorkerSlot &w = my_slot();
    if (w.pid == MyProcPid) w = WorkerSlot{};
    LWLockRelease(shared->lock);
}

// Takes this worker's place in shared memory; false if the launcher's slot went to another
// database meanwhile (the database was dropped and its slot reused).
bool register_worker() {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    DbSlot &db = shared->dbs[args.slot];
    const bool ours = db.dboid == dboid && db.state != DbState::dropping;
    if (ours) my_slot() = WorkerSlot{MyProcPid, MyLatch, false};
    LWLockRelease(shared->lock);
    return ours;
}

char *job_label(const ClaimedJob *job) {
    return psprintf("extracting job %s (%s, %zu bytes)",
                    DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&job->job_id))),
                    job->file_format, static_cast<size_t>(job->content_len));
}

// The error's code: the text before its first colon ("corrupt: ..." -> "corrupt"). The rest may
// quote the parser, and nothing of a document goes to the server log.
char *error_code_of(const char *error) {
    const char *colon = strchr(error, ':');
    return pnstrdup(error, colon != nullptr ? colon - error : strlen(error));
}

void record_failure(const ClaimedJob *job, const char *error, bool retryable) {
    char status[16] = "";
    if (!fail_job(job, error, retryable, status, sizeof status)) return;
    const bool final = strcmp(status, "failed") == 0;
    count(dboid, final ? counter_failed : counter_retried);
    if (final)
        ereport(LOG, (errmsg("docextract job %s failed: %s",
                             DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(
                                 const_cast<pg_uuid_t *>(&job->job_id)))),
                             error_code_of(error)),
                      errdetail("The job will not be retried; its error_message has the whole "
                                "error.")));
}

void process(ClaimedJob *job, MemoryContext job_context) {
    if (!load_content(job, job_context)) {
        record_failure(job, "could not read the document content", true);
        return;
    }
    set_worker_activity(job_label(job));
    const ExtractionResult r = run_extraction(job, &got_sigterm);
    set_worker_activity(nullptr);

    switch (r.end) {
    case ExtractionEnd::succeeded:
        if (complete_job(job, r.json)) {
            count(dboid, counter_completed);
            count(dboid, counter_processing_ms, static_cast<uint64>(r.elapsed_ms));
        } else if (check_claim(job, 0, 0, false) == ClaimState::held) {
            record_failure(job, "result_rejected: could not store the extraction result (see the server log)", true);
        }
        break;
    case ExtractionEnd::failed:
        if (got_sigterm) {
            // The postmaster sends SIGTERM to the worker's whole process group, helper included:
            // a helper that died of our own shutdown is not the document's fault. Give the job
            // back uncounted, as when the runner stops the helper itself.
            (void) release_job(job);
            break;
        }
        if (r.helper_crashed) count(dboid, counter_helper_crashes);
        if (r.timed_out) count(dboid, counter_timeouts);
        count(dboid, counter_processing_ms, static_cast<uint64>(r.elapsed_ms));
        record_failure(job, r.error ? r.error : "extraction failed", true);
        break;
    case ExtractionEnd::claim_lost:
        count(dboid, counter_cancelled);
        break;
    case ExtractionEnd::shutdown:
        (void) release_job(job);
        break;
    case ExtractionEnd::extension_gone:
        break;
    }
}

}  // namespace

}  // namespace docextract::pg

using namespace docextract::pg;

extern "C" PGDLLEXPORT void docextract_worker_main(Datum);

void docextract_worker_main(Datum main_arg) {
    dboid = DatumGetObjectId(main_arg);
    memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof args);

    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, handle_sigterm);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
    pgstat_report_appname("docextract worker");

    if (!register_worker()) proc_exit(0);
    before_shmem_exit(on_worker_exit, 0);

    // Only a catalog lookup runs before the worker has become docextract_worker.
    if (!extension_present()) {
        set_state(DbState::no_extension);
        proc_exit(0);
    }
    if (!become_worker_role()) {
        // Logged; the launcher looks again in a minute, not at once.
        set_state(DbState::no_extension);
        proc_exit(0);
    }
    set_state(DbState::has_extension);
    wake_launcher();  // the probe found the extension: the launcher starts the others

    char *name = psprintf("docextract worker %d (pid %d)", args.index, MyProcPid);
    MemoryContext job_context =
        AllocSetContextCreate(TopMemoryContext, "docextract job", ALLOCSET_DEFAULT_SIZES);
    TimestampTz last_reclaim = 0;
    bool current = false;
    bool said_outdated = false;

    while (!got_sigterm) {
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        if (args.index >= guc_workers_per_database) break;

        // A new library over an old install script: the SQL the worker calls may differ, so it
        // waits for ALTER EXTENSION UPDATE, whose script wakes it.
        if (!current) {
            char *installed = nullptr, *dbname = nullptr;
            current = extension_current(&installed, &dbname);
            if (!current && installed == nullptr && !extension_present()) {
                set_state(DbState::no_extension);
                break;
            }
            if (!current && !said_outdated && args.index == 0) {
                ereport(LOG, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                              errmsg("docextract workers of database \"%s\" wait for the extension to be updated",
                                     dbname),
                              errdetail("The database has docextract %s; the server's library is %s.",
                                        installed ? installed : "?", DOCEXTRACT_EXTVERSION),
                              errhint("Run ALTER EXTENSION docextract UPDATE in that database.")));
            }
            said_outdated = said_outdated || !current;
            if (!current) {
                (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                                 guc_poll_interval_ms, PG_WAIT_EXTENSION);
                ResetLatch(MyLatch);
                continue;
            }
            if (said_outdated && args.index == 0)
                ereport(LOG, (errmsg("docextract workers resume after the extension update")));
        }

        // Worker 0 looks for jobs whose holder died, about once a second.
        const TimestampTz now = GetCurrentTimestamp();
        if (args.index == 0 && TimestampDifferenceExceeds(last_reclaim, now, 1000)) {
            last_reclaim = now;
            if (int n = reclaim_jobs(); n > 0) {
                count(dboid, counter_reclaimed, static_cast<uint64>(n));
                ereport(LOG, (errmsg("docextract reclaimed %d job(s) from stopped holders", n)));
                wake_database_workers(dboid);
            }
        }

        announce_ended_jobs(dboid);

        // Everything one iteration allocates goes when it ends.
        MemoryContextSwitchTo(job_context);
        ClaimedJob job;
        const bool claimed = claim_next_job(name, &job);
        if (claimed) {
            count(dboid, counter_claimed);
            process(&job, job_context);
        }
        MemoryContextSwitchTo(TopMemoryContext);
        MemoryContextReset(job_context);
        if (claimed) continue;
        if (!extension_present()) {  // DROP EXTENSION: leave, and let the launcher know
            set_state(DbState::no_extension);
            break;
        }

        set_idle(true);
        pgstat_report_activity(STATE_IDLE, "waiting for jobs");
        const long wait_ms = args.index == 0 ? Min(guc_poll_interval_ms, 1000) : guc_poll_interval_ms;
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, wait_ms,
                         PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        set_idle(false);
    }
    proc_exit(0);
}
