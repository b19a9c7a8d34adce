#!/usr/bin/env bash
# Field refresh (refresh_fields()) against a full extraction, for scanned pages, as a bench/run
# module. The pages are the scans of the fields corpus (bench/fields/gen.py: 200-dpi gray renders
# of invoices, receipts and statements, passports and ID cards, turned, some blurred).
#   1. The helper alone (drive.py): a one-shot extraction of each page against a one-shot
#      `--refresh-fields` on its stored result; per page the median of the rounds.
#   2. With the benchmark cluster (PGHOST ...): the pages uploaded and extracted by 2 in-server
#      workers, then refresh_all_fields(false): the jobs' processing_time_seconds (claim to
#      completion: the helper plus the worker's SQL) of the extractions against the refreshes.
# Without a database (BENCH_REFRESH_DB=0) only part 1 runs:
#   BENCH_REFRESH_DB=0 BENCH_OUT=/tmp/r.json BENCH_WORK=/tmp/rw \
#     DOCEXTRACT_HELPER=build/src/bin/docextract-extract bash bench/refresh/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
helper=${DOCEXTRACT_HELPER:-$PG_BINDIR/docextract-extract}
work=$BENCH_WORK
if [ "${BENCH_MODE:-quick}" = full ]; then per_kind=4; rounds=3; else per_kind=2; rounds=2; fi
rm -rf "$work/corpus"
mkdir -p "$work"
/usr/bin/python3 "$here/../fields/gen.py" "$work/corpus" "$per_kind" 20261202 >&2
/usr/bin/python3 "$here/drive.py" "$helper" "$work/corpus" "$rounds" "$work/helper.json"

if [ "${BENCH_REFRESH_DB:-1}" != 0 ]; then
  bench_psql -c "CREATE EXTENSION IF NOT EXISTS docextract" \
    -c "SET docextract.allow_drop_with_documents = on; DROP EXTENSION docextract; CREATE EXTENSION docextract" \
    -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_refresh') THEN
          CREATE ROLE bench_refresh LOGIN IN ROLE docextract_admin; END IF; END \$\$" >/dev/null
  bench_start_workers 2
  /usr/bin/python3 - "$work/corpus" <<'PY' | bench_psql -U bench_refresh >/dev/null
import json, os, sys
for d in json.load(open(os.path.join(sys.argv[1], "truth.json"))):
    if d.get("scan"):
        data = open(os.path.join(sys.argv[1], d["file"]), "rb").read().hex()
        print(f"SELECT docextract.upload('{d['file']}', '\\x{data}'::bytea);")
PY
  wait_all() {
    for _ in $(seq 1 3600); do
      [ "$(bench_psql -Atc "SELECT count(*) FROM docextract.extraction_jobs WHERE status IN ('pending', 'processing')")" = 0 ] && return 0
      sleep 1
    done
    return 1
  }
  wait_all
  bench_psql -U bench_refresh -Atc "SELECT count(*) FROM docextract.refresh_all_fields(outdated_only => false, priority => 0)" >/dev/null
  wait_all
  bench_psql -Atc "SELECT json_agg(json_build_object('kind', kind, 'status', status, 'seconds', processing_time_seconds))
                     FROM docextract.extraction_jobs" > "$work/pipeline.json"
  bench_psql -Atc "SELECT json_build_object('equal', bool_and(e.fields = r.fields), 'pairs', count(*))
                     FROM (SELECT x.document_id, x.data - 'fields_refresh' AS fields FROM docextract.extracted_data AS x
                             JOIN docextract.extraction_jobs AS j ON j.id = x.job_id WHERE j.kind = 'extract') AS e
                     JOIN (SELECT x.document_id, x.data - 'fields_refresh' AS fields FROM docextract.extracted_data AS x
                             JOIN docextract.extraction_jobs AS j ON j.id = x.job_id WHERE j.kind = 'refresh_fields') AS r
                       USING (document_id)" > "$work/pipeline_equal.json"
  bench_start_workers 0
else
  echo '[]' > "$work/pipeline.json"
  echo '{}' > "$work/pipeline_equal.json"
fi

python3 - "$work" <<'PY' | bench_write refresh
import json, os, statistics, sys
work = sys.argv[1]
pages = json.load(open(os.path.join(work, "helper.json")))
def m(name, unit, runs, better, **extra):
    d = {"name": name, "unit": unit, "better": better, "runs": runs,
         "value": round(statistics.median(runs), 3) if runs else None, "n": len(runs)}
    d.update(extra)
    print(json.dumps(d))
full = [p["full_ms"] for p in pages]
refresh = [p["refresh_ms"] for p in pages]
m("helper_full_extraction_scan", "ms", full, "lower", pages=len(pages), note="one-shot helper per scanned page (OCR)")
m("helper_refresh_fields_scan", "ms", refresh, "lower", compare_to="helper_full_extraction_scan",
  fields_equal=all(p["fields_equal"] for p in pages),
  stored_kb=round(statistics.median(p["stored_bytes"] for p in pages) / 1024, 1),
  note="one-shot docextract-extract --refresh-fields on the page's stored result")
m("helper_refresh_share_of_full", "share", [r / f for r, f in zip(refresh, full)], "lower",
  note="per page: refresh time / full extraction time")
jobs = json.load(open(os.path.join(work, "pipeline.json"))) or []
ext = [j["seconds"] * 1000 for j in jobs if j["kind"] == "extract" and j["status"] == "completed"]
ref = [j["seconds"] * 1000 for j in jobs if j["kind"] == "refresh_fields" and j["status"] == "completed"]
if ext and ref:
    eq = json.load(open(os.path.join(work, "pipeline_equal.json")))
    m("job_full_extraction_scan", "ms", ext, "lower", workers=2, note="processing_time_seconds of the extraction jobs")
    m("job_refresh_fields_scan", "ms", ref, "lower", workers=2, compare_to="job_full_extraction_scan",
      fields_equal=eq.get("equal"), pairs=eq.get("pairs"),
      note="processing_time_seconds of the refresh_fields jobs (refresh_all_fields(false))")
PY
