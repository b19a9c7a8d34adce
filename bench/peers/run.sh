#!/usr/bin/env bash
# Job-queue peers (issue 5, item 2): graphile-worker and pg-boss from npm, on the benchmark
# cluster, against docextract's queue.
#   drain    N trivial jobs queued in one transaction while the workers are idle; jobs/s until
#            the queue is empty. Peers run no-op handlers; docextract is measured twice:
#            its pure queue (2 external workers on the SQL API, no-op, no extraction) and its
#            in-server workers doing real extraction of the smallest real PDF (a one-line groff
#            PDF whose text takes the native path: below 50 characters a page would be OCRed).
#   pickup   single jobs with the queue idle in between: insert/upload commit -> handler start
#            (docextract: extraction_jobs.started_at), p50/p95.
#   scaling  docextract's in-server workers at 1, 2 and 4 workers per database.
# Versions: package.json pins the newest graphile-worker and pg-boss whose engines accept this
# machine's Node.js (20). node_modules/ (git-ignored) is installed on first use.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

mode=${BENCH_MODE:-quick}
if [ "$mode" = full ]; then
  n=20000 runs=5 dx_n=1000 dx_runs=3 lat_k=100 boss_k=100
else
  n=2000 runs=3 dx_n=200 dx_runs=1 lat_k=100 boss_k=40
fi
n=${PEERS_N:-$n} runs=${PEERS_RUNS:-$runs} dx_n=${PEERS_DX_N:-$dx_n} dx_runs=${PEERS_DX_RUNS:-$dx_runs}
lat_k=${PEERS_LAT_K:-$lat_k} boss_k=${PEERS_BOSS_K:-$boss_k}
work=${BENCH_WORK:-$(mktemp -d)}
owner=bench_peers

command -v node >/dev/null || { echo "peers: node is not installed" >&2; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then echo "peers: needs Node.js >= 20 (have $(node --version))" >&2; exit 1; fi
if ! (cd "$here" && node -e 'require("graphile-worker"); require("pg-boss"); require("pg")') 2>/dev/null; then
  echo "peers: installing graphile-worker and pg-boss into bench/peers/node_modules" >&2
  if [ -f "$here/package-lock.json" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2
  else
    (cd "$here" && npm install --no-audit --no-fund --loglevel=error) >&2
  fi
fi
gw_version=$(node -p "require('$here/node_modules/graphile-worker/package.json').version")
boss_version=$(node -p "require('$here/node_modules/pg-boss/package.json').version")

q() { bench_psql -At "$@"; }
js() { (cd "$here" && node "$@"); }

workers_running() {
  q -c "SELECT coalesce(sum(workers), 0) FROM docextract.worker_stats WHERE datname = current_database()"
}
set_workers() {  # count: sets the GUC and waits until that many workers run
  bench_set docextract.workers_per_database "$1"
  q -c "SELECT docextract.wake_workers()" >/dev/null
  local i
  for i in $(seq 1 200); do
    [ "$(workers_running)" = "$1" ] && return 0
    sleep 0.1
  done
  echo "peers: $(workers_running) workers running, wanted $1" >&2
  return 1
}
clear_docs() {
  q -c "DELETE FROM docextract.documents WHERE owner = '$owner'" \
    -c "VACUUM ANALYZE docextract.documents, docextract.document_contents, docextract.extraction_jobs, docextract.extracted_data" >/dev/null
}
cleanup() {
  set +e
  bench_set docextract.workers_per_database 0 >/dev/null 2>&1
  q -c "DELETE FROM docextract.documents WHERE owner = '$owner'" \
    -c "DROP SCHEMA IF EXISTS bench_peers CASCADE" \
    -c "DROP SCHEMA IF EXISTS graphile_worker CASCADE" \
    -c "DROP SCHEMA IF EXISTS pgboss CASCADE" \
    -c "DROP ROLE IF EXISTS $owner" >/dev/null 2>&1
}
trap cleanup EXIT

bench_set docextract.workers_per_database 0
q >/dev/null <<SQL
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_peers CASCADE;
CREATE SCHEMA bench_peers;
CREATE TABLE bench_peers.pdfs (i int PRIMARY KEY, name text NOT NULL, content bytea NOT NULL);
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$owner') THEN CREATE ROLE $owner NOLOGIN; END IF;
END \$\$;
SQL
clear_docs

# The smallest real documents: one-line PDFs from groff, each with its own text (no dedup), with
# more than 50 characters so the helper takes the native text path.
pdf_count=$((dx_n > lat_k ? dx_n : lat_k))
mkdir -p "$work/pdf"
echo "peers: making $pdf_count PDFs with groff" >&2
seq 1 "$pdf_count" | xargs -P "$(nproc)" -I{} sh -c \
  'printf "docextract benchmark document %06d: the quick brown fox jumps over the lazy dog.\n" {} | groff -Tpdf > "$0/doc{}.pdf"' "$work/pdf"
chmod -R a+rX "$work/pdf"
q -c "INSERT INTO bench_peers.pdfs SELECT i, 'doc' || i || '.pdf', pg_read_binary_file('$work/pdf/doc' || i || '.pdf')
      FROM generate_series(1, $pdf_count) AS i" >/dev/null
pdf_bytes=$(q -c "SELECT round(avg(octet_length(content))) FROM bench_peers.pdfs")

field() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])' "$1"; }

