#!/usr/bin/env bash
# Queue overhead vs the physical ceiling (issue 5, item 1).
#
# pgbench on the benchmark cluster, $(nproc) clients, each for T seconds:
#   ceiling    a minimal jobs table (id bigserial, status, payload) with a partial index on the
#              pending jobs, claimed with FOR UPDATE SKIP LOCKED and completed by an UPDATE;
#   docextract docextract.claim_jobs() / docextract.complete_job() on docextract.extraction_jobs.
# Shapes, each at batch 1 and batch 50:
#   1txn  claim and complete in one statement (one transaction per batch; the claim is never
#         committed on its own, so this measures the API's cost, not a crash-safe lease);
#   2txn  the realistic form: one transaction claims (and commits the lease), a second completes.
# Runs alternate the order (ceiling first, then docextract first, ...); both queues are refilled
# (TRUNCATE + fresh rows) and vacuumed before every run; jobs/s = jobs completed / wall time of
# the pgbench run. The in-server workers stay off (docextract.workers_per_database = 0).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

mode=${BENCH_MODE:-quick}
# Quick mode leaves out the two-transaction batch-50 shape to stay within a few minutes.
if [ "$mode" = full ]; then
  secs=30 runs=5 configs="1txn:1 1txn:50 2txn:1 2txn:50"
else
  secs=10 runs=3 configs="1txn:1 1txn:50 2txn:1"
fi
secs=${QUEUE_SECONDS:-$secs}
runs=${QUEUE_RUNS:-$runs}
clients=$(nproc)
work=${BENCH_WORK:-$(mktemp -d)}
owner=bench_queue            # documents.owner of the rows this module creates
result='{"text":"x","pages":[]}'

q() { bench_psql -At "$@"; }

