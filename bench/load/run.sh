#!/usr/bin/env bash
# Issue 5, item 6: 16 concurrent clients uploading small documents for 60 s (quick mode: 20 s)
# while the in-server workers (docextract.workers_per_database = 2) extract them. Reports
# uploads/s, p50/p99 upload latency (pgbench -l per-transaction log), errors and deadlocks (both
# must be 0), then waits for the backlog to drain and checks that nothing was lost:
# documents == jobs == completed jobs == extracted_data rows.
# Run by bench/run (see bench/lib.sh for the environment it sets).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/bench/lib.sh"
: "${BENCH_WORK:?run me through bench/run}" "${BENCH_OUT:?}"

clients=16
workers=2
# Quick mode uploads for 10 s, not 20: the two workers extract ~15x slower than 16 clients upload,
# so the drain after 20 s of uploads alone took ~5 min on this machine.
if [ "$BENCH_MODE" = full ]; then seconds=60 drain_timeout=2700; else seconds=10 drain_timeout=600; fi
work=$BENCH_WORK
role=bench_load_user
server_log="$BENCH_PGDATA/../server.log"

q() { bench_psql -At "$@"; }
cleanup() {
  bench_set docextract.workers_per_database 0 >/dev/null 2>&1 || true
  bench_psql >/dev/null 2>&1 <<SQL || true
SET client_min_messages = warning;
TRUNCATE docextract.search_pages, docextract.extracted_data, docextract.extraction_jobs, docextract.document_contents,
         docextract.documents;
DROP TABLE IF EXISTS public.bench_load_doc;
DROP ROLE IF EXISTS $role;
SQL
  rm -f "$work"/pgbench_log* "$work"/*.sql "$work"/*.pdf "$work"/*.txt
}
trap cleanup EXIT

# A one-page text PDF (native text: no OCR); every upload appends a unique comment line after
# %%EOF ("%salt <uuid>"), so that every upload is a new document (no deduplication).
python3 "$root/bench/validation/gendoc.py" pdf "$work/small.pdf" --lines 4
chmod 644 "$work/small.pdf"
doc_bytes=$(stat -c %s "$work/small.pdf")
bench_psql >/dev/null <<SQL
SET client_min_messages = warning;
TRUNCATE docextract.search_pages, docextract.extracted_data, docextract.extraction_jobs, docextract.document_contents,
         docextract.documents;
DROP TABLE IF EXISTS public.bench_load_doc;
CREATE TABLE public.bench_load_doc (content bytea NOT NULL);
INSERT INTO public.bench_load_doc VALUES (pg_read_binary_file('$work/small.pdf'));
DO \$\$ BEGIN CREATE ROLE $role LOGIN IN ROLE docextract_user;
EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;
GRANT SELECT ON public.bench_load_doc TO $role;
SQL
cat > "$work/upload.sql" <<'SQL'
SELECT docextract.upload('load-' || :client_id || '.pdf',
                         b.content || convert_to(E'%salt ' || gen_random_uuid()::text || E'\n', 'UTF8'),
                         'other')
  FROM public.bench_load_doc AS b;
SQL
# The salted document must be valid and extract with native text.
check=$(q -c "SELECT v.valid FROM public.bench_load_doc b,
                docextract.validate_file('x.pdf', b.content || convert_to(E'%salt x\n', 'UTF8')) v")
[ "$check" = t ] || { echo "load: the salted document is not valid" >&2; exit 1; }

# Start the workers and wait until they are up.
bench_start_workers "$workers"

deadlocks_before=$(q -c "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
log_offset=$(stat -c %s "$server_log" 2>/dev/null || echo 0)

echo "load: $clients clients uploading for ${seconds}s with $workers workers" >&2
pg_rc=0
pgbench -n -U "$role" -c $clients -j 2 -T $seconds -l --log-prefix="$work/pgbench_log" \
  -f "$work/upload.sql" > "$work/pgbench.txt" 2>&1 || pg_rc=$?
t_end=$(date +%s.%N)
backlog_at_end=$(q -c "SELECT count(*) FROM docextract.extraction_jobs WHERE status IN ('pending', 'processing')")
completed_during=$(q -c "SELECT count(*) FROM docextract.extraction_jobs WHERE status = 'completed'")

# Drain: until no job is pending or processing.
drained=false
while :; do
  left=$(q -c "SELECT count(*) FROM docextract.extraction_jobs WHERE status IN ('pending', 'processing')")
  if [ "$left" = 0 ]; then drained=true; break; fi
  if [ "$(echo "$(date +%s.%N) - $t_end > $drain_timeout" | bc)" = 1 ]; then break; fi
  sleep 0.2
done
drain_secs=$(echo "$(date +%s.%N) - $t_end" | bc)
sleep 2  # statistics are flushed at most once a second
deadlocks_after=$(q -c "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
read -r ndocs njobs ncompleted nfailed ndata ncontents <<<"$(q -F ' ' -c "SELECT
    (SELECT count(*) FROM docextract.documents), (SELECT count(*) FROM docextract.extraction_jobs),
    (SELECT count(*) FROM docextract.extraction_jobs WHERE status = 'completed'),
    (SELECT count(*) FROM docextract.extraction_jobs WHERE status = 'failed'),
    (SELECT count(*) FROM docextract.extracted_data), (SELECT count(*) FROM docextract.document_contents)")"
log_errors=$(tail -c +$((log_offset + 1)) "$server_log" 2>/dev/null | grep -c 'ERROR:' || true)
tail -c +$((log_offset + 1)) "$server_log" 2>/dev/null | grep 'ERROR:' | sort | uniq -c | sort -rn | head -5 > "$work/log_errors.txt" || true

python3 - "$work" "$work/pgbench.txt" "$pg_rc" "$clients" "$seconds" "$workers" "$doc_bytes" \
  "$deadlocks_before" "$deadlocks_after" "$backlog_at_end" "$completed_during" "$drained" "$drain_secs" \
  "$ndocs" "$njobs" "$ncompleted" "$nfailed" "$ndata" "$ncontents" "$log_errors" "$BENCH_MODE" \
  > "$work/measurements.txt" <<'PY'
import glob, json, re, statistics, sys
(work, out_path, rc, clients, seconds, workers, doc_bytes, dl0, dl1, backlog, completed_during,
 drained, drain_secs, ndocs, njobs, ncompleted, nfailed, ndata, ncontents, log_errors, mode) = sys.argv[1:22]
out = open(out_path).read()
lat, failed_log = [], 0
for f in glob.glob(work + "/pgbench_log*"):
    for line in open(f):
        parts = line.split()
        if len(parts) < 6:
            continue
        if parts[2] == "failed":
            failed_log += 1
        elif parts[2].isdigit():
            lat.append(int(parts[2]) / 1000.0)
lat.sort()
def pct(p):
    return lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))] if lat else None
def grab(pattern, default=0.0):
    m = re.search(pattern, out)
    return float(m.group(1)) if m else default
tps = grab(r"tps = ([0-9.]+) \(without initial connection time\)")
processed = int(grab(r"number of transactions actually processed: (\d+)"))
failed = int(grab(r"number of failed transactions: (\d+)"))
aborted = len(re.findall(r"client \d+ aborted", out))
errors = max(failed, failed_log) + aborted + (1 if int(rc) != 0 and not (failed or aborted) else 0)
deadlocks = int(dl1) - int(dl0)
lost = int(ndocs) - int(ndata)
settings = {"clients": int(clients), "seconds": int(seconds), "workers_per_database": int(workers),
            "document_bytes": int(doc_bytes), "mode": mode, "pgbench": "-n -c %s -j 2 -T %s -l" % (clients, seconds)}
how = (f"pgbench, {clients} clients for {seconds} s, each transaction one docextract.upload() of a "
       f"{doc_bytes}-byte one-page text PDF salted with a unique comment after %%EOF, as a member of "
       f"docextract_user, while {workers} in-server workers extract (on the same 2 shared cores).")
def m(name, unit, better, runs, **extra):
    d = {"name": name, "unit": unit, "better": better, "runs": runs,
         "value": statistics.median(runs) if runs else None, "n": len(runs), "settings": settings}
    d.update(extra)
    print(json.dumps(d))
m("uploads/s, 16 clients", "uploads/s", "higher", [tps], note=how + f" {processed} uploads committed.")
m("upload latency p50", "ms", "lower", [pct(50)] if lat else [],
  note=f"From pgbench's per-transaction log (-l), {len(lat)} transactions.")
m("upload latency p99", "ms", "lower", [pct(99)] if lat else [], note="Same log as p50.")
m("upload errors", "count", "lower", [errors], target_max=0,
  note=f"pgbench failed transactions ({failed}) + aborted clients ({aborted}); pgbench exit status {rc}. "
       f"Server log ERROR lines during the run and the drain: {log_errors}.")
m("deadlocks", "count", "lower", [deadlocks], target_max=0,
  note="pg_stat_database.deadlocks delta over the run and the drain.")
m("backlog drain time", "s", "lower", [float(drain_secs)],
  note=f"From the end of pgbench until no job is pending or processing; backlog at the end of the upload phase: "
       f"{backlog} jobs ({completed_during} completed during it). Drained: {drained}.")
m("drain rate after the upload phase", "jobs/s", "higher",
  [int(backlog) / float(drain_secs)] if float(drain_secs) > 0 and int(backlog) > 0 else [],
  note=f"Backlog at the end of the upload phase ({backlog} jobs) divided by the drain time; "
       f"{workers} workers, no concurrent uploads.")
m("documents lost", "count", "lower", [lost], target_max=0,
  note=f"After the drain: documents {ndocs}, contents {ncontents}, jobs {njobs}, completed {ncompleted}, "
       f"failed {nfailed}, extracted_data {ndata}; uploads committed per pgbench {processed}. "
       f"Lost = documents without extracted_data; all must be equal.")
ok = (int(ndocs) == int(njobs) == int(ncompleted) == int(ndata) == int(ncontents) == processed)
m("documents == jobs == completed == extracted_data == uploads", "bool", "higher", [1 if ok else 0], target_min=1,
  note="1 when all counts above are equal (nothing lost, nothing duplicated, every job completed).")
PY
bench_write load < "$work/measurements.txt"
python3 - "$work/measurements.txt" <<'PY' >&2
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    print(f"  {d['name']}: {d['value']} {d['unit']}  ({d.get('note', '')[:200]})")
PY
[ -s "$work/log_errors.txt" ] && { echo "load: server log errors:" >&2; cat "$work/log_errors.txt" >&2; } || true