# --- drain: peers and docextract's pure queue, alternating order --------------------------------
declare -A rate
systems="graphile_plain graphile_localqueue pgboss docextract_sql_b1 docextract_sql_b50"
drain_one() {  # system
  local out
  case $1 in
    graphile_plain) out=$(js graphile.js drain "$n" plain) ;;
    graphile_localqueue) out=$(js graphile.js drain "$n" localqueue) ;;
    pgboss) out=$(js pgboss.js drain "$n") ;;
    docextract_sql_b1) out=$(js docextract.js sqldrain "$n" 1); clear_docs ;;
    docextract_sql_b50) out=$(js docextract.js sqldrain "$n" 50); clear_docs ;;
  esac
  echo "$out" | field jobs_per_s
}
for r in $(seq 1 "$runs"); do
  order=$systems
  [ $((r % 2)) = 0 ] && order=$(echo "$systems" | tr ' ' '\n' | tac | tr '\n' ' ')
  for s in $order; do
    v=$(drain_one "$s")
    rate[$s]="${rate[$s]:-} $v"
    echo "peers: drain run $r $s: $v jobs/s" >&2
  done
done

# --- pickup latency of the peers ----------------------------------------------------------------
gw_lat=$(js graphile.js latency "$lat_k")
echo "peers: graphile-worker pickup p50 $(echo "$gw_lat" | field p50_ms) ms" >&2
boss_lat=$(js pgboss.js latency "$boss_k")
echo "peers: pg-boss pickup p50 $(echo "$boss_lat" | field p50_ms) ms" >&2

# --- docextract's in-server workers: pickup, then drain at 1, 2 and 4 workers -------------------
set_workers 2
dx_lat=$(js docextract.js latency "$lat_k")
echo "peers: docextract pickup p50 $(echo "$dx_lat" | field p50_ms) ms" >&2
clear_docs
declare -A dx dx_proc
for r in $(seq 1 "$dx_runs"); do
  for w in 2 1 4; do
    set_workers "$w"
    out=$(js docextract.js drain "$dx_n")
    [ "$(echo "$out" | field failed)" = 0 ] || { echo "peers: docextract jobs failed: $out" >&2; exit 1; }
    dx[$w]="${dx[$w]:-} $(echo "$out" | field jobs_per_s)"
    dx_proc[$w]="${dx_proc[$w]:-} $(echo "$out" | field avg_processing_ms)"
    echo "peers: docextract in-server drain run $r, $w workers: $(echo "$out" | field jobs_per_s) docs/s" >&2
    clear_docs
  done
done
set_workers 0

# --- results ------------------------------------------------------------------------------------
median() { printf '%s\n' $1 | bench_median; }
samples() { echo "$1" | python3 -c 'import json,sys; print(" ".join(map(str, json.loads(sys.stdin.read().strip().splitlines()[-1])["samples_ms"])))'; }

# The strongest peer configuration is the one docextract is compared with.
best_peer=graphile_plain
for s in graphile_localqueue pgboss; do
  if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)" \
      "$(median "${rate[$s]}")" "$(median "${rate[$best_peer]}")"; then best_peer=$s; fi
