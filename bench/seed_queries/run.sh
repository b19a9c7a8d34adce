#!/usr/bin/env bash
# Issue 5, item 5: the seed application's query table at 1 M documents and 5 M jobs across 10,000
# owners (quick mode: 100 k documents and 500 k jobs), with the seed's indexes and without them.
# Execution time is EXPLAIN (ANALYZE)'s "Execution Time", median of RUNS runs with a different
# parameter each, after one warm-up run (not reported). "Without" drops the seed's non-PK indexes
# (doc_*_idx, job_*_idx as created by the seed) in a transaction that runs the same queries and
# rolls back. The plans (index names) go into the notes.
# Run by bench/run (see bench/lib.sh for the environment it sets).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/bench/lib.sh"
: "${BENCH_WORK:?run me through bench/run}" "${BENCH_OUT:?}"

owners=10000
if [ "$BENCH_MODE" = full ]; then docs=1000000; else docs=100000; fi
jobs=$((docs * 5))
runs=20
work=$BENCH_WORK
# The seed's indexes that docextract keeps (job_status_idx and job_doc_status_idx are gone: their
# columns lead job_status_created_idx and job_doc_created_idx).
seed_indexes="doc_uploaded_idx doc_user_uploaded_idx doc_type_idx doc_user_type_idx doc_format_idx
  doc_user_format_idx job_created_idx job_doc_created_idx job_status_created_idx
  job_completed_idx job_proc_time_idx"
types=(invoice receipt contract id_document passport drivers_license bank_statement hr_form
       medical_record tax_form legal_document certificate letter report form other)

types_sql=$(printf "'%s'," "${types[@]}"); types_sql=${types_sql%,}

