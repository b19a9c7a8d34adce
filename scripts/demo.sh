#!/usr/bin/env bash
# The main job, end to end: installs what is needed, builds and installs docextract, starts a
# private PostgreSQL cluster (temp directory, own port and socket, run as the postgres user),
# uploads demo documents as an ordinary user, shows what validation refuses, waits for the
# background workers to extract every document, and prints the results.
#   scripts/demo.sh          run the demo, then stop and remove the cluster
#   scripts/demo.sh --keep   leave the cluster running and print how to connect
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
keep=false
[ "${1:-}" = "--keep" ] && keep=true

scripts/install-deps.sh
echo "== building and installing docextract"
make -j"$(nproc)" >/dev/null
as_root make install >/dev/null

work=$(pg_tempdir)
port=${DEMO_PORT:-$(( 20000 + RANDOM % 10000 ))}
data="$work/data"
stop_cluster() {
  as_pg_user "$PG_BINDIR/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
$keep || trap stop_cluster EXIT

echo "== starting a private cluster in $work (port $port)"
as_pg_user "$PG_BINDIR/initdb" -D "$data" -A trust -U postgres >/dev/null
cat >> "$data/postgresql.conf" <<CONF
shared_preload_libraries = 'docextract'
port = $port
listen_addresses = ''
unix_socket_directories = '$work'
docextract.workers_per_database = 2
CONF
as_pg_user "$PG_BINDIR/pg_ctl" -D "$data" -l "$work/server.log" -w start >/dev/null

psql_as() { local user=$1; shift; as_pg_user psql -X -q -h "$work" -p "$port" -U "$user" -d postgres "$@"; }

psql_as postgres -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION docextract;
CREATE ROLE demo_user LOGIN IN ROLE docextract_user;
SQL

echo "== making demo documents"
docs="$work/docs"
scripts/make-demo-documents.sh "$docs"
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$docs"

echo "== uploading as demo_user"
types="invoice.pdf:invoice report.pdf:report scanned.pdf:letter receipt.png:receipt receipt.jpg:receipt receipt.tiff:receipt receipt.bmp:receipt receipt.webp:receipt"
for entry in $types; do
  f=${entry%%:*}; t=${entry##*:}
  psql_as demo_user -v ON_ERROR_STOP=1 -v name="$f" -v type="$t" -At <<SQL
\set content \`xxd -p "$docs/$f" | tr -d '\n'\`
SELECT format('uploaded %-13s as %-8s -> document %s', :'name', :'type',
              docextract.upload(:'name', decode(:'content', 'hex'), :'type'));
SQL
done

echo "== files validation refuses (nothing is stored for them)"
for f in shell.php.pdf not-a-pdf.pdf polyglot.png; do
  psql_as demo_user -v name="$f" -At 2>&1 <<SQL | sed 's/^/   /' || true
\set content \`xxd -p "$docs/$f" | tr -d '\n'\`
\set VERBOSITY verbose
SELECT docextract.upload(:'name', decode(:'content', 'hex'));
SQL
done | grep -E 'ERROR|DETAIL' | sed 's/psql:<stdin>:[0-9]*: //'

echo "== waiting for the workers"
psql_as demo_user -v ON_ERROR_STOP=1 <<'SQL'
SELECT j.document_filename AS document,
       docextract.wait_for_job(j.id, '120 s') AS status
  FROM docextract.job_overview AS j ORDER BY j.document_filename;
\echo
\echo Jobs
SELECT document_filename AS document, status, progress_percentage AS "%",
       round(processing_time_seconds::numeric, 2) AS seconds, error_message
  FROM docextract.job_overview ORDER BY document_filename;
\echo Extracted text
SELECT d.original_filename AS document, x.extraction_method AS method,
       round(x.overall_confidence::numeric, 2) AS confidence,
       left(regexp_replace(x.text, '\s+', ' ', 'g'), 60) AS text
  FROM docextract.extracted_data AS x
  JOIN docextract.documents AS d ON d.id = x.document_id
 ORDER BY d.original_filename;
\echo Metadata of report.pdf
SELECT jsonb_pretty(x.data->'metadata') FROM docextract.extracted_data AS x
  JOIN docextract.documents AS d ON d.id = x.document_id WHERE d.original_filename = 'report.pdf';
SQL
psql_as postgres <<'SQL'
\echo Workers
SELECT datname, state, workers, claimed, completed, failed, retried FROM docextract.worker_stats;
SQL

failed=$(psql_as postgres -At -c "SELECT count(*) FROM docextract.extraction_jobs WHERE status <> 'completed'")
if [ "$failed" != 0 ]; then
  echo "demo: $failed job(s) did not complete; see $work/server.log" >&2
  exit 1
fi
echo "== all documents extracted"
if $keep; then
  echo "The cluster is still running: psql -h $work -p $port -U demo_user postgres"
  echo "Stop it with: $( [ "$(id -u)" -eq 0 ] && echo 'runuser -u postgres -- ')$PG_BINDIR/pg_ctl -D $data stop"
fi
