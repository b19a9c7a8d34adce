#!/usr/bin/env bash
# check-live-server.sh PSQL — run by "make installcheck INSTALLCHECK_SERVER=live" before the
# regress and isolation suites: the server that PGHOST, PGPORT and PGUSER point to must accept a
# superuser, preload docextract and offer the extension, or the suites would fail in confusing
# ways (or, without the preload, its workers could not be kept off the test databases).
set -euo pipefail
psql=${1:-psql}
where="server at ${PGHOST:-the default host}, port ${PGPORT:-5432}, user ${PGUSER:-$(id -un)}"
fail() { echo "installcheck against a live server: $*" >&2; exit 1; }

out=$("$psql" -X -A -t -q -v ON_ERROR_STOP=1 -d postgres -c "
  SELECT r.rolsuper,
         'docextract' = ANY (SELECT regexp_replace(btrim(l, ' \"'), '^.*/', '')
                               FROM regexp_split_to_table(current_setting('shared_preload_libraries'), ',') AS l),
         EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'docextract')
    FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user" 2>&1) ||
  fail "cannot connect to the $where: $out"
IFS='|' read -r super preloaded available <<<"$out"
[ "$super" = t ] || fail "the user is not a superuser on the $where (the tests create roles and databases)"
[ "$preloaded" = t ] ||
  fail "the $where does not have docextract in shared_preload_libraries; add it and restart the server"
[ "$available" = t ] || fail "docextract is not installed on the $where (make install)"
echo "installcheck against the live $where"