cleanup() {
  q -c "DROP SCHEMA IF EXISTS bench_queue CASCADE" \
    -c "DELETE FROM docextract.documents WHERE owner = '$owner'" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The module empties docextract's queue tables between runs, so it wants them to itself.
busy=$(q -c "SELECT count(*) FROM docextract.extraction_jobs")
if [ "$busy" != 0 ]; then
  echo "queue: docextract.extraction_jobs is not empty ($busy rows); run on a fresh cluster" >&2
  exit 1
fi
bench_set docextract.workers_per_database 0

q >/dev/null <<SQL
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_queue CASCADE;
CREATE SCHEMA bench_queue;
CREATE TABLE bench_queue.jobs (
    id      bigserial PRIMARY KEY,
    status  text  NOT NULL DEFAULT 'pending',
    payload jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX jobs_pending_idx ON bench_queue.jobs (id) WHERE status = 'pending';
SQL

# pgbench scripts. :n is the batch size. The 2txn scripts pass the claimed ids (and tokens) from
# the claim transaction to the completing one as array literals.
cat > "$work/ceiling_1txn.sql" <<'SQL'
WITH c AS (SELECT id FROM bench_queue.jobs WHERE status = 'pending' ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED) UPDATE bench_queue.jobs AS j SET status = 'done' FROM c WHERE j.id = c.id;
SQL
cat > "$work/ceiling_2txn.sql" <<'SQL'
WITH c AS (UPDATE bench_queue.jobs SET status = 'processing' WHERE id IN (SELECT id FROM bench_queue.jobs WHERE status = 'pending' ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED) RETURNING id) SELECT coalesce(array_agg(id), '{}') AS ids FROM c \gset
UPDATE bench_queue.jobs SET status = 'done' WHERE id = ANY (':ids'::bigint[]);
SQL
cat > "$work/docextract_1txn.sql" <<SQL
SELECT count(docextract.complete_job(c.job_id, c.claim_token, '$result'::jsonb)) FROM docextract.claim_jobs('bench', :n) AS c;
SQL
cat > "$work/docextract_2txn.sql" <<'SQL'
SELECT coalesce(array_agg(job_id), '{}') AS ids, coalesce(array_agg(claim_token), '{}') AS toks FROM docextract.claim_jobs('bench', :n) \gset
SQL
cat >> "$work/docextract_2txn.sql" <<SQL
SELECT count(docextract.complete_job(u.i, u.t, '$result'::jsonb)) FROM unnest(':ids'::uuid[], ':toks'::uuid[]) AS u(i, t);
SQL

# docextract's jobs need documents (claim_jobs joins them; one active job per document). The rows
# are inserted directly as superuser: only the queue is measured, so no content row is needed.
docs=0
ensure_docs() {  # count
  [ "$1" -le "$docs" ] && return 0
  q -c "INSERT INTO docextract.documents (owner, original_filename, file_size, file_format, mime_type, sha256)
        SELECT '$owner', 'bench-' || i || '.pdf', 100, 'pdf', 'application/pdf',
               sha256(convert_to('$owner ' || i, 'UTF8'))
          FROM generate_series($docs + 1, $1) AS i" >/dev/null
  docs=$1
}

refill() {  # system count
  if [ "$1" = ceiling ]; then
    q -c "TRUNCATE bench_queue.jobs RESTART IDENTITY" \
      -c "INSERT INTO bench_queue.jobs (payload) SELECT '{}' FROM generate_series(1, $2)" \
      -c "VACUUM ANALYZE bench_queue.jobs" >/dev/null
  else
    ensure_docs "$2"
    q -c "TRUNCATE docextract.extracted_data, docextract.extraction_jobs" \
      -c "INSERT INTO docextract.extraction_jobs (document_id, created_at)
          SELECT id, clock_timestamp() FROM docextract.documents WHERE owner = '$owner' LIMIT $2" \
      -c "VACUUM ANALYZE docextract.extraction_jobs, docextract.extracted_data" >/dev/null
  fi
  q -c "CHECKPOINT" >/dev/null
}

counts() {  # system -> "done pending"
  if [ "$1" = ceiling ]; then
    q -F' ' -c "SELECT count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status = 'pending') FROM bench_queue.jobs"
  else
    q -F' ' -c "SELECT count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'pending') FROM docextract.extraction_jobs"
  fi
}

# Rows to pre-fill so that a run never drains the queue: twice the last run of this configuration
# (first guess generous), quadrupled and repeated if a run drained it anyway.
declare -A fill
guess() {  # batch
  if [ "$1" = 1 ]; then echo $((6000 * secs)); else echo $((50000 * secs)); fi
}

# One pgbench run; sets $rate (jobs/s). Not run in a subshell: it updates fill[] and docs.
one_run() {  # system shape batch
  local sys=$1 shape=$2 batch=$3 key="$1_$2_$3" attempt size t0 t1 done_ pending log
  for attempt in 1 2 3; do
    size=${fill[$key]:-$(guess "$batch")}
    refill "$sys" "$size"
    log="$work/$key.log"
    t0=$(date +%s%N)
    if ! pgbench -n -c "$clients" -j "$clients" -T "$secs" -D n="$batch" -f "$work/${sys}_$shape.sql" >"$log" 2>&1; then
      cat "$log" >&2; echo "queue: pgbench failed ($key)" >&2; return 1
    fi
    t1=$(date +%s%N)
    if grep -q 'number of failed transactions: [1-9]' "$log"; then
      cat "$log" >&2; echo "queue: failed transactions ($key)" >&2; return 1
    fi
    read -r done_ pending < <(counts "$sys")
    fill[$key]=$(( done_ * 2 > 20000 ? done_ * 2 : 20000 ))
    if [ "$pending" -gt 0 ]; then
      rate=$(python3 -c "print(round($done_ / (($t1 - $t0) / 1e9), 1))")
      return 0
    fi
    echo "queue: $key drained $size jobs in ${secs}s; refilling with more and repeating" >&2
    fill[$key]=$(( size * 4 ))
  done
  echo "queue: $key keeps draining the queue" >&2; return 1
}

declare -A res
for r in $(seq 1 "$runs"); do
  if [ $((r % 2)) = 1 ]; then order="ceiling docextract"; else order="docextract ceiling"; fi
  for cfg in $configs; do
    shape=${cfg%%:*} batch=${cfg##*:}
    for sys in $order; do
      one_run "$sys" "$shape" "$batch"
      res[$sys.$shape.$batch]="${res[$sys.$shape.$batch]:-} $rate"
      echo "queue: run $r $sys $shape batch $batch: $rate jobs/s" >&2
    done
  done
done

q -c "TRUNCATE docextract.extracted_data, docextract.extraction_jobs" >/dev/null
cleanup
bench_set docextract.workers_per_database 0

pgver=$(q -c "SHOW server_version")
{
  for cfg in $configs; do
    shape=${cfg%%:*} batch=${cfg##*:}
    common=(batch="$batch" clients="$clients" seconds="$secs" repeats="$runs" shape="$shape" postgresql="$pgver")
    if [ "$shape" = 1txn ]; then
      how="claim and complete in one statement, one transaction per batch (the claim is never committed alone)"
    else
      how="claim in one transaction, complete in a second one (the realistic lease)"
    fi
    # shellcheck disable=SC2086
    bench_measurement "ceiling_skip_locked_${shape}_b$batch" jobs/s higher ${res[ceiling.$shape.$batch]} -- \
      "$(bench_settings "${common[@]}" \
         note="Minimal table (id bigserial, status, payload; partial index on pending), FOR UPDATE SKIP LOCKED; $how; pgbench, jobs completed / wall time; queue refilled, vacuumed and checkpointed before each run.")"
    # Paired ratios: run i of docextract against run i of the ceiling (adjacent in time).
    ratios=$(python3 -c "
import statistics, sys
a = [float(x) for x in sys.argv[1].split()]; b = [float(x) for x in sys.argv[2].split()]
r = [round(x / y, 3) for x, y in zip(a, b)]
print('[%s] %s' % (', '.join(map(str, r)), round(statistics.median(r), 3)))" "${res[docextract.$shape.$batch]}" "${res[ceiling.$shape.$batch]}")
    # shellcheck disable=SC2086
    bench_measurement "docextract_api_${shape}_b$batch" jobs/s higher ${res[docextract.$shape.$batch]} -- \
      "$(bench_settings "${common[@]}" compare_to="ceiling_skip_locked_${shape}_b$batch" target_ratio=0.9 \
         paired_ratios="${ratios% *}" paired_ratio_median="${ratios##* }" \
         note="docextract.claim_jobs('bench', $batch), then complete_job(job_id, claim_token, $result) per claimed job, on docextract.extraction_jobs (11 indexes, an update trigger, lease columns, a result row in extracted_data, a NOTIFY per job); $how; pgbench, jobs completed / wall time; queue refilled, vacuumed and checkpointed before each run; in-server workers off.")"
  done
} | bench_write queue
echo "queue: wrote $BENCH_OUT" >&2
