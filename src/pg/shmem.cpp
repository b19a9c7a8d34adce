#include "pg/shmem.hpp"

extern "C" {
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"
}

namespace docextract::pg {

SharedState *shared = nullptr;

namespace {

shmem_request_hook_type prev_shmem_request_hook = nullptr;
shmem_startup_hook_type prev_shmem_startup_hook = nullptr;

void shmem_request() {
    if (prev_shmem_request_hook) prev_shmem_request_hook();
    RequestAddinShmemSpace(MAXALIGN(sizeof(SharedState)));
    RequestNamedLWLockTranche("docextract", 1);
}

void shmem_startup() {
    if (prev_shmem_startup_hook) prev_shmem_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    shared = static_cast<SharedState *>(ShmemInitStruct("docextract", sizeof(SharedState), &found));
    if (!found) {
        memset(static_cast<void *>(shared), 0, sizeof(SharedState));
        shared->lock = &(GetNamedLWLockTranche("docextract"))->lock;
        shared->initialised_at = GetCurrentTimestamp();
        for (auto &db : shared->dbs)
        {
            for (auto &c : db.counters) pg_atomic_init_u64(&c, 0);
            pg_atomic_init_u64(&db.jobs_ended, 0);
            pg_atomic_init_u64(&db.jobs_announced, 0);
        }
    }
    LWLockRelease(AddinShmemInitLock);
}

}  // namespace

void request_shared_memory() {
    prev_shmem_request_hook = shmem_request_hook;
    shmem_request_hook = shmem_request;
}

void install_shmem_hooks() {
    prev_shmem_startup_hook = shmem_startup_hook;
    shmem_startup_hook = shmem_startup;
}

DbSlot *find_db_slot(Oid dboid, bool create) {
    DbSlot *free_slot = nullptr;
    for (auto &db : shared->dbs) {
        if (db.dboid == dboid) return &db;
        if (db.dboid == InvalidOid && free_slot == nullptr) free_slot = &db;
    }
    if (!create || free_slot == nullptr) return nullptr;
    free_slot->dboid = dboid;
    free_slot->state = DbState::unknown;
    free_slot->state_since = GetCurrentTimestamp();
    for (auto &w : free_slot->workers) w = WorkerSlot{};
    for (auto &c : free_slot->counters) pg_atomic_write_u64(&c, 0);
    pg_atomic_write_u64(&free_slot->jobs_ended, 0);
    pg_atomic_write_u64(&free_slot->jobs_announced, 0);
    return free_slot;
}

void count(Oid dboid, Counter counter, uint64 amount) {
    if (shared == nullptr) return;
    LWLockAcquire(shared->lock, LW_SHARED);
    if (DbSlot *db = find_db_slot(dboid, false)) pg_atomic_fetch_add_u64(&db->counters[counter], amount);
    LWLockRelease(shared->lock);
}

void wake_database_workers(Oid dboid) {
    if (shared == nullptr) return;
    // Exclusive: the woken worker stops counting as idle at once, so that the next wake-up goes
    // to another one.
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    if (DbSlot *db = find_db_slot(dboid, false)) {
        WorkerSlot *target = nullptr;
        for (auto &w : db->workers)
            if (w.pid != 0 && w.idle) {
                target = &w;
                break;
            }
        if (target != nullptr) {
            target->idle = false;
            SetLatch(target->latch);
        } else {
            // Everyone is busy or between jobs: each claims again before it sleeps.
            for (auto &w : db->workers)
                if (w.pid != 0) SetLatch(w.latch);
        }
    }
    LWLockRelease(shared->lock);
}

void wake_launcher() {
    if (shared == nullptr) return;
    LWLockAcquire(shared->lock, LW_SHARED);
    if (shared->launcher_latch != nullptr) SetLatch(shared->launcher_latch);
    LWLockRelease(shared->lock);
}

void wake_waiters(Oid dboid) {
    if (shared == nullptr) return;
    LWLockAcquire(shared->lock, LW_SHARED);
    for (auto &w : shared->waiters)
        if (w.latch != nullptr && w.dboid == dboid) SetLatch(w.latch);
    if (DbSlot *db = find_db_slot(dboid, false)) pg_atomic_fetch_add_u64(&db->jobs_ended, 1);
    LWLockRelease(shared->lock);
    wake_database_workers(dboid);
}

bool jobs_ended_since_announced(Oid dboid, uint64 *ended) {
    bool pending = false;
    LWLockAcquire(shared->lock, LW_SHARED);
    if (DbSlot *db = find_db_slot(dboid, false)) {
        *ended = pg_atomic_read_u64(&db->jobs_ended);
        pending = *ended != pg_atomic_read_u64(&db->jobs_announced);
    }
    LWLockRelease(shared->lock);
    return pending;
}

void mark_jobs_announced(Oid dboid, uint64 ended) {
    LWLockAcquire(shared->lock, LW_SHARED);
    if (DbSlot *db = find_db_slot(dboid, false)) {
        // Never backwards: another worker may have announced a later count meanwhile.
        uint64 seen = pg_atomic_read_u64(&db->jobs_announced);
        while (seen < ended && !pg_atomic_compare_exchange_u64(&db->jobs_announced, &seen, ended)) {
        }
    }
    LWLockRelease(shared->lock);
}

}  // namespace docextract::pg
