#!/usr/bin/env python3
"""Samples the memory of PostgreSQL worker processes and of their children until a file appears.

  sample_rss.py INTERVAL_S STOP_FILE OUT_JSON PID...

Every INTERVAL_S it reads /proc/<pid>/status (VmRSS, VmHWM, RssAnon) of each PID and of each of
their children (the docextract-extract helper), and keeps the maxima. Writes OUT_JSON with the
maxima in KiB: {"worker": {pid: {...}}, "children": {pid: {"comm":..., ...}}, "samples": N}.
"""
import json
import os
import sys
import time


def status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("Name", "VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                    out[key] = rest.split()[0] if key == "Name" else int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return out


def children(pid):
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(x) for x in f.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return kids


def keep_max(store, key, st):
    cur = store.setdefault(str(key), {})
    for k, v in st.items():
        if isinstance(v, int):
            cur[k] = max(cur.get(k, 0), v)
        else:
            cur[k] = v


def main():
    interval, stop, out = float(sys.argv[1]), sys.argv[2], sys.argv[3]
    pids = [int(p) for p in sys.argv[4:]]
    workers, kids, n = {}, {}, 0
    while not os.path.exists(stop):
        for pid in pids:
            st = status(pid)
            if st:
                keep_max(workers, pid, st)
            for kid in children(pid):
                kst = status(kid)
                if kst:
                    keep_max(kids, kid, kst)
        n += 1
        time.sleep(interval)
    with open(out, "w") as f:
        json.dump({"worker": workers, "children": kids, "samples": n}, f)


if __name__ == "__main__":
    main()