done
peer_name() { case $1 in pgboss) echo pgboss_drain ;; *) echo "${1/graphile/graphile_worker}_drain" ;; esac; }
ratios=$(python3 -c "
import statistics, sys, json
dx = statistics.median(map(float, sys.argv[1].split()))
peers = dict(zip(['graphile_worker_plain', 'graphile_worker_localqueue', 'pgboss'],
                 [statistics.median(map(float, a.split())) for a in sys.argv[2:]]))
print(json.dumps({k: round(dx / v, 4) for k, v in peers.items()}))" \
  "${dx[2]}" "${rate[graphile_plain]}" "${rate[graphile_localqueue]}" "${rate[pgboss]}")
sqlratios=$(python3 -c "
import statistics, sys, json
m = lambda a: statistics.median(map(float, a.split()))
print(json.dumps({'batch1_vs_best_peer': round(m(sys.argv[1]) / m(sys.argv[3]), 4),
                  'batch50_vs_best_peer': round(m(sys.argv[2]) / m(sys.argv[3]), 4)}))" \
  "${rate[docextract_sql_b1]}" "${rate[docextract_sql_b50]}" "${rate[$best_peer]}")

common=(clients=2 repeats="$runs" node="$(node --version)")
{
  # shellcheck disable=SC2086
  bench_measurement graphile_worker_plain_drain jobs/s higher ${rate[graphile_plain]} -- \
    "$(bench_settings "${common[@]}" n="$n" version="$gw_version" concurrency=2 \
       note="graphile-worker $gw_version, no-op task, concurrency 2, default settings (no local queue), logging off; N jobs added with graphile_worker.add_job in one transaction while the runner is idle; from that commit until the jobs table is empty.")"
  # shellcheck disable=SC2086
  bench_measurement graphile_worker_localqueue_drain jobs/s higher ${rate[graphile_localqueue]} -- \
    "$(bench_settings "${common[@]}" n="$n" version="$gw_version" concurrency=2 local_queue=500 complete_job_batch_delay_ms=0 \
       note="graphile-worker $gw_version with its documented batching: localQueue.size 500, completeJobBatchDelay 0; otherwise as graphile_worker_plain_drain.")"
  # shellcheck disable=SC2086
  bench_measurement pgboss_drain jobs/s higher ${rate[pgboss]} -- \
    "$(bench_settings "${common[@]}" n="$n" version="$boss_version" workers=2 batch=50 polling_interval_s=0.5 \
       note="pg-boss $boss_version, no-op handler, 2 workers fetching batches of 50, polling every 0.5 s (the minimum; with the default batch of 1 it drains 2 jobs/s per worker); N jobs inserted with boss.insert() in one statement while the workers are idle; until none is created/retry/active.")"
  for b in 1 50; do
    # shellcheck disable=SC2086
    bench_measurement docextract_sql_b${b}_drain jobs/s higher ${rate[docextract_sql_b$b]} -- \
      "$(bench_settings "${common[@]}" n="$n" batch="$b" compare_to="$(peer_name "$best_peer")" ratios="$sqlratios" \
         note="docextract's pure queue, no extraction: 2 external Node workers on the SQL API, claim_jobs(name, $b) in one transaction, no-op, complete_job for the claimed jobs in a second transaction; N jobs whose rows were inserted directly (in-server workers off). Compared with the fastest peer configuration.")"
  done
  # shellcheck disable=SC2086
  bench_measurement docextract_inserver_drain docs/s higher ${dx[2]} -- \
    "$(bench_settings "${common[@]}" n="$dx_n" workers=2 repeats="$dx_runs" pdf_bytes="$pdf_bytes" compare_to="$(peer_name "$best_peer")" target_ratio=3 ratios="$ratios" \
       avg_processing_ms="$(median "${dx_proc[2]}")" \
       note="NOT like for like: docextract's in-server workers do real extraction (a sandboxed docextract-extract process per document, on a one-line ~${pdf_bytes}-byte groff PDF, native text path) while the peers run no-op handlers. N documents uploaded with docextract.upload_as in one transaction while 2 workers are idle; from its commit until the N-th completion notification. Compare docextract_sql_*_drain for the queue alone.")"
  for w in 1 4; do
    # shellcheck disable=SC2086
    bench_measurement docextract_inserver_drain_w$w docs/s higher ${dx[$w]} -- \
      "$(bench_settings "${common[@]}" n="$dx_n" workers="$w" repeats="$dx_runs" pdf_bytes="$pdf_bytes" avg_processing_ms="$(median "${dx_proc[$w]}")" \
         note="As docextract_inserver_drain with docextract.workers_per_database = $w (the machine has $(nproc) cores).")"
  done
  for s in gw boss dx; do
    case $s in
      gw) name=graphile_worker; lat=$gw_lat; k=$lat_k
          how="graphile-worker $gw_version (LISTEN/NOTIFY), idle runner: graphile_worker.add_job commit (client side) -> task function start" ;;
      boss) name=pgboss; lat=$boss_lat; k=$boss_k
          how="pg-boss $boss_version, idle workers polling every 0.5 s: send() commit (client side) -> handler start" ;;
      dx) name=docextract_inserver; lat=$dx_lat; k=$lat_k
          how="docextract, 2 idle in-server workers woken at commit: upload commit (client side) -> extraction_jobs.started_at (clock_timestamp() in claim_jobs); same host clock; a negative sample means the worker claimed the job before the client had the reply to its commit" ;;
    esac
    extra=()
    [ $s = dx ] && extra=(compare_to=graphile_worker_pickup_p50 target_max=5 processing_p50_ms="$(echo "$lat" | field processing_p50_ms)")
    # shellcheck disable=SC2046
    bench_measurement ${name}_pickup_p50 ms lower $(samples "$lat") -- \
      "$(bench_settings samples="$k" p95_ms="$(echo "$lat" | field p95_ms)" "${extra[@]}" note="Idle pickup latency, median of $k single jobs with the queue idle (50+ ms) in between; $how.")"
    bench_measurement ${name}_pickup_p95 ms lower "$(echo "$lat" | field p95_ms)" -- \
      "$(bench_settings samples="$k" note="95th percentile of the same $k samples as ${name}_pickup_p50.")"
  done
} | bench_write peers
echo "peers: wrote $BENCH_OUT" >&2
