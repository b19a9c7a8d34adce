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

void on_worker_exit(int, Datum) { worker_gone(args.slot, args.index); }

// Whether docextract.workers keeps the workers off this database; if so, the launcher is told.
// *seen is the settings_epoch() that the answer is for.
bool kept_off_now(uint64 *seen) {
    for (;;) {
        *seen = settings_epoch(args.slot);
        if (!kept_off_by_setting(server_workers_mode())) return false;
        if (mark_kept_off(args.slot, dboid, *seen)) return true;
    }
}

// Takes this worker's place in shared memory; false if the launcher's slot went to another
// database meanwhile (the database was dropped and its slot reused).
bool register_worker() {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    DbSlot &db = shared->dbs[args.slot];
    const bool ours = db.dboid == dboid && db.state != DbState::dropping;
    if (ours) {
        my_slot().pid = MyProcPid;
        my_slot().latch = MyLatch;
        my_slot().idle = false;
    }
    LWLockRelease(shared->lock);
    return ours;
}

char *job_label(const ClaimedJob *job) {
    return psprintf("%s job %s (%s, %zu bytes)",
                    job->refresh_fields ? "refreshing the fields of" : "extracting",
                    DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&job->job_id))),
                    job->refresh_fields ? "stored result" : job->file_format,
                    static_cast<size_t>(job->content_len));
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
        record_failure(job, job->refresh_fields ? "could not read the stored result to refresh fields from"
                                                : "could not read the document content", true);
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
    pgstat_report_appname(psprintf("docextract worker %s", args.dbname));

    if (!register_worker()) proc_exit(0);
    before_shmem_exit(on_worker_exit, 0);

    // Only a catalog lookup runs before the worker has become docextract_worker.
    if (!extension_present()) {
        set_state(DbState::no_extension);
        proc_exit(0);
    }
    // docextract.workers, read from the catalog after the extension was seen (ALTER DATABASE ...
    // SET docextract.workers before CREATE EXTENSION keeps every worker off the database).
    uint64 settings_seen;
    if (kept_off_now(&settings_seen)) proc_exit(0);
    if (!become_worker_role()) {
        // Logged; the launcher looks again in a minute, not at once.
        set_state(DbState::no_extension);
        proc_exit(0);
    }
    if (extension_found(args.slot, dboid)) wake_launcher();  // it starts the others

    char *name = psprintf("docextract worker %d (pid %d)", args.index, MyProcPid);
    MemoryContext job_context =
        AllocSetContextCreate(TopMemoryContext, "docextract job", ALLOCSET_DEFAULT_SIZES);
    bool current = false;
    bool said_outdated = false;
    TimestampTz last_work = GetCurrentTimestamp();

    while (!got_sigterm) {
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        if (args.index >= guc_workers_per_database) break;
        // The setting changed somewhere: read it again, between jobs.
        if (settings_epoch(args.slot) != settings_seen && kept_off_now(&settings_seen)) break;

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
                // Waiting holds a slot of the budget: give it up when a database with work asks.
                if (asked_to_retire(args.slot, args.index) &&
                    leave_database(args.slot, args.index, wakes_of(args.slot), true, false))
                    break;
                (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                                 guc_poll_interval_ms, PG_WAIT_EXTENSION);
                ResetLatch(MyLatch);
                continue;
            }
            if (said_outdated && args.index == 0)
                ereport(LOG, (errmsg("docextract workers resume after the extension update")));
        }

        // One worker of the database looks for jobs whose holder died, about once a second.
        const bool reclaimer = take_reclaim_turn(args.slot);
        if (reclaimer) {
            if (int n = reclaim_jobs(); n > 0) {
                count(dboid, counter_reclaimed, static_cast<uint64>(n));
                ereport(LOG, (errmsg("docextract reclaimed %d job(s) from stopped holders", n)));
                wake_database_workers(dboid);
            }
        }

        announce_ended_jobs(dboid);

        // Everything one iteration allocates goes when it ends.
        const uint64 wakes = wakes_of(args.slot);  // a wake-up after this keeps an idle worker
        MemoryContextSwitchTo(job_context);
        ClaimedJob job;
        const bool claimed = claim_next_job(name, &job);
        if (claimed) {
            count(dboid, counter_claimed);
            more_workers_if_busy(args.slot, args.index);
            process(&job, job_context);
        }
        MemoryContextSwitchTo(TopMemoryContext);
        MemoryContextReset(job_context);
        // The launcher gives the slot to a database that waits: leave after the job in hand.
        if (asked_to_retire(args.slot, args.index) &&
            leave_database(args.slot, args.index, wakes, true, claimed))
            break;
        if (claimed) {
            last_work = GetCurrentTimestamp();
            continue;
        }
        if (!extension_present()) {  // DROP EXTENSION: leave, and let the launcher know
            set_state(DbState::no_extension);
            break;
        }

        // Idle for docextract.worker_idle_timeout (a look: at once) frees the slot.
        const long idle_left = args.look ? 0
            : guc_worker_idle_timeout_ms - TimestampDifferenceMilliseconds(last_work, GetCurrentTimestamp());
        if (idle_left <= 0) {
            if (leave_database(args.slot, args.index, wakes, false, false)) break;
            last_work = GetCurrentTimestamp();  // woken meanwhile: look again, a full term
            continue;
        }
        set_idle(true);
        pgstat_report_activity(STATE_IDLE, "waiting for jobs");
        // The reclaimer comes back for its next turn; the others poll.
        const long wait_ms = Min(reclaimer ? Min(guc_poll_interval_ms, 1000L) : guc_poll_interval_ms,
                                 idle_left);
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, wait_ms,
                         PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        set_idle(false);
    }
    proc_exit(0);
}
