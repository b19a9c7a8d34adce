#include "pg/database_setting.hpp"

#include "pg/guc.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_db_role_setting.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
}

namespace docextract::pg {

namespace {

constexpr char kName[] = "docextract.workers";

int parse_mode(const char *value) {
    if (pg_strcasecmp(value, "all") == 0) return workers_all;
    if (pg_strcasecmp(value, "external") == 0) return workers_external;
    if (pg_strcasecmp(value, "none") == 0) return workers_none;
    return -1;  // ALTER ... SET validated it; an unknown value is not ours to judge
}

// The value that (database, role InvalidOid) sets, or -1.
int setting_in(Relation rel, Oid dboid) {
    ScanKeyData keys[2];
    ScanKeyInit(&keys[0], Anum_pg_db_role_setting_setdatabase, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(dboid));
    ScanKeyInit(&keys[1], Anum_pg_db_role_setting_setrole, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(InvalidOid));
    SysScanDesc scan =
        systable_beginscan(rel, DbRoleSettingDatidRolidIndexId, true, nullptr, 2, keys);
    int mode = -1;
    if (HeapTuple tuple = systable_getnext(scan); tuple != nullptr) {
        bool isnull;
        Datum d = heap_getattr(tuple, Anum_pg_db_role_setting_setconfig, RelationGetDescr(rel),
                               &isnull);
        if (!isnull) {
            ArrayType *array = DatumGetArrayTypeP(d);
            Datum *items;
            bool *nulls;
            int n;
            deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &items, &nulls, &n);
            // Entries are "name=value"; a later entry for the same name cannot occur.
            for (int i = 0; i < n && mode < 0; i++) {
                if (nulls[i]) continue;
                char *entry = TextDatumGetCString(items[i]);
                const size_t len = strlen(kName);
                if (pg_strncasecmp(entry, kName, len) == 0 && entry[len] == '=')
                    mode = parse_mode(entry + len + 1);
                pfree(entry);
            }
        }
    }
    systable_endscan(scan);
    return mode;
}

}  // namespace

int workers_mode_default(int server_value) {
    Relation rel = table_open(DbRoleSettingRelationId, AccessShareLock);
    const int mode = setting_in(rel, InvalidOid);
    table_close(rel, AccessShareLock);
    return mode >= 0 ? mode : server_value;
}

int workers_mode_of(Oid dboid, int fallback) {
    Relation rel = table_open(DbRoleSettingRelationId, AccessShareLock);
    const int mode = setting_in(rel, dboid);
    table_close(rel, AccessShareLock);
    return mode >= 0 ? mode : fallback;
}

}  // namespace docextract::pg