cleanup() {
  bench_psql >/dev/null 2>&1 <<'SQL' || true
SET client_min_messages = warning;
TRUNCATE docextract.search_pages, docextract.extracted_data, docextract.extraction_jobs, docextract.document_contents,
         docextract.documents;
DROP SCHEMA IF EXISTS bench_sq CASCADE;
SQL
  # Roles belong to the cluster: drop the ones this module created.
  for r in $(bench_psql -At -c "SELECT rolname FROM pg_roles WHERE rolname LIKE 'bench\_sq\_u%'" 2>/dev/null); do
    bench_psql -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1 || true
  done
  rm -f "$work"/*.sql "$work"/*.txt
}
trap cleanup EXIT

# ---- Data --------------------------------------------------------------------------------------
# Document i: id md5('d'||i), owner bench_sq_u(i % owners + 1), uploaded 30 s after document i-1.
# Job j belongs to document (j-1) % docs + 1, attempt k = (j-1) / docs (0..4), created k hours after
# the upload; the last attempt of every 100th document is pending, about 3 % of jobs failed, the
# rest completed. Triggers (and so the foreign-key checks) are skipped with
# session_replication_role = replica; the seed's indexes are dropped for the load and rebuilt
# after it with the same definitions (faster than 5 M index insertions each).
echo "seed_queries: generating $docs documents and $jobs jobs across $owners owners" >&2
t0=$(date +%s.%N)
bench_psql >/dev/null <<SQL
SET client_min_messages = warning;
TRUNCATE docextract.search_pages, docextract.extracted_data, docextract.extraction_jobs, docextract.document_contents,
         docextract.documents;
CREATE TEMP TABLE seed_index_defs AS
  SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
   WHERE c.relname = ANY (string_to_array(regexp_replace('$(echo $seed_indexes)', '\s+', ' ', 'g'), ' '));
DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT name FROM seed_index_defs LOOP
    EXECUTE format('DROP INDEX docextract.%I', r.name);
  END LOOP; END \$\$;
SET session_replication_role = replica;
SET maintenance_work_mem = '512MB';
INSERT INTO docextract.documents
       (id, owner, original_filename, file_size, file_format, mime_type, sha256, document_type,
        uploaded_at, updated_at)
SELECT md5('d' || i)::uuid,
       'bench_sq_u' || (i % $owners + 1),
       'document-' || i || '.' || f.fmt,
       1000 + (i::bigint * 7919) % 5000000,
       f.fmt, f.mime,
       sha256(int8send(i)),
       (ARRAY[$types_sql])[((i / $owners) + i) % 16 + 1],
       t, t
  FROM generate_series(1, $docs) AS i,
       LATERAL (SELECT timestamptz '2025-01-01 00:00:00+00' + i * interval '30 seconds' AS t) AS u,
       LATERAL (SELECT CASE i % 10 WHEN 0 THEN 'png' WHEN 1 THEN 'jpg' ELSE 'pdf' END AS fmt,
                       CASE i % 10 WHEN 0 THEN 'image/png' WHEN 1 THEN 'image/jpeg'
                                   ELSE 'application/pdf' END AS mime) AS f;
INSERT INTO docextract.extraction_jobs
       (id, document_id, status, retry_count, max_retries, run_after, created_at, started_at,
        completed_at, updated_at, error_message, processing_time_seconds, owner, fair_rank)
SELECT md5('j' || j)::uuid,
       md5('d' || d)::uuid,
       s.status,
       CASE s.status WHEN 'failed' THEN 3 ELSE 0 END, 3,
       c.created, c.created,
       CASE WHEN s.status <> 'pending' THEN c.created + interval '1 second' END,
       CASE WHEN s.status <> 'pending' THEN c.created + interval '3 seconds' END,
       CASE WHEN s.status <> 'pending' THEN c.created + interval '3 seconds' ELSE c.created END,
       CASE WHEN s.status = 'failed' THEN 'bench: synthetic failure' END,
       CASE WHEN s.status <> 'pending' THEN 2.0 END,
       'bench_sq_u' || (x.d % $owners + 1), j
  FROM generate_series(1, $jobs::bigint) AS j,
       LATERAL (SELECT (j - 1) % $docs + 1 AS d, (j - 1) / $docs AS k) AS x,
       LATERAL (SELECT timestamptz '2025-01-01 00:00:00+00' + x.d * interval '30 seconds'
                       + x.k * interval '1 hour' AS created) AS c,
       LATERAL (SELECT CASE WHEN x.k = 4 AND x.d % 100 = 0 THEN 'pending'
                            WHEN (j * 2654435761) % 100 < 3 THEN 'failed'
                            ELSE 'completed' END AS status) AS s;
RESET session_replication_role;
DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT def FROM seed_index_defs LOOP EXECUTE r.def; END LOOP; END \$\$;
VACUUM ANALYZE docextract.documents;
VACUUM ANALYZE docextract.extraction_jobs;
SQL
t1=$(date +%s.%N)
gen_secs=$(echo "$t1 - $t0" | bc)
missing=$(bench_psql -At -c "SELECT count(*) FROM unnest(string_to_array(regexp_replace('$(echo $seed_indexes)', '\s+', ' ', 'g'), ' ')) n
                               WHERE to_regclass('docextract.' || n) IS NULL")
[ "$missing" = 0 ] || { echo "seed_queries: $missing seed indexes were not rebuilt" >&2; exit 1; }
read -r ndocs njobs nfailed <<<"$(bench_psql -At -F ' ' -c "SELECT (SELECT count(*) FROM docextract.documents),
    (SELECT count(*) FROM docextract.extraction_jobs),
    (SELECT count(*) FROM docextract.extraction_jobs WHERE status = 'failed')")"
echo "seed_queries: $ndocs documents, $njobs jobs ($nfailed failed) in ${gen_secs}s" >&2

# ---- Harness -----------------------------------------------------------------------------------
# EXPLAIN runs as the role that calls it (SECURITY INVOKER), so row-level security applies.
bench_psql >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_sq CASCADE;
CREATE SCHEMA bench_sq;
CREATE FUNCTION bench_sq.explain(q text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r json;
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' || q INTO r;
    RETURN r::jsonb -> 0;
END $$;
GRANT USAGE ON SCHEMA bench_sq TO docextract_user;
GRANT EXECUTE ON FUNCTION bench_sq.explain(text) TO docextract_user;
SQL

owner_of_doc() { echo "bench_sq_u$(( $1 % owners + 1 ))"; }
# Parameters: run 0 is the warm-up. Owners and jobs spread over the whole range.
declare -a q1_role q2_role q2_job q4_role q4_type q5_role q5_doc
for r in $(seq 0 $runs); do
  q1_role[$r]="bench_sq_u$(( (r * 4973 + 17) % owners + 1 ))"
  j=$(( (r * 2654435 + 12345) % jobs + 1 ))
  q2_job[$r]=$j
  q2_role[$r]=$(owner_of_doc $(( (j - 1) % docs + 1 )))
  q4_role[$r]="bench_sq_u$(( (r * 7919 + 101) % owners + 1 ))"
  q4_type[$r]=${types[$(( r % 16 ))]}
  q5_doc[$r]=$(( (r * 7103 + 29) % docs + 1 ))
  q5_role[$r]=$(owner_of_doc "${q5_doc[$r]}")
done
for role in $(printf '%s\n' "${q1_role[@]}" "${q2_role[@]}" "${q4_role[@]}" "${q5_role[@]}" | sort -u); do
  bench_psql -c "DO \$\$ BEGIN CREATE ROLE $role LOGIN IN ROLE docextract_user;
                 EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
done

q1_sql='SELECT id, original_filename, document_type, file_size, uploaded_at FROM docextract.documents ORDER BY uploaded_at DESC LIMIT 20'
q2_sql() { echo "SELECT id, status, created_at, started_at, completed_at, error_message FROM docextract.extraction_jobs WHERE id = md5('j' || $1)::uuid"; }
q3_sql="SELECT id, document_id, status, created_at, error_message FROM docextract.extraction_jobs WHERE status = 'failed' ORDER BY created_at DESC LIMIT 20"
q4_sql() { echo "SELECT id, original_filename, file_size, uploaded_at FROM docextract.documents WHERE document_type = '$1' ORDER BY uploaded_at DESC"; }
q5_sql() { echo "SELECT id, status, created_at, completed_at FROM docextract.extraction_jobs WHERE document_id = md5('d' || $1)::uuid ORDER BY created_at DESC"; }
q6_sql="SELECT id, document_id, status, created_at FROM docextract.extraction_jobs ORDER BY created_at DESC LIMIT 20"

script() {  # variant: with | without
  echo "\\set ON_ERROR_STOP 1"
  echo "BEGIN;"
  if [ "$1" = without ]; then
    for i in $seed_indexes; do echo "DROP INDEX docextract.$i;"; done
  fi
  for r in $(seq 0 $runs); do
    echo "SET ROLE ${q1_role[$r]}; SELECT 'q1', $r, bench_sq.explain(\$q\$$q1_sql\$q\$)::text; RESET ROLE;"
    echo "SET ROLE ${q2_role[$r]}; SELECT 'q2', $r, bench_sq.explain(\$q\$$(q2_sql "${q2_job[$r]}")\$q\$)::text; RESET ROLE;"
    echo "SELECT 'q3', $r, bench_sq.explain(\$q\$$q3_sql\$q\$)::text;"
    echo "SET ROLE ${q4_role[$r]}; SELECT 'q4', $r, bench_sq.explain(\$q\$$(q4_sql "${q4_type[$r]}")\$q\$)::text; RESET ROLE;"
    echo "SET ROLE ${q5_role[$r]}; SELECT 'q5', $r, bench_sq.explain(\$q\$$(q5_sql "${q5_doc[$r]}")\$q\$)::text; RESET ROLE;"
    echo "SELECT 'q6', $r, bench_sq.explain(\$q\$$q6_sql\$q\$)::text;"
  done
  echo "ROLLBACK;"
}
for variant in with without; do
  echo "seed_queries: $runs runs of each query, $variant the seed's indexes" >&2
  script $variant > "$work/$variant.sql"
  bench_psql -At -F $'\t' -f "$work/$variant.sql" > "$work/$variant.txt"
done
# The rollback must have kept the indexes.
missing=$(bench_psql -At -c "SELECT count(*) FROM unnest(string_to_array(regexp_replace('$(echo $seed_indexes)', '\s+', ' ', 'g'), ' ')) n
                               WHERE to_regclass('docextract.' || n) IS NULL")
[ "$missing" = 0 ] || { echo "seed_queries: indexes lost after the rollback" >&2; exit 1; }

# ---- Measurements ------------------------------------------------------------------------------
python3 - "$work/with.txt" "$work/without.txt" "$docs" "$jobs" "$owners" "$runs" "$BENCH_MODE" "$gen_secs" \
  > "$work/measurements.txt" <<'PY'
import collections, json, statistics, sys
with_f, without_f, docs, jobs, owners, runs, mode, gen_secs = sys.argv[1:9]

def walk(plan, acc):
    if "Index Name" in plan:
        acc.add(f'{plan["Node Type"]} using {plan["Index Name"]}')
    elif plan["Node Type"] in ("Seq Scan", "Parallel Seq Scan", "Bitmap Heap Scan"):
        if plan["Node Type"] != "Bitmap Heap Scan":
            acc.add(f'{plan["Node Type"]} on {plan.get("Relation Name")}')
    for p in plan.get("Plans", []):
        walk(p, acc)

def load(path):
    out = collections.defaultdict(list)
    for line in open(path):
        q, r, plan = line.rstrip("\n").split("\t", 2)
        if int(r) == 0:
            continue  # warm-up
        p = json.loads(plan)
        nodes = set()
        walk(p["Plan"], nodes)
        out[q].append((p["Execution Time"], p["Planning Time"], frozenset(nodes), p["Plan"].get("Actual Rows")))
    return out

w, wo = load(with_f), load(without_f)
queries = {
    "q1": ("a user's 20 newest documents", 0.5,
           "as the user (SET ROLE to an owner, a member of docextract_user; row-level security adds owner = CURRENT_USER): SELECT ... FROM docextract.documents ORDER BY uploaded_at DESC LIMIT 20; a different owner each run"),
    "q2": ("status of a job", 0.2,
           "as the job's owner through row-level security: SELECT id, status, timestamps, error_message FROM docextract.extraction_jobs WHERE id = $1; a different job each run"),
    "q3": ("jobs by status, newest first", None,
           "as postgres (an administrator's view, no row-level security): WHERE status = 'failed' ORDER BY created_at DESC LIMIT 20; the same parameter each run (about 3 % of jobs are failed)"),
    "q4": ("a user's documents of one type", None,
           "as the user through row-level security: SELECT ... FROM docextract.documents WHERE document_type = $1 ORDER BY uploaded_at DESC (about 6 rows); a different owner and type each run"),
    "q5": ("a document's jobs, newest first", None,
           "as the document's owner through row-level security: SELECT ... FROM docextract.extraction_jobs WHERE document_id = $1 ORDER BY created_at DESC (5 rows); a different document each run"),
    "q6": ("all jobs, newest first", None,
           "as postgres (an administrator's view): SELECT ... FROM docextract.extraction_jobs ORDER BY created_at DESC LIMIT 20"),
}
scale = f"{int(docs):,} documents, {int(jobs):,} jobs, {int(owners):,} owners"
base = {"documents": int(docs), "jobs": int(jobs), "owners": int(owners), "runs": int(runs),
        "mode": mode, "quick_scale": mode != "full", "warmup_runs_excluded": 1}
def plans(rows):
    c = collections.Counter(r[2] for r in rows)
    return "; ".join(f'{", ".join(sorted(k)) or "no scan node"} ({n}/{len(rows)} runs)' for k, n in c.most_common())
for q, (title, target, how) in queries.items():
    for variant, data in (("with the seed's indexes", w), ("without the seed's indexes", wo)):
        rows = data[q]
        m = {"name": f"{title} ({variant})", "unit": "ms", "better": "lower",
             "runs": [r[0] for r in rows], "value": statistics.median(r[0] for r in rows),
             "n": len(rows), "settings": dict(base, median_planning_ms=round(statistics.median(r[1] for r in rows), 3))}
        plan_text = plans(rows)
        if variant.startswith("with "):
            m["compare_to"] = f"{title} (without the seed's indexes)"
            if target is not None:
                m["target_max"] = target
            m["note"] = (f"EXPLAIN (ANALYZE, BUFFERS) execution time at {scale} ({'quick mode: one tenth of the issue scale' if mode != 'full' else 'the issue scale'}), "
                         f"median of {runs} runs after 1 warm-up run; {how}. Plans: {plan_text}.")
        else:
            m["note"] = (f"The same {runs} queries in a transaction that first drops the seed's 11 non-PK indexes that docextract keeps "
                         f"(doc_*_idx, job_*_idx) and finally rolls back; the primary keys, the unique (owner, sha256) "
                         f"constraint's index and the queue's own partial indexes (job_claim_idx, job_lease_idx, "
                         f"job_one_active_per_document) remain. Plans: {plan_text}.")
        print(json.dumps(m))
print(json.dumps({"name": "data generation", "unit": "s", "better": "lower", "runs": [float(gen_secs)],
                  "value": float(gen_secs), "n": 1, "settings": base,
                  "note": "INSERT ... SELECT generate_series with session_replication_role = replica (no triggers, no FK checks), seed indexes dropped during the load and rebuilt after it, then VACUUM ANALYZE. Not a docextract figure: setup cost of this benchmark."}))
PY
bench_write seed_queries < "$work/measurements.txt"
python3 - "$work/measurements.txt" <<'PY' >&2
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    print(f"  {d['name']}: {d['value']:.4g} {d['unit']}")
    if "Plans:" in d.get("note", ""):
        print("     " + d["note"].split("Plans:")[1].strip())
PY
