#!/usr/bin/env bash
# Issue 13, item 2: docextract.search() at 100,000 documents (about 200,000 pages, 60 % English,
# 30 % German, 10 % without a detected language) across 10 owners. Page texts are drawn from a
# Zipf-like vocabulary of common words and 30,000 rarer ones, with OCR-like misspellings.
# Measured: storing the results (the search trigger indexes each page), and the query latency
# (p50/p95 over RUNS different queries per shape, after one warm-up each) for a single common
# word, a single rare word, a phrase, a German plural, and fuzzy (pg_trgm) variants, as one owner
# (row-level security, a tenth of the pages visible) and as an admin (everything visible).
# Latency is the server-side time of SELECT count(*) FROM docextract.search(q) in a PL/pgSQL
# loop, so no client round trip is included.
# Run by bench/run (see bench/lib.sh for the environment it sets).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/bench/lib.sh"
: "${BENCH_WORK:?run me through bench/run}" "${BENCH_OUT:?}"

docs=${BENCH_SEARCH_DOCS:-100000}
owners=10
runs=20
work=$BENCH_WORK

cleanup() {
  bench_psql >/dev/null 2>&1 <<'SQL' || true
SET client_min_messages = warning;
TRUNCATE docextract.search_pages, docextract.search_words, docextract.search_configs,
         docextract.extracted_data, docextract.extraction_jobs, docextract.document_contents,
         docextract.documents;
DROP SCHEMA IF EXISTS bench_search CASCADE;
DROP EXTENSION IF EXISTS pg_trgm;
SQL
  for r in $(bench_psql -At -c "SELECT rolname FROM pg_roles WHERE rolname LIKE 'bench\_search\_%'" 2>/dev/null); do
    bench_psql -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1 || true
  done
  rm -f "$work"/*.txt
}
trap cleanup EXIT

for i in $(seq 1 $owners); do
  bench_psql -c "DO \$\$ BEGIN CREATE ROLE bench_search_u$i LOGIN IN ROLE docextract_user;
                 EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
done
bench_psql -c "DO \$\$ BEGIN CREATE ROLE bench_search_admin LOGIN IN ROLE docextract_admin;
               EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null

# ---- Data --------------------------------------------------------------------------------------
echo "search: generating $docs documents" >&2
bench_psql -f "$here/generate.sql" -v docs="$docs" -v owners="$owners" >/dev/null
bench_psql -At -F $'\t' -v docs="$docs" -f "$here/store.sql" > "$work/store.txt"
cat "$work/store.txt" >&2

# ---- Queries -----------------------------------------------------------------------------------
bench_psql -f "$here/queries.sql" -v runs="$runs" -At -F $'\t' > "$work/queries.txt"

python3 - "$work/store.txt" "$work/queries.txt" "$docs" "$owners" "$runs" "$BENCH_MODE" \
  > "$work/measurements.txt" <<'PY'
import collections, json, statistics, sys
store_f, queries_f, docs, owners, runs, mode = sys.argv[1:7]
base = {"documents": int(docs), "owners": int(owners), "mode": mode}
store = dict(l.rstrip("\n").split("\t", 1) for l in open(store_f) if "\t" in l)
pages = int(store["pages"])
for key, title, note in (
    ("plain_s", "storing results without the search trigger",
     "INSERT ... SELECT of one extracted_data row per document (pages in data, as complete_job stores them) with the trigger extracted_data_search disabled: the baseline"),
    ("indexed_s", "storing results with the search trigger",
     "the same INSERT with the trigger enabled: every page gets its tsvector, GIN entries and word-list rows (the other nine tenths of the documents are then stored without the trigger and indexed set-wise, to keep the setup short)")):
    secs = float(store[key])
    n = int(store["plain_pages"]) if key == "plain_s" else int(store["indexed_pages"])
    print(json.dumps({"name": f"{title}", "unit": "pages/s", "better": "higher", "runs": [n / secs],
                      "value": n / secs, "n": 1,
                      "compare_to": None if key == "plain_s" else "storing results without the search trigger",
                      "settings": dict(base, pages=n, seconds=round(secs, 1)),
                      "note": f"{note}; {n:,} pages in {secs:.1f} s."}))
for key in ("table_mb", "index_mb", "words"):
    unit = "count" if key == "words" else "MB"
    what = {"table_mb": "search_pages table size (with TOAST)", "index_mb": "GIN index size",
            "words": "word-list rows (all owners)"}[key]
    print(json.dumps({"name": what, "unit": unit, "better": "lower", "runs": [float(store[key])],
                      "value": float(store[key]), "n": 1, "settings": dict(base, pages=pages)}))

shapes = collections.OrderedDict()
for line in open(queries_f):
    parts = line.rstrip("\n").split("\t")
    if len(parts) != 6:
        continue
    who, shape, r, q, ms, rows = parts
    if int(r) == 0:
        continue  # warm-up
    shapes.setdefault((shape, who), []).append((float(ms), int(rows), q))
def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)
for (shape, who), rs in shapes.items():
    ms = [r[0] for r in rs]
    examples = ", ".join(sorted({r[2] for r in rs})[:3])
    for p, label in ((0.5, "p50"), (0.95, "p95")):
        print(json.dumps({"name": f"{shape}, {who}, {label}", "unit": "ms", "better": "lower",
                          "runs": ms if p == 0.5 else [], "value": pct(ms, p), "n": len(ms),
                          "settings": dict(base, pages=pages, max_results=20,
                                           median_rows=statistics.median(r[1] for r in rs)),
                          "note": f"{len(ms)} queries (e.g. {examples})" if p == 0.5 else None}))
PY
bench_write search < "$work/measurements.txt"
python3 - "$work/measurements.txt" <<'PY' >&2
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    print(f"  {d['name']}: {d['value']:.4g} {d['unit']}")
PY
