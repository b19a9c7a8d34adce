// Reacting to sessions: wake workers when a transaction that queued work commits, move workers
// out of the way of the database commands that need it free (a connected worker would make them
// fail), and keep statements that carry document bytes out of the server log.
#include "pg/hooks.hpp"

#include "pg/guc.hpp"
#include "pg/shmem.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "postmaster/bgworker.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

#include <csignal>

namespace docextract::pg {

namespace {

bool wake_at_commit = false;
// ALTER DATABASE or ALTER ROLE ALL ... SET may have changed docextract.workers, and may have let
// the workers into a database kept off.
bool settings_changed_at_commit = false;
bool settings_may_serve = false;
bool wake_waiters_at_commit = false;
// A docextract function received document bytes in this transaction: the statement (which may
// hold them as a literal) stays out of the server log if an error is logged.
bool statement_has_document = false;
ProcessUtility_hook_type prev_process_utility = nullptr;
emit_log_hook_type prev_emit_log_hook = nullptr;

void hide_document_statements(ErrorData *edata) {
    if (statement_has_document) edata->hide_stmt = true;
    if (prev_emit_log_hook) prev_emit_log_hook(edata);
}

void on_xact_event(XactEvent event, void *) {
    if (event == XACT_EVENT_COMMIT && settings_changed_at_commit) {
        settings_changed_at_commit = false;
        settings_changed(-1, settings_may_serve);
        settings_may_serve = false;
    }
    if (event == XACT_EVENT_COMMIT && wake_waiters_at_commit) {
        wake_waiters_at_commit = false;
        wake_waiters(MyDatabaseId);
    }
    if (event == XACT_EVENT_COMMIT && wake_at_commit) {
        wake_at_commit = false;
        // A database whose workers have not seen the extension yet (it was just created) gets
        // a fresh look from the launcher; otherwise an idle worker picks the job up.
        bool need_launcher = false;
        LWLockAcquire(shared->lock, LW_EXCLUSIVE);
        DbSlot *db = find_db_slot(MyDatabaseId, true);
        if (db != nullptr && db->state != DbState::has_extension && db->state != DbState::dropping) {
            db->state = DbState::unknown;
            db->state_since = GetCurrentTimestamp();
            need_launcher = true;
        }
        LWLockRelease(shared->lock);
        if (need_launcher) wake_launcher();
        wake_database_workers(MyDatabaseId);
    } else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT) {
        wake_at_commit = false;
        settings_changed_at_commit = false;
        settings_may_serve = false;
        wake_waiters_at_commit = false;
    }
    // The abort's error has been logged by now (it is reported before the transaction ends).
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT) statement_has_document = false;
}

// Signals the database's workers to leave and waits (up to 10 s) until they have.
void evict_workers(Oid dboid) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    DbSlot *db = find_db_slot(dboid, false);
    if (db != nullptr) {
        db->state = DbState::dropping;
        db->state_since = GetCurrentTimestamp();
        for (auto &w : db->workers)
            if (w.pid != 0) kill(w.pid, SIGTERM);
    }
    LWLockRelease(shared->lock);
    if (db == nullptr) return;

    for (int i = 0; i < 1000; i++) {
        bool any = false;
        LWLockAcquire(shared->lock, LW_SHARED);
        for (auto &w : db->workers) any = any || w.pid != 0;
        LWLockRelease(shared->lock);
        if (!any) return;
        CHECK_FOR_INTERRUPTS();
        pg_usleep(10000L);
    }
}

// Lets the launcher start the database's workers again at once, instead of after the pause
// that follows an eviction.
void resume_workers(Oid dboid) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    DbSlot *db = find_db_slot(dboid, false);
    if (db != nullptr && db->state == DbState::dropping) {
        db->state = DbState::unknown;
        db->state_since = GetCurrentTimestamp();
    }
    LWLockRelease(shared->lock);
    if (db != nullptr) wake_launcher();
}

