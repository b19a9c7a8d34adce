#!/usr/bin/env bash
# Structured fields, as a bench/run module (see bench/lib.sh): a generated corpus with known
# ground truth (gen.py: invoices, receipts, bank statements in four languages and two layouts,
# text PDFs and degraded scans; passports and ID cards with an OCR-B MRZ; EPC QR codes; AAMVA
# PDF417 licences, some skewed; traps) is extracted by the helper and compared with the truth
# (score.py): recall and precision of text PDFs and of scans/photos, the calibration table
# (confidence bucket -> share right) and the traps reported at 0.5 or more. Needs no database:
#   BENCH_MODE=quick BENCH_OUT=/tmp/f.json BENCH_WORK=/tmp/fw \
#     DOCEXTRACT_HELPER=build/src/bin/docextract-extract bash bench/fields/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
helper=${DOCEXTRACT_HELPER:-$PG_BINDIR/docextract-extract}
work=$BENCH_WORK
if [ "${BENCH_MODE:-quick}" = full ]; then per_kind=16; else per_kind=8; fi
per_kind=${FIELDS_PER_KIND:-$per_kind}
rm -rf "$work/corpus" "$work/results"
mkdir -p "$work/results"
# python3-reportlab and python3-pil are Debian's: the system interpreter
/usr/bin/python3 "$here/gen.py" "$work/corpus" "$per_kind" 20261202 >&2
/usr/bin/python3 -c 'import json, sys
for d in json.load(open(sys.argv[1])): print(d["file"], d["format"])' "$work/corpus/truth.json" > "$work/list"
# Two helpers at a time; each result is kept for the scorer, with the helper's time.
export helper work
# (through a pipe: the sandboxed helper writes to a pipe, not to a file)
xargs -P 2 -L 1 bash -c 'env -i OMP_THREAD_LIMIT=1 "$helper" --format "$1" < "$work/corpus/$0" | cat > "$work/results/$0.json"' \
  < "$work/list"
/usr/bin/python3 "$here/score.py" "$work/corpus" "$work/results" "$work/score.json" >&2
python3 - "$work/score.json" "$per_kind" "$work" <<'PY' | bench_write fields
import json, os, sys
s = json.load(open(sys.argv[1]))
work = sys.argv[3]
corpus = {"documents": s["documents"], "per_kind": int(sys.argv[2]), "seed": 20261202}
def m(name, unit, value, better, **extra):
    d = {"name": name, "unit": unit, "better": better, "runs": [value], "value": value, "n": 1}
    d.update(extra)
    print(json.dumps(d))
targets = {"text": (0.9, 0.97), "scan": (0.8, 0.95)}
for g, v in s["groups"].items():
    extra = {"corpus": corpus} if g == "text" else {}
    m(f"recall_{g}", "share", round(v["recall"], 3), "higher", target_min=targets[g][0],
      fields=f"{v['right']}/{v['expected']}", **extra)
    m(f"precision_{g}", "share", round(v["precision"], 3), "higher", target_min=targets[g][1],
      fields=f"{v['right']}/{v['reported']}")
for c in s["calibration"]:
    if c["count"] == 0:
        continue
    extra = {"fields": c["count"], "right": c["right"]}
    if c["bucket"].startswith("[0.95") or c["bucket"] == "1.0":
        extra["target_min"] = 0.99
    m(f"accuracy_conf_{c['bucket']}", "share", round(c["accuracy"], 4), "higher", **extra)
# the fields' share of the helper's time on the text PDFs (issue 10: at most 10 %)
shares = []
for d in json.load(open(os.path.join(work, "corpus", "truth.json"))):
    if d["format"] != "pdf":
        continue
    tm = json.load(open(os.path.join(work, "results", d["file"] + ".json"))).get("timings_ms", {})
    if tm.get("total"):
        shares.append(tm.get("fields", 0) / tm["total"])
shares.sort()
m("fields_share_of_helper_time_text_pdf", "share", round(shares[len(shares) // 2], 4), "lower", target_max=0.1,
  pdfs=len(shares), note="timings_ms.fields / timings_ms.total of the helper, median over the text PDFs of the corpus")
t = s["traps"]
m("traps_reported", "count", t["reported"], "lower", target_max=0, checked=t["checked"],
  note="trap values (bad IBAN checksum, totals that do not add up, a date that does not exist, an MRZ check "
       "digit that is wrong, a balance that does not add up) reported at a confidence of 0.5 or more")
PY
