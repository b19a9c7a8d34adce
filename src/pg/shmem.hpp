// Shared memory of docextract: one slot per database with its workers' latches and counters,
// the launcher's latch, and the latches of sessions waiting in wait_for_job().
#pragma once

#include "pg/postgres_headers.hpp"

extern "C" {
#include "port/atomics.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
}

namespace docextract::pg {

constexpr int kMaxDatabases = 64;
constexpr int kMaxWorkersPerDatabase = 32;
constexpr int kMaxWaiters = 128;

enum class DbState : int {
    unknown = 0,       // not yet looked at by a worker: start workers, they will tell
    has_extension,     // workers run here
    no_extension,      // nothing to do until CREATE EXTENSION (or the periodic re-check)
    dropping,          // DROP DATABASE in progress: keep away
};

enum Counter {
    counter_claimed,
    counter_completed,
    counter_failed,
    counter_retried,
    counter_reclaimed,
    counter_helper_crashes,
    counter_timeouts,
    counter_cancelled,
    counter_processing_ms,
    counter_count
};

struct WorkerSlot {
    pid_t pid;        // 0 when free
    Latch *latch;
    bool idle;        // waiting for work: the first to wake
    bool assigned;    // the launcher started a process for this slot (before it registers)
    bool retire;      // the launcher wants the slot for another database: leave after the job
};

struct DbSlot {
    Oid dboid;        // InvalidOid when free
    DbState state;
    TimestampTz state_since;
    WorkerSlot workers[kMaxWorkersPerDatabase];
    pg_atomic_uint64 counters[counter_count];
    // Jobs that ended (committed), and how many of them a worker has announced with NOTIFY.
    pg_atomic_uint64 jobs_ended;
    pg_atomic_uint64 jobs_announced;
    // The worker budget: how many workers the database could use now (the launcher caps it at
    // docextract.workers_per_database), and how often its workers were woken, so that an idle
    // worker leaves only if nothing woke it since it last looked for work.
    int wanted;
    uint64 wakes;
    TimestampTz last_reclaim;
    // docextract.workers keeps the in-server workers off the database: set by a worker that read
    // it from the catalog, cleared by settings_changed(), when every worker reads it again.
    bool kept_off;
    uint64 settings_epoch;
    // Set by the launcher: since when the database has wanted a worker and had none (0: it has
    // one, or wants none), for monitoring.
    TimestampTz unserved_since;
};

// What the launcher sets wanted to when a database should get all its workers (it was found to
// have the extension, or workers_per_database changed).
constexpr int kAllWorkers = kMaxWorkersPerDatabase;

struct Waiter {
    Oid dboid;
    Latch *latch;
};

struct SharedState {
    LWLock *lock;
    // When shared memory was last initialised: at start-up and after every crash reset (which,
    // unlike a restart, leaves pg_postmaster_start_time() unchanged). Every in-server worker
    // that held a job before this time is gone.
    TimestampTz initialised_at;
    pid_t launcher_pid;
    Latch *launcher_latch;
    // docextract.workers of the server configuration (the launcher's, which has no database).
    int server_workers_mode;
    DbSlot dbs[kMaxDatabases];
    Waiter waiters[kMaxWaiters];
};

extern SharedState *shared;

void request_shared_memory();
void install_shmem_hooks();

// Slot of a database, created when absent if create is set; nullptr when full or absent.
// Caller holds shared->lock exclusively when create is set, at least shared otherwise.
DbSlot *find_db_slot(Oid dboid, bool create);

void count(Oid dboid, Counter counter, uint64 amount = 1);

// Wakes one idle worker of the database (all if none is idle: one will pick the work up). If none
// is idle and more_if_busy is set, the database asks the launcher for one more worker.
void wake_database_workers(Oid dboid, bool more_if_busy = true);
// Caller holds shared->lock exclusively: the database wants one worker more than it has (or is
// being given); returns whether that is news for the launcher.
bool want_one_more_worker(DbSlot &db);

// The worker's side of the budget, by its database slot and index.
uint64 wakes_of(int slot);
// A claim succeeded: if no other worker of the database is idle, there may be more work than
// workers, and the launcher is asked for another.
void more_workers_if_busy(int slot, int index);
// Whether it is this worker's turn to reclaim jobs of dead holders (once a second per database).
bool take_reclaim_turn(int slot);
bool asked_to_retire(int slot, int index);
// Gives up the worker's place. An idle worker (had_work false) leaves only if nothing woke the
// database since wakes_seen, unless it must (it was asked to retire); leaving idle lowers the
// database's demand, leaving with work keeps it.
bool leave_database(int slot, int index, uint64 wakes_seen, bool must, bool had_work);
// The worker found the extension in its database: from unknown (or no extension) to running,
// which gives the database all its workers; false if the database is being dropped or moved.
bool extension_found(int slot, Oid dboid);
// The worker ends without having left (an error, a stop): someone must take over its database.
void worker_gone(int slot, int index);
void wake_launcher();
// docextract.workers may have changed (ALTER DATABASE or ALTER ROLE ALL ... SET, or the server
// configuration, then server_mode >= 0): every worker reads it again before its next claim, and,
// if may_serve (the change may let workers in), a database kept off gets a first look again.
void settings_changed(int server_mode = -1, bool may_serve = true);
int server_workers_mode();
uint64 settings_epoch(int slot);
// The worker read the setting (after reading settings_epoch) and it keeps the workers off: false
// if the setting changed again meanwhile, and must be read once more.
bool mark_kept_off(int slot, Oid dboid, uint64 epoch_seen);
// A job of the database ended and its transaction committed: wakes wait_for_job() sessions and
// an idle worker, which announces it.
void wake_waiters(Oid dboid);
// Whether jobs ended since the last announcement; *ended is the count to pass on to
// mark_jobs_announced() once the NOTIFY went out.
bool jobs_ended_since_announced(Oid dboid, uint64 *ended);
void mark_jobs_announced(Oid dboid, uint64 ended);

}  // namespace docextract::pg
