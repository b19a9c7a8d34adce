#!/usr/bin/python3
"""Field refresh against full extraction, the helper alone (bench/refresh/run.sh).

usage: drive.py HELPER CORPUS_DIR ROUNDS OUT.json
For every scanned page of the corpus (truth.json entries with "scan": true), ROUNDS times each,
alternating: a one-shot `HELPER --format FMT` on the page, then `HELPER --refresh-fields` on that
result without its field keys (what docextract.refresh_source() hands a worker). Writes the
per-page median wall times and whether the refreshed fields equal the extraction's."""
import json, os, statistics, subprocess, sys, time

FIELD_KEYS = ("fields", "field_confidence", "field_details", "detected_type",
              "detected_type_confidence", "entities", "overall_confidence", "fields_version")
helper, corpus, rounds, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
env = {"OMP_THREAD_LIMIT": "1"}


def run(args, data):
    t = time.monotonic()
    p = subprocess.run([helper] + args, input=data, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    ms = (time.monotonic() - t) * 1000
    return ms, json.loads(p.stdout)


pages = []
for d in json.load(open(os.path.join(corpus, "truth.json"))):
    if not d.get("scan"):
        continue
    data = open(os.path.join(corpus, d["file"]), "rb").read()
    full_ms, refresh_ms, equal = [], [], True
    for _ in range(rounds):
        ms, result = run(["--format", d["format"], "--document-type", "other"], data)
        full_ms.append(ms)
        stored = json.dumps({k: v for k, v in result.items() if k not in FIELD_KEYS}).encode()
        ms, fields = run(["--refresh-fields", "--document-type", "other"], stored)
        refresh_ms.append(ms)
        equal = equal and all(fields.get(k) == result.get(k) for k in FIELD_KEYS)
    pages.append({"file": d["file"], "kind": d["kind"], "full_ms": statistics.median(full_ms),
                  "refresh_ms": statistics.median(refresh_ms), "stored_bytes": len(stored),
                  "fields_equal": equal})
    print(f"{d['file']}: full {pages[-1]['full_ms']:.0f} ms, refresh {pages[-1]['refresh_ms']:.1f} ms,"
          f" equal {equal}", file=sys.stderr)
json.dump(pages, open(out, "w"), indent=1)