// The database a command needs free of other sessions, if the current user may run the command
// on it: the workers leave only once the command's own permission checks would pass, so that a
// role that may not drop or rename a database cannot make its workers leave.
Oid database_to_free(Node *stmt) {
    const char *dbname = nullptr;
    bool needs_createdb = false;
    if (IsA(stmt, DropdbStmt)) {
        dbname = castNode(DropdbStmt, stmt)->dbname;
    } else if (IsA(stmt, RenameStmt) && castNode(RenameStmt, stmt)->renameType == OBJECT_DATABASE) {
        dbname = castNode(RenameStmt, stmt)->subname;
        needs_createdb = true;
    } else if (IsA(stmt, CreatedbStmt)) {  // CREATE DATABASE ... TEMPLATE db copies it
        ListCell *lc;
        foreach (lc, castNode(CreatedbStmt, stmt)->options) {
            DefElem *opt = lfirst_node(DefElem, lc);
            if (strcmp(opt->defname, "template") == 0 && opt->arg != nullptr) dbname = defGetString(opt);
        }
        needs_createdb = true;
    } else if (IsA(stmt, AlterDatabaseStmt)) {  // ALTER DATABASE db SET TABLESPACE moves it
        ListCell *lc;
        foreach (lc, castNode(AlterDatabaseStmt, stmt)->options)
            if (strcmp(lfirst_node(DefElem, lc)->defname, "tablespace") == 0)
                dbname = castNode(AlterDatabaseStmt, stmt)->dbname;
    }
    if (dbname == nullptr) return InvalidOid;
    const Oid dboid = get_database_oid(dbname, true);
    // Our workers serve only databases that are not templates, and copying one of those needs
    // its ownership just as dropping, renaming or moving it does.
    if (!OidIsValid(dboid) || dboid == MyDatabaseId || !pg_database_ownercheck(dboid, GetUserId()) ||
        (needs_createdb && !have_createdb_privilege()))
        return InvalidOid;
    return dboid;
}

// ALTER DATABASE or ALTER ROLE ALL ... SET or RESET docextract.workers, or RESET ALL: what the
// in-server workers read (a role's own settings do not reach them).
bool sets_workers_setting(Node *stmt) {
    const VariableSetStmt *set = nullptr;
    if (IsA(stmt, AlterDatabaseSetStmt)) set = castNode(AlterDatabaseSetStmt, stmt)->setstmt;
    else if (IsA(stmt, AlterRoleSetStmt) && castNode(AlterRoleSetStmt, stmt)->role == nullptr)
        set = castNode(AlterRoleSetStmt, stmt)->setstmt;
    return set != nullptr &&
           (set->name == nullptr || pg_strcasecmp(set->name, "docextract.workers") == 0);
}

// Whether the statement (one of those above) may let the workers into a database kept off: any
// but SET docextract.workers to another value than all, which keeps every database kept off so.
bool may_serve(Node *stmt) {
    VariableSetStmt *set = IsA(stmt, AlterDatabaseSetStmt)
                               ? castNode(AlterDatabaseSetStmt, stmt)->setstmt
                               : castNode(AlterRoleSetStmt, stmt)->setstmt;
    if (set->kind != VAR_SET_VALUE) return true;
    const char *value = ExtractSetVariableArgs(set);
    return value == nullptr || pg_strcasecmp(value, "all") == 0;
}

bool drops_docextract(Node *stmt) {
    if (!IsA(stmt, DropStmt) || castNode(DropStmt, stmt)->removeType != OBJECT_EXTENSION) return false;
    ListCell *lc;
    foreach (lc, castNode(DropStmt, stmt)->objects)
        if (strcmp(strVal(lfirst(lc)), "docextract") == 0) return true;
    return false;
}

bool documents_exist() {
    const Oid nsp = get_namespace_oid("docextract", true);
    if (!OidIsValid(nsp) || !OidIsValid(get_relname_relid("documents", nsp))) return false;
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    const int rc = SPI_execute("SELECT FROM docextract.documents LIMIT 1", true, 1);
    const bool found = rc == SPI_OK_SELECT && SPI_processed > 0;
    PopActiveSnapshot();
    SPI_finish();
    return found;
}

