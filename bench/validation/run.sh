#!/usr/bin/env bash
# Issue 5, item 4: validate_file() calls/s on 1 KiB, 64 KiB and 5 MiB PDF and PNG documents,
#  - through the C++ core (bench_validate.cpp, linked against libdocextract_core.a) vs a raw
#    libmagic loop (magic_buffer, same flags and bytes_max) on the same buffers: target >= 0.8x;
#  - in SQL: pgbench, 1 client, fixed time, the document read from a table (STORAGE EXTERNAL, like
#    docextract.document_contents), so detoasting the bytea is part of every call; with two SQL
#    baselines on the same rows: get_byte(content, 0) (detoast only) and detect_mime() (libmagic).
# Run by bench/run (see bench/lib.sh for the environment it sets).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/bench/lib.sh"
: "${BENCH_WORK:?run me through bench/run}" "${BENCH_OUT:?}"

if [ "$BENCH_MODE" = full ]; then cxx_secs=2 cxx_runs=5 sql_secs=5 sql_runs=5
else cxx_secs=1 cxx_runs=3 sql_secs=2 sql_runs=3; fi

work=$BENCH_WORK
cleanup() {
  bench_psql -c "DROP TABLE IF EXISTS public.bench_validation" >/dev/null 2>&1 || true
  rm -rf "$work/docs" "$work/bench_validate" "$work"/*.sql
}
trap cleanup EXIT

# Documents: name size-label bytes. The 1 KiB PDF has 2 text lines so that it fits.
mkdir -p "$work/docs"
chmod 755 "$work/docs"
sizes="1KiB:1024 64KiB:65536 5MiB:5242880"
files=()
for s in $sizes; do
  label=${s%%:*} bytes=${s#*:}
  for fmt in pdf png; do
    f="$work/docs/doc-$label.$fmt"
    if [ "$fmt" = pdf ]; then python3 "$here/gendoc.py" pdf "$f" --size "$bytes" --lines 2
    else python3 "$here/gendoc.py" png "$f" --size "$bytes"; fi
    chmod 644 "$f"
    files+=("$f")
  done
done

# ---- C++: the core vs raw libmagic -----------------------------------------------------------
core_lib=""
for d in build build-pg build-core; do
  if [ -f "$root/$d/src/core/libdocextract_core.a" ]; then core_lib="$root/$d/src/core/libdocextract_core.a"; break; fi
done
if [ -z "$core_lib" ]; then
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$root/build" --target docextract_core >/dev/null
  core_lib="$root/build/src/core/libdocextract_core.a"
fi
g++ -O2 -std=c++17 -I "$root/src" "$here/bench_validate.cpp" "$core_lib" -lmagic -o "$work/bench_validate"
echo "validation: C++ core vs raw magic_buffer (${cxx_runs} runs of ${cxx_secs}s per file)" >&2
"$work/bench_validate" "$cxx_secs" "$cxx_runs" "${files[@]}" > "$work/cxx.txt"

# ---- SQL: pgbench, 1 client ------------------------------------------------------------------
bench_psql >/dev/null <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS public.bench_validation;
CREATE TABLE public.bench_validation (name text PRIMARY KEY, filename text NOT NULL, content bytea NOT NULL);
ALTER TABLE public.bench_validation ALTER COLUMN content SET STORAGE EXTERNAL;
SQL
for f in "${files[@]}"; do
  n=$(basename "$f")
  bench_psql -c "INSERT INTO public.bench_validation VALUES ('$n', '$n', pg_read_binary_file('$f'))" >/dev/null
done
bench_psql -c "VACUUM ANALYZE public.bench_validation" >/dev/null
bad=$(bench_psql -At -c "SELECT string_agg(b.name || ': ' || array_to_string(v.errors, ' '), '; ')
                           FROM public.bench_validation b, docextract.validate_file(b.filename, b.content) v
                          WHERE NOT v.valid")
[ -z "$bad" ] || { echo "validation: documents refused: $bad" >&2; exit 1; }

sql_for() {  # kind name
  case $1 in
    validate) echo "SELECT v.valid FROM public.bench_validation b, docextract.validate_file(b.filename, b.content) v WHERE b.name = '$2';" ;;
    detect_mime) echo "SELECT docextract.detect_mime(b.content) FROM public.bench_validation b WHERE b.name = '$2';" ;;
    detoast) echo "SELECT get_byte(b.content, 0) FROM public.bench_validation b WHERE b.name = '$2';" ;;
  esac
}
: > "$work/sql.txt"
echo "validation: SQL, pgbench -c 1 (${sql_runs} runs of ${sql_secs}s per file and kind, after a 1s warm-up)" >&2
for f in "${files[@]}"; do
  n=$(basename "$f")
  for kind in validate detect_mime detoast; do
    sql_for $kind "$n" > "$work/$kind-$n.sql"
    pgbench -n -c 1 -T 1 -f "$work/$kind-$n.sql" >/dev/null 2>&1  # warm-up
  done
  for r in $(seq 1 "$sql_runs"); do
    # Rotate the order of the kinds from run to run.
    kinds=(validate detect_mime detoast)
    for i in 0 1 2; do
      kind=${kinds[$(( (i + r) % 3 ))]}
      tps=$(pgbench -n -c 1 -T "$sql_secs" -f "$work/$kind-$n.sql" 2>&1 \
            | awk '/^tps = / {print $3; exit}')
      [ -n "$tps" ] || { echo "validation: pgbench failed for $kind $n" >&2; exit 1; }
      echo "$n $kind $r $tps" >> "$work/sql.txt"
    done
  done
done

# ---- Measurements ----------------------------------------------------------------------------
python3 - "$work/cxx.txt" "$work/sql.txt" "$cxx_secs" "$cxx_runs" "$sql_secs" "$sql_runs" > "$work/measurements.txt" <<'PY'
import json, statistics, sys
cxx, sql = {}, {}
for line in open(sys.argv[1]):
    name, kind, run, rate = line.split()
    cxx.setdefault((name, kind), {})[int(run)] = float(rate)
for line in open(sys.argv[2]):
    name, kind, run, rate = line.split()
    sql.setdefault((name, kind), {})[int(run)] = float(rate)
cxx_secs, cxx_runs, sql_secs, sql_runs = sys.argv[3:7]

def label(name):  # doc-5MiB.png -> "5 MiB PNG"
    size, fmt = name[4:].split(".")
    return size.replace("KiB", " KiB").replace("MiB", " MiB") + " " + fmt.upper()

def m(name, unit, better, runs, **extra):
    d = {"name": name, "unit": unit, "better": better, "runs": runs,
         "value": statistics.median(runs), "n": len(runs)}
    d.update(extra)
    print(json.dumps(d))

names = sorted({k[0] for k in cxx}, key=lambda n: ({"1KiB": 0, "64KiB": 1, "5MiB": 2}[n[4:].split(".")[0]], n))
for n in names:
    L = label(n)
    raw, val = cxx[(n, "raw")], cxx[(n, "validate")]
    cset = {"runs": int(cxx_runs), "seconds_per_run": float(cxx_secs), "bytes": L, "threads": 1}
    m(f"raw magic_buffer, C++ ({L})", "calls/s", "higher", [raw[r] for r in sorted(raw)],
      settings=cset, note="libmagic alone: magic_buffer() in a loop with docextract's flags "
      "(soft magic only) and bytes_max = 1 MiB, one cookie loaded once; fixed-time loops, "
      "alternating with validate_file, after a warm-up that is not reported.")
    m(f"validate_file, C++ core ({L})", "calls/s", "higher", [val[r] for r in sorted(val)],
      settings=cset, compare_to=f"raw magic_buffer, C++ ({L})", target_ratio=0.8,
      note="docextract::core::validate_file() from libdocextract_core.a (g++ -O2), default size "
      "limits, on the same buffer as the raw loop.")
    ratios = [val[r] / raw[r] for r in sorted(raw) if r in val]
    m(f"validate_file / raw magic_buffer, C++ ({L})", "ratio", "higher", ratios,
      settings=cset, target_min=0.8,
      note="Per run: validate_file calls/s divided by raw magic_buffer calls/s of the same "
      "round; median of the rounds. Target >= 0.8.")
    sset = {"clients": 1, "runs": int(sql_runs), "seconds_per_run": float(sql_secs),
            "bytes": L, "tool": "pgbench -n -c 1 -T"}
    s = sql[(n, "validate")]
    m(f"validate_file(), SQL ({L})", "calls/s", "higher", [s[r] for r in sorted(s)],
      settings=sset, note="pgbench, 1 client, one SELECT ... FROM bench_validation b, "
      "docextract.validate_file(b.filename, b.content) per transaction; the bytea is stored "
      "EXTERNAL (out of line, uncompressed, like document_contents), so reading and detoasting it "
      "is part of each call; no client-to-server transfer of the bytes. 1 s warm-up excluded.")
    s = sql[(n, "detect_mime")]
    m(f"detect_mime(), SQL ({L})", "calls/s", "higher", [s[r] for r in sorted(s)],
      settings=sset, note="Same as validate_file() in SQL but only docextract.detect_mime(content): "
      "libmagic through SQL.")
    s = sql[(n, "detoast")]
    m(f"detoast only, SQL ({L})", "calls/s", "higher", [s[r] for r in sorted(s)],
      settings=sset, note="Same row, SELECT get_byte(content, 0): the cost of fetching and "
      "detoasting the bytea, with no validation.")
PY
bench_write validation < "$work/measurements.txt"
python3 - "$work/measurements.txt" <<'PY' >&2
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    print(f"  {d['name']}: {d['value']:.4g} {d['unit']}")
PY
