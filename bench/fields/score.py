#!/usr/bin/env python3
"""Compares the helper's fields with the corpus' ground truth (gen.py): per-field recall and
precision (text PDFs and scans/photos apart), the calibration table (confidence bucket -> share
right, count) and the traps reported at 0.5 or more.

usage: score.py CORPUS RESULTS_DIR OUT.json   (RESULTS_DIR/<file>.json: the helper's result)
A field counts as reported when its confidence is 0.5 or more (FIELDS.md: traps never reach 0.5);
recall = right reported / expected, precision = right reported / reported. Every reported field
enters the calibration table, also those below 0.5 and those the document does not have."""
import json
import os
import sys

corpus, results, out = sys.argv[1:4]
truth = json.load(open(os.path.join(corpus, "truth.json")))
BUCKETS = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 0.95), (0.95, 1.0), (1.0, 1.01)]


def same(name, want, got):
    if name == "line_items":
        if not isinstance(got, list) or len(got) != len(want):
            return False
        return all(isinstance(g, dict) and isinstance(g.get("amount"), (int, float)) and abs(g["amount"] - w) < 0.005
                   for g, w in zip(got, want))
    if isinstance(want, float) or isinstance(want, int) and not isinstance(want, bool):
        return isinstance(got, (int, float)) and abs(got - want) < 0.005
    return got == want


stats = {}  # (group, field) -> [expected, reported, right]
cal = [[0, 0] for _ in BUCKETS]  # [count, right]
traps = {"checked": 0, "reported": 0, "list": []}
wrong_high = []
missing = 0
for doc in truth:
    path = os.path.join(results, doc["file"] + ".json")
    try:
        r = json.load(open(path))
    except (OSError, ValueError):
        r = {}
    if "fields" not in r:
        missing += 1
    fields, conf = r.get("fields", {}), r.get("field_confidence", {})
    group = "scan" if doc["scan"] else "text"
    for name, want in doc["fields"].items():
        s = stats.setdefault((group, name), [0, 0, 0])
        s[0] += 1
    for name, got in fields.items():
        c = conf.get(name, 0)
        want = doc["fields"].get(name)
        right = want is not None and same(name, want, got)
        for k, (lo, hi) in enumerate(BUCKETS):
            if lo <= c < hi:
                cal[k][0] += 1
                cal[k][1] += right
        if c >= 0.95 and not right:
            wrong_high.append({"file": doc["file"], "field": name, "got": got, "want": want, "confidence": c})
        if name in doc["forbidden"]:
            continue
        if c >= 0.5:
            s = stats.setdefault((group, name), [0, 0, 0])
            s[1] += 1
            s[2] += right
    for name, bad in doc["forbidden"].items():
        traps["checked"] += 1
        c = conf.get(name, 0)
        if name in fields and c >= 0.5:
            traps["reported"] += 1
            traps["list"].append({"file": doc["file"], "field": name, "got": fields[name], "confidence": c})

summary = {"documents": len(truth), "no_result": missing, "groups": {}, "fields": {}, "calibration": [],
           "traps": traps, "wrong_at_095": wrong_high}
for group in ("text", "scan"):
    e = sum(v[0] for (g, _), v in stats.items() if g == group)
    rep = sum(v[1] for (g, _), v in stats.items() if g == group)
    ok = sum(v[2] for (g, _), v in stats.items() if g == group)
    summary["groups"][group] = {"expected": e, "reported": rep, "right": ok,
                                "recall": ok / e if e else None, "precision": ok / rep if rep else None}
for (group, name), (e, rep, ok) in sorted(stats.items()):
    summary["fields"].setdefault(name, {})[group] = {"expected": e, "reported": rep, "right": ok}
for (lo, hi), (n, ok) in zip(BUCKETS, cal):
    label = "1.0" if lo == 1.0 else f"[{lo:.2f}, {min(hi, 1.0):.2f})"
    summary["calibration"].append({"bucket": label, "count": n, "right": ok, "accuracy": ok / n if n else None})
json.dump(summary, open(out, "w"), indent=1, ensure_ascii=False)

# a readable report on stdout
print(f"documents {len(truth)}, without result {missing}")
for g, v in summary["groups"].items():
    print(f"{g}: recall {v['recall']}, precision {v['precision']} ({v['right']}/{v['expected']} expected, "
          f"{v['reported']} reported)")
print("confidence bucket | fields | right | accuracy")
for c in summary["calibration"]:
    print(f"{c['bucket']} | {c['count']} | {c['right']} | {c['accuracy']}")
print(f"traps: {traps['reported']} of {traps['checked']} reported at >= 0.5 {traps['list']}")
for w in wrong_high:
    print("WRONG >= 0.95:", w)
for name, gs in sorted(summary["fields"].items()):
    print(name, {g: f"{v['right']}/{v['expected']} exp, {v['reported']} rep" for g, v in gs.items()})
