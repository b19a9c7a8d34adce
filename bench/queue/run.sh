#!/usr/bin/env bash
# Queue overhead vs the physical ceiling (issue 5, item 1).
#
# pgbench on the benchmark cluster, $(nproc) clients, each for T seconds:
#   ceiling    a minimal jobs table (id bigserial, status, payload) with a partial index on the
#              pending jobs, claimed with FOR UPDATE SKIP LOCKED and completed by an UPDATE;
#   samesch    the same bare claim and UPDATE on docextract.extraction_jobs itself (its indexes,
#              triggers and constraints; no result row): the ceiling on docextract's schema;
#   docextract docextract.claim_jobs() / docextract.complete_job() on docextract.extraction_jobs;
#   batched    docextract.claim_jobs() / docextract.complete_jobs() (one call per batch).
# Then the claim cost as the backlog of one owner grows (10k, 100k; 1M in full mode), one client,
# and how many claims another owner's single document waits behind that backlog.
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
  secs=30 runs=5 configs="1txn:1 1txn:50 2txn:1 2txn:50" backlogs="10000 100000 1000000"
else
  secs=10 runs=3 configs="1txn:1 1txn:50 2txn:1" backlogs="10000 100000"
fi
backlogs=${QUEUE_BACKLOGS:-$backlogs}
secs=${QUEUE_SECONDS:-$secs}
runs=${QUEUE_RUNS:-$runs}
clients=$(nproc)
# synchronous_commit of the pgbench sessions (QUEUE_SYNCHRONOUS_COMMIT=off when the disk's flush
# latency would hide every other cost at batch 1); recorded with each measurement.
sync_commit=${QUEUE_SYNCHRONOUS_COMMIT:-on}
export PGOPTIONS="${PGOPTIONS:-} -c synchronous_commit=$sync_commit"
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
# The same bare statements on docextract's own table. A claimed row must look claimed (holder,
# lease, a 32-byte digest), a completed one finished (completed_at): the table's constraints.
cat > "$work/samesch_1txn.sql" <<'SQL'
WITH c AS (SELECT id FROM docextract.extraction_jobs WHERE status = 'pending' ORDER BY priority DESC, fair_rank, created_at LIMIT :n FOR UPDATE SKIP LOCKED) UPDATE docextract.extraction_jobs AS j SET status = 'completed', completed_at = now() FROM c WHERE j.id = c.id;
SQL
cat > "$work/samesch_2txn.sql" <<'SQL'
WITH c AS (UPDATE docextract.extraction_jobs SET status = 'processing', started_at = now(), holder = 'bench', claim_digest = '\x0000000000000000000000000000000000000000000000000000000000000000', lease_expires_at = now() + interval '5 min' WHERE id IN (SELECT id FROM docextract.extraction_jobs WHERE status = 'pending' ORDER BY priority DESC, fair_rank, created_at LIMIT :n FOR UPDATE SKIP LOCKED) RETURNING id) SELECT coalesce(array_agg(id), '{}') AS ids FROM c \gset
UPDATE docextract.extraction_jobs SET status = 'completed', completed_at = now(), holder = NULL, claim_digest = NULL, lease_expires_at = NULL WHERE id = ANY (':ids'::uuid[]);
SQL
cat > "$work/batched_1txn.sql" <<SQL
WITH c AS MATERIALIZED (SELECT job_id, claim_token FROM docextract.claim_jobs('bench', :n)) SELECT count(*) FROM docextract.complete_jobs((SELECT coalesce(array_agg(job_id), '{}') FROM c), (SELECT coalesce(array_agg(claim_token), '{}') FROM c), (SELECT coalesce(array_agg('$result'::jsonb), '{}') FROM c));
SQL
cat > "$work/batched_2txn.sql" <<'SQL'
SELECT coalesce(array_agg(job_id), '{}') AS ids, coalesce(array_agg(claim_token), '{}') AS toks FROM docextract.claim_jobs('bench', :n) \gset
SQL
cat >> "$work/batched_2txn.sql" <<SQL
SELECT count(*) FROM docextract.complete_jobs(':ids'::uuid[], ':toks'::uuid[], array_fill('$result'::jsonb, ARRAY[cardinality(':ids'::uuid[])]));
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
    q -c "TRUNCATE docextract.search_pages, docextract.extracted_data, docextract.extraction_jobs" \
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
systems=${QUEUE_SYSTEMS:-ceiling samesch docextract batched}
for r in $(seq 1 "$runs"); do
  # Alternate the order, so that no system always runs first (or last).
  if [ $((r % 2)) = 1 ]; then order=$systems; else order=$(echo "$systems" | tr ' ' '\n' | tac | tr '\n' ' '); fi
  for cfg in $configs; do
    shape=${cfg%%:*} batch=${cfg##*:}
    for sys in $order; do
      one_run "$sys" "$shape" "$batch"
      res[$sys.$shape.$batch]="${res[$sys.$shape.$batch]:-} $rate"
      echo "queue: run $r $sys $shape batch $batch: $rate jobs/s" >&2
    done
  done
done

# Claim cost as one owner's backlog grows, and how long another owner's document waits behind it.
# The backlog is inserted in one statement, whose rows do not see each other: their fair_rank is
# set afterwards as if they had been queued one by one (0, 1, 2, ...).
other=bench_queue_other
declare -A cost wait
for size in $backlogs; do
  refill docextract "$size"
  q -c "UPDATE docextract.extraction_jobs AS j SET fair_rank = r.n
          FROM (SELECT id, row_number() OVER (ORDER BY created_at) - 1 AS n FROM docextract.extraction_jobs) AS r
         WHERE r.id = j.id" -c "VACUUM ANALYZE docextract.extraction_jobs" >/dev/null
  for r in $(seq 1 "$runs"); do
    pgbench -n -c 1 -j 1 -T 3 -D n=1 -f "$work/docextract_2txn.sql" >"$work/cost.log" 2>&1 \
      || { cat "$work/cost.log" >&2; exit 1; }
    cost[$size]="${cost[$size]:-} $(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' "$work/cost.log")"
  done
  # Another owner's single document, queued now, behind the rest of the backlog.
  q -c "INSERT INTO docextract.documents (owner, original_filename, file_size, file_format, mime_type, sha256)
        VALUES ('$other', 'other.pdf', 100, 'pdf', 'application/pdf', sha256(convert_to('$other $size', 'UTF8')))
        ON CONFLICT DO NOTHING" \
    -c "INSERT INTO docextract.extraction_jobs (document_id)
        SELECT id FROM docextract.documents WHERE owner = '$other'" >/dev/null
  n=$(q -c "DO \$\$ DECLARE n int := 0; c record; BEGIN
              LOOP
                n := n + 1;
                SELECT j.owner INTO c FROM docextract.claim_jobs('fair', 1) AS x
                  JOIN docextract.extraction_jobs AS j ON j.id = x.job_id;
                EXIT WHEN c.owner = '$other' OR n >= 100000;
              END LOOP;
              RAISE NOTICE 'claims=%', n; END \$\$" 2>&1 | sed -n 's/.*claims=//p')
  wait[$size]=$n
  q -c "DELETE FROM docextract.documents WHERE owner = '$other'" >/dev/null
  echo "queue: backlog $size: claim+complete ${cost[$size]} ms; the other owner's job was claim number $n" >&2
done

q -c "TRUNCATE docextract.search_pages, docextract.extracted_data, docextract.extraction_jobs" >/dev/null
cleanup
bench_set docextract.workers_per_database 0

pgver=$(q -c "SHOW server_version")
nidx=$(q -c "SELECT count(*) FROM pg_index WHERE indrelid = 'docextract.extraction_jobs'::regclass")
{
  for cfg in $configs; do
    shape=${cfg%%:*} batch=${cfg##*:}
    common=(batch="$batch" clients="$clients" seconds="$secs" repeats="$runs" shape="$shape" postgresql="$pgver"
            synchronous_commit="$sync_commit")
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
         note="docextract.claim_jobs('bench', $batch), then complete_job(job_id, claim_token, $result) per claimed job, on docextract.extraction_jobs ($nidx indexes, an update trigger, lease columns, a result row in extracted_data, a NOTIFY per job); $how; pgbench, jobs completed / wall time; queue refilled, vacuumed and checkpointed before each run; in-server workers off.")"
    # shellcheck disable=SC2086
    bench_measurement "ceiling_same_schema_${shape}_b$batch" jobs/s higher ${res[samesch.$shape.$batch]} -- \
      "$(bench_settings "${common[@]}" compare_to="ceiling_skip_locked_${shape}_b$batch" \
         note="The ceiling's bare FOR UPDATE SKIP LOCKED claim and UPDATE, on docextract.extraction_jobs itself ($nidx indexes, its triggers and constraints; no result row, no function call); $how.")"
    ratios=$(python3 -c "
import statistics, sys
a = [float(x) for x in sys.argv[1].split()]; b = [float(x) for x in sys.argv[2].split()]
r = [round(x / y, 3) for x, y in zip(a, b)]
print('[%s] %s' % (', '.join(map(str, r)), round(statistics.median(r), 3)))" "${res[batched.$shape.$batch]}" "${res[ceiling.$shape.$batch]}")
    # shellcheck disable=SC2086
    bench_measurement "docextract_api_batch_${shape}_b$batch" jobs/s higher ${res[batched.$shape.$batch]} -- \
      "$(bench_settings "${common[@]}" compare_to="ceiling_skip_locked_${shape}_b$batch" \
         target_ratio=$([ "$batch" = 1 ] && echo 0.7 || echo 0.5) \
         paired_ratios="${ratios% *}" paired_ratio_median="${ratios##* }" \
         note="docextract.claim_jobs('bench', $batch), then one docextract.complete_jobs(ids, tokens, results) for the batch; otherwise as docextract_api_${shape}_b$batch; $how.")"
  done
  for size in $backlogs; do
    # shellcheck disable=SC2086
    bench_measurement "docextract_claim_complete_ms_backlog_$size" ms lower ${cost[$size]} -- \
      "$(bench_settings backlog="$size" clients=1 seconds=3 repeats="$runs" postgresql="$pgver" synchronous_commit="$sync_commit" \
         note="Latency of claim_jobs('bench', 1) in one transaction and complete_job() in a second one, one pgbench client, with $size pending jobs of one owner (pgbench latency average).")"
    bench_measurement "fair_start_claims_backlog_$size" claims lower "${wait[$size]}" -- \
      "$(bench_settings backlog="$size" postgresql="$pgver" \
         note="Another owner's single job, queued behind a backlog of $size pending jobs of one owner: the number of the claim (one job each) that took it; 1 = the next claim.")"
  done
} | bench_write queue
echo "queue: wrote $BENCH_OUT" >&2