// DROP EXTENSION would delete every document and result with the extension's tables; that must
// be asked for, not happen by accident.
void refuse_drop_with_documents(Node *stmt) {
    if (guc_allow_drop_with_documents || !drops_docextract(stmt) ||
        !OidIsValid(get_extension_oid("docextract", true)) || !documents_exist())
        return;
    ereport(ERROR,
            (errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
             errmsg("cannot drop extension docextract because it still stores documents"),
             errdetail("Dropping the extension deletes every document, its contents, jobs and results."),
             errhint("Delete the documents first, or SET docextract.allow_drop_with_documents = on "
                     "to drop them with the extension.")));
}

void process_utility(PlannedStmt *pstmt, const char *query, bool read_only_tree,
                     ProcessUtilityContext context, ParamListInfo params,
                     QueryEnvironment *query_env, DestReceiver *dest, QueryCompletion *qc) {
    Node *stmt = pstmt->utilityStmt;
    volatile Oid evicted = InvalidOid;  // read in PG_CATCH, after a longjmp
    refuse_drop_with_documents(stmt);
    if (shared != nullptr && sets_workers_setting(stmt)) {
        settings_changed_at_commit = true;
        settings_may_serve = settings_may_serve || may_serve(stmt);
    }
    if (shared != nullptr) {
        const Oid dboid = database_to_free(stmt);
        if (OidIsValid(dboid)) {
            evict_workers(dboid);
            evicted = dboid;
        }
    }

    PG_TRY();
    {
        if (prev_process_utility)
            prev_process_utility(pstmt, query, read_only_tree, context, params, query_env, dest, qc);
        else
            standard_ProcessUtility(pstmt, query, read_only_tree, context, params, query_env, dest, qc);
    }
    PG_CATCH();
    {
        // The database is still there (the DROP or RENAME failed): its workers come back.
        if (OidIsValid(evicted)) resume_workers(evicted);
        PG_RE_THROW();
    }
    PG_END_TRY();
    // A renamed, copied or moved database keeps its OID, by which workers connect: they may
    // come back now. (A dropped one stays "dropping" until the launcher no longer finds it;
    // restarting its workers before the drop commits would only have them wait for the drop's
    // lock and fail.)
    if (OidIsValid(evicted) && !IsA(stmt, DropdbStmt)) resume_workers(evicted);
}

}  // namespace

void wake_at_commit_request() { wake_at_commit = true; }
void wake_waiters_at_commit_request() { wake_waiters_at_commit = true; }
void note_document_in_statement() { statement_has_document = true; }

bool is_docextract_worker() {
    return MyBgworkerEntry != nullptr && strcmp(MyBgworkerEntry->bgw_library_name, "docextract") == 0 &&
           strcmp(MyBgworkerEntry->bgw_function_name, "docextract_worker_main") == 0;
}

void install_session_hooks() {
    RegisterXactCallback(on_xact_event, nullptr);
    prev_process_utility = ProcessUtility_hook;
    ProcessUtility_hook = process_utility;
    prev_emit_log_hook = emit_log_hook;
    emit_log_hook = hide_document_statements;
}

}  // namespace docextract::pg

extern "C" {
PG_FUNCTION_INFO_V1(docextract_wake_workers);
PG_FUNCTION_INFO_V1(docextract_in_server_worker);
PG_FUNCTION_INFO_V1(docextract_hide_statement);
}

// hide_statement(): the statement carries document bytes; if it fails, log it without its text.
Datum docextract_hide_statement(PG_FUNCTION_ARGS) {
    docextract::pg::note_document_in_statement();
    PG_RETURN_VOID();
}

// wake_workers(): after this transaction commits, an idle worker of this database wakes up.
Datum docextract_wake_workers(PG_FUNCTION_ARGS) {
    docextract::pg::wake_at_commit_request();
    PG_RETURN_VOID();
}

// in_server_worker(): whether the caller is one of docextract's own background workers.
Datum docextract_in_server_worker(PG_FUNCTION_ARGS) {
    PG_RETURN_BOOL(docextract::pg::is_docextract_worker());
}
