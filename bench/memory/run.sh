#!/usr/bin/env bash
# Issue 5, item 7: memory of the in-server workers and of the extraction helper.
#  - worker RSS at steady state: 2 workers that have extracted a few small documents, idle;
#    VmRSS, VmHWM and RssAnon from /proc/<pid>/status of pg_stat_activity's 'docextract worker's;
#  - while processing a ~50 MiB PDF (200 text pages and one 48 MB uncompressed image, padded to
#    52,000,000 bytes <= docextract.max_file_size): the workers and their helper child sampled
#    every 10 ms, plus each worker's VmHWM after the job;
#  - helper peak RSS: sampled in the job above, and the helper run directly on the same file
#    under /usr/bin/time -v.
# Run by bench/run (see bench/lib.sh for the environment it sets).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/bench/lib.sh"
: "${BENCH_WORK:?run me through bench/run}" "${BENCH_OUT:?}"

workers=2
if [ "$BENCH_MODE" = full ]; then big_runs=3 idle_samples=10; else big_runs=2 idle_samples=5; fi
big_bytes=52000000
work=$BENCH_WORK
sampler_pid=""

q() { bench_psql -At "$@"; }
cleanup() {
  [ -n "$sampler_pid" ] && { touch "$work/stop"; wait "$sampler_pid" 2>/dev/null || true; }
  bench_set docextract.workers_per_database 0 >/dev/null 2>&1 || true
  bench_psql >/dev/null 2>&1 <<'SQL' || true
SET client_min_messages = warning;
TRUNCATE docextract.search_pages, docextract.extracted_data, docextract.extraction_jobs, docextract.document_contents,
         docextract.documents;
SQL
  rm -f "$work"/*.pdf "$work"/*.json "$work"/*.txt "$work/stop"
}
trap cleanup EXIT

python3 "$root/bench/validation/gendoc.py" pdf "$work/small.pdf" --lines 4
python3 "$root/bench/validation/gendoc.py" pdf "$work/big.pdf" --pages 200 --image-bytes 48000000 --size $big_bytes
chmod 644 "$work/small.pdf" "$work/big.pdf"
bench_psql -c "SET client_min_messages = warning" -c "TRUNCATE docextract.search_pages, docextract.extracted_data, docextract.extraction_jobs,
  docextract.document_contents, docextract.documents" >/dev/null

bench_start_workers "$workers"
pids=$(q -c "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE backend_type = 'docextract worker' AND datname = current_database()")

wait_job() {  # document id -> final status
  local job
  job=$(q -c "SELECT id FROM docextract.extraction_jobs WHERE document_id = '$1'")
  q -c "SELECT docextract.wait_for_job('$job', '600 seconds')"
}

# Warm the workers up with 20 small documents, then let them idle.
for i in $(seq 1 20); do
  doc=$(q -c "SELECT docextract.upload('small.pdf', pg_read_binary_file('$work/small.pdf') || convert_to(E'%warm $i\n', 'UTF8'))")
done
st=$(wait_job "$doc")
for _ in $(seq 1 100); do
  left=$(q -c "SELECT count(*) FROM docextract.extraction_jobs WHERE status <> 'completed'")
  [ "$left" = 0 ] && break
  sleep 0.2
done
[ "$left" = 0 ] || { echo "memory: warm-up jobs did not complete ($st)" >&2; exit 1; }
sleep 3

# Idle: one sample a second; each sample is the largest value over the workers.
: > "$work/idle.txt"
for _ in $(seq 1 $idle_samples); do
  for p in $pids; do
    awk -v p="$p" '/^(VmRSS|VmHWM|RssAnon):/ {v[$1]=$2} END {print p, v["VmRSS:"], v["VmHWM:"], v["RssAnon:"]}' "/proc/$p/status"
  done | sort -k2 -n | tail -1 >> "$work/idle.txt"
  sleep 1
done

# The 50 MiB PDF: each run a differently salted copy (a new document each time).
: > "$work/big.txt"
for r in $(seq 1 $big_runs); do
  rm -f "$work/stop"
  python3 "$here/sample_rss.py" 0.01 "$work/stop" "$work/sample-$r.json" $pids &
  sampler_pid=$!
  t0=$(date +%s.%N)
  doc=$(q -c "SELECT docextract.upload('big.pdf', pg_read_binary_file('$work/big.pdf') || convert_to(E'%run $r\n', 'UTF8'), 'report')")
  st=$(wait_job "$doc")
  t1=$(date +%s.%N)
  sleep 0.1
  touch "$work/stop"; wait "$sampler_pid"; sampler_pid=""
  [ "$st" = completed ] || { echo "memory: the 50 MiB PDF job ended $st" >&2; exit 1; }
  info=$(q -F ' ' -c "SELECT j.processing_time_seconds, e.data->'metadata'->>'pages', d.file_size
                        FROM docextract.documents d JOIN docextract.extraction_jobs j ON j.document_id = d.id
                        JOIN docextract.extracted_data e ON e.job_id = j.id WHERE d.id = '$doc'")
  hwm=$(for p in $pids; do awk '/^VmHWM:/ {print $2}' "/proc/$p/status"; done | sort -n | tail -1)
  echo "$r $(echo "$t1 - $t0" | bc) $info $hwm" >> "$work/big.txt"
done

# The helper, directly, on the same file, with the workers' options.
helper=$(q -c "SHOW docextract.extract_program")
: > "$work/helper.txt"
for r in $(seq 1 $big_runs); do
  env -i OMP_THREAD_LIMIT=1 /usr/bin/time -f '%M %e' -o "$work/time.txt" \
    "$helper" --format pdf --lang eng --max-pages 500 --max-memory-mb 2048 < "$work/big.pdf" > /dev/null
  cat "$work/time.txt" >> "$work/helper.txt"
done

python3 - "$work" "$big_runs" "$idle_samples" "$workers" "$big_bytes" "$BENCH_MODE" > "$work/measurements.txt" <<'PY'
import json, statistics, sys
work, big_runs, idle_samples, workers, big_bytes, mode = sys.argv[1:7]
mib = lambda kb: round(int(kb) / 1024, 1)
def m(name, unit, runs, note, **extra):
    d = {"name": name, "unit": unit, "better": "lower", "runs": runs,
         "value": statistics.median(runs) if runs else None, "n": len(runs),
         "settings": {"workers_per_database": int(workers), "mode": mode, **extra}, "note": note}
    print(json.dumps(d))
idle = [l.split() for l in open(f"{work}/idle.txt")]
m("worker RSS, idle (VmRSS)", "MiB", [mib(x[1]) for x in idle],
  f"Steady state: {workers} workers after extracting 20 small PDFs, then 3 s idle; one sample a second "
  f"({idle_samples}), each the largest VmRSS of the workers (/proc/<pid>/status). VmRSS counts the "
  f"shared_buffers pages the process has touched (RssShmem); RssAnon is its private memory.",
  samples=int(idle_samples))
m("worker private memory, idle (RssAnon)", "MiB", [mib(x[3]) for x in idle],
  "Same samples as VmRSS: anonymous (private) resident memory only.", samples=int(idle_samples))
m("worker peak RSS before the big PDF (VmHWM)", "MiB", [mib(x[2]) for x in idle],
  "VmHWM of the same samples: the largest RSS each worker had so far (after 20 small PDFs).")
big = [l.split() for l in open(f"{work}/big.txt")]
samples = [json.load(open(f"{work}/sample-{r}.json")) for r in range(1, int(big_runs) + 1)]
w_rss = [mib(max(v.get("VmRSS", 0) for v in s["worker"].values())) for s in samples]
w_anon = [mib(max(v.get("RssAnon", 0) for v in s["worker"].values())) for s in samples]
h_rss = [mib(max([v.get("VmHWM", 0) for v in s["children"].values()] or [0])) for s in samples]
n_samples = [s["samples"] for s in samples]
kids = sorted({v.get("Name", "?") for s in samples for v in s["children"].values()})
secs = [float(x[1]) for x in big]
pages = sorted({x[3] for x in big})
size = big[0][4] if big else big_bytes
m("worker RSS while extracting a 50 MiB PDF (sampled VmRSS)", "MiB", w_rss,
  f"A {size}-byte PDF (200 text pages, one 48 MB uncompressed image; pages extracted: {', '.join(pages)}) "
  f"uploaded with docextract.upload() and extracted by an in-server worker; VmRSS of the workers sampled "
  f"every 10 ms ({n_samples} samples per run) from the upload until the job completed "
  f"(upload to completion {', '.join(f'{s:.1f}' for s in secs)} s); largest value per run.",
  file_bytes=int(size), big_pdf_runs=int(big_runs))
m("worker private memory while extracting a 50 MiB PDF (sampled RssAnon)", "MiB", w_anon,
  "Same samples: anonymous (private) resident memory of the workers.")
m("worker peak RSS after the 50 MiB PDFs (VmHWM)", "MiB", [mib(x[5]) for x in big],
  "VmHWM (the kernel's exact peak RSS over the process's life) of the workers after each run; largest of the workers.")
m("helper peak RSS in the worker's job (sampled VmHWM)", "MiB", h_rss,
  f"VmHWM of the worker's child processes ({', '.join(kids) or 'none seen'}) at the last 10 ms sample "
  f"before they exited; a lower bound if the peak came in the last 10 ms.")
helper = [l.split() for l in open(f"{work}/helper.txt")]
m("helper peak RSS, run directly (/usr/bin/time)", "MiB", [mib(x[0]) for x in helper],
  f"docextract-extract --format pdf --lang eng --max-pages 500 --max-memory-mb 2048 < the same file, "
  f"env -i OMP_THREAD_LIMIT=1, under /usr/bin/time (maximum resident set size); "
  f"wall time {', '.join(x[1] for x in helper)} s.", direct_runs=int(big_runs))
PY
bench_write memory < "$work/measurements.txt"
python3 - "$work/measurements.txt" <<'PY' >&2
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    print(f"  {d['name']}: {d['value']} {d['unit']}  runs={d['runs']}")
PY
